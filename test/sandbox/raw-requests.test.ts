/**
 * RAW_REQUESTS (CONTRACT.md 3.1): exchangeInfo advertises the limit the sandbox enforces, every /api
 * request counts whatever its weight, and a burst past it gets 429 with Retry-After, then 418.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, plain, start } from './signed-client.js';

interface RateLimit {
  rateLimitType: string;
  interval: string;
  intervalNum: number;
  limit: number;
}

const rawRule = async (baseUrl: string): Promise<RateLimit | undefined> => {
  const info = (await plain(`${baseUrl}/api/v3/exchangeInfo?symbol=BTCUSDT`)).json as unknown as {
    rateLimits: RateLimit[];
  };
  return info.rateLimits.find((r) => r.rateLimitType === 'RAW_REQUESTS');
};

describe('RAW_REQUESTS', () => {
  it('advertises 300,000 per 5 minutes by default (the 2026-04-02 value)', async () => {
    const s = await start();
    try {
      expect(await rawRule(s.baseUrl)).toEqual({
        rateLimitType: 'RAW_REQUESTS',
        interval: 'MINUTE',
        intervalNum: 5,
        limit: 300000,
      });
    } finally {
      await s.close();
    }
  });

  it('a burst of weight-1 calls past a lowered limit gets 429 with Retry-After, then a 418 ban', async () => {
    // A "minute" of 2 s makes the 5-minute window 10 s: the burst below fits in one window.
    const s = await start({ limitWindowMs: 2000, rawRequestsLimit: 30 });
    try {
      // Start just after a window edge so the whole burst lands in one window.
      await new Promise((r) => setTimeout(r, 10_000 - (Date.now() % 10_000) + 5));
      expect((await rawRule(s.baseUrl))?.limit).toBe(30);
      // exchangeInfo was request 1; 29 more fit, each far below the weight limit.
      const ok = await Promise.all(Array.from({ length: 29 }, () => plain(`${s.baseUrl}/api/v3/time`)));
      expect(ok.map((r) => r.status)).toEqual(Array(29).fill(200));
      expect(Number(ok.at(-1)!.headers.get('x-mbx-used-weight-1m'))).toBeLessThan(6000);
      const limited = await plain(`${s.baseUrl}/api/v3/time`);
      expect(limited.status).toBe(429);
      expect(errorOf(limited).code).toBe(-1003);
      expect(errorOf(limited).msg).toMatch(
        /^Too many requests; current limit of IP\(.+\) is 30 requests per 5 MINUTE\./,
      );
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      let banned = limited;
      for (let i = 0; i < 5 && banned.status !== 418; i++) banned = await plain(`${s.baseUrl}/api/v3/time`);
      expect(banned.status).toBe(418);
      expect(errorOf(banned).msg).toMatch(/^Way too much request weight used; IP banned until \d+\. /);
      expect(Number(banned.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const stats = (await plain(`${s.adminUrl}/stats`)).json as {
        rateLimited429: number;
        banned418: number;
      };
      expect(stats.rateLimited429).toBeGreaterThanOrEqual(1);
      expect(stats.banned418).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('counts /api only: /sapi requests do not use it up', async () => {
    const s = await start({ limitWindowMs: 60_000, rawRequestsLimit: 2 });
    try {
      for (let i = 0; i < 5; i++)
        expect((await plain(`${s.baseUrl}/sapi/v1/account/status`)).status).not.toBe(429);
      expect((await plain(`${s.baseUrl}/api/v3/time`)).status).toBe(200);
      expect((await plain(`${s.baseUrl}/api/v3/time`)).status).toBe(200);
      expect((await plain(`${s.baseUrl}/api/v3/time`)).status).toBe(429);
    } finally {
      await s.close();
    }
  });
});
