/**
 * Subscriptions of WebSocket traffic and the message kinds they brought: a subscribe request (or the
 * streams named in the URL) is linked to each kind first received after it on the same connection, by
 * the subscription id handed back (JSON-RPC `eth_subscribe`), by topic, by name, or failing those by
 * order within a short window.
 */
import { evidenceAt } from './analyzer.js';
import type { Observation } from './observe.js';
import type { Evidence, WebSocketSubscriptionModel } from './types.js';
import { MAX_CONN_SUBS, MAX_EVIDENCE, MAX_PENDING } from './websocket-limits.js';
import { templateTopic, tokensOf, topicsOf } from './websocket-topics.js';

export const SUBSCRIBE = /subscribe|^sub$/i;
export const UNSUBSCRIBE = /unsub/i;
/** Query parameters that name streams in the URL (Binance `/stream?streams=a@trade/b@depth`). */
const URL_STREAM_PARAMS = new Set(['streams', 'stream', 'topics', 'channels', 'subscribe']);
/** A kind first seen within this long after a subscribe is linked to it by order. */
const ORDER_WINDOW_MS = 10_000;

type SubLink = { linkedBy: WebSocketSubscriptionModel['links'][number]['linkedBy']; confidence: number };

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
}

/** The subscriptions of one connection, beside the endpoint's subscription states they count into. */
export interface ConnectionSubs {
  endpoint: Map<string, SubState>;
  obs: Observation;
  inForce: ConnSub[];
  /** Subscription ids handed back in responses, to the subscription they name. */
  byId: Map<string, ConnSub>;
}

export function connectionSubs(endpoint: Map<string, SubState>, obs: Observation): ConnectionSubs {
  return { endpoint, obs, inForce: [], byId: new Map() };
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
  const topics = topicsOf(body);
  let st = subs.endpoint.get(key);
  if (!st)
    subs.endpoint.set(key, (st = { action, topics: new Set(), count: 0, evidence: [], links: new Map() }));
  st.count++;
  for (const tp of topics) if (st.topics.size < 20) st.topics.add(templateTopic(tp));
  if (st.evidence.length < MAX_EVIDENCE) st.evidence.push(evidenceAt(subs.obs, pointer, verbPointer));
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
 * At a received group's first message on a connection: which subscription asked for it. `stream` is the
 * combined-stream name, `names` the lower-cased candidate values of the message.
 */
export function linkFirstSeen(
  subs: ConnectionSubs,
  kindKey: string,
  subscriptionId: string | undefined,
  stream: string | undefined,
  names: string[],
  t: number,
): void {
  const { inForce } = subs;
  if (inForce.length === 0) return;
  const bySubId = subscriptionId !== undefined ? subs.byId.get(subscriptionId) : undefined;
  if (bySubId) {
    link(subs, bySubId.key, kindKey, { linkedBy: 'subscription-id', confidence: 0.95 });
    return;
  }
  let done = false;
  const all = stream !== undefined ? [stream.toLowerCase(), ...names] : names;
  for (let k = inForce.length - 1; k >= 0 && !done; k--) {
    const sub = inForce[k] as ConnSub;
    if (all.some((n) => sub.topics.has(n))) {
      link(subs, sub.key, kindKey, { linkedBy: 'topic', confidence: 0.9 });
      done = true;
    }
  }
  for (let k = inForce.length - 1; k >= 0 && !done; k--) {
    const sub = inForce[k] as ConnSub;
    if (names.some((n) => n.length >= 4 && sub.tokens.some((tok) => n.includes(tok) || tok.includes(n)))) {
      link(subs, sub.key, kindKey, { linkedBy: 'name', confidence: 0.7 });
      done = true;
    }
  }
  const latest = inForce[inForce.length - 1] as ConnSub;
  if (
    !done &&
    latest.key !== 'url' &&
    Number.isFinite(t) &&
    Number.isFinite(latest.t) &&
    t >= latest.t &&
    t - latest.t <= ORDER_WINDOW_MS
  )
    link(subs, latest.key, kindKey, { linkedBy: 'order', confidence: 0.4 });
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
