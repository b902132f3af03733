/**
 * WebSocket replay: for each WebSocket endpoint of the model, connect with the live session (cookies and
 * headers as HTTP replay supplies them; a path credential such as Binance's listenKey issued afresh by
 * re-issuing the call that issued it), send the captured messages that are safe (websocket-messages.ts),
 * answer pings, collect what arrives for a bounded time and count, close cleanly, and report every way the
 * traffic differs from the model by name. Sequential, like the HTTP replay.
 */
import WebSocket from 'ws';
import { createLogger } from '../core/index.js';
import type { HarEntry } from '../har/index.js';
import type {
  ProtocolCredential,
  ProtocolModel,
  ProtocolWebSocketEndpoint,
  ProtocolWebSocketMessageKind,
} from '../model/index.js';
import { looksLikeResponse, responseOutcome, scalarId, templateTopic } from '../model/index.js';
import type { CookieJar } from './cookies.js';
import type { CredentialIndex } from './credentials.js';
import { readPointer } from './paging.js';
import { planReplay } from './policy.js';
import { maskedUrl, prepareRequest } from './request.js';
import type {
  ReplayOptions,
  WebSocketDrift,
  WebSocketHeldBack,
  WebSocketReplayResult,
  WebSocketReplayRun,
  WebSocketSessionStats,
} from './types.js';
import {
  KindValidators,
  decodeText,
  matchJsonKind,
  messageDrifts,
  planMessages,
  topicsOfMessage,
  type Outgoing,
} from './websocket-messages.js';

const log = createLogger('replay:ws');

/** Handshake headers the client library sets itself, or that must not be replayed. */
const HANDSHAKE_HEADERS =
  /^(sec-websocket-key|sec-websocket-version|sec-websocket-extensions|sec-websocket-protocol|sec-websocket-accept)$/i;
/** Query parameters that name streams in the URL (Binance `/stream?streams=a@trade/b@depth`). */
const URL_STREAM_PARAMS = new Set(['streams', 'stream', 'topics', 'channels', 'subscribe']);
/** A subscribed kind is missing when its captured rate promised at least this many in the window. */
const MISSING_AT = 2;
const MAX_DRIFTS = 200;

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

