/**
 * socket.io over HTTP long-polling, for a socket.io endpoint whose server refuses the WebSocket upgrade
 * (engine.io answers 400 when `websocket` is not among its transports; some proxies do too). The same
 * engine.io client (websocket-engineio.ts) and Session run over a polling transport: the handshake GET
 * without `sid` brings the open packet, later GETs with the session's `sid` are held by the server until it
 * has packets, and what the client sends goes in POSTs. Payload framing as the version does: engine.io 4
 * joins packets with the record separator `\x1e`, engine.io 3 prefixes each with its length (`6:42["a"]`).
 * https://socket.io/docs/v4/engine-io-protocol/#http-long-polling
 */
import { createLogger } from '../core/index.js';
import {
  decodeEngineIoPayload as decodePayload,
  encodeEngineIoPayload as encodePayload,
  engineIoOpenSid as openSid,
} from '../har/index.js';
import type { ReplayExchange, WebSocketSessionStats } from './types.js';
import { EngineIoClient } from './websocket-engineio.js';
import { maskFrameText, maskSecrets } from './websocket-har.js';
import { MAX_SEND } from './websocket-messages.js';
import type { Session } from './websocket-session.js';
import type { SocketIoPlan } from './websocket-socketio.js';

const log = createLogger('replay:ws');

/** Pause before polling again after an empty answer. */
const EMPTY_POLL_PAUSE_MS = 250;

/** The polling URL of a socket.io endpoint: the dialled one back on http(s), `transport=polling`. */
export function pollingUrl(wsUrl: URL, eio: 3 | 4): URL {
  const out = new URL(wsUrl.href);
  if (out.protocol === 'ws:') out.protocol = 'http:';
  else if (out.protocol === 'wss:') out.protocol = 'https:';
  out.searchParams.set('EIO', String(eio));
  out.searchParams.set('transport', 'polling');
  out.searchParams.delete('sid');
  // Engine.io 3 sends binary in base64 text to a client that asks (`b64=1`); replay only counts binary.
  if (eio === 3) out.searchParams.set('b64', '1');
  return out;
}

/** What one polling session needs from the connection plan and the run. */
export interface PollingRun {
  /** The polling URL (pollingUrl), with live credentials. */
  url: URL;
  /** The same URL with credentials masked, for the live HAR. */
  shownUrl: string;
  headers: [string, string][];
  shownHeaders: [string, string][];
  secrets: string[];
  fetch: typeof fetch;
  timeoutMs: number;
  durationMs: number;
  maxMessages: number;
  /** Largest polling answer read, in characters; a larger one ends the session. */
  maxPayload: number;
  signal?: AbortSignal;
  now(): number;
  onExchange?: (exchange: ReplayExchange) => void | Promise<void>;
  warn(message: string): void;
}

/** The session cookies a polling answer sets (a load balancer's sticky cookie, engine.io's `io`). */
function setCookies(headers: Headers, into: Map<string, string>): void {
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) into.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}

/**
 * Runs one socket.io session over long-polling for the window, with `session` keeping the books as over
 * WebSocket. Resolves when the window ends, the count is reached, the server closes the session or a
 * request fails; never rejects.
 */
