/**
 * `ledgertap serve` as a user runs it: a child process that prints one ready line, serves with the token from
 * its 0600 token file, and stops cleanly on SIGTERM/SIGINT; flag and environment errors exit with their codes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import { cliCommand, repoRoot, runCliInProcess, spawnCli } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { freshPgSchema } from '../helpers/pg.js';
import { call, pgAvailable, putAll, syntheticTrade, truthRecords } from './helpers.js';

const tempDir = useTempDirs('ledgertap-serve-cli-');
const hasPg = await pgAvailable();
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function ledgerFile(): Promise<string> {
  const path = join(await tempDir(), 'ledger.db');
  const store = await openLedger(path);
  await putAll(store, truthRecords('main').slice(0, 50));
  await store.close();
  return path;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  ready: Record<string, unknown>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `ledgertap serve …` and resolves with its parsed ready line. */
function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const { command, args: base } = cliCommand();
  const child = spawn(command, [...base, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve({
        child,
        ready: JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
      });
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code} before ready; stderr: ${stderr}`));
    });
  });
}

/** stderr and stdout are separate pipes: what was written to stderr before the ready line may arrive after it. */
async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe('ledgertap serve', () => {
  it('prints one ready line, serves with the token from its 0600 file, and stops on SIGTERM', async () => {
    const db = await ledgerFile();
    const run = await startServe(['serve', '--db', db]);
    expect(run.ready).toMatchObject({ tokenFile: `${db}.token`, auth: true, backend: 'sqlite', db });
    expect(run.ready['url']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(run.ready).not.toHaveProperty('token');
    expect((await stat(`${db}.token`)).mode & 0o777).toBe(0o600);
    const token = (await readFile(`${db}.token`, 'utf8')).trim();
    expect(run.stdout()).not.toContain(token);
    await waitFor(() => run.stderr().includes(`${db}.token`));
    expect(run.stderr()).not.toContain(token);
    const url = run.ready['url'] as string;
    expect((await call(`${url}/v1/accounts`)).status).toBe(401);
    const ok = await call(`${url}/v1/accounts/main/records?limit=5`, { token });
    expect(ok.status).toBe(200);
    expect((ok.json as { records: unknown[] }).records).toHaveLength(5);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout().trim().split('\n')).toHaveLength(1);
    await expect(call(`${url}/healthz`)).rejects.toThrow();
  });

  it('pages stay stable while another process adds records between page requests', async () => {
    const db = join(await tempDir(), 'ledger.db');
    const writer = await openLedger(db);
    try {
      await putAll(
        writer,
        Array.from({ length: 120 }, (_, i) => syntheticTrade(1000 + i * 2)),
      );
      const run = await startServe(['serve', '--db', db, '--json']);
      const token = run.ready['token'] as string;
      const base = run.ready['url'] as string;
      type Page = { records: { id: string }[]; next: string | null };
      const seen: string[] = [];
      let next: string | null = '/v1/accounts/main/records?limit=25';
      for (let page = 0; next; page++) {
        const res = await call(`${base}${next}`, { token });
        expect(res.status).toBe(200);
        const body = res.json as Page;
        seen.push(...body.records.map((r) => r.id));
        next = body.next;
        // After the first page: one trade sorting before the cursor, one after it, written by this process.
        if (page === 0) await putAll(writer, [syntheticTrade(1001), syntheticTrade(1237)]);
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toContain('BNBBTC:1237');
      expect(seen).not.toContain('BNBBTC:1001');
      expect(seen).toHaveLength(121);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    } finally {
      await writer.close();
    }
  });

  it('reuses the token file and gives the token in the ready line with --json; SIGINT stops it', async () => {
    const db = await ledgerFile();
    const tokenFile = join(await tempDir(), 'api.token');
    const first = await startServe(['serve', '--db', db, '--token-file', tokenFile, '--json']);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(first.ready['token']).toBe(token);
    expect(first.ready['tokenFile']).toBe(tokenFile);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);
    const second = await startServe(['serve', '--db', db, '--token-file', tokenFile, '--json']);
    expect(second.ready['token']).toBe(token);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('serves without a token on 127.0.0.1 with --no-auth', async () => {
    const db = await ledgerFile();
    const run = await startServe(['serve', '--db', db, '--no-auth', '--host', '127.0.0.1']);
    expect(run.ready).toMatchObject({ auth: false, tokenFile: null });
    await waitFor(() => /warning: --no-auth/.test(run.stderr()));
    expect((await call(`${run.ready['url'] as string}/v1/accounts`)).status).toBe(200);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });

  it('exits 3 with a clear message when the port is in use', async () => {
    const db = await ledgerFile();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await spawnCli(['serve', '--db', db, '--port', String(port)]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it.each([
    ['--no-auth on a public host', ['--no-auth', '--host', '0.0.0.0'], 2, /--no-auth with --host 0\.0\.0\.0/],
    ['a bad port', ['--port', '70000'], 2, /--port 70000/],
    [
      '--token-file with --no-auth',
      ['--no-auth', '--token-file', 'x.token'],
      2,
      /--token-file with --no-auth/,
    ],
  ])('refuses %s', async (_name, flags, code, message) => {
    const db = await ledgerFile();
    const result = await runCliInProcess(['serve', '--db', db, ...flags]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it.runIf(hasPg)('serves a PostgreSQL ledger, its token under the config folder', async () => {
    const schema = freshPgSchema('lt_serve_cli');
    const store = await openLedger(schema.url);
    try {
      await putAll(store, truthRecords('main').slice(0, 30));
      const config = await tempDir();
      const run = await startServe(['serve', '--db', schema.url], { XDG_CONFIG_HOME: config });
      expect(run.ready).toMatchObject({ backend: 'postgres', auth: true });
      expect(run.ready['tokenFile']).toMatch(new RegExp(`^${config}/ledgertap/serve-[0-9a-f]{16}\\.token$`));
      expect(JSON.stringify(run.ready)).not.toMatch(/:[^:@/]+@/); // no password in the ready line
      const token = (await readFile(run.ready['tokenFile'] as string, 'utf8')).trim();
      const res = await call(`${run.ready['url'] as string}/v1/accounts/main/records?limit=1000`, { token });
      expect((res.json as { records: unknown[] }).records).toHaveLength(30);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    } finally {
      await store.close();
      await schema.drop();
    }
  });

  it('refuses a missing ledger without creating it', async () => {
    const dir = await tempDir();
    const result = await runCliInProcess(['serve', '--db', join(dir, 'nope.db')]);
    expect(result.code).toBe(2);
    await expect(stat(join(dir, 'nope.db'))).rejects.toThrow();
    await expect(stat(join(dir, 'nope.db.token'))).rejects.toThrow();
  });
});
