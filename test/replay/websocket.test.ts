/**
 * WebSocket replay end to end through the CLI: a capture with a combined stream, a user data stream whose
 * listenKey a REST call issued, and a JSON-RPC socket is analyzed into a model and replayed against a live
 * server on 127.0.0.1 (test/replay/ws-server.ts), unchanged and then changed the way backends change.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { CAPTURED_KEY, captureHar } from './ws-capture.js';
import { SESSION, startWsServer, type WsAppServer } from './ws-server.js';

const tempDir = useTempDirs('ledgertap-ws-replay-');
interface WsRun {
  websockets: {
    summary: Record<string, number>;
    results: {
      endpointId: string;
      url: string;
      kind: string;
      reason?: string;
      drifts?: { kind: string; messageKind?: string; pointer: string; expected?: string; actual?: string }[];
      kinds?: { kind: string; messages: number }[];
      heldBack?: { message: string; reason: string }[];
      received?: { messages: number; pingsAnswered: number };
      stoppedBy?: string;
      close?: { by: string; code: number };
    }[];
  };
}

describe('WebSocket replay against a live server', () => {
  let server: WsAppServer;
  let dir: string;
  let modelPath: string;
  let cookiePath: string;

  beforeAll(async () => {
    server = await startWsServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function analyzed(): Promise<void> {
    dir = await tempDir();
    const har = join(dir, 'capture.har');
    await writeFile(har, JSON.stringify(captureHar()));
    modelPath = join(dir, 'model.json');
    const analyze = await runCliInProcess(['analyze', har, '--out', modelPath], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
    cookiePath = join(dir, 'cookies.json');
    await writeFile(cookiePath, JSON.stringify([{ name: 'session', value: SESSION, domain: '127.0.0.1' }]));
  }

  const replay = (extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    runCliInProcess(
      ['replay', '--model', modelPath, '--base-url', server.url, '--ws-duration-ms', '1200', ...extra],
      { cwd: dir },
    );
  const byId = (run: WsRun, id: string): WsRun['websockets']['results'][number] | undefined =>
    run.websockets.results.find((r) => r.endpointId === id);
  const rpcMethods = (): string[] =>
    server.received
      .filter((r) => r.path === '/rpc')
      .map((r) => (JSON.parse(r.data) as { method: string }).method);

  it('connects with the live session and a freshly issued listenKey, sends only safe messages, and finds no drift', async () => {
    server.changes = {};
    await analyzed();
    const model = JSON.parse(await readFile(modelPath, 'utf8')) as { websockets: { id: string }[] };
    expect(model.websockets.map((w) => w.id).sort()).toEqual(['ws_rpc', 'ws_stream', 'ws_ws_listenKey']);
    server.received.length = 0;
    server.revokedKeys.add(CAPTURED_KEY);
    const keysBefore = server.issuedKeys.length;
    const pongsBefore = server.pongs;
    const result = await replay([
      '--cookies',
      cookiePath,
      '--allow-write',
      'post_api_v3_userDataStream',
      '--yes',
      '--json',
      '--report',
      join(dir, 'drift.md'),
    ]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const run = JSON.parse(result.stdout) as WsRun;
    expect(run.websockets.summary).toMatchObject({ ok: 3, drift: 0, failed: 0, skipped: 0 });

    const stream = byId(run, 'ws_stream');
    const kinds = Object.fromEntries((stream?.kinds ?? []).map((k) => [k.kind, k.messages]));
    expect(kinds['receive:trade']).toBeGreaterThan(10);
    expect(kinds['receive:depthUpdate']).toBeGreaterThan(10);
    expect(kinds['receive:SUBSCRIBE.result']).toBe(1);
    expect(stream?.close).toMatchObject({ by: 'client', code: 1000 });
    // The server's protocol ping was answered.
    expect(server.pongs).toBeGreaterThan(pongsBefore);
    expect(stream?.received?.pingsAnswered).toBeGreaterThanOrEqual(1);

    // The listenKey came from re-issuing the issuing call now, not from the capture.
    expect(server.issuedKeys.length).toBe(keysBefore + 1);
    const fresh = server.issuedKeys[server.issuedKeys.length - 1] as string;
    expect(server.connectedKeys.at(-1)).toBe(fresh);
    const user = byId(run, 'ws_ws_listenKey');
    expect(user?.kind).toBe('ok');
    expect(user?.url).toContain('/ws/***');
    expect(result.stdout).not.toContain(fresh);
    expect(result.stdout).not.toContain(CAPTURED_KEY);

    // The subscribe and the read were sent; the write never reached the server.
    expect(rpcMethods()).toEqual(['eth_subscribe', 'eth_getBalance']);
    const rpc = byId(run, 'ws_rpc');
    expect(rpc?.kind).toBe('ok');
    expect(rpc?.heldBack?.map((h) => h.message)).toContain('ws_rpc/eth_sendTransaction');
    expect(rpc?.heldBack?.find((h) => h.message === 'ws_rpc/eth_sendTransaction')?.reason).toContain(
      '--allow-write ws_rpc/eth_sendTransaction',
    );
    expect(
      Object.fromEntries((rpc?.kinds ?? []).map((k) => [k.kind, k.messages]))['receive:eth_subscription'],
    ).toBeGreaterThan(10);
    const md = await readFile(join(dir, 'drift.md'), 'utf8');
    expect(md).toContain('# WebSocket');
    expect(md).toContain('3 WebSocket endpoints: 3 unchanged');
    expect(md).toContain('ws_rpc/eth_sendTransaction');
    expect(md).not.toContain(fresh);
  });

  it('reports a renamed field, a new kind and a stream that stopped, by name, in JSON, text and the report', async () => {
    server.changes = { renameTradePrice: true, addKline: true, stopDepth: true };
    await analyzed();
    const result = await replay([
      '--cookies',
      cookiePath,
      '--operation',
      'ws_stream',
      '--json',
      '--report',
      join(dir, 'drift.html'),
    ]);
    expect(result.code, result.stderr).toBe(1);
    const run = JSON.parse(result.stdout) as WsRun;
    expect(run.websockets.results.map((r) => r.endpointId)).toEqual(['ws_stream']);
    const stream = byId(run, 'ws_stream');
    expect(stream?.kind).toBe('drift');
    const drifts = (stream?.drifts ?? []).map(
      (d) => `${d.kind} ${d.messageKind ?? ''} ${d.pointer} ${d.expected ?? ''}->${d.actual ?? ''}`,
    );
    expect(drifts).toContain('field_renamed receive:trade /data/p p->price');
    expect(drifts).toContain('kind_added receive:kline /data/e ->kline');
    expect(drifts.some((d) => d.startsWith('kind_missing receive:depthUpdate '))).toBe(true);
    // The acknowledged subscription is not reported as unacknowledged.
    expect(drifts.some((d) => d.startsWith('subscription_unacknowledged'))).toBe(false);
    const html = await readFile(join(dir, 'drift.html'), 'utf8');
    expect(html).toContain('WebSocket drift');
    expect(html).toContain('field_renamed');
    expect(html).toContain('kind_missing');

    const text = await replay(['--cookies', cookiePath, '--operation', 'ws_stream']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('replayed 1 WebSocket endpoints: 0 unchanged, 1 drifted');
    expect(text.stdout).toContain('drift  ws_stream: trade: /data/p is now named price.');
    expect(text.stdout).toMatch(/drift {2}ws_stream: depthUpdate no longer arrives/);
  });

  it('reports a subscription the server no longer acknowledges', async () => {
    server.changes = { ignoreSubscribe: true };
    await analyzed();
    const result = await replay(['--operation', 'ws_stream', '--json']);
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as WsRun;
    const kinds = (byId(run, 'ws_stream')?.drifts ?? []).map((d) => `${d.kind} ${d.messageKind ?? ''}`);
    expect(kinds).toContain('subscription_unacknowledged send:SUBSCRIBE');
    expect(kinds).toContain('kind_missing receive:depthUpdate');
    expect(kinds.some((k) => k.startsWith('field_'))).toBe(false);
  });

  it('reports a close by the server with its code, and ends a connection at the frame size limit', async () => {
    server.changes = { closeWith: { code: 4001, reason: 'maintenance' } };
    await analyzed();
    const closed = await replay(['--operation', 'ws_stream', '--json']);
    expect(closed.code).toBe(1);
    const stream = byId(JSON.parse(closed.stdout) as WsRun, 'ws_stream');
    expect(stream?.drifts?.map((d) => `${d.kind} ${d.actual ?? ''}`)).toContain(
      'connection_closed closed 4001 maintenance',
    );
    expect(stream?.close).toMatchObject({ by: 'server', code: 4001 });

    server.changes = { bigFrame: 4096 };
    const big = await replay(['--operation', 'ws_stream', '--ws-max-frame-bytes', '1024', '--json']);
    const run = JSON.parse(big.stdout) as WsRun & { warnings: string[] };
    expect(byId(run, 'ws_stream')).toMatchObject({ stoppedBy: 'frame-limit', received: { messages: 0 } });
    expect(run.warnings.join('\n')).toContain('larger than 1024 bytes');
    const bad = await replay(['--ws-duration-ms', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ws-duration-ms');
  });

  it('re-issues a listenKey without --allow-write (a session call, not a write), reports a rejected handshake, and sends a WebSocket write only when named', async () => {
    server.changes = {};
    await analyzed();
    server.received.length = 0;
    const keysBefore = server.issuedKeys.length;
    const connectedBefore = server.connectedKeys.length;
    const result = await replay(['--json']);
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as WsRun;
    const user = byId(run, 'ws_ws_listenKey');
    expect(user?.kind).toBe('ok');
    expect(server.issuedKeys.length).toBe(keysBefore + 1);
    expect(server.connectedKeys.length).toBe(connectedBefore + 1);
    // No session cookie: the JSON-RPC handshake is refused, and that is drift by name.
    const rpc = byId(run, 'ws_rpc');
    expect(rpc?.drifts?.map((d) => `${d.kind} ${d.actual ?? ''}`)).toEqual(['auth_rejected 401']);
    expect(rpcMethods()).toEqual([]);

    const unconfirmed = await replay(['--allow-write', 'ws_rpc/eth_sendTransaction']);
    expect(unconfirmed.code).toBe(2);
    const unknown = await replay(['--allow-write', 'ws_rpc/eth_nope', '--yes']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('ws_rpc/eth_nope');
    const allowed = await replay([
      '--cookies',
      cookiePath,
      '--operation',
      'ws_rpc',
      '--allow-write',
      'ws_rpc/eth_sendTransaction',
      '--yes',
      '--json',
    ]);
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(rpcMethods()).toEqual(['eth_subscribe', 'eth_getBalance', 'eth_sendTransaction']);
  });
});
