/**
 * One WebSocket frame of a HAR entry's `_webSocketMessages` (Chrome DevTools, Playwright, mitmproxy,
 * HTTP Toolkit, our capture: `{type: "send"|"receive", time, opcode, data}`; opcode 1 text, 2 binary as
 * base64, 8 close, 9/10 ping/pong) decoded into what the WebSocket analyzer needs: heartbeat, binary
 * size, JSON value, socket.io / engine.io packet, or plain text. Pure; never throws.
 * Engine.io: https://socket.io/docs/v4/engine-io-protocol/, socket.io: https://socket.io/docs/v4/socket-io-protocol/.
 */

import type { Observation } from './observe.js';

export type FrameDirection = 'send' | 'receive';

/** Whether an observation is a WebSocket upgrade (cheap: a few property checks). */
export function isWebSocketObservation(obs: Observation): boolean {
  const e = obs.entry;
  return (
    e._webSocketMessages !== undefined ||
    obs.status === 101 ||
    obs.origin.charCodeAt(0) === 119 /* w: ws:// or wss:// */ ||
    e._resourceType === 'websocket' ||
    obs.requestHeaders.get('upgrade')?.toLowerCase() === 'websocket'
  );
}

export type DecodedFrame =
  | { kind: 'malformed'; why: string }
  | { kind: 'too-large'; direction: FrameDirection; bytes: number }
  | { kind: 'close'; direction: FrameDirection; bytes: number }
  | { kind: 'heartbeat'; direction: FrameDirection; bytes: number; form: string }
  | { kind: 'binary'; direction: FrameDirection; bytes: number }
  | { kind: 'json'; direction: FrameDirection; bytes: number; value: unknown }
  | { kind: 'invalid-json'; direction: FrameDirection; bytes: number }
  | { kind: 'text'; direction: FrameDirection; bytes: number; word?: string }
  | {
      kind: 'socket.io';
      direction: FrameDirection;
      bytes: number;
      packet: 'open' | 'close' | 'connect' | 'disconnect' | 'event' | 'ack' | 'connect-error';
      namespace?: string;
      event?: string;
      ackId?: string;
      /** The event's arguments (one: that value; several: an array), or the packet's JSON body. */
      payload?: unknown;
    };

/** Discriminator values that mark a heartbeat (`{"op":"ping"}`, `{"event":"heartbeat"}`). */
const HEARTBEAT_VALUE = /^(ping|pong|heartbeat|hb|keepalive|keep-alive|heartbeat_?ack)$/i;
const HEARTBEAT_TEXT = /^(ping|pong|heartbeat|hb|keepalive|keep-alive)$/i;
/** Fields a heartbeat names its type in. */
const HEARTBEAT_FIELDS = ['op', 'event', 'type', 'method', 'action', 'e', 'channel', 'cmd', 'result'];

/** Decoded size of a base64 payload, without decoding it. */
function base64Bytes(data: string): number {
  let pad = 0;
  if (data.endsWith('==')) pad = 2;
  else if (data.endsWith('=')) pad = 1;
  return Math.max(0, Math.floor((data.length * 3) / 4) - pad);
}

/** The heartbeat form of a small JSON object (`{"ping":1}`, `{"op":"pong"}`), or undefined. */
function jsonHeartbeat(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  let n = 0;
  for (const _k in o) if (++n > 4) return undefined;
  for (const k of ['ping', 'pong', 'heartbeat'])
    if (k in o && (o[k] === null || typeof o[k] !== 'object')) return `{"${k}":…}`;
  for (const f of HEARTBEAT_FIELDS) {
    const v = o[f];
    if (typeof v === 'string' && HEARTBEAT_VALUE.test(v)) return `{"${f}":"${v}"}`;
  }
  return undefined;
}

