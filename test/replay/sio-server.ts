/**
 * A socket.io-speaking server for replay tests, written by hand on `ws` (real HTTP and WebSocket on
 * 127.0.0.1, port 0) so the test checks the wire format, not a library's idea of it. `/socket.io/` with
 * `transport=websocket` and a session cookie: engine.io open packet, heartbeats (engine.io 4: the server
 * pings `2` every pingInterval and counts the `3`s; engine.io 3: the client pings and the server answers),
 * namespace connects (`40`, `40/admin,`; engine.io 3 connects the main one by itself), and events:
 * `subscribe` starts a `price` stream, `getBalance` and `/admin` `getStatus` are acked with data,
 * `placeOrder` (a write) is acked and counted; with `askConfirm` the server emits `confirm` asking for an
 * ack and ends the namespace without one. A captured `sid` is refused as engine.io does (400). The same
 * sessions are served over HTTP long-polling (`transport=polling`, engine.io 3 and 4 payload framing),
 * and `pollingOnly` refuses the upgrade (400) the way engine.io does when websocket is not allowed.
 * The payload builders are exported so the capture is built from the same shapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { everyWhileOpen, listenOnPort0 } from './ws-server.js';

export const SIO_SESSION = '7c1e0ffee5e55104a11ce0b5e55104a9';
/** A token the app sends inside its subscribe event: must never reach a written HAR. */
export const SIO_TOKEN = 'tok_5f8e2d1c0b9a88776655443322110fed';
export const PING_INTERVAL_MS = 200;

/** What an engine.io session sends on, whichever the transport. */
interface Conn {
  send(data: string): void;
  /** Calls `fn(1)`, `fn(2)`, … every `ms` while the session lives. */
  every(ms: number, fn: (n: number) => void): void;
}

interface PollSession {
  eio: string;
  queue: string[];
  /** The client's GET held until there is something to send. */
  waiting?: ServerResponse;
  intervals: NodeJS.Timeout[];
  handle: (data: string) => void;
}

/** A polling payload as engine.io frames it: `\x1e` between packets (4), `<length>:` before each (3). */
function encodePolling(packets: string[], eio: string): string {
  return eio === '4' ? packets.join('\x1e') : packets.map((p) => `${p.length}:${p}`).join('');
}

function decodePolling(body: string, eio: string): string[] {
  if (eio === '4') return body.split('\x1e');
  const out: string[] = [];
  for (let i = 0; i < body.length;) {
    const colon = body.indexOf(':', i);
    const n = Number(body.slice(i, colon));
    out.push(body.slice(colon + 1, colon + 1 + n));
    i = colon + 1 + n;
  }
  return out;
}

export interface SioChanges {
  /** `price` events carry `last` instead of `price`. */
  renamePrice?: boolean;
  /** The getBalance ack's `free` is a number instead of a decimal string. */
  balanceAsNumber?: boolean;
  /** Connecting `/admin` is refused with a connect error. */
  refuseAdmin?: boolean;
  /**
   * On joining the main namespace the server emits `confirm` asking for an ack (ack id CONFIRM_ACK_ID,
   * unlike the capture's), and disconnects the namespace (`41`) when none comes in CONFIRM_WAIT_MS, as
   * servers that need the client's answer do.
   */
  askConfirm?: boolean;
  /** The event name the server asks to have acknowledged (default `confirm`, a change by its name). */
  askEvent?: string;
  /** The WebSocket upgrade is refused with 400, as engine.io does with `transports: ['polling']`. */
  pollingOnly?: boolean;
}

export const CONFIRM_ACK_ID = 17;
export const CONFIRM_WAIT_MS = 300;
export const confirmAsk = (challenge: string): Record<string, unknown> => ({ challenge, ttl: 30 });
export const confirmAnswer = (): Record<string, unknown> => ({ ok: true, client: 'web' });

export const notice = (): Record<string, unknown> => ({ text: 'welcome', level: 'info' });
export const price = (n: number, renamed = false): Record<string, unknown> => ({
  symbol: 'BTCUSDT',
  [renamed ? 'last' : 'price']: '42000.10',
  seq: n,
});
export const balanceAck = (asNumber = false): Record<string, unknown> => ({
  asset: 'BTC',
  free: asNumber ? 1 : '1.00000000',
});
export const orderAck = (): Record<string, unknown> => ({ orderId: '8123', status: 'NEW' });
export const statusAck = (): Record<string, unknown> => ({ status: 'ok', uptime: 1234 });
export const openPacket = (sid: string): string =>
  `0${JSON.stringify({ sid, upgrades: [], pingInterval: PING_INTERVAL_MS, pingTimeout: 1000, maxPayload: 1000000 })}`;

