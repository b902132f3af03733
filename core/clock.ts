/**
 * The clock, injected everywhere time matters (rate limiters, server-time offsets, windows), so tests
 * and the sandbox can drive time instead of waiting for it.
 */
export interface Clock {
  /** UTC epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock that moves only when told: `sleep` advances it instantly. For deterministic tests. */
export class ManualClock implements Clock {
  private current: number;
  /** Every sleep requested, in order: tests assert on back-off schedules with it. */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
    return Promise.resolve();
  }
}

/** A clock offset from another: what a client uses after measuring its drift to the server. */
export function offsetClock(base: Clock, offsetMs: () => number): Clock {
  return { now: () => base.now() + offsetMs(), sleep: (ms, signal) => base.sleep(ms, signal) };
}

/** ISO 8601 (UTC, milliseconds) for output; inside, times stay epoch milliseconds. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses a user-given date or time (`2024-01-31`, `2024-01-31T10:00:00Z`, epoch ms or s) to epoch ms.
 * Dates without a zone are UTC. Returns undefined for anything else, so callers can say which flag was wrong.
 */
export function parseTimeInput(text: string): number | undefined {
  const trimmed = text.trim();
  // Date.parse rolls a day past the month's end over (2027-02-30 is 2027-03-02): a typo must fail instead.
  const ymd = /^(\d{4})-(\d{2})-(\d{2})/.exec(trimmed);
  if (ymd && !isCalendarDate(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]))) return undefined;
  if (/^\d{13}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{10}$/.test(trimmed)) return Number(trimmed) * 1000;
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const ms = Date.parse(`${trimmed}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)) {
    const withT = trimmed.replace(' ', 'T');
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(withT) ? withT : `${withT}Z`;
    const ms = Date.parse(zoned);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
