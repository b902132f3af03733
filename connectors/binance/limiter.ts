/**
 * The weight scheduler (CONTRACT.md §3). It budgets every limit a request counts against before sending
 * it, from the endpoint's known weight, and corrects its count from the exchange's own usage headers
 * after every response: it never relies on its own guess alone, and it never sends a request that would
 * break a limit. Windows are fixed (aligned to the server's clock, as Binance's are), and their length
 * scales with `minuteMs` so a sandbox with short windows is driven at the same pace as the real thing.
 */
import { ExchangeApiError } from '../../core/index.js';
import type { Clock } from '../../core/index.js';
import { DEFAULT_LIMITS } from './endpoints.js';
import type { EndpointSpec } from './endpoints.js';
import type { Params } from './signing.js';

/** One limit: at most `limit` units (weight or requests) per fixed window of `windowMs`. */
export interface Bucket {
  readonly key: string;
  limit: number;
  readonly windowMs: number;
  readonly unit: 'weight' | 'requests';
  /** Units used in window `windowIndex`, as far as we know (our reservations, corrected by headers). */
  used: number;
  windowIndex: number;
  /** Units reserved by requests still in flight. */
  inflight: number;
  /** No request on this bucket before this server time (after a 429's Retry-After). */
  blockedUntil: number;
}

/** A reservation: what one request counts against; settle it with the response. */
export interface Ticket {
  readonly buckets: ReadonlyArray<{ bucket: Bucket; units: number }>;
  readonly weight: number;
  readonly windowIndexes: readonly number[];
}

/** A rate-limit row of exchangeInfo. */
export interface RateLimitRule {
  rateLimitType: string;
  interval: string;
  intervalNum: number;
  limit: number;
}

export interface LimiterOptions {
  /** The local clock (sleeps go through it). */
  clock: Clock;
  /** Server time now: local clock plus the measured offset. */
  serverNow?: () => number;
  /** How long a "minute" lasts (default 60000; the sandbox's --limit-window-ms makes it shorter). */
  minuteMs?: number;
  /** Called when a request must wait for a window; the CLI shows it as "waiting on limits". */
  onWait?: (info: { bucket: string; waitMs: number }) => void;
  /** Stop using this fraction of each limit (default 1: the whole budget, headers keep us honest). */
  budgetFraction?: number;
}

/** Usage counters for the summary and the benchmark. */
export interface LimiterStats {
  requests: number;
  weight: number;
  waits: number;
  waitedMs: number;
  /** Weight per family as we sent it. */
  weightByFamily: Record<string, number>;
}

const HEADER = /^x-(mbx-used-weight|sapi-used-ip-weight|sapi-used-uid-weight)-(\d+)([smhd])$/i;

export class WeightLimiter {
  private readonly clock: Clock;
  private readonly serverNow: () => number;
  private readonly minuteMs: number;
  private readonly budgetFraction: number;
  private readonly onWait: LimiterOptions['onWait'];
  private readonly buckets = new Map<string, Bucket>();
  private apiRules: RateLimitRule[] = [
    {
      rateLimitType: 'REQUEST_WEIGHT',
      interval: 'MINUTE',
      intervalNum: 1,
      limit: DEFAULT_LIMITS.apiWeightPerMinute,
    },
    {
      rateLimitType: 'RAW_REQUESTS',
      interval: 'MINUTE',
      intervalNum: 5,
      limit: DEFAULT_LIMITS.apiRawRequestsPer5Minutes,
    },
  ];
  /**
   * After a 429 the exchange treats ANY request from the IP before the window ends as a strike toward a
   * 418 ban, whichever limit was hit: so everything waits until then.
   */
  private globalBlockUntil = 0;
  /**
   * When each spaced endpoint was last sent, then answered (server time). "One request every 3 s" is a gap
   * since the previous request, not a fixed window: two calls either side of a window edge would break it.
   * The gap counts from the answer's arrival, which is never before the server finished serving it: counted
   * from the send, a first call that reached a busy server late left the second one short of 3 s there.
   */
  private readonly lastSent = new Map<string, number>();
  readonly stats: LimiterStats = { requests: 0, weight: 0, waits: 0, waitedMs: 0, weightByFamily: {} };

  constructor(options: LimiterOptions) {
    this.clock = options.clock;
    this.serverNow = options.serverNow ?? (() => options.clock.now());
    this.minuteMs = options.minuteMs ?? 60_000;
    this.budgetFraction = options.budgetFraction ?? 1;
    this.onWait = options.onWait;
  }

  /** Window length of an exchangeInfo interval, scaled. */
  intervalMs(interval: string, num: number): number {
    const unit = interval.toUpperCase();
    const base =
      unit === 'SECOND'
        ? this.minuteMs / 60
        : unit === 'MINUTE'
          ? this.minuteMs
          : unit === 'HOUR'
            ? this.minuteMs * 60
            : this.minuteMs * 1440;
    return base * num;
  }

