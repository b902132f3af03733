/**
 * Transient failures of a replayed read: a dropped connection, a body cut short, a timeout, or an answer
 * of 429/500/502/503/504. A read is safe to send again, so replay retries it (writes never are: auth calls
 * and allowed writes go out once). Delays grow exponentially with jitter and honour `Retry-After`.
 */

/** Statuses worth another try: rate limited, or a server or gateway that failed this once. */
export const TRANSIENT_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export interface RetryPolicy {
  /** Tries after the first. Default 3. */
  retries: number;
  /** First backoff step in ms (doubles per try, capped by `maxDelayMs`). Default 250. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; a longer one is cut to this. Default 30 000. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 30_000,
};

/** `Retry-After` as ms from `now`: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before retry number `attempt` (0-based): `Retry-After` when given, else jittered backoff. */
export function retryDelayMs(
  attempt: number,
  retryAfter: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxRetryAfterMs);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // "Equal jitter": at least half the step, so retries never bunch at zero.
  return Math.round(cap / 2 + random() * (cap / 2));
}
