/**
 * What the WebSocket analyzer keeps per endpoint (one per route key while observing; merged when
 * templating makes route keys one): handshake facts, traffic counters, heartbeats, message groups,
 * discriminator statistics, subscriptions and correlations.
 */
import type { AnalyzeContext } from './context.js';
import { mergeParamMaps, type ParamStats } from './param-stats.js';
import type { Evidence, WebSocketTrafficModel } from './types.js';
import type { FrameClock } from './websocket-clock.js';
import { mergeCorrelations, type CorrState } from './websocket-correlation.js';
import { mergeDirStats, newDirStats, type DirStats } from './websocket-discriminator.js';
import { mergeFine, type FineKind } from './websocket-kinds.js';
import { MAX_SAMPLES } from './websocket-limits.js';
import { mergeSubscriptions, type SubState } from './websocket-subscriptions.js';

export interface EndpointState {
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
  clocks: Set<FrameClock>;
  first: number;
  last: number;
  fine: Map<string, FineKind>;
  overflowed: number;
  dirs: { send: DirStats; receive: DirStats };
  /** Candidates of top-level array messages, by index: chosen apart from the objects' field. */
  arrays: { send: DirStats; receive: DirStats };
  subs: Map<string, SubState>;
  corr: Map<string, CorrState>;
  evidence: Evidence[];
}

function traffic(): WebSocketTrafficModel {
  return { messages: 0, bytes: 0, maxBytes: 0 };
}

export function addTraffic(t: WebSocketTrafficModel, bytes: number): void {
  t.messages++;
  t.bytes += bytes;
  if (bytes > t.maxBytes) t.maxBytes = bytes;
}

function mergeTraffic(d: WebSocketTrafficModel, s: WebSocketTrafficModel): void {
  d.messages += s.messages;
  d.bytes += s.bytes;
  d.maxBytes = Math.max(d.maxBytes, s.maxBytes);
}

export function newEndpoint(origin: string, node: number): EndpointState {
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
    dirs: { send: newDirStats(), receive: newDirStats() },
    arrays: { send: newDirStats(), receive: newDirStats() },
    subs: new Map(),
    corr: new Map(),
    evidence: [],
  };
}

/** Merges endpoint states whose route keys templating made one endpoint. */
export function mergeEndpoint(d: EndpointState, s: EndpointState, ctx: AnalyzeContext): void {
  d.connections += s.connections;
  d.withFrames += s.withFrames;
  for (const p of s.subprotocols) d.subprotocols.add(p);
  mergeParamMaps(d.query, s.query, ctx);
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
    mergeDirStats(d.dirs[dir], s.dirs[dir]);
    mergeDirStats(d.arrays[dir], s.arrays[dir]);
  }
  mergeSubscriptions(d.subs, s.subs);
  mergeCorrelations(d.corr, s.corr);
  for (const e of s.evidence) if (d.evidence.length < ctx.samplesPerOperation) d.evidence.push(e);
}
