/**
 * The pure half of socket.io replay over the WebSocket transport: the URL to dial (engine.io version as
 * captured, `transport=websocket`, no captured session id), the namespaces to connect, and the captured
 * events that may be emitted again under the same read-only policy as plain WebSocket messages
 * (websocket-messages.ts `holdReason`). Engine.io: https://socket.io/docs/v4/engine-io-protocol/,
 * socket.io: https://socket.io/docs/v4/socket-io-protocol/.
 */
import type { HarEntry } from '../har/index.js';
import { classifyOperation, decodeFrame, type ProtocolWebSocketEndpoint } from '../model/index.js';
import { bodyHasRedactedValues } from './request.js';
import type { WebSocketHeldBack } from './types.js';
import { MAX_SEND, MAX_SEND_FRAMES, holdReason, type Outgoing } from './websocket-messages.js';

/** Captured frames longer than this are not decoded for planning (they are never resent either). */
const MAX_PLAN_CHARS = 256 * 1024;

/** What a replayed socket.io connection sends, and when. */
export interface SocketIoPlan {
  /** Engine.io protocol version: 4 (socket.io v3+, the server pings) or 3 (socket.io v2, the client pings). */
  eio: 3 | 4;
  /**
   * Namespaces to connect (`''` for the main one) and the connect packet to send for each: as captured
   * (it may carry an auth payload), or bare when the captured one held redacted values.
   */
  namespaces: Map<string, string>;
  /** Events to emit, in captured order, each after its namespace is connected. */
  send: Outgoing[];
  heldBack: WebSocketHeldBack[];
  /**
   * How the client answered the server's own emits that asked for an ack, by event name as the analyzer
   * names it (`confirm`, `/ns:confirm`): the captured ack's arguments (`[{"ok":true}]`), sent again under
   * the live ack id; or why they cannot be (a binary ack). An event the capture shows unanswered is absent.
   */
  acks: Map<string, ServerAckAnswer>;
}

/** The client's captured answer to one server event name. */
export type ServerAckAnswer = { args: string; redacted: boolean } | { held: string };

/** `43/ns,12[…]` → the ack's arguments as captured (`[…]`, `[]` when it carried none). */
export function ackArgs(data: string): string {
  let i = 2;
  if (data[i] === '/') {
    const comma = data.indexOf(',', i);
    i = comma < 0 ? data.length : comma + 1;
  }
  while (i < data.length && data.charCodeAt(i) >= 48 && data.charCodeAt(i) <= 57) i++;
  return data.slice(i) || '[]';
}

/**
 * Why the captured ack to a server emit must not be sent again: the emit names a change (`confirm`,
 * `approve`, `order`), so acking it as the capture did could carry out what the server asks to have
 * confirmed. Read-only by design, like the client's own emits: only `--allow-write <endpoint>/<event>`
 * answers it. Undefined when the event reads (a `ping`, a `snapshot`) or the user allowed it.
 */
export function ackChangeReason(
  name: string,
  message: string,
  allowWrites: ReadonlySet<string>,
): string | undefined {
  if (allowWrites.has(message)) return undefined;
  const event = name.startsWith('/') ? name.slice(name.indexOf(':') + 1) : name;
  // An ack answers; it changes something only when the event names a change. So a name without write
  // vocabulary reads (as a GET would), unlike a client emit, which is a write unless it names a read.
  const verdict = classifyOperation({
    method: 'GET',
    pathTemplate: '/',
    rpc: { kind: 'jsonrpc', name: event },
    hasRequestBody: false,
  });
  if (verdict.effect !== 'write') return undefined;
  return `the server asked to have ${name} acknowledged, and ${verdict.reason}: acking it could carry the change out, so replay answers it only with --allow-write ${message} and confirm`;
}

/** The ack packet answering the server's `ackId` on `namespace` with the captured arguments. */
export function ackPacket(namespace: string, ackId: string, args: string): string {
  return `43${namespace ? `${namespace},` : ''}${ackId}${args}`;
}

/**
 * The URL to dial: the captured one (already rebased and with live credentials) with `EIO` kept (3 or 4,
 * 4 when absent or unknown), `transport=websocket`, and no `sid`: a captured session id belongs to a
 * session that no longer exists, and without one the server opens a fresh session on this socket.
 */
export function engineIoUrl(url: URL): { url: URL; eio: 3 | 4 } {
  const out = new URL(url.href);
  const eio = out.searchParams.get('EIO') === '3' ? 3 : 4;
  out.searchParams.set('EIO', String(eio));
  out.searchParams.set('transport', 'websocket');
  out.searchParams.delete('sid');
  return { url: out, eio };
}

/** The bare connect packet of a namespace: `40` for the main one, `40/ns,` for another. */
export function connectPacket(namespace: string): string {
  return namespace ? `40${namespace},` : '40';
}

