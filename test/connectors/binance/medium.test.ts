/**
 * The one slower test: the medium profile (150 symbols, about 100,000 trades, daily Earn rewards) synced
 * through the CLI equals the truth for every record the API can reach.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/tmp.js';
import { apiTruth, diffRecords, ledgerRecords, syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-medium-');
const open: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

describe('sync binance, medium profile', () => {
  it('equals the truth', { timeout: 600_000 }, async () => {
    const f = await syncFixture(await tmp(), { profile: 'medium', seed: 3, limitWindowMs: 200 });
    open.push(f);
    const r = await f.sync('--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { status429: number; discovery: { symbolsWithTrades: number } };
    expect(summary.status429).toBe(0);
    expect(summary.discovery.symbolsWithTrades).toBeGreaterThan(100);
    expect(diffRecords(await apiTruth(f.sandbox), await ledgerRecords(f.db))).toEqual({
      missing: [],
      extra: [],
      different: [],
    });
  });
});
