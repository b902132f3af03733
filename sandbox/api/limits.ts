/**
 * Rate limits as CONTRACT.md 3 documents them: /api REQUEST_WEIGHT 6000 per minute per IP and
 * RAW_REQUESTS 300,000 per 5 minutes per IP (the 2026-04-02 value exchangeInfo advertises); /sapi
 * per-endpoint budgets, 12000 per minute by IP or 180000 per minute by UID (withdraw history: 180000 per
 * second by UID). Fixed windows aligned to the window length, like the exchange's minute buckets; every
 * window is scaled by `limitWindowMs` (default 60000) so tests can hit limits fast.
 *
 * Escalation: a request over a limit gets 429 with Retry-After; a client that keeps calling while limited
 * is banned (418) for 2 minutes, doubling for each repeat offence up to 3 days (all scaled).
 */
import { Errors } from './errors.js';

export type LimitKind = 'api-ip' | 'api-raw' | 'sapi-ip' | 'sapi-uid' | 'sapi-uid-1s';

export interface LimitSpec {
  kind: LimitKind;
  /** Weight (or, for RAW_REQUESTS, requests) per window. */
  limit: number;
  /** Response header carrying the used weight (none for RAW_REQUESTS: the exchange sends no count). */
  header?: string;
  /** Window length in nominal ms (before scaling). */
  nominalMs: number;
  /** Text for the -1003 message. */
  intervalText: string;
}

export const LIMITS: Record<LimitKind, LimitSpec> = {
  'api-ip': {
    kind: 'api-ip',
    limit: 6000,
    header: 'X-MBX-USED-WEIGHT-1M',
    nominalMs: 60_000,
    intervalText: '1 MINUTE',
  },
  'api-raw': {
    kind: 'api-raw',
    limit: 300_000,
    nominalMs: 300_000,
    intervalText: '5 MINUTE',
  },
  'sapi-ip': {
    kind: 'sapi-ip',
    limit: 12000,
    header: 'X-SAPI-USED-IP-WEIGHT-1M',
    nominalMs: 60_000,
    intervalText: '1 MINUTE',
  },
  'sapi-uid': {
    kind: 'sapi-uid',
    limit: 180000,
    header: 'X-SAPI-USED-UID-WEIGHT-1M',
    nominalMs: 60_000,
    intervalText: '1 MINUTE',
  },
  'sapi-uid-1s': {
    kind: 'sapi-uid-1s',
    limit: 180000,
    header: 'X-SAPI-USED-UID-WEIGHT-1S',
    nominalMs: 1_000,
    intervalText: '1 SECOND',
  },
};

interface Bucket {
  windowStart: number;
  used: number;
}

interface Offender {
  /** Until when the client is "rate limited" (after a 429): calls before then are strikes. */
  limitedUntil: number;
  strikes: number;
  bannedUntil: number;
  /** Number of bans so far: each doubles the next. */
  bans: number;
}

/** Strikes (requests while limited) that turn into a ban. */
const STRIKES_TO_BAN = 3;

/** Limits a test may lower (the limit, not the window: windows scale with `limitWindowMs`). */
export interface LimitOverrides {
  /** RAW_REQUESTS per 5-minute window (default 300,000); exchangeInfo advertises this value. */
  rawRequests?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly offenders = new Map<string, Offender>();
  readonly usedTotals = new Map<string, number>();
  /** When each spaced endpoint last served a request, by account. */
  private readonly lastServed = new Map<string, number>();
  /** The limits this sandbox enforces (and exchangeInfo advertises). */
  readonly specs: Record<LimitKind, LimitSpec>;

  constructor(
    private readonly windowScale: number,
    overrides: LimitOverrides = {},
  ) {
    this.specs = { ...LIMITS };
    if (overrides.rawRequests !== undefined)
      this.specs['api-raw'] = { ...LIMITS['api-raw'], limit: overrides.rawRequests };
  }

  /** Window length in real ms for a limit. */
  windowMs(spec: LimitSpec): number {
    return Math.max(1, Math.round(spec.nominalMs * this.windowScale));
  }