export interface SioServer {
  url: string;
  changes: SioChanges;
  /** Handshake query strings (`EIO=4&transport=websocket`), in order. */
  handshakes: string[];
  /** Every text frame received, with the engine.io version of its connection. */
  received: { eio: string; data: string }[];
  /** `3`s answered to the server's pings (engine.io 4). */
  pongs: number;
  /** `2`s the client sent (engine.io 3). */
  clientPings: number;
  /** placeOrder events received. */
  orders: number;
  /** Acks received to the server's `confirm` asks, as sent (`4317[…]`). */
  confirmAcks: string[];
  /** `confirm` asks left unanswered (each ended the namespace). */
  confirmTimeouts: number;
  /** Long-polling requests, in order: method, engine.io version, whether a session id was given. */
  polls: { method: string; eio: string; sid: boolean }[];
  /** Bodies of the polling POSTs, as sent (framed). */
  pollingPosts: string[];
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** `42/ns,7["name",…]` → its namespace (`''` for the main one), ack id and arguments. */
function parseEvent(data: string): { ns: string; id: string; args: unknown[] } | undefined {
  const m = /^42(\/[^,]*,)?(\d*)(\[[\s\S]*)$/.exec(data);
  if (!m) return undefined;
  return { ns: m[1] ? m[1].slice(0, -1) : '', id: m[2] ?? '', args: JSON.parse(m[3] as string) as unknown[] };
}

export async function startSioServer(): Promise<SioServer> {
  const wss = new WebSocketServer({ noServer: true });
  const timers = new Set<NodeJS.Timeout>();
  const state: SioServer = {
    url: '',
    changes: {},
    handshakes: [],
    received: [],
    pongs: 0,
    clientPings: 0,
    orders: 0,
    confirmAcks: [],
    confirmTimeouts: 0,
    polls: [],
    pollingPosts: [],
    close: async () => undefined,
  };
  let sids = 0;
  const emit = (conn: Conn, ns: string, name: string, arg: unknown): void =>
    conn.send(`42${ns ? `${ns},` : ''}${JSON.stringify([name, arg])}`);
  const ack = (conn: Conn, ns: string, id: string, arg: unknown): void =>
    conn.send(`43${ns ? `${ns},` : ''}${id}${JSON.stringify([arg])}`);

  /** One engine.io session on either transport; returns what handles each packet the client sends. */
  const engineIo = (conn: Conn, eio: string, sid: string): ((data: string) => void) => {
    conn.send(openPacket(sid));
    let asked: { id: string; timer: NodeJS.Timeout } | undefined;
    const joined = (ns: string): void => {
      conn.send(`40${ns ? `${ns},` : ''}${JSON.stringify({ sid: `ns${++sids}` })}`);
      if (!ns) emit(conn, '', 'notice', notice());
      if (!ns && state.changes.askConfirm) {
        const id = String(CONFIRM_ACK_ID);
        const name = state.changes.askEvent ?? 'confirm';
        conn.send(`42${id}${JSON.stringify([name, confirmAsk(`live-${sids}`)])}`);
        const timer = setTimeout(() => {
          timers.delete(timer);
          state.confirmTimeouts++;
          conn.send('41');
        }, CONFIRM_WAIT_MS);
        timers.add(timer);
        asked = { id, timer };
      }
    };
    if (eio === '4') conn.every(PING_INTERVAL_MS, () => conn.send('2'));
    else joined('');
    return (data) => {
      state.received.push({ eio, data });
      if (data === '3') state.pongs++;
      else if (data === '2') {
        state.clientPings++;
        conn.send('3');
      } else if (data === '40' && eio === '4') joined('');
      else if (asked && data.startsWith(`43${asked.id}[`)) {
        clearTimeout(asked.timer);
        timers.delete(asked.timer);
        asked = undefined;
        state.confirmAcks.push(data);
      } else if (data === '40/admin,') {
        if (state.changes.refuseAdmin) conn.send(`44/admin,${JSON.stringify({ message: 'not authorized' })}`);
        else joined('/admin');
      } else {
        const ev = parseEvent(data);
        if (!ev) return;
        const name = ev.args[0];
        if (name === 'subscribe' && !ev.ns)
          conn.every(40, (n) => emit(conn, '', 'price', price(n, state.changes.renamePrice)));
        else if (name === 'getBalance') ack(conn, ev.ns, ev.id, balanceAck(state.changes.balanceAsNumber));
        else if (name === 'placeOrder') {
          state.orders++;
          ack(conn, ev.ns, ev.id, orderAck());
        } else if (name === 'getStatus' && ev.ns === '/admin') ack(conn, ev.ns, ev.id, statusAck());
      }
    };
  };

  // Long-polling sessions by sid: packets queued until the client's GET takes them.
  const polls = new Map<string, PollSession>();
  const flush = (p: PollSession): void => {
    const res = p.waiting;
    if (!res || p.queue.length === 0) return;
    p.waiting = undefined;
    res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
    res.end(encodePolling(p.queue.splice(0), p.eio));
  };
  const endPoll = (p: PollSession, sid: string): void => {
    polls.delete(sid);
    for (const t of p.intervals) {
      clearInterval(t);
      timers.delete(t);
    }
    if (p.waiting) {
      p.waiting.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      p.waiting.end(encodePolling(['6'], p.eio));
      p.waiting = undefined;
    }
  };
  const polling = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const eio = url.searchParams.get('EIO') ?? '';
    const sid = url.searchParams.get('sid');
    state.polls.push({ method: req.method ?? '', eio, sid: sid !== null });
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end(body);
    };
    if (!(req.headers.cookie ?? '').split(/;\s*/).includes(`session=${SIO_SESSION}`)) return text(401, '');
    if (!['3', '4'].includes(eio)) return text(400, '{"code":5,"message":"Unsupported protocol version"}');
    if (sid === null) {
      if (req.method !== 'GET') return text(400, '{"code":2,"message":"Bad handshake method"}');
      const id = `poll${++sids}`;
      const p: PollSession = { eio, queue: [], intervals: [], handle: () => undefined };
      const conn: Conn = {
        send: (data) => {
          p.queue.push(data);
          flush(p);
        },
        every: (ms, fn) => {
          let n = 0;
          const t = setInterval(() => fn(++n), ms);
          p.intervals.push(t);
          timers.add(t);
        },
      };
      polls.set(id, p);
      p.handle = engineIo(conn, eio, id);
      p.waiting = res;
      flush(p);
      return;
    }
    const p = polls.get(sid);
    if (!p) return text(400, '{"code":1,"message":"Session ID unknown"}');
    if (req.method === 'GET') {
      if (p.waiting) return text(400, '{"code":3,"message":"Bad request"}');
      p.waiting = res;
      flush(p);
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      for (const packet of decodePolling(body, p.eio)) {
        if (packet === '1') endPoll(p, sid);
        else p.handle(packet);
      }
      state.pollingPosts.push(body);
      text(200, 'ok');
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/socket.io/' && url.searchParams.get('transport') === 'polling')
      return polling(req, res, url);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"msg":"not found"}');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.handshakes.push(url.search.slice(1));
    if (url.pathname !== '/socket.io/') return reject(socket, 404, 'Not Found');
    if (!(req.headers.cookie ?? '').split(/;\s*/).includes(`session=${SIO_SESSION}`))
      return reject(socket, 401, 'Unauthorized');
    const eio = url.searchParams.get('EIO') ?? '';
    // engine.io: an unknown session id, a transport other than websocket on an upgrade, or a server
    // whose transports leave websocket out, is a 400.
    if (
      state.changes.pollingOnly ||
      url.searchParams.has('sid') ||
      url.searchParams.get('transport') !== 'websocket' ||
      !['3', '4'].includes(eio)
    )
      return reject(socket, 400, 'Bad Request');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const handle = engineIo(
        { send: (data) => ws.send(data), every: (ms, fn) => everyWhileOpen(timers, ws, ms, fn) },
        eio,
        `srv${++sids}`,
      );
      ws.on('message', (raw) => handle(String(raw)));
    });
  });
  await listenOnPort0(server, wss, timers, state);
  return state;
}
