/**
 * Auto-Invest plan/list: "max one request every 3s per account" (CONTRACT.md 4.13). The gap runs from
 * the last answered call, scaled with --limit-window-ms like every window.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, signed, start } from './signed-client.js';

const PLANS = '/sapi/v1/lending/auto-invest/plan/list';

describe('auto-invest plan/list spacing', () => {
  it('a second call within 3 s gets 429 with Retry-After; after the gap it is answered', async () => {
    // A "minute" of 6 s: the 3 s gap is 300 ms.
    const s = await start({ limitWindowMs: 6000 });
    try {
      // A refused call (no planType) starts no gap.
      expect(errorOf(await signed(s, PLANS)).code).toBe(-1102);
      expect((await signed(s, PLANS, { planType: 'SINGLE' })).status).toBe(200);
      const tooSoon = await signed(s, PLANS, { planType: 'PORTFOLIO' });
      expect(tooSoon.status).toBe(429);
      expect(errorOf(tooSoon)).toEqual({
        code: -1003,
        msg: 'Too many requests; current limit is 1 requests per 3 SECOND. Please use WebSocket Streams for live updates to avoid polling the API.',
      });
      expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Other endpoints have no such rule (one call: while limited, more calls would be strikes toward a ban).
      expect((await signed(s, '/sapi/v1/lending/auto-invest/history/list')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 320));
      expect((await signed(s, PLANS, { planType: 'PORTFOLIO' })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
