/**
 * Turns one page's Chrome DevTools Protocol Network events into HAR entries for the sink. The
 * `*ExtraInfo` events carry the headers as sent and received on the wire (the real Cookie and Set-Cookie
 * headers, which the plain events omit); bodies come from Network.getResponseBody and
 * Network.getRequestPostData; WebSocket frames become `_webSocketMessages` of the upgrade entry.
 */
import type { CDPSession } from 'playwright-core';
import { createLogger, parseSetCookieLine } from '../core/index.js';
import type { HarCookie, HarEntry, HarHeader, HarTimings, HarWebSocketMessage } from '../har/index.js';
import type { HostFilter } from './hosts.js';
import type { HarSink } from './sink.js';

const log = createLogger('capture:cdp');

type Headers = Record<string, string>;

interface ResourceTiming {
  requestTime: number;
  dnsStart: number;
  dnsEnd: number;
  connectStart: number;
  connectEnd: number;
  sslStart: number;
  sslEnd: number;
  sendStart: number;
  sendEnd: number;
  receiveHeadersEnd: number;
}

interface CdpResponse {
  url: string;
  status: number;
  statusText: string;
  headers: Headers;
  mimeType: string;
  protocol?: string;
  remoteIPAddress?: string;
  remotePort?: number;
  timing?: ResourceTiming;
  fromDiskCache?: boolean;
  fromServiceWorker?: boolean;
  encodedDataLength?: number;
  requestHeaders?: Headers;
}

interface Pending {
  requestId: string;
  url: string;
  method: string;
  headers: Headers;
  extraRequestHeaders?: Headers;
  postData?: string;
  hasPostData: boolean;
  wallTime: number;
  timestamp: number;
  resourceType: string;
  response?: CdpResponse;
  extraResponseHeaders?: Headers;
  extraStatus?: number;
  webSocket?: HarWebSocketMessage[];
  /** The guide step when the request started: a slow response still belongs to the step that asked. */
  step: string | undefined;
}

/** CDP joins repeated headers with newlines; HAR lists them one by one. */
function toHarHeaders(headers: Headers | undefined): HarHeader[] {
  const out: HarHeader[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const v of String(value).split('\n')) out.push({ name, value: v });
  }
  return out;
}

function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** RFC 6265 Cookie header into HAR cookies. */
export function parseCookieHeader(value: string | undefined): HarCookie[] {
  if (!value) return [];
  return value
    .split(/;\s*/)
    .filter((p) => p.includes('='))
    .map((p) => {
      const eq = p.indexOf('=');
      return { name: p.slice(0, eq).trim(), value: p.slice(eq + 1) };
    });
}

/** Set-Cookie lines (CDP joins them with newlines) into HAR cookies with their attributes. */
export function parseSetCookie(value: string | undefined): HarCookie[] {
  if (!value) return [];
  const cookies: HarCookie[] = [];
  for (const line of value.split('\n')) {
    const parsed = parseSetCookieLine(line);
    if (!parsed) continue;
    const cookie: HarCookie = { name: parsed.name, value: parsed.value };
    if (parsed.path !== undefined) cookie.path = parsed.path;
    if (parsed.domain !== undefined) cookie.domain = parsed.domain;
    if (parsed.expires !== undefined)
      cookie.expires = Number.isNaN(parsed.expires) ? null : new Date(parsed.expires).toISOString();
    if (parsed.httpOnly) cookie.httpOnly = true;
    if (parsed.secure) cookie.secure = true;
    // SameSite is left out: HAR 1.2 has no field for it and the strict validator rejects `sameSite`.
    cookies.push(cookie);
  }
  return cookies;
}

