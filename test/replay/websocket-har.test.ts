/**
 * `replay --out-har` keeps the replayed WebSocket connections as DevTools does (101, `_webSocketMessages`),
 * with the listenKey in the URL and the session cookie masked, bounded by --ws-max-messages, and the file
 * validates and re-analyzes to the same endpoints and kinds. Against test/replay/ws-server.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
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
      response: { status: number; content: { text?: string } };
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

  it('writes each connection with its frames, masks the listenKey and the cookie, and re-analyzes the same', async () => {
    server.changes = {};
    const dir = await tempDir();
    const capture = join(dir, 'capture.har');
    await writeFile(capture, JSON.stringify(captureHar()));
    const modelPath = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', capture, '--out', modelPath], { cwd: dir })).code).toBe(0);
    const cookies = join(dir, 'cookies.json');
    await writeFile(cookies, JSON.stringify([{ name: 'session', value: SESSION, domain: '127.0.0.1' }]));
    const out = join(dir, 'live.har');
    const replay = (file: string, extra: string[]): ReturnType<typeof runCliInProcess> =>
      runCliInProcess(
        [
          'replay',
          '--model',
          modelPath,
          '--base-url',
          server.url,
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
        ],
        { cwd: dir },
      );
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

    expect((await runCliInProcess(['har', 'validate', out], { cwd: dir })).code).toBe(0);
    const again = join(dir, 'again.json');
    const analyzed = await runCliInProcess(['analyze', out, '--out', again], { cwd: dir });
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const kinds = (m: Model, id: string): string[] =>
      (m.websockets.find((w) => w.id === id)?.kinds ?? []).map((k) => k.id).sort();
    const original = JSON.parse(await readFile(modelPath, 'utf8')) as Model;
    const live = JSON.parse(await readFile(again, 'utf8')) as Model;
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
});
