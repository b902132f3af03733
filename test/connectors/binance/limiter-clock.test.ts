import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import {
  BinanceServerTime,
  WeightLimiter,
  binanceEndpoints as endpoints,
} from '../../../connectors/index.js';

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

describe('WeightLimiter', () => {
  it('never reserves past a limit: the request that would break it waits for the next window', async () => {
    const clock = new ManualClock(60_000 * 1000);
    const limiter = new WeightLimiter({ clock, minuteMs: 60_000 });
    limiter.setApiRateLimits([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 100 },
    ]);
    for (let i = 0; i < 5; i++)
      limiter.settle(
        await limiter.acquire(endpoints.myTrades, { symbol: 'X' }),
        endpoints.myTrades,
        undefined,
      );
    expect(clock.sleeps).toEqual([]);
    const t = clock.now();
    await limiter.acquire(endpoints.myTrades, { symbol: 'X' });
    expect(clock.sleeps.length).toBe(1);
    expect(clock.now()).toBeGreaterThanOrEqual(t + 60_000);
    expect(limiter.stats.weight).toBe(120);
  });

  it('knows per-endpoint weights (myTrades with orderId costs 5, openOrders without symbol 80)', async () => {
    const limiter = new WeightLimiter({ clock: new ManualClock() });
    expect((await limiter.acquire(endpoints.myTrades, { symbol: 'X', orderId: 1 })).weight).toBe(5);
    expect((await limiter.acquire(endpoints.openOrders, {})).weight).toBe(80);
    expect((await limiter.acquire(endpoints.openOrders, { symbol: 'X' })).weight).toBe(6);
  });

  it('corrects its count from the usage headers (up and down)', async () => {
    const clock = new ManualClock(60_000 * 1000);
    const limiter = new WeightLimiter({ clock });
    limiter.setApiRateLimits([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 100 },
    ]);
    let t = await limiter.acquire(endpoints.account, {});
    // Someone else on this IP used 90: the header says so, and the next 20 must wait.
    limiter.settle(t, endpoints.account, headers({ 'X-MBX-USED-WEIGHT-1M': '90' }));
    t = await limiter.acquire(endpoints.account, {});
    expect(clock.sleeps.length).toBe(1);
    limiter.settle(t, endpoints.account, headers({ 'x-mbx-used-weight-1m': '20' }));
    // The header lowered the count: no wait now.
    await limiter.acquire(endpoints.account, {});
    expect(clock.sleeps.length).toBe(1);
  });

  it('budgets /sapi per endpoint and by UID, per second for withdraw history', async () => {
    const clock = new ManualClock(60_000 * 1000);
    const limiter = new WeightLimiter({ clock });
    // fiat/orders: 90000 of 180000 per minute: two calls, then a wait.
    await limiter.acquire(endpoints.fiatOrders, {});
    await limiter.acquire(endpoints.fiatOrders, {});
    expect(clock.sleeps.length).toBe(0);
    // Another UID endpoint has its own budget.
    await limiter.acquire(endpoints.convert, {});
    expect(clock.sleeps.length).toBe(0);
    await limiter.acquire(endpoints.fiatOrders, {});
    expect(clock.sleeps.length).toBe(1);
    // withdraw history: 10 per second.
    for (let i = 0; i < 10; i++) await limiter.acquire(endpoints.withdrawals, {});
    const before = clock.sleeps.length;
    await limiter.acquire(endpoints.withdrawals, {});
    expect(clock.sleeps.length).toBe(before + 1);
    expect(clock.sleeps.at(-1)).toBeLessThanOrEqual(1_100);
  });

  it('after a 429 nothing at all is sent until Retry-After has passed', async () => {
    const clock = new ManualClock(60_000 * 1000);
    const limiter = new WeightLimiter({ clock });
    const t = await limiter.acquire(endpoints.deposits, {});
    limiter.block(t, clock.now() + 5_000);
    const start = clock.now();
    await limiter.acquire(endpoints.account, {});
    expect(clock.now() - start).toBeGreaterThanOrEqual(5_000);
  });

  it('scales windows with minuteMs (a sandbox with short windows)', () => {
    const limiter = new WeightLimiter({ clock: new ManualClock(), minuteMs: 1000 });
    expect(limiter.intervalMs('MINUTE', 1)).toBe(1000);
    expect(limiter.intervalMs('SECOND', 1)).toBeCloseTo(1000 / 60);
    expect(limiter.intervalMs('MINUTE', 5)).toBe(5000);
  });
});

describe('server time', () => {
  it('takes the offset of the tightest round trip and never stamps ahead of the server', async () => {
    const clock = new ManualClock(1_000_000);
    const rtts = [400, 40, 200];
    let i = 0;
    const st = new BinanceServerTime({
      clock,
      samples: 3,
      fetchServerTime: async () => {
        const rtt = rtts[i++]!;
        clock.advance(rtt / 2);
        const server = clock.now() + 3000; // the server runs 3 s ahead
        clock.advance(rtt / 2);
        return server;
      },
    });
    await st.sync();
    expect(st.offsetMs).toBe(3000);
    expect(st.errorBoundMs).toBe(20);
    expect(st.timestamp()).toBeLessThanOrEqual(clock.now() + 3000);
    expect(st.timestamp()).toBeGreaterThanOrEqual(clock.now() + 3000 - 40);
  });

  it('refuses when the round trip is too slow to bound the drift within recvWindow', async () => {
    const clock = new ManualClock();
    const st = new BinanceServerTime({
      clock,
      recvWindow: 1000,
      fetchServerTime: async () => {
        clock.advance(800);
        return clock.now();
      },
    });
    await expect(st.sync()).rejects.toMatchObject({ code: 'exchange.clock_unbounded' });
  });

  it('rejects an out-of-range recvWindow', () => {
    expect(
      () =>
        new BinanceServerTime({
          clock: new ManualClock(),
          recvWindow: 60_001,
          fetchServerTime: async () => 0,
        }),
    ).toThrow(expect.objectContaining({ code: 'exchange.recv_window' }));
  });

  it('re-measures after the resync interval', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const st = new BinanceServerTime({
      clock,
      resyncEveryMs: 1000,
      fetchServerTime: async () => {
        calls++;
        return clock.now();
      },
    });
    await st.ensureFresh();
    const first = calls;
    await st.ensureFresh();
    expect(calls).toBe(first);
    clock.advance(1001);
    await st.ensureFresh();
    expect(calls).toBeGreaterThan(first);
  });
});
