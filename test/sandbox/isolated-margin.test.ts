/**
 * GET /sapi/v1/margin/isolated/account ([SWG] "Query Isolated Margin Account Info (USER_DATA)",
 * Weight(IP) 10, schema isolatedMarginAccountInfo): every isolated account without `symbols`, the named
 * ones with it (at most 5), -1121 for a symbol the exchange does not know, an empty list for an account
 * without isolated margin. The shape itself is checked against the swagger in swagger-shapes.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSandboxAccount } from '../../sandbox/index.js';
import type { SandboxAccount, SandboxHandle } from '../../sandbox/index.js';
import { errorOf, signed, start } from './signed-client.js';

const PATH = '/sapi/v1/margin/isolated/account';

interface Side {
  asset: string;
  free: string;
  locked: string;
  borrowed: string;
  interest: string;
  netAsset: string;
  netAssetOfBtc: string;
  totalAsset: string;
  borrowEnabled: boolean;
  repayEnabled: boolean;
}
interface Listing {
  assets: Array<{
    symbol: string;
    baseAsset: Side;
    quoteAsset: Side;
    enabled: boolean;
    isolatedCreated: boolean;
    marginLevel: string;
    marginLevelStatus: string;
  }>;
  totalAssetOfBtc: string;
  totalLiabilityOfBtc: string;
  totalNetAssetOfBtc: string;
}

let sandbox: SandboxHandle;
let shortAccount: SandboxHandle;
let noMargin: SandboxHandle;
let named: string[];
let short: { symbol: string; base: string; quote: string };

beforeAll(async () => {
  sandbox = await start();
  const named0 = new Set<string>();
  for (const e of sandbox.account.universalTransfers) {
    if (e.fromSymbol) named0.add(e.fromSymbol);
    if (e.toSymbol) named0.add(e.toSymbol);
  }
  named = [...named0].sort();
  const base: SandboxAccount = generateSandboxAccount({ profile: 'tiny', seed: 7 });
  const sym = base.symbols.find((s) => s.listed && s.quoteAsset === 'USDT' && s.baseAsset !== 'BTC')!;
  short = { symbol: sym.symbol, base: sym.baseAsset, quote: sym.quoteAsset };
  const zero = { free: '0', locked: '0', borrowed: '0', interest: '0' };
  shortAccount = await start({
    account: {
      ...base,
      isolatedMargin: [
        {
          symbol: sym.symbol,
          enabled: true,
          base: { free: '0', locked: '0', borrowed: '2', interest: '0.001' },
          quote: { free: '250.5', locked: '0', borrowed: '0', interest: '0' },
        },
        { symbol: 'BTCUSDT', enabled: false, base: zero, quote: zero },
      ],
    },
  });
  noMargin = await start({ account: { ...base, isolatedMargin: [] } });
});
afterAll(() => Promise.all([sandbox.close(), shortAccount.close(), noMargin.close()]));

describe('margin/isolated/account', () => {
  it('lists every isolated account a transfer named (empty, enabled), at weight 10', async () => {
    expect(named.length).toBeGreaterThan(0);
    const r = await signed(sandbox, PATH);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('x-sapi-used-ip-weight-1m')).toBe('10');
    const body = r.json as unknown as Listing;
    expect(body.assets.map((a) => a.symbol)).toEqual(named);
    for (const a of body.assets) {
      const sym = sandbox.account.symbols.find((s) => s.symbol === a.symbol)!;
      expect(a.baseAsset.asset).toBe(sym.baseAsset);
      expect(a.quoteAsset.asset).toBe(sym.quoteAsset);
      expect(a.enabled).toBe(true);
      expect(a.isolatedCreated).toBe(true);
      expect(a.baseAsset.totalAsset).toBe('0.00000000');
      expect(a.quoteAsset.totalAsset).toBe('0.00000000');
      expect(a.marginLevelStatus).toBe('EXCESSIVE');
    }
    expect(body.totalAssetOfBtc).toBe('0.00000000');
    const again = await signed(sandbox, PATH);
    expect(again.headers.get('x-sapi-used-ip-weight-1m')).toBe('20');
  });

  it('symbols selects accounts; at most 5; an unknown symbol is -1121', async () => {
    const one = (await signed(sandbox, PATH, { symbols: named[0]! })).json as unknown as Listing;
    expect(one.assets.map((a) => a.symbol)).toEqual([named[0]]);
    // A listed symbol without an isolated account of the user: left out, not an error.
    const other = sandbox.account.symbols.find((s) => s.listed && !named.includes(s.symbol))!;
    const none = await signed(sandbox, PATH, { symbols: other.symbol });
    expect(none.status).toBe(200);
    expect((none.json as unknown as Listing).assets).toEqual([]);
    const both = (await signed(sandbox, PATH, { symbols: `${other.symbol},${named[0]!}` }))
      .json as unknown as Listing;
    expect(both.assets.map((a) => a.symbol)).toEqual([named[0]]);
    const bad = await signed(sandbox, PATH, { symbols: `${named[0]!},NOPENOPE` });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    const listed = sandbox.account.symbols.filter((s) => s.listed).map((s) => s.symbol);
    const six = await signed(sandbox, PATH, { symbols: listed.slice(0, 6).join(',') });
    expect(six.status).toBe(400);
    expect(errorOf(six).code).toBe(-1130);
    expect((await signed(sandbox, PATH, { symbols: listed.slice(0, 5).join(',') })).status).toBe(200);
  });

  it('a short: the borrowed base shows as debt, disabled accounts are listed as disabled', async () => {
    const body = (await signed(shortAccount, PATH)).json as unknown as Listing;
    expect(body.assets.map((a) => a.symbol).sort()).toEqual(['BTCUSDT', short.symbol].sort());
    const a = body.assets.find((x) => x.symbol === short.symbol)!;
    expect(a.baseAsset).toMatchObject({
      asset: short.base,
      free: '0.00000000',
      borrowed: '2.00000000',
      interest: '0.00100000',
      netAsset: '-2.00100000',
      totalAsset: '0.00000000',
    });
    expect(a.quoteAsset).toMatchObject({
      asset: short.quote,
      free: '250.50000000',
      totalAsset: '250.50000000',
    });
    expect(a.marginLevel).not.toBe('999.00000000');
    expect(Number(body.totalLiabilityOfBtc)).toBeGreaterThan(0);
    expect(body.assets.find((x) => x.symbol === 'BTCUSDT')!.enabled).toBe(false);
  });

  it('an account that never used isolated margin gets an empty list', async () => {
    const r = await signed(noMargin, PATH);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      assets: [],
      totalAssetOfBtc: '0.00000000',
      totalLiabilityOfBtc: '0.00000000',
      totalNetAssetOfBtc: '0.00000000',
    });
  });
});
