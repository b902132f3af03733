/**
 * The listed universe (sandbox/data/universe.ts): exchangeInfo as large as the exchange's, with untraded
 * pairs of held and never-touched assets, trading-group-only and BREAK/HALT symbols, deterministic by
 * seed, and invisible to everything else: truth, balances, columnar history, CSV exports and the minimum
 * weight are the same as without it; myTrades/allOrders answer empty arrays for its symbols.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSandboxAccount,
  SANDBOX_PROFILES,
  sandboxMinimumWeight,
  sandboxTruthRecords,
  startSandbox,
  type SandboxAccount,
  type SandboxHandle,
} from '../../sandbox/index.js';
import { AS_OF, errorOf, plain, signed } from './signed-client.js';

type Row = Record<string, unknown>;
const ALL_PERMISSIONS = JSON.stringify([
  'SPOT',
  'MARGIN',
  'LEVERAGED',
  ...Array.from({ length: 24 }, (_, i) => `TRD_GRP_${String(i + 2).padStart(3, '0')}`),
]);

const listedOf = (a: SandboxAccount) => a.symbols.filter((s) => s.listed);
const tradedSlice = (a: SandboxAccount, i: number): number =>
  a.trades.symbolStart[i + 1]! -
  a.trades.symbolStart[i]! +
  a.orders.symbolStart[i + 1]! -
  a.orders.symbolStart[i]!;

describe('the generated universe', () => {
  it('lists about the profile size, untraded symbols after the traded ones, with no trades or orders', () => {
    for (const profile of ['tiny', 'small'] as const) {
      const a = generateSandboxAccount({ seed: 3, profile, asOf: AS_OF });
      expect(listedOf(a).length).toBe(SANDBOX_PROFILES[profile].listedSymbols);
      const first = a.symbols.findIndex((s) => s.untraded);
      expect(first).toBeGreaterThan(0);
      a.symbols.forEach((s, i) => {
        expect(s.untraded === true).toBe(i >= first);
        if (s.untraded) {
          expect(s.listed).toBe(true);
          expect(tradedSlice(a, i)).toBe(0);
        }
      });
      const names = a.symbols.map((s) => s.symbol);
      expect(new Set(names).size).toBe(names.length);
      for (const s of a.symbols) expect(s.symbol).toBe(`${s.baseAsset}${s.quoteAsset}`);
    }
  });

  it('has untraded pairs of held assets, never-touched assets, several quotes, hidden and paused symbols', () => {
    const a = generateSandboxAccount({ seed: 5, profile: 'small', asOf: AS_OF });
    const held = new Set(a.assets);
    const untraded = a.symbols.filter((s) => s.untraded);
    const plausible = untraded.filter((s) => held.has(s.baseAsset) && held.has(s.quoteAsset));
    expect(plausible.length).toBeGreaterThan(5);
    expect(untraded.filter((s) => !held.has(s.baseAsset)).length).toBeGreaterThan(200);
    const quotes = new Set(untraded.map((s) => s.quoteAsset));
    for (const q of ['USDT', 'BTC', 'ETH', 'BNB', 'FDUSD', 'EUR', 'TRY']) expect(quotes).toContain(q);
    expect(untraded.some((s) => s.permissionSets[0]![0] === 'TRD_GRP_005')).toBe(true);
    expect(untraded.some((s) => s.status === 'BREAK')).toBe(true);
    expect(untraded.some((s) => s.status === 'HALT')).toBe(true);
    // No upside-down quote pairs (USDTBTC) and no Simple Earn mirror names (LDxxx).
    expect(untraded.some((s) => s.symbol === 'USDTBTC' || s.symbol === 'BTCBNB')).toBe(false);
    expect(untraded.filter((s) => s.baseAsset.startsWith('LD') && !held.has(s.baseAsset))).toEqual([]);
  });

  it('is deterministic by seed and differs between seeds', () => {
    const names = (seed: number) =>
      generateSandboxAccount({ seed, profile: 'tiny', asOf: AS_OF }).symbols.map(
        (s) => `${s.symbol}:${s.status}:${JSON.stringify(s.permissionSets)}`,
      );
    expect(names(9)).toEqual(names(9));
    expect(names(9)).not.toEqual(names(10));
  });

  it('changes no record: truth, balances, history columns and minimum weight equal those without it', () => {
    const opts = { seed: 4, profile: 'small' as const, asOf: AS_OF };
    const withU = generateSandboxAccount(opts);
    const without = generateSandboxAccount({ ...opts, listedSymbols: 0 });
    expect(without.symbols.some((s) => s.untraded)).toBe(false);
    expect(withU.symbols.length).toBeGreaterThan(without.symbols.length + 300);
    expect(withU.symbols.slice(0, without.symbols.length)).toEqual(without.symbols);
    // Assets that left the exchange (every pair of theirs delisted) get no new listed pair.
    const gone = new Set(without.symbols.filter((s) => !s.listed).map((s) => s.baseAsset));
    for (const s of without.symbols) if (s.listed) gone.delete(s.baseAsset);
    expect(gone.size).toBeGreaterThan(0);
    for (const s of withU.symbols.filter((x) => x.untraded)) {
      expect(gone.has(s.baseAsset), s.symbol).toBe(false);
      expect(gone.has(s.quoteAsset), s.symbol).toBe(false);
    }
    expect([...sandboxTruthRecords(withU)]).toEqual([...sandboxTruthRecords(without)]);
    expect(withU.balances).toEqual(without.balances);
    expect(withU.assets).toEqual(without.assets);
    expect(withU.trades.count).toBe(without.trades.count);
    expect([...withU.trades.id]).toEqual([...without.trades.id]);
    expect([...withU.orders.orderId]).toEqual([...without.orders.orderId]);
    const minU = sandboxMinimumWeight(withU);
    const min0 = sandboxMinimumWeight(without);
    expect(minU.byLimit).toEqual(min0.byLimit);
    const tradeSurface = (m: typeof minU) => m.surfaces.find((s) => s.surface === 'trades')!;
    expect(tradeSurface(minU)).toEqual(tradeSurface(min0));
  });
});

describe('served', () => {
  let sandbox: SandboxHandle;
  let bare: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({
      account: generateSandboxAccount({ seed: 6, profile: 'tiny', asOf: AS_OF }),
    });
    bare = await startSandbox({
      account: generateSandboxAccount({ seed: 6, profile: 'tiny', asOf: AS_OF, listedSymbols: 0 }),
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await bare.close();
  });

  it('exchangeInfo lists the whole universe with every permission, trading-group symbols only then', async () => {
    const all = (
      await plain(`${sandbox.baseUrl}/api/v3/exchangeInfo?permissions=${encodeURIComponent(ALL_PERMISSIONS)}`)
    ).json as { symbols: Row[] };
    expect(all.symbols.length).toBe(SANDBOX_PROFILES.tiny.listedSymbols);
    const byDefault = (await plain(`${sandbox.baseUrl}/api/v3/exchangeInfo`)).json as { symbols: Row[] };
    const hidden = sandbox.account.symbols.filter(
      (s) => s.listed && s.permissionSets.every((set) => set.every((p) => p.startsWith('TRD_GRP'))),
    );
    expect(hidden.length).toBeGreaterThan(0);
    expect(byDefault.symbols.length).toBe(all.symbols.length - hidden.length);
    const breakOnly = (await plain(`${sandbox.baseUrl}/api/v3/exchangeInfo?symbolStatus=BREAK`)).json as {
      symbols: Row[];
    };
    expect(breakOnly.symbols.length).toBeGreaterThan(0);
    expect(breakOnly.symbols.every((s) => s['status'] === 'BREAK')).toBe(true);
  });

  it('myTrades, allOrders and openOrders answer [] for an untraded symbol, -1121 for an unknown one', async () => {
    const untraded = sandbox.account.symbols.filter((s) => s.untraded);
    for (const s of [untraded[0]!, untraded.find((x) => x.status === 'BREAK')!, untraded.at(-1)!]) {
      for (const path of ['/api/v3/myTrades', '/api/v3/allOrders', '/api/v3/openOrders']) {
        const r = await signed(sandbox, path, { symbol: s.symbol });
        expect(r.status, `${path} ${s.symbol}`).toBe(200);
        expect(r.json).toEqual([]);
      }
      const r = await signed(sandbox, '/api/v3/myTrades', { symbol: s.symbol, fromId: 0, limit: 1000 });
      expect(r.json).toEqual([]);
    }
    const unknown = await signed(sandbox, '/api/v3/myTrades', { symbol: 'NOPEUSDT' });
    expect(errorOf(unknown).code).toBe(-1121);
  });

  it('CSV exports are byte for byte those of the same account without the universe', async () => {
    const index = (await plain(`${sandbox.adminUrl}/`)).json as { exports: string[] };
    expect(index.exports.length).toBeGreaterThan(0);
    for (const kind of index.exports) {
      const a = await plain(`${sandbox.adminUrl}/export/${kind}.csv`);
      const b = await plain(`${bare.adminUrl}/export/${kind}.csv`);
      expect(a.status, kind).toBe(b.status);
      expect(a.text, kind).toBe(b.text);
    }
  });

  it('the minimum weight counts one exchangeInfo call and only the symbols with trades', async () => {
    const stats = (await plain(`${sandbox.adminUrl}/stats`)).json as {
      minimumWeight: { surfaces: Array<{ surface: string; calls: number; weight: number }> };
    };
    const bareStats = (await plain(`${bare.adminUrl}/stats`)).json as typeof stats;
    const pick = (s: typeof stats, name: string) => s.minimumWeight.surfaces.find((x) => x.surface === name)!;
    for (const name of ['symbols', 'trades', 'orders', 'open orders']) {
      expect(pick(stats, name).calls, name).toBe(pick(bareStats, name).calls);
      expect(pick(stats, name).weight, name).toBe(pick(bareStats, name).weight);
    }
  });
});
