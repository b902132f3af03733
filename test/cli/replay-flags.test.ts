/**
 * `ledgertap replay` flags a user gets wrong fail as usage errors (exit 2) before anything is sent or
 * written (no `<out-har>.partial` left behind), and the live HAR is owner-only like a capture: it holds
 * the holder's own live answers.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it.each([
    ['--retries', '99', '--retries takes a whole number from 0 to 10'],
    ['--max-pages', 'abc', '--max-pages takes a positive whole number, not abc'],
    ['--timeout-ms', '-5', '--timeout-ms takes a positive whole number, not -5'],
  ])('%s %s exits 2 before sending, with no partial live HAR', async (flag, value, message) => {
    const out = join(dir, `bad${flag}.har`);
    const before = requests;
    const r = await runCliInProcess([
      'replay',
      '--model',
      model,
      '--base-url',
      baseUrl,
      '--out-har',
      out,
      flag,
      value,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(requests).toBe(before);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('says how to point at a capture kept away from the model, reads it with --har, writes the live HAR owner-only', async () => {
    const out = join(dir, 'live.har');
    const before = requests;
    const lost = await runCliInProcess(['replay', '--model', model, '--base-url', baseUrl]);
    expect(lost.stderr).toContain('Pass --har FILE for each capture kept elsewhere');
    expect(requests).toBe(before);
    const r = await runCliInProcess([
      'replay',
      '--model',
      model,
      '--har',
      har,
      '--base-url',
      baseUrl,
      '--out-har',
      out,
    ]);
    expect(r.stderr).not.toContain('Pass --har');
    expect(requests).toBeGreaterThan(before);
    expect([0, 1]).toContain(r.code);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });
});
