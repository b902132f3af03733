/**
 * WebSocket replay: for each WebSocket endpoint of the model, connect with the live session (cookies and
 * headers as HTTP replay supplies them; a path credential such as Binance's listenKey issued afresh by
 * re-issuing the call that issued it), send the captured messages that are safe (websocket-messages.ts;
 * socket.io endpoints through an engine.io client, websocket-socketio.ts and websocket-engineio.ts),
 * answer pings, collect what arrives for a bounded time and count, close cleanly, and report every way the
 * traffic differs from the model by name. Sequential, like the HTTP replay.
 */
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { createLogger } from '../core/index.js';
import type { HarEntry } from '../har/index.js';
import type { ProtocolCredential, ProtocolModel, ProtocolWebSocketEndpoint } from '../model/index.js';
import type { CookieJar } from './cookies.js';
import type { CredentialIndex } from './credentials.js';
import { readPointer } from './paging.js';
import { planReplay } from './policy.js';
import { maskHeaders, maskedUrl, prepareRequest } from './request.js';
import type {
  ReplayOptions,
  WebSocketDrift,
  WebSocketHeldBack,
  WebSocketReplayResult,
  WebSocketReplayRun,
  WebSocketSessionStats,
} from './types.js';
import { EngineIoClient } from './websocket-engineio.js';
import { FrameLog, maskSecrets } from './websocket-har.js';
import { KindValidators, MAX_SEND, planMessages, type Outgoing } from './websocket-messages.js';
import { Session, scrub } from './websocket-session.js';
import { pollingUrl, runPolling } from './websocket-polling.js';
import { engineIoUrl, planSocketIo, type SocketIoPlan } from './websocket-socketio.js';

const log = createLogger('replay:ws');

/** Handshake headers the client library sets itself, or that must not be replayed. */
const HANDSHAKE_HEADERS =
  /^(sec-websocket-key|sec-websocket-version|sec-websocket-extensions|sec-websocket-protocol|sec-websocket-accept)$/i;
/** A live HTTP response of an issuing call. */
export interface IssuedResponse {
  status: number;
  text: string;
  headers: Headers;
}

/** What WebSocket replay needs from the run (engine.ts). */
export interface WebSocketRuntime {
  model: ProtocolModel;
  samples: Map<string, HarEntry>;
  jar: CookieJar;
  credentials: CredentialIndex;
  options: ReplayOptions;
  now: () => number;
  warnings: string[];
  /** The live response of `operationId`: from this run's HTTP replay when it ran, else sent now. */
  issue(operationId: string): Promise<IssuedResponse | { error: string }>;
}

/** `http://h` → `ws://h`, `https://h` → `wss://h`; ws URLs as they are. */
export function webSocketBase(options: ReplayOptions): string | undefined {
  const ws = options.webSockets === false ? undefined : options.webSockets?.baseUrl;
  const base = ws ?? options.baseUrl;
  if (!base) return undefined;
  return base.replace(/^http(s?):/i, 'ws$1:');
}

