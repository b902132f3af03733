/**
 * `ledgertap serve` started as a user starts it (a child process, the token from its ready line), met by the
 * requests a careless or hostile client sends: each answered as the API promises.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import { cliCommand, repoRoot } from '../helpers/cli.js';
import { call, putAll, syntheticTrade } from './helpers.js';

let dir: string;
let child: ChildProcessWithoutNullStreams | undefined;
let url: string;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledgertap-serve-hostile-'));
  const db = join(dir, 'ledger.db');
  const store = await openLedger(db);
  await putAll(
    store,
    Array.from({ length: 20 }, (_, i) => syntheticTrade(i + 1)),
  );
  await putAll(store, [
    { ...syntheticTrade(1, 'long'), id: '币'.repeat(512) },
    { ...syntheticTrade(2, 'long'), id: '😀'.repeat(512) },
    { ...syntheticTrade(3, 'dots'), id: '..' },
  ]);
  await store.close();
  const { command, args } = cliCommand();
  const started = spawn(command, [...args, 'serve', '--db', db, '--json'], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child = started;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${err}`)), 30_000);
    started.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    started.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve(JSON.parse(out.slice(0, newline)) as Record<string, unknown>);
    });
    started.on('close', (code) => reject(new Error(`serve exited ${code}; stderr: ${err}`)));
  });
  url = ready['url'] as string;
  token = ready['token'] as string;
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const closed = new Promise((resolve) => child?.on('close', resolve));
    child.kill('SIGTERM');
    await closed;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('ledgertap serve against careless clients', () => {
  it('takes since=0 and an ISO offset whose + was not percent-encoded', async () => {
    const all = await call(`${url}/v1/accounts/main/records`, { token });
    expect(all.status).toBe(200);
    const zero = await call(`${url}/v1/accounts/main/records?since=0`, { token });
    expect(zero.status, zero.text).toBe(200);
    expect(zero.json).toEqual(all.json);
    const offset = await call(`${url}/v1/accounts/main/records?since=2025-01-01T02:00:10+02:00`, { token });
    expect(offset.status, offset.text).toBe(200);
    expect((offset.json as { records: unknown[] }).records).toHaveLength(11);
  });

  it('answers a URL over the header limit with a 431 problem, not a bare status line', async () => {
    const res = await call(`${url}/v1/accounts/main/records?cursor=${'a'.repeat(20_000)}`, { token });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ code: 'server.request_too_large', status: 431 });
  });

  it('answers a base URL joined with a doubled slash with a 404 naming the real path', async () => {
    const res = await call(`${url}//v1/accounts`, { token });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'server.not_found', instance: '//v1/accounts' });
    expect((res.json as { detail: string }).detail).toContain('/v1/accounts.');
  });

  it('pages past records whose ids are 512 non-ASCII characters', async () => {
    const ids: string[] = [];
    let next: string | null = '/v1/accounts/long/records?limit=1';
    while (next) {
      const res = await call(`${url}${next}`, { token });
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      const page = res.json as { records: { id: string }[]; next: string | null };
      ids.push(...page.records.map((r) => r.id));
      next = page.next;
    }
    expect(ids).toEqual(['币'.repeat(512), '😀'.repeat(512)]);
  });

  it('answers 406 to a client that accepts only HTML, and JSON to one that accepts it', async () => {
    const html = await call(`${url}/v1/accounts`, { token, headers: { accept: 'text/html' } });
    expect(html.status).toBe(406);
    expect(html.json).toMatchObject({ code: 'server.not_acceptable', allowed: ['application/json'] });
    const json = await call(`${url}/v1/accounts`, { token, headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
  });

  it("refuses a cursor passed to another account instead of skipping that account's first records", async () => {
    const first = await call(`${url}/v1/accounts/main/records?limit=1`, { token });
    const cursor = (first.json as { cursor: string }).cursor;
    const res = await call(`${url}/v1/accounts/long/records?limit=1&cursor=${cursor}`, { token });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'server.bad_cursor', parameter: 'cursor' });
    expect((res.json as { detail: string }).detail).toContain('belongs to another query');
  });

  it('answers an account no record can have with a short 404', async () => {
    const nul = await call(`${url}/v1/accounts/%00/records`, { token });
    expect(nul.status).toBe(404);
    expect(nul.json).toMatchObject({ code: 'server.unknown_account' });
    const long = await call(`${url}/v1/accounts/${'a'.repeat(5000)}/records`, { token });
    expect(long.status).toBe(404);
    expect((long.json as { detail: string }).detail.length).toBeLessThan(400);
  });

  it('serves the record whose id is .. when a client sends it as %2E%2E', async () => {
    const { hostname, port } = new URL(url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.end(
        `GET /v1/accounts/dots/records/trade/%2E%2E HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
    });
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { record: { id: string } };
    expect(body.record.id).toBe('..');
  });
});
