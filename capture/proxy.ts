/**
 * Proxy capture (the mobile app): an HTTPS MITM proxy with mockttp. Only the allowed hosts are
 * intercepted (`tlsInterceptOnly`); every other TLS connection is tunnelled untouched and unrecorded,
 * and plain-HTTP requests to other hosts are passed through and not recorded. Intercepted exchanges go
 * to the same sink as browser capture. Ends when the guide is done or the signal fires (Ctrl-C).
 */
import type { Readable } from 'node:stream';
import { getLocal, type CompletedRequest, type CompletedResponse, type Mockttp } from 'mockttp';
import { CaptureError, createLogger } from '../core/index.js';
import type { HarEntry, HarHeader } from '../har/index.js';
import type { CaptureCa } from './ca.js';
import { parseCookieHeader, parseSetCookie } from './cdp-recorder.js';
import type { Guide } from './guide.js';
import { GuideRunner, type StepState } from './guide-runner.js';
import type { HostFilter } from './hosts.js';
import type { HarSink } from './sink.js';

const log = createLogger('capture:proxy');

/** Options of {@link startProxyCapture}. */
export interface ProxyCaptureOptions {
  sink: HarSink;
  ca: CaptureCa;
  /** Hosts to intercept and record; everything else passes through untouched. */
  hosts: HostFilter;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; a phone on the LAN needs 0.0.0.0. */
  host?: string;
  guide: Guide;
  /** Bodies larger than this are not buffered by the proxy (entry marked `_truncated`). Default 16 MiB. */
  maxBodySize?: number;
  /** Extra CAs trusted for upstream servers (a staging server with a private CA). */
  upstreamCAs?: string[];
  onStep?: (state: StepState) => void;
}

/** A running proxy. */
export interface ProxyCapture {
  readonly port: number;
  readonly url: string;
  readonly runner: GuideRunner;
  /** Lines on `input` advance the guide. */
  listen(input: Readable): () => void;
  /** Resolves when the guide finishes, or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<'guide-finished' | 'interrupted'>;
  /** Stops the proxy and writes every pending exchange. */
  stop(): Promise<void>;
}

function headersOf(raw: [string, string][]): HarHeader[] {
  return raw.map(([name, value]) => ({ name, value }));
}

function headerValue(raw: [string, string][], name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = raw.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(lower === 'set-cookie' ? '\n' : ', ');
}

const TEXTUAL =
  /^(text\/|application\/(json|.*\+json|javascript|xml|.*\+xml|x-www-form-urlencoded|graphql))/i;

async function bodyOf(
  body: CompletedRequest['body'],
  contentType: string | undefined,
): Promise<{ text?: string; encoding?: string; size: number }> {
  const decoded = (await body.getDecodedBuffer().catch(() => undefined)) ?? body.buffer;
  if (!decoded || decoded.length === 0) return { size: 0 };
  if (!contentType || TEXTUAL.test(contentType)) {
    const text = decoded.toString('utf8');
    if (!text.includes('\uFFFD')) return { text, size: decoded.length };
  }
  return { text: decoded.toString('base64'), encoding: 'base64', size: decoded.length };
}

