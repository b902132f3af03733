/**
 * At finish, an endpoint's message groups become its message kinds: each group is named by the
 * discriminator chosen for its direction (else its first candidate, socket.io event, text word or shape),
 * responses after the request they answer (`SUBSCRIBE.result`); groups of one name merge into one kind
 * with a role, a schema, a rate and a confidence by how it was told apart.
 */
import type { AnalyzeContext } from './context.js';
import { mergeSchemaAcc, newSchemaAcc, toJsonSchema, type SchemaAcc } from './schema-infer.js';
import type { WebSocketMessageKindModel } from './types.js';
import type { FrameDirection } from './websocket-frames.js';
import { arrayIndexOf } from './websocket-discriminator.js';
import type { FineKind } from './websocket-kinds.js';
import { MAX_EVIDENCE } from './websocket-limits.js';
import { iso, round } from './websocket-numbers.js';
import { SUBSCRIBE, UNSUBSCRIBE } from './websocket-subscriptions.js';

type Choice = { ptr: string; presence: number } | undefined;
/** Per direction: the objects' discriminator field, and the tuple messages' index (`[-2]`). */
export interface Discriminators {
  object: Record<FrameDirection, Choice>;
  array: Record<FrameDirection, Choice>;
}

interface KindName {
  name: string;
  by: WebSocketMessageKindModel['by'];
  disc?: { pointer: string; value: string; index?: number };
  role?: WebSocketMessageKindModel['role'];
  presence?: number;
}

interface KindBuild {
  model: Omit<WebSocketMessageKindModel, 'schema'> & { acc: SchemaAcc };
  gaps: number;
  spanMs: number;
}

/** The name of a group, or undefined for a response or ack (named after its request, once that has a name). */
function nameOfGroup(f: FineKind, disc: Discriminators): KindName | undefined {
  if (f.other) return { name: '(other)', by: 'shape' };
  if (f.framing === 'text') return { name: f.packet ?? 'text', by: 'text' };
  if (f.framing === 'socket.io') {
    if (f.packet === 'event')
      return { name: `${f.namespace ? `${f.namespace}:` : ''}${f.event ?? 'event'}`, by: 'socket.io' };
    if (f.packet !== 'ack')
      return {
        name: `socket.io ${f.packet ?? 'packet'}`,
        by: 'socket.io',
        role: f.packet === 'connect-error' ? 'error' : 'control',
      };
    return undefined;
  }
  if (f.rpc) return undefined;
  const d = (f.array ? disc.array : disc.object)[f.dir];
  const hit = d ? f.cands.find((c) => c.ptr === d.ptr) : undefined;
  const at = (ptr: string, value: string): KindName['disc'] => {
    const index = arrayIndexOf(ptr);
    return index !== undefined ? { pointer: ptr, value, index } : { pointer: ptr, value };
  };
  if (hit && d)
    return {
      name: hit.value,
      by: 'field',
      disc: at(hit.ptr, hit.value),
      presence: d.presence,
    };
  const first = f.cands[0];
  if (first)
    return {
      name: `${f.array ? first.ptr : first.ptr.slice(1)}=${first.value}`,
      by: 'field',
      disc: at(first.ptr, first.value),
      presence: 0.5,
    };
  return { name: f.shape ?? 'message', by: 'shape' };
}

/** The kinds of an endpoint, sorted (sent first, then by count), and each group's kind id. */
export function kindModels(
  fine: Map<string, FineKind>,
  disc: Discriminators,
  ctx: AnalyzeContext,
): { kinds: WebSocketMessageKindModel[]; kindOf: Map<string, string> } {
  // Requests are named first: responses are named after them.
  const nameOf = new Map<string, KindName>();
  for (const [key, f] of fine) {
    const n = nameOfGroup(f, disc);
    if (n) nameOf.set(key, n);
  }
  for (const [key, f] of fine) {
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
  for (const [key, f] of fine) {
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
  const sorted = [...kinds.values()]
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
  return { kinds: sorted, kindOf };
}
