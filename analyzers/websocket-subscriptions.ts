/**
 * Subscriptions of WebSocket traffic and the message kinds they brought: a subscribe request (or the
 * streams named in the URL) is linked to a kind first received after it on the same connection only on
 * evidence: the subscription id handed back (JSON-RPC `eth_subscribe`); a topic the subscribe names equal
 * to a field of the message (`stream`, `channel`, `arg.channel`, Kraken's channel name and pair); a
 * name token; or the kind starting after the subscribe and stopping after its unsubscribe. Order alone
 * links only a subscribe that names no topic and was the only one sent in the window, at low confidence,
 * and the link says so: with several subscribes back to back, or pushes the server sends unasked
 * (heartbeats, account updates), order proves nothing.
 */
import { evidenceAt } from './analyzer.js';
import type { Observation } from './observe.js';
import type { Evidence, WebSocketSubscriptionModel } from './types.js';
import { MAX_CONN_SUBS, MAX_EVIDENCE, MAX_PENDING } from './websocket-limits.js';
import { templateTopic, tokensOf, topicsOf } from './websocket-topics.js';

/**
 * Verbs of a stream request: `subscribe` in its spellings (SUBSCRIBE, pusher:subscribe, `sub`), and Phoenix
 * channels' `phx_join` / `phx_leave` (a join of a topic is its subscription).
 */
export const SUBSCRIBE = /subscribe|^sub$|^phx_join$/i;
export const UNSUBSCRIBE = /unsub|^phx_leave$/i;
/** Query parameters that name streams in the URL (Binance `/stream?streams=a@trade/b@depth`). */
const URL_STREAM_PARAMS = new Set(['streams', 'stream', 'topics', 'channels', 'subscribe']);
/** A kind first seen within this long after a subscribe is linked to it by order. */
const ORDER_WINDOW_MS = 10_000;

type SubLink = Omit<WebSocketSubscriptionModel['links'][number], 'kind'>;
/** Past an unsubscribe, a kind still arriving this long after is not one it stopped. */
const STOP_GRACE_MS = 1_000;
/** Objects one level down whose string fields name a stream (`{arg: {channel, instId}}`, `{data: {s}}`). */
const NESTED_FIELDS = ['arg', 'data', 'params', 'payload', 'subscription'];

/** One subscribe (or unsubscribe) request group of an endpoint, with the kinds linked to it. */
export interface SubState {
  action: 'subscribe' | 'unsubscribe';
  topics: Set<string>;
  count: number;
  evidence: Evidence[];
  links: Map<string, SubLink>;
}

/** A subscription in force on one connection, for linking what is received after it. */
interface ConnSub {
  key: string;
  topics: Set<string>;
  tokens: string[];
  t: number;
  ids: Set<string>;
  /** When an unsubscribe ended it on this connection. */
  until?: number;
}

/** The subscriptions of one connection, beside the endpoint's subscription states they count into. */
export interface ConnectionSubs {
  endpoint: Map<string, SubState>;
  obs: Observation;
  inForce: ConnSub[];
  /** Subscription ids handed back in responses, to the subscription they name. */
  byId: Map<string, ConnSub>;
  /** Received kinds no evidence linked when first seen: settled at the connection's end by unsubscribes. */
  unlinked: Map<string, number>;
}

export function connectionSubs(endpoint: Map<string, SubState>, obs: Observation): ConnectionSubs {
  return { endpoint, obs, inForce: [], byId: new Map(), unlinked: new Map() };
}

/** Streams named in the URL are subscriptions in force from the start. */
export function subscribeFromUrl(subs: ConnectionSubs): void {
  const obs = subs.obs;
  const urlTopics: string[] = [];
  for (const [k, v] of obs.query)
    if (URL_STREAM_PARAMS.has(k)) for (const t of v.split(/[/,]/)) if (t) urlTopics.push(t);
  const lastSeg = obs.segments[obs.segments.length - 1];
  if (lastSeg && lastSeg.includes('@')) urlTopics.push(lastSeg);
  if (urlTopics.length === 0) return;
  subs.inForce.push({
    key: 'url',
    topics: new Set(urlTopics.slice(0, 100).map((t) => t.toLowerCase())),
    tokens: tokensOf(urlTopics.slice(0, 100)),
    t: Number.NEGATIVE_INFINITY,
    ids: new Set(),
  });
  let st = subs.endpoint.get('url');
  if (!st)
    subs.endpoint.set(
      'url',
      (st = { action: 'subscribe', topics: new Set(), count: 0, evidence: [], links: new Map() }),
    );
  st.count++;
  for (const t of urlTopics) if (st.topics.size < 20) st.topics.add(templateTopic(t));
  if (st.evidence.length < MAX_EVIDENCE) st.evidence.push(evidenceAt(obs, '/request/url'));
}

