/**
 * WebSocket message analysis. For each WebSocket endpoint (the upgrade entry's URL, templated by the
 * shared path trie like HTTP paths; query parameters as parameters) it reads the entry's
 * `_webSocketMessages` and infers message kinds per direction: JSON messages split by a discriminator
 * field chosen from evidence (`e`, `type`, `op`, `event`, `action`, `method`, `channel`, `stream`, …, also
 * inside combined-stream wrappers such as Binance `{stream, data}`), responses correlated to requests by
 * `id` (JSON-RPC, Binance WebSocket API), socket.io / engine.io packets and acks, subscribe and unsubscribe
 * requests linked to the kinds received after them, heartbeats set aside, binary frames counted and sized.
 * Each kind gets a JSON Schema merged over all its messages (schema-infer.ts), counts, times, a rate and
 * a confidence with evidence (`/_webSocketMessages/N/data`).
 *
 * Bounded: per endpoint at most MAX_FINE_KEYS message groups (then `(other)` and a warning), a few evidence
 * items per kind, bounded samples of latencies and intervals, so millions of frames cost counters.
 * An entry without WebSocket traits costs one check.
 */
import type { Analyzer, FinishInput, RouteRef } from './analyzer.js';
import { evidenceAt } from './analyzer.js';
import type { AnalyzeContext } from './context.js';
import { operationIdOf } from './endpoints.js';
import type { Observation } from './observe.js';
import { mergeSchemaAcc, newSchemaAcc, observeValue, toJsonSchema, type SchemaAcc } from './schema-infer.js';
import { classifySegment, isCredentialName, redactExample } from './shapes.js';
import type {
  AnalysisWarning,
  CredentialLocation,
  Evidence,
  Finding,
  ParameterModel,
  WebSocketCorrelationModel,
  WebSocketEndpointModel,
  WebSocketMessageKindModel,
  WebSocketSubscriptionModel,
  WebSocketTrafficModel,
} from './types.js';
import { decodeFrame, frameTime, isWebSocketObservation, type FrameDirection } from './websocket-frames.js';

export { isWebSocketObservation };

/** Discriminator fields, most telling first. */
const PREFERRED = [
  'e',
  'type',
  'op',
  'event',
  'action',
  'method',
  'channel',
  'stream',
  'topic',
  'ch',
  'cmd',
  'command',
  'subject',
  'kind',
  'msgType',
  'messageType',
];
/** Objects one level down where discriminators also live (`{stream, data: {e}}`, OKX `{arg: {channel}}`). */
const NESTED = ['data', 'arg', 'params', 'payload'];
/** Wrapper fields naming the stream of a combined-stream message. */
const STREAM_FIELDS = ['stream', 'topic', 'channel', 'ch', 'subject'];
const SUBSCRIBE = /subscribe|^sub$/i;
const UNSUBSCRIBE = /unsub/i;
const TOPIC_SKIP =
  /^(id|jsonrpc|method|op|type|event|action|e|cmd|command|reqid|req_id|requestid|timestamp|ts|nonce|recvwindow)$/i;
/** Query parameters that name streams in the URL (Binance `/stream?streams=a@trade/b@depth`). */
const URL_STREAM_PARAMS = new Set(['streams', 'stream', 'topics', 'channels', 'subscribe']);

/** Message groups tracked per endpoint before further ones fold into `(other)`. */
const MAX_FINE_KEYS = 400;
const MAX_EVIDENCE = 3;
const MAX_SAMPLES = 200;
/** Subscriptions tracked per connection for linking (the latest win). */
const MAX_CONN_SUBS = 50;
/** Outstanding request ids tracked per connection. */
const MAX_PENDING = 10_000;
/** A kind first seen within this long after a subscribe is linked to it by order. */
const ORDER_WINDOW_MS = 10_000;

/** `https://x` → `wss://x`: the endpoint as a client dials it. */
function wsOrigin(origin: string): string {
  if (origin.startsWith('https:')) return `wss:${origin.slice(6)}`;
  if (origin.startsWith('http:')) return `ws:${origin.slice(5)}`;
  return origin;
}

/**
 * A stream or topic name with its variable parts templated: `btcusdt@trade` → `{symbol}@trade`,
 * `market.BTC-USDT.kline.1min` → `market.{symbol}.kline.1min`, ids → `{id}`.
 */
export function templateTopic(name: string): string {
  const s = name.length > 120 ? name.slice(0, 120) : name;
  if (s.length <= 2) return s;
  let out = '';
  let token = '';
  const flush = (): void => {
    if (token.length > 0) {
      const cls = classifySegment(token);
      // Only clear variable parts: method names like `eth_getBalance` look opaque to the path rules.
      out +=
        cls === 'symbol'
          ? '{symbol}'
          : cls === 'int' && token.length > 3
            ? '{n}'
            : cls === 'uuid' || cls === 'ulid' || (cls === 'hex' && token.length >= 16)
              ? '{id}'
              : cls === 'opaque' && token.length >= 16 && /\d.*\d/.test(token)
                ? '{id}'
                : cls === 'date'
                  ? '{date}'
                  : token;
    }
    token = '';
  };
  for (const ch of s) {
    if (ch === '@' || ch === '.' || ch === ':' || ch === '/' || ch === '|' || ch === ',' || ch === ' ') {
      flush();
      out += ch;
    } else token += ch;
  }
  flush();
  return out;
}

interface Candidate {
  ptr: string;
  raw: string;
  value: string;
}

/** Discriminator candidates of a JSON object: preferred string fields at the top and one level down. */
function candidatesOf(o: Record<string, unknown>): Candidate[] {
  const out: Candidate[] = [];
  const take = (obj: Record<string, unknown>, prefix: string): void => {
    for (const f of PREFERRED) {
      const v = obj[f];
      if (typeof v === 'string' && v.length > 0 && v.length <= 100) {
        out.push({ ptr: `${prefix}/${f}`, raw: v, value: templateTopic(v) });
        if (out.length >= 6) return;
      }
    }
  };
  take(o, '');
  for (const n of NESTED) {
    if (out.length >= 6) break;
    const inner = o[n];
    if (inner && typeof inner === 'object' && !Array.isArray(inner))
      take(inner as Record<string, unknown>, `/${n}`);
  }
  return out;
}

/** The top-level keys of a value (bounded), as a shape name: `{id,result}`, `[number,array]`. */
function shapeOf(v: unknown): string {
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < Math.min(v.length, 4); i++) {
      const x: unknown = v[i];
      parts.push(x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
    }
    return `[${parts.join(',')}${v.length > 4 ? ',…' : ''}]`;
  }
  const keys: string[] = [];
  for (const k in v as Record<string, unknown>) {
    keys.push(k);
    if (keys.length >= 12) break;
  }
  return `{${keys.sort().join(',')}}`;
}