export function queryOf(url: string): { name: string; value: string }[] {
  try {
    return [...new URL(url).searchParams.entries()].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function harTimings(
  timing: ResourceTiming | undefined,
  endTimestamp: number | undefined,
): { timings: HarTimings; time: number } {
  if (!timing) {
    return { timings: { send: 0, wait: 0, receive: 0 }, time: 0 };
  }
  const span = (a: number, b: number): number => (a >= 0 && b >= 0 && b >= a ? b - a : -1);
  const blockedEnd = [timing.dnsStart, timing.connectStart, timing.sendStart].find((v) => v >= 0) ?? 0;
  const receive =
    endTimestamp !== undefined
      ? Math.max(0, (endTimestamp - timing.requestTime) * 1000 - timing.receiveHeadersEnd)
      : 0;
  const ssl = span(timing.sslStart, timing.sslEnd);
  const timings: HarTimings = {
    blocked: blockedEnd,
    dns: span(timing.dnsStart, timing.dnsEnd),
    connect: span(timing.connectStart, timing.connectEnd),
    ssl,
    send: Math.max(0, span(timing.sendStart, timing.sendEnd)),
    wait: Math.max(0, timing.receiveHeadersEnd - Math.max(timing.sendEnd, 0)),
    receive,
  };
  const time =
    Math.max(0, timings.blocked ?? 0) +
    Math.max(0, timings.dns ?? 0) +
    Math.max(0, timings.connect ?? 0) +
    timings.send +
    timings.wait +
    timings.receive;
  return { timings, time: Math.round(time * 1000) / 1000 };
}

export const TEXTUAL_MIME =
  /^(text\/|application\/(json|.*\+json|javascript|ecmascript|xml|.*\+xml|x-www-form-urlencoded|graphql)|image\/svg)/i;

const IGNORED_SCHEMES = /^(data|blob|chrome|chrome-extension|devtools|about):/i;

/** Records one CDP target (a page). `flush` waits for every entry in flight. */
export class CdpRecorder {
  readonly #session: CDPSession;
  readonly #sink: HarSink;
  readonly #hosts: HostFilter;
  readonly #pending = new Map<string, Pending>();
  /** Bodies read while the response was held at the Fetch response stage, by network request id. */
  readonly #heldBodies = new Map<string, { body: string; base64: boolean }>();
  /** ExtraInfo events may arrive before requestWillBeSent; they wait here. */
  readonly #earlyExtra = new Map<string, Headers>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #onError: (error: unknown) => void;

  readonly #holdBodies: boolean;

  /**
   * `holdBodies` (default true): hold XHR/fetch responses of recorded hosts at the Fetch response stage
   * until their body is read, so a page that navigates right after a response (a login) cannot discard
   * it first. Costs a protocol round trip per data response; off, such bodies may be missing.
   */
  constructor(
    session: CDPSession,
    sink: HarSink,
    hosts: HostFilter,
    onError: (error: unknown) => void,
    options: { holdBodies?: boolean } = {},
  ) {
    this.#session = session;
    this.#sink = sink;
    this.#hosts = hosts;
    this.#onError = onError;
    this.#holdBodies = options.holdBodies ?? true;
  }

  async start(): Promise<void> {
    const s = this.#session;
    s.on('Network.requestWillBeSent', (e) => {
      const prior = this.#pending.get(e.requestId);
      if (prior && e.redirectResponse) {
        // A redirect: the hop ends with the redirect response; the same requestId continues.
        prior.response = e.redirectResponse as CdpResponse;
        this.#pending.delete(e.requestId);
        this.#finish(prior, e.timestamp, undefined, true);
      }
      if (!this.#wanted(e.request.url)) return;
      this.#pending.set(e.requestId, {
        requestId: e.requestId,
        url: e.request.url + (e.request.urlFragment ?? ''),
        method: e.request.method,
        headers: e.request.headers as Headers,
        ...(e.request.postData !== undefined ? { postData: e.request.postData } : {}),
        hasPostData: Boolean(e.request.hasPostData),
        wallTime: e.wallTime,
        timestamp: e.timestamp,
        resourceType: (e.type ?? 'Other').toLowerCase(),
        step: this.#sink.step,
        ...(this.#earlyExtra.has(e.requestId)
          ? { extraRequestHeaders: this.#earlyExtra.get(e.requestId) as Headers }
          : {}),
      });
      this.#earlyExtra.delete(e.requestId);
    });
    s.on('Network.requestWillBeSentExtraInfo', (e) => {
      const p = this.#pending.get(e.requestId);
      if (p && !p.extraRequestHeaders) p.extraRequestHeaders = e.headers as Headers;
      else if (this.#earlyExtra.size < 1000) this.#earlyExtra.set(e.requestId, e.headers as Headers);
    });
    s.on('Network.responseReceived', (e) => {
      const p = this.#pending.get(e.requestId);
      if (p) p.response = e.response as CdpResponse;
    });
    s.on('Network.responseReceivedExtraInfo', (e) => {
      const p = this.#pending.get(e.requestId);
      if (p) {
        p.extraResponseHeaders = e.headers as Headers;
        p.extraStatus = e.statusCode;
      }
    });
    s.on('Network.loadingFinished', (e) => {
      const p = this.#pending.get(e.requestId);
      if (!p) return;
      this.#pending.delete(e.requestId);
      this.#finish(p, e.timestamp, undefined, false);
    });
    s.on('Network.loadingFailed', (e) => {
      const p = this.#pending.get(e.requestId);
      if (!p) return;
      this.#pending.delete(e.requestId);
      // A request canceled after its response arrived (the page navigated away) may still have a body.
      this.#finish(p, e.timestamp, e.errorText + (e.canceled ? ' (canceled)' : ''), !p.response);
    });
    s.on('Network.webSocketCreated', (e) => {
      if (!this.#wanted(e.url)) return;
      this.#pending.set(e.requestId, {
        requestId: e.requestId,
        url: e.url,
        method: 'GET',
        headers: {},
        hasPostData: false,
        wallTime: Date.now() / 1000,
        timestamp: 0,
        resourceType: 'websocket',
        webSocket: [],
        step: this.#sink.step,
      });
    });
    s.on('Network.webSocketWillSendHandshakeRequest', (e) => {
      const p = this.#pending.get(e.requestId);
      if (p) {
        p.headers = e.request.headers as Headers;
        p.wallTime = e.wallTime;
        p.timestamp = e.timestamp;
      }
    });
    s.on('Network.webSocketHandshakeResponseReceived', (e) => {
      const p = this.#pending.get(e.requestId);
      if (p) {
        p.response = {
          url: p.url,
          status: e.response.status,
          statusText: e.response.statusText,
          headers: e.response.headers as Headers,
          mimeType: '',
          ...(e.response.requestHeaders ? { requestHeaders: e.response.requestHeaders as Headers } : {}),
        };
      }
    });
    const frame =
      (type: 'send' | 'receive') =>
      (e: { requestId: string; timestamp: number; response: { opcode: number; payloadData: string } }) => {
        const p = this.#pending.get(e.requestId);
        // HAR frame times are wall-clock epoch seconds, as Chrome DevTools writes them; CDP gives
        // monotonic seconds, anchored here at the handshake's wall time.
        const time = p && p.timestamp > 0 ? p.wallTime + (e.timestamp - p.timestamp) : Date.now() / 1000;
        p?.webSocket?.push({
          type,
          time: Math.round(time * 1000) / 1000,
          opcode: e.response.opcode,
          data: e.response.payloadData,
        });
      };
    s.on('Network.webSocketFrameSent', frame('send'));
    s.on('Network.webSocketFrameReceived', frame('receive'));
    s.on('Network.webSocketClosed', (e) => {
      const p = this.#pending.get(e.requestId);
      if (!p) return;
      this.#pending.delete(e.requestId);
      this.#finish(p, e.timestamp, undefined, true);
    });
    // Data requests (XHR, fetch) are held at the response stage just long enough to read
    // their body: a page that navigates right after a response (a login) discards it otherwise.
    s.on('Fetch.requestPaused', (e) => {
      const status = e.responseStatusCode;
      let host = '';
      try {
        host = new URL(e.request.url).hostname;
      } catch {
        // not a URL we record
      }
      const wanted =
        e.networkId !== undefined &&
        status !== undefined &&
        (status < 300 || status >= 400) &&
        this.#hosts.allows(host);
      // Both commands go out at once (the session runs them in order): the response is held for one
      // round trip, not two.
      const body = wanted ? s.send('Fetch.getResponseBody', { requestId: e.requestId }) : undefined;
      void s
        .send('Fetch.continueResponse', { requestId: e.requestId })
        .catch(() => s.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => undefined));
      body?.then(
        (b) => {
          if (this.#heldBodies.size < 10_000)
            this.#heldBodies.set(e.networkId as string, { body: b.body, base64: b.base64Encoded });
        },
        (error: unknown) => log('held body unavailable for %s: %s', e.request.url, (error as Error).message),
      );
    });
    if (this.#holdBodies)
      await s.send('Fetch.enable', {
        patterns: (['XHR', 'Fetch'] as const).map((resourceType) => ({
          urlPattern: '*',
          resourceType,
          requestStage: 'Response' as const,
        })),
      });
    await s.send('Network.enable', {
      maxTotalBufferSize: 200 * 1024 * 1024,
      maxResourceBufferSize: 64 * 1024 * 1024,
      maxPostDataSize: 64 * 1024 * 1024,
    });
    // The browser cache stays on (as DevTools does): a cached response is still recorded, with its body,
    // and marked `_fromCache`; turning the cache off would slow the holder's session for nothing.
  }

  #wanted(url: string): boolean {
    if (IGNORED_SCHEMES.test(url)) return false;
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return false;
    }
    if (this.#hosts.allows(host)) return true;
    this.#sink.skipped(host);
    return false;
  }

  /** Entries still open (WebSockets, requests in flight) are written as they stand. */
  async flush(): Promise<void> {
    for (const p of [...this.#pending.values()]) {
      this.#pending.delete(p.requestId);
      this.#finish(
        p,
        undefined,
        p.webSocket || p.response ? undefined : 'capture ended before the response',
        !p.response,
      );
    }
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #finish(p: Pending, endTimestamp: number | undefined, error: string | undefined, skipBody: boolean): void {
    // Ask for the body in the same tick as loadingFinished: a navigation right after (a login that
    // redirects) discards the previous document's resources.
    const res = p.response;
    const held = this.#heldBodies.get(p.requestId);
    this.#heldBodies.delete(p.requestId);
    const body = held
      ? Promise.resolve(held)
      : res && !skipBody && res.status !== 204 && res.status !== 304
        ? this.#session.send('Network.getResponseBody', { requestId: p.requestId }).then(
            (b) => ({ body: b.body, base64: b.base64Encoded }),
            (err: unknown) => ({ error: (err as Error).message.split('\n')[0] ?? 'unavailable' }),
          )
        : Promise.resolve(undefined);
    const task = this.#build(p, endTimestamp, error, body)
      .then((entry) => this.#sink.add(entry, 'browser'))
      .catch((err: unknown) => this.#onError(err));
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  async #build(
    p: Pending,
    endTimestamp: number | undefined,
    error: string | undefined,
    bodyPromise: Promise<{ body: string; base64: boolean } | { error: string } | undefined>,
  ): Promise<HarEntry> {
    const requestHeaders = p.extraRequestHeaders ?? p.response?.requestHeaders ?? p.headers;
    let postData = p.postData;
    if (postData === undefined && p.hasPostData) {
      postData = await this.#session
        .send('Network.getRequestPostData', { requestId: p.requestId })
        .then((r) => r.postData)
        .catch(() => undefined);
    }
    const res = p.response;
    const responseHeaders = p.extraResponseHeaders ?? res?.headers;
    let text: string | undefined;
    let encoding: string | undefined;
    let bodyComment: string | undefined;
    const body = await bodyPromise;
    if (body && 'body' in body) {
      text = body.body;
      if (body.base64) {
        encoding = 'base64';
        // Fetch.getResponseBody always answers base64; textual bodies are kept as text (HAR readers,
        // analyzers and redaction work on text) when they are valid UTF-8.
        const mime = res?.mimeType ?? '';
        if (TEXTUAL_MIME.test(mime)) {
          const bytes = Buffer.from(text, 'base64');
          const decoded = bytes.toString('utf8');
          if (Buffer.from(decoded, 'utf8').equals(bytes)) {
            text = decoded;
            encoding = undefined;
          }
        }
      }
    } else if (body) {
      bodyComment = `body not available: ${body.error}`;
      log('no body for %s: %s', p.url, bodyComment);
    }
    const { timings, time } = harTimings(res?.timing, endTimestamp);
    const bodySize =
      text === undefined
        ? 0
        : encoding === 'base64'
          ? Buffer.from(text, 'base64').length
          : Buffer.byteLength(text);
    const mimeType = header(requestHeaders, 'content-type') ?? 'application/octet-stream';
    const httpVersion = res?.protocol
      ? res.protocol === 'h2'
        ? 'HTTP/2'
        : res.protocol.toUpperCase()
      : 'HTTP/1.1';
    const entry: HarEntry = {
      startedDateTime: new Date(p.wallTime * 1000).toISOString(),
      time,
      request: {
        method: p.method,
        url: p.url,
        httpVersion,
        cookies: parseCookieHeader(header(requestHeaders, 'cookie')),
        headers: toHarHeaders(requestHeaders),
        queryString: queryOf(p.url),
        ...(postData !== undefined ? { postData: { mimeType, text: postData } } : {}),
        headersSize: -1,
        bodySize: postData !== undefined ? Buffer.byteLength(postData) : 0,
      },
      response: {
        status: p.extraStatus ?? res?.status ?? 0,
        statusText: res?.statusText ?? (error ? '' : ''),
        httpVersion,
        cookies: parseSetCookie(header(responseHeaders, 'set-cookie')),
        headers: toHarHeaders(responseHeaders),
        content: {
          size: bodySize,
          mimeType: res?.mimeType || header(responseHeaders, 'content-type') || 'x-unknown',
          ...(text !== undefined ? { text } : {}),
          ...(encoding ? { encoding } : {}),
          ...(bodyComment ? { comment: bodyComment } : {}),
        },
        redirectURL: header(responseHeaders, 'location')
          ? new URL(header(responseHeaders, 'location') as string, p.url).toString()
          : '',
        headersSize: -1,
        bodySize: res?.encodedDataLength ?? -1,
        ...(error ? { _error: error } : {}),
      },
      cache: {},
      timings,
      ...(res?.remoteIPAddress ? { serverIPAddress: res.remoteIPAddress.replace(/^\[|\]$/g, '') } : {}),
      ...(res?.remotePort ? { connection: String(res.remotePort) } : {}),
      ...(p.step !== undefined ? { pageref: p.step, _step: p.step } : {}),
      _resourceType: p.resourceType,
      ...(p.webSocket ? { _webSocketMessages: p.webSocket } : {}),
      ...(res?.fromServiceWorker ? { _fromServiceWorker: true } : {}),
      ...(res?.fromDiskCache ? { _fromCache: 'disk' } : {}),
    };
    return entry;
  }
}
