/**
 * Proxy capture (the mobile app): an HTTPS MITM proxy with mockttp. Only the allowed hosts are
 * intercepted (`tlsInterceptOnly`); every other TLS connection is tunnelled untouched and unrecorded,
 * and plain-HTTP requests to other hosts are passed through and not recorded. Intercepted exchanges go
 * to the same sink as browser capture. Ends when the guide is done or the signal fires (Ctrl-C).
 */
import { Server as NetServer, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { getLocal, type CompletedRequest, type CompletedResponse, type Mockttp } from 'mockttp';
import { CaptureError, createLogger } from '../core/index.js';
import type { HarEntry, HarHeader } from '../har/index.js';
import type { CaptureCa } from './ca.js';
import { clientAllowList, LOOPBACK_CLIENTS, type ClientAllowList } from './client-allow.js';
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
  /**
   * Interface address to listen on. Default: 127.0.0.1 when `allowClients` is loopback-only, else
   * every interface (a phone on the LAN must reach it).
   */
  host?: string;
  /**
   * Clients allowed to use the proxy; connections from any other address are closed as soon as they
   * are accepted, before a byte is read or anything proxied or recorded. Default: loopback only.
   */
  allowClients?: ClientAllowList;
  /** Called (at most once per address) when a connection from a disallowed client is refused. */
  onRefused?: (address: string) => void;
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
  /** The address listened on (`::` or `0.0.0.0` = every interface). */
  readonly address: string;
  readonly url: string;
  /** Connections refused because their client address was not allowed. */
  readonly refused: number;
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

  const allowClients = options.allowClients ?? clientAllowList(LOOPBACK_CLIENTS);
  const host = options.host ?? (allowClients.loopbackOnly ? '127.0.0.1' : undefined);
  const guard = guardConnections(server, {
    allowClients,
    ...(host !== undefined ? { host } : {}),
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  });
  try {
    await server.start(options.port ?? 8080);
    guard.check();
  } catch (error) {
    if (error instanceof CaptureError) {
      await server.stop().catch(() => undefined);
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host !== undefined ? `${host} ` : ''}port ${options.port ?? 8080}`;
    throw new CaptureError(
      code === 'EADDRINUSE' ? 'port_in_use' : 'proxy_start',
      code === 'EADDRINUSE'
        ? `proxy: ${where} is already in use.`
        : `proxy: cannot listen on ${where}: ${(error as Error).message}.`,
      {
        hint:
          code === 'EADDRNOTAVAIL'
            ? "--host must be one of this machine's own addresses (or 0.0.0.0 / :: for every interface)."
            : 'Pick another port with --port (and point the phone at it), or stop what uses it.',
        cause: error,
      },
    );
  }

  const runner = new GuideRunner(options.guide, sink, (state) => options.onStep?.(state));
  await runner.next();
  let stopped = false;

  return {
    port: server.port,
    address: (server as unknown as { address: { address: string } }).address.address,
    url: server.url,
    get refused() {
      return guard.refused;
    },
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

/**
 * Installs the client check on mockttp's listening server. mockttp 4.x has no host option nor a
 * connection hook: `start()` builds its server (an httpolyglot `net.Server`), assigns it to the
 * private `server` field, then calls `listen(port)`. We catch that assignment with an accessor so the
 * check is attached before `listen`, leaving no window in which a disallowed client could get in, and
 * so `listen` can be given the host. If mockttp changes shape, `check()` throws: fail closed.
 */
function guardConnections(
  mockttp: Mockttp,
  options: { allowClients: ClientAllowList; host?: string; onRefused?: (address: string) => void },
): { check(): void; readonly refused: number } {
  let outer: NetServer | undefined;
  let installed = false;
  let refused = 0;
  const reported = new Set<string>();
  const target = mockttp as unknown as Record<string, unknown>;
  const guard = function (this: unknown, socket: unknown): void {
    // httpolyglot relays 'connection' listeners to its protocol sub-servers; those only ever see
    // sockets this outer server accepted (and checked) first.
    if (this !== outer) return;
    const address = (socket as { remoteAddress?: string }).remoteAddress;
    if (options.allowClients.allows(address)) return;
    refused += 1;
    const s = socket as Socket;
    // RST rather than FIN: the client sees the refusal at once, and nothing it sent is read.
    try {
      if (s instanceof Socket && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    } catch {
      s.destroy();
    }
    const who = address ?? 'unknown address';
    log('refused connection from %s', who);
    if (!reported.has(who)) {
      reported.add(who);
      options.onRefused?.(who);
    }
  };
  Object.defineProperty(target, 'server', {
    configurable: true,
    enumerable: true,
    get: () => outer,
    set: (value: unknown) => {
      outer = value as NetServer | undefined;
      if (!(value instanceof NetServer)) return;
      value.prependListener('connection', guard);
      if (options.host !== undefined) {
        const listen = value.listen.bind(value) as (...args: unknown[]) => NetServer;
        const host = options.host;
        value.listen = ((...args: unknown[]) =>
          typeof args[0] === 'number' ? listen(args[0], host) : listen(...args)) as NetServer['listen'];
      }
      installed = true;
    },
  });
  return {
    check() {
      if (!installed || !outer?.listeners('connection').includes(guard))
        throw new CaptureError(
          'proxy_guard',
          'proxy: cannot restrict which clients may connect with this mockttp version, so the proxy was not started.',
          { hint: 'Install the mockttp version ledgertap ships with (4.4.x).' },
        );
    },
    get refused() {
      return refused;
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
