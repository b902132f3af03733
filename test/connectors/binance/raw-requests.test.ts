/**
 * The client reads RAW_REQUESTS from exchangeInfo and stays under it (CONTRACT.md 3.1): against a sandbox
 * whose limit is far below the /api requests a sync needs, the sync waits for windows instead of drawing
 * a 429 or a 418, and still reads everything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { WeightLimiter, binanceEndpoints as endpoints } from '../../../connectors/index.js';
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
  it('keeps the requests sent before exchangeInfo, and counts a request answered after a window edge in both windows', async () => {
    const windowMs = 5 * 60_000;
    const clock = new ManualClock(windowMs * 1000 + 10);
    const limiter = new WeightLimiter({ clock });
    const raw = (): number => limiter.snapshot().find((b) => b.key === 'api:raw:5m')!.used;
    // Three clock samples and exchangeInfo under the default rule, then the live one.
    for (let i = 0; i < 4; i++)
      limiter.settle(await limiter.acquire(endpoints.time, {}), endpoints.time, undefined);
    limiter.setApiRateLimits([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 10 },
    ]);
    expect(raw()).toBe(4);
    // Sent just before the edge, answered after it: the server may have counted it in the new window.
    clock.advance(windowMs - 20 - 10);
    const ticket = await limiter.acquire(endpoints.time, {});
    clock.advance(30);
    limiter.settle(ticket, endpoints.time, undefined);
    expect(raw()).toBe(1);
    // So 9 more fit in this window, and the 10th waits for the next.
    for (let i = 0; i < 9; i++)
      limiter.settle(await limiter.acquire(endpoints.time, {}), endpoints.time, undefined);
    const before = clock.sleeps.length;
    await limiter.acquire(endpoints.time, {});
    expect(clock.sleeps.length).toBe(before + 1);
  });

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
