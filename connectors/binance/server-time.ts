/**
 * The offset to the exchange's clock (CONTRACT.md §2.4). Binance rejects a timestamp more than 1 s ahead
 * of its clock or more than recvWindow behind it (-1021). We measure `serverTime - midpoint(send, receive)`
 * over several round trips and keep the tightest one, whose half round trip bounds the error. Timestamps
 * are then sent at `local + offset - bound` (never ahead), and we refuse to run when the bound plus the
 * round trip does not fit in recvWindow: the drift cannot be bounded well enough to be accepted.
 */
import { ExchangeApiError } from '../../core/index.js';
import type { Clock } from '../../core/index.js';

export interface ServerTimeOptions {
  clock: Clock;
  /** One call to GET /api/v3/time returning serverTime (the client passes a limiter-aware call). */
  fetchServerTime: (signal?: AbortSignal) => Promise<number>;
  /** The recvWindow sent with every signed request (ms, default 5000, max 60000). */
  recvWindow?: number;
  /** Round trips per measurement (default 3). */
  samples?: number;
  /** Re-measure after this long (default 10 min). */
  resyncEveryMs?: number;
}

/** One measurement's result. */
export interface ClockSample {
  offsetMs: number;
  rttMs: number;
}

export class ServerTime {
  private readonly clock: Clock;
  private readonly fetchServerTime: ServerTimeOptions['fetchServerTime'];
  readonly recvWindow: number;
  private readonly samples: number;
  private readonly resyncEveryMs: number;
  private offset = 0;
  private bound = 0;
  private measuredAt = Number.NEGATIVE_INFINITY;
  private measuring: Promise<void> | undefined;
  /** Measurements so far, for the summary. */
  readonly history: ClockSample[] = [];

  constructor(options: ServerTimeOptions) {
    this.clock = options.clock;
    this.fetchServerTime = options.fetchServerTime;
    this.recvWindow = options.recvWindow ?? 5000;
    if (!Number.isInteger(this.recvWindow) || this.recvWindow < 1 || this.recvWindow > 60_000) {
      throw new ExchangeApiError('recv_window', `binance: recvWindow ${this.recvWindow} is out of range.`, {
        hint: 'Pass --recv-window between 1 and 60000 (ms).',
        exitCode: 2,
      });
    }
    this.samples = options.samples ?? 3;
    this.resyncEveryMs = options.resyncEveryMs ?? 600_000;
  }

  /** Server time estimate (local + offset). */
  now(): number {
    return this.clock.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  get errorBoundMs(): number {
    return this.bound;
  }

  /** The timestamp to sign: never ahead of the server's clock by our error bound. */
  timestamp(): number {
    return Math.floor(this.clock.now() + this.offset - this.bound);
  }

  isStale(): boolean {
    return this.clock.now() - this.measuredAt > this.resyncEveryMs;
  }

  /** Measures now, or waits for a measurement already running. */
  sync(signal?: AbortSignal): Promise<void> {
    this.measuring ??= this.measure(signal).finally(() => {
      this.measuring = undefined;
    });
    return this.measuring;
  }

  /** Measures when the last measurement is older than the resync interval. */
  async ensureFresh(signal?: AbortSignal): Promise<void> {
    if (this.isStale()) await this.sync(signal);
  }

  private async measure(signal?: AbortSignal): Promise<void> {
    let best: ClockSample | undefined;
    for (let i = 0; i < this.samples; i++) {
      const sent = this.clock.now();
      const serverTime = await this.fetchServerTime(signal);
      const received = this.clock.now();
      const rtt = Math.max(0, received - sent);
      const sample = { offsetMs: Math.round(serverTime - (sent + received) / 2), rttMs: rtt };
      if (!best || sample.rttMs < best.rttMs) best = sample;
      // A very tight round trip cannot be improved on; save the weight.
      if (rtt <= 2) break;
    }
    if (!best) return;
    const bound = Math.ceil(best.rttMs / 2);
    // Sent at (server - bound), the request arrives up to one more round trip later: it must still be in the window.
    if (2 * bound + best.rttMs >= this.recvWindow || bound >= 1000) {
      throw new ExchangeApiError(
        'clock_unbounded',
        `binance: cannot bound the clock offset to the server: the fastest of ${this.samples} round trips to /api/v3/time took ${best.rttMs} ms, too slow for recvWindow ${this.recvWindow} ms.`,
        { hint: 'Use a faster network path, or raise --recv-window (up to 60000).', details: { ...best } },
      );
    }
    this.offset = best.offsetMs;
    this.bound = bound;
    this.measuredAt = this.clock.now();
    this.history.push(best);
  }
}
