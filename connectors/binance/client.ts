/**
 * The HTTP client (DESIGN.md convention 9): a factory with fetch, clock and limiter injected, timeouts by
 * AbortSignal, retries for reads only (and it sends only reads). Each attempt is reported to `onRequest`
 * for the audit log, with its params but never the signature.
 */
import { ExchangeApiError, createLogger, parseJsonLossless, systemClock } from '../../core/index.js';
import type { Clock, JsonValue } from '../../core/index.js';
import { endpoints, READ_ONLY_POSTS } from './endpoints.js';
import type { EndpointSpec } from './endpoints.js';
import { BinanceApiError, BinanceBanError, hintFor } from './errors.js';
import { WeightLimiter } from './limiter.js';
import { ServerTime } from './server-time.js';
import { encodeParams, signRequest } from './signing.js';
import type { Params } from './signing.js';
import type { Credentials } from './credentials.js';
import { isObject } from './values.js';

const log = createLogger('connectors:binance:http');

/** One attempt, as the audit log records it (never the signature, never a secret). */
export interface RequestEvent {
  /** Local epoch ms when the request was sent. */
  time: number;
  method: string;
  endpoint: string;
  /** The params sent, without `signature` (and without `timestamp`, which says nothing about the data). */
  params: Record<string, string>;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  weight: number;
  /** Records the response carried (when the caller counted them). */
  records?: number;
  durationMs: number;
  attempt: number;
  /** What went wrong, when it did (code and message, never a secret). */
  error?: string;
}

export interface BinanceClientOptions {
  /** `https://api.binance.com` or the sandbox's base URL. */
  baseUrl: string;
  /** Needed for signed endpoints; public ones work without. */
  credentials?: Credentials;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  /** recvWindow in ms (default 5000). */
  recvWindow?: number;
  /** A "minute" of the rate limits in ms (default 60000); the sandbox's --limit-window-ms. */
  minuteMs?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Attempts per request before giving up on retryable failures (default 12). */
  maxAttempts?: number;
  /** First back-off delay (default 500 ms; doubles up to `maxBackoffMs`, with jitter). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Every attempt, for the audit log. */
  onRequest?: (event: RequestEvent) => void;
  /** A request waits for a limit; the CLI shows it. */
  onWait?: (info: { bucket: string; waitMs: number }) => void;
  /** A retry is scheduled. */
  onRetry?: (info: { endpoint: string; reason: string; delayMs: number }) => void;
  /** [0,1) source for jitter (tests make it deterministic). */
  random?: () => number;
  /**
   * Requests in flight at once (default 1). After a 429 the exchange counts every request that arrives
   * before its Retry-After as a strike toward an IP ban, and requests already in flight cannot be called
   * back; one at a time (the streams' database work still overlaps) also saturates /api's weight limit at
   * any realistic round trip, so more buys little.
   */
  maxInFlight?: number;
}

/** A parsed response. */
export interface ApiResponse {
  body: JsonValue;
  status: number;
  weight: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Counts the records in a successful body, for the audit log. */
  countRecords?: (body: JsonValue) => number;
}

/** Retry counters for the summary. */
export interface ClientStats {
  retries: number;
  status429: number;
  status5xx: number;
  networkErrors: number;
  clockResyncs: number;
}

class Retryable extends Error {
  constructor(
    readonly reason: string,
    readonly minDelayMs = 0,
  ) {
    super(reason);
  }
}

export class BinanceClient {
  readonly baseUrl: string;
  readonly limiter: WeightLimiter;
  readonly serverTime: ServerTime;
  readonly stats: ClientStats = { retries: 0, status429: 0, status5xx: 0, networkErrors: 0, clockResyncs: 0 };
  private readonly credentials: Credentials | undefined;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private readonly options: BinanceClientOptions;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly maxInFlight: number;

  constructor(options: BinanceClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.serverTime = new ServerTime({
      clock: this.clock,
      recvWindow: options.recvWindow ?? 5000,
      fetchServerTime: async (signal) => {
        const res = await this.call(endpoints.time, {}, signal ? { signal } : {});
        const t = isObject(res.body) ? res.body['serverTime'] : undefined;
        if (typeof t !== 'number') {
          throw new ExchangeApiError(
            'unexpected_response',
            'binance: /api/v3/time did not return serverTime.',
          );
        }
        return t;
      },
    });
    this.limiter = new WeightLimiter({
      clock: this.clock,
      serverNow: () => this.serverTime.now(),
      ...(options.minuteMs ? { minuteMs: options.minuteMs } : {}),
      ...(options.onWait ? { onWait: options.onWait } : {}),
    });
  }

