/**
 * `replay --out-har` keeps the replayed WebSocket connections as DevTools does (101, `_webSocketMessages`),
 * with the listenKey in the URL and the session cookie masked, bounded by --ws-max-messages, and the file
 * validates and re-analyzes to the same endpoints and kinds; a handshake the server refuses or cuts is
 * written too, as DevTools writes one (its answer or status 0 and `_error`, no frames). Against
 * test/replay/ws-server.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { CAPTURED_KEY, captureHar } from './ws-capture.js';
import { SESSION, startWsServer, type WsAppServer } from './ws-server.js';

const tempDir = useTempDirs('ledgertap-ws-har-');

interface Har {
  log: {
    entries: {
      request: { method: string; url: string; headers: { name: string; value: string }[] };
      response: {
        status: number;
        statusText: string;
        headers: { name: string; value: string }[];
        content: { text?: string };
        _error?: string;
      };
      _step?: string;
      _resourceType?: string;
      _webSocketMessages?: { type: string; time: number; opcode: number; data: string }[];
      _webSocketMessagesDropped?: number;
    }[];
  };
}
type Model = { websockets: { id: string; kinds: { id: string }[] }[] };

describe('replay --out-har with WebSocket endpoints', () => {
  let server: WsAppServer;
  beforeAll(async () => {
    server = await startWsServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** A temporary folder holding the WebSocket capture and the model analyzed from it. */
  async function analyzedCapture(): Promise<{ dir: string; modelPath: string }> {
    const dir = await tempDir();
    const capture = join(dir, 'capture.har');
    await writeFile(capture, JSON.stringify(captureHar()));
    const modelPath = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', capture, '--out', modelPath], { cwd: dir })).code).toBe(0);
    return { dir, modelPath };
  }

  /** `replay` of the model against the test server, run in `dir`, with `flags`. */
  function replayCli(dir: string, modelPath: string, flags: string[]): ReturnType<typeof runCliInProcess> {
    return runCliInProcess(['replay', '--model', modelPath, '--base-url', server.url, ...flags], {
      cwd: dir,
    });
  }

  /** Checks that the live HAR `out` validates and analyzes, and returns the model analyzed from it. */
  async function reanalyzed(dir: string, out: string): Promise<Model> {
    expect((await runCliInProcess(['har', 'validate', out], { cwd: dir })).code).toBe(0);
    const again = join(dir, 'again.json');
    const analyzed = await runCliInProcess(['analyze', out, '--out', again], { cwd: dir });
    expect(analyzed.code, analyzed.stderr).toBe(0);
    return JSON.parse(await readFile(again, 'utf8')) as Model;
  }

  it('writes each connection with its frames, masks the listenKey and the cookie, and re-analyzes the same', async () => {
    server.changes = {};
    const { dir, modelPath } = await analyzedCapture();
    const cookies = join(dir, 'cookies.json');
    await writeFile(cookies, JSON.stringify([{ name: 'session', value: SESSION, domain: '127.0.0.1' }]));
    const out = join(dir, 'live.har');
    const replay = (file: string, extra: string[]): ReturnType<typeof runCliInProcess> =>
      replayCli(dir, modelPath, [
        '--cookies',
        cookies,
        '--allow-write',
        'post_api_v3_userDataStream',
        '--yes',
        '--ws-duration-ms',
        '800',
        '--out-har',
        file,
        ...extra,
      ]);
    const result = await replay(out, []);
    expect(result.code, result.stderr + result.stdout).toBe(0);

    const written = await readFile(out, 'utf8');
    const har = JSON.parse(written) as Har;
    const sockets = har.log.entries.filter((e) => e._resourceType === 'websocket');
    const fresh = server.issuedKeys.at(-1) as string;
    // Nowhere: not in the socket's URL, nor in the answer of the call that issued it.
    const issuing = har.log.entries.find((e) => e._step === 'post_api_v3_userDataStream');
    expect(JSON.parse(issuing?.response.content.text ?? '')).toEqual({ listenKey: '***' });
    expect(written).not.toContain(fresh);
    expect(written).not.toContain(CAPTURED_KEY);
    expect(written).not.toContain(SESSION);
    expect(sockets.map((e) => e._step).sort()).toEqual(['ws_rpc', 'ws_stream', 'ws_ws_listenKey']);
    for (const e of sockets) {
      expect(e.response.status).toBe(101);
      expect(e.request.method).toBe('GET');
    }
    const user = sockets.find((e) => e._step === 'ws_ws_listenKey');
    expect(user?.request.url).toMatch(/\/ws\/\*\*\*$/);
    expect(user?._webSocketMessages?.length).toBeGreaterThan(5);
    const rpc = sockets.find((e) => e._step === 'ws_rpc');
    expect(rpc?.request.headers.find((h) => h.name.toLowerCase() === 'cookie')?.value).toBe('***');
    expect(
      rpc?._webSocketMessages?.filter((m) => m.type === 'send').map((m) => JSON.parse(m.data).method),
    ).toEqual(['eth_subscribe', 'eth_getBalance']);
    // The server's protocol ping and the client's pong are kept as control frames.
    const stream = sockets.find((e) => e._step === 'ws_stream');
    const control = (stream?._webSocketMessages ?? [])
      .filter((m) => m.opcode >= 8)
      .map((m) => `${m.type} ${m.opcode}`);
    expect(control).toEqual(['receive 9', 'send 10']);

    const live = await reanalyzed(dir, out);
    const kinds = (m: Model, id: string): string[] =>
      (m.websockets.find((w) => w.id === id)?.kinds ?? []).map((k) => k.id).sort();
    const original = JSON.parse(await readFile(modelPath, 'utf8')) as Model;
    expect(kinds(live, 'ws_stream')).toEqual(kinds(original, 'ws_stream'));
    // The write was not sent, so neither it nor its answer is in the live capture.
    expect(kinds(live, 'ws_rpc')).toEqual(
      kinds(original, 'ws_rpc').filter((k) => !k.includes('eth_sendTransaction')),
    );

    // Frames kept per connection are bounded by what replay collects (--ws-max-messages) plus what it sends.
    const bounded = join(dir, 'bounded.har');
    expect((await replay(bounded, ['--operation', 'ws_stream', '--ws-max-messages', '5'])).code).toBe(0);
    const small = (JSON.parse(await readFile(bounded, 'utf8')) as Har).log.entries.find(
      (e) => e._step === 'ws_stream',
    );
    expect(small?._webSocketMessages?.filter((m) => m.type === 'receive' && m.opcode === 1).length).toBe(5);
  });

  it('writes a handshake the server refuses as DevTools does: the request with its cookie masked, the 401 and its headers, no frames; it validates and re-analyzes to the endpoint', async () => {
    server.changes = {};
    const { dir, modelPath } = await analyzedCapture();
    const stale = 'staleSessionValue0123456789abcdef';
    const cookies = join(dir, 'cookies.json');
    await writeFile(cookies, JSON.stringify([{ name: 'session', value: stale, domain: '127.0.0.1' }]));
    const out = join(dir, 'refused.har');
    const before = server.handshakes.length;
    const run = await replayCli(dir, modelPath, [
      '--cookies',
      cookies,
      '--operation',
      'ws_rpc',
      '--ws-duration-ms',
      '300',
      '--out-har',
      out,
      '--json',
    ]);
    expect(server.handshakes.slice(before)).toEqual([{ path: '/rpc', status: 401 }]);
    const parsed = JSON.parse(run.stdout) as {
      websockets: {
        results: { endpointId: string; kind: string; drifts?: { kind: string; actual?: string }[] }[];
      };
    };
    const result = parsed.websockets.results.find((r) => r.endpointId === 'ws_rpc');
    expect(result?.drifts?.map((d) => `${d.kind} ${d.actual ?? ''}`)).toEqual(['auth_rejected 401']);
    expect(run.code).toBe(1);

    const written = await readFile(out, 'utf8');
    expect(written).not.toContain(stale);
    const entries = (JSON.parse(written) as Har).log.entries;
    expect(entries.map((e) => e._step)).toEqual(['ws_rpc']);
    const e = entries[0] as Har['log']['entries'][number];
    expect(e._resourceType).toBe('websocket');
    expect(e.request.method).toBe('GET');
    expect(e.request.url).toBe(`${server.url.replace(/^http/, 'ws')}/rpc`);
    expect(e.request.headers.find((h) => h.name.toLowerCase() === 'cookie')?.value).toBe('***');
    expect(e.response.status).toBe(401);
    expect(e.response.statusText).toBe('Unauthorized');
    expect(e.response.headers).toContainEqual({ name: 'connection', value: 'close' });
    expect(e.response._error).toBeUndefined();
    expect(e._webSocketMessages).toEqual([]);

    const live = await reanalyzed(dir, out);
    expect(live.websockets.map((w) => w.id)).toEqual(['ws_rpc']);
  });

  it('writes a handshake the server cuts before answering with status 0 and the error, no frames', async () => {
    const { dir, modelPath } = await analyzedCapture();
    // Accepts the TCP connection and drops it without a byte: no HTTP answer to the upgrade at all.
    const cutter: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => cutter.listen(0, '127.0.0.1', resolve));
    const { port } = cutter.address() as AddressInfo;
    try {
      const out = join(dir, 'cut.har');
      const run = await replayCli(dir, modelPath, [
        '--ws-base-url',
        `ws://127.0.0.1:${port}`,
        '--operation',
        'ws_stream',
        '--out-har',
        out,
        '--json',
      ]);
      const parsed = JSON.parse(run.stdout) as {
        websockets: { results: { endpointId: string; kind: string; error?: string }[] };
      };
      const result = parsed.websockets.results.find((r) => r.endpointId === 'ws_stream');
      expect(result?.kind).toBe('failed');
      const entries = (JSON.parse(await readFile(out, 'utf8')) as Har).log.entries;
      expect(entries.map((e) => e._step)).toEqual(['ws_stream']);
      const e = entries[0] as Har['log']['entries'][number];
      expect(e.request.url).toBe(`ws://127.0.0.1:${port}/stream?streams=btcusdt@trade`);
      expect(e.response.status).toBe(0);
      expect(e.response._error).toBe(result?.error);
      expect(e.response._error).toMatch(/socket hang up|ECONNRESET|closed/i);
      expect(e._resourceType).toBe('websocket');
      expect(e._webSocketMessages).toEqual([]);
      expect((await runCliInProcess(['har', 'validate', out], { cwd: dir })).code).toBe(0);
    } finally {
      await new Promise<void>((resolve) => cutter.close(() => resolve()));
    }
  });
});