function scalarId(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0 && v.length <= 100) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** One group of messages, before the discriminator is chosen (finish maps groups to kinds). */
interface FineKind {
  dir: FrameDirection;
  framing: 'json' | 'socket.io' | 'text';
  cands: { ptr: string; value: string }[];
  shape?: string;
  /** socket.io: `event`, `ack`, `open`, …; text: the leading word. */
  packet?: string;
  event?: string;
  namespace?: string;
  /** Responses: the request group answered, and how. */
  rpc?: { req: string; outcome: 'result' | 'error' | 'ack' };
  other?: boolean;
  streams: Set<string>;
  payloadPointer?: string;
  messages: number;
  bytes: number;
  maxBytes: number;
  first: number;
  last: number;
  /** For the rate: gaps counted and the time they span, per connection. */
  gaps: number;
  spanMs: number;
  /** Send messages that carried an id (requests). */
  withId: number;
  acc: SchemaAcc;
  evidence: Evidence[];
}

interface FieldStats {
  present: number;
  values: Map<string, number>;
  overflow: boolean;
}

interface DirStats {
  /** JSON object messages that took part in discriminator choice. */
  objects: number;
  fields: Map<string, FieldStats>;
}

interface SubState {
  action: 'subscribe' | 'unsubscribe';
  topics: Set<string>;
  count: number;
  evidence: Evidence[];
  links: Map<
    string,
    { linkedBy: WebSocketSubscriptionModel['links'][number]['linkedBy']; confidence: number }
  >;
}

interface CorrState {
  req: string;
  resp: string;
  idField: string;
  matched: number;
  unanswered: number;
  latencies: number[];
  evidence: Evidence[];
}

interface ParamStats {
  seen: number;
  acc: SchemaAcc;
  examples: string[];
}

interface EndpointState {
  origin: string;
  node: number;
  connections: number;
  withFrames: number;
  subprotocols: Set<string>;
  query: Map<string, ParamStats>;
  steps: Map<string, number>;
  sent: WebSocketTrafficModel;
  received: WebSocketTrafficModel;
  binarySent: WebSocketTrafficModel;
  binaryReceived: WebSocketTrafficModel;
  heartbeats: number;
  heartbeatForms: Set<string>;
  heartbeatGaps: number[];
  unparsed: number;
  clocks: Set<WebSocketEndpointModel['frameClock']>;
  first: number;
  last: number;
  fine: Map<string, FineKind>;
  overflowed: number;
  dirs: { send: DirStats; receive: DirStats };
  subs: Map<string, SubState>;
  corr: Map<string, CorrState>;
  evidence: Evidence[];
}

function traffic(): WebSocketTrafficModel {
  return { messages: 0, bytes: 0, maxBytes: 0 };
}

function addTraffic(t: WebSocketTrafficModel, bytes: number): void {
  t.messages++;
  t.bytes += bytes;
  if (bytes > t.maxBytes) t.maxBytes = bytes;
}

function mergeTraffic(d: WebSocketTrafficModel, s: WebSocketTrafficModel): void {
  d.messages += s.messages;
  d.bytes += s.bytes;
  d.maxBytes = Math.max(d.maxBytes, s.maxBytes);
}

function coerce(value: string): unknown {
  if (/^-?\d{1,15}$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function newEndpoint(origin: string, node: number): EndpointState {
  return {
    origin,
    node,
    connections: 0,
    withFrames: 0,
    subprotocols: new Set(),
    query: new Map(),
    steps: new Map(),
    sent: traffic(),
    received: traffic(),
    binarySent: traffic(),
    binaryReceived: traffic(),
    heartbeats: 0,
    heartbeatForms: new Set(),
    heartbeatGaps: [],
    unparsed: 0,
    clocks: new Set(),
    first: Infinity,
    last: -Infinity,
    fine: new Map(),
    overflowed: 0,
    dirs: { send: { objects: 0, fields: new Map() }, receive: { objects: 0, fields: new Map() } },
    subs: new Map(),
    corr: new Map(),
    evidence: [],
  };
}

/** A subscription in force on one connection, for linking what is received after it. */
interface ConnSub {
  key: string;
  topics: Set<string>;
  tokens: string[];
  t: number;
  ids: Set<string>;
}

/** Topic strings of a subscribe message: its string leaves except the verb, id and credentials. */
function topicsOf(value: unknown, depth = 0, out: string[] = [], key = ''): string[] {
  if (out.length >= 20 || depth > 4) return out;
  if (typeof value === 'string') {
    if (value.length > 0 && value.length <= 120 && !TOPIC_SKIP.test(key) && !isCredentialName(key))
      out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, 50); i++) topicsOf(value[i], depth + 1, out, key);
    return out;
  }
  if (value && typeof value === 'object') {
    for (const k in value as Record<string, unknown>) {
      if (TOPIC_SKIP.test(k) || isCredentialName(k)) continue;
      topicsOf((value as Record<string, unknown>)[k], depth + 1, out, k);
      if (out.length >= 20) break;
    }
  }
  return out;
}

