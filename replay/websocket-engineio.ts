/**
 * The live half of socket.io replay: an engine.io client on an open WebSocket. It waits for the open
 * packet (`0{sid, pingInterval, pingTimeout}`), keeps the session alive the way the captured version
 * does (engine.io 4: the server pings with `2` and we answer `3`; engine.io 3: we ping every
 * pingInterval and expect `3`), connects the namespaces of the plan (`40`, `40/ns,`), emits each planned
 * event once its namespace is connected, answers the server's emits that ask for an ack the way the
 * captured client did, and hands every received packet to the Session, which names and checks it as the
 * analyzer named the captured ones.
 */
import { decodeFrame } from '../model/index.js';
import { ackPacket, type SocketIoPlan } from './websocket-socketio.js';
import type { Session } from './websocket-session.js';
import type { Outgoing } from './websocket-messages.js';

/** Engine.io's own defaults, used until the open packet says otherwise. */
const DEFAULT_PING_INTERVAL_MS = 25_000;
const DEFAULT_PING_TIMEOUT_MS = 20_000;

/** What the client needs from the connection it runs on. */
export interface EngineIoHooks {
  /** Sends a text frame (and records it). */
  send(data: string): void;
  /** Milliseconds since the socket opened. */
  elapsedMs(): number;
  /** The engine.io session is dead (no heartbeat in time): end the connection with this reason. */
  dead(why: string): void;
  /** A run warning about this endpoint (the endpoint id is added by the caller). */
  warn(message: string): void;
}

function positiveMs(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

export class EngineIoClient {
  private readonly queued = new Map<string, Outgoing[]>();
  private readonly connected = new Set<string>();
  private readonly refused = new Set<string>();
  /** Server events whose ack was reported (not answered, or answered with redacted values), once each. */
  private readonly reported = new Set<string>();
  private pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  private pingTimeoutMs = DEFAULT_PING_TIMEOUT_MS;
  private opened = false;
  private watchdog: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Session,
    private readonly plan: SocketIoPlan,
    private readonly hooks: EngineIoHooks,
  ) {
    for (const out of plan.send) {
      const ns = out.namespace ?? '';
      const list = this.queued.get(ns) ?? [];
      list.push(out);
      this.queued.set(ns, list);
    }
  }

  onText(text: string): void {
    const stats = this.session.stats;
    const d = decodeFrame({ type: 'receive', opcode: 1, data: text }, true, Number.POSITIVE_INFINITY);
    if (d.kind === 'heartbeat') {
      stats.received.heartbeats++;
      if (text[0] === '2') {
        // A server ping (engine.io 4; `2probe` too): the pong carries the same payload.
        this.hooks.send(`3${text.slice(1)}`);
        stats.sent.heartbeats++;
        stats.received.pingsAnswered++;
        if (this.plan.eio === 4) this.arm(this.pingIntervalMs + this.pingTimeoutMs, 'ping');
      } else if (text[0] === '3' && this.plan.eio === 3) this.disarm();
      return;
    }
    if (d.kind !== 'socket.io') {
      stats.received.messages++;
      this.session.notEngineIo++;
      return;
    }
    this.session.onSocketIo(d);
    const ns = d.namespace ?? '';
    if (d.packet === 'open') this.open(d.payload);
    else if (d.packet === 'connect') this.joined(ns);
    else if (d.packet === 'connect-error') this.refused.add(ns);
    else if (d.packet === 'event' && d.ackId !== undefined) this.answer(ns, d.event ?? 'event', d.ackId);
  }

  /**
   * The server emitted an event asking for an ack (`42<ns,>7["confirm",…]`): a real client answers, and
   * some servers stall or disconnect without it. Answered only from evidence, with the arguments the
   * captured client acked that event name with, under the live ack id; never invented: an event the
   * capture shows unanswered (or answered with a binary ack) gets no ack, and is reported by name.
   */
  private answer(ns: string, event: string, ackId: string): void {
    const name = `${ns ? `${ns}:` : ''}${event}`;
    const captured = this.plan.acks.get(name);
    if (captured && 'args' in captured) {
      this.hooks.send(ackPacket(ns, ackId, captured.args));
      this.session.stats.sent.acks++;
      if (captured.redacted)
        this.report(name, 'answered with values the capture had redacted, sent as captured', true);
      return;
    }
    this.report(
      name,
      captured
        ? `the server asked for an ack of ${name}; none was sent: ${captured.held}`
        : `the server asked for an ack of ${name}; the capture shows no ack from the client for it, so replay sent none`,
      false,
    );
  }

  private report(name: string, reason: string, sent: boolean): void {
    if (this.reported.has(name)) return;
    this.reported.add(name);
    const message = `${this.session.endpoint.id}/${name}.ack`;
    if (!sent) this.session.stats.heldBack.push({ message, reason });
    this.hooks.warn(sent ? `the ack of ${name} was ${reason}` : reason);
  }

  /** The drifts only the end can tell: no open packet, a namespace never connected. Clears the timers. */
  finish(): void {
    this.stop();
    if (!this.opened) {
      this.session.drift({
        kind: 'framing_changed',
        pointer: '',
        expected: 'an engine.io open packet (0{…})',
        actual: 'none',
        summary: `the server sent no engine.io open packet in ${this.session.stats.durationMs} ms: it no longer speaks engine.io ${this.plan.eio} over WebSocket here.`,
      });
      return;
    }
    for (const ns of this.plan.namespaces.keys())
      if (!this.connected.has(ns) && !this.refused.has(ns))
        this.session.drift({
          kind: 'request_unanswered',
          messageKind: 'send:socket.io connect',
          pointer: '',
          expected: 'connect',
          actual: 'none',
          summary: `the namespace ${ns || '/'} was asked to connect and never answered in ${this.session.stats.durationMs} ms.`,
        });
  }

  stop(): void {
    this.disarm();
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = undefined;
  }

  private open(payload: unknown): void {
    if (this.opened) return;
    this.opened = true;
    const p = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
    this.pingIntervalMs = positiveMs(p.pingInterval, DEFAULT_PING_INTERVAL_MS);
    this.pingTimeoutMs = positiveMs(p.pingTimeout, DEFAULT_PING_TIMEOUT_MS);
    for (const packet of this.plan.namespaces.values()) this.hooks.send(packet);
    if (this.plan.eio === 4) this.arm(this.pingIntervalMs + this.pingTimeoutMs, 'ping');
    else {
      this.pinger = setInterval(() => {
        this.hooks.send('2');
        this.session.stats.sent.heartbeats++;
        if (!this.watchdog) this.arm(this.pingTimeoutMs, 'pong');
      }, this.pingIntervalMs);
      this.pinger.unref();
    }
    // Engine.io 3 joins the main namespace by itself, announced by a `40` that may come later.
  }

  private joined(ns: string): void {
    if (this.connected.has(ns)) return;
    this.connected.add(ns);
    for (const out of this.queued.get(ns) ?? []) {
      this.hooks.send(out.data);
      this.session.sent(out, this.hooks.elapsedMs());
    }
    this.queued.delete(ns);
  }

  private arm(ms: number, what: 'ping' | 'pong'): void {
    this.disarm();
    this.watchdog = setTimeout(
      () =>
        this.hooks.dead(
          what === 'ping'
            ? `no engine.io ping within ${ms} ms (pingInterval + pingTimeout of the open packet)`
            : `no engine.io pong within ${ms} ms (pingTimeout of the open packet)`,
        ),
      ms,
    );
    this.watchdog.unref();
  }

  private disarm(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }
}
