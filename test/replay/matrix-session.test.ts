/**
 * Replay of a servlet that keeps its session in the URL path (`/cart;jsessionid=…/items`): the captured
 * value is stale (or redacted), so replay must write the live one, read from the JSESSIONID cookie its
 * login sets, at the segment the model names; without a session it says what it needs.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarSink } from '../../capture/index.js';
import { createHarWriter, type HarEntry } from '../../har/index.js';
import type { ProtocolModel } from '../../model/index.js';
import { CookieJar } from '../../replay/cookies.js';
import { indexCredentials } from '../../replay/credentials.js';
import { maskedUrl, prepareRequest } from '../../replay/request.js';
import { runCliInProcess } from '../helpers/cli.js';
import { bareEntry } from '../har/fixtures.js';
import { useTempDirs } from '../helpers/tmp.js';
import { fetchAsEntry } from './recording-client.js';

const tempDir = useTempDirs('ledgertap-replay-matrix-');
const USER = { email: 'holder@shop.example.test', password: 'open sesame 42' };

interface ServletServer {
  url: string;
  /** Live session ids, newest last. */
  sessions: string[];
  /** Raw request targets, as the server saw them. */
  targets: string[];
  close(): Promise<void>;
}

/** Logs in with a JSESSIONID cookie and answers the cart only at `/cart;jsessionid=<live id>/items`. */
async function startServlet(): Promise<ServletServer> {
  const sessions: string[] = [];
  const targets: string[] = [];
  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const raw = req.url ?? '/';
      targets.push(raw);
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && raw === '/login') {
        const b = await readJson(req);
        if (b.email !== USER.email || b.password !== USER.password) return json(401, { ok: false });
        const id = randomBytes(16).toString('hex').toUpperCase();
        sessions.push(id);
        return json(200, { ok: true }, { 'set-cookie': `JSESSIONID=${id}; Path=/; HttpOnly` });
      }
      // The cookie alone is not enough here: only the rewritten URL identifies the session.
      const m = /^\/cart;jsessionid=([^/;?]+)\/items$/.exec(raw);
      if (req.method === 'GET' && m && sessions.includes(m[1] as string))
        return json(200, { items: [{ sku: 'A1', qty: 2 }], self: `/cart;jsessionid=${m[1]}/items` });
      json(404, { ok: false, message: 'no such session' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client that logs in and opens the cart twice through the rewritten URL, recording HAR entries. */
async function captureEntries(server: ServletServer): Promise<HarEntry[]> {
  const entries: HarEntry[] = [];
  let session: string | undefined;
  const call = async (method: string, path: string, body?: unknown): Promise<void> => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = text ? { 'content-type': 'application/json' } : {};
    const { entry, response } = await fetchAsEntry(method, `${server.url}${path}`, headers, text);
    const cookie = /^JSESSIONID=([^;]+)/.exec(response.headers.getSetCookie()[0] ?? '');
    if (cookie) session = cookie[1];
    entries.push(entry);
  };
  await call('POST', '/login', USER);
  expect(session).toBeDefined();
  await call('GET', `/cart;jsessionid=${session}/items`);
  await call('GET', `/cart;jsessionid=${session}/items`);
  expect(entries.map((e) => e.response.status)).toEqual([200, 200, 200]);
  return entries;
}

interface Run {
  session: { loggedIn: boolean };
  results: { operationId: string; kind: string; url: string; status?: number; reason?: string }[];
  warnings: string[];
}

describe('replay of a session id carried in the URL path', () => {
  let server: ServletServer;
  beforeAll(async () => {
    server = await startServlet();
  });
  afterAll(async () => {
    await server.close();
  });

  /** Captures (clear, or through the redacting sink) and analyzes: the model path and the captured id. */
  async function captured(redact: boolean): Promise<{ dir: string; modelPath: string; old: string }> {
    const dir = await tempDir();
    const har = join(dir, 'shop.har');
    const entries = await captureEntries(server);
    if (redact) {
      const sink = await createHarSink({ out: har, keyFile: false });
      for (const e of entries) await sink.add(e, 'proxy');
      await sink.close();
    } else {
      const writer = await createHarWriter(har, { creator: { name: 'replay-test', version: '1' } });
      for (const e of entries) await writer.write(e);
      await writer.close();
    }
    const old = server.sessions.at(-1) as string;
    expect((await readFile(har, 'utf8')).includes(old)).toBe(!redact);
    const modelPath = join(dir, 'model.json');
    const analyze = await runCliInProcess(['analyze', har, '--out', modelPath], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
    const model = JSON.parse(await readFile(modelPath, 'utf8')) as ProtocolModel;
    expect(model.operations.find((o) => o.id === 'get_cart_items')?.parameters).toContainEqual(
      expect.objectContaining({
        name: 'jsessionid',
        style: 'matrix',
        segment: 0,
        required: true,
        credential: true,
      }),
    );
    return { dir, modelPath, old };
  }

  it.each([
    ['a clear', false],
    ['a redacted', true],
  ])('writes the live session from the login cookie into the path of %s capture', async (_label, redact) => {
    const { dir, modelPath, old } = await captured(redact);
    // The captured session has expired: only a fresh login's id opens the cart.
    server.sessions.splice(0, server.sessions.length);
    const sent = server.targets.length;
    const live = join(dir, 'live.har');
    const result = await runCliInProcess(
      ['replay', '--model', modelPath, '--login', '--json', '--out-har', live],
      { cwd: dir, env: { LEDGERTAP_WEB_USER: USER.email, LEDGERTAP_WEB_PASSWORD: USER.password } },
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const run = JSON.parse(result.stdout) as Run;
    expect(run.session.loggedIn).toBe(true);
    const fresh = server.sessions.at(-1) as string;
    expect(fresh).not.toBe(old);
    expect(server.targets.slice(sent)).toContain(`/cart;jsessionid=${fresh}/items`);
    expect(run.results.find((r) => r.operationId === 'get_cart_items')).toMatchObject({
      kind: 'ok',
      status: 200,
      url: `${server.url}/cart;jsessionid=***/items`,
    });
    // The live id is nowhere in what replay wrote, not even where the answer echoed it.
    const liveText = await readFile(live, 'utf8');
    expect(liveText).toContain('/cart;jsessionid=***/items');
    expect(liveText).not.toContain(fresh);
    expect(result.stdout).not.toContain(fresh);
  });

  it('without a session, skips the call and says it needs the session id, sending nothing stale', async () => {
    const { dir, modelPath } = await captured(true);
    const sent = server.targets.length;
    const result = await runCliInProcess(['replay', '--model', modelPath, '--json'], { cwd: dir });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const run = JSON.parse(result.stdout) as Run;
    const cart = run.results.find((r) => r.operationId === 'get_cart_items');
    expect(cart?.kind).toBe('skipped');
    expect(cart?.reason).toMatch(/;jsessionid= in the URL path .*--login/);
    expect(server.targets.slice(sent).filter((t) => t.startsWith('/cart'))).toEqual([]);
  });
});

describe('prepareRequest with matrix credentials', () => {
  const credentials = indexCredentials({
    auth: {
      credentials: [
        {
          id: 'path-matrix:jsessionid',
          name: 'jsessionid',
          location: 'path-matrix',
          kind: 'session',
          issuedBy: [{ via: 'set-cookie', name: 'JSESSIONID' }],
        },
        {
          id: 'path-matrix:PHPSESSID',
          name: 'PHPSESSID',
          location: 'path-matrix',
          kind: 'session',
          issuedBy: [],
        },
      ],
    },
  } as unknown as ProtocolModel);
  const jar = (cookies: Record<string, string>): CookieJar =>
    new CookieJar(
      Object.entries(cookies).map(([name, value]) => ({ name, value, domain: 'shop.example.test' })),
    );
  const entry = (url: string): HarEntry => bareEntry(url, '2026-01-01T00:00:00.000Z', 1);

  it('inserts a pair the sample did not carry at the model segment, under a base URL with its own path', () => {
    const req = prepareRequest(
      entry('https://shop.example.test/shop/cart/items?x=1'),
      new CookieJar([{ name: 'JSESSIONID', value: 'LIVE1234', domain: 'api.example.test' }]),
      credentials,
      {
        baseUrl: 'https://api.example.test/v9',
        now: 0,
        matrix: [{ name: 'jsessionid', segment: 1, required: false }],
      },
    );
    expect(req.url.href).toBe('https://api.example.test/v9/shop/cart;jsessionid=LIVE1234/items?x=1');
    expect(req.secrets).toEqual(['LIVE1234']);
    expect(maskedUrl(req.url, credentials)).toBe(
      'https://api.example.test/v9/shop/cart;jsessionid=***/items?x=1',
    );
  });

  it('replaces a stale value, keeps argument pairs, reads a pair named after its cookie, and drops what it cannot fill', () => {
    const fresh = prepareRequest(
      entry(
        'https://shop.example.test/cars;color=red;PHPSESSID=stale/list;jsessionid=[redacted:cookie:0123456789abcdef]',
      ),
      jar({ phpsessid: 'php-live', JSESSIONID: 'j-live' }),
      credentials,
      { now: 0 },
    );
    expect(fresh.url.pathname).toBe('/cars;color=red;PHPSESSID=php-live/list;jsessionid=j-live');
    expect(fresh.needs).toBeUndefined();
    const none = prepareRequest(
      entry('https://shop.example.test/cart;jsessionid=[redacted:cookie:0123456789abcdef]/items'),
      jar({}),
      credentials,
      { now: 0, matrix: [{ name: 'jsessionid', segment: 0, required: false }] },
    );
    expect(none.url.pathname).toBe('/cart/items');
    expect(none.pathMissing).toHaveLength(1);
    expect(none.needs).toBeUndefined();
  });
});