function tokensOf(topics: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const t of topics)
    for (const p of t.toLowerCase().split(/[@.:/|,\s_-]+/)) if (p.length >= 4) out.add(p);
  return [...out].slice(0, 50);
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function iso(ms: number): string | undefined {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

interface WarnSink {
  add(w: AnalysisWarning): void;
}

/** Reads one connection (one HAR entry) into its endpoint's state. */
function observeConnection(
  obs: Observation,
  s: EndpointState,
  ctx: AnalyzeContext,
  warns: WarnSink,
  engineIoHint: boolean,
): void {
  const frames: unknown = obs.entry._webSocketMessages;
  if (frames === undefined) return;
  if (!Array.isArray(frames)) {
    warns.add({
      code: 'websocket.malformed',
      message: `capture ${obs.capture}, entry ${obs.index}: _webSocketMessages is not an array; its frames are skipped.`,
      evidence: [evidenceAt(obs, '/_webSocketMessages')],
    });
    return;
  }
  if (frames.length === 0) return;
  s.withFrames++;
  // Frame clocks: DevTools writes epoch seconds, some tools epoch ms, CDP recorders monotonic seconds.
  let clock: WebSocketEndpointModel['frameClock'] = 'none';
  let scale = 1000;
  let offset = 0;
  for (let i = 0; i < Math.min(frames.length, 20); i++) {
    const t = frameTime(frames[i]);
    if (Number.isNaN(t)) continue;
    if (t > 1e11) {
      clock = 'epoch-millis';
      scale = 1;
    } else if (t > 1e8) clock = 'epoch-seconds';
    else {
      clock = 'monotonic';
      offset = (Number.isFinite(obs.time) ? obs.time : 0) - t * 1000;
    }
    break;
  }
  s.clocks.add(clock);
  const timeOf = (raw: unknown): number => {
    const t = frameTime(raw);
    return Number.isNaN(t) || clock === 'none' ? Number.NaN : t * scale + offset;
  };
  let engineIo = engineIoHint;
  const pending = new Map<string, { key: string; t: number; ack: boolean }>();
  const subs: ConnSub[] = [];
  const subIds = new Map<string, ConnSub>();
  const seen = new Map<string, { first: number; last: number; n: number }>();
  const lastHeartbeat: { send: number; receive: number } = { send: Number.NaN, receive: Number.NaN };
  let malformed = 0;
  let malformedWhy = '';
  let tooLarge = 0;
  let invalidJson = 0;
  let firstBad = -1;

  // Streams named in the URL are subscriptions in force from the start.
  const urlTopics: string[] = [];
  for (const [k, v] of obs.query)
    if (URL_STREAM_PARAMS.has(k)) for (const t of v.split(/[/,]/)) if (t) urlTopics.push(t);
  const lastSeg = obs.segments[obs.segments.length - 1];
  if (lastSeg && lastSeg.includes('@')) urlTopics.push(lastSeg);
  if (urlTopics.length > 0) {
    const sub: ConnSub = {
      key: 'url',
      topics: new Set(urlTopics.slice(0, 100).map((t) => t.toLowerCase())),
      tokens: tokensOf(urlTopics.slice(0, 100)),
      t: Number.NEGATIVE_INFINITY,
      ids: new Set(),
    };
    subs.push(sub);
    let st = s.subs.get('url');
    if (!st)
      s.subs.set(
        'url',
        (st = { action: 'subscribe', topics: new Set(), count: 0, evidence: [], links: new Map() }),
      );
    st.count++;
    for (const t of urlTopics) if (st.topics.size < 20) st.topics.add(templateTopic(t));
    if (st.evidence.length < MAX_EVIDENCE) st.evidence.push(evidenceAt(obs, '/request/url'));
  }

  const link = (
    subKey: string,
    kindKey: string,
    linkedBy: SubState['links'] extends Map<string, infer V> ? V : never,
  ): void => {
    const st = s.subs.get(subKey);
    if (!st) return;
    const prev = st.links.get(kindKey);
    if (!prev || prev.confidence < linkedBy.confidence) {
      if (st.links.size < 100 || prev) st.links.set(kindKey, linkedBy);
    }
  };

  const subscribe = (
    key: string,
    verb: string,
    body: unknown,
    t: number,
    id: string | undefined,
    pointer: string,
    verbPointer: string | undefined,
  ): void => {
    const action = UNSUBSCRIBE.test(verb) ? 'unsubscribe' : 'subscribe';
    const topics = topicsOf(body);
    let st = s.subs.get(key);
    if (!st) s.subs.set(key, (st = { action, topics: new Set(), count: 0, evidence: [], links: new Map() }));
    st.count++;
    for (const tp of topics) if (st.topics.size < 20) st.topics.add(templateTopic(tp));
    if (st.evidence.length < MAX_EVIDENCE) st.evidence.push(evidenceAt(obs, pointer, verbPointer));
    if (action === 'subscribe') {
      subs.push({
        key,
        topics: new Set(topics.map((x) => x.toLowerCase())),
        tokens: tokensOf(topics),
        t,
        ids: new Set(id !== undefined ? [id] : []),
      });
      if (subs.length > MAX_CONN_SUBS) subs.splice(1, 1);
    }
  };

  const group = (
    key: string,
    init: () => Omit<
      FineKind,
      | 'messages'
      | 'bytes'
      | 'maxBytes'
      | 'first'
      | 'last'
      | 'gaps'
      | 'spanMs'
      | 'withId'
      | 'acc'
      | 'evidence'
      | 'streams'
    >,
  ): { key: string; fine: FineKind } => {
    let f = s.fine.get(key);
    if (!f) {
      if (s.fine.size >= MAX_FINE_KEYS) {
        s.overflowed++;
        const dir = key.startsWith('send') ? 'send' : 'receive';
        const okey = `${dir}\u0001other`;
        f = s.fine.get(okey);
        if (!f) {
          f = newFine({ dir, framing: 'json', cands: [], other: true });
          s.fine.set(okey, f);
        }
        return { key: okey, fine: f };
      }
      f = newFine(init());
      s.fine.set(key, f);
    }
    return { key, fine: f };
  };

  for (let i = 0; i < frames.length; i++) {
    const raw: unknown = frames[i];
    const d = decodeFrame(raw, engineIo, ctx.maxBodyChars);
    if (d.kind === 'malformed') {
      malformed++;
      malformedWhy ||= d.why;
      if (firstBad < 0) firstBad = i;
      continue;
    }
    const t = timeOf(raw);
    if (Number.isFinite(t)) {
      if (t < s.first) s.first = t;
      if (t > s.last) s.last = t;
    }
    const dir = d.direction;
    if (d.kind === 'binary') {
      addTraffic(dir === 'send' ? s.binarySent : s.binaryReceived, d.bytes);
      continue;
    }
    addTraffic(dir === 'send' ? s.sent : s.received, d.bytes);
    if (d.kind === 'close') continue;
    if (d.kind === 'heartbeat') {
      s.heartbeats++;
      if (s.heartbeatForms.size < 10) s.heartbeatForms.add(d.form);
      const prev = lastHeartbeat[dir];
      if (Number.isFinite(prev) && Number.isFinite(t) && s.heartbeatGaps.length < MAX_SAMPLES)
        s.heartbeatGaps.push(t - prev);
      lastHeartbeat[dir] = t;
      continue;
    }
    if (d.kind === 'too-large' || d.kind === 'invalid-json') {
      s.unparsed++;
      if (d.kind === 'too-large') tooLarge++;
      else invalidJson++;
      if (firstBad < 0) firstBad = i;
      continue;
    }
    const pointer = `/_webSocketMessages/${i}/data`;
    let g: { key: string; fine: FineKind };
    let value: unknown;
    let hasValue = false;
    let streamRaw: string | undefined;
    let candRaw: string[] = [];
    let isResponse = false;
    let subIdSeen: string | undefined;
    if (d.kind === 'text') {
      g = group(`${dir}\u0001T\u0001${d.word ?? ''}`, () => ({
        dir,
        framing: 'text',
        cands: [],
        ...(d.word ? { packet: d.word } : {}),
      }));
    } else if (d.kind === 'socket.io') {
      engineIo = true;
      if (d.packet === 'ack') {
        const req = d.ackId !== undefined ? pending.get(`ack:${d.ackId}`) : undefined;
        if (req && d.ackId !== undefined) {
          pending.delete(`ack:${d.ackId}`);
          isResponse = true;
          g = group(`${dir}\u0001S\u0001ack\u0001${req.key}`, () => ({
            dir,
            framing: 'socket.io',
            cands: [],
            packet: 'ack',
            rpc: { req: req.key, outcome: 'ack' },
          }));
          correlate(s, req.key, g.key, 'ack', t - req.t, evidenceAt(obs, pointer));
        } else
          g = group(`${dir}\u0001S\u0001ack`, () => ({
            dir,
            framing: 'socket.io',
            cands: [],
            packet: 'ack',
          }));
      } else {
        const ns = d.namespace ?? '';
        g = group(`${dir}\u0001S\u0001${d.packet}\u0001${ns}\u0001${d.event ?? ''}`, () => ({
          dir,
          framing: 'socket.io',
          cands: [],
          packet: d.packet,
          ...(d.event !== undefined ? { event: d.event } : {}),
          ...(d.namespace ? { namespace: d.namespace } : {}),
        }));
        if (d.event !== undefined) candRaw = [d.event.toLowerCase()];
        if (d.packet === 'event' && d.ackId !== undefined && pending.size < MAX_PENDING) {
          pending.set(`ack:${d.ackId}`, { key: g.key, t, ack: true });
          g.fine.withId++;
        }
        if (dir === 'send' && d.event !== undefined && SUBSCRIBE.test(d.event))
          subscribe(g.key, d.event, d.payload, t, undefined, pointer, undefined);
      }
      if (d.payload !== undefined) {
        value = d.payload;
        hasValue = true;
      }
    } else {
      value = d.value;
      hasValue = true;
      const o = d.value;
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        const obj = o as Record<string, unknown>;
        const id = scalarId(obj.id);
        const req = dir === 'receive' && id !== undefined ? pending.get(id) : undefined;
        if (
          req &&
          !req.ack &&
          ('result' in obj || 'error' in obj || typeof obj.status === 'number' || 'code' in obj)
        ) {
          pending.delete(id as string);
          isResponse = true;
          const failed =
            (obj.error !== undefined && obj.error !== null) ||
            (typeof obj.status === 'number' && obj.status >= 400);
          const outcome = failed ? 'error' : 'result';
          g = group(`${dir}\u0001R\u0001${req.key}\u0001${outcome}`, () => ({
            dir,
            framing: 'json',
            cands: [],
            rpc: { req: req.key, outcome },
          }));
          correlate(s, req.key, g.key, '/id', t - req.t, evidenceAt(obs, pointer));
          // A subscription id handed back (JSON-RPC eth_subscribe): notifications carrying it are linked.
          const sub = subs.find((x) => x.key === req.key && x.ids.has(id as string));
          const sid = scalarId(obj.result);
          if (sub && sid !== undefined && subIds.size < MAX_PENDING) subIds.set(sid, sub);
        } else {
          const cands = candidatesOf(obj);
          const ds = s.dirs[dir];
          ds.objects++;
          for (const c of cands) {
            let fs = ds.fields.get(c.ptr);
            if (!fs) {
              if (ds.fields.size >= 64) continue;
              ds.fields.set(c.ptr, (fs = { present: 0, values: new Map(), overflow: false }));
            }
            fs.present++;
            if (!fs.overflow) {
              fs.values.set(c.value, (fs.values.get(c.value) ?? 0) + 1);
              if (fs.values.size > 64) {
                fs.overflow = true;
                fs.values.clear();
              }
            }
          }
          const shape = cands.length === 0 ? shapeOf(obj) : undefined;
          let wrapper: string | undefined;
          if (obj.data !== null && typeof obj.data === 'object')
            for (const f of STREAM_FIELDS)
              if (typeof obj[f] === 'string') {
                wrapper = f;
                streamRaw = obj[f] as string;
                break;
              }
          g = group(
            `${dir}\u0001J\u0001${cands.map((c) => `${c.ptr}=${c.value}`).join('\u0002')}\u0001${shape ?? ''}`,
            () => ({
              dir,
              framing: 'json',
              cands: cands.map((c) => ({ ptr: c.ptr, value: c.value })),
              ...(shape !== undefined ? { shape } : {}),
              ...(wrapper ? { payloadPointer: '/data' } : {}),
            }),
          );
          if (streamRaw !== undefined && g.fine.streams.size < 10)
            g.fine.streams.add(templateTopic(streamRaw));
          candRaw = cands.map((c) => c.raw.toLowerCase());
          if (dir === 'send') {
            if (id !== undefined && pending.size < MAX_PENDING) {
              pending.set(id, { key: g.key, t, ack: false });
              g.fine.withId++;
            }
            const verb = cands.find((c) => SUBSCRIBE.test(c.raw));
            if (verb) subscribe(g.key, verb.raw, obj, t, id, pointer, verb.ptr);
          } else {
            const params = obj.params as Record<string, unknown> | undefined;
            subIdSeen =
              scalarId(obj.subscription) ??
              (params && typeof params === 'object' ? scalarId(params.subscription) : undefined);
          }
        }
      } else {
        const shape = shapeOf(o);
        g = group(`${dir}\u0001J\u0001\u0001${shape}`, () => ({ dir, framing: 'json', cands: [], shape }));
      }
    }
    const f = g.fine;
    f.messages++;
    f.bytes += d.bytes;
    if (d.bytes > f.maxBytes) f.maxBytes = d.bytes;
    if (Number.isFinite(t)) {
      if (t < f.first) f.first = t;
      if (t > f.last) f.last = t;
    }
    if (hasValue) observeValue(f.acc, value, ctx);
    if (f.evidence.length < MAX_EVIDENCE) f.evidence.push(evidenceAt(obs, pointer));
    let sn = seen.get(g.key);
    if (!sn) {
      seen.set(g.key, (sn = { first: t, last: t, n: 0 }));
      // Linking: at a kind's first message on this connection, which subscription asked for it.
      if (dir === 'receive' && !isResponse && subs.length > 0) {
        const bySubId = subIdSeen !== undefined ? subIds.get(subIdSeen) : undefined;
        if (bySubId) link(bySubId.key, g.key, { linkedBy: 'subscription-id', confidence: 0.95 });
        else {
          let done = false;
          const names = streamRaw !== undefined ? [streamRaw.toLowerCase(), ...candRaw] : candRaw;
          for (let k = subs.length - 1; k >= 0 && !done; k--) {
            const sub = subs[k] as ConnSub;
            if (names.some((n) => sub.topics.has(n))) {
              link(sub.key, g.key, { linkedBy: 'topic', confidence: 0.9 });
              done = true;
            }
          }
          for (let k = subs.length - 1; k >= 0 && !done; k--) {
            const sub = subs[k] as ConnSub;
            if (
              candRaw.some(
                (n) => n.length >= 4 && sub.tokens.some((tok) => n.includes(tok) || tok.includes(n)),
              )
            ) {
              link(sub.key, g.key, { linkedBy: 'name', confidence: 0.7 });
              done = true;
            }
          }
          const latest = subs[subs.length - 1] as ConnSub;
          if (
            !done &&
            latest.key !== 'url' &&
            Number.isFinite(t) &&
            Number.isFinite(latest.t) &&
            t >= latest.t &&
            t - latest.t <= ORDER_WINDOW_MS
          )
            link(latest.key, g.key, { linkedBy: 'order', confidence: 0.4 });
        }
      }
    }
    sn.n++;
    if (Number.isFinite(t)) {
      if (!Number.isFinite(sn.first)) sn.first = t;
      sn.last = t;
    }
  }
  for (const [key, sn] of seen) {
    const f = s.fine.get(key);
    if (f && sn.n >= 2 && Number.isFinite(sn.first) && sn.last > sn.first) {
      f.gaps += sn.n - 1;
      f.spanMs += sn.last - sn.first;
    }
  }
  for (const req of pending.values()) {
    // Unanswered requests count against the correlation their group already has, if any.
    for (const c of s.corr.values())
      if (c.req === req.key) {
        c.unanswered++;
        break;
      }
  }
  if (malformed > 0)
    warns.add({
      code: 'websocket.malformed',
      message: `capture ${obs.capture}, entry ${obs.index}: ${malformed} WebSocket frame(s) skipped (${malformedWhy}).`,
      evidence: [evidenceAt(obs, `/_webSocketMessages/${firstBad}`)],
    });
  if (tooLarge > 0)
    warns.add({
      code: 'websocket.frame_too_large',
      message: `capture ${obs.capture}, entry ${obs.index}: ${tooLarge} WebSocket frame(s) over the ${ctx.maxBodyChars}-character cap were counted, not parsed.`,
      evidence: [evidenceAt(obs, `/_webSocketMessages/${firstBad}/data`)],
    });
  if (invalidJson > 0)
    warns.add({
      code: 'websocket.invalid_json',
      message: `capture ${obs.capture}, entry ${obs.index}: ${invalidJson} WebSocket frame(s) look like JSON but do not parse; counted, not analyzed.`,
      evidence: [evidenceAt(obs, `/_webSocketMessages/${firstBad}/data`)],
    });
}

