/**
 * The truth reconciles: for every asset, the balance effects of all history records (the rules of
 * docs/normalized-model.md "Balance effect", implemented here from the doc, not from the sandbox) sum to
 * the final balances the truth reports (spot + funding + earn).
 */
import { describe, expect, it } from 'vitest';
import { DecimalTotals, dec } from '../../core/index.js';
import {
  generateSandboxAccount as generateAccount,
  sandboxTruthRecords as truthRecords,
  type SandboxTruthRecord as TruthRecord,
} from '../../sandbox/index.js';

function effects(r: TruthRecord, totals: DecimalTotals): void {
  const add = (asset: string, amount: string | undefined, sign = 1): void => {
    if (amount === undefined) return;
    totals.add(asset, sign > 0 ? amount : dec(amount).negated());
  };
  switch (r.kind) {
    case 'trade':
      if (r.side === 'buy') {
        add(r.baseAsset, r.qty);
        add(r.quoteAsset, r.quoteQty, -1);
      } else {
        add(r.baseAsset, r.qty, -1);
        add(r.quoteAsset, r.quoteQty);
      }
      add(r.feeAsset, r.fee, -1);
      return;
    case 'transfer':
      if (r.status !== 'completed') return;
      if (r.type === 'deposit') add(r.asset, r.amount);
      else if (r.type === 'withdrawal') {
        add(r.asset, r.amount, -1);
        add(r.asset, r.fee, -1);
      }
      return;
    case 'conversion':
      if (r.status !== 'success') return;
      add(r.fromAsset, r.fromAmount, -1);
      add(r.toAsset, r.toAmount);
      return;
    case 'dust':
      add(r.fromAsset, r.amount, -1);
      add(r.toAsset, r.toAmount);
      return;
    case 'earn_reward':
      add(r.asset, r.amount);
      return;
    case 'autoinvest_execution':
      if (r.status !== 'success') return;
      add(r.sourceAsset, r.sourceAssetAmount, -1);
      add(r.feeAsset ?? r.sourceAsset, r.fee, -1);
      add(r.targetAsset, r.targetAssetAmount);
      return;
    case 'p2p_order':
      if (r.status !== 'completed') return;
      add(r.asset, r.amount, r.side === 'buy' ? 1 : -1);
      add(r.asset, r.fee, -1);
      return;
    case 'fiat_transfer': {
      const ok = ['successful', 'finished', 'completed'].includes(r.status);
      if (!ok) return;
      if (r.type === 'deposit') {
        add(r.fiatCurrency, r.amount);
        add(r.fiatCurrency, r.fee, -1);
      } else if (r.type === 'withdrawal') {
        add(r.fiatCurrency, r.amount, -1);
        add(r.fiatCurrency, r.fee, -1);
      } else if (r.type === 'buy') {
        add(r.fiatCurrency, r.amount, -1);
        add(r.cryptoAsset!, r.cryptoAmount);
      } else {
        add(r.fiatCurrency, r.amount);
        add(r.fiatCurrency, r.fee, -1);
        add(r.cryptoAsset!, r.cryptoAmount, -1);
      }
      return;
    }
    case 'dividend':
      add(r.asset, r.amount, r.direction === 'out' ? -1 : 1);
      return;
    default:
      return;
  }
}

describe('sandbox truth reconciles', () => {
  for (const profile of ['tiny', 'small'] as const) {
    for (const seed of [1, 42]) {
      it(`${profile} seed ${seed}: history sums to the final balances per asset`, () => {
        const account = generateAccount({ profile, seed, asOf: Date.UTC(2026, 10, 1) });
        const history = new DecimalTotals();
        const balances = new DecimalTotals();
        let count = 0;
        for (const r of truthRecords(account)) {
          count++;
          if (r.kind === 'balance') {
            expect(r.asset.startsWith('LD') && r.asset !== 'LDO').toBe(false);
            balances.add(r.asset, r.free);
            balances.add(r.asset, r.locked);
          } else effects(r, history);
        }
        expect(count).toBeGreaterThan(100);
        const assets = new Set([...history.keys(), ...balances.keys()]);
        const mismatches = [...assets].filter((a) => history.get(a) !== balances.get(a));
        expect(mismatches.map((a) => `${a}: history ${history.get(a)} balance ${balances.get(a)}`)).toEqual(
          [],
        );
      });
    }
  }

  it('is deterministic for a seed and different across seeds', () => {
    const asOf = Date.UTC(2026, 10, 1);
    const a = [...truthRecords(generateAccount({ seed: 5, asOf }))];
    const b = [...truthRecords(generateAccount({ seed: 5, asOf }))];
    const c = [...truthRecords(generateAccount({ seed: 6, asOf }))];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });
});