export async function runPolling(session: Session, plan: SocketIoPlan, run: PollingRun): Promise<void> {
  const stats = session.stats;
  const endpointId = session.endpoint.id;
  const stop = new AbortController();
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  const cookies = new Map<string, string>();
  const secrets = [...run.secrets];
  const outbox: string[] = [];
  let sid: string | undefined;
  let stoppedBy: WebSocketSessionStats['stoppedBy'] | undefined;
  let flushing: Promise<void> | undefined;
  // Written exchanges, bounded like a WebSocket connection's frames.
  let written = 0;
  let dropped = 0;
  const maxWritten = run.maxMessages + MAX_SEND;

  const end = (why: WebSocketSessionStats['stoppedBy']): void => {
    if (stoppedBy) return;
    stoppedBy = why;
    stop.abort();
  };
  const failed = (what: string): void => {
    if (stoppedBy) return;
    session.drift({
      kind: 'connection_closed',
      pointer: '',
      expected: `open for ${run.durationMs} ms`,
      actual: what,
      summary: `the engine.io polling session ended after ${elapsed()} ms: ${what}.`,
    });
    end('error');
  };

  const urlOf = (): URL => {
    const url = new URL(run.url.href);
    if (sid) url.searchParams.set('sid', sid);
    // Engine.io clients add a cache-busting `t` to every request.
    url.searchParams.set('t', `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`);
    return url;
  };
  const shownUrlOf = (url: URL): string => {
    const shown = new URL(run.shownUrl);
    if (url.searchParams.has('sid')) shown.searchParams.set('sid', '***');
    shown.searchParams.set('t', url.searchParams.get('t') ?? '');
    return shown.href.replace(/%2A%2A%2A/g, '***');
  };
  const headersOf = (post: boolean): [string, string][] => {
    const out = run.headers.filter(([n]) => !(cookies.size > 0 && n.toLowerCase() === 'cookie'));
    if (cookies.size > 0) {
      const given = run.headers.find(([n]) => n.toLowerCase() === 'cookie')?.[1];
      const extra = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      out.push(['Cookie', given ? `${given}; ${extra}` : extra]);
    }
    if (post) out.push(['Content-Type', 'text/plain;charset=UTF-8']);
    return out;
  };
  const maskPayload = (body: string): string => {
    const packets = decodePayload(body, plan.eio);
    return Array.isArray(packets)
      ? encodePayload(
          packets.map((p) => maskFrameText(p, secrets)),
          plan.eio,
        )
      : maskSecrets(body, secrets);
  };

  const record = async (
    method: string,
    url: URL,
    startedAt: number,
    body: string | undefined,
    res: { status: number; statusText: string; headers: Headers; text: string } | { error: string },
  ): Promise<void> => {
    if (!run.onExchange) return;
    if (written >= maxWritten) {
      dropped++;
      return;
    }
    written++;
    const shownHeaders = [...run.shownHeaders];
    if (method === 'POST') shownHeaders.push(['Content-Type', 'text/plain;charset=UTF-8']);
    try {
      await run.onExchange({
        operationId: endpointId,
        startedAt,
        durationMs: Math.round(run.now() - startedAt),
        request: {
          method,
          url: shownUrlOf(url),
          headers: shownHeaders,
          ...(body !== undefined ? { body: maskPayload(body) } : {}),
        },
        response:
          'error' in res
            ? { status: 0, statusText: '', headers: [], body: '', mimeType: '', error: res.error }
            : {
                status: res.status,
                statusText: res.statusText,
                headers: [...res.headers]
                  .filter(([n]) => n.toLowerCase() !== 'set-cookie')
                  .map(([n, v]): [string, string] => [n, maskSecrets(v, secrets)]),
                body: maskPayload(res.text),
                mimeType: res.headers.get('content-type') ?? '',
              },
      });
    } catch (error) {
      run.warn(`a polling request could not be written to the HAR: ${(error as Error).message}`);
    }
  };

  /** One polling request; the answer's text, or undefined once the session is over (drift recorded). */
  const request = async (method: 'GET' | 'POST', body?: string): Promise<string | undefined> => {
    const url = urlOf();
    const startedAt = run.now();
    // A GET is held by the server until it has packets: only the end of the window cuts it.
    const signal =
      method === 'POST' || !sid
        ? AbortSignal.any([stop.signal, AbortSignal.timeout(run.timeoutMs)])
        : stop.signal;
    let res: Response;
    let text: string;
    try {
      res = await run.fetch(url, {
        method,
        headers: headersOf(method === 'POST'),
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal,
      });
      setCookies(res.headers, cookies);
      for (const v of cookies.values()) if (!secrets.includes(v)) secrets.push(v);
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > run.maxPayload) {
        await res.body?.cancel();
        run.warn(
          `a polling answer of ${length} bytes arrived; the session was ended (raise --ws-max-frame-bytes to read it)`,
        );
        end('frame-limit');
        return undefined;
      }
      text = await res.text();
      if (!sid && res.status === 200) {
        sid = openSid(text, plan.eio);
        // The session id admits to the live session while it lives: masked wherever the HAR has it.
        if (sid) secrets.push(sid);
      }
    } catch (error) {
      // A request the end of the window cut (the long-poll always waiting) is written as cut, like a
      // browser's aborted request, so the HAR holds every request the server saw.
      if (stoppedBy) {
        await record(method, url, startedAt, body, { error: `cut by replay: ${stoppedBy}` });
        return undefined;
      }
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer in ${run.timeoutMs} ms`
          : (error as Error).message;
      await record(method, url, startedAt, body, { error: why });
      failed(`${method} failed: ${why}`);
      return undefined;
    }
    await record(method, url, startedAt, body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      text,
    });
    if (res.status !== 200) {
      // Engine.io answers 400 to a session it no longer knows (closed, or timed out for want of a pong).
      failed(`${method} answered HTTP ${res.status}`);
      return undefined;
    }
    return text;
  };

  const flush = async (): Promise<void> => {
    // What the client sends in one go (the namespace connects after the open packet) shares a POST.
    await new Promise((resolve) => setImmediate(resolve));
    while (outbox.length > 0 && !stop.signal.aborted) {
      const batch = outbox.splice(0);
      const answer = await request('POST', encodePayload(batch, plan.eio));
      if (answer !== undefined && answer !== 'ok')
        run.warn(`a polling POST was answered ${JSON.stringify(answer.slice(0, 40))}, not ok`);
    }
  };
  const kick = (): void => {
    if (!sid || flushing || stoppedBy) return;
    flushing = flush().finally(() => {
      flushing = undefined;
      if (outbox.length > 0) kick();
    });
  };

  const client = new EngineIoClient(session, plan, {
    send: (data) => {
      outbox.push(data);
      kick();
    },
    elapsedMs: elapsed,
    dead: (why) => failed(why),
    warn: run.warn,
  });

  const onAbort = (): void => end('aborted');
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const window = setTimeout(() => end('time'), run.durationMs);
  try {
    while (!stoppedBy) {
      const body = await request('GET');
      if (body === undefined) break;
      const packets = decodePayload(body, plan.eio);
      if (!Array.isArray(packets)) {
        session.drift({
          kind: 'framing_changed',
          pointer: '',
          expected: `engine.io ${plan.eio} polling payloads`,
          actual: packets.error,
          summary: `a polling answer is not an engine.io ${plan.eio} payload: ${packets.error}.`,
        });
        end('error');
        break;
      }
      for (const packet of packets) {
        if (stoppedBy) break;
        // `b…`: a binary packet in base64 (engine.io 4, or 3 with b64=1): counted, never parsed.
        if (packet[0] === 'b') {
          session.onBinary(Buffer.byteLength(packet, 'utf8'));
          continue;
        }
        stats.received.bytes += Buffer.byteLength(packet, 'utf8');
        client.onText(packet);
        if (packet === '1') end('server-close');
        if (stats.received.messages >= run.maxMessages) end('count');
      }
      if (!sid) {
        failed('the handshake answer carried no engine.io open packet with a session id');
        break;
      }
      kick();
      // Engine.io never answers a poll with nothing; something between that does is not polled in a loop.
      if (packets.length === 0)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, EMPTY_POLL_PAUSE_MS);
          stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
    }
  } finally {
    clearTimeout(window);
    run.signal?.removeEventListener('abort', onAbort);
    client.stop();
  }
  stats.durationMs = elapsed();
  stats.stoppedBy = stoppedBy ?? 'error';
  await flushing;
  // Ends the session as an engine.io client does on close (a `1` close packet), unless it is gone already.
  if (
    sid &&
    stats.stoppedBy !== 'server-close' &&
    stats.stoppedBy !== 'error' &&
    stats.stoppedBy !== 'aborted'
  ) {
    const url = urlOf();
    const startedAt = run.now();
    const body = encodePayload(['1'], plan.eio);
    try {
      const res = await run.fetch(url, {
        method: 'POST',
        headers: headersOf(true),
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(run.timeoutMs),
      });
      const text = await res.text();
      await record('POST', url, startedAt, body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
        text,
      });
    } catch (error) {
      log('%s: closing the polling session failed: %s', endpointId, (error as Error).message);
    }
  }
  client.finish();
  if (dropped > 0) run.warn(`${dropped} polling request(s) past ${maxWritten} were not written to the HAR`);
}