function newFine(
  init: Omit<
    FineKind,
    | 'messages'
    | 'bytes'
    | 'maxBytes'
    | 'first'
    | 'last'
    | 'gaps'
    | 'spanMs'
    | 'withId'
    | 'acc'
    | 'evidence'
    | 'streams'
  >,
): FineKind {
  return {
    ...init,
    streams: new Set(),
    messages: 0,
    bytes: 0,
    maxBytes: 0,
    first: Infinity,
    last: -Infinity,
    gaps: 0,
    spanMs: 0,
    withId: 0,
    acc: newSchemaAcc(),
    evidence: [],
  };
}

function correlate(
  s: EndpointState,
  req: string,
  resp: string,
  idField: string,
  latency: number,
  ev: Evidence,
): void {
  const key = `${req}\u0003${resp}`;
  let c = s.corr.get(key);
  if (!c) {
    if (s.corr.size >= 200) return;
    s.corr.set(key, (c = { req, resp, idField, matched: 0, unanswered: 0, latencies: [], evidence: [] }));
  }
  c.matched++;
  if (Number.isFinite(latency) && latency >= 0 && c.latencies.length < MAX_SAMPLES) c.latencies.push(latency);
  if (c.evidence.length < MAX_EVIDENCE) c.evidence.push(ev);
}

