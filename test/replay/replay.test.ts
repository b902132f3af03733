import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { APP_USER, startAppServer, type AppServer } from './app-server.js';
import { recordAppSession } from './recording-client.js';

const tempDir = useTempDirs('ledgertap-replay-');

/** Logs in and reads the test app (three pages, a refresh, a page after it), recording clear values. */
async function captureSession(server: AppServer, harPath: string): Promise<void> {
  await recordAppSession(server, harPath, async (call) => {
    await call('POST', '/api/login', { email: APP_USER.email, password: APP_USER.password });
    await call('GET', '/api/me');
    await call('GET', '/api/me');
    for (let page = 1; page <= 3; page++) await call('POST', '/api/orders/list', { page, rows: 10 });
    await call('POST', '/api/refresh');
    await call('POST', '/api/orders/list', { page: 1, rows: 10 });
  });
}

describe('replay against a live app', () => {
  let server: AppServer;
  let dir: string;
  let modelPath: string;

  beforeAll(async () => {
    server = await startAppServer(1);
  });
  afterAll(async () => {
    await server.close();
  });

  async function analyzed(): Promise<void> {
    dir = await tempDir();
    const har = join(dir, 'session.har');
    await captureSession(server, har);
    modelPath = join(dir, 'model.json');
    const analyze = await runCliInProcess(['analyze', har, '--out', modelPath], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
  }

  it('re-logs in, derives the CSRF header from the live cookie, follows pages, and finds no drift on an unchanged app', async () => {
    server.version = 1;
    await analyzed();
    const model = JSON.parse(await readFile(modelPath, 'utf8')) as {
      auth: { credentials: { name: string; derivedFrom?: { transform: string } }[] };
    };
    expect(
      model.auth.credentials.find((c) => c.name.toLowerCase() === 'x-csrf-token')?.derivedFrom?.transform,
    ).toBe('md5');
    const sessionsBefore = server.sessions.size;
    const result = await runCliInProcess(
      [
        'replay',
        '--model',
        modelPath,
        '--login',
        '--all-pages',
        '--json',
        '--out-har',
        join(dir, 'live.har'),
        '--report',
        join(dir, 'drift.md'),
      ],
      { cwd: dir, env: { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: APP_USER.password } },
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const run = JSON.parse(result.stdout) as {
      session: { loggedIn: boolean };
      results: { operationId: string; kind: string; pages?: number; items?: number; reason?: string }[];
    };
    expect(run.session.loggedIn).toBe(true);
    expect(server.sessions.size).toBeGreaterThan(sessionsBefore);
    const list = run.results.find((r) => r.operationId.includes('orders'));
    expect(list).toMatchObject({ kind: 'ok', pages: 3, items: 23 });
    expect(run.results.find((r) => r.operationId === 'get_api_me')?.kind).toBe('ok');
    // Login and refresh are auth calls: never replayed as reads.
    expect(
      run.results.filter((r) => r.kind === 'skipped').every((r) => /login|refresh/.test(r.reason ?? '')),
    ).toBe(true);
    const live = await readFile(join(dir, 'live.har'), 'utf8');
    expect(live).toContain('orderId');
    expect(live).not.toContain('/api/login');
    expect(live).not.toContain(APP_USER.password);
    expect(live).not.toMatch(/sid=[0-9a-f]{32}/);
    expect(await readFile(join(dir, 'drift.md'), 'utf8')).toContain('0 drifted');
  });

  it('detects a renamed field, an added field, a changed type and a moved endpoint', async () => {
    server.version = 1;
    await analyzed();
    server.version = 2;
    const result = await runCliInProcess(
      ['replay', '--model', modelPath, '--login', '--json', '--report', join(dir, 'drift.html')],
      {
        cwd: dir,
        env: { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: APP_USER.password },
      },
    );
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as {
      results: {
        operationId: string;
        kind: string;
        drifts?: { kind: string; pointer: string; expected?: string; actual?: string }[];
      }[];
    };
    const list = run.results.find((r) => r.operationId.includes('orders'));
    const kinds = (list?.drifts ?? []).map(
      (d) => `${d.kind} ${d.pointer} ${d.expected ?? ''}->${d.actual ?? ''}`,
    );
    expect(kinds).toContain('field_renamed /data/0/asset asset->coin');
    expect(kinds).toContain('field_added /data/0/fee ->string');
    expect(kinds).toContain('type_changed /data/0/amount string->number');
    const me = run.results.find((r) => r.operationId === 'get_api_me');
    expect(me?.drifts?.[0]?.kind).toBe('endpoint_gone');
    const html = await readFile(join(dir, 'drift.html'), 'utf8');
    expect(html).toContain('<table>');
    expect(html).toContain('field_renamed');
  });

  it('sends a read again after a reset, a cut body, a 502 and a 429 (honouring Retry-After); --retries 0 does not', async () => {
    // Four faults in a row: one more than the default three retries, hence --retries 4.
    server.version = 1;
    await analyzed();
    const env = { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: APP_USER.password };
    const args = ['replay', '--model', modelPath, '--login', '--json', '--operation', 'get_api_me'];
    server.faults.splice(0, Infinity, 'reset', 'cut', '502', '429');
    server.hits.clear();
    const started = Date.now();
    const result = await runCliInProcess([...args, '--retries', '4'], { cwd: dir, env });
    expect(result.code, result.stdout).toBe(0);
    const run = JSON.parse(result.stdout) as {
      retries: number;
      results: { operationId: string; kind: string }[];
    };
    expect(run.retries).toBe(4);
    expect(run.results).toEqual([expect.objectContaining({ operationId: 'get_api_me', kind: 'ok' })]);
    expect(server.hits.get('/api/me')).toBe(5);
    // The 429 said Retry-After: 1, so the run took at least that second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    server.faults.splice(0, Infinity, '502');
    const once = await runCliInProcess([...args, '--retries', '0'], { cwd: dir, env });
    expect(once.code).toBe(1);
    const failed = JSON.parse(once.stdout) as {
      retries: number;
      results: { kind: string; drifts?: unknown[] }[];
    };
    expect(failed.retries).toBe(0);
    expect(failed.results[0]?.kind).not.toBe('ok');
    const bad = await runCliInProcess([...args, '--retries', '-1'], { cwd: dir, env });
    expect(bad.code).toBe(2);
  });

  it('stops logging in after three logins when every new session has expired by the next call', async () => {
    dir = await tempDir();
    const har = join(dir, 'session.har');
    await recordAppSession(server, har, async (call) => {
      await call('POST', '/api/login', { email: APP_USER.email, password: APP_USER.password });
      await call('GET', '/api/me');
      await call('POST', '/api/orders/list', { page: 1, rows: 10 });
      await call('GET', '/api/balances');
    });
    modelPath = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', har, '--out', modelPath], { cwd: dir })).code).toBe(0);
    server.version = 1;
    server.dropSessions = true;
    server.hits.clear();
    try {
      const result = await runCliInProcess(['replay', '--model', modelPath, '--login', '--json'], {
        cwd: dir,
        env: { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: APP_USER.password },
      });
      const run = JSON.parse(result.stdout) as {
        session: { login?: { outcome: string; attempts: number } };
        results: { operationId: string; kind: string }[];
        warnings: string[];
      };
      // The first login, then one for each of the first two rejected reads; the third read is sent
      // once, without a fourth login.
      expect(server.hits.get('/api/login')).toBe(3);
      expect(run.session.login).toMatchObject({ outcome: 'accepted', attempts: 3 });
      expect(run.warnings.join('\n')).toContain('the session kept expiring: 3 logins sent');
      expect(run.results.filter((r) => r.kind === 'ok')).toEqual([]);
      expect(server.hits.get('/api/balances')! + server.hits.get('/api/me')!).toBeGreaterThanOrEqual(3);
      expect(result.code).toBe(1);
    } finally {
      server.dropSessions = false;
    }
  });

  it('refuses a password on the command line and unknown operations', async () => {
    await analyzed();
    const argvPassword = await runCliInProcess(['replay', '--model', modelPath, '--password', 'x'], {
      cwd: dir,
    });
    expect(argvPassword.code).toBe(2);
    expect(argvPassword.stderr).toContain('never taken from the command line');
    const unknown = await runCliInProcess(['replay', '--model', modelPath, '--operation', 'get_nope'], {
      cwd: dir,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no operation get_nope');
    const write = await runCliInProcess(['replay', '--model', modelPath, '--allow-write', 'x'], { cwd: dir });
    expect(write.code).toBe(2);
    expect(write.stderr).toContain('--yes');
  });

  it('rejects a model file that is not a model, naming the file', async () => {
    dir = await tempDir();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"hello": 1}');
    const result = await runCliInProcess(['replay', '--model', bad], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.json');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
