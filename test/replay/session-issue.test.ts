/**
 * Replay re-issues a session-issuing call without --allow-write: the capture's `POST /api/v3/userDataStream`
 * (X-MBX-APIKEY) issued the listenKey of `wss://…/ws/{listenKey}`; analyzed, it is a session call, so a
 * replay against a live server on 127.0.0.1 issues a fresh key and opens the user data stream with it,
 * while the `POST /api/v3/order` of the same capture stays a write and is refused.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarEntry, HarFile } from '../../har/index.js';
import { bareEntry } from '../har/fixtures.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { CAPTURED_KEY, captureHar } from './ws-capture.js';
import { API_KEY, startWsServer, type WsAppServer } from './ws-server.js';

const tempDir = useTempDirs('ledgertap-session-issue-');

/** The order the holder placed during the capture, with its business parameters in the query. */
function orderEntry(): HarEntry {
  const url =
    'https://api.example.test/api/v3/order?symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&timestamp=1767225700000';
  const e = bareEntry(url, '2026-01-01T00:01:40.000Z', 5);
  e.request.method = 'POST';
  e.request.headers = [{ name: 'X-MBX-APIKEY', value: API_KEY }];
  e.request.queryString = [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  const body = JSON.stringify({ symbol: 'BTCUSDT', orderId: 28, status: 'FILLED' });
  e.response.headers = [{ name: 'content-type', value: 'application/json' }];
  e.response.content = { size: body.length, mimeType: 'application/json', text: body };
  return e;
}

interface Run {
  results: { operationId: string; kind: string; reason?: string }[];
  websockets: { results: { endpointId: string; kind: string; reason?: string; url: string }[] };
}

describe('session issuance in replay', () => {
  let server: WsAppServer;
  beforeAll(async () => {
    server = await startWsServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('re-issues the listenKey without --allow-write and refuses the order', async () => {
    const dir = await tempDir();
    const capture = captureHar() as HarFile;
    capture.log.entries.push(orderEntry());
    const harPath = join(dir, 'capture.har');
    await writeFile(harPath, JSON.stringify(capture));
    const modelPath = join(dir, 'model.json');
    const analyze = await runCliInProcess(['analyze', harPath, '--out', modelPath], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
    const model = JSON.parse(await readFile(modelPath, 'utf8')) as {
      operations: { id: string; classification: { effect: string } }[];
      auth: { calls: { role: string; operationId: string }[] };
    };
    const effects = Object.fromEntries(model.operations.map((o) => [o.id, o.classification.effect]));
    expect(effects).toMatchObject({ post_api_v3_userDataStream: 'session', post_api_v3_order: 'write' });
    expect(model.auth.calls).toContainEqual(
      expect.objectContaining({ role: 'session-issue', operationId: 'post_api_v3_userDataStream' }),
    );

    server.revokedKeys.add(CAPTURED_KEY);
    const keysBefore = server.issuedKeys.length;
    const result = await runCliInProcess(
      [
        'replay',
        '--model',
        modelPath,
        '--base-url',
        server.url,
        '--operation',
        'post_api_v3_userDataStream',
        '--operation',
        'post_api_v3_order',
        '--operation',
        'ws_ws_listenKey',
        '--ws-duration-ms',
        '600',
        '--json',
      ],
      { cwd: dir },
    );
    const run = JSON.parse(result.stdout) as Run;
    const order = run.results.find((r) => r.operationId === 'post_api_v3_order');
    expect(order?.kind).toBe('skipped');
    expect(order?.reason).toContain('classified as a write');
    // One fresh key, issued now, opened the user data stream; the captured one is revoked.
    expect(server.issuedKeys.length).toBe(keysBefore + 1);
    expect(server.connectedKeys.at(-1)).toBe(server.issuedKeys.at(-1));
    const user = run.websockets.results.find((r) => r.endpointId === 'ws_ws_listenKey');
    expect(user?.kind, user?.reason).toBe('ok');
    expect(result.stdout).not.toContain(server.issuedKeys.at(-1) as string);
  });
});