/** Parses a JSON text frame: objects and arrays only (a bare number or string is text). */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } | undefined {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t'))
    i++;
  const c = text[i];
  if (c !== '{' && c !== '[') return undefined;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A socket.io packet inside an engine.io `4` message (`2["ev",{…}]`, `2/chat,5["ev"]`, `3 5[…]`). */
function socketIoPacket(body: string, direction: FrameDirection, bytes: number): DecodedFrame | undefined {
  const type = body.charCodeAt(0) - 48;
  if (type < 0 || type > 6) return undefined;
  let i = 1;
  // Binary events carry `<attachments>-` first; the attachments themselves are separate binary frames.
  if (type === 5 || type === 6) {
    const dash = body.indexOf('-', i);
    if (dash > i && /^\d+$/.test(body.slice(i, dash))) i = dash + 1;
  }
  let namespace: string | undefined;
  if (body[i] === '/') {
    const comma = body.indexOf(',', i);
    const end = comma < 0 ? body.length : comma;
    namespace = body.slice(i, end);
    i = comma < 0 ? body.length : comma + 1;
  }
  let ackId: string | undefined;
  const start = i;
  while (i < body.length && body.charCodeAt(i) >= 48 && body.charCodeAt(i) <= 57) i++;
  if (i > start) ackId = body.slice(start, i);
  const rest = body.slice(i);
  let payload: unknown;
  if (rest.length > 0) {
    const parsed = parseJson(rest);
    if (!parsed || !parsed.ok) return { kind: 'invalid-json', direction, bytes };
    payload = parsed.value;
  }
  const base = {
    kind: 'socket.io' as const,
    direction,
    bytes,
    ...(namespace && namespace !== '/' ? { namespace } : {}),
    ...(ackId !== undefined ? { ackId } : {}),
  };
  switch (type) {
    case 0:
      return { ...base, packet: 'connect', ...(payload !== undefined ? { payload } : {}) };
    case 1:
      return { ...base, packet: 'disconnect' };
    case 4:
      return { ...base, packet: 'connect-error', ...(payload !== undefined ? { payload } : {}) };
    case 2:
    case 5: {
      if (!Array.isArray(payload) || typeof payload[0] !== 'string')
        return { kind: 'invalid-json', direction, bytes };
      const args = payload.slice(1) as unknown[];
      return {
        ...base,
        packet: 'event',
        event: payload[0].slice(0, 64),
        payload: args.length === 1 ? args[0] : args,
      };
    }
    default: {
      const args = Array.isArray(payload) ? payload : [];
      return { ...base, packet: 'ack', payload: args.length === 1 ? args[0] : args };
    }
  }
}

/**
 * Decodes one frame. `engineIo`: the endpoint speaks engine.io (`EIO=` in the query, `/socket.io/` in the
 * path, or an `0{"sid"…` open packet seen), so leading digits are packet types. `maxChars`: frames longer
 * are counted, not parsed.
 */
export function decodeFrame(raw: unknown, engineIo: boolean, maxChars: number): DecodedFrame {
  if (!raw || typeof raw !== 'object') return { kind: 'malformed', why: 'not an object' };
  const m = raw as { type?: unknown; opcode?: unknown; data?: unknown };
  if (m.type !== 'send' && m.type !== 'receive')
    return { kind: 'malformed', why: 'type is not send or receive' };
  const direction = m.type;
  const opcode = typeof m.opcode === 'number' ? m.opcode : 1;
  if (m.data !== undefined && m.data !== null && typeof m.data !== 'string')
    return { kind: 'malformed', why: 'data is not a string' };
  const data = typeof m.data === 'string' ? m.data : '';
  if (opcode === 2) return { kind: 'binary', direction, bytes: base64Bytes(data) };
  if (opcode === 9 || opcode === 10)
    return {
      kind: 'heartbeat',
      direction,
      bytes: data.length,
      form: opcode === 9 ? 'ping frame' : 'pong frame',
    };
  if (opcode === 8) return { kind: 'close', direction, bytes: data.length };
  if (opcode !== 1 && opcode !== 0) return { kind: 'malformed', why: `unknown opcode ${opcode}` };
  if (data.length > maxChars) return { kind: 'too-large', direction, bytes: data.length };
  const bytes = Buffer.byteLength(data, 'utf8');
  if (data.length <= 12 && HEARTBEAT_TEXT.test(data.trim()))
    return { kind: 'heartbeat', direction, bytes, form: data.trim().toLowerCase() };
  if (engineIo && data.length > 0) {
    const t = data.charCodeAt(0) - 48;
    if (t >= 0 && t <= 6) {
      const rest = data.slice(1);
      switch (t) {
        case 0: {
          const parsed = parseJson(rest);
          return {
            kind: 'socket.io',
            direction,
            bytes,
            packet: 'open',
            ...(parsed?.ok ? { payload: parsed.value } : {}),
          };
        }
        case 1:
          return { kind: 'socket.io', direction, bytes, packet: 'close' };
        case 2:
        case 3:
          return { kind: 'heartbeat', direction, bytes, form: `engine.io ${t === 2 ? 'ping' : 'pong'}` };
        case 5:
        case 6:
          return { kind: 'heartbeat', direction, bytes, form: `engine.io ${t === 5 ? 'upgrade' : 'noop'}` };
        default: {
          const packet = socketIoPacket(rest, direction, bytes);
          if (packet) return packet;
          return { kind: 'text', direction, bytes };
        }
      }
    }
  }
  const parsed = parseJson(data);
  if (parsed === undefined) {
    // A STOMP-like command line gives text frames a kind (`CONNECT\n…`, `MESSAGE\n…`).
    const word = /^([A-Z][A-Z_]{1,30})(?:\r?\n|$)/.exec(data)?.[1];
    return { kind: 'text', direction, bytes, ...(word ? { word } : {}) };
  }
  if (!parsed.ok) return { kind: 'invalid-json', direction, bytes };
  const hb = jsonHeartbeat(parsed.value);
  if (hb) return { kind: 'heartbeat', direction, bytes, form: hb };
  return { kind: 'json', direction, bytes, value: parsed.value };
}

/** The frame's time (`time`, seconds or ms), or NaN. */
export function frameTime(raw: unknown): number {
  const t = raw && typeof raw === 'object' ? (raw as { time?: unknown }).time : undefined;
  return typeof t === 'number' && Number.isFinite(t) ? t : Number.NaN;
}
