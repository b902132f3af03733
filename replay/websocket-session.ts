/**
 * The bookkeeping of one replayed WebSocket connection: what was sent and received, which kind of the
 * model each message is, how it differs from its kind's schema, and at the end of the window the drifts
 * only the whole window can tell (new kinds, streams no longer arriving, requests unanswered).
 */
import type {
  DecodedFrame,
  ProtocolWebSocketEndpoint,
  ProtocolWebSocketMessageKind,
} from '../model/index.js';
import { looksLikeResponse, responseOutcome, scalarId, templateTopic } from '../model/index.js';
import type { WebSocketDrift, WebSocketSessionStats } from './types.js';
import type { KindValidators } from './websocket-messages.js';
import {
  decodeText,
  matchJsonKind,
  messageDrifts,
  topicsOfMessage,
  type Outgoing,
} from './websocket-messages.js';
/** Query parameters that name streams in the URL (Binance `/stream?streams=a@trade/b@depth`). */
const URL_STREAM_PARAMS = new Set(['streams', 'stream', 'topics', 'channels', 'subscribe']);
/** A subscribed kind is missing when its captured rate promised at least this many in the window. */
const MISSING_AT = 2;
const MAX_DRIFTS = 200;

/** A decoded socket.io or engine.io packet (analyzers/websocket-frames.ts). */
export type SocketIoPacket = Extract<DecodedFrame, { kind: 'socket.io' }>;

export function emptyStats(): WebSocketSessionStats {
  return {
    durationMs: 0,
    stoppedBy: 'error',
    sent: { messages: 0, heartbeats: 0, acks: 0 },
    received: { messages: 0, bytes: 0, binary: 0, heartbeats: 0, pingsAnswered: 0, unparsed: 0 },
    kinds: [],
    notSeen: [],
    heldBack: [],
  };
}

export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
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
export class Session {
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
  /** socket.io endpoints: text frames that are no engine.io packet. */
  notEngineIo = 0;

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

  private socketIoKind(name: string): ProtocolWebSocketMessageKind | undefined {
    return this.endpoint.kinds.find(
      (k) => k.direction === 'receive' && k.framing === 'socket.io' && k.name === name,
    );
  }

  private count(kind: ProtocolWebSocketMessageKind): void {
    this.kindCounts.set(kind.id, (this.kindCounts.get(kind.id) ?? 0) + 1);
  }

  /**
   * One received socket.io packet, named as the analyzer names it (websocket-kind-models.ts): an event
   * `/ns:event` (or `event`), an ack after the emit it answers (`getBalance.ack`), a control packet
   * `socket.io connect`. Events and acks are checked against their kind's schema (the event's arguments).
   */
  onSocketIo(d: SocketIoPacket): void {
    this.stats.received.messages++;
    if (d.packet === 'ack') {
      const key = d.ackId !== undefined ? `ack:${d.namespace ?? ''}/${d.ackId}` : undefined;
      const p = key !== undefined ? this.pending.get(key) : undefined;
      if (!p || p.answered) {
        this.added('ack', '');
        return;
      }
      p.answered = 'result';
      const kind = this.socketIoKind(`${p.kind.name}.ack`);
      if (kind) this.seen(kind, d.payload);
      else this.added(`${p.kind.name}.ack`, '');
      return;
    }
    if (d.packet === 'event') {
      const name = `${d.namespace ? `${d.namespace}:` : ''}${d.event ?? 'event'}`;
      const kind = this.socketIoKind(name);
      if (!kind) this.added(name, '');
      else if (d.payload !== undefined) this.seen(kind, d.payload);
      else this.count(kind);
      return;
    }
    // Control packets (open, connect, disconnect, connect-error): counted, never a new kind by themselves.
    const kind = this.socketIoKind(`socket.io ${d.packet}`);
    if (kind) this.count(kind);
    const ns = d.namespace ?? '/';
    if (d.packet === 'connect-error' && !kind) {
      const why = scrub(JSON.stringify(d.payload ?? null), this.secrets);
      this.drift({
        kind: 'auth_rejected',
        messageKind: 'receive:socket.io connect-error',
        pointer: '',
        expected: 'connect',
        actual: why,
        summary: `the server refused to connect the namespace ${ns}: ${why}.`,
      });
    }
    if (d.packet === 'disconnect' || d.packet === 'close')
      this.drift({
        kind: 'connection_closed',
        messageKind: `receive:socket.io ${d.packet}`,
        pointer: '',
        expected: 'connected',
        actual: d.packet,
        summary:
          d.packet === 'close'
            ? 'the server closed the engine.io session (packet 1).'
            : `the server disconnected the namespace ${ns}.`,
      });
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
        const value = out.value !== undefined ? out.value : (JSON.parse(out.data) as unknown);
        for (const t of topicsOfMessage(value)) topics.add(t);
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
    if (ep.framing === 'socket.io' && this.notEngineIo > 0)
      this.drift({
        kind: 'framing_changed',
        pointer: '',
        expected: 'socket.io',
        actual: 'text',
        summary: `${this.notEngineIo} frame(s) are not engine.io packets; the capture's were.`,
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
