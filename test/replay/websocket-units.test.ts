import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProtocolModel } from '../../model/index.js';
import { decodeText, loadReplaySamples, planMessages } from '../../replay/index.js';
import { repoRoot, runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-ws-units-');

describe('decodeText', () => {
  it.each([
    ['ping', { kind: 'heartbeat', form: 'ping', answer: 'pong' }],
    ['PING', { kind: 'heartbeat', form: 'ping', answer: 'PONG' }],
    ['pong', { kind: 'heartbeat', form: 'pong' }],
    ['{"ping":1767225700000}', { kind: 'heartbeat', form: '{"ping":…}', answer: '{"pong":1767225700000}' }],
    ['{"op":"ping"}', { kind: 'heartbeat', form: '{"op":"ping"}', answer: '{"op":"pong"}' }],
    ['{"e":"trade","p":"1"}', { kind: 'json', value: { e: 'trade', p: '1' } }],
    ['{"not":"json"', { kind: 'invalid-json' }],
    ['MESSAGE\nbody', { kind: 'text', word: 'MESSAGE' }],
    ['hello world', { kind: 'text' }],
  ])('%s', (text, expected) => {
    expect(decodeText(text)).toEqual(expected);
  });
});

describe('planMessages on the WebSocket fixture', () => {
  it('sends subscribes and reads, holds back unsubscribes, unknown-effect requests and binary frames', async () => {
    const dir = await tempDir();
    const modelPath = join(dir, 'model.json');
    const har = join(repoRoot, 'test/fixtures/analyze/websocket.har');
    const analyze = await runCliInProcess(['analyze', har, '--out', modelPath], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
    const model = await loadProtocolModel(modelPath);
    const samples = await loadReplaySamples(model, { capturePaths: [har] });
    const plan = (id: string, allow: string[] = []): ReturnType<typeof planMessages> => {
      const endpoint = model.websockets?.find((w) => w.id === id);
      const sample = samples.entries.get(`ws:${id}`);
      if (!endpoint || !sample) throw new Error(`no ${id}`);
      return planMessages(endpoint, sample, new Set(allow));
    };
    const rpc = plan('ws_v1');
    expect(rpc.send.map((m) => m.kind?.name)).toEqual(['eth_subscribe', 'eth_getBalance', 'eth_getBalance']);
    expect(rpc.heldBack.map((h) => h.message)).toEqual(['ws_v1/eth_chainId']);
    expect(rpc.heldBack[0]?.reason).toContain('--allow-write ws_v1/eth_chainId');
    expect(plan('ws_v1', ['ws_v1/eth_chainId']).send.map((m) => m.kind?.name)).toContain('eth_chainId');
    const stream = plan('ws_stream');
    expect(stream.send.map((m) => m.kind?.name)).toEqual(['SUBSCRIBE']);
    expect(stream.send[0]?.id).toBe('1');
    expect(stream.heldBack).toEqual([
      { message: 'ws_stream/UNSUBSCRIBE', reason: 'an unsubscribe: it would end the streams being checked' },
    ]);
    expect(plan('ws_feed').heldBack.map((h) => h.message)).toEqual(['ws_feed/(binary)']);
  });
});
