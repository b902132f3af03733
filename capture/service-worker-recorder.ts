/**
 * Records the requests a service worker makes itself (its script, the fetches it sends on the page's
 * behalf, background sync), which the per-page CDP recorder cannot see: they belong to the worker's own
 * target. Playwright reports them as context network events whose `serviceWorker()` is set; each becomes a
 * HAR entry tagged `_serviceWorker` with the worker's script URL. Page requests are left to CdpRecorder,
 * so nothing is recorded twice.
 */
import type { BrowserContext, Request } from 'playwright-core';
import { createLogger } from '../core/index.js';
import type { HarEntry, HarHeader } from '../har/index.js';
import { parseCookieHeader, parseSetCookie, queryOf, TEXTUAL_MIME } from './cdp-recorder.js';
import type { HostFilter } from './hosts.js';
import type { HarSink } from './sink.js';

const log = createLogger('capture:sw');

function headerValue(headers: HarHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
  return values.length ? values.join('\n') : undefined;
}

/** Playwright's timing (ms, relative to startTime; -1 when not applicable) as HAR timings. */
function timingsOf(request: Request): { started: number; time: number; timings: HarEntry['timings'] } {
  const t = request.timing();
  const span = (a: number, b: number): number => (a >= 0 && b >= 0 && b >= a ? b - a : -1);
  const sendStart = Math.max(t.requestStart, 0);
  const timings = {
    blocked: Math.max(0, [t.domainLookupStart, t.connectStart, t.requestStart].find((v) => v >= 0) ?? 0),
    dns: span(t.domainLookupStart, t.domainLookupEnd),
    connect: span(t.connectStart, t.connectEnd),
    ssl: span(t.secureConnectionStart, t.connectEnd),
    send: 0,
    wait: Math.max(0, t.responseStart - sendStart),
    receive: Math.max(0, t.responseEnd - Math.max(t.responseStart, 0)),
  };
  const time = Math.max(0, t.responseEnd);
  return { started: t.startTime, time: Math.round(time * 1000) / 1000, timings };
}

export class ServiceWorkerRecorder {
  readonly #sink: HarSink;
  readonly #hosts: HostFilter;
  readonly #inFlight = new Set<Promise<void>>();
  #count = 0;

  constructor(context: BrowserContext, sink: HarSink, hosts: HostFilter) {
    this.#sink = sink;
    this.#hosts = hosts;
    context.on('requestfinished', (request) => this.#track(request, undefined));
    context.on('requestfailed', (request) => this.#track(request, request.failure()?.errorText ?? 'failed'));
  }

  /** Entries recorded so far. */
  get count(): number {
    return this.#count;
  }

  #track(request: Request, error: string | undefined): void {
    const worker = request.serviceWorker();
    if (!worker) return;
    let host: string;
    try {
      const url = new URL(request.url());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
      host = url.hostname;
    } catch {
      return;
    }
    if (!this.#hosts.allows(host)) {
      this.#sink.skipped(host);
      return;
    }
    const step = this.#sink.step;
    const done = this.#record(request, worker.url(), error, step).catch((e: unknown) =>
      log('service worker request %s not recorded: %s', request.url(), (e as Error).message),
    );
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }

  async #record(
    request: Request,
    workerUrl: string,
    error: string | undefined,
    step: string | undefined,
  ): Promise<void> {
    const requestHeaders = await request.headersArray();
    const response = error === undefined ? await request.response() : null;
    const responseHeaders = response ? await response.headersArray() : [];
    const mimeType = headerValue(responseHeaders, 'content-type') ?? '';
    let text: string | undefined;
    let encoding: string | undefined;
    let size = 0;
    if (response && response.status() !== 204 && response.status() !== 304) {
      const body = await response.body().catch(() => undefined);
      if (body) {
        size = body.length;
        if (TEXTUAL_MIME.test(mimeType)) text = body.toString('utf8');
        else {
          text = body.toString('base64');
          encoding = 'base64';
        }
      }
    }
    const { started, time, timings } = timingsOf(request);
    const postData = request.postData();
    const server = response ? await response.serverAddr().catch(() => null) : null;
    const entry: HarEntry = {
      startedDateTime: new Date(Number.isFinite(started) && started > 0 ? started : Date.now()).toISOString(),
      time,
      request: {
        method: request.method(),
        url: request.url(),
        httpVersion: 'HTTP/1.1',
        cookies: parseCookieHeader(headerValue(requestHeaders, 'cookie')),
        headers: requestHeaders,
        queryString: queryOf(request.url()),
        headersSize: -1,
        bodySize: postData === null ? 0 : Buffer.byteLength(postData),
        ...(postData === null
          ? {}
          : {
              postData: {
                mimeType: headerValue(requestHeaders, 'content-type') ?? '',
                text: postData,
              },
            }),
      },
      response: {
        status: response?.status() ?? 0,
        statusText: response?.statusText() ?? '',
        httpVersion: 'HTTP/1.1',
        cookies: parseSetCookie(headerValue(responseHeaders, 'set-cookie')),
        headers: responseHeaders,
        content: {
          size,
          mimeType,
          ...(text !== undefined ? { text } : {}),
          ...(encoding ? { encoding } : {}),
        },
        redirectURL: headerValue(responseHeaders, 'location') ?? '',
        headersSize: -1,
        bodySize: size,
      },
      cache: {},
      timings,
      _resourceType: request.resourceType(),
      _serviceWorker: workerUrl,
      ...(server ? { serverIPAddress: server.ipAddress } : {}),
      ...(error !== undefined ? { _error: error } : {}),
      ...(step !== undefined ? { pageref: step, _step: step } : {}),
    };
    await this.#sink.add(entry, 'browser');
    this.#count++;
  }

  /** Waits for every entry in flight. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