function emptyStats(): WebSocketSessionStats {
  return {
    durationMs: 0,
    stoppedBy: 'error',
    sent: { messages: 0, heartbeats: 0 },
    received: { messages: 0, bytes: 0, binary: 0, heartbeats: 0, pingsAnswered: 0, unparsed: 0 },
    kinds: [],
    notSeen: [],
    heldBack: [],
  };
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
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

/** Topics a URL subscribes to by itself (`?streams=a@trade/b@depth`, `/ws/btcusdt@trade`), templated. */
function urlTopics(url: URL): string[] {
  const out: string[] = [];
  for (const [k, v] of url.searchParams)
    if (URL_STREAM_PARAMS.has(k)) for (const t of v.split(/[/,]/)) if (t) out.push(templateTopic(t));
  const last = url.pathname.split('/').pop();
  if (last && last.includes('@')) out.push(templateTopic(decodeURIComponent(last)));
  return out;
}

interface Pending {
  kind: ProtocolWebSocketMessageKind;
  answered?: 'result' | 'error';
  error?: string;
}

/** The bookkeeping of one replayed connection: counts, kinds seen, drifts, requests waiting. */
class Session {
  readonly stats = emptyStats();
  readonly drifts: WebSocketDrift[] = [];
  private readonly driftKeys = new Set<string>();
  readonly kindCounts = new Map<string, number>();
  readonly newKinds = new Map<string, { pointer: string; messages: number }>();
  readonly pending = new Map<string, Pending>();
  /** When each subscribe kind was first sent (ms since open). */
  readonly subscribedAt = new Map<string, number>();
  readonly subscribeTopics = new Map<string, Set<string>>();
  textOnJson = 0;

  constructor(
    readonly endpoint: ProtocolWebSocketEndpoint,
    private readonly validators: KindValidators,
    private readonly secrets: string[],
  ) {}

  drift(d: WebSocketDrift): void {
    const key = `${d.kind}|${d.messageKind ?? ''}|${d.pointer.replace(/\/\d+(?=\/|$)/g, '/*')}`;
    if (this.driftKeys.has(key) || this.drifts.length >= MAX_DRIFTS) return;
    this.driftKeys.add(key);
    this.drifts.push(d);
  }

  private seen(kind: ProtocolWebSocketMessageKind, value: unknown): void {
    const n = (this.kindCounts.get(kind.id) ?? 0) + 1;
    this.kindCounts.set(kind.id, n);
    // Each kind's first messages are checked; later ones are assumed alike (bounded work per frame).
    if (n <= 20) for (const d of messageDrifts(kind, value, this.validators, this.endpoint.id)) this.drift(d);
  }

  private added(name: string, pointer: string): void {
    const k = this.newKinds.get(name) ?? { pointer, messages: 0 };
    k.messages++;
    if (this.newKinds.size < 50 || this.newKinds.has(name)) this.newKinds.set(name, k);
  }

  onText(text: string, answer: (reply: string) => void): void {
    const decoded = decodeText(text);
    if (decoded.kind === 'heartbeat') {
      this.stats.received.heartbeats++;
      if (decoded.answer !== undefined) {
        answer(decoded.answer);
        this.stats.received.pingsAnswered++;
      }
      return;
    }
    this.stats.received.messages++;
    if (decoded.kind === 'invalid-json') {
      this.stats.received.unparsed++;
      return;
    }
    if (decoded.kind === 'text') {
      const name = decoded.word ?? 'text';
      const kind = this.endpoint.kinds.find(
        (k) => k.direction === 'receive' && k.framing === 'text' && k.name === name,
      );
      if (kind) this.kindCounts.set(kind.id, (this.kindCounts.get(kind.id) ?? 0) + 1);
      else {
        if (this.endpoint.framing === 'json') this.textOnJson++;
        this.added(name, '');
      }
      return;
    }
    const value = decoded.value;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      const id = scalarId(obj.id);
      const p = id !== undefined ? this.pending.get(id) : undefined;
      if (p && !p.answered && looksLikeResponse(obj)) {
        const outcome = responseOutcome(obj);
        p.answered = outcome;
        if (outcome === 'error')
          p.error = scrub(JSON.stringify(obj.error ?? obj.msg ?? obj.status ?? obj.code), this.secrets);
        const kind = this.endpoint.kinds.find((k) => k.id === `receive:${p.kind.name}.${outcome}`);
        if (kind) this.seen(kind, value);
        else if (outcome === 'result') this.added(`${p.kind.name}.result`, '/id');
        return;
      }
    }
    const { kind, name, pointer } = matchJsonKind(this.endpoint, 'receive', value);
    if (kind) this.seen(kind, value);
    else this.added(name, pointer);
  }

  onBinary(bytes: number): void {
    this.stats.received.messages++;
    this.stats.received.binary++;
    this.stats.received.bytes += bytes;
  }

  sent(out: Outgoing, atMs: number): void {
    if (out.heartbeat) {
      this.stats.sent.heartbeats++;
      return;
    }
    this.stats.sent.messages++;
    const kind = out.kind;
    if (!kind) return;
    if (out.id !== undefined) this.pending.set(out.id, { kind });
    if (kind.role === 'subscribe') {
      if (!this.subscribedAt.has(kind.id)) this.subscribedAt.set(kind.id, atMs);
      const topics = this.subscribeTopics.get(kind.id) ?? new Set<string>();
      try {
        for (const t of topicsOfMessage(JSON.parse(out.data))) topics.add(t);
      } catch {
        // sent as captured; no topics to read
      }
      this.subscribeTopics.set(kind.id, topics);
    }
  }

  /** The drifts only the end of the window can tell: new kinds, missing streams, unanswered requests. */
  finish(url: URL): void {
    const ep = this.endpoint;
    const stats = this.stats;
    for (const [name, k] of this.newKinds)
      this.drift({
        kind: 'kind_added',
        messageKind: `receive:${name}`,
        pointer: k.pointer,
        actual: name,
        summary: `a new kind of message arrived: ${name} (${k.messages} message(s)); the capture had none like it.`,
      });
    if (stats.received.unparsed > 0 || this.textOnJson > 0)
      if (ep.framing === 'json')
        this.drift({
          kind: 'framing_changed',
          pointer: '',
          expected: 'json',
          actual: stats.received.unparsed > 0 ? 'invalid JSON' : 'text',
          summary: `${stats.received.unparsed + this.textOnJson} frame(s) are not JSON; the capture's were.`,
        });
    const checkAnswers = stats.stoppedBy === 'time' || stats.stoppedBy === 'server-close';
    for (const [id, p] of this.pending) {
      const sub = p.kind.role === 'subscribe';
      const answeredInCapture = ep.correlations.some((c) => c.request === p.kind.id && c.matched > 0);
      const errorInCapture = ep.kinds.some((k) => k.id === `receive:${p.kind.name}.error`);
      if (!p.answered && answeredInCapture && checkAnswers)
        this.drift({
          kind: sub ? 'subscription_unacknowledged' : 'request_unanswered',
          messageKind: p.kind.id,
          pointer: '/id',
          expected: 'an answer',
          actual: 'none',
          summary: `${p.kind.name} (id ${id}) got no answer within ${stats.durationMs} ms; the capture's was answered${sub ? ' (the subscription was not acknowledged)' : ''}.`,
        });
      if (p.answered === 'error' && !errorInCapture)
        this.drift({
          kind: sub ? 'subscription_rejected' : 'request_rejected',
          messageKind: p.kind.id,
          pointer: '/error',
          expected: 'a result',
          actual: p.error ?? 'error',
          summary: `${p.kind.name} (id ${id}) was answered with an error: ${p.error ?? 'error'}.`,
        });
    }
    // Kinds the subscriptions in force should bring: linked by topic, subscription id or name, not by order.
    const fromUrl = urlTopics(url);
    const inForce = new Map<string, { at: number; topics: string[] }>();
    for (const [kindId, at] of this.subscribedAt)
      inForce.set(kindId, { at, topics: [...(this.subscribeTopics.get(kindId) ?? [])] });
    if (fromUrl.length > 0) inForce.set('url', { at: 0, topics: fromUrl });
    const expected = new Map<string, number>();
    for (const sub of ep.subscriptions) {
      const force = sub.action === 'subscribe' ? inForce.get(sub.request) : undefined;
      if (!force) continue;
      for (const link of sub.links) {
        if (link.confidence < 0.7) continue;
        const kind = ep.kinds.find((k) => k.id === link.kind);
        if (!kind || (this.kindCounts.get(kind.id) ?? 0) > 0) continue;
        if (
          kind.streams?.length &&
          force.topics.length > 0 &&
          !kind.streams.some((s) => force.topics.includes(s))
        )
          continue;
        const prev = expected.get(kind.id);
        if (prev === undefined || force.at < prev) expected.set(kind.id, force.at);
      }
    }
    for (const [kindId, at] of expected) {
      const kind = ep.kinds.find((k) => k.id === kindId) as ProtocolWebSocketMessageKind;
      const windowS = Math.max(0, stats.durationMs - at) / 1000;
      const promised = (kind.ratePerSecond ?? 0) * windowS;
      if (promised >= MISSING_AT && stats.stoppedBy !== 'count')
        this.drift({
          kind: 'kind_missing',
          messageKind: kind.id,
          pointer: kind.discriminator?.pointer ?? '',
          expected: `about ${Math.round(promised)} in ${windowS.toFixed(1)} s`,
          actual: '0',
          summary: `${kind.name} no longer arrives: subscribed, none in ${windowS.toFixed(1)} s where the capture's rate (${kind.ratePerSecond}/s) promised about ${Math.round(promised)}.`,
        });
      else stats.notSeen.push(kind.id);
    }
    stats.kinds = [
      ...[...this.kindCounts].map(([kind, messages]) => ({ kind, messages })),
      ...[...this.newKinds].map(([name, k]) => ({ kind: `new:${name}`, messages: k.messages })),
    ];
  }
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

/** Connects, sends, collects and closes one endpoint. Resolves to the result; never rejects. */
function runConnection(
  rt: WebSocketRuntime,
  endpoint: ProtocolWebSocketEndpoint,
  url: URL,
  headers: [string, string][],
  protocols: string[],
  plan: { send: Outgoing[]; heldBack: WebSocketHeldBack[] },
  shownUrl: string,
  secrets: string[],
  validators: KindValidators,
): Promise<WebSocketReplayResult> {
  const ws = rt.options.webSockets === false ? {} : (rt.options.webSockets ?? {});
  const durationMs = ws.durationMs ?? 5_000;
  const maxMessages = ws.maxMessages ?? 200;
  const maxPayload = ws.maxFrameBytes ?? 1024 * 1024;
  const handshakeTimeout = ws.connectTimeoutMs ?? rt.options.timeoutMs ?? 15_000;
  const session = new Session(endpoint, validators, secrets);
  session.stats.heldBack = plan.heldBack;
  const base = { endpointId: endpoint.id, url: shownUrl };
  return new Promise((resolve) => {
    let settled = false;
    let opened = false;
    let t0 = 0;
    let closing = false;
    const timers: NodeJS.Timeout[] = [];
    const socket = new WebSocket(url.href, protocols, {
      headers: Object.fromEntries(headers),
      handshakeTimeout,
      maxPayload,
      followRedirects: false,
      perMessageDeflate: false,
    });
    const done = (result: WebSocketReplayResult): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      rt.options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const finish = (): void => {
      session.stats.durationMs = Math.round(performance.now() - t0);
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
    const onAbort = (): void => (opened ? stop('aborted') : socket.terminate());
    rt.options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      req.destroy();
      done({ ...base, kind: 'drift', drifts: [handshakeDrift(endpoint, status)], ...session.stats });
    });
    socket.on('error', (error: Error & { code?: string }) => {
      if (!opened) {
        done({ ...base, kind: 'failed', error: scrub(error.message, secrets) });
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
      for (const out of plan.send) {
        if (out.pingFrame) socket.ping();
        else socket.send(out.data);
        session.sent(out, 0);
      }
      timers.push(setTimeout(() => stop('time'), durationMs));
    });
    socket.on('ping', () => {
      // ws answers protocol pings itself (autoPong); counted here.
      session.stats.received.pingsAnswered++;
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (closing) return;
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (isBinary) session.onBinary(buf.length);
      else {
        session.stats.received.bytes += buf.length;
        session.onText(buf.toString('utf8'), (reply) => {
          socket.send(reply);
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
  if (endpoint.framing === 'socket.io')
    return skipped('socket.io endpoints are not replayed yet (engine.io handshake, namespaces and acks)');
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
  const plan = planMessages(endpoint, sample, allow);
  log(
    '%s: connecting to %s, sending %d message(s), holding back %d',
    endpoint.id,
    shownUrl,
    plan.send.length,
    plan.heldBack.length,
  );
  return runConnection(rt, endpoint, url, headers, protocols, plan, shownUrl, secrets, validators);
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
