/**
 * GET /sapi/v1/asset/wallet/balance (CONTRACT.md 4.19, 2.1): a read-only key gets -2015 (HTTP 401); a key
 * with "Permits Universal Transfer" gets the per-wallet totals in the documented shape and order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { errorOf, signed, start } from './signed-client.js';

const PATH = '/sapi/v1/asset/wallet/balance';
const NAMES = [
  'Spot',
  'Funding',
  'Cross Margin',
  'Isolated Margin',
  'USDⓈ-M Futures',
  'COIN-M Futures',
  'Earn',
  'Options',
  'Trading Bots',
  'Copy Trading',
];
type Wallets = Array<{ activate: boolean; balance: string; walletName: string }>;

let readOnly: SandboxHandle;
let transfer: SandboxHandle;
beforeAll(async () => {
  [readOnly, transfer] = await Promise.all([start(), start({ keyPermissions: ['transfer'] })]);
});
afterAll(() => Promise.all([readOnly.close(), transfer.close()]));

describe('wallet/balance', () => {
  it('a read-only key is refused with -2015', async () => {
    const r = await signed(readOnly, PATH);
    expect(r.status).toBe(401);
    expect(errorOf(r)).toEqual({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
  });

  it('a key with Universal Transfer gets every wallet, valued in BTC by default or in quoteAsset', async () => {
    const r = await signed(transfer, PATH);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-sapi-used-ip-weight-1m')).toBe('60');
    const btc = r.json as unknown as Wallets;
    expect(btc.map((w) => w.walletName)).toEqual(NAMES);
    for (const w of btc) {
      expect(typeof w.activate).toBe('boolean');
      expect(w.balance).toMatch(/^\d+(\.\d{1,8})?$/);
    }
    const byName = new Map(btc.map((w) => [w.walletName, w]));
    // The tiny account holds spot, funding and Earn positions, and nothing in futures.
    for (const name of ['Spot', 'Funding', 'Earn'])
      expect(Number(byName.get(name)!.balance)).toBeGreaterThan(0);
    expect(byName.get('USDⓈ-M Futures')).toEqual({
      activate: false,
      balance: '0',
      walletName: 'USDⓈ-M Futures',
    });
    const usdt = (await signed(transfer, PATH, { quoteAsset: 'USDT' })).json as unknown as Wallets;
    // One BTC price converts every wallet: the ratios agree (the calls are milliseconds apart).
    const rate = (name: string): number =>
      Number(usdt.find((w) => w.walletName === name)!.balance) / Number(byName.get(name)!.balance);
    expect(rate('Spot')).toBeGreaterThan(1000);
    expect(rate('Funding') / rate('Spot')).toBeCloseTo(1, 4);
    expect(rate('Earn') / rate('Spot')).toBeCloseTo(1, 4);
    expect(errorOf(await signed(transfer, PATH, { quoteAsset: 'NOPE' })).code).toBe(-1130);
  });
});