/** Merges endpoint states whose route keys templating made one endpoint. */
function mergeEndpoint(d: EndpointState, s: EndpointState, ctx: AnalyzeContext): void {
  d.connections += s.connections;
  d.withFrames += s.withFrames;
  for (const p of s.subprotocols) d.subprotocols.add(p);
  for (const [k, p] of s.query) {
    const mine = d.query.get(k);
    if (!mine) d.query.set(k, p);
    else {
      mine.seen += p.seen;
      mergeSchemaAcc(mine.acc, p.acc, ctx);
      for (const e of p.examples)
        if (mine.examples.length < 3 && !mine.examples.includes(e)) mine.examples.push(e);
    }
  }
  for (const [st, n] of s.steps) d.steps.set(st, (d.steps.get(st) ?? 0) + n);
  mergeTraffic(d.sent, s.sent);
  mergeTraffic(d.received, s.received);
  mergeTraffic(d.binarySent, s.binarySent);
  mergeTraffic(d.binaryReceived, s.binaryReceived);
  d.heartbeats += s.heartbeats;
  for (const f of s.heartbeatForms) if (d.heartbeatForms.size < 10) d.heartbeatForms.add(f);
  d.heartbeatGaps.push(...s.heartbeatGaps.slice(0, MAX_SAMPLES - d.heartbeatGaps.length));
  d.unparsed += s.unparsed;
  for (const c of s.clocks) d.clocks.add(c);
  d.first = Math.min(d.first, s.first);
  d.last = Math.max(d.last, s.last);
  d.overflowed += s.overflowed;
  for (const [k, f] of s.fine) {
    const mine = d.fine.get(k);
    if (!mine) d.fine.set(k, f);
    else mergeFine(mine, f, ctx);
  }
  for (const dir of ['send', 'receive'] as const) {
    const dd = d.dirs[dir];
    const sd = s.dirs[dir];
    dd.objects += sd.objects;
    for (const [ptr, fs] of sd.fields) {
      const mine = dd.fields.get(ptr);
      if (!mine) dd.fields.set(ptr, fs);
      else {
        mine.present += fs.present;
        if (fs.overflow) mine.overflow = true;
        if (!mine.overflow) for (const [v, n] of fs.values) mine.values.set(v, (mine.values.get(v) ?? 0) + n);
        if (mine.overflow || mine.values.size > 64) {
          mine.overflow = true;
          mine.values.clear();
        }
      }
    }
  }
  for (const [k, st] of s.subs) {
    const mine = d.subs.get(k);
    if (!mine) d.subs.set(k, st);
    else {
      mine.count += st.count;
      for (const t of st.topics) if (mine.topics.size < 20) mine.topics.add(t);
      for (const e of st.evidence) if (mine.evidence.length < MAX_EVIDENCE) mine.evidence.push(e);
      for (const [lk, l] of st.links) {
        const prev = mine.links.get(lk);
        if (!prev || prev.confidence < l.confidence) mine.links.set(lk, l);
      }
    }
  }
  for (const [k, c] of s.corr) {
    const mine = d.corr.get(k);
    if (!mine) d.corr.set(k, c);
    else {
      mine.matched += c.matched;
      mine.unanswered += c.unanswered;
      mine.latencies.push(...c.latencies.slice(0, MAX_SAMPLES - mine.latencies.length));
      for (const e of c.evidence) if (mine.evidence.length < MAX_EVIDENCE) mine.evidence.push(e);
    }
  }
  for (const e of s.evidence) if (d.evidence.length < ctx.samplesPerOperation) d.evidence.push(e);
}

function mergeFine(d: FineKind, s: FineKind, ctx: AnalyzeContext): void {
  d.messages += s.messages;
  d.bytes += s.bytes;
  d.maxBytes = Math.max(d.maxBytes, s.maxBytes);
  d.first = Math.min(d.first, s.first);
  d.last = Math.max(d.last, s.last);
  d.gaps += s.gaps;
  d.spanMs += s.spanMs;
  d.withId += s.withId;
  for (const x of s.streams) if (d.streams.size < 10) d.streams.add(x);
  mergeSchemaAcc(d.acc, s.acc, ctx);
  for (const e of s.evidence) if (d.evidence.length < MAX_EVIDENCE) d.evidence.push(e);
  d.payloadPointer ??= s.payloadPointer;
}

/** The discriminator of one direction: the most telling preferred field present in most messages. */
function chooseDiscriminator(ds: DirStats): { ptr: string; presence: number } | undefined {
  if (ds.objects === 0) return undefined;
  let best: { ptr: string; presence: number; rank: number } | undefined;
  for (const [ptr, fs] of ds.fields) {
    const presence = fs.present / ds.objects;
    if (presence < 0.5 || fs.overflow) continue;
    const distinct = fs.values.size;
    // A field unique to nearly every message is an id, not a kind.
    if (fs.present >= 6 && distinct > Math.max(2, fs.present / 2)) continue;
    const name = ptr.slice(ptr.lastIndexOf('/') + 1);
    // Payload-level fields (`/data/e`) rank just after their top-level namesakes but before weaker names.
    const rank = PREFERRED.indexOf(name) + (ptr.indexOf('/', 1) > 0 ? 0.5 : 0) - presence;
    if (!best || rank < best.rank) best = { ptr, presence, rank };
  }
  return best ? { ptr: best.ptr, presence: best.presence } : undefined;
}

