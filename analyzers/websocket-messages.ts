/**
 * Sorts one WebSocket message (JSON, socket.io packet or text) into its group, and on the way keeps the
 * connection's bookkeeping: requests remembered by id and answers matched to them, discriminator
 * candidates counted, combined-stream wrappers unwrapped, subscribe messages recorded.
 */
import { evidenceAt } from './analyzer.js';
import type { Observation } from './observe.js';
import {
  correlate,
  looksLikeResponse,
  responseOutcome,
  scalarId,
  type PendingRequests,
} from './websocket-correlation.js';
import { arrayCandidatesOf, candidatesOf, countCandidates } from './websocket-discriminator.js';
import type { DecodedFrame } from './websocket-frames.js';
import { combinedStream, fineGroup, shapeOf, type FineGroup } from './websocket-kinds.js';
import { MAX_PENDING } from './websocket-limits.js';
import type { EndpointState } from './websocket-state.js';
import {
  SUBSCRIBE,
  subscribe,
  subscriptionIdHandedBack,
  type ConnectionSubs,
} from './websocket-subscriptions.js';
import { templateTopic } from './websocket-topics.js';

/** One connection being read. */
export interface Connection {
  obs: Observation;
  s: EndpointState;
  /** Set by the URL, or by the first socket.io packet: from then on frames are read as engine.io. */
  engineIo: boolean;
  pending: PendingRequests;
  subs: ConnectionSubs;
}

type MessageFrame = Extract<DecodedFrame, { kind: 'text' | 'socket.io' | 'json' }>;

/** A message sorted into its group, with what its schema and subscription linking need. */
export interface SortedMessage {
  group: FineGroup;
  /** Whether the message has a value for the group's schema (a socket.io packet may have none). */
  hasValue: boolean;
  value?: unknown;
  /** The combined-stream name (`btcusdt@trade`) of a wrapped message. */
  stream?: string;
  /** Lower-cased candidate values (or socket.io event), for linking by topic or name. */
  names: string[];
  /** An answer to a request: never linked to a subscription. */
  response: boolean;
  /** A subscription id the message carries (JSON-RPC notifications). */
  subscriptionId?: string;
}

export function sortMessage(c: Connection, d: MessageFrame, t: number, pointer: string): SortedMessage {
  if (d.kind === 'text') {
    const dir = d.direction;
    const group = fineGroup(c.s, `${dir}\u0001T\u0001${d.word ?? ''}`, () => ({
      dir,
      framing: 'text',
      cands: [],
      ...(d.word ? { packet: d.word } : {}),
    }));
    return { group, hasValue: false, names: [], response: false };
  }
  if (d.kind === 'socket.io') return socketIoMessage(c, d, t, pointer);
  return jsonMessage(c, d, t, pointer);
}

function socketIoMessage(
  c: Connection,
  d: Extract<DecodedFrame, { kind: 'socket.io' }>,
  t: number,
  pointer: string,
): SortedMessage {
  const { s, pending } = c;
  const dir = d.direction;
  c.engineIo = true;
  let group: FineGroup;
  let names: string[] = [];
  let response = false;
  if (d.packet === 'ack') {
    const req = d.ackId !== undefined ? pending.get(`ack:${d.ackId}`) : undefined;
    if (req && d.ackId !== undefined) {
      pending.delete(`ack:${d.ackId}`);
      response = true;
      group = fineGroup(s, `${dir}\u0001S\u0001ack\u0001${req.key}`, () => ({
        dir,
        framing: 'socket.io',
        cands: [],
        packet: 'ack',
        rpc: { req: req.key, outcome: 'ack' },
      }));
      correlate(s.corr, req.key, group.key, 'ack', t - req.t, evidenceAt(c.obs, pointer));
    } else
      group = fineGroup(s, `${dir}\u0001S\u0001ack`, () => ({
        dir,
        framing: 'socket.io',
        cands: [],
        packet: 'ack',
      }));
  } else {
    const ns = d.namespace ?? '';
    group = fineGroup(s, `${dir}\u0001S\u0001${d.packet}\u0001${ns}\u0001${d.event ?? ''}`, () => ({
      dir,
      framing: 'socket.io',
      cands: [],
      packet: d.packet,
      ...(d.event !== undefined ? { event: d.event } : {}),
      ...(d.namespace ? { namespace: d.namespace } : {}),
    }));
    if (d.event !== undefined) names = [d.event.toLowerCase()];
    if (d.packet === 'event' && d.ackId !== undefined && pending.size < MAX_PENDING) {
      pending.set(`ack:${d.ackId}`, { key: group.key, t, ack: true });
      group.fine.withId++;
    }
    if (dir === 'send' && d.event !== undefined && SUBSCRIBE.test(d.event))
      subscribe(c.subs, group.key, d.event, d.payload, t, undefined, pointer, undefined);
  }
  return d.payload !== undefined
    ? { group, hasValue: true, value: d.payload, names, response }
    : { group, hasValue: false, names, response };
}