/** The path credential values a connection needs, issued afresh; or why they cannot be. */
async function pathCredentials(
  rt: WebSocketRuntime,
  endpoint: ProtocolWebSocketEndpoint,
): Promise<{ values: Map<string, string> } | { reason: string }> {
  const values = new Map<string, string>();
  const params = endpoint.parameters.filter((p) => p.in === 'path' && p.credential);
  if (params.length === 0) return { values };
  const plan = planReplay(rt.model, { allowWrites: rt.options.allowWrites ?? [] });
  for (const param of params) {
    const credential: ProtocolCredential | undefined =
      rt.credentials.byId.get(`path:${param.name}`) ?? rt.credentials.lookup('path', param.name);
    const issuer = credential?.issuedBy.find((i) => i.operationId !== undefined);
    if (!credential || !issuer?.operationId)
      return {
        reason: `the path credential ${param.name} is issued by no call the model links it to; replay cannot supply a live one`,
      };
    const step = plan.find((s) => s.operation.id === issuer.operationId);
    if (!step) return { reason: `${issuer.operationId}, which issues ${param.name}, is not in the model` };
    if (!step.send)
      return {
        reason: `its path credential ${param.name} is issued by ${issuer.operationId}, which replay does not send: ${step.reason}`,
      };
    if (issuer.via !== 'json-field' && issuer.via !== 'header')
      return { reason: `${param.name} is issued via ${issuer.via}, which replay cannot read back` };
    const response = await rt.issue(issuer.operationId);
    if ('error' in response)
      return { reason: `re-issuing ${issuer.operationId} for ${param.name} failed: ${response.error}` };
    if (response.status < 200 || response.status >= 300)
      return { reason: `${issuer.operationId}, which issues ${param.name}, answered ${response.status}` };
    let value: unknown;
    if (issuer.via === 'header') value = response.headers.get(issuer.name) ?? undefined;
    else {
      try {
        const body = JSON.parse(response.text) as unknown;
        const pointer = issuer.evidence.find((e) => e.bodyPointer)?.bodyPointer ?? `/${issuer.name}`;
        value = readPointer(body, pointer);
      } catch {
        value = undefined;
      }
    }
    if (typeof value !== 'string' && typeof value !== 'number')
      return { reason: `${issuer.operationId} answered without ${issuer.name}, so ${param.name} is unknown` };
    values.set(param.name, String(value));
  }
  return { values };
}

/** Sets the path credential segments of a URL by the endpoint's template (matched from the end). */
function withPathValues(url: URL, template: string, values: Map<string, string>): URL {
  if (values.size === 0) return url;
  const tpl = template.split('/');
  const segs = url.pathname.split('/');
  const offset = segs.length - tpl.length;
  tpl.forEach((t, i) => {
    const name = /^\{(.+)\}$/.exec(t)?.[1];
    const value = name ? values.get(name) : undefined;
    if (value !== undefined && i + offset >= 0) segs[i + offset] = encodeURIComponent(value);
  });
  const out = new URL(url.href);
  out.pathname = segs.join('/');
  return out;
}

function handshakeDrift(endpoint: ProtocolWebSocketEndpoint, status: number): WebSocketDrift {
  const where = `${endpoint.origin}${endpoint.pathTemplate}`;
  if (status === 401 || status === 403)
    return {
      kind: 'auth_rejected',
      pointer: '',
      expected: '101',
      actual: String(status),
      summary: `the handshake to ${where} was rejected (${status}): the session or its credential is not accepted.`,
    };
  if (status === 404 || status === 410)
    return {
      kind: 'endpoint_gone',
      pointer: '',
      expected: '101',
      actual: String(status),
      summary: `${where} now answers ${status} instead of switching protocols: the endpoint moved or was removed.`,
    };
  return {
    kind: 'connection_refused',
    pointer: '',
    expected: '101',
    actual: String(status),
    summary: `the handshake to ${where} was refused with HTTP ${status}.`,
  };
}

/**
 * The handshake answer's headers for the live HAR: Set-Cookie left out as HTTP entries leave it out, and
 * any secret the connection used (a listenKey echoed in a Location, say) masked.
 */
function answerHeaders(headers: IncomingHttpHeaders, secrets: string[]): [string, string][] {
  return Object.entries(headers)
    .filter(([n]) => n !== 'set-cookie')
    .flatMap(([n, v]): [string, string][] =>
      (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => [n, maskSecrets(x, secrets)]),
    );
}

/** How one connection is dialled and what it sends: plain WebSocket messages, or socket.io over engine.io. */
interface ConnectionPlan {
  url: URL;
  shownUrl: string;
  headers: [string, string][];
  /** The handshake headers as the live HAR shows them (credentials masked). */
  shownHeaders: [string, string][];
  protocols: string[];
  send: Outgoing[];
  heldBack: WebSocketHeldBack[];
  socketIo?: SocketIoPlan;
  secrets: string[];
}

