/**
 * A SIGKILL at any moment leaves records and checkpoint both written or both absent: the child writes in
 * transactions, the test kills it with SIGKILL and checks what a restarted sync would find.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import { cliCommand } from '../helpers/cli.js';
import { backends } from './backends.js';
import type { BackendInstance } from './backends.js';
import { trade } from './fixtures.js';

const childScript = fileURLToPath(new URL('./kill-child.ts', import.meta.url));

function startChild(
  mode: 'hold' | 'loop',
  location: string,
  source = 'api',
): { child: ChildProcess; waitFor: (re: RegExp) => Promise<string> } {
  const { command, args } = cliCommand();
  // cliCommand's args are [--import, tsx loader, main.ts]: keep the loader, run our script instead.
  const child = spawn(command, [...args.slice(0, 2), childScript, mode, location, source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const waitFor = (re: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        const m = re.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m[0]);
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`child exited ${child.exitCode}: ${err}`));
        }
      }, 10);
    });
  return { child, waitFor };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe.each(backends)('SIGKILL atomicity on $name', (backend) => {
  let db: BackendInstance;
  beforeEach(async () => {
    db = await backend.create();
  });
  afterEach(async () => {
    await db.cleanup();
  });

  it('a transaction killed before commit leaves neither records nor checkpoint', async () => {
    const { child, waitFor } = startChild('hold', db.location);
    await waitFor(/in-tx/);
    await killed(child);
    expect(child.signalCode).toBe('SIGKILL');
    const store = await openLedger(db.location);
    try {
      expect(await store.countRecords()).toBe(0);
      expect(await store.getCheckpoint('trades')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('two writer processes on the same records: no duplicates, no loss, both sources kept', async () => {
    const a = startChild('loop', db.location, 'api');
    const b = startChild('loop', db.location, 'web');
    await Promise.all([a.waitFor(/committed 4/), b.waitFor(/committed 4/)]);
    await Promise.all([killed(a.child), killed(b.child)]);
    const store = await openLedger(db.location);
    try {
      const api = ((await store.getCheckpoint('trades:api')) as { batches: number }).batches;
      const web = ((await store.getCheckpoint('trades:web')) as { batches: number }).batches;
      expect(await store.countRecords()).toBe(Math.max(api, web) * 200);
      expect(await store.countRecords({ source: 'api' })).toBe(api * 200);
      expect(await store.countRecords({ source: 'web' })).toBe(web * 200);
      expect(await store.listConflicts()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a writer killed at a random moment leaves exactly the records its checkpoint says', async () => {
    const { child, waitFor } = startChild('loop', db.location);
    await waitFor(/committed 3/);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 150)));
    await killed(child);
    const store = await openLedger(db.location);
    try {
      const checkpoint = (await store.getCheckpoint('trades:api')) as { batches: number };
      expect(checkpoint.batches).toBeGreaterThanOrEqual(3);
      expect(await store.countRecords()).toBe(checkpoint.batches * 200);
      // A restarted sync resumes from the checkpoint and ends with every record exactly once.
      const next = checkpoint.batches * 200;
      const resumed = await store.putRecords(Array.from({ length: 200 }, (_, i) => trade(next + i + 1)));
      expect(resumed.counts.inserted).toBe(200);
    } finally {
      await store.close();
    }
  });
});
