/**
 * Resumability: a sync killed with SIGKILL at an arbitrary moment, then run again, ends with exactly the
 * records of an uninterrupted run (the truth), because every page is committed with its checkpoint.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../ledger/index.js';
import { cliCommand, repoRoot } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { apiTruth, diffRecords, ledgerRecords, syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-resume-');
const open: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

/** Starts the CLI as a child and SIGKILLs it once the ledger holds at least `records` records. */
async function killMidway(f: SyncFixture, records: number): Promise<{ killed: boolean; stored: number }> {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, ...f.args()], {
    cwd: repoRoot,
    env: { ...process.env, ...f.env },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let killed = false;
  let stored = 0;
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode !== null) break;
    try {
      const store = await openLedger(f.db, { create: false });
      try {
        stored = await store.countRecords({ account: 'main' });
      } finally {
        await store.close();
      }
    } catch {
      continue; // the database may be locked for a moment by the writer
    }
    if (stored >= records) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
  }
  await exited;
  return { killed, stored };
}

describe('sync binance resumes after SIGKILL', () => {
  it.each([
    ['early (during the cheap surfaces)', 20],
    ['in the middle of the trade walk', 1500],
  ])('killed %s, the rerun gives the same ledger as an uninterrupted run', async (_when, threshold) => {
    const f = await syncFixture(await tmp(), { profile: 'small', seed: 11 });
    open.push(f);
    const { killed, stored } = await killMidway(f, threshold);
    expect(killed, `the sync finished before the kill (stored ${stored})`).toBe(true);
    const truth = await apiTruth(f.sandbox);
    expect((await ledgerRecords(f.db)).size).toBeLessThan(truth.size);
    const rerun = await f.sync();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(diffRecords(truth, await ledgerRecords(f.db))).toEqual({ missing: [], extra: [], different: [] });
  });
});
