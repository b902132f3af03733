/**
 * Rate limits (CONTRACT.md 3) with a scaled window, the 429 -> 418 escalation, and the fault injector.
 */
import { describe, expect, it } from 'vitest';
import { parseSandboxFaults } from '../../sandbox/index.js';
import { errorOf, plain, signed, start, type Reply } from './signed-client.js';

describe('rate limits', () => {
  it('REQUEST_WEIGHT 6000 per window: 429 with Retry-After, then 418 bans that grow for repeat offenders', async () => {
    // A 1-minute window scaled to 3 s: a ban of "2 minutes" lasts 6 s, the next 12 s.
    const s = await start({ limitWindowMs: 3000 });
    const heavy = (): Promise<Reply> => signed(s, '/api/v3/openOrders'); // weight 80
    /** Uses up the window (75 x 80 = 6000, sent at once), then keeps calling until banned; returns the ban end. */
    const offend = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 3000 - (Date.now() % 3000) + 5));
      const burst = await Promise.all(Array.from({ length: 75 }, heavy));
      expect(burst.map((r) => r.status)).toEqual(Array(75).fill(200));
      expect(Math.max(...burst.map((r) => Number(r.headers.get('x-mbx-used-weight-1m'))))).toBe(6000);
      const limited = await heavy();
      expect(limited.status).toBe(429);
      expect(errorOf(limited)).toEqual({
        code: -1003,
        msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
      });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      let banned = limited;
      for (let i = 0; i < 5 && banned.status !== 418; i++) banned = await plain(`${s.baseUrl}/api/v3/time`);
      expect(banned.status).toBe(418);
      const m = /^Way too much request weight used; IP banned until (\d+)\. /.exec(errorOf(banned).msg);
      expect(m).not.toBeNull();
      expect(Number(banned.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Still banned: every call is 418, even weight-1 ones.
      expect((await plain(`${s.baseUrl}/api/v3/time`)).status).toBe(418);
      return Number(m![1]);
    };
    try {
      const until1 = await offend();
      expect(until1 - Date.now()).toBeGreaterThan(4000);
      expect(until1 - Date.now()).toBeLessThanOrEqual(6000);
      await new Promise((r) => setTimeout(r, until1 - Date.now() + 20));
      expect((await plain(`${s.baseUrl}/api/v3/time`)).status).toBe(200);
      const until2 = await offend();
      expect(until2 - Date.now()).toBeGreaterThan(9000);
      const stats = (await plain(`${s.adminUrl}/stats`)).json as {
        rateLimited429: number;
        banned418: number;
      };
      expect(stats.rateLimited429).toBeGreaterThanOrEqual(2);
      expect(stats.banned418).toBeGreaterThanOrEqual(4);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('/sapi budgets are per endpoint: IP 12000 and UID 180000 per window, with their headers', async () => {
    const s = await start({ limitWindowMs: 60_000 });
    try {
      const a = await signed(s, '/sapi/v1/simple-earn/flexible/position');
      expect(a.headers.get('x-sapi-used-ip-weight-1m')).toBe('150');
      const b = await signed(s, '/sapi/v1/simple-earn/locked/position');
      expect(b.headers.get('x-sapi-used-ip-weight-1m')).toBe('150');
      const c = await signed(s, '/sapi/v1/fiat/orders', { transactionType: 0 });
      expect(c.headers.get('x-sapi-used-uid-weight-1m')).toBe('45000');
      for (let i = 0; i < 3; i++) await signed(s, '/sapi/v1/fiat/orders', { transactionType: 0 });
      const d = await signed(s, '/sapi/v1/fiat/orders', { transactionType: 0 });
      expect(d.status).toBe(429);
      // Another endpoint's budget is untouched.
      expect((await signed(s, '/sapi/v1/fiat/payments', { transactionType: 0 })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('faults', () => {
  it('parses the documented grammar and rejects bad items', () => {
    const spec = parseSandboxFaults(
      '429:0.05,5xx:0.02,reset:0.01,latency:20-200,418@request=500,403:0.01,truncate:0.01,503@every=7',
    );
    expect(spec.latency).toEqual([20, 200]);
    expect(spec.rules).toContainEqual({ kind: '418', requests: [500, 500] });
    expect(spec.rules).toContainEqual({ kind: '503', every: 7 });
    for (const bad of ['429', '429:2', 'boom:0.1', 'latency:5-1', '418@request=0', 'reset@every=2-3'])
      expect(() => parseSandboxFaults(bad), bad).toThrow(/--faults/);
  });

  it('scheduled faults: 403 WAF page, 5xx, reset, truncated body, 429, 418 ban', async () => {
    const s = await start({
      faults:
        '403@request=1,503@request=2,reset@request=3,truncate@request=4,429@request=5,502@request=6,418@request=8',
    });
    try {
      const url = `${s.baseUrl}/api/v3/time`;
      const waf = await plain(url);
      expect(waf.status).toBe(403);
      expect(waf.headers.get('content-type')).toContain('text/html');
      const busy = await plain(url);
      expect([busy.status, errorOf(busy).code]).toEqual([503, -1008]);
      await expect(fetch(url)).rejects.toThrow();
      await expect(fetch(url).then((r) => r.text())).rejects.toThrow();
      const limited = await plain(url);
      expect([limited.status, errorOf(limited).code]).toEqual([429, -1003]);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect((await plain(url)).status).toBe(502);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await plain(url)).status).toBe(200);
      const banned = await plain(url);
      expect(banned.status).toBe(418);
      expect(errorOf(banned).msg).toMatch(/IP banned until \d+/);
      const stats = (await plain(`${s.adminUrl}/stats`)).json as { faultsInjected: Record<string, number> };
      expect(stats.faultsInjected).toMatchObject({
        '403': 1,
        '503': 1,
        reset: 1,
        truncate: 1,
        '429': 1,
        '502': 1,
        '418': 1,
      });
    } finally {
      await s.close();
    }
  });

  it('latency delays every API request but not the admin surface', async () => {
    const s = await start({ faults: 'latency:150-160' });
    try {
      let t = performance.now();
      await plain(`${s.baseUrl}/api/v3/time`);
      expect(performance.now() - t).toBeGreaterThanOrEqual(145);
      t = performance.now();
      await plain(`${s.adminUrl}/credentials`);
      expect(performance.now() - t).toBeLessThan(145);
    } finally {
      await s.close();
    }
  });

  it('probabilistic faults are reproducible for a seed', async () => {
    const run = async (): Promise<number[]> => {
      const s = await start({ faults: '500:0.3', seed: 9 });
      try {
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await plain(`${s.baseUrl}/api/v3/time`)).status);
        return out;
      } finally {
        await s.close();
      }
    };
    const a = await run();
    expect(a.filter((x) => x === 500).length).toBeGreaterThan(2);
    expect(await run()).toEqual(a);
  });
});
