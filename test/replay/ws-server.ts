/**
 * A small exchange-like server for WebSocket replay tests (real HTTP and WebSocket on 127.0.0.1, port 0):
 * `POST /api/v3/userDataStream` issues a listenKey (API key header required), `/stream?streams=…` is a
 * Binance-style combined stream (`{stream, data}`, SUBSCRIBE/UNSUBSCRIBE acknowledged by id, a protocol
 * ping at open), `/ws/{listenKey}` a user data stream that accepts only keys it issued and has not
 * revoked, and `/rpc` a JSON-RPC 2.0 socket behind a session cookie (eth_subscribe → eth_subscription,
 * eth_getBalance, eth_sendTransaction). `changes` turns on what a front end's backend does over time.
 * The message builders are exported so the test's capture is built from the same shapes.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
export const SESSION = 'f3b1c0ffee5e55104a11ce0b5e55104a';
const SUB_ID = '0x9cef478923ff08bf67fde6c64013158d';
const T0 = 1_767_225_700_000;

export interface Changes {
  /** trade's `p` is sent as `price`. */
  renameTradePrice?: boolean;
  /** A kline kind arrives on the combined stream besides what was asked for. */
  addKline?: boolean;
  /** SUBSCRIBE to a depth stream is acknowledged, but no depth update follows. */
  stopDepth?: boolean;
  /** SUBSCRIBE is never acknowledged. */
  ignoreSubscribe?: boolean;
  /** The combined stream is closed by the server after 300 ms with this code and reason. */
  closeWith?: { code: number; reason: string };
  /** The combined stream sends one frame of this many bytes at once. */
  bigFrame?: number;
}

export const trade = (t: number, renamed = false): Record<string, unknown> => {
  const data: Record<string, unknown> = { e: 'trade', E: T0 + t, s: 'BTCUSDT', t };
  data[renamed ? 'price' : 'p'] = '42000.10';
  Object.assign(data, { q: '0.001', T: T0 + t, m: t % 2 === 0 });
  return { stream: 'btcusdt@trade', data };
};
export const depth = (u: number): Record<string, unknown> => ({
  stream: 'bnbbtc@depth',
  data: { e: 'depthUpdate', E: T0 + u, s: 'BNBBTC', U: u, u: u + 1, b: [['0.0024', '10']], a: [] },
});
export const kline = (n: number): Record<string, unknown> => ({
  stream: 'btcusdt@kline_1m',
  data: { e: 'kline', E: T0 + n, s: 'BTCUSDT', k: { t: T0, o: '1', c: '2', x: false } },
});
export const balance = (n: number): Record<string, unknown> => ({
  e: 'balanceUpdate',
  E: T0 + n,
  a: 'BTC',
  d: '0.00100000',
  T: T0 + n - 1,
});
export const newHead = (n: number): Record<string, unknown> => ({
  jsonrpc: '2.0',
  method: 'eth_subscription',
  params: {
    subscription: SUB_ID,
    result: {
      number: `0x${(0x1b4 + n).toString(16)}`,
      hash: `0x${'ab'.repeat(32)}`,
      timestamp: '0x6955b2a0',
    },
  },
});
export const rpcResult = (id: number, method: string): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id,
  result: method === 'eth_subscribe' ? SUB_ID : method === 'eth_getBalance' ? '0x0' : `0x${'cd'.repeat(32)}`,
});

