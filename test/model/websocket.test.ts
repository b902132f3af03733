import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import {
  buildProtocolModel,
  mergeProtocolModels,
  renderTypeScript,
  toOpenApi,
  validateOpenApi,
  validateProtocolModel,
  type ProtocolModel,
} from '../../model/index.js';
import { protocolReport, renderHtml, renderMarkdown } from '../../reports/index.js';
import { fixture } from '../analyzers/fixtures.js';

function modelOf(names: string[]): ProtocolModel {
  return buildProtocolModel(analyzeLogs(names.map((n) => fixture(n).log)), {
    captures: names.map((n) => ({ file: `${n}.har`, entries: fixture(n).log.entries.length })),
    generator: { name: 'ledgertap', version: 'test' },
  });
}

describe('ProtocolModel: websockets', () => {
  const model = modelOf(['websocket']);

  it('carries the websocket section, valid against the schema, with credentials linked', () => {
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.websockets?.map((w) => w.id)).toHaveLength(6);
    expect(model.websockets?.find((w) => w.id === 'ws_ws_listenKey')?.credentials).toEqual([
      'path:listenKey',
    ]);
    // A broken section is caught.
    const broken = structuredClone(model);
    (broken.websockets?.[0] as unknown as Record<string, unknown>).framing = 'carrier-pigeon';
    expect(validateProtocolModel(broken)).not.toEqual([]);
  });

  it('models without WebSocket traffic have no websockets key (the section is additive)', () => {
    const plain = modelOf(['templates']);
    expect('websockets' in plain).toBe(false);
    expect('x-websockets' in toOpenApi(plain)).toBe(false);
  });

  it('merging two models adds counts and keeps one endpoint per URL template', () => {
    const merged = mergeProtocolModels([model, modelOf(['websocket'])]);
    expect(validateProtocolModel(merged)).toEqual([]);
    expect(merged.websockets).toHaveLength(6);
    const stream = merged.websockets?.find((w) => w.id === 'ws_stream');
    expect(stream?.connections).toBe(4);
    expect(stream?.kinds.find((k) => k.id === 'receive:trade')?.messages).toBe(10);
    const trade = stream?.kinds.find((k) => k.id === 'receive:trade');
    expect(trade?.evidence.map((e) => e.capture)).toEqual([0, 0, 0]);
    expect(merged.auth.credentials.find((c) => c.id === 'path:listenKey')?.consumers).toEqual([
      'ws_ws_listenKey',
    ]);
  });

  it('OpenAPI: x-websockets with messages per direction, and the document still validates', async () => {
    const doc = toOpenApi(model);
    expect(await validateOpenApi(doc)).toEqual([]);
    const list = doc['x-websockets'] as {
      operationId: string;
      url: string;
      receive: { name: string; schema: unknown; discriminator?: unknown }[];
      send: { name: string }[];
    }[];
    const stream = list.find((w) => w.operationId === 'ws_stream');
    expect(stream?.url).toBe('wss://stream.example.test:9443/stream');
    expect(stream?.send.map((m) => m.name)).toEqual(['SUBSCRIBE', 'UNSUBSCRIBE']);
    expect(stream?.receive.find((m) => m.name === 'trade')?.discriminator).toEqual({
      pointer: '/data/e',
      value: 'trade',
    });
    // Path and message credentials have no OpenAPI security scheme.
    expect(JSON.stringify((doc.components as { securitySchemes: unknown }).securitySchemes)).not.toMatch(
      /listenKey/,
    );
  });

  it('TypeScript: one type per message kind, the discriminator pinned, a union per direction', async () => {
    const ts = await renderTypeScript(model);
    expect(ts).toMatch(/export interface WsStreamReceiveTrade \{\n {2}data: \{[^}]*e: "trade";/);
    expect(ts).toMatch(/export interface WsWsListenKeyReceiveExecutionReport \{[^}]*e: "executionReport";/);
    expect(ts).toContain(
      'export type WsStreamReceiveMessage = WsStreamReceiveTrade | WsStreamReceiveAggTrade | WsStreamReceiveDepthUpdate | WsStreamReceiveSUBSCRIBEResult | WsStreamReceiveUNSUBSCRIBEResult;',
    );
    expect(ts).toMatch(/export interface WsSocketIoReceiveOrder \{/);
  });

  it('report: a WebSocket section in Markdown and HTML', () => {
    const doc = protocolReport(model);
    const md = renderMarkdown(doc);
    expect(md).toContain('## WebSocket endpoints');
    expect(md).toContain('| `ws_stream` | wss://stream.example.test:9443/stream | 2 |');
    expect(md).toContain('| receive | `trade` | event | /data/e = trade | 5 |');
    expect(md).toContain(
      '| `send:SUBSCRIBE` | subscribe | {symbol}@depth | receive:depthUpdate (topic, 90 %) | 1 |',
    );
    expect(md).toContain('| `send:eth_getBalance` | `receive:eth_getBalance.error` | /id | 1 | 0 | 250 ms |');
    const html = renderHtml(doc);
    expect(html).toContain('<h2>WebSocket endpoints</h2>');
    expect(html).toContain('<code>ws_ws_listenKey</code>');
  });
});