/** Records a sent subscribe or unsubscribe message of group `key`; a subscribe is then in force. */
export function subscribe(
  subs: ConnectionSubs,
  key: string,
  verb: string,
  body: unknown,
  t: number,
  id: string | undefined,
  pointer: string,
  verbPointer: string | undefined,
): void {
  const action = UNSUBSCRIBE.test(verb) ? 'unsubscribe' : 'subscribe';
  // Not topics: the verb itself, and in a tuple (Phoenix `[join_ref, ref, topic, "phx_join", {}]`) the
  // numeric refs that count requests.
  const tuple = Array.isArray(body);
  const topics = topicsOf(body).filter((x) => x !== verb && !(tuple && /^\d+$/.test(x)));
  let st = subs.endpoint.get(key);
  if (!st)
    subs.endpoint.set(key, (st = { action, topics: new Set(), count: 0, evidence: [], links: new Map() }));
  st.count++;
  for (const tp of topics) if (st.topics.size < 20) st.topics.add(templateTopic(tp));
  if (st.evidence.length < MAX_EVIDENCE) st.evidence.push(evidenceAt(subs.obs, pointer, verbPointer));
  if (action === 'unsubscribe') {
    const target = bestByTopics(subs.inForce, new Set(topics.map((x) => x.toLowerCase())));
    const sub = target ?? (topics.length === 0 ? subs.inForce[subs.inForce.length - 1] : undefined);
    if (sub && sub.key !== 'url' && sub.until === undefined) sub.until = t;
  }
  if (action === 'subscribe') {
    subs.inForce.push({
      key,
      topics: new Set(topics.map((x) => x.toLowerCase())),
      tokens: tokensOf(topics),
      t,
      ids: new Set(id !== undefined ? [id] : []),
    });
    if (subs.inForce.length > MAX_CONN_SUBS) subs.inForce.splice(1, 1);
  }
}

/**
 * A response to request `reqId` of group `reqKey` handed back `subscriptionId` (JSON-RPC `eth_subscribe`):
 * notifications carrying that id are linked to the subscription.
 */
export function subscriptionIdHandedBack(
  subs: ConnectionSubs,
  reqKey: string,
  reqId: string,
  subscriptionId: string | undefined,
): void {
  const sub = subs.inForce.find((x) => x.key === reqKey && x.ids.has(reqId));
  if (sub && subscriptionId !== undefined && subs.byId.size < MAX_PENDING) subs.byId.set(subscriptionId, sub);
}

function link(subs: ConnectionSubs, subKey: string, kindKey: string, linkedBy: SubLink): void {
  const st = subs.endpoint.get(subKey);
  if (!st) return;
  const prev = st.links.get(kindKey);
  if (!prev || prev.confidence < linkedBy.confidence) {
    if (st.links.size < 100 || prev) st.links.set(kindKey, linkedBy);
  }
}

/**
 * Lower-cased string fields of a received message that can name its stream: top-level strings, those one
 * level into `arg`/`data`/`params`/`payload`/`subscription`, and the string elements of a tuple message.
 * Bounded; read only at a kind's first message on a connection.
 */
function fieldValues(value: unknown, out: string[]): void {
  const take = (v: unknown): void => {
    if (typeof v === 'string' && v.length > 0 && v.length <= 120 && out.length < 40)
      out.push(v.toLowerCase());
  };
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, 8); i++) take(value[i]);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  let n = 0;
  for (const k in o) {
    if (++n > 30) break;
    const v = o[k];
    if (typeof v === 'string') take(v);
    else if (v && typeof v === 'object' && !Array.isArray(v) && NESTED_FIELDS.includes(k)) {
      let m = 0;
      for (const k2 in v as Record<string, unknown>) {
        if (++m > 30) break;
        take((v as Record<string, unknown>)[k2]);
      }
    }
  }
}

/**
 * The subscription whose topics the values name most, counting only topics that tell the subscriptions
 * in force apart (the pair both Kraken subscribes name says nothing); the latest on a tie.
 */
function bestByTopics(inForce: readonly ConnSub[], values: ReadonlySet<string>): ConnSub | undefined {
  let best: ConnSub | undefined;
  let bestN = 0;
  const any: ConnSub[] = [];
  for (let k = inForce.length - 1; k >= 0; k--) {
    const sub = inForce[k] as ConnSub;
    let n = 0;
    let hit = false;
    for (const tp of sub.topics)
      if (values.has(tp)) {
        hit = true;
        if (inForce.length === 1 || inForce.some((o) => o !== sub && !o.topics.has(tp))) n++;
      }
    if (hit) any.push(sub);
    if (n > bestN) {
      best = sub;
      bestN = n;
    }
  }
  return best ?? unanimous(any);
}

/** The latest of `subs` when they are all one request group (a resubscribe), else undefined: ambiguous. */
function unanimous(subs: readonly ConnSub[]): ConnSub | undefined {
  const first = subs[0];
  return first && subs.every((x) => x.key === first.key) ? first : undefined;
}

/**
 * At a received group's first message on a connection: which subscription asked for it. `stream` is the
 * combined-stream name, `names` the lower-cased candidate values of the message, `value` the message
 * (its string fields are matched against the subscriptions' topics).
 */
