/**
 * `ledgertap replay` flags a user gets wrong fail as usage errors (exit 2) before anything is sent or
 * written (no `<out-har>.partial` left behind), and the live HAR is owner-only like a capture: it holds
 * the holder's own live answers.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_USER, startAppServer, type AppServer } from '../replay/app-server.js';
import { recordAppSession } from '../replay/recording-client.js';
import { repoRoot, runCliInProcess } from '../helpers/cli.js';

const har = join(repoRoot, 'test/fixtures/har-public/pollyjs-jsonplaceholder-node-fetch.har');

describe('replay flags', () => {
  let dir: string;
  let model: string;
  let server: Server;
  let requests = 0;
  let baseUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgertap-replay-flags-'));
    model = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', har, '--out', model])).code).toBe(0);
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  /** `replay` of the model against the counting server, with `flags`. */
  function replayCli(...flags: string[]): ReturnType<typeof runCliInProcess> {
    return runCliInProcess(['replay', '--model', model, '--base-url', baseUrl, ...flags]);
  }

  it('a call that cannot connect says why (the connection was refused), not only "fetch failed"', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await runCliInProcess([
      '--json',
      'replay',
      '--model',
      model,
      '--har',
      har,
      '--base-url',
      `http://127.0.0.1:${port}`,
      '--retries',
      '0',
    ]);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as { results: { kind: string; error?: string }[] };
    const failed = run.results.filter((x) => x.kind === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f.error).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });

  it.each([
    ['--retries', '99', '--retries takes a whole number from 0 to 10'],
    ['--max-pages', 'abc', '--max-pages takes a positive whole number, not abc'],
    ['--timeout-ms', '-5', '--timeout-ms takes a positive whole number, not -5'],
    ['--report', 'drift.pdf', '--report drift.pdf: a report is Markdown (.md) or HTML (.html)'],
    ['--base-url', 'ftp://127.0.0.1', '--base-url "ftp://127.0.0.1": ftp: is not a scheme replay sends to'],
    ['--ws-base-url', 'localhost 8080', '--ws-base-url "localhost 8080": not a URL'],
  ])('%s %s exits 2 before sending, with no partial live HAR', async (flag, value, message) => {
    const out = join(dir, `bad${flag}.har`);
    const before = requests;
    const r = await replayCli('--out-har', out, flag, value);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(requests).toBe(before);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('a --profile-dir that does not exist is bad input, not a replay without a session', async () => {
    const before = requests;
    const profile = join(dir, 'no-such-profile');
    const r = await replayCli('--profile-dir', profile);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--profile-dir ${profile}: no such browser profile.`);
    expect(requests).toBe(before);
    expect(existsSync(profile)).toBe(false);
  });

  it('says how to point at a capture kept away from the model, reads it with --har, writes the live HAR owner-only', async () => {
    const out = join(dir, 'live.har');
    const before = requests;
    const lost = await replayCli();
    // One sentence: the missing capture named once, what it costs and what to do.
    const missing = join(dir, basename(har));
    expect(lost.stderr).toContain(
      `warning: the model's capture ${missing} is not beside it, so the calls sampled from it are skipped: pass --har FILE for each capture kept elsewhere, in the order given to analyze.`,
    );
    expect(lost.stderr.split(missing).length - 1).toBe(1);
    expect(lost.stderr).not.toContain('ENOENT');
    expect(requests).toBe(before);
    const typo = join(dir, 'typo.har');
    const wrong = await replayCli('--har', typo);
    expect(wrong.stderr).toContain(
      `warning: --har ${typo}: no such file, so the calls sampled from it are skipped; check the path.`,
    );
    expect(wrong.stderr.split(typo).length - 1).toBe(1);
    const r = await replayCli('--har', har, '--out-har', out);
    expect(r.stderr).not.toContain('--har FILE');
    expect(requests).toBeGreaterThan(before);
    expect([0, 1]).toContain(r.code);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });
});

/** Records login and two reads of the test app with clear values, as a browser capture with --no-redact would. */
async function recordSession(server: AppServer, harPath: string): Promise<void> {
  await recordAppSession(server, harPath, async (call) => {
    await call('POST', '/api/login', { email: APP_USER.email, password: APP_USER.password });
    await call('GET', '/api/me');
    await call('GET', '/api/me');
    for (let page = 1; page <= 2; page++) await call('POST', '/api/orders/list', { page, rows: 10 });
  });
}

describe('replay --login on a site that wants more than the password', () => {
  let server: AppServer;
  let dir: string;
  beforeAll(async () => {
    server = await startAppServer(1);
    dir = await mkdtemp(join(tmpdir(), 'ledgertap-replay-login-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the report says what the login got: accepted, refused with its status and reason (Markdown and HTML)', async () => {
    const har = join(dir, 'refused.har');
    await recordSession(server, har);
    const model = join(dir, 'refused-model.json');
    expect((await runCliInProcess(['analyze', har, '--out', model])).code).toBe(0);
    const md = join(dir, 'fine.md');
    const fine = await runCliInProcess(['replay', '--model', model, '--login', '--report', md], {
      env: { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: APP_USER.password },
    });
    expect(fine.code, fine.stderr).toBe(0);
    expect(await readFile(md, 'utf8')).toContain(
      'Session: logged in by replay (the login call answered 200), 0 refresh(es).',
    );
    for (const report of ['wrong.md', 'wrong.html']) {
      const out = join(dir, report);
      const loginsBefore = server.hits.get('/api/login') ?? 0;
      const wrong = await runCliInProcess(['replay', '--model', model, '--login', '--report', out], {
        env: { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: 'not the password' },
      });
      expect(wrong.code).toBe(1);
      // Every call is refused for want of a session, yet the wrong password goes out once per run.
      expect((server.hits.get('/api/login') ?? 0) - loginsBefore).toBe(1);
      expect(wrong.stderr).toContain(
        '--login: the server refused the login (401 bad credentials), so the calls went without a session.',
      );
      const text = await readFile(out, 'utf8');
      expect(text).toContain(
        'Session: the login was refused (401 bad credentials), so the calls went without a session',
      );
      expect(text).not.toContain('logged in by replay');
      expect(text).not.toContain('from the given cookies');
    }
  });

  it('says to reuse a browser login when the accepted login still gets every call refused', async () => {
    const har = join(dir, 'session.har');
    await recordSession(server, har);
    const model = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', har, '--out', model])).code).toBe(0);
    const env = { LEDGERTAP_WEB_USER: APP_USER.email, LEDGERTAP_WEB_PASSWORD: APP_USER.password };
    const fine = await runCliInProcess(['replay', '--model', model, '--login'], { env });
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stderr).not.toContain('second factor');
    // The login answers 200 with a session cookie, but the session is never honoured: what a site
    // does when a second factor must follow the password.
    server.sessions.add = () => server.sessions;
    const report = join(dir, 'second-factor.md');
    const refused = await runCliInProcess(['replay', '--model', model, '--login', '--report', report], {
      env,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '--login: the login call was accepted, but the server refused the session',
    );
    expect(refused.stderr).toContain('replay --profile-dir DIR');
    const text = await readFile(report, 'utf8');
    expect(text).toMatch(
      /Session: the login call was accepted \(200\), but the server refused the session on \d+ of \d+ calls/,
    );
    expect(text).not.toContain('logged in by replay');
  });
});
