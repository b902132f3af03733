/**
 * Top-level array (tuple) WebSocket messages are kinded by the string at a fixed index, chosen from
 * evidence: Kraken v1 `[channelID, {…}, "ticker", "XBT/USD"]` (and the one-longer book update with both
 * sides) by the element second to last, `["trade", {…}]` by the first, Phoenix
 * `[join_ref, ref, topic, event, payload]` by the event rather than its lone topic, never by an id.
 * The index travels through the model, the OpenAPI `x-websockets` and the report, and replay kinds
 * live messages the same way.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLogs, type AnalysisResult, type WebSocketEndpointModel } from '../../analyzers/index.js';
import type { HarEntry } from '../../har/index.js';
import { buildProtocolModel, toOpenApi, validateProtocolModel } from '../../model/index.js';
import { matchJsonKind } from '../../replay/websocket-messages.js';
import { protocolReport, renderMarkdown } from '../../reports/index.js';
import { entry, har } from './build.js';

type Frame = [dir: 'send' | 'receive', value: unknown];

function socket(url: string, frames: Frame[]): HarEntry {
  const e = entry({ url });
  e.response.status = 101;
  e._resourceType = 'websocket';
  const t0 = Date.parse(e.startedDateTime) / 1000;
  e._webSocketMessages = frames.map(([type, v], i) => ({
    type,
    time: t0 + i * 0.1,
    opcode: 1,
    data: JSON.stringify(v),
  }));
  return e;
}

const analyze = (e: HarEntry): AnalysisResult => analyzeLogs([har([e]).log]);
const only = (r: AnalysisResult): WebSocketEndpointModel => {
  const w = r.websockets?.[0];
  if (!w) throw new Error('no WebSocket endpoint');
  return w;
};
const kindsOf = (w: WebSocketEndpointModel): Record<string, number> =>
  Object.fromEntries(w.kinds.map((k) => [k.id, k.messages]));

const ticker = (pair: string): unknown[] => [
  340,
  { a: ['5525.4', 1, '1.000'], b: ['5525.1', 1, '1.000'], c: ['5525.1', '0.3'] },
  'ticker',
  pair,
];
const book = (): unknown[] => [10, { a: [['5541.3', '2.5', '1534614248.4']] }, 'book-10', 'XBT/USD'];
const bookBothSides = (): unknown[] => [
  10,
  { a: [['5541.3', '2.5', '1534614248.4']] },
  { b: [['5541.2', '1.5', '1534614248.5']] },
  'book-10',
  'XBT/USD',
];

const krakenFrames: Frame[] = [
  ['receive', { connectionID: 1, event: 'systemStatus', status: 'online', version: '1.9.0' }],
  ['send', { event: 'subscribe', pair: ['XBT/USD', 'ETH/USD'], subscription: { name: 'ticker' } }],
  [
    'receive',
    {
      channelID: 340,
      channelName: 'ticker',
      event: 'subscriptionStatus',
      pair: 'XBT/USD',
      status: 'subscribed',
      subscription: { name: 'ticker' },
    },
  ],
  ['send', { event: 'subscribe', pair: ['XBT/USD'], subscription: { name: 'book', depth: 10 } }],
  ...[1, 2, 3, 4].flatMap((n): Frame[] => [
    ['receive', ticker(n % 2 ? 'XBT/USD' : 'ETH/USD')],
    ['receive', book()],
    ['receive', bookBothSides()],
    ['receive', { event: 'heartbeat' }],
  ]),
];

describe('WebSocket tuple messages', () => {
  const kraken = analyze(socket('wss://ws.kraken.example.test/', krakenFrames));

  it('Kraken v1: kinds by the channel name second to last, one kind for both book lengths, events by /event', () => {
    const w = only(kraken);
    expect(w.discriminators).toEqual({ send: '/event', receive: '/event', receiveIndex: -2 });
    expect(kindsOf(w)).toEqual({
      'send:subscribe': 2,
      'receive:book-10': 8,
      'receive:ticker': 4,
      'receive:subscriptionStatus': 1,
      'receive:systemStatus': 1,
    });
    const t = w.kinds.find((k) => k.id === 'receive:ticker');
    expect(t?.discriminator).toEqual({ pointer: '[-2]', value: 'ticker', index: -2 });
    expect(t?.by).toBe('field');
    expect(t?.payloadPointer).toBe('/1');
    // The schema is per kind: the ticker's payload fields are there, and not in the book's.
    expect(JSON.stringify(t?.schema)).toContain('"c"');
    expect(JSON.stringify(w.kinds.find((k) => k.id === 'receive:book-10')?.schema)).not.toContain('"c"');
    expect(kraken.findings.find((f) => f.kind === 'websocket.endpoint')?.summary).toContain(
      'received array messages by their element [-2]',
    );
  });

  it('["trade", {…}] feeds: kinds by the first element', () => {
    const frames: Frame[] = [1, 2, 3].flatMap((n): Frame[] => [
      ['receive', ['trade', { p: `${100 + n}.5`, q: '0.1' }]],
      ['receive', ['depth', { bids: [[`${99 + n}.5`, '2']], asks: [] }]],
    ]);
    const w = only(analyze(socket('wss://feed.example.test/v2', frames)));
    expect(w.discriminators.receiveIndex).toBe(0);
    expect(kindsOf(w)).toEqual({ 'receive:depth': 3, 'receive:trade': 3 });
    // A kind's schema is a tuple: the name, then its payload (not one schema merged over both).
    const trade = w.kinds.find((k) => k.id === 'receive:trade')?.schema as Record<string, unknown>;
    expect(trade).toMatchObject({ type: 'array', minItems: 2, 'x-tuple': true });
    expect(trade.prefixItems).toEqual([
      expect.objectContaining({ type: 'string' }),
      expect.objectContaining({ type: 'object', required: ['p', 'q'] }),
    ]);
  });

  it('Phoenix channels: the event, not the lone topic nor the refs', () => {
    const frames: Frame[] = [
      ['send', ['1', '1', 'room:lobby', 'phx_join', {}]],
      ...[2, 3, 4, 5, 6, 7, 8].flatMap((n): Frame[] => [
        ['receive', [null, null, 'room:lobby', 'new_msg', { body: `hi ${n}` }]],
        ['receive', [null, null, 'room:lobby', 'presence_diff', { joins: {}, leaves: {} }]],
        ['receive', ['1', String(n), 'room:lobby', 'phx_reply', { status: 'ok', response: {} }]],
      ]),
    ];
    const w = only(analyze(socket('wss://chat.example.test/socket/websocket', frames)));
    expect(w.discriminators.receiveIndex).toBe(3);
    expect(kindsOf(w)).toMatchObject({
      'receive:new_msg': 7,
      'receive:presence_diff': 7,
      'receive:phx_reply': 7,
    });
    // phx_join is the channel's subscribe: its topic is the element every pushed message carries.
    expect(w.kinds.find((k) => k.id === 'send:phx_join')?.role).toBe('subscribe');
    const join = w.subscriptions.find((s) => s.request === 'send:phx_join');
    expect(join?.topics).toEqual(['room:lobby']);
    expect(join?.links.map((l) => [l.kind, l.linkedBy])).toEqual(
      expect.arrayContaining([
        ['receive:new_msg', 'topic'],
        ['receive:presence_diff', 'topic'],
      ]),
    );
  });

  it('Phoenix phx_leave is the unsubscribe; pushes of another topic are not linked to the join', () => {
    const frames: Frame[] = [
      ['send', ['1', '1', 'room:a', 'phx_join', {}]],
      ...[2, 3, 4].flatMap((n): Frame[] => [
        ['receive', [null, null, 'room:a', 'new_msg', { body: `m${n}` }]],
        ['receive', [null, null, 'room:a', 'presence_diff', { joins: {}, leaves: {} }]],
        ['receive', [null, String(n), 'phoenix', 'phx_reply', { status: 'ok', response: {} }]],
      ]),
      ['send', ['1', '5', 'room:a', 'phx_leave', {}]],
      ...[6, 7, 8].map((n): Frame => [
        'receive',
        [null, String(n), 'phoenix', 'phx_reply', { status: 'ok', response: {} }],
      ]),
    ];
    const w = only(analyze(socket('wss://chat.example.test/socket/websocket', frames)));
    expect(w.discriminators.receiveIndex).toBe(3);
    expect(w.kinds.find((k) => k.id === 'send:phx_leave')?.role).toBe('unsubscribe');
    const join = w.subscriptions.find((s) => s.request === 'send:phx_join');
    expect(join?.links.map((l) => l.kind).sort()).toEqual(['receive:new_msg', 'receive:presence_diff']);
  });

  it('a string unique to each message is an id, not the discriminator', () => {
    const frames: Frame[] = [1, 2, 3, 4, 5, 6, 7, 8].map((n): Frame => [
      'receive',
      [`req${n}x${n * 7}q`, n % 2 ? 'fill' : 'cancel', { n }],
    ]);
    const w = only(analyze(socket('wss://orders.example.test/ws', frames)));
    expect(w.discriminators.receiveIndex).toBe(1);
    expect(kindsOf(w)).toEqual({ 'receive:cancel': 4, 'receive:fill': 4 });
  });

  it('the index travels through the model, OpenAPI x-websockets and the report', () => {
    const model = buildProtocolModel(kraken, { captures: [{ file: 'kraken.har', entries: 1 }] });
    expect(validateProtocolModel(model)).toEqual([]);
    const ws = (toOpenApi(model)['x-websockets'] as Record<string, unknown>[])[0] as {
      discriminators: Record<string, unknown>;
      receive: { name: string; discriminator?: unknown; payloadPointer?: string }[];
    };
    expect(ws.discriminators).toMatchObject({ receiveIndex: -2 });
    expect(ws.receive.find((m) => m.name === 'ticker')).toMatchObject({
      discriminator: { pointer: '[-2]', value: 'ticker', index: -2 },
      payloadPointer: '/1',
    });
    const md = renderMarkdown(protocolReport(model));
    expect(md).toContain('receive arrays [-2]');
    expect(md).toContain('[-2] = book-10');
  });

  it('replay kinds every captured message as the analysis did', () => {
    const model = buildProtocolModel(kraken, { captures: [{ file: 'kraken.har', entries: 1 }] });
    const endpoint = model.websockets?.[0];
    if (!endpoint) throw new Error('no endpoint in the model');
    const names = krakenFrames
      .filter(([dir, v]) => dir === 'receive' && Array.isArray(v))
      .map(([, v]) => matchJsonKind(endpoint, 'receive', v).kind?.id);
    expect(new Set(names)).toEqual(new Set(['receive:ticker', 'receive:book-10']));
    // A channel the capture never saw is named by its index value, as a new kind.
    expect(matchJsonKind(endpoint, 'receive', [11, { x: 1 }, 'spread', 'XBT/USD'])).toMatchObject({
      name: 'spread',
      pointer: '[-2]',
    });
    expect(matchJsonKind(endpoint, 'receive', [11, { x: 1 }, 'spread', 'XBT/USD']).kind).toBeUndefined();
  });
});