export async function startProxyCapture(options: ProxyCaptureOptions): Promise<ProxyCapture> {
  const { sink, hosts } = options;
  const maxBody = options.maxBodySize ?? 16 * 1024 * 1024;
  const intercept = hosts.patterns.flatMap((p) =>
    /^[\d.]+$|:/.test(p) ? [{ hostname: p }] : [{ hostname: p }, { hostname: `*.${p}` }],
  );
  const server: Mockttp = getLocal({
    https: { key: options.ca.key, cert: options.ca.cert, tlsInterceptOnly: intercept },
    recordTraffic: false,
    maxBodySize: maxBody,
  });
  const requests = new Map<string, { req: CompletedRequest; step: string | undefined }>();
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  await server.forAnyRequest().thenPassThrough({
    ...(options.upstreamCAs?.length
      ? { additionalTrustedCAs: options.upstreamCAs.map((cert) => ({ cert })) }
      : {}),
  });
  await server.forAnyWebSocket().thenPassThrough({});

  const allowed = (req: { url: string }): string | undefined => {
    let host: string;
    try {
      host = new URL(req.url).hostname;
    } catch {
      return undefined;
    }
    if (hosts.allows(host)) return host;
    sink.skipped(host);
    return undefined;
  };

  await server.on('request', (req) => {
    if (allowed(req)) requests.set(req.id, { req, step: sink.step });
  });
  await server.on('tls-passthrough-opened', (event) => {
    const host = event.destination?.hostname ?? event.tlsMetadata?.sniHostname ?? 'unknown';
    sink.skipped(host);
  });
  await server.on('response', (res) => {
    const started = requests.get(res.id);
    if (!started) return;
    requests.delete(res.id);
    track(
      toEntry(started.req, res, started.step, maxBody)
        .then((entry) => sink.add(entry, 'proxy'))
        .catch((error: unknown) => log('entry failed: %s', (error as Error).message)),
    );
  });
  await server.on('abort', (aborted) => {
    const started = requests.get(aborted.id);
    if (!started) return;
    requests.delete(aborted.id);
    track(
      toEntry(started.req, undefined, started.step, maxBody, aborted.error?.message ?? 'aborted')
        .then((entry) => sink.add(entry, 'proxy'))
        .catch((error: unknown) => log('entry failed: %s', (error as Error).message)),
    );
  });

  try {
    await server.start(options.port ?? 8080);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CaptureError(
      code === 'EADDRINUSE' ? 'port_in_use' : 'proxy_start',
      code === 'EADDRINUSE'
        ? `proxy: port ${options.port ?? 8080} is already in use.`
        : `proxy: cannot listen on port ${options.port ?? 8080}: ${(error as Error).message}.`,
      {
        hint: 'Pick another port with --port (and point the phone at it), or stop what uses it.',
        cause: error,
      },
    );
  }

  const runner = new GuideRunner(options.guide, sink, (state) => options.onStep?.(state));
  await runner.next();
  let stopped = false;

  return {
    port: server.port,
    url: server.url,
    runner,
    listen: (input) => runner.listen(input),
    wait(signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve('interrupted');
        signal?.addEventListener('abort', () => resolve('interrupted'), { once: true });
        void runner.done.then(() => resolve('guide-finished'));
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => undefined);
      // Requests that never got a response are written as they stand.
      for (const [id, started] of requests) {
        requests.delete(id);
        track(
          toEntry(started.req, undefined, started.step, maxBody, 'capture ended before the response')
            .then((e) => sink.add(e, 'proxy'))
            .catch(() => undefined),
        );
      }
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

async function toEntry(
  req: CompletedRequest,
  res: CompletedResponse | undefined,
  step: string | undefined,
  maxBody: number,
  error?: string,
): Promise<HarEntry> {
  const reqType = headerValue(req.rawHeaders, 'content-type');
  const reqBody = await bodyOf(req.body, reqType);
  const resType = res ? headerValue(res.rawHeaders, 'content-type') : undefined;
  const resBody = res ? await bodyOf(res.body, resType) : { size: 0 };
  const declared = res ? Number(headerValue(res.rawHeaders, 'content-length') ?? '0') : 0;
  const t = req.timingEvents;
  const rt = res?.timingEvents;
  const wait =
    rt?.headersSentTimestamp !== undefined && t.bodyReceivedTimestamp !== undefined
      ? rt.headersSentTimestamp - t.bodyReceivedTimestamp
      : 0;
  const receive =
    rt?.responseSentTimestamp !== undefined && rt.headersSentTimestamp !== undefined
      ? rt.responseSentTimestamp - rt.headersSentTimestamp
      : 0;
  const send = t.bodyReceivedTimestamp !== undefined ? t.bodyReceivedTimestamp - t.startTimestamp : 0;
  const url = req.url;
  const httpVersion = `HTTP/${req.httpVersion ?? '1.1'}`;
  const location = res ? headerValue(res.rawHeaders, 'location') : undefined;
  return {
    startedDateTime: new Date(t.startTime).toISOString(),
    time: Math.max(0, send + wait + receive),
    request: {
      method: req.method,
      url,
      httpVersion,
      cookies: parseCookieHeader(headerValue(req.rawHeaders, 'cookie')),
      headers: headersOf(req.rawHeaders),
      queryString: [...new URL(url).searchParams.entries()].map(([name, value]) => ({ name, value })),
      ...(reqBody.text !== undefined
        ? {
            postData: {
              mimeType: reqType ?? 'application/octet-stream',
              text: reqBody.text,
              ...(reqBody.encoding ? { encoding: reqBody.encoding } : {}),
            },
          }
        : {}),
      headersSize: -1,
      bodySize: reqBody.size,
    },
    response: {
      status: res?.statusCode ?? 0,
      statusText: res?.statusMessage ?? '',
      httpVersion,
      cookies: parseSetCookie(res ? headerValue(res.rawHeaders, 'set-cookie') : undefined),
      headers: res ? headersOf(res.rawHeaders) : [],
      content: {
        size: resBody.size,
        mimeType: resType ?? 'x-unknown',
        ...(resBody.text !== undefined ? { text: resBody.text } : {}),
        ...(resBody.encoding ? { encoding: resBody.encoding } : {}),
      },
      redirectURL: location ? new URL(location, url).toString() : '',
      headersSize: -1,
      bodySize: res ? res.body.buffer.length : -1,
      ...(error ? { _error: error } : {}),
    },
    cache: {},
    timings: {
      blocked: -1,
      dns: -1,
      connect: -1,
      ssl: -1,
      send: Math.max(0, send),
      wait: Math.max(0, wait),
      receive: Math.max(0, receive),
    },
    ...(step !== undefined ? { pageref: step, _step: step } : {}),
    // mockttp drops bodies over maxBodySize: the declared length tells us one was cut.
    ...(res && resBody.size === 0 && declared > maxBody ? { _truncated: true } : {}),
  };
}