interface KindBuild {
  model: Omit<WebSocketMessageKindModel, 'schema'> & { acc: SchemaAcc };
  gaps: number;
  spanMs: number;
}

function paramModels(map: Map<string, ParamStats>, samples: number): ParameterModel[] {
  return [...map]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([name, p]) => {
      const m: ParameterModel = {
        name,
        in: 'query',
        required: p.seen >= samples,
        schema: toJsonSchema(p.acc, { name }),
        seen: p.seen,
        presence: round(p.seen / Math.max(1, samples)),
        examples: p.examples,
      };
      if (isCredentialName(name)) m.credential = true;
      return m;
    });
}

/** Builds the endpoint model from its (merged) state. */
function buildEndpoint(
  id: string,
  s: EndpointState,
  template: ReturnType<FinishInput['resolvePath']>,
  ctx: AnalyzeContext,
): { endpoint: WebSocketEndpointModel; kindOf: Map<string, string> } {
  const disc = { send: chooseDiscriminator(s.dirs.send), receive: chooseDiscriminator(s.dirs.receive) };
  // Fine groups → kind names. Requests are named first: responses are named after them.
  const nameOf = new Map<
    string,
    {
      name: string;
      by: WebSocketMessageKindModel['by'];
      disc?: { pointer: string; value: string };
      role?: WebSocketMessageKindModel['role'];
      presence?: number;
    }
  >();
  const nameGroup = (key: string, f: FineKind): void => {
    if (f.other) {
      nameOf.set(key, { name: '(other)', by: 'shape' });
      return;
    }
    if (f.framing === 'text') {
      nameOf.set(key, { name: f.packet ?? 'text', by: 'text' });
      return;
    }
    if (f.framing === 'socket.io') {
      if (f.packet === 'event')
        nameOf.set(key, {
          name: `${f.namespace ? `${f.namespace}:` : ''}${f.event ?? 'event'}`,
          by: 'socket.io',
        });
      else if (f.packet !== 'ack')
        nameOf.set(key, {
          name: `socket.io ${f.packet ?? 'packet'}`,
          by: 'socket.io',
          role: f.packet === 'connect-error' ? 'error' : 'control',
        });
      return;
    }
    if (f.rpc) return;
    const d = disc[f.dir];
    const hit = d ? f.cands.find((c) => c.ptr === d.ptr) : undefined;
    if (hit && d) {
      nameOf.set(key, {
        name: hit.value,
        by: 'field',
        disc: { pointer: hit.ptr, value: hit.value },
        presence: d.presence,
      });
      return;
    }
    const first = f.cands[0];
    if (first) {
      nameOf.set(key, {
        name: `${first.ptr.slice(1)}=${first.value}`,
        by: 'field',
        disc: { pointer: first.ptr, value: first.value },
        presence: 0.5,
      });
      return;
    }
    nameOf.set(key, { name: f.shape ?? 'message', by: 'shape' });
  };
  for (const [key, f] of s.fine) nameGroup(key, f);
  for (const [key, f] of s.fine) {
    if (!f.rpc) continue;
    const req = nameOf.get(f.rpc.req)?.name ?? 'request';
    nameOf.set(key, {
      name: `${req}.${f.rpc.outcome === 'ack' ? 'ack' : f.rpc.outcome}`,
      by: f.rpc.outcome === 'ack' ? 'socket.io' : 'rpc-id',
      role: f.rpc.outcome === 'error' ? 'error' : 'response',
    });
  }
  const kinds = new Map<string, KindBuild>();
  const kindOf = new Map<string, string>();
  for (const [key, f] of s.fine) {
    const n = nameOf.get(key) ?? { name: 'message', by: 'shape' as const };
    const kid = `${f.dir}:${n.name}`;
    kindOf.set(key, kid);
    const k = kinds.get(kid);
    if (k) {
      const m = k.model;
      m.messages += f.messages;
      m.bytes += f.bytes;
      m.maxBytes = Math.max(m.maxBytes, f.maxBytes);
      k.gaps += f.gaps;
      k.spanMs += f.spanMs;
      mergeSchemaAcc(m.acc, f.acc, ctx);
      for (const e of f.evidence) if (m.evidence.length < MAX_EVIDENCE) m.evidence.push(e);
      for (const x of f.streams)
        if ((m.streams ??= []).length < 10 && !m.streams.includes(x)) m.streams.push(x);
      const firstMs = Math.min(Date.parse(m.firstSeen ?? '') || Infinity, f.first);
      const lastMs = Math.max(Date.parse(m.lastSeen ?? '') || -Infinity, f.last);
      const fi = iso(firstMs);
      const la = iso(lastMs);
      if (fi) m.firstSeen = fi;
      if (la) m.lastSeen = la;
      if (f.withId > 0 && m.role === 'event') m.role = 'request';
      continue;
    }
    let role: WebSocketMessageKindModel['role'] = n.role ?? 'event';
    if (!n.role && f.dir === 'send') {
      if (UNSUBSCRIBE.test(n.name)) role = 'unsubscribe';
      else if (SUBSCRIBE.test(n.name)) role = 'subscribe';
      else if (f.withId > 0) role = 'request';
    }
    const base =
      n.by === 'socket.io' || n.by === 'rpc-id'
        ? 0.95
        : n.by === 'field'
          ? 0.55 + 0.4 * (n.presence ?? 0.5)
          : n.by === 'shape'
            ? 0.45
            : 0.3;
    const m: KindBuild['model'] = {
      id: kid,
      direction: f.dir,
      name: n.name,
      framing: f.framing,
      role,
      by: n.by,
      messages: f.messages,
      bytes: f.bytes,
      maxBytes: f.maxBytes,
      confidence: 0,
      evidence: [...f.evidence],
      acc: newSchemaAcc(),
    };
    mergeSchemaAcc(m.acc, f.acc, ctx);
    (m as { base?: number }).base = base;
    if (n.disc) m.discriminator = n.disc;
    if (f.streams.size > 0) m.streams = [...f.streams];
    if (f.payloadPointer) m.payloadPointer = f.payloadPointer;
    const fi = iso(f.first);
    const la = iso(f.last);
    if (fi) m.firstSeen = fi;
    if (la) m.lastSeen = la;
    kinds.set(kid, { model: m, gaps: f.gaps, spanMs: f.spanMs });
  }
  const kindModels: WebSocketMessageKindModel[] = [...kinds.values()]
    .sort(
      (a, b) =>
        (a.model.direction === b.model.direction ? 0 : a.model.direction === 'send' ? -1 : 1) ||
        b.model.messages - a.model.messages ||
        a.model.name.localeCompare(b.model.name),
    )
    .map(({ model, gaps, spanMs }) => {
      const { acc, ...rest } = model;
      const base = (rest as { base?: number }).base ?? 0.5;
      delete (rest as { base?: number }).base;
      const out: WebSocketMessageKindModel = {
        ...rest,
        schema: acc.count > 0 ? toJsonSchema(acc) : {},
        confidence: round(base * (rest.messages >= 3 ? 1 : 0.85), 2),
        evidence: [...rest.evidence].sort((a, b) => a.capture - b.capture || a.entry - b.entry),
      };
      if (gaps > 0 && spanMs > 0) out.ratePerSecond = round(gaps / (spanMs / 1000));
      return out;
    });
  const subscriptions: WebSocketSubscriptionModel[] = [...s.subs]
    .map(([key, st]) => ({
      request: key === 'url' ? 'url' : (kindOf.get(key) ?? key),
      action: st.action,
      topics: [...st.topics],
      links: [...st.links]
        .map(([k, l]) => ({ kind: kindOf.get(k) ?? k, ...l }))
        .filter((l, i, all) => all.findIndex((x) => x.kind === l.kind) === i)
        .sort((a, b) => b.confidence - a.confidence || a.kind.localeCompare(b.kind)),
      count: st.count,
      evidence: st.evidence,
    }))
    .sort((a, b) => a.request.localeCompare(b.request));
  const correlations: WebSocketCorrelationModel[] = [...s.corr.values()]
    .map((c) => {
      const out: WebSocketCorrelationModel = {
        request: kindOf.get(c.req) ?? c.req,
        response: kindOf.get(c.resp) ?? c.resp,
        idField: c.idField,
        matched: c.matched,
        unanswered: c.unanswered,
        confidence: c.matched >= 2 ? 0.95 : 0.8,
        evidence: c.evidence,
      };
      const med = median(c.latencies);
      if (med !== undefined) out.medianLatencyMs = round(med, 1);
      return out;
    })
    .sort((a, b) => a.request.localeCompare(b.request) || a.response.localeCompare(b.response));
  const counts = {
    json: 0,
    'socket.io': 0,
    text: 0,
  } as Record<string, number>;
  for (const k of kindModels) counts[k.framing] = (counts[k.framing] ?? 0) + k.messages;
  const binary = s.binarySent.messages + s.binaryReceived.messages;
  const total = (counts.json ?? 0) + (counts['socket.io'] ?? 0) + (counts.text ?? 0) + binary;
  let framing: WebSocketEndpointModel['framing'] = 'none';
  if (total > 0) {
    const top = (
      [
        ['json', counts.json ?? 0],
        ['socket.io', counts['socket.io'] ?? 0],
        ['text', counts.text ?? 0],
        ['binary', binary],
      ] as const
    ).reduce((a, b) => (b[1] > a[1] ? b : a));
    framing = top[1] >= total * 0.8 ? top[0] : 'mixed';
  }
  const clocks = [...s.clocks].filter((c) => c !== 'none');
  const pathParams: ParameterModel[] = template.params.map((p) => ({
    name: p.name,
    in: 'path',
    required: true,
    schema: p.class === 'int' ? { type: 'integer' } : { type: 'string' },
    seen: s.connections,
    presence: 1,
    examples: p.values.slice(0, 3).map((v) => redactExample(v, p.name)),
    reason: p.reason,
    confidence: p.confidence,
    ...(isCredentialName(p.name) ? { credential: true } : {}),
  }));
  const endpoint: WebSocketEndpointModel = {
    id,
    origin: s.origin,
    pathTemplate: template.template,
    parameters: [...pathParams, ...paramModels(s.query, s.connections)],
    connections: s.connections,
    subprotocols: [...s.subprotocols].sort(),
    framing,
    discriminators: {
      ...(disc.send ? { send: disc.send.ptr } : {}),
      ...(disc.receive ? { receive: disc.receive.ptr } : {}),
    },
    sent: s.sent,
    received: s.received,
    binary: { sent: s.binarySent, received: s.binaryReceived },
    heartbeats: { messages: s.heartbeats, forms: [...s.heartbeatForms] },
    unparsed: s.unparsed,
    frameClock:
      clocks.length === 1
        ? (clocks[0] as WebSocketEndpointModel['frameClock'])
        : clocks.length > 1
          ? 'monotonic'
          : 'none',
    kinds: kindModels,
    subscriptions,
    correlations,
    credentials: [],
    steps: [...s.steps].sort((a, b) => b[1] - a[1]).map(([st]) => st),
    confidence: template.confidence,
    evidence: [...s.evidence].sort((a, b) => a.capture - b.capture || a.entry - b.entry),
  };
  const gap = median(s.heartbeatGaps);
  if (gap !== undefined) endpoint.heartbeats.intervalSeconds = round(gap / 1000, 1);
  const fi = iso(s.first);
  const la = iso(s.last);
  if (fi) endpoint.firstSeen = fi;
  if (la) endpoint.lastSeen = la;
  return { endpoint, kindOf };
}

