/**
 * Message groups of a WebSocket endpoint while frames are read: one group per direction and framing and
 * candidate values (or shape, socket.io event, text word, answered request), counted, timed and merged into
 * one JSON Schema. Which candidate is the discriminator is known only at finish
 * (websocket-kind-models.ts turns the groups into kinds), so until then they stay fine-grained (FineKind).
 */
import type { AnalyzeContext } from './context.js';
import { mergeSchemaAcc, newSchemaAcc, type SchemaAcc } from './schema-infer.js';
import type { Evidence } from './types.js';
import type { FrameDirection } from './websocket-frames.js';
import { MAX_EVIDENCE, MAX_FINE_KEYS } from './websocket-limits.js';

/** Wrapper fields naming the stream of a combined-stream message. */
const STREAM_FIELDS = ['stream', 'topic', 'channel', 'ch', 'subject'];

/** One group of messages, before the discriminator is chosen (finish maps groups to kinds). */
export interface FineKind {
  dir: FrameDirection;
  framing: 'json' | 'socket.io' | 'text';
  cands: { ptr: string; value: string }[];
  /** A top-level array (tuple) message: its candidates are indices (`[2]`, `[-2]`). */
  array?: boolean;
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

/** What names a group; the counters start empty. */
export type FineInit = Omit<
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
>;

export interface FineGroup {
  key: string;
  fine: FineKind;
}

function newFine(init: FineInit): FineKind {
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

/**
 * The group of `key`, made by `init` on first use. Past MAX_FINE_KEYS groups a new key folds into its
 * direction's `(other)` group, counted in `overflowed` for the warning.
 */
export function fineGroup(
  s: { fine: Map<string, FineKind>; overflowed: number },
  key: string,
  init: () => FineInit,
): FineGroup {
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
}

/** The top-level keys of a value (bounded), as a shape name: `{id,result}`, `[number,array]`. */
export function shapeOf(v: unknown): string {
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

/** The stream a combined-stream wrapper (`{stream, data}`) names, or undefined when it is no wrapper. */
export function combinedStream(obj: Record<string, unknown>): string | undefined {
  if (obj.data !== null && typeof obj.data === 'object')
    for (const f of STREAM_FIELDS) if (typeof obj[f] === 'string') return obj[f] as string;
  return undefined;
}

/** When each group was first and last seen on one connection, and how often. */
export type ConnectionSeen = Map<string, { first: number; last: number; n: number }>;

/** Adds one connection's gaps to its groups' rates: only within a connection are gaps a rate. */
export function addConnectionGaps(fine: Map<string, FineKind>, seen: ConnectionSeen): void {
  for (const [key, sn] of seen) {
    const f = fine.get(key);
    if (f && sn.n >= 2 && Number.isFinite(sn.first) && sn.last > sn.first) {
      f.gaps += sn.n - 1;
      f.spanMs += sn.last - sn.first;
    }
  }
}

export function mergeFine(d: FineKind, s: FineKind, ctx: AnalyzeContext): void {
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