/**
 * Which captured packets replay sends on a socket.io endpoint. Namespace connects as captured; events
 * whose kind is a subscribe or reads by name (a write only when named in `allowWrites` as
 * `<endpoint id>/<kind name>`), with their captured ack ids so acks can be matched. Never sent: engine.io
 * heartbeats (answered live instead), namespace disconnects, binary events, values redacted in the
 * capture, events of no known kind. The acks the client gave to the server's own emits are not resent as
 * they stand: they are kept by event name in `acks`, to answer the live server's emit of that name.
 */
export function planSocketIo(
  endpoint: ProtocolWebSocketEndpoint,
  sample: HarEntry,
  eio: 3 | 4,
  allowWrites: ReadonlySet<string>,
): SocketIoPlan {
  const frames = Array.isArray(sample._webSocketMessages) ? (sample._webSocketMessages as unknown[]) : [];
  const namespaces = new Map<string, string>();
  const send: Outgoing[] = [];
  const held = new Map<string, string>();
  const hold = (message: string, reason: string): void => {
    if (!held.has(message) && held.size < 50) held.set(message, reason);
  };
  const acks = new Map<string, ServerAckAnswer>();
  // The server's emits that asked for an ack, by `<namespace>|<ack id>`: the client's acks name them.
  const asked = new Map<string, string>();
  let looked = 0;
  for (const raw of frames) {
    if (send.length >= MAX_SEND) break;
    if (!raw || typeof raw !== 'object') continue;
    const type = (raw as { type?: unknown }).type;
    if (type === 'receive') {
      if (asked.size >= MAX_SEND_FRAMES) continue;
      const r = decodeFrame(raw, true, MAX_PLAN_CHARS);
      if (r.kind === 'socket.io' && r.packet === 'event' && r.ackId !== undefined)
        asked.set(
          `${r.namespace ?? ''}|${r.ackId}`,
          `${r.namespace ? `${r.namespace}:` : ''}${r.event ?? 'event'}`,
        );
      continue;
    }
    if (type !== 'send') continue;
    if (++looked > MAX_SEND_FRAMES) break;
    const data = (raw as { data?: unknown }).data;
    const d = decodeFrame(raw, true, MAX_PLAN_CHARS);
    if (d.kind === 'binary') {
      hold(`${endpoint.id}/(binary)`, 'a binary frame: replay counts binary frames but never sends them');
      continue;
    }
    if (d.kind !== 'socket.io' || typeof data !== 'string') continue;
    const ns = d.namespace ?? '';
    if (d.packet === 'ack') {
      // The client's answer to a server emit: kept (the first per event name) to answer the live one.
      const name = d.ackId !== undefined ? asked.get(`${ns}|${d.ackId}`) : undefined;
      if (name !== undefined && !acks.has(name)) {
        const change = ackChangeReason(name, `${endpoint.id}/${name}`, allowWrites);
        acks.set(
          name,
          change !== undefined
            ? { held: change }
            : data[1] === '6'
              ? { held: 'a binary ack: its attachments are binary frames replay never sends' }
              : { args: ackArgs(data), redacted: bodyHasRedactedValues(data) },
        );
      }
      continue;
    }
    if (d.packet === 'connect') {
      if (!namespaces.has(ns)) namespaces.set(ns, bodyHasRedactedValues(data) ? connectPacket(ns) : data);
      continue;
    }
    if (d.packet === 'disconnect') {
      hold(
        `${endpoint.id}/socket.io disconnect`,
        'a namespace disconnect: it would end the events being checked',
      );
      continue;
    }
    if (d.packet !== 'event') continue;
    const name = `${ns ? `${ns}:` : ''}${d.event ?? 'event'}`;
    const message = `${endpoint.id}/${name}`;
    // `45…`: a binary event (socket.io packet type 5).
    if (data[1] === '5') {
      hold(message, 'a binary event: its attachments are binary frames replay never sends');
      continue;
    }
    if (bodyHasRedactedValues(data)) {
      hold(message, 'holds values redacted in the capture that replay cannot fill');
      continue;
    }
    const kind = endpoint.kinds.find(
      (k) => k.direction === 'send' && k.framing === 'socket.io' && k.name === name,
    );
    if (!kind) {
      hold(message, 'not a message kind of the model: not sent');
      continue;
    }
    const reason = holdReason(kind, message, allowWrites);
    if (reason !== undefined) {
      hold(message, reason);
      continue;
    }
    send.push({
      data,
      heartbeat: false,
      kind,
      namespace: ns,
      ...(d.ackId !== undefined ? { id: `ack:${ns}/${d.ackId}` } : {}),
      ...(d.payload !== undefined ? { value: d.payload } : {}),
    });
    // An event on a namespace the capture joined before it started: join it anyway.
    if (!namespaces.has(ns) && (ns !== '' || eio === 4)) namespaces.set(ns, connectPacket(ns));
  }
  // Engine.io 3 (socket.io v2) joins the main namespace by itself; the client never asks.
  if (eio === 3) namespaces.delete('');
  return {
    eio,
    namespaces,
    send,
    heldBack: [...held].map(([message, reason]) => ({ message, reason })),
    acks,
  };
}
