/**
 * Ctrl-C in the middle of a sync: exit 130 with one line saying what is kept and what to do, no stack,
 * and running the command again ends with exactly the records of an uninterrupted run.
 */
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import { apiTruth, diffRecords, ledgerRecords, syncFixture } from '../connectors/binance/harness.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tmp = useTempDirs('ledgertap-interrupt-');

describe('Ctrl-C mid-sync', () => {
  it('exits 130 saying the work is kept, and the rerun completes the ledger', async () => {
    const f = await syncFixture(await tmp());
    try {
      const controller = new AbortController();
      // Interrupt once the first records are committed, as a user pressing Ctrl-C midway would.
      const watch = setInterval(() => {
        void (async () => {
          try {
            const store = await openLedger(f.db, { create: false });
            const n = await store.countRecords({ account: 'main' });
            await store.close();
            if (n > 0) controller.abort();
          } catch {
            // the writer may hold the lock for a moment
          }
        })();
      }, 50);
      const r = await runCliInProcess(f.args(), { env: f.env, signal: controller.signal });
      clearInterval(watch);
      expect(controller.signal.aborted, 'the sync finished before the interrupt').toBe(true);
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('ledgertap: interrupted. What was committed is kept');
      expect(r.stderr).toContain('run the same command again to continue');
      expect(r.stderr).not.toMatch(/\bat .*\.[jt]s:\d+/);
      const truth = await apiTruth(f.sandbox);
      expect((await ledgerRecords(f.db)).size).toBeLessThan(truth.size);
      const rerun = await f.sync();
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(diffRecords(truth, await ledgerRecords(f.db))).toEqual({
        missing: [],
        extra: [],
        different: [],
      });
    } finally {
      await f.close();
    }
  }, 120_000);
});