export const websocketAnalyzer: Analyzer = {
  name: 'websocket',
  description:
    'WebSocket endpoints: message kinds per direction (discriminator, JSON-RPC ids, socket.io), schemas, subscriptions, heartbeats',
  create(ctx) {
    const states = new Map<string, EndpointState>();
    const warnings: AnalysisWarning[] = [];
    const warnCounts = new Map<string, number>();
    const warns: WarnSink = {
      add(w) {
        const n = (warnCounts.get(w.code) ?? 0) + 1;
        warnCounts.set(w.code, n);
        if (n <= 20) warnings.push(w);
      },
    };
    return {
      observe(obs: Observation, route: RouteRef | undefined) {
        if (!route || !isWebSocketObservation(obs)) return;
        let s = states.get(route.key);
        if (!s) {
          if (states.size >= 5000) return;
          s = newEndpoint(wsOrigin(obs.origin), route.node);
          states.set(route.key, s);
        }
        s.connections++;
        if (s.evidence.length < ctx.samplesPerOperation) s.evidence.push(evidenceAt(obs, ''));
        if (obs.step && (s.steps.size < 20 || s.steps.has(obs.step)))
          s.steps.set(obs.step, (s.steps.get(obs.step) ?? 0) + 1);
        const seenQ = new Set<string>();
        for (const [k, v] of obs.query) {
          if (seenQ.has(k)) continue;
          seenQ.add(k);
          let p = s.query.get(k);
          if (!p) {
            if (s.query.size >= 100) continue;
            s.query.set(k, (p = { seen: 0, acc: newSchemaAcc(), examples: [] }));
          }
          p.seen++;
          observeValue(p.acc, coerce(v), ctx);
          const ex = redactExample(v, k);
          if (p.examples.length < 3 && !p.examples.includes(ex)) p.examples.push(ex);
        }
        for (const h of obs.responseHeaders)
          if (String(h.name).toLowerCase() === 'sec-websocket-protocol' && s.subprotocols.size < 10)
            s.subprotocols.add(String(h.value).slice(0, 100));
        const engineIo = obs.query.some(([k]) => k === 'EIO') || obs.segments.includes('socket.io');
        observeConnection(obs, s, ctx, warns, engineIo);
      },
      finish(input: FinishInput) {
        const groups = new Map<
          string,
          { state: EndpointState; keys: string[]; template: ReturnType<FinishInput['resolvePath']> }
        >();
        for (const [key, s] of states) {
          const template = input.resolvePath(s.node);
          const gk = `${s.origin} ${template.template}`;
          const g = groups.get(gk);
          if (!g) groups.set(gk, { state: s, keys: [key], template });
          else {
            g.keys.push(key);
            mergeEndpoint(g.state, s, ctx);
          }
        }
        const used = new Map<string, number>();
        const websockets: WebSocketEndpointModel[] = [];
        const findings: Finding[] = [];
        const sorted = [...groups.values()].sort(
          (a, b) =>
            a.template.template.localeCompare(b.template.template) ||
            a.state.origin.localeCompare(b.state.origin),
        );
        for (const { state, keys, template } of sorted) {
          let id = operationIdOf('WS', template.template);
          const n = used.get(id) ?? 0;
          used.set(id, n + 1);
          if (n > 0) id = `${id}_${n + 1}`;
          for (const k of keys) input.bindOperation(k, id);
          const { endpoint } = buildEndpoint(id, state, template, ctx);
          websockets.push(endpoint);
          if (state.overflowed > 0)
            input.warn({
              code: 'websocket.kinds_capped',
              message: `${id}: more than ${MAX_FINE_KEYS} distinct message groups; ${state.overflowed} message(s) beyond were folded into (other).`,
              evidence: endpoint.evidence.slice(0, 1),
            });
          const url = `${endpoint.origin}${endpoint.pathTemplate}`;
          const kindsBy = (dir: 'send' | 'receive'): string =>
            endpoint.kinds
              .filter((k) => k.direction === dir)
              .slice(0, 8)
              .map((k) => k.name)
              .join(', ');
          const messages = endpoint.sent.messages + endpoint.received.messages;
          findings.push({
            kind: 'websocket.endpoint',
            summary:
              state.withFrames === 0
                ? `WebSocket ${url}: ${endpoint.connections} connection(s) without captured frames (the producer did not export _webSocketMessages).`
                : `WebSocket ${url} carries ${endpoint.kinds.length} message kind(s) over ${endpoint.connections} connection(s) (${endpoint.sent.messages} sent, ${endpoint.received.messages} received${endpoint.heartbeats.messages ? `, ${endpoint.heartbeats.messages} heartbeat(s) set aside` : ''}${endpoint.binary.received.messages + endpoint.binary.sent.messages ? `, ${endpoint.binary.received.messages + endpoint.binary.sent.messages} binary` : ''})${endpoint.discriminators.receive ? `; received kinds told apart by ${endpoint.discriminators.receive}` : ''}${kindsBy('receive') ? `: ${kindsBy('receive')}` : ''}.`,
            evidence: endpoint.evidence
              .slice(0, 3)
              .map((e) => ({ ...e, pointer: messages > 0 ? '/_webSocketMessages' : '/request/url' })),
            confidence: endpoint.confidence,
            operationId: id,
          });
          for (const sub of endpoint.subscriptions) {
            if (sub.links.length === 0 && sub.topics.length === 0) continue;
            findings.push({
              kind: 'websocket.subscription',
              summary: `${id}: ${sub.request === 'url' ? 'streams named in the URL' : `${sub.request} (${sub.action})`}${sub.topics.length ? ` asks for ${sub.topics.slice(0, 5).join(', ')}` : ''}${
                sub.links.length
                  ? `; followed by ${sub.links
                      .slice(0, 6)
                      .map((l) => `${l.kind} (by ${l.linkedBy})`)
                      .join(', ')}`
                  : ''
              }.`,
              evidence: sub.evidence,
              confidence: sub.links.length ? Math.max(...sub.links.map((l) => l.confidence)) : 0.5,
              operationId: id,
            });
          }
          for (const c of endpoint.correlations)
            findings.push({
              kind: 'websocket.correlation',
              summary: `${id}: ${c.request} is answered by ${c.response}, matched by ${c.idField === 'ack' ? 'socket.io ack id' : `the same ${c.idField}`} (${c.matched} matched, ${c.unanswered} unanswered${c.medianLatencyMs !== undefined ? `, median ${c.medianLatencyMs} ms` : ''}).`,
              evidence: c.evidence,
              confidence: c.confidence,
              operationId: id,
            });
        }
        for (const w of warnings) input.warn(w);
        for (const [code, n] of warnCounts)
          if (n > 20)
            input.warn({
              code: 'websocket.warnings_suppressed',
              message: `${n - 20} more ${code} warning(s) not listed.`,
            });
        return websockets.length > 0 ? { websockets, findings } : {};
      },
    };
  },
};

