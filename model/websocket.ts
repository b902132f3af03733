/**
 * The WebSocket section of a ProtocolModel: built from the analysis (credentials linked from the auth
 * inventory, where the WebSocket endpoint is a consumer), merged across models (endpoints by origin and
 * template, kinds by id), and the `x-websockets` extension of the OpenAPI document (OpenAPI 3.1 has no
 * WebSocket objects; the document stays valid because `x-` keys are free-form).
 */
import type { AnalysisResult } from '../analyzers/index.js';
import type {
  ProtocolEvidence,
  ProtocolModel,
  ProtocolWebSocketEndpoint,
  ProtocolWebSocketMessageKind,
  ProtocolWebSocketTraffic,
} from './types.js';

type Json = { [key: string]: unknown };
/** mergeJsonSchemas of build.ts, passed in (build.ts imports this file). */
type MergeSchemas = (a: Json, b: Json) => Json;

/** The model's `websockets` from the analysis, with each endpoint's credentials from the inventory. */
export function buildWebSockets(result: AnalysisResult): ProtocolWebSocketEndpoint[] | undefined {
  const list = result.websockets;
  if (!list || list.length === 0) return undefined;
  return list.map((w) => ({
    ...(w as ProtocolWebSocketEndpoint),
    credentials: result.auth.credentials
      .filter((c) => c.consumers.includes(w.id))
      .map((c) => c.id)
      .sort(),
  }));
}

function shift(list: ProtocolEvidence[], offset: number): ProtocolEvidence[] {
  return offset === 0 ? list : list.map((e) => ({ ...e, capture: e.capture + offset }));
}

/** Renumbers the evidence of an endpoint from another model (its captures come after `offset`). */
export function shiftWebSocket(w: ProtocolWebSocketEndpoint, offset: number): ProtocolWebSocketEndpoint {
  if (offset === 0) return w;
  return {
    ...w,
    evidence: shift(w.evidence, offset),
    kinds: w.kinds.map((k) => ({ ...k, evidence: shift(k.evidence, offset) })),
    subscriptions: w.subscriptions.map((s) => ({ ...s, evidence: shift(s.evidence, offset) })),
    correlations: w.correlations.map((c) => ({ ...c, evidence: shift(c.evidence, offset) })),
  };
}

function traffic(a: ProtocolWebSocketTraffic, b: ProtocolWebSocketTraffic): ProtocolWebSocketTraffic {
  return {
    messages: a.messages + b.messages,
    bytes: a.bytes + b.bytes,
    maxBytes: Math.max(a.maxBytes, b.maxBytes),
  };
}

function minIso(a?: string, b?: string): string | undefined {
  return a === undefined ? b : b === undefined ? a : a < b ? a : b;
}

function maxIso(a?: string, b?: string): string | undefined {
  return a === undefined ? b : b === undefined ? a : a > b ? a : b;
}

function mergeKind(
  a: ProtocolWebSocketMessageKind,
  b: ProtocolWebSocketMessageKind,
  mergeJsonSchemas: MergeSchemas,
): ProtocolWebSocketMessageKind {
  const out: ProtocolWebSocketMessageKind = {
    ...a,
    messages: a.messages + b.messages,
    bytes: a.bytes + b.bytes,
    maxBytes: Math.max(a.maxBytes, b.maxBytes),
    schema: mergeJsonSchemas(a.schema, b.schema),
    confidence: Math.max(a.confidence, b.confidence),
    evidence: [...a.evidence, ...b.evidence].slice(0, 3),
  };
  const streams = [...new Set([...(a.streams ?? []), ...(b.streams ?? [])])].slice(0, 10);
  if (streams.length > 0) out.streams = streams;
  const first = minIso(a.firstSeen, b.firstSeen);
  const last = maxIso(a.lastSeen, b.lastSeen);
  if (first) out.firstSeen = first;
  if (last) out.lastSeen = last;
  // The rate of the two, weighted by their messages.
  if (a.ratePerSecond !== undefined && b.ratePerSecond !== undefined)
    out.ratePerSecond =
      Math.round(
        ((a.ratePerSecond * a.messages + b.ratePerSecond * b.messages) / (a.messages + b.messages)) * 1000,
      ) / 1000;
  else if (b.ratePerSecond !== undefined) out.ratePerSecond = b.ratePerSecond;
  return out;
}