  /** Replaces the /api limits with exchangeInfo's `rateLimits` (the live values; ORDERS rules do not concern reads). */
  setApiRateLimits(rules: RateLimitRule[]): void {
    const relevant = rules.filter(
      (r) => r.rateLimitType === 'REQUEST_WEIGHT' || r.rateLimitType === 'RAW_REQUESTS',
    );
    if (relevant.length === 0) return;
    this.apiRules = relevant;
    // A limit we already count against (same rule and window) keeps its count: the requests sent before
    // exchangeInfo answered (the clock samples, exchangeInfo itself) are in the server's window too, and
    // RAW_REQUESTS has no usage header to correct us. Only its limit changes.
    const kept = new Set<string>();
    for (const r of relevant) {
      const key = this.apiKey(r);
      const b = this.buckets.get(key);
      if (b && b.windowMs === this.intervalMs(r.interval, r.intervalNum)) {
        b.limit = r.limit;
        kept.add(key);
      }
    }
    for (const key of [...this.buckets.keys()])
      if (key.startsWith('api:') && !kept.has(key)) this.buckets.delete(key);
  }

  /** Bucket key of an /api rule. */
  private apiKey(r: RateLimitRule): string {
    const kind = r.rateLimitType === 'REQUEST_WEIGHT' ? 'weight' : 'raw';
    return `api:${kind}:${r.intervalNum}${r.interval[0]!.toLowerCase()}`;
  }

