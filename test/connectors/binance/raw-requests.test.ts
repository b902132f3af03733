/**
 * The client reads RAW_REQUESTS from exchangeInfo and stays under it (CONTRACT.md 3.1): against a sandbox
 * whose limit is far below the /api requests a sync needs, the sync waits for windows instead of drawing
 * a 429 or a 418, and still reads everything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/tmp.js';
import { apiTruth, diffRecords, ledgerRecords, syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-raw-requests-');
const open: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

interface Stats {
  rateLimited429: number;
  banned418: number;
  byEndpoint: Record<string, { requests: number }>;
}

describe('RAW_REQUESTS from exchangeInfo', () => {
  it('a sync against a limit of 50 /api requests per window finishes without a 429 or 418', async () => {
    // The test "minute" is 1 s, so the 5-minute window is 5 s; the tiny account needs well over 50 /api calls.
    const f = await syncFixture(await tmp(), { rawRequestsLimit: 50 });
    open.push(f);
    const run = await f.sync('--json');
    expect(run.code, run.stderr).toBe(0);
    const stats = (await (await fetch(`${f.sandbox.adminUrl}/stats`)).json()) as Stats;
    const apiRequests = Object.entries(stats.byEndpoint)
      .filter(([key]) => key.includes(' /api/'))
      .reduce((sum, [, e]) => sum + e.requests, 0);
    // The limit was binding: more than two windows' worth of /api calls went out.
    expect(apiRequests).toBeGreaterThan(100);
    expect(stats.rateLimited429).toBe(0);
    expect(stats.banned418).toBe(0);
    const diff = diffRecords(await apiTruth(f.sandbox), await ledgerRecords(f.db));
    expect(diff).toEqual({ missing: [], extra: [], different: [] });
  }, 60_000);
});
