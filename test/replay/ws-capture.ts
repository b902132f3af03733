/**
 * The capture a holder would have made of the app served by ws-server.ts: a REST call issuing a listenKey,
 * a combined stream with a SUBSCRIBE, the user data stream at /ws/{listenKey}, and a JSON-RPC socket with
 * a subscribe, a read and a write. Hosts as in production, values in the clear; frames built from the
 * server's own message builders.
 */
import type { HarEntry } from '../../har/index.js';
import { bareEntry } from '../har/fixtures.js';
import { API_KEY, SESSION, balance, depth, newHead, rpcResult, trade } from './ws-server.js';

export const CAPTURED_KEY = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
const START = Date.parse('2026-01-01T00:01:00Z');

type Frame = [dir: 'send' | 'receive', data: string | object, opcode?: number];

/** A GET of `url` at `at` (5 ms), its query listed. */
function entry(url: string, at: number): HarEntry {
  const e = bareEntry(url, new Date(at).toISOString(), 5);
  e.request.queryString = [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  return e;
}

/** An upgraded connection with its frames 40 ms apart (the server's pace: 25 messages a second). */
function ws(url: string, at: number, frames: Frame[], headers: Record<string, string> = {}): HarEntry {
  const e = entry(url, at);
  e.request.headers = Object.entries(headers).map(([name, value]) => ({ name, value }));
  e.response.status = 101;
  e.response.statusText = 'Switching Protocols';
  e._resourceType = 'websocket';
  e._webSocketMessages = frames.map(([type, data, opcode], i) => ({
    type,
    time: at / 1000 + 0.04 * (i + 1),
    opcode: opcode ?? 1,
    data: typeof data === 'string' ? data : JSON.stringify(data),
  }));
  return e;
}

/** The capture a holder would have made of the app: hosts as in production, values in the clear. */
export function captureHar(): unknown {
  const issue = entry('https://api.example.test/api/v3/userDataStream', START);
  issue.request.method = 'POST';
  issue.request.headers = [{ name: 'X-MBX-APIKEY', value: API_KEY }];
  const body = JSON.stringify({ listenKey: CAPTURED_KEY });
  issue.response.headers = [{ name: 'content-type', value: 'application/json' }];
  issue.response.content = { size: body.length, mimeType: 'application/json', text: body };
  const stream: Frame[] = [
    ['receive', '', 9],
    ['send', '', 10],
    ...[1, 2, 3, 4, 5, 6].map((t): Frame => ['receive', trade(t)]),
    ['send', { method: 'SUBSCRIBE', params: ['bnbbtc@depth'], id: 1 }],
    ['receive', { result: null, id: 1 }],
    ...[7, 8, 9, 10, 11, 12, 13, 14].flatMap((t): Frame[] => [
      ['receive', trade(t)],
      ['receive', depth(100 + t)],
    ]),
  ];
  const user: Frame[] = [1, 2, 3, 4, 5, 6].map((n) => ['receive', balance(n)]);
  const rpc: Frame[] = [
    ['send', { jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }],
    ['receive', rpcResult(1, 'eth_subscribe')],
    ...[1, 2, 3, 4, 5, 6].map((n): Frame => ['receive', newHead(n)]),
    [
      'send',
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'eth_getBalance',
        params: ['0x00000000000000000000000000000000000000a1', 'latest'],
      },
    ],
    ['receive', rpcResult(2, 'eth_getBalance')],
    [
      'send',
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'eth_sendTransaction',
        params: [{ from: '0x00000000000000000000000000000000000000a1', value: '0x1' }],
      },
    ],
    ['receive', rpcResult(3, 'eth_sendTransaction')],
    ...[7, 8, 9].map((n): Frame => ['receive', newHead(n)]),
  ];
  return {
    log: {
      version: '1.2',
      creator: { name: 'ws-replay-test', version: '1' },
      entries: [
        issue,
        ws('wss://stream.example.test:9443/stream?streams=btcusdt@trade', START + 1000, stream),
        ws(`wss://stream.example.test:9443/ws/${CAPTURED_KEY}`, START + 3000, user),
        ws('wss://rpc.example.test/rpc', START + 5000, rpc, { Cookie: `session=${SESSION}` }),
      ],
    },
  };
}