  private offender(ip: string): Offender {
    let o = this.offenders.get(ip);
    if (!o) {
      o = { limitedUntil: 0, strikes: 0, bannedUntil: 0, bans: 0 };
      this.offenders.set(ip, o);
    }
    return o;
  }

  /** Throws 418 when the IP is banned. Counts a strike (and maybe bans) when it calls while limited. */
  checkBan(ip: string, now: number): void {
    const o = this.offender(ip);
    if (now < o.bannedUntil) throw Errors.banned(o.bannedUntil, Math.ceil((o.bannedUntil - now) / 1000));
    if (now < o.limitedUntil) {
      o.strikes++;
      if (o.strikes >= STRIKES_TO_BAN) this.ban(ip, now);
      if (now < o.bannedUntil) throw Errors.banned(o.bannedUntil, Math.ceil((o.bannedUntil - now) / 1000));
    }
  }

  /** Bans the IP for the next escalation step: 2 minutes, doubling, at most 3 days (scaled). */
  ban(ip: string, now: number): number {
    const o = this.offender(ip);
    const base = 120_000 * this.windowScale;
    const max = 3 * 86_400_000 * this.windowScale;
    const length = Math.max(1, Math.round(Math.min(max, base * 2 ** o.bans)));
    o.bans++;
    o.strikes = 0;
    o.limitedUntil = 0;
    o.bannedUntil = now + length;
    return o.bannedUntil;
  }

  /** Marks the IP as told to back off until `until` (after a 429, real or injected). */
  markLimited(ip: string, until: number): void {
    const o = this.offender(ip);
    o.limitedUntil = Math.max(o.limitedUntil, until);
  }

  /**
   * Charges `weight` to the bucket `key` of `spec`; throws 429 when it would exceed the limit.
   * Returns the weight used in the window after charging (for the header).
   */
  charge(spec: LimitSpec, key: string, weight: number, ip: string, now: number): number {
    const win = this.windowMs(spec);
    const start = Math.floor(now / win) * win;
    const id = `${spec.kind}|${key}`;
    let b = this.buckets.get(id);
    if (!b || b.windowStart !== start) {
      b = { windowStart: start, used: 0 };
      this.buckets.set(id, b);
    }
    if (b.used + weight > spec.limit) {
      const end = start + win;
      this.markLimited(ip, end);
      const retryAfterS = Math.max(1, Math.ceil((end - now) / 1000));
      if (spec.kind === 'api-raw')
        throw Errors.tooManyRequests(ip, spec.limit, spec.intervalText, retryAfterS);
      throw Errors.tooMuchWeight(spec.limit, spec.intervalText, retryAfterS);
    }
    b.used += weight;
    this.usedTotals.set(id, (this.usedTotals.get(id) ?? 0) + weight);
    return b.used;
  }

  /**
   * "Max one request every <nominalMs> per account" (auto-invest plan/list, CONTRACT.md 4.13): a gap since
   * the last request served, not a window, so two calls either side of a window edge are still too close.
   * Too soon: 429 with Retry-After (and the IP counts as limited, like any 429). Only answered requests
   * start the gap (`served`): a call refused for a missing parameter read nothing.
   */
  checkSpacing(key: string, nominalMs: number, ip: string, now: number): void {
    const gap = Math.max(1, Math.round(nominalMs * this.windowScale));
    const last = this.lastServed.get(key);
    if (last !== undefined && now - last < gap) {
      const until = last + gap;
      this.markLimited(ip, until);
      throw Errors.tooFrequent(1, `${nominalMs / 1000} SECOND`, Math.max(1, Math.ceil((until - now) / 1000)));
    }
  }

  /** Starts the gap of a spaced endpoint (see checkSpacing). */
  served(key: string, now: number): void {
    this.lastServed.set(key, now);
  }

  /** Current used weight of a bucket (0 when its window has passed). */
  used(spec: LimitSpec, key: string, now: number): number {
    const win = this.windowMs(spec);
    const b = this.buckets.get(`${spec.kind}|${key}`);
    return b && b.windowStart === Math.floor(now / win) * win ? b.used : 0;
  }
}