/** The collection window and bounds of every connection, from the options and their defaults. */
function windowOf(rt: WebSocketRuntime): {
  durationMs: number;
  maxMessages: number;
  maxPayload: number;
  handshakeTimeout: number;
} {
  const ws = rt.options.webSockets === false ? {} : (rt.options.webSockets ?? {});
  return {
    durationMs: ws.durationMs ?? 5_000,
    maxMessages: ws.maxMessages ?? 200,
    maxPayload: ws.maxFrameBytes ?? 1024 * 1024,
    handshakeTimeout: ws.connectTimeoutMs ?? rt.options.timeoutMs ?? 15_000,
  };
}

/**
 * A socket.io endpoint replayed over HTTP long-polling, with the same plan, checks and bounds: because
 * the capture's client polled (a session folded from polling requests, har/engineio-polling.ts), or
 * because the server refused the WebSocket upgrade (not for auth, not gone: engine.io's 400 when
 * `websocket` is not among its transports). A refusal stays drift (the model's transport no longer
 * works), with how the events fared over polling beside it.
 */
async function overPolling(
  rt: WebSocketRuntime,
  endpoint: ProtocolWebSocketEndpoint,
  plan: ConnectionPlan & { socketIo: SocketIoPlan },
  refusal: WebSocketDrift | undefined,
  validators: KindValidators,
): Promise<WebSocketReplayResult> {
  const { durationMs, maxMessages, maxPayload, handshakeTimeout } = windowOf(rt);
  const url = pollingUrl(plan.url, plan.socketIo.eio);
  const shownUrl = pollingUrl(new URL(plan.shownUrl), plan.socketIo.eio).href.replace(/%2A%2A%2A/g, '***');
  const session = new Session(endpoint, validators, plan.secrets);
  session.stats.heldBack = [...plan.socketIo.heldBack];
  session.stats.transport = 'polling';
  log(
    '%s: %s; replaying over polling at %s',
    endpoint.id,
    refusal ? `the WebSocket upgrade was refused (${refusal.actual ?? ''})` : 'the capture polled',
    shownUrl,
  );

  await runPolling(session, plan.socketIo, {
    url,
    shownUrl,
    headers: plan.headers,
    shownHeaders: plan.shownHeaders.filter(([n]) => n.toLowerCase() !== 'sec-websocket-protocol'),
    secrets: plan.secrets,
    fetch: rt.options.fetch ?? fetch,
    timeoutMs: handshakeTimeout,
    durationMs,
    maxMessages,
    maxPayload,
    ...(rt.options.signal ? { signal: rt.options.signal } : {}),
    now: rt.now,
    ...(rt.options.onExchange ? { onExchange: rt.options.onExchange } : {}),
    warn: (message) => rt.warnings.push(`${endpoint.id}: ${message}`),
  });
  session.finish(url);
  const drifts = refusal
    ? [
        { ...refusal, summary: `${refusal.summary} It was replayed over HTTP long-polling instead.` },
        ...session.drifts,
      ]
    : session.drifts;
  const base = { endpointId: endpoint.id, url: shownUrl };
  return drifts.length > 0
    ? { ...base, kind: 'drift', drifts, ...session.stats }
    : { ...base, kind: 'ok', ...session.stats };
}

