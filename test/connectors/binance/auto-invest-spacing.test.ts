/**
 * Auto-Invest plan/list allows one call every 3 s per account (CONTRACT.md 4.13). The limiter spaces the
 * calls by the gap since the last one (a fixed 3 s window would let two calls through either side of its
 * edge), and a sync against the sandbox, which enforces the rule, reads every plan type without a 429.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import { WeightLimiter, binanceEndpoints as endpoints } from '../../../connectors/index.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-autoinvest-');
const open: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

describe('auto-invest plan/list spacing', () => {
  it('the limiter keeps 3 s between calls, even across a window edge', async () => {
    // One millisecond before a 3-second boundary: a fixed window would let the next call go at the edge.
    const clock = new ManualClock(3000 * 1000 - 1);
    const limiter = new WeightLimiter({ clock, minuteMs: 60_000 });
    const sent: number[] = [];
    for (const planType of ['SINGLE', 'PORTFOLIO', 'INDEX']) {
      await limiter.acquire(endpoints.autoInvestPlans, { planType });
      sent.push(clock.now());
    }
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(3000);
    expect(sent[2]! - sent[1]!).toBeGreaterThanOrEqual(3000);
    // Other endpoints are not spaced.
    const before = clock.now();
    await limiter.acquire(endpoints.autoInvestHistory, {});
    await limiter.acquire(endpoints.autoInvestHistory, {});
    expect(clock.now()).toBe(before);
  });

  it('counts the gap from the answer, not the send: a slow first call still leaves 3 s at the server', async () => {
    const clock = new ManualClock(1_000_000);
    const limiter = new WeightLimiter({ clock, minuteMs: 60_000 });
    const first = await limiter.acquire(endpoints.autoInvestPlans, { planType: 'SINGLE' });
    // The answer took 700 ms: the server served it somewhere in between.
    clock.advance(700);
    limiter.settle(first, endpoints.autoInvestPlans, undefined);
    const answeredAt = clock.now();
    await limiter.acquire(endpoints.autoInvestPlans, { planType: 'PORTFOLIO' });
    expect(clock.now() - answeredAt).toBeGreaterThanOrEqual(3000);
  });

  it('a sync reads the three plan types from a sandbox that enforces the rule, with no 429', async () => {
    const f = await syncFixture(await tmp(), {}, true);
    open.push(f);
    const run = await f.sync('--json');
    expect(run.code, run.stderr).toBe(0);
    const stats = (await (await fetch(`${f.sandbox.adminUrl}/stats`)).json()) as {
      rateLimited429: number;
      byEndpoint: Record<string, { requests: number; errors: number }>;
    };
    expect(stats.byEndpoint['GET /sapi/v1/lending/auto-invest/plan/list']).toMatchObject({
      requests: 3,
      errors: 0,
    });
    expect(stats.rateLimited429).toBe(0);
  });
});