  private bucket(key: string, limit: number, windowMs: number, unit: 'weight' | 'requests'): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { key, limit, windowMs, unit, used: 0, windowIndex: -1, inflight: 0, blockedUntil: 0 };
      this.buckets.set(key, b);
    }
    return b;
  }

  /** The buckets one request counts against, with its units in each. */
  private bucketsFor(spec: EndpointSpec, weight: number): Array<{ bucket: Bucket; units: number }> {
    const out: Array<{ bucket: Bucket; units: number }> = [];
    if (spec.family === 'api') {
      for (const r of this.apiRules) {
        const windowMs = this.intervalMs(r.interval, r.intervalNum);
        const weightRule = r.rateLimitType === 'REQUEST_WEIGHT';
        const key = this.apiKey(r);
        out.push({
          bucket: this.bucket(key, r.limit, windowMs, weightRule ? 'weight' : 'requests'),
          units: weightRule ? weight : 1,
        });
      }
    } else if (spec.perSecond) {
      out.push({
        bucket: this.bucket(
          `${spec.family}:1s:${spec.path}`,
          DEFAULT_LIMITS.sapiUidWeightPerSecond,
          this.minuteMs / 60,
          'weight',
        ),
        units: weight,
      });
      out.push({
        bucket: this.bucket(
          `${spec.family}:1s-requests:${spec.path}`,
          DEFAULT_LIMITS.withdrawRequestsPerSecond,
          this.minuteMs / 60,
          'requests',
        ),
        units: 1,
      });
    } else {
      const limit =
        spec.family === 'sapi-uid'
          ? DEFAULT_LIMITS.sapiUidWeightPerMinute
          : DEFAULT_LIMITS.sapiIpWeightPerMinute;
      out.push({
        bucket: this.bucket(`${spec.family}:1m:${spec.path}`, limit, this.minuteMs, 'weight'),
        units: weight,
      });
    }
    return out;
  }

  private roll(b: Bucket, now: number): void {
    const index = Math.floor(now / b.windowMs);
    if (index !== b.windowIndex) {
      b.windowIndex = index;
      // A new window: requests reserved in the old one were counted there (by us and, on arrival, by the server).
      b.used = 0;
      b.inflight = 0;
    }
  }

  /** How long until `units` fit in `b` (0 = now). */
  private waitFor(b: Bucket, units: number, now: number): number {
    if (b.blockedUntil > now) return b.blockedUntil - now;
    this.roll(b, now);
    const cap = Math.max(1, Math.floor(b.limit * this.budgetFraction));
    if (b.used + units <= cap) return 0;
    // Wait for the next window, plus a small guard in case the server's window edge is a little later than ours.
    const next = (b.windowIndex + 1) * b.windowMs;
    return next - now + Math.max(5, Math.ceil(b.windowMs * 0.01));
  }

  /** How long until a spaced endpoint may be sent again (0 = now), with the windows' small guard. */
  private spacingWait(spec: EndpointSpec, now: number): number {
    if (!spec.minIntervalMs) return 0;
    const last = this.lastSent.get(spec.path);
    if (last === undefined) return 0;
    const gap = (spec.minIntervalMs * this.minuteMs) / 60_000;
    // The guard covers arrival jitter: the server measures the gap between arrivals, not sends.
    return Math.max(0, last + gap + Math.max(5, Math.ceil(gap * 0.01)) - now);
  }

  /** Waits until the request fits every limit it counts against, then reserves it. */
  async acquire(spec: EndpointSpec, params: Params, signal?: AbortSignal): Promise<Ticket> {
    const weight = spec.weight(params);
    const parts = this.bucketsFor(spec, weight);
    for (const { bucket, units } of parts) {
      if (units > bucket.limit) {
        throw new ExchangeApiError(
          'weight_exceeds_limit',
          `binance: ${spec.path} costs ${units} ${bucket.unit} but the limit ${bucket.key} allows only ${bucket.limit} per window.`,
          { hint: 'The exchange lowered its limits; report this.' },
        );
      }
    }
    for (;;) {
      signal?.throwIfAborted();
      const now = this.serverNow();
      let wait = Math.max(0, this.globalBlockUntil - now);
      let waitingOn = wait > 0 ? 'retry-after' : '';
      const spacing = this.spacingWait(spec, now);
      if (spacing > wait) {
        wait = spacing;
        waitingOn = `spacing:${spec.path}`;
      }
      for (const { bucket, units } of parts) {
        const w = this.waitFor(bucket, units, now);
        if (w > wait) {
          wait = w;
          waitingOn = bucket.key;
        }
      }
      if (wait <= 0) {
        if (spec.minIntervalMs) this.lastSent.set(spec.path, now);
        for (const { bucket, units } of parts) {
          bucket.used += units;
          bucket.inflight += units;
        }
        this.stats.requests += 1;
        this.stats.weight += weight;
        this.stats.weightByFamily[spec.family] = (this.stats.weightByFamily[spec.family] ?? 0) + weight;
        return { buckets: parts, weight, windowIndexes: parts.map((p) => p.bucket.windowIndex) };
      }
      this.stats.waits += 1;
      this.stats.waitedMs += wait;
      this.onWait?.({ bucket: waitingOn, waitMs: wait });
      await this.clock.sleep(wait, signal);
    }
  }

  /**
   * Settles a reservation with the response headers: a usage header is the server's own count for the
   * window, so it replaces ours (plus what other requests in flight will still add).
   */
  settle(ticket: Ticket, spec: EndpointSpec, headers: Headers | undefined): void {
    const now = this.serverNow();
    if (spec.minIntervalMs) this.lastSent.set(spec.path, Math.max(this.lastSent.get(spec.path) ?? now, now));
    ticket.buckets.forEach(({ bucket, units }, i) => {
      if (bucket.windowIndex === ticket.windowIndexes[i])
        bucket.inflight = Math.max(0, bucket.inflight - units);
      // Reserved in one window, answered in a later one: it may have reached the server after the edge and
      // count there. Request counts (RAW_REQUESTS) have no usage header to tell, so count it there too.
      if (bucket.unit === 'requests') {
        this.roll(bucket, now);
        if (bucket.windowIndex > ticket.windowIndexes[i]!) bucket.used += units;
      }
    });
    if (!headers) return;
    headers.forEach((value, name) => {
      const m = HEADER.exec(name);
      if (!m) return;
      const used = Number(value);
      if (!Number.isFinite(used) || used < 0) return;
      const family = m[1]!.toLowerCase();
      const num = Number(m[2]);
      const letter = m[3]!.toLowerCase();
      const interval =
        letter === 's' ? 'SECOND' : letter === 'm' ? 'MINUTE' : letter === 'h' ? 'HOUR' : 'DAY';
      let target: Bucket | undefined;
      if (family === 'mbx-used-weight') {
        target = this.buckets.get(`api:weight:${num}${interval[0]!.toLowerCase()}`);
      } else if (family === 'sapi-used-ip-weight' && spec.family === 'sapi-ip') {
        target = this.buckets.get(letter === 's' ? `sapi-ip:1s:${spec.path}` : `sapi-ip:1m:${spec.path}`);
      } else if (family === 'sapi-used-uid-weight' && spec.family === 'sapi-uid') {
        target = this.buckets.get(letter === 's' ? `sapi-uid:1s:${spec.path}` : `sapi-uid:1m:${spec.path}`);
      }
      if (!target) return;
      const i = ticket.buckets.findIndex((p) => p.bucket === target);
      const sentIndex = i >= 0 ? ticket.windowIndexes[i] : target.windowIndex;
      this.roll(target, now);
      // A header from a window that has since ended says nothing about the current one.
      if (sentIndex !== target.windowIndex) return;
      target.used = used + target.inflight;
    });
  }

  /** After a 429: nothing at all until `untilServerMs`, and these limits count as full until their window ends. */
  block(ticket: Ticket, untilServerMs: number): void {
    this.globalBlockUntil = Math.max(this.globalBlockUntil, untilServerMs);
    for (const { bucket } of ticket.buckets) {
      bucket.blockedUntil = Math.max(bucket.blockedUntil, untilServerMs);
      if (bucket.unit === 'weight') bucket.used = Math.max(bucket.used, bucket.limit);
    }
  }

  /** Current view of every limit, for progress and debugging. */
  snapshot(): Array<{ key: string; used: number; limit: number; windowMs: number }> {
    const now = this.serverNow();
    return [...this.buckets.values()].map((b) => {
      this.roll(b, now);
      return { key: b.key, used: b.used, limit: b.limit, windowMs: b.windowMs };
    });
  }
}