/** Connects, sends, collects and closes one endpoint. Resolves to the result; never rejects. */
function runConnection(
  rt: WebSocketRuntime,
  endpoint: ProtocolWebSocketEndpoint,
  plan: ConnectionPlan,
  validators: KindValidators,
): Promise<WebSocketReplayResult> {
  const { durationMs, maxMessages, maxPayload, handshakeTimeout } = windowOf(rt);
  const { url, secrets } = plan;
  const session = new Session(endpoint, validators, secrets);
  session.stats.heldBack = [...plan.heldBack];
  const base = { endpointId: endpoint.id, url: plan.shownUrl };
  // Kept for --out-har only; bounded by the same caps as collection (what arrives, what replay sends).
  const frames = rt.options.onExchange ? new FrameLog(maxMessages + MAX_SEND, secrets, rt.now) : undefined;
  const startedAt = rt.now();
  let upgrade: { status: number; statusText: string; headers: [string, string][] } | undefined;
  // A handshake that never opened: the server's non-101 answer, or why there was none (status 0).
  let refused: { status: number; statusText: string; headers: [string, string][] } | undefined;
  let failure: string | undefined;
  return new Promise((resolve) => {
    let settled = false;
    let opened = false;
    let t0 = 0;
    let closing = false;
    const timers: NodeJS.Timeout[] = [];
    const socket = new WebSocket(url.href, plan.protocols, {
      headers: Object.fromEntries(plan.headers),
      handshakeTimeout,
      maxPayload,
      followRedirects: false,
      perMessageDeflate: false,
    });
    const sendText = (data: string): void => {
      socket.send(data);
      frames?.text('send', data);
    };
    const written = async (): Promise<void> => {
      if (!frames || !rt.options.onExchange || rt.options.signal?.aborted) return;
      // A refused or failed handshake is written as DevTools writes one: its answer (or status 0 and
      // `_error`) and no frames, so the live HAR shows the endpoint was tried and how it failed.
      const answer =
        upgrade ??
        refused ??
        (failure !== undefined ? { status: 0, statusText: '', headers: [] } : undefined);
      if (!answer) return;
      try {
        await rt.options.onExchange({
          operationId: endpoint.id,
          startedAt,
          durationMs: upgrade ? session.stats.durationMs : Math.round(rt.now() - startedAt),
          request: { method: 'GET', url: plan.shownUrl, headers: plan.shownHeaders },
          response: {
            ...answer,
            body: '',
            mimeType: '',
            ...(!upgrade && !refused && failure !== undefined ? { error: failure } : {}),
          },
          webSocket: { messages: frames.frames, dropped: frames.dropped },
        });
      } catch (error) {
        rt.warnings.push(
          `${endpoint.id}: the connection could not be written to the HAR: ${(error as Error).message}`,
        );
      }
    };
    const done = (result: WebSocketReplayResult): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      sio?.stop();
      rt.options.signal?.removeEventListener('abort', onAbort);
      void written().then(() => resolve(result));
    };
    const finish = (): void => {
      session.stats.durationMs = Math.round(performance.now() - t0);
      sio?.finish();
      session.finish(url);
      const drifts = session.drifts;
      log(
        '%s: %d received, %d drift(s), stopped by %s',
        endpoint.id,
        session.stats.received.messages,
        drifts.length,
        session.stats.stoppedBy,
      );
      done(
        drifts.length > 0
          ? { ...base, kind: 'drift', drifts, ...session.stats }
          : { ...base, kind: 'ok', ...session.stats },
      );
    };
    const stop = (why: WebSocketSessionStats['stoppedBy'], code = 1000): void => {
      if (closing || settled) return;
      closing = true;
      sio?.stop();
      session.stats.stoppedBy = why;
      session.stats.close = { by: 'client', code, reason: '' };
      session.stats.durationMs = Math.round(performance.now() - t0);
      try {
        socket.close(code, 'ledgertap replay done');
      } catch {
        socket.terminate();
      }
      // A server that never answers the close is cut off.
      timers.push(setTimeout(() => socket.terminate(), 2_000));
    };
    const sio = plan.socketIo
      ? new EngineIoClient(session, plan.socketIo, {
          send: sendText,
          elapsedMs: () => Math.round(performance.now() - t0),
          dead: (why) => {
            session.drift({
              kind: 'connection_closed',
              pointer: '',
              expected: `open for ${durationMs} ms`,
              actual: why,
              summary: `the engine.io session died after ${Math.round(performance.now() - t0)} ms: ${why}.`,
            });
            stop('error');
          },
          warn: (message) => rt.warnings.push(`${endpoint.id}: ${message}`),
        })
      : undefined;
    const onAbort = (): void => (opened ? stop('aborted') : socket.terminate());
    rt.options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('upgrade', (res) => {
      upgrade = {
        status: res.statusCode ?? 101,
        statusText: res.statusMessage ?? 'Switching Protocols',
        headers: answerHeaders(res.headers, secrets),
      };
    });
    socket.on('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      refused = { status, statusText: res.statusMessage ?? '', headers: answerHeaders(res.headers, secrets) };
      res.resume();
      req.destroy();
      done({ ...base, kind: 'drift', drifts: [handshakeDrift(endpoint, status)], ...session.stats });
    });
    socket.on('error', (error: Error & { code?: string }) => {
      if (!opened) {
        failure = scrub(error.message, secrets);
        done({ ...base, kind: 'failed', error: failure });
        return;
      }
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        rt.warnings.push(
          `${endpoint.id}: a frame larger than ${maxPayload} bytes arrived; the connection was ended (raise --ws-max-frame-bytes to read it)`,
        );
        if (!closing) session.stats.stoppedBy = 'frame-limit';
      } else if (!closing) {
        session.stats.stoppedBy = 'error';
        session.drift({
          kind: 'connection_closed',
          pointer: '',
          expected: `open for ${durationMs} ms`,
          actual: scrub(error.message, secrets),
          summary: `the connection failed after ${Math.round(performance.now() - t0)} ms: ${scrub(error.message, secrets)}.`,
        });
      }
      closing = true;
    });
    socket.on('open', () => {
      opened = true;
      t0 = performance.now();
      // socket.io sends nothing before the engine.io open packet (websocket-engineio.ts).
      if (!sio)
        for (const out of plan.send) {
          if (out.pingFrame) {
            socket.ping();
            frames?.control('send', 9);
          } else sendText(out.data);
          session.sent(out, 0);
        }
      timers.push(setTimeout(() => stop('time'), durationMs));
    });
    socket.on('ping', () => {
      // ws answers protocol pings itself (autoPong); counted here.
      session.stats.received.pingsAnswered++;
      frames?.control('receive', 9);
      frames?.control('send', 10);
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (closing) return;
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (isBinary) {
        frames?.binary('receive', buf);
        session.onBinary(buf.length);
      } else {
        const text = buf.toString('utf8');
        frames?.text('receive', text);
        session.stats.received.bytes += buf.length;
        if (sio) sio.onText(text);
        else
          session.onText(text, (reply) => {
            sendText(reply);
            session.stats.sent.heartbeats++;
          });
      }
      if (session.stats.received.messages >= maxMessages) stop('count');
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (!opened) return;
      if (!closing) {
        session.stats.stoppedBy = 'server-close';
        session.stats.durationMs = Math.round(performance.now() - t0);
        session.stats.close = { by: 'server', code, reason: scrub(reason.toString('utf8'), secrets) };
        session.drift({
          kind: 'connection_closed',
          pointer: '',
          expected: `open for ${durationMs} ms`,
          actual: `closed ${code}${reason.length ? ` ${scrub(reason.toString('utf8'), secrets)}` : ''}`,
          summary: `the server closed the connection after ${session.stats.durationMs} ms with code ${code}${reason.length ? ` (${scrub(reason.toString('utf8'), secrets)})` : ''}.`,
        });
      } else if (session.stats.close) {
        session.stats.close.code = code;
        if (session.stats.stoppedBy === 'frame-limit' || session.stats.stoppedBy === 'error')
          session.stats.close.reason = session.stats.stoppedBy;
      } else {
        session.stats.close = { by: 'client', code, reason: session.stats.stoppedBy };
        session.stats.durationMs = Math.round(performance.now() - t0);
      }
      finish();
    });
  });
}

