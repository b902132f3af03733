/**
 * The pure half of WebSocket replay: which captured messages may be sent again (subscribes, heartbeats,
 * requests whose name reads; never a write unless named), how a frame decodes, which kind of the model a
 * received message is (the endpoint's discriminator, the request it answers, its shape), and how it differs
 * from the kind's schema (ajv for the verdict, findDrift for the names of the changes).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { HarEntry } from '../har/index.js';
import {
  classifyOperation,
  matchArrayKind,
  scalarId,
  shapeOf,
  templateTopic,
  type ProtocolWebSocketEndpoint,
  type ProtocolWebSocketMessageKind,
} from '../model/index.js';
import { findDrift } from './drift.js';
import { readPointer } from './paging.js';
import { bodyHasRedactedValues } from './request.js';
import type { WebSocketDrift, WebSocketHeldBack } from './types.js';

/** Captured sent frames looked at, and messages sent, per endpoint. */
export const MAX_SEND_FRAMES = 500;
export const MAX_SEND = 50;

export type Decoded =
  | { kind: 'heartbeat'; form: string; answer?: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'invalid-json' }
  | { kind: 'text'; word?: string };

const HEARTBEAT_TEXT = /^(ping|pong|heartbeat|hb|keepalive|keep-alive)$/i;
const HEARTBEAT_VALUE = /^(ping|pong|heartbeat|hb|keepalive|keep-alive|heartbeat_?ack)$/i;
const HEARTBEAT_FIELDS = ['op', 'event', 'type', 'method', 'action', 'e', 'channel', 'cmd', 'result'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The answer to a ping in the form it came (`ping` → `pong`, `{"ping":7}` → `{"pong":7}`), if it is one. */
function pingAnswer(text: string, value?: Record<string, unknown>): string | undefined {
  if (!value) {
    const t = text.trim();
    if (/^ping$/i.test(t)) return t.replace(/i/, 'o').replace(/I/, 'O');
    return undefined;
  }
  if ('ping' in value) return JSON.stringify({ pong: value.ping });
  for (const f of HEARTBEAT_FIELDS) {
    const v = value[f];
    if (typeof v === 'string' && /^ping$/i.test(v))
      return JSON.stringify({ ...value, [f]: v.replace(/i/, 'o').replace(/I/, 'O') });
  }
  return undefined;
}

/** Decodes a text frame as the analyzer does: heartbeat, JSON object or array, or text. */
export function decodeText(text: string): Decoded {
  const trimmed = text.trim();
  if (trimmed.length <= 12 && HEARTBEAT_TEXT.test(trimmed)) {
    const answer = pingAnswer(trimmed);
    return { kind: 'heartbeat', form: trimmed.toLowerCase(), ...(answer ? { answer } : {}) };
  }
  if (trimmed[0] !== '{' && trimmed[0] !== '[') {
    const word = /^([A-Z][A-Z_]{1,30})(?:\r?\n|$)/.exec(text)?.[1];
    return { kind: 'text', ...(word ? { word } : {}) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid-json' };
  }
  if (isObject(value) && Object.keys(value).length <= 4) {
    let form: string | undefined;
    for (const k of ['ping', 'pong', 'heartbeat'])
      if (k in value && (value[k] === null || typeof value[k] !== 'object')) form = `{"${k}":…}`;
    for (const f of HEARTBEAT_FIELDS) {
      const v = value[f];
      if (!form && typeof v === 'string' && HEARTBEAT_VALUE.test(v)) form = `{"${f}":"${v}"}`;
    }
    if (form) {
      const answer = pingAnswer(text, value);
      return { kind: 'heartbeat', form, ...(answer ? { answer } : {}) };
    }
  }
  return { kind: 'json', value };
}

/** Which kind of one direction a JSON message is: by the discriminator, any kind's discriminator, its shape. */
export function matchJsonKind(
  endpoint: ProtocolWebSocketEndpoint,
  direction: 'send' | 'receive',
  value: unknown,
): { kind?: ProtocolWebSocketMessageKind; name: string; pointer: string } {
  const kinds = endpoint.kinds.filter((k) => k.direction === direction && k.framing === 'json');
  if (isObject(value)) {
    const main = endpoint.discriminators[direction];
    const at = (pointer: string): string | undefined => {
      const v = readPointer(value, pointer);
      return typeof v === 'string' && v.length > 0 && v.length <= 100 ? templateTopic(v) : undefined;
    };
    if (main) {
      const v = at(main);
      if (v !== undefined) {
        const kind = kinds.find((k) => k.discriminator?.pointer === main && k.discriminator.value === v);
        return kind ? { kind, name: kind.name, pointer: main } : { name: v, pointer: main };
      }
    }
    for (const k of kinds)
      if (
        k.discriminator &&
        k.discriminator.pointer !== main &&
        at(k.discriminator.pointer) === k.discriminator.value
      )
        return { kind: k, name: k.name, pointer: k.discriminator.pointer };
  }
  if (Array.isArray(value)) {
    const index =
      direction === 'send' ? endpoint.discriminators.sendIndex : endpoint.discriminators.receiveIndex;
    const hit = matchArrayKind(kinds, index, value);
    if (hit) return hit;
  }
  const shape = shapeOf(value);
  const kind = kinds.find((k) => k.by === 'shape' && k.name === shape);
  return kind ? { kind, name: kind.name, pointer: '' } : { name: shape, pointer: '' };
}

/** A message to send on the replayed connection. */
export interface Outgoing {
  /** The frame as captured: text, or a protocol ping (`ping-frame`). */
  data: string;
  pingFrame?: boolean;
  heartbeat: boolean;
  /** The send kind (undefined for heartbeats). */
  kind?: ProtocolWebSocketMessageKind;
  /** The JSON id the answer will carry (socket.io: `ack:<namespace>/<ack id>`). */
  id?: string;
  /** socket.io: the namespace the event is emitted on (`''` for the main one). */
  namespace?: string;
  /** The decoded message, for the topics a subscribe asks for (socket.io: the event's arguments). */
  value?: unknown;
}

/**
 * Why a captured message of `kind` is not sent again, or undefined when it may be: subscribes and reads
 * are sent, unsubscribes never, anything else only when the user named it (`message`) in `allowWrites`.
 */
export function holdReason(
  kind: ProtocolWebSocketMessageKind,
  message: string,
  allowWrites: ReadonlySet<string>,
): string | undefined {
  if (kind.role === 'subscribe') return undefined;
  if (kind.role === 'unsubscribe') return 'an unsubscribe: it would end the streams being checked';
  if (allowWrites.has(message)) return undefined;
  // A socket.io event on a namespace is named `/ns:event`; the event name alone reads or writes.
  const name =
    kind.framing === 'socket.io' && kind.name.startsWith('/')
      ? kind.name.slice(kind.name.indexOf(':') + 1)
      : kind.name;
  const verdict = classifyOperation({
    method: 'POST',
    pathTemplate: '/',
    rpc: { kind: 'jsonrpc', name },
    hasRequestBody: true,
  });
  if (verdict.effect === 'read' && kind.role !== 'control') return undefined;
  return `${kind.name} is not a subscribe, a heartbeat or a read (${verdict.reason}); replay sends only reads unless you name it with --allow-write ${message} and confirm`;
}

/**
 * The captured sent frames of `sample` that replay may send again, in captured order, and those held
 * back with the reason. Sent: subscribes, heartbeats, and requests (or other sent kinds) whose name
 * classifies as a read by the HTTP rules (analyzers/classify.ts); a write only when the user named it
 * (`<endpoint id>/<kind name>` in `allowWrites`). Never: unsubscribes, binary frames, values redacted
 * in the capture, messages of no known kind.
 */
export function planMessages(
  endpoint: ProtocolWebSocketEndpoint,
  sample: HarEntry,
  allowWrites: ReadonlySet<string>,
): { send: Outgoing[]; heldBack: WebSocketHeldBack[] } {
  const frames = Array.isArray(sample._webSocketMessages) ? sample._webSocketMessages : [];
  const send: Outgoing[] = [];
  const held = new Map<string, string>();
  const hold = (message: string, reason: string): void => {
    if (!held.has(message) && held.size < 50) held.set(message, reason);
  };
  const pings = new Set<string>();
  let looked = 0;
  for (const raw of frames as unknown[]) {
    if (send.length >= MAX_SEND || looked >= MAX_SEND_FRAMES) break;
    if (!isObject(raw) || raw.type !== 'send') continue;
    looked++;
    const opcode = typeof raw.opcode === 'number' ? raw.opcode : 1;
    const data = typeof raw.data === 'string' ? raw.data : '';
    if (opcode === 9) {
      if (!pings.has('ping-frame')) send.push({ data: '', pingFrame: true, heartbeat: true });
      pings.add('ping-frame');
      continue;
    }
    if (opcode === 2) {
      hold(`${endpoint.id}/(binary)`, 'a binary frame: replay counts binary frames but never sends them');
      continue;
    }
    if (opcode !== 1 && opcode !== 0) continue;
    if (bodyHasRedactedValues(data)) {
      hold(`${endpoint.id}/(redacted)`, 'holds values redacted in the capture that replay cannot fill');
      continue;
    }
    const decoded = decodeText(data);
    if (decoded.kind === 'heartbeat') {
      if (!pings.has(data)) send.push({ data, heartbeat: true });
      pings.add(data);
      continue;
    }
    if (decoded.kind !== 'json') {
      const word = decoded.kind === 'text' ? (decoded.word ?? 'text') : '(invalid JSON)';
      hold(`${endpoint.id}/${word}`, 'a text frame of no known request kind: not sent');
      continue;
    }
    const { kind, name } = matchJsonKind(endpoint, 'send', decoded.value);
    const message = `${endpoint.id}/${kind?.name ?? name}`;
    if (!kind) {
      hold(message, 'not a message kind of the model: not sent');
      continue;
    }
    const id = isObject(decoded.value) ? scalarId(decoded.value.id) : undefined;
    const out: Outgoing = { data, heartbeat: false, kind, ...(id !== undefined ? { id } : {}) };
    const reason = holdReason(kind, message, allowWrites);
    if (reason === undefined) send.push(out);
    else hold(message, reason);
  }
  return { send, heldBack: [...held].map(([message, reason]) => ({ message, reason })) };
}

/** ajv validators per kind schema, compiled once per run. */
export class KindValidators {
  private readonly ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    validateFormats: false,
    validateSchema: false,
  });
  private readonly cache = new Map<string, ValidateFunction | null>();

  /** ajv's verdict on `value` against the kind's schema: the first error paths, or none. */
  errors(kind: ProtocolWebSocketMessageKind, key: string, value: unknown): string[] {
    let validate = this.cache.get(key);
    if (validate === undefined) {
      try {
        validate = this.ajv.compile(kind.schema);
      } catch {
        validate = null;
      }
      this.cache.set(key, validate);
    }
    if (!validate || validate(value)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(message)'} ${e.message ?? 'invalid'}`);
  }
}

/**
 * How one received message differs from its kind: the named changes of findDrift, or, when ajv rejects
 * the message for something findDrift has no name for (an enum, a const), one `schema_violation`.
 */
export function messageDrifts(
  kind: ProtocolWebSocketMessageKind,
  value: unknown,
  validators: KindValidators,
  endpointId: string,
): WebSocketDrift[] {
  if (!kind.schema || Object.keys(kind.schema).length === 0) return [];
  const named = findDrift(value, kind.schema, { maxDrifts: 20 });
  if (named.length > 0)
    return named.map((d) => ({
      kind: d.kind as WebSocketDrift['kind'],
      messageKind: kind.id,
      pointer: d.pointer,
      ...(d.expected !== undefined ? { expected: d.expected } : {}),
      ...(d.actual !== undefined ? { actual: d.actual } : {}),
      summary: `${kind.name}: ${d.summary}`,
    }));
  const errors = validators.errors(kind, `${endpointId} ${kind.id}`, value);
  if (errors.length === 0) return [];
  return [
    {
      kind: 'schema_violation',
      messageKind: kind.id,
      pointer: '',
      actual: errors.join('; '),
      summary: `${kind.name} no longer fits its schema: ${errors.join('; ')}.`,
    },
  ];
}

/** String leaves of a subscribe message's parameters, templated: the topics it asks for. */
export function topicsOfMessage(value: unknown): string[] {
  const out: string[] = [];
  const visit = (x: unknown, key: string, depth: number): void => {
    if (out.length >= 50 || depth > 4) return;
    if (typeof x === 'string') {
      if (!/^(id|jsonrpc|method|op|type|event|action|e|cmd|command)$/i.test(key) && x.length <= 120)
        out.push(templateTopic(x));
    } else if (Array.isArray(x)) x.slice(0, 50).forEach((y) => visit(y, key, depth + 1));
    else if (isObject(x)) for (const [k, y] of Object.entries(x)) visit(y, k, depth + 1);
  };
  visit(value, '', 0);
  return out;
}