export function linkFirstSeen(
  subs: ConnectionSubs,
  kindKey: string,
  subscriptionId: string | undefined,
  stream: string | undefined,
  names: string[],
  t: number,
  value?: unknown,
): void {
  const { inForce } = subs;
  if (inForce.length === 0) return;
  const bySubId = subscriptionId !== undefined ? subs.byId.get(subscriptionId) : undefined;
  if (bySubId) {
    link(subs, bySubId.key, kindKey, { linkedBy: 'subscription-id', confidence: 0.95 });
    return;
  }
  const values: string[] = stream !== undefined ? [stream.toLowerCase(), ...names] : [...names];
  fieldValues(value, values);
  const byTopic = bestByTopics(inForce, new Set(values));
  if (byTopic) {
    link(subs, byTopic.key, kindKey, { linkedBy: 'topic', confidence: 0.9 });
    return;
  }
  // A name token shared by every subscription in force (`btcusdt` of `btcusdt@trade` and `btcusdt@depth`)
  // tells none apart, unless they are all one request group.
  const byName: ConnSub[] = [];
  for (let k = inForce.length - 1; k >= 0; k--) {
    const sub = inForce[k] as ConnSub;
    const telling = (tok: string): boolean =>
      inForce.length === 1 || inForce.some((o) => o !== sub && !o.tokens.includes(tok));
    const named = (strict: boolean): boolean =>
      names.some(
        (n) =>
          n.length >= 4 &&
          sub.tokens.some((tok) => (n.includes(tok) || tok.includes(n)) && (!strict || telling(tok))),
      );
    if (named(true)) {
      link(subs, sub.key, kindKey, { linkedBy: 'name', confidence: 0.7 });
      return;
    }
    if (named(false)) byName.push(sub);
  }
  const sameGroup = unanimous(byName);
  if (sameGroup) {
    link(subs, sameGroup.key, kindKey, { linkedBy: 'name', confidence: 0.7 });
    return;
  }
  if (subs.unlinked.size < MAX_PENDING) subs.unlinked.set(kindKey, t);
  if (!Number.isFinite(t)) return;
  // Order alone: only the one subscribe of the window, and only when it names no topic to check against.
  let inWindow: ConnSub | undefined;
  for (const sub of inForce) {
    if (sub.key === 'url' || !Number.isFinite(sub.t) || sub.t > t || t - sub.t > ORDER_WINDOW_MS) continue;
    if (inWindow) return;
    inWindow = sub;
  }
  if (inWindow && inWindow.topics.size === 0)
    link(subs, inWindow.key, kindKey, {
      linkedBy: 'order',
      confidence: 0.3,
      reason: `by order only: first seen ${Math.round(t - inWindow.t)} ms after a subscribe that names no topic, with no other subscribe in the window`,
    });
}

/**
 * At a connection's end: a kind no evidence linked, first seen after a subscribe and last seen by its
 * unsubscribe (while other kinds went on), is that subscription's. `seen` holds each group's first and
 * last time on the connection.
 */
export function settleUnsubscribed(
  subs: ConnectionSubs,
  seen: ReadonlyMap<string, { first: number; last: number; n: number }>,
): void {
  // A kind only stopped if the connection went on past the unsubscribe: at the end everything stops.
  let end = Number.NEGATIVE_INFINITY;
  for (const sn of seen.values()) if (sn.last > end) end = sn.last;
  for (const [kindKey, first] of subs.unlinked) {
    const sn = seen.get(kindKey);
    const last = sn?.last;
    // A one-off message did not flow, so it cannot have stopped.
    if (!sn || sn.n < 2 || last === undefined || !Number.isFinite(first) || !Number.isFinite(last)) continue;
    let match: ConnSub | undefined;
    for (const sub of subs.inForce) {
      if (sub.until === undefined || sub.t > first || end <= sub.until + STOP_GRACE_MS) continue;
      // It must have flowed until the unsubscribe (near it), and stopped right after.
      if (last > sub.until + STOP_GRACE_MS || sub.until - last > ORDER_WINDOW_MS) continue;
      if (match) {
        match = undefined;
        break;
      }
      match = sub;
    }
    if (match?.until !== undefined)
      link(subs, match.key, kindKey, {
        linkedBy: 'order',
        confidence: 0.75,
        reason: `first seen ${Math.round(first - match.t)} ms after the subscribe and not after its unsubscribe`,
      });
  }
}

export function mergeSubscriptions(d: Map<string, SubState>, s: Map<string, SubState>): void {
  for (const [k, st] of s) {
    const mine = d.get(k);
    if (!mine) d.set(k, st);
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
}

/** The subscription models, groups named by their kinds (`kindOf`). */
export function subscriptionModels(
  subs: Map<string, SubState>,
  kindOf: Map<string, string>,
): WebSocketSubscriptionModel[] {
  return [...subs]
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
}