/** Replays one endpoint. */
async function replayEndpoint(
  rt: WebSocketRuntime,
  endpoint: ProtocolWebSocketEndpoint,
  validators: KindValidators,
): Promise<WebSocketReplayResult> {
  const where = `${endpoint.origin}${endpoint.pathTemplate}`;
  const skipped = (reason: string): WebSocketReplayResult => ({
    endpointId: endpoint.id,
    url: where,
    kind: 'skipped',
    reason,
  });
  const sample = rt.samples.get(`ws:${endpoint.id}`);
  if (!sample)
    return skipped('no captured connection to replay it from (is the capture file where the model says?)');
  const issued = await pathCredentials(rt, endpoint);
  if ('reason' in issued) return skipped(issued.reason);
  const prepared = prepareRequest(sample, rt.jar, rt.credentials, {
    ...(webSocketBase(rt.options) ? { baseUrl: webSocketBase(rt.options) as string } : {}),
    ...(rt.options.headers ? { headers: rt.options.headers } : {}),
    now: rt.now(),
  });
  let url = prepared.url;
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  url = withPathValues(url, endpoint.pathTemplate, issued.values);
  const eio = endpoint.framing === 'socket.io' ? engineIoUrl(url) : undefined;
  if (eio) url = eio.url;
  const secrets = [...issued.values.values()];
  let shown = url;
  if (issued.values.size > 0) {
    const masked = new Map([...issued.values.keys()].map((k) => [k, '***']));
    shown = withPathValues(url, endpoint.pathTemplate, masked);
  }
  const shownUrl = maskedUrl(shown, rt.credentials).replace(/%2A%2A%2A/g, '***');
  const protocols: string[] = [];
  const headers = prepared.headers.filter(([name, value]) => {
    if (name.toLowerCase() === 'sec-websocket-protocol') {
      protocols.push(
        ...value
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      );
      return false;
    }
    return !HANDSHAKE_HEADERS.test(name);
  });
  for (const [name, value] of headers)
    if (/^(cookie|authorization)$/i.test(name))
      secrets.push(...value.split(/[;=\s]+/).filter((v) => v.length >= 8));
  const allow = new Set(rt.options.allowWrites ?? []);
  const socketIo = eio ? planSocketIo(endpoint, sample, eio.eio, allow) : undefined;
  const messages = socketIo ?? planMessages(endpoint, sample, allow);
  log(
    '%s: connecting to %s, sending %d message(s), holding back %d',
    endpoint.id,
    shownUrl,
    messages.send.length,
    messages.heldBack.length,
  );
  const shownHeaders = maskHeaders(headers, rt.credentials);
  if (protocols.length > 0) shownHeaders.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
  const plan: ConnectionPlan = {
    url,
    shownUrl,
    headers,
    shownHeaders,
    protocols,
    send: messages.send,
    heldBack: messages.heldBack,
    ...(socketIo ? { socketIo } : {}),
    secrets,
  };
  // A client that polled in the capture polls again: no WebSocket attempt, no refusal to report.
  if (socketIo && sample._engineIoPolling !== undefined)
    return overPolling(rt, endpoint, { ...plan, socketIo }, undefined, validators);
  const result = await runConnection(rt, endpoint, plan, validators);
  const refusal = result.kind === 'drift' && result.drifts.length === 1 ? result.drifts[0] : undefined;
  if (socketIo && refusal?.kind === 'connection_refused' && refusal.expected === '101')
    return overPolling(rt, endpoint, { ...plan, socketIo }, refusal, validators);
  return result;
}

/** Replays every WebSocket endpoint of the model (those named by `operations`, when given). */
export async function replayWebSockets(
  rt: WebSocketRuntime,
  onDone?: (result: WebSocketReplayResult) => void,
): Promise<WebSocketReplayRun> {
  const endpoints = rt.model.websockets ?? [];
  const only = rt.options.operations?.length ? new Set(rt.options.operations) : undefined;
  const validators = new KindValidators();
  const results: WebSocketReplayResult[] = [];
  for (const endpoint of endpoints) {
    if (only && !only.has(endpoint.id)) continue;
    rt.options.signal?.throwIfAborted();
    let result: WebSocketReplayResult;
    try {
      result = await replayEndpoint(rt, endpoint, validators);
    } catch (error) {
      rt.options.signal?.throwIfAborted();
      result = {
        endpointId: endpoint.id,
        url: `${endpoint.origin}${endpoint.pathTemplate}`,
        kind: 'failed',
        error: (error as Error).message,
      };
    }
    results.push(result);
    onDone?.(result);
  }
  const summary = { ok: 0, drift: 0, skipped: 0, failed: 0 };
  for (const r of results) summary[r.kind] += 1;
  return { results, summary };
}
