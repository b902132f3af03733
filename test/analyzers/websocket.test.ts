import { describe, expect, it } from 'vitest';
import { analyzeLogs, templateTopic, type WebSocketEndpointModel } from '../../analyzers/index.js';
import { decodeFrame } from '../../analyzers/websocket-frames.js';
import { readFileSync } from 'node:fs';
import type { HarEntry, HarLog } from '../../har/index.js';
import { analyzeFixture } from './fixtures.js';
import { entry, har } from './build.js';

const result = analyzeFixture('websocket');
const ws = (id: string): WebSocketEndpointModel => {
  const w = result.websockets?.find((x) => x.id === id);
  if (!w) throw new Error(`no ${id} in ${result.websockets?.map((x) => x.id).join(', ')}`);
  return w;
};
const kinds = (w: WebSocketEndpointModel) =>
  Object.fromEntries(w.kinds.map((k) => [k.id, [k.role, k.by, k.messages]]));
const kind = (w: WebSocketEndpointModel, id: string) => {
  const k = w.kinds.find((x) => x.id === id);
  if (!k) throw new Error(`no kind ${id} on ${w.id}`);
  return k;
};

describe('WebSocket analysis', () => {
  it('finds one endpoint per templated URL, and none of them is an HTTP operation', () => {
    expect(result.websockets?.map((w) => `${w.id} ${w.origin}${w.pathTemplate}`)).toEqual([
      'ws_feed wss://bin.example.test/feed',
      'ws_socketIo wss://io.example.test/socket.io',
      'ws_stream wss://stream.example.test:9443/stream',
      'ws_v1 wss://rpc.example.test/v1',
      'ws_ws wss://bad.example.test/ws',
      'ws_ws_listenKey wss://stream.example.test:9443/ws/{listenKey}',
    ]);
    expect(result.operations.map((o) => o.method)).toEqual(['POST']);
  });

  it('the listenKey call keeps its camelCase path and, authenticated by its API key, is not a login', () => {
    expect(result.operations.map((o) => `${o.method} ${o.pathTemplate}`)).toEqual([
      'POST /api/v3/userDataStream',
    ]);
    expect(result.auth.calls.filter((c) => c.role === 'login')).toEqual([]);
  });

  it('Binance combined streams: kinds by /data/e, streams templated, answers by id, heartbeats aside', () => {
    const w = ws('ws_stream');
    expect(w.connections).toBe(2);
    expect(w.discriminators).toEqual({ send: '/method', receive: '/data/e' });
    expect(kinds(w)).toEqual({
      'send:SUBSCRIBE': ['subscribe', 'field', 1],
      'send:UNSUBSCRIBE': ['unsubscribe', 'field', 1],
      'receive:trade': ['event', 'field', 5],
      'receive:aggTrade': ['event', 'field', 2],
      'receive:depthUpdate': ['event', 'field', 2],
      'receive:SUBSCRIBE.result': ['response', 'rpc-id', 1],
      'receive:UNSUBSCRIBE.result': ['response', 'rpc-id', 1],
    });
    const trade = kind(w, 'receive:trade');
    expect(trade.streams).toEqual(['{symbol}@trade']);
    expect(trade.payloadPointer).toBe('/data');
    expect(trade.discriminator).toEqual({ pointer: '/data/e', value: 'trade' });
    const data = (
      trade.schema.properties as Record<string, { properties: Record<string, { type: unknown }> }>
    ).data;
    expect(Object.keys(data?.properties ?? {})).toEqual(['E', 'T', 'e', 'm', 'p', 'q', 's', 't']);
    expect(data?.properties.p?.type).toBe('string');
    expect(data?.properties.m?.type).toBe('boolean');
    expect(trade.firstSeen).toBe('2026-01-01T00:01:01.250Z');
    expect(trade.ratePerSecond).toBeGreaterThan(0);
    expect(trade.evidence[0]).toEqual({ capture: 0, entry: 1, pointer: '/_webSocketMessages/0/data' });
    expect(trade.confidence).toBeGreaterThanOrEqual(0.9);
    expect(w.heartbeats).toMatchObject({ messages: 2, forms: ['ping frame', 'pong frame'] });
    expect(w.parameters.map((p) => [p.name, p.in])).toEqual([['streams', 'query']]);
    expect(w.correlations.map((c) => [c.request, c.response, c.matched, c.unanswered])).toEqual([
      ['send:SUBSCRIBE', 'receive:SUBSCRIBE.result', 1, 0],
      ['send:UNSUBSCRIBE', 'receive:UNSUBSCRIBE.result', 1, 0],
    ]);
    expect(w.correlations[0]?.medianLatencyMs).toBe(250);
  });

  it('links subscriptions to the streams received after them: by topic, from the URL too', () => {
    const subs = Object.fromEntries(
      ws('ws_stream').subscriptions.map((s) => [
        s.request,
        { action: s.action, topics: s.topics, links: s.links.map((l) => `${l.kind} ${l.linkedBy}`) },
      ]),
    );
    expect(subs).toEqual({
      'send:SUBSCRIBE': {
        action: 'subscribe',
        topics: ['{symbol}@depth'],
        links: ['receive:depthUpdate topic'],
      },
      'send:UNSUBSCRIBE': { action: 'unsubscribe', topics: ['{symbol}@depth'], links: [] },
      url: {
        action: 'subscribe',
        topics: ['{symbol}@trade', '{symbol}@aggTrade'],
        links: ['receive:aggTrade topic', 'receive:trade topic'],
      },
    });
  });

  it('user data stream: listenKey in the path is a credential issued by the REST call, consumed by the socket', () => {
    const w = ws('ws_ws_listenKey');
    expect(w.discriminators).toEqual({ receive: '/e' });
    expect(kinds(w)).toEqual({
      'receive:executionReport': ['event', 'field', 2],
      'receive:balanceUpdate': ['event', 'field', 1],
      'receive:outboundAccountPosition': ['event', 'field', 1],
    });
    expect(w.parameters[0]).toMatchObject({
      name: 'listenKey',
      in: 'path',
      credential: true,
      examples: ['[redacted]'],
    });
    const cred = result.auth.credentials.find((c) => c.id === 'path:listenKey');
    const issuer = result.operations[0]?.id;
    expect(cred).toMatchObject({ location: 'path', consumers: ['ws_ws_listenKey'] });
    expect(cred?.issuedBy[0]).toMatchObject({ via: 'json-field', operationId: issuer, linkedBy: 'value' });
    // The value never leaves in the clear.
    expect(JSON.stringify(result)).not.toContain(
      'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1',
    );
  });

  it('JSON-RPC: methods as kinds, responses and errors correlated by id, eth_subscription linked by subscription id', () => {
    const w = ws('ws_v1');
    expect(w.discriminators).toEqual({ send: '/method', receive: '/method' });
    expect(kinds(w)).toEqual({
      'send:eth_getBalance': ['request', 'field', 2],
      'send:eth_chainId': ['request', 'field', 1],
      'send:eth_subscribe': ['subscribe', 'field', 1],
      'receive:eth_subscription': ['event', 'field', 3],
      'receive:eth_getBalance.error': ['error', 'rpc-id', 1],
      'receive:eth_getBalance.result': ['response', 'rpc-id', 1],
      'receive:eth_subscribe.result': ['response', 'rpc-id', 1],
    });
    expect(w.subscriptions).toMatchObject([
      {
        request: 'send:eth_subscribe',
        topics: ['newHeads'],
        links: [{ kind: 'receive:eth_subscription', linkedBy: 'subscription-id', confidence: 0.95 }],
      },
    ]);
    expect(w.correlations.map((c) => `${c.request} → ${c.response} ${c.matched}/${c.unanswered}`)).toEqual([
      'send:eth_getBalance → receive:eth_getBalance.error 1/0',
      'send:eth_getBalance → receive:eth_getBalance.result 1/0',
      'send:eth_subscribe → receive:eth_subscribe.result 1/0',
    ]);
    const err = kind(w, 'receive:eth_getBalance.error').schema as { properties: Record<string, unknown> };
    expect(Object.keys(err.properties)).toEqual(['error', 'id', 'jsonrpc']);
  });

  it('socket.io: events by name (namespaces kept), acks correlated, engine.io ping/pong aside', () => {
    const w = ws('ws_socketIo');
    expect(w.framing).toBe('socket.io');
    expect(kinds(w)).toEqual({
      'send:getBalance': ['request', 'socket.io', 1],
      'send:socket.io connect': ['control', 'socket.io', 1],
      'send:subscribe': ['subscribe', 'socket.io', 1],
      'receive:order': ['event', 'socket.io', 2],
      'receive:/admin:notice': ['event', 'socket.io', 1],
      'receive:getBalance.ack': ['response', 'socket.io', 1],
      'receive:socket.io connect': ['control', 'socket.io', 1],
      'receive:socket.io open': ['control', 'socket.io', 1],
    });
    expect(kind(w, 'receive:order').schema).toMatchObject({
      type: 'object',
      properties: {
        id: { type: 'integer' },
        status: { type: 'string' },
        price: { format: 'decimal-string' },
      },
    });
    expect(kind(w, 'receive:socket.io open').schema).toMatchObject({
      properties: { pingInterval: { type: 'integer' } },
    });
    expect(w.heartbeats.forms).toEqual(['engine.io ping', 'engine.io pong']);
    expect(w.correlations).toMatchObject([
      { request: 'send:getBalance', response: 'receive:getBalance.ack', idField: 'ack' },
    ]);
    expect(w.subscriptions[0]?.links[0]).toEqual({
      kind: 'receive:order',
      linkedBy: 'name',
      confidence: 0.7,
    });
  });

  it('binary frames are counted and sized, not parsed; bad JSON and plain text are counted with a warning', () => {
    const w = ws('ws_feed');
    expect(w.binary).toEqual({
      sent: { messages: 1, bytes: 3, maxBytes: 3 },
      received: { messages: 2, bytes: 30, maxBytes: 16 },
    });
    expect(w.unparsed).toBe(1);
    expect(kinds(w)).toEqual({ 'receive:text': ['event', 'text', 1] });
    expect(result.warnings.map((x) => x.code)).toContain('websocket.invalid_json');
    expect(ws('ws_ws')).toMatchObject({ framing: 'none', kinds: [], connections: 1 });
  });

  it('emits findings with evidence for endpoints, subscriptions and correlations', () => {
    const f = result.findings.filter((x) => x.kind.startsWith('websocket.'));
    expect(f.filter((x) => x.kind === 'websocket.endpoint')).toHaveLength(6);
    expect(f.find((x) => x.operationId === 'ws_stream' && x.kind === 'websocket.endpoint')?.summary).toBe(
      'WebSocket wss://stream.example.test:9443/stream carries 7 message kind(s) over 2 connection(s) (3 sent, 12 received, 2 heartbeat(s) set aside); received kinds told apart by /data/e: trade, aggTrade, depthUpdate, SUBSCRIBE.result, UNSUBSCRIBE.result.',
    );
    for (const x of f) expect(x.evidence.length).toBeGreaterThan(0);
  });
});

