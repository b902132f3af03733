/**
 * `ledgertap sandbox` through the real CLI: one JSON line when ready, serving until SIGTERM, exit 3 for a
 * port in use, exit 2 for bad flags.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cliCommand, repoRoot, runCliInProcess } from '../helpers/cli.js';

interface Ready {
  baseUrl: string;
  webUrl: string;
  adminUrl: string;
  apiKey: string;
  apiSecret: string;
  webUser: string;
  webPassword: string;
  keyFiles?: { privateKey: string; publicKey: string };
}

/** Spawns `ledgertap sandbox ARGS`, resolves with the ready line and a stop function. */
function spawnSandbox(
  args: string[],
): Promise<{ ready: Ready; stop: () => Promise<number | null>; stdoutLines: () => string[] }> {
  const { command, args: base } = cliCommand();
  const child = spawn(command, [...base, 'sandbox', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sandbox did not start: ${err}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({
        ready: JSON.parse(out.split('\n')[0]!) as Ready,
        stdoutLines: () => out.trim().split('\n'),
        stop: () =>
          new Promise((done) => {
            child.once('close', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited ${code}: ${err}`));
    });
  });
}

describe('ledgertap sandbox', () => {
  it('prints one JSON line with URLs and credentials, serves, and exits 0 on SIGTERM', async () => {
    const { ready, stop, stdoutLines } = await spawnSandbox(['--profile', 'tiny', '--seed', '4', '--json']);
    expect(Object.keys(ready)).toEqual(
      expect.arrayContaining([
        'baseUrl',
        'webUrl',
        'adminUrl',
        'apiKey',
        'apiSecret',
        'webUser',
        'webPassword',
      ]),
    );
    const time = (await (await fetch(`${ready.baseUrl}/api/v3/time`)).json()) as { serverTime: number };
    expect(Math.abs(time.serverTime - Date.now())).toBeLessThan(5000);
    const creds = (await (await fetch(`${ready.adminUrl}/credentials`)).json()) as { apiKey: string };
    expect(creds.apiKey).toBe(ready.apiKey);
    expect(await stop()).toBe(0);
    expect(stdoutLines()).toHaveLength(1);
  }, 40_000);

  it('writes Ed25519 key files when asked and prints their paths', async () => {
    const { ready, stop } = await spawnSandbox([
      '--key-type',
      'ed25519',
      '--key-files',
      '--key-permissions',
      'trade,withdraw',
    ]);
    const { statSync } = await import('node:fs');
    expect(statSync(ready.keyFiles!.privateKey).mode & 0o777).toBe(0o600);
    expect(await stop()).toBe(0);
  }, 40_000);

  it('--raw-requests-limit is advertised by exchangeInfo and enforced: 429, then the 418 ban', async () => {
    const { ready, stop } = await spawnSandbox(['--raw-requests-limit', '5']);
    try {
      const info = (await (await fetch(`${ready.baseUrl}/api/v3/exchangeInfo`)).json()) as {
        rateLimits: { rateLimitType: string; limit: number }[];
      };
      expect(info.rateLimits.find((l) => l.rateLimitType === 'RAW_REQUESTS')?.limit).toBe(5);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await fetch(`${ready.baseUrl}/api/v3/time`)).status);
      // exchangeInfo was the first; four more pass, then 429, and going on earns the ban.
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      expect(statuses[4]).toBe(429);
      expect(statuses).toContain(418);
    } finally {
      expect(await stop()).toBe(0);
    }
  }, 40_000);

  it('exits 3 with a clear message when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runCliInProcess(['sandbox', '--port', String(port)]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`port ${port} .*already in use.*--port 0`));
    } finally {
      blocker.close();
    }
  });

  it('exits 2 for bad flags, naming the flag', async () => {
    for (const [args, pattern] of [
      [['--profile', 'huge'], /--profile huge/],
      [['--key-type', 'dsa'], /--key-type dsa/],
      [['--key-permissions', 'steal'], /steal/],
      [['--faults', '429:7'], /--faults/],
      [['--port', '-1'], /--port/],
      [['--limit-window-ms', '1'], /--limit-window-ms/],
      [['--raw-requests-limit', '0'], /--raw-requests-limit 0/],
      [['--web-api-version', '3'], /--web-api-version/],
    ] as const) {
      const r = await runCliInProcess(['sandbox', ...args]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('stops when the signal aborts (in-process)', async () => {
    const controller = new AbortController();
    const running = runCliInProcess(['sandbox', '--json'], { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 1500));
    controller.abort();
    const r = await running;
    expect(r.code).toBe(0);
    const ready = JSON.parse(r.stdout.trim()) as Ready;
    await expect(fetch(`${ready.baseUrl}/api/v3/time`)).rejects.toThrow();
  });
});
