/**
 * Rate limits as CONTRACT.md 3 documents them: /api REQUEST_WEIGHT 6000 per minute per IP; /sapi
 * per-endpoint budgets, 12000 per minute by IP or 180000 per minute by UID (withdraw history: 180000 per
 * second by UID). Fixed windows aligned to the window length, like the exchange's minute buckets; every
 * window is scaled by `limitWindowMs` (default 60000) so tests can hit limits fast.
 *
 * Escalation: a request over a limit gets 429 with Retry-After; a client that keeps calling while limited
 * is banned (418) for 2 minutes, doubling for each repeat offence up to 3 days (all scaled).
 */
import { Errors } from './errors.js';

export type LimitKind = 'api-ip' | 'sapi-ip' | 'sapi-uid' | 'sapi-uid-1s';

export interface LimitSpec {
  kind: LimitKind;
  /** Weight per window. */
  limit: number;
  /** Response header carrying the used weight. */
  header: string;
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

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly offenders = new Map<string, Offender>();
  readonly usedTotals = new Map<string, number>();

  constructor(private readonly windowScale: number) {}

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
      throw Errors.tooMuchWeight(spec.limit, spec.intervalText, Math.max(1, Math.ceil((end - now) / 1000)));
    }
    b.used += weight;
    this.usedTotals.set(id, (this.usedTotals.get(id) ?? 0) + weight);
    return b.used;
  }

  /** Current used weight of a bucket (0 when its window has passed). */
  used(spec: LimitSpec, key: string, now: number): number {
    const win = this.windowMs(spec);
    const b = this.buckets.get(`${spec.kind}|${key}`);
    return b && b.windowStart === Math.floor(now / win) * win ? b.used : 0;
  }
}