function mergeEndpoint(
  a: ProtocolWebSocketEndpoint,
  b: ProtocolWebSocketEndpoint,
  mergeSchemas: MergeSchemas,
): ProtocolWebSocketEndpoint {
  const kinds = new Map(a.kinds.map((k) => [k.id, k]));
  for (const k of b.kinds) {
    const mine = kinds.get(k.id);
    kinds.set(k.id, mine ? mergeKind(mine, k, mergeSchemas) : k);
  }
  const subs = new Map(a.subscriptions.map((s) => [s.request, s]));
  for (const s of b.subscriptions) {
    const mine = subs.get(s.request);
    if (!mine) subs.set(s.request, s);
    else {
      const links = new Map(mine.links.map((l) => [l.kind, l]));
      for (const l of s.links) if ((links.get(l.kind)?.confidence ?? -1) < l.confidence) links.set(l.kind, l);
      subs.set(s.request, {
        ...mine,
        count: mine.count + s.count,
        topics: [...new Set([...mine.topics, ...s.topics])].slice(0, 20),
        links: [...links.values()],
        evidence: [...mine.evidence, ...s.evidence].slice(0, 3),
      });
    }
  }
  const corr = new Map(a.correlations.map((c) => [`${c.request} ${c.response}`, c]));
  for (const c of b.correlations) {
    const key = `${c.request} ${c.response}`;
    const mine = corr.get(key);
    corr.set(
      key,
      mine
        ? {
            ...mine,
            matched: mine.matched + c.matched,
            unanswered: mine.unanswered + c.unanswered,
            evidence: [...mine.evidence, ...c.evidence].slice(0, 3),
          }
        : c,
    );
  }
  const params = new Map(a.parameters.map((p) => [`${p.in}:${p.name}`, p]));
  for (const p of b.parameters)
    if (!params.has(`${p.in}:${p.name}`)) params.set(`${p.in}:${p.name}`, { ...p, required: false });
  const out: ProtocolWebSocketEndpoint = {
    ...a,
    parameters: [...params.values()],
    connections: a.connections + b.connections,
    subprotocols: [...new Set([...a.subprotocols, ...b.subprotocols])].sort(),
    framing:
      a.framing === b.framing || b.framing === 'none'
        ? a.framing
        : a.framing === 'none'
          ? b.framing
          : 'mixed',
    sent: traffic(a.sent, b.sent),
    received: traffic(a.received, b.received),
    binary: {
      sent: traffic(a.binary.sent, b.binary.sent),
      received: traffic(a.binary.received, b.binary.received),
    },
    heartbeats: {
      ...a.heartbeats,
      messages: a.heartbeats.messages + b.heartbeats.messages,
      forms: [...new Set([...a.heartbeats.forms, ...b.heartbeats.forms])].slice(0, 10),
    },
    unparsed: a.unparsed + b.unparsed,
    frameClock: a.frameClock === 'none' ? b.frameClock : a.frameClock,
    kinds: [...kinds.values()],
    subscriptions: [...subs.values()],
    correlations: [...corr.values()],
    credentials: [...new Set([...a.credentials, ...b.credentials])].sort(),
    steps: [...new Set([...a.steps, ...b.steps])],
    confidence: Math.min(a.confidence, b.confidence),
    evidence: [...a.evidence, ...b.evidence].slice(0, Math.max(a.evidence.length, 8)),
  };
  const first = minIso(a.firstSeen, b.firstSeen);
  const last = maxIso(a.lastSeen, b.lastSeen);
  if (first) out.firstSeen = first;
  if (last) out.lastSeen = last;
  return out;
}

/**
 * Merges the WebSocket endpoints of a later model (evidence already shifted) into an earlier one's.
 * `rename` maps the later model's ids to the merged ids (used for credential consumers).
 */
export function mergeWebSockets(
  a: ProtocolWebSocketEndpoint[] | undefined,
  b: ProtocolWebSocketEndpoint[] | undefined,
  rename: Map<string, string>,
  usedIds: Set<string>,
  mergeSchemas: MergeSchemas,
): ProtocolWebSocketEndpoint[] | undefined {
  if (!b || b.length === 0) return a;
  const out = [...(a ?? [])];
  const byKey = new Map(out.map((w, i) => [`${w.origin} ${w.pathTemplate}`, i]));
  for (const w of b) {
    const i = byKey.get(`${w.origin} ${w.pathTemplate}`);
    if (i !== undefined) {
      const mine = out[i] as ProtocolWebSocketEndpoint;
      rename.set(w.id, mine.id);
      out[i] = mergeEndpoint(mine, w, mergeSchemas);
      continue;
    }
    let id = w.id;
    for (let n = 2; usedIds.has(id); n++) id = `${w.id}_${n}`;
    usedIds.add(id);
    rename.set(w.id, id);
    byKey.set(`${w.origin} ${w.pathTemplate}`, out.length);
    out.push({ ...w, id });
  }
  return out;
}

/** The `x-websockets` extension of the OpenAPI document: one entry per endpoint, messages per direction. */
export function openApiWebSockets(model: ProtocolModel): Json[] | undefined {
  if (!model.websockets || model.websockets.length === 0) return undefined;
  return model.websockets.map((w) => {
    const messages = (dir: 'send' | 'receive'): Json[] =>
      w.kinds
        .filter((k) => k.direction === dir)
        .map((k) => ({
          name: k.name,
          role: k.role,
          framing: k.framing,
          ...(k.discriminator ? { discriminator: k.discriminator } : {}),
          ...(k.streams ? { streams: k.streams } : {}),
          ...(k.payloadPointer ? { payloadPointer: k.payloadPointer } : {}),
          schema: k.schema,
          'x-ledgertap-messages': k.messages,
          ...(k.ratePerSecond !== undefined ? { 'x-ledgertap-rate-per-second': k.ratePerSecond } : {}),
          'x-ledgertap-confidence': k.confidence,
        }));
    return {
      operationId: w.id,
      url: `${w.origin}${w.pathTemplate}`,
      ...(w.parameters.length > 0
        ? {
            parameters: w.parameters
              .filter((p) => !(p.credential && p.in !== 'path'))
              .map((p) => ({
                name: p.name,
                in: p.in,
                required: p.in === 'path' ? true : p.required,
                schema: p.schema,
                ...(p.examples[0] !== undefined ? { example: p.examples[0] } : {}),
                ...(p.credential ? { 'x-ledgertap-credential': true } : {}),
              })),
          }
        : {}),
      ...(w.subprotocols.length > 0 ? { subprotocols: w.subprotocols } : {}),
      framing: w.framing,
      discriminators: w.discriminators,
      send: messages('send'),
      receive: messages('receive'),
      subscriptions: w.subscriptions.map(({ evidence: _e, ...s }) => s),
      correlations: w.correlations.map(({ evidence: _e, ...c }) => c),
      heartbeats: w.heartbeats,
      binary: w.binary,
      ...(w.credentials.length > 0 ? { credentials: w.credentials } : {}),
      'x-ledgertap-connections': w.connections,
      'x-ledgertap-confidence': w.confidence,
    };
  });
}