function jsonMessage(
  c: Connection,
  d: Extract<DecodedFrame, { kind: 'json' }>,
  t: number,
  pointer: string,
): SortedMessage {
  const { s, pending } = c;
  const dir = d.direction;
  const o = d.value;
  if (Array.isArray(o)) {
    const cands = arrayCandidatesOf(o);
    if (cands.length > 0) {
      countCandidates(s.arrays[dir], cands);
      const group = fineGroup(
        s,
        `${dir}\u0001A\u0001${cands.map((x) => `${x.ptr}=${x.value}`).join('\u0002')}`,
        () => {
          const payload = o.findIndex((x) => x !== null && typeof x === 'object');
          return {
            dir,
            framing: 'json',
            array: true,
            cands: cands.map((x) => ({ ptr: x.ptr, value: x.value })),
            ...(payload >= 0 ? { payloadPointer: `/${payload}` } : {}),
          };
        },
      );
      if (dir === 'send') {
        const verb = cands.find((x) => SUBSCRIBE.test(x.raw));
        if (verb) subscribe(c.subs, group.key, verb.raw, o, t, undefined, pointer, undefined);
      }
      return {
        group,
        hasValue: true,
        value: o,
        names: cands.map((x) => x.raw.toLowerCase()),
        response: false,
      };
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) {
    const shape = shapeOf(o);
    const group = fineGroup(s, `${dir}\u0001J\u0001\u0001${shape}`, () => ({
      dir,
      framing: 'json',
      cands: [],
      shape,
    }));
    return { group, hasValue: true, value: o, names: [], response: false };
  }
  const obj = o as Record<string, unknown>;
  const id = scalarId(obj.id);
  const req = dir === 'receive' && id !== undefined ? pending.get(id) : undefined;
  if (req && !req.ack && looksLikeResponse(obj)) {
    pending.delete(id as string);
    const outcome = responseOutcome(obj);
    const group = fineGroup(s, `${dir}\u0001R\u0001${req.key}\u0001${outcome}`, () => ({
      dir,
      framing: 'json',
      cands: [],
      rpc: { req: req.key, outcome },
    }));
    correlate(s.corr, req.key, group.key, '/id', t - req.t, evidenceAt(c.obs, pointer));
    subscriptionIdHandedBack(c.subs, req.key, id as string, scalarId(obj.result));
    return { group, hasValue: true, value: o, names: [], response: true };
  }
  const cands = candidatesOf(obj);
  countCandidates(s.dirs[dir], cands);
  const shape = cands.length === 0 ? shapeOf(obj) : undefined;
  const stream = combinedStream(obj);
  const group = fineGroup(
    s,
    `${dir}\u0001J\u0001${cands.map((x) => `${x.ptr}=${x.value}`).join('\u0002')}\u0001${shape ?? ''}`,
    () => ({
      dir,
      framing: 'json',
      cands: cands.map((x) => ({ ptr: x.ptr, value: x.value })),
      ...(shape !== undefined ? { shape } : {}),
      ...(stream !== undefined ? { payloadPointer: '/data' } : {}),
    }),
  );
  if (stream !== undefined && group.fine.streams.size < 10) group.fine.streams.add(templateTopic(stream));
  const names = cands.map((x) => x.raw.toLowerCase());
  let subscriptionId: string | undefined;
  if (dir === 'send') {
    if (id !== undefined && pending.size < MAX_PENDING) {
      pending.set(id, { key: group.key, t, ack: false });
      group.fine.withId++;
    }
    const verb = cands.find((x) => SUBSCRIBE.test(x.raw));
    if (verb) subscribe(c.subs, group.key, verb.raw, obj, t, id, pointer, verb.ptr);
  } else {
    const params = obj.params as Record<string, unknown> | undefined;
    subscriptionId =
      scalarId(obj.subscription) ??
      (params && typeof params === 'object' ? scalarId(params.subscription) : undefined);
  }
  return { group, hasValue: true, value: o, names, response: false, stream, subscriptionId };
}
