/**
 * Subscription links need evidence: two subscribes sent back to back and server pushes nobody asked for
 * (a heartbeat, account updates) must not be linked by order; a kind is linked by a topic equal to one of
 * its fields (Kraken's channel name), by a telling name token, by stopping after its unsubscribe while
 * the connection goes on, or, with none of those, by order only when one subscribe naming no topic was
 * sent in the window, at low confidence and saying so.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLogs, type WebSocketEndpointModel } from '../../analyzers/index.js';
import type { HarEntry } from '../../har/index.js';
import { buildProtocolModel, validateProtocolModel } from '../../model/index.js';
import { protocolReport, renderMarkdown } from '../../reports/index.js';
import { entry, har } from './build.js';

type Frame = [dir: 'send' | 'receive', value: unknown, atSeconds: number];

function wsEntry(url: string, frames: Frame[]): HarEntry {
  const e: HarEntry = entry({ url });
  e.response.status = 101;
  e._resourceType = 'websocket';
  const t0 = Date.parse(e.startedDateTime) / 1000;
  e._webSocketMessages = frames.map(([type, v, at]) => ({
    type,
    time: t0 + at,
    opcode: 1,
    data: JSON.stringify(v),
  }));
  return e;
}

function socket(url: string, frames: Frame[]): WebSocketEndpointModel {
  const w = analyzeLogs([har([wsEntry(url, frames)]).log]).websockets?.[0];
  if (!w) throw new Error('no WebSocket endpoint');
  return w;
}

/** `{kind: linkedBy}` of every link of the endpoint's subscriptions. */
const linksOf = (w: WebSocketEndpointModel): Record<string, string> =>
  Object.fromEntries(w.subscriptions.flatMap((s) => s.links.map((l) => [l.kind, l.linkedBy])));

const account = (n: number): unknown => ({
  e: 'outboundAccountPosition',
  E: 1767225600000 + n,
  u: 1767225600000 + n,
  B: [{ a: 'BTC', f: '0.1', l: '0' }],
});

describe('WebSocket subscription links need evidence', () => {
  it('two subscribes back to back: their streams linked by name, the heartbeat and account pushes not at all', () => {
    const w = socket('wss://stream.example.test:9443/ws', [
      ['send', { method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 1 }, 0.1],
      ['send', { method: 'SUBSCRIBE', params: ['btcusdt@depth'], id: 2 }, 0.11],
      ['receive', { result: null, id: 1 }, 0.2],
      ['receive', { result: null, id: 2 }, 0.21],
      ['receive', { e: 'heartbeat', E: 1767225600000 }, 0.3],
      ['receive', account(1), 0.35],
      ...[1, 2, 3].flatMap((n): Frame[] => [
        ['receive', { e: 'trade', s: 'BTCUSDT', t: n, p: '87000.1', q: '0.01' }, 0.4 + n / 10],
        ['receive', { e: 'depthUpdate', s: 'BTCUSDT', U: n, u: n + 1, b: [], a: [] }, 0.45 + n / 10],
        ['receive', { e: 'listStatus', s: 'BTCUSDT', g: n }, 0.47 + n / 10],
      ]),
      ['receive', account(2), 1.2],
    ]);
    const ids = w.kinds.map((k) => k.id);
    expect(ids).toEqual(expect.arrayContaining(['receive:outboundAccountPosition', 'receive:listStatus']));
    expect(linksOf(w)).toEqual({ 'receive:trade': 'name', 'receive:depthUpdate': 'name' });
  });

  it('Kraken: the channel name and pair of a tuple message are its topic; the shared pair tells nothing', () => {
    const w = socket('wss://ws.kraken.example.test/', [
      ['send', { event: 'subscribe', pair: ['XBT/USD'], subscription: { name: 'ticker' } }, 0.1],
      ['send', { event: 'subscribe', pair: ['XBT/USD'], subscription: { name: 'spread' } }, 0.11],
      [
        'receive',
        { channelName: 'ticker', event: 'subscriptionStatus', pair: 'XBT/USD', status: 'subscribed' },
        0.2,
      ],
      ['receive', { event: 'systemStatus', status: 'online', version: '1.9.0' }, 0.25],
      ...[1, 2, 3].flatMap((n): Frame[] => [
        ['receive', [340, { c: ['5525.1', '0.3'] }, 'ticker', 'XBT/USD'], 0.3 + n / 10],
        ['receive', [341, ['5698.4', '5700.0', '1542057299.5'], 'spread', 'XBT/USD'], 0.35 + n / 10],
      ]),
    ]);
    const sub = w.subscriptions.find((s) => s.request === 'send:subscribe');
    expect(Object.fromEntries((sub?.links ?? []).map((l) => [l.kind, l.linkedBy]))).toEqual({
      'receive:ticker': 'topic',
      'receive:spread': 'topic',
      'receive:subscriptionStatus': 'topic',
    });
    expect(linksOf(w)).not.toHaveProperty('receive:systemStatus');
  });

  it('a kind that starts after the subscribe and stops after its unsubscribe is linked, saying why', () => {
    const w = socket('wss://okx.example.test/ws/v3', [
      ['send', { op: 'subscribe', args: ['spot/candle60s:BTC-USDT'] }, 0.1],
      ['receive', { action: 'partial', table: 'spot/account', data: [{ balance: '1.0' }] }, 0.15],
      ...[1, 2, 3, 4].map((n): Frame => [
        'receive',
        { table: 'spot/candle60s', data: [{ candle: [`2026-01-01T00:0${n}:00Z`, '1'] }] },
        0.2 + n / 10,
      ]),
      ['send', { op: 'unsubscribe', args: ['spot/candle60s:BTC-USDT'] }, 0.7],
      ...[1, 2, 3].map((n): Frame => [
        'receive',
        { action: 'update', table: 'spot/account', data: [{ balance: `1.${n}` }] },
        1 + n,
      ]),
    ]);
    const sub = w.subscriptions.find((s) => s.action === 'subscribe');
    expect(sub?.links).toHaveLength(1);
    expect(sub?.links[0]).toMatchObject({
      kind: 'receive:{data,table}',
      linkedBy: 'order',
      confidence: 0.75,
    });
    expect(sub?.links[0]?.reason).toContain('not after its unsubscribe');
  });

  it('order alone links only the one subscribe of the window that names no topic, at low confidence', () => {
    const frames: Frame[] = [
      ['send', { type: 'subscribe' }, 0.1],
      ...[1, 2, 3].map((n): Frame => ['receive', { type: 'snapshot', seq: n, rows: [] }, 0.2 + n / 10]),
    ];
    const w = socket('wss://feed.example.test/live', frames);
    const link = w.subscriptions[0]?.links[0];
    expect(link).toMatchObject({ kind: 'receive:snapshot', linkedBy: 'order', confidence: 0.3 });
    expect(link?.reason).toContain('by order only');
    const model = buildProtocolModel(
      analyzeLogs([har([wsEntry('wss://feed.example.test/live', frames)]).log]),
      {
        captures: [{ file: 'feed.har', entries: 1 }],
      },
    );
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.findings.find((f) => f.kind === 'websocket.subscription')?.summary).toContain(
      'receive:snapshot (by order only, low confidence)',
    );
    expect(renderMarkdown(protocolReport(model))).toContain('by order only');
    // A second subscribe in the window makes order ambiguous: no link at all.
    const two = socket('wss://feed.example.test/live', [['send', { type: 'subscribe' }, 0.05], ...frames]);
    expect(linksOf(two)).toEqual({});
  });
});