/** A credential use in a WebSocket handshake or its sent messages, for the auth inventory. */
export interface WebSocketCredentialUse {
  location: CredentialLocation;
  name: string;
  value: string;
  pointer: string;
  bodyPointer?: string;
}

const NO_USES: readonly WebSocketCredentialUse[] = [];

/**
 * Credentials a WebSocket connection carries beyond headers, cookies and query (which the auth analyzer
 * reads for every entry): path segments whose value was issued earlier as a credential (Binance
 * `/ws/{listenKey}`), and credential-named or issued values in the first sent JSON messages
 * (`{"op":"auth","token":…}`). `issued` names a value issued earlier, or undefined.
 */
export function webSocketCredentialUses(
  obs: Observation,
  issued: (value: string) => string | undefined,
): readonly WebSocketCredentialUse[] {
  if (!isWebSocketObservation(obs)) return NO_USES;
  const out: WebSocketCredentialUse[] = [];
  for (const seg of obs.segments) {
    const name = seg.length >= 8 ? issued(seg) : undefined;
    if (name) out.push({ location: 'path', name, value: seg, pointer: '/request/url' });
  }
  const frames: unknown = obs.entry._webSocketMessages;
  if (!Array.isArray(frames)) return out;
  let scanned = 0;
  for (let i = 0; i < frames.length && scanned < 20; i++) {
    const f = frames[i] as { type?: unknown; opcode?: unknown; data?: unknown } | null;
    if (!f || f.type !== 'send' || typeof f.data !== 'string' || f.data.length > 65_536) continue;
    if (f.opcode !== undefined && f.opcode !== 1) continue;
    const text = f.data.trimStart();
    if (text[0] !== '{') continue;
    scanned++;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      continue;
    }
    const visit = (x: unknown, ptr: string, key: string, depth: number): void => {
      if (out.length >= 50 || depth > 5) return;
      if (typeof x === 'string') {
        if (x.length === 0) return;
        const name = isCredentialName(key) ? key : x.length >= 8 ? issued(x) : undefined;
        if (name)
          out.push({
            location: 'message',
            name,
            value: x,
            pointer: `/_webSocketMessages/${i}/data`,
            bodyPointer: ptr,
          });
        return;
      }
      if (Array.isArray(x)) {
        for (let j = 0; j < Math.min(x.length, 20); j++) visit(x[j], `${ptr}/${j}`, key, depth + 1);
        return;
      }
      if (x && typeof x === 'object')
        for (const k in x as Record<string, unknown>)
          visit(
            (x as Record<string, unknown>)[k],
            `${ptr}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
            k,
            depth + 1,
          );
    };
    visit(v, '', '', 0);
  }
  return out;
}