describe('WebSocket analysis: hostile input', () => {
  it('malformed _webSocketMessages give warnings, never a crash', () => {
    const r = analyzeFixture('websocket-hostile');
    expect(r.warnings.map((w) => w.message)).toEqual([
      'capture 0, entry 0: _webSocketMessages is not an array; its frames are skipped.',
      'capture 0, entry 1: 3 WebSocket frame(s) skipped (not an object).',
    ]);
    expect(r.websockets?.find((w) => w.id === 'ws_b')?.kinds.map((k) => k.id)).toContain('receive:ok');
  });

  it('frames over the size cap are counted, not parsed', () => {
    const e = entry({ url: 'wss://ws.example.test/big', status: 101 });
    e._webSocketMessages = [
      { type: 'receive', time: 1767225600, opcode: 1, data: `{"e":"x","pad":"${'a'.repeat(5000)}"}` },
      { type: 'receive', time: 1767225601, opcode: 1, data: '{"e":"x"}' },
    ];
    const r = analyzeLogs([har([e]).log], { maxBodyChars: 1000 });
    expect(r.websockets?.[0]).toMatchObject({ unparsed: 1, received: { messages: 2, maxBytes: 5018 } });
    expect(r.websockets?.[0]?.kinds.map((k) => [k.id, k.messages])).toEqual([['receive:x', 1]]);
    expect(r.warnings.map((w) => w.code)).toContain('websocket.frame_too_large');
  });

  it('200 000 frames of 5 000 distinct kinds stay bounded: (other) and a warning', () => {
    const frames: HarEntry['_webSocketMessages'] = [];
    for (let i = 0; i < 200_000; i++)
      frames.push({
        type: 'receive',
        time: 1767225600 + i / 1000,
        opcode: 1,
        data: `{"type":"k${i % 5000}x","v":${i}}`,
      });
    const e = entry({ url: 'wss://ws.example.test/many', status: 101 });
    e._webSocketMessages = frames;
    const r = analyzeLogs([har([e]).log]);
    const w = r.websockets?.[0];
    // `type` has too many values to be a discriminator here: kinds by the next field or (other).
    expect(w?.received.messages).toBe(200_000);
    expect(w?.kinds.length).toBeLessThanOrEqual(401);
    expect(w?.kinds.reduce((n, k) => n + k.messages, 0)).toBe(200_000);
    expect(w?.kinds.some((k) => k.name === '(other)')).toBe(true);
    expect(r.warnings.map((x) => x.code)).toContain('websocket.kinds_capped');
  });

  it('monotonic frame clocks (CDP timestamps) are anchored at the entry start', () => {
    const e = entry({ url: 'wss://ws.example.test/mono', status: 101, time: '2026-01-01T00:00:00.000Z' });
    e._webSocketMessages = [
      { type: 'receive', time: 81234.5, opcode: 1, data: '{"e":"x"}' },
      { type: 'receive', time: 81236.5, opcode: 1, data: '{"e":"x"}' },
    ];
    const w = analyzeLogs([har([e]).log]).websockets?.[0];
    expect(w).toMatchObject({ frameClock: 'monotonic', firstSeen: '2026-01-01T00:00:00.000Z' });
    expect(w?.kinds[0]).toMatchObject({ lastSeen: '2026-01-01T00:00:02.000Z', ratePerSecond: 0.5 });
  });

  it("a Chrome DevTools export's WebSocket is read like ours", () => {
    const log = JSON.parse(readFileSync(new URL('../fixtures/har/chrome.har', import.meta.url), 'utf8')) as {
      log: HarLog;
    };
    const r = analyzeLogs([log.log]);
    const w = r.websockets?.find((x) => x.origin === 'wss://ws.example.test');
    expect(w?.kinds.map((k) => k.id)).toEqual(['send:SUBSCRIBE', 'receive:SUBSCRIBE.result']);
    expect(w?.subscriptions.map((s) => s.request)).toEqual(['send:SUBSCRIBE', 'url']);
    expect(r.operations.some((o) => o.origin.startsWith('ws'))).toBe(false);
  });

  it('entries without WebSocket traits produce no websocket section', () => {
    const r = analyzeLogs([
      har([entry({ url: 'https://api.example.test/v1/a', response: { ok: true } })]).log,
    ]);
    expect(r.websockets).toBeUndefined();
  });
});