  private readonly listeners = new Set<(event: RequestEvent) => void>();

  /** Adds a listener for every attempt (the audit log); returns its remover. */
  addRequestListener(listener: (event: RequestEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private report(event: RequestEvent): void {
    this.options.onRequest?.(event);
    for (const l of this.listeners) l(event);
  }

  /** Calls one endpoint of the allow-list; retries what a read may retry; throws BinanceApiError otherwise. */
  async call(spec: EndpointSpec, params: Params = {}, options: CallOptions = {}): Promise<ApiResponse> {
    assertReadOnly(spec);
    let resyncs = 0;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      if (spec.signed) await this.serverTime.ensureFresh(options.signal);
      try {
        return await this.attempt(spec, params, attempt, options);
      } catch (error) {
        if (error instanceof BinanceApiError && error.binanceCode === -1021 && resyncs < 2) {
          // Clock drifted (or the server's did): measure again and resend right away.
          resyncs += 1;
          this.stats.clockResyncs += 1;
          await this.serverTime.sync(options.signal);
          attempt -= 1;
          continue;
        }
        if (!(error instanceof Retryable)) throw error;
        if (attempt >= this.maxAttempts) {
          throw new ExchangeApiError(
            'unavailable',
            `binance: ${spec.path} failed ${attempt} times (last: ${error.reason}).`,
            {
              hint: 'The exchange or the network is having trouble; run again later: the sync resumes where it stopped.',
            },
          );
        }
        const exp = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
        const delay = Math.max(error.minDelayMs, Math.round(exp / 2 + (this.random() * exp) / 2));
        this.stats.retries += 1;
        this.options.onRetry?.({ endpoint: spec.path, reason: error.reason, delayMs: delay });
        log('retry %s in %d ms: %s', spec.path, delay, error.reason);
        await this.clock.sleep(delay, options.signal);
      }
    }
  }

  private async slot(signal?: AbortSignal): Promise<() => void> {
    while (this.inFlight >= this.maxInFlight) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight += 1;
    return () => {
      this.inFlight -= 1;
      this.slotWaiters.shift()?.();
    };
  }

  private async attempt(
    spec: EndpointSpec,
    params: Params,
    attempt: number,
    options: CallOptions,
  ): Promise<ApiResponse> {
    const release = await this.slot(options.signal);
    try {
      return await this.attemptInSlot(spec, params, attempt, options);
    } finally {
      release();
    }
  }

  private async attemptInSlot(
    spec: EndpointSpec,
    params: Params,
    attempt: number,
    options: CallOptions,
  ): Promise<ApiResponse> {
    const ticket = await this.limiter.acquire(spec, params, options.signal);
    let query: string;
    let body = '';
    if (spec.signed) {
      if (!this.credentials) {
        throw new ExchangeApiError('no_credentials', `binance: ${spec.path} needs an API key.`, {
          hint: 'Export BINANCE_API_KEY and BINANCE_API_SECRET (or BINANCE_PRIVATE_KEY_FILE).',
        });
      }
      // POST reads carry their params in the body, signed as query ‖ body (CONTRACT.md §2.2).
      const signed =
        spec.method === 'POST'
          ? signRequest(
              this.credentials.signer,
              {},
              this.serverTime.timestamp(),
              this.serverTime.recvWindow,
              params,
            )
          : signRequest(
              this.credentials.signer,
              params,
              this.serverTime.timestamp(),
              this.serverTime.recvWindow,
            );
      query = signed.query;
      body = signed.body;
    } else {
      query = encodeParams(params);
    }
    const url = `${this.baseUrl}${spec.path}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = {};
    if (this.credentials) headers['X-MBX-APIKEY'] = this.credentials.apiKey;
    if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const sent = this.clock.now();
    const event: RequestEvent = {
      time: sent,
      method: spec.method,
      endpoint: spec.path,
      params: auditParams(params, spec.signed ? this.serverTime.recvWindow : undefined),
      status: 0,
      weight: ticket.weight,
      durationMs: 0,
      attempt,
    };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        ...(spec.method === 'POST' ? { body } : {}),
        signal,
      });
      text = await response.text();
    } catch (error) {
      this.limiter.settle(ticket, spec, undefined);
      event.durationMs = this.clock.now() - sent;
      if (options.signal?.aborted) {
        event.error = 'aborted';
        this.report(event);
        throw options.signal.reason;
      }
      const reason = timeout.aborted ? `timed out after ${this.timeoutMs} ms` : networkReason(error);
      event.error = reason;
      this.report(event);
      this.stats.networkErrors += 1;
      throw new Retryable(reason);
    }
    event.status = response.status;
    event.durationMs = this.clock.now() - sent;
    this.limiter.settle(ticket, spec, response.headers);
    log(
      '%s %s -> %d (%d ms, weight %d)',
      spec.method,
      spec.path,
      response.status,
      event.durationMs,
      ticket.weight,
    );

    if (response.status >= 200 && response.status < 300) {
      let parsed: JsonValue;
      try {
        parsed = parseJsonLossless(text);
      } catch {
        event.error = `malformed or truncated body (${text.length} bytes)`;
        this.report(event);
        this.stats.networkErrors += 1;
        throw new Retryable(event.error);
      }
      // C2C/Fiat wrap errors in 200s with a string code (CONTRACT.md §2.5).
      if (isObject(parsed) && parsed['success'] === false) {
        const msg = typeof parsed['message'] === 'string' ? parsed['message'] : 'request failed';
        event.error = msg;
        this.report(event);
        throw new BinanceApiError(spec.path, response.status, undefined, msg);
      }
      if (options.countRecords) {
        try {
          event.records = options.countRecords(parsed);
        } catch {
          // Counting is for the audit log; the read itself reports shape errors.
        }
      }
      this.report(event);
      return { body: parsed, status: response.status, weight: ticket.weight };
    }

    // An error response.
    let binanceCode: number | undefined;
    let msg = text.slice(0, 300);
    try {
      const parsed = parseJsonLossless(text);
      if (isObject(parsed)) {
        if (typeof parsed['code'] === 'number') binanceCode = parsed['code'];
        if (typeof parsed['msg'] === 'string') msg = parsed['msg'];
        else if (typeof parsed['message'] === 'string') msg = parsed['message'];
      }
    } catch {
      // Not JSON (a proxy's HTML page): keep the text.
    }
    event.error = `${binanceCode ?? ''} ${msg}`.trim();
    this.report(event);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const bannedUntil = /banned until (\d{12,})/i.exec(msg);
    if (response.status === 418 || bannedUntil) {
      const until = bannedUntil ? Number(bannedUntil[1]) : this.serverTime.now() + (retryAfterMs ?? 120_000);
      throw new BinanceBanError(spec.path, until);
    }
    if (response.status === 429 || binanceCode === -1003) {
      this.stats.status429 += 1;
      // Retry-After 0 is common and meaningless (rotki): then wait out the window instead.
      const windowWait = Math.max(...ticket.buckets.map((b) => b.bucket.windowMs));
      const wait = retryAfterMs && retryAfterMs > 0 ? retryAfterMs : windowWait;
      // A margin for our clock's error and the trip back: arriving a hair early is a strike.
      const margin = Math.max(100, 2 * this.serverTime.errorBoundMs);
      this.limiter.block(ticket, this.serverTime.now() + wait + margin);
      throw new Retryable(`HTTP ${response.status} too many requests`, 0);
    }
    if (response.status >= 500 || binanceCode === -1007 || binanceCode === -1008 || binanceCode === -1000) {
      this.stats.status5xx += 1;
      throw new Retryable(
        `HTTP ${response.status}${binanceCode !== undefined ? ` code ${binanceCode}` : ''}`,
      );
    }
    if (response.status === 403) {
      // WAF: "usually 5 minutes" in real life; back off like a 5xx and give up after maxAttempts.
      throw new Retryable(
        'HTTP 403 (WAF)',
        Math.min(this.maxBackoffMs, (this.options.minuteMs ?? 60_000) / 12),
      );
    }
    throw new BinanceApiError(
      spec.path,
      response.status,
      binanceCode,
      msg,
      hintFor(binanceCode, response.status),
    );
  }
}

/** The only methods the client sends: GET, and POST for the two documented reads. */
export function assertReadOnly(spec: Pick<EndpointSpec, 'method' | 'path'>): void {
  const ok = spec.method === 'GET' || (spec.method === 'POST' && READ_ONLY_POSTS.has(spec.path));
  if (!ok) {
    throw new ExchangeApiError(
      'write_refused',
      `binance: refusing ${spec.method} ${spec.path}: ledgertap never writes to the exchange.`,
      { exitCode: 4 },
    );
  }
}

function auditParams(params: Params, recvWindow: number | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || k === 'signature' || k === 'timestamp') continue;
    out[k] = String(v);
  }
  if (recvWindow !== undefined) out['recvWindow'] = String(recvWindow);
  return out;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value.trim());
  if (Number.isFinite(n) && n >= 0) return n * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkReason(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code;
  return code
    ? `network error ${code}`
    : `network error: ${e?.cause?.message ?? e?.message ?? String(error)}`;
}