export interface WsAppServer {
  url: string;
  changes: Changes;
  /** Every text frame the server received, by path (`/stream`, `/ws`, `/rpc`). */
  received: { path: string; data: string }[];
  issuedKeys: string[];
  revokedKeys: Set<string>;
  /** listenKeys a user data stream was opened with. */
  connectedKeys: string[];
  /** Pongs answered to the server's pings. */
  pongs: number;
  handshakes: { path: string; status: number }[];
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

export async function startWsServer(): Promise<WsAppServer> {
  const wss = new WebSocketServer({ noServer: true });
  const timers = new Set<NodeJS.Timeout>();
  const state: WsAppServer = {
    url: '',
    changes: {},
    received: [],
    issuedKeys: [],
    revokedKeys: new Set(),
    connectedKeys: [],
    pongs: 0,
    handshakes: [],
    close: async () => undefined,
  };
  const every = (ws: WebSocket, ms: number, fn: (n: number) => void): void =>
    everyWhileOpen(timers, ws, ms, fn);
  const send = (ws: WebSocket, value: unknown): void => ws.send(JSON.stringify(value));

  const stream = (ws: WebSocket, req: IncomingMessage): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const streams = new Set((url.searchParams.get('streams') ?? '').split('/').filter(Boolean));
    ws.on('pong', () => state.pongs++);
    ws.ping();
    const { closeWith, bigFrame } = state.changes;
    if (bigFrame)
      ws.send(JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', pad: 'x'.repeat(bigFrame) } }));
    if (closeWith) {
      const timer = setTimeout(() => ws.close(closeWith.code, closeWith.reason), 300);
      timers.add(timer);
    }
    ws.on('message', (data) => {
      const text = String(data);
      state.received.push({ path: '/stream', data: text });
      const msg = JSON.parse(text) as { method?: string; params?: string[]; id?: number };
      if (msg.method === 'SUBSCRIBE') {
        // A server that no longer honours SUBSCRIBE neither answers nor streams.
        if (state.changes.ignoreSubscribe) return;
        for (const s of msg.params ?? []) streams.add(s);
        send(ws, { result: null, id: msg.id });
      } else if (msg.method === 'UNSUBSCRIBE') {
        for (const s of msg.params ?? []) streams.delete(s);
        send(ws, { result: null, id: msg.id });
      }
    });
    every(ws, 40, (n) => {
      if (streams.has('btcusdt@trade')) send(ws, trade(n, state.changes.renameTradePrice));
      if (streams.has('bnbbtc@depth') && !state.changes.stopDepth) send(ws, depth(100 + n));
      if (state.changes.addKline) send(ws, kline(n));
    });
  };

  const userData = (ws: WebSocket): void => {
    every(ws, 50, (n) => send(ws, balance(n)));
  };

  const rpc = (ws: WebSocket): void => {
    ws.on('message', (data) => {
      const text = String(data);
      state.received.push({ path: '/rpc', data: text });
      const msg = JSON.parse(text) as { id: number; method: string };
      if (['eth_subscribe', 'eth_getBalance', 'eth_sendTransaction'].includes(msg.method)) {
        send(ws, rpcResult(msg.id, msg.method));
        if (msg.method === 'eth_subscribe') every(ws, 40, (n) => send(ws, newHead(n)));
      } else send(ws, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found' } });
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/api/v3/userDataStream') {
      if (req.headers['x-mbx-apikey'] !== API_KEY) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: -2015, msg: 'Invalid API-key' }));
        return;
      }
      const listenKey = randomBytes(32).toString('hex');
      state.issuedKeys.push(listenKey);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ listenKey }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"msg":"not found"}');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const accept = (path: string, handler: (ws: WebSocket, req: IncomingMessage) => void): void => {
      state.handshakes.push({ path, status: 101 });
      wss.handleUpgrade(req, socket, head, (ws) => handler(ws, req));
    };
    const refuse = (path: string, status: number, text: string): void => {
      state.handshakes.push({ path, status });
      reject(socket, status, text);
    };
    if (url.pathname === '/stream') return accept('/stream', stream);
    const key = /^\/ws\/([^/]+)$/.exec(url.pathname)?.[1];
    if (key !== undefined) {
      if (!state.issuedKeys.includes(key) || state.revokedKeys.has(key))
        return refuse('/ws', 401, 'Unauthorized');
      state.connectedKeys.push(key);
      return accept('/ws', userData);
    }
    if (url.pathname === '/rpc') {
      if (!(req.headers.cookie ?? '').split(/;\s*/).includes(`session=${SESSION}`))
        return refuse('/rpc', 401, 'Unauthorized');
      return accept('/rpc', rpc);
    }
    refuse(url.pathname, 404, 'Not Found');
  });
  await listenOnPort0(server, wss, timers, state);
  return state;
}

/** Calls `fn(1)`, `fn(2)`, … every `ms` while `ws` is open; the timer ends with the socket (or at close). */
export function everyWhileOpen(
  timers: Set<NodeJS.Timeout>,
  ws: WebSocket,
  ms: number,
  fn: (n: number) => void,
): void {
  let n = 0;
  const timer = setInterval(() => {
    if (ws.readyState === ws.OPEN) fn(++n);
  }, ms);
  timers.add(timer);
  ws.on('close', () => {
    clearInterval(timer);
    timers.delete(timer);
  });
}

/**
 * Listens on 127.0.0.1, port 0, and gives `state` its url and a close that stops the timers, drops every
 * socket and closes the server: the same for every test WebSocket server.
 */
export async function listenOnPort0(
  server: Server,
  wss: WebSocketServer,
  timers: Set<NodeJS.Timeout>,
  state: { url: string; close: () => Promise<void> },
): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = async () => {
    for (const t of timers) clearInterval(t);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