describe('frame decoding', () => {
  it.each([
    [{ type: 'send', opcode: 1, data: 'ping' }, 'heartbeat'],
    [{ type: 'receive', opcode: 1, data: '{"op":"pong","ts":1}' }, 'heartbeat'],
    [{ type: 'receive', opcode: 1, data: '{"ping":1767225600000}' }, 'heartbeat'],
    [{ type: 'receive', opcode: 9, data: '' }, 'heartbeat'],
    [{ type: 'receive', opcode: 2, data: 'AQIDBA==' }, 'binary'],
    [{ type: 'receive', opcode: 8, data: '' }, 'close'],
    [{ type: 'receive', opcode: 1, data: '{"e":"trade"}' }, 'json'],
    [{ type: 'receive', opcode: 1, data: '{"e":' }, 'invalid-json'],
    [{ type: 'receive', opcode: 1, data: 'MESSAGE\ndestination:/topic/a\n\n{}' }, 'text'],
    [{ type: 'receive', data: 5 }, 'malformed'],
    [null, 'malformed'],
  ])('%j is %s', (frame, kind) => {
    expect(decodeFrame(frame, false, 1_000_000).kind).toBe(kind);
  });

  it('engine.io / socket.io packets', () => {
    expect(decodeFrame({ type: 'receive', opcode: 1, data: '2' }, true, 1e6)).toMatchObject({
      kind: 'heartbeat',
      form: 'engine.io ping',
    });
    expect(
      decodeFrame({ type: 'send', opcode: 1, data: '42/chat,7["msg",{"a":1},2]' }, true, 1e6),
    ).toMatchObject({
      kind: 'socket.io',
      packet: 'event',
      namespace: '/chat',
      ackId: '7',
      event: 'msg',
      payload: [{ a: 1 }, 2],
    });
    expect(
      decodeFrame(
        { type: 'receive', opcode: 1, data: '451-["upload",{"_placeholder":true,"num":0}]' },
        true,
        1e6,
      ),
    ).toMatchObject({ kind: 'socket.io', packet: 'event', event: 'upload' });
    // Without engine.io, a digit is just text.
    expect(decodeFrame({ type: 'receive', opcode: 1, data: '2' }, false, 1e6).kind).toBe('text');
  });

  it('templates stream names: symbols and ids, not method names', () => {
    expect(templateTopic('btcusdt@depth20@100ms')).toBe('{symbol}@depth20@100ms');
    expect(templateTopic('market.BTC-USDT.kline.1min')).toBe('market.{symbol}.kline.1min');
    expect(templateTopic('eth_getBalance')).toBe('eth_getBalance');
    expect(templateTopic('orders:3f1c9a52-8a0e-4e8b-9d7e-6f1b2a3c4d5e')).toBe('orders:{id}');
  });
});
