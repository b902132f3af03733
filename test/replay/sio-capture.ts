/**
 * Captures a holder would have made of the socket.io app served by sio-server.ts: one engine.io 4
 * connection opened straight over WebSocket (open packet, main and `/admin` namespaces, a subscribe
 * carrying a token, a read and a write acked, server pings answered), and one engine.io 3 connection
 * upgraded from polling (a captured `sid`, the `2probe`/`3probe`/`5` upgrade, no open packet or namespace
 * connect on the socket). The first may also hold a server emit asking for an ack, answered or not. Hosts as in production, values in the clear; payloads from the server's own builders.
 */
import type { HarEntry } from '../../har/index.js';
import { bareEntry } from '../har/fixtures.js';
import {
  SIO_SESSION,
  SIO_TOKEN,
  balanceAck,
  confirmAnswer,
  confirmAsk,
  notice,
  openPacket,
  orderAck,
  price,
  statusAck,
} from './sio-server.js';

const START = Date.parse('2026-01-01T00:02:00Z');

type Frame = [dir: 'send' | 'receive', data: string];

const event = (name: string, arg?: unknown, ns = '', id = ''): string =>
  `42${ns ? `${ns},` : ''}${id}${JSON.stringify(arg === undefined ? [name] : [name, arg])}`;
const ack = (arg: unknown, id: string, ns = ''): string =>
  `43${ns ? `${ns},` : ''}${id}${JSON.stringify([arg])}`;

/** An upgraded connection with its frames 40 ms apart (the server's pace for `price`). */
function socket(url: string, at: number, frames: Frame[]): HarEntry {
  const e = bareEntry(url, new Date(at).toISOString(), 5);
  e.request.queryString = [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  e.request.headers = [{ name: 'Cookie', value: `session=${SIO_SESSION}` }];
  e.response.status = 101;
  e.response.statusText = 'Switching Protocols';
  e._resourceType = 'websocket';
  e._webSocketMessages = frames.map(([type, data], i) => ({
    type,
    time: at / 1000 + 0.04 * (i + 1),
    opcode: 1,
    data,
  }));
  return e;
}

const prices = (from: number, to: number): Frame[] => {
  const out: Frame[] = [];
  for (let n = from; n <= to; n++) out.push(['receive', event('price', price(n))]);
  return out;
};

const har = (entries: HarEntry[]): unknown => ({
  log: { version: '1.2', creator: { name: 'sio-replay-test', version: '1' }, entries },
});

/**
 * engine.io 4 over WebSocket from the start. `confirm`: the server also emitted `askEvent` asking for an
 * ack (ack id 0) after the main namespace joined, and the client answered it (`acked`) or not (`unacked`).
 */
export function sioCaptureHar(confirm?: 'acked' | 'unacked', askEvent = 'confirm'): unknown {
  const asked: Frame[] = confirm
    ? [['receive', `420${JSON.stringify([askEvent, confirmAsk('captured-1')])}`]]
    : [];
  if (confirm === 'acked') asked.push(['send', ack(confirmAnswer(), '0')]);
  const frames: Frame[] = [
    ['receive', openPacket('capturedSid4')],
    ['send', '40'],
    ['receive', `40${JSON.stringify({ sid: 'c1' })}`],
    ['receive', event('notice', notice())],
    ...asked,
    ['send', '40/admin,'],
    ['receive', `40/admin,${JSON.stringify({ sid: 'c2' })}`],
    ['send', event('subscribe', { topic: 'prices', token: SIO_TOKEN })],
    ...prices(1, 5),
    ['send', event('getBalance', { asset: 'BTC' }, '', '1')],
    ['receive', ack(balanceAck(), '1')],
    ['receive', '2'],
    ['send', '3'],
    ...prices(6, 9),
    ['send', event('placeOrder', { symbol: 'BTCUSDT', side: 'BUY', quantity: '0.001' }, '', '2')],
    ['receive', ack(orderAck(), '2')],
    ['send', event('getStatus', undefined, '/admin', '3')],
    ['receive', ack(statusAck(), '3', '/admin')],
    ['receive', '2'],
    ['send', '3'],
    ...prices(10, 14),
  ];
  return har([socket('wss://app.example.test/socket.io/?EIO=4&transport=websocket', START, frames)]);
}

/** engine.io 3 upgraded from polling: the socket's URL carries the polling session's `sid`. */
export function sioEio3CaptureHar(): unknown {
  const frames: Frame[] = [
    ['send', '2probe'],
    ['receive', '3probe'],
    ['send', '5'],
    ['receive', event('notice', notice())],
    ['send', event('getBalance', { asset: 'BTC' }, '', '1')],
    ['receive', ack(balanceAck(), '1')],
    ['send', '2'],
    ['receive', '3'],
    ['send', event('subscribe', { topic: 'prices', token: SIO_TOKEN })],
    ...prices(1, 8),
  ];
  return har([
    socket('wss://app.example.test/socket.io/?EIO=3&transport=websocket&sid=Aq3pollingSid00', START, frames),
  ]);
}

/**
 * engine.io 4 over long-polling only, as a browser's HAR shows it: the handshake GET answered with the
 * open packet, then POSTs carrying what the client sent and GETs answered with what the server sent
 * (packets joined by `\x1e`), each with the session's `sid` and a cache-busting `t`, ending with the
 * client's close packet.
 */
export function sioPollingCaptureHar(): unknown {
  const base = 'https://app.example.test/socket.io/?EIO=4&transport=polling';
  const sid = 'pollCapturedSid01';
  let n = 0;
  const request = (method: 'GET' | 'POST', body: string | undefined, answer: string): HarEntry => {
    const at = START + 40 * n;
    const url = `${base}&t=P${(n++).toString(36)}${n > 1 ? `&sid=${sid}` : ''}`;
    const e = bareEntry(url, new Date(at).toISOString(), 5);
    e.request.method = method;
    e.request.queryString = [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
    e.request.headers = [{ name: 'Cookie', value: `session=${SIO_SESSION}` }];
    if (body !== undefined) e.request.postData = { mimeType: 'text/plain;charset=UTF-8', text: body };
    e.response.content = { size: answer.length, mimeType: 'text/plain; charset=UTF-8', text: answer };
    return e;
  };
  const payload = (...packets: string[]): string => packets.join('\x1e');
  const priceEvents = (from: number, to: number): string[] => prices(from, to).map(([, d]) => d);
  const entries = [
    request('GET', undefined, openPacket(sid)),
    request('POST', payload('40', '40/admin,'), 'ok'),
    request(
      'GET',
      undefined,
      payload(
        `40${JSON.stringify({ sid: 'c1' })}`,
        event('notice', notice()),
        `40/admin,${JSON.stringify({ sid: 'c2' })}`,
      ),
    ),
    request('POST', event('subscribe', { topic: 'prices', token: SIO_TOKEN }), 'ok'),
    request('GET', undefined, payload(...priceEvents(1, 5))),
    request('POST', event('getBalance', { asset: 'BTC' }, '', '1'), 'ok'),
    request('GET', undefined, payload(ack(balanceAck(), '1'), '2')),
    request('POST', '3', 'ok'),
    request('POST', event('getStatus', undefined, '/admin', '3'), 'ok'),
    request('GET', undefined, payload(ack(statusAck(), '3', '/admin'), ...priceEvents(6, 10))),
    request('POST', '1', 'ok'),
  ];
  return har(entries);
}
