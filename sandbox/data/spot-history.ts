/**
 * The spot wallet at a past instant, derived from the account's records (what the truth holds): the
 * final spot balance minus the spot effect of every record after that instant: trades, the balance
 * changes of data/changes.ts (every route, not only one surface's), and universal transfers into or out
 * of spot. Locked amounts are the open orders placed by then. accountSnapshot serves its daily SPOT
 * snapshots from this, so a snapshot agrees with the history a client can read, record for record.
 */
import { forEachChange, type ChangeStyle } from './changes.js';
import type { SandboxAccount } from './model.js';
import { parseUnits } from './units.js';

/** One asset's spot balance in units of 1e-8. */
export interface SpotHolding {
  free: number;
  locked: number;
}

/** Every record, whatever its route; labels do not matter here. */
const ANY_ROUTE: ChangeStyle = {
  route: 'any',
  flexibleRewardOperation: () => '',
  rewardTypeRemark: false,
};

/** One spot effect of a record: `units` of `asset` moved at `time` (into `locked` when `lock`). */
interface Effect {
  time: number;
  asset: string;
  units: number;
  lock: boolean;
}

/** Every spot effect after `since`: balance changes, trades, universal transfers, open-order locks. */
function effectsAfter(account: SandboxAccount, since: number): Effect[] {
  const out: Effect[] = [];
  const push = (time: number, asset: string, units: number, lock = false): void => {
    if (time > since && units !== 0) out.push({ time, asset, units, lock });
  };
  forEachChange(account, ANY_ROUTE, (_id, time, wallet, _op, coin, change) => {
    if (wallet === 'Spot') push(time, coin, parseUnits(change));
  });
  const tr = account.trades;
  for (let i = 0; i < tr.count; i++) {
    const time = tr.time[i] as number;
    if (time <= since) continue;
    const s = account.symbols[tr.symbol[i] as number]!;
    const buy = ((tr.flags[i] as number) & 1) !== 0;
    const qty = tr.qty[i] as number;
    const quoteQty = tr.quoteQty[i] as number;
    push(time, s.baseAsset, buy ? qty : -qty);
    push(time, s.quoteAsset, buy ? -quoteQty : quoteQty);
    push(time, account.assets[tr.commissionAsset[i] as number]!, -(tr.commission[i] as number));
  }
  for (const { raw } of account.universalTransfers) {
    if (raw.status !== 'CONFIRMED') continue;
    if (raw.type.startsWith('MAIN_')) push(raw.timestamp, raw.asset, -parseUnits(raw.amount));
    if (raw.type.endsWith('_MAIN')) push(raw.timestamp, raw.asset, parseUnits(raw.amount));
  }
  // An open order locks its remaining amount from its placement on (the total does not change).
  const o = account.orders;
  for (let i = 0; i < o.count; i++) {
    const status = o.status[i] as number;
    if (status !== 0 && status !== 1) continue;
    const s = account.symbols[o.symbol[i] as number]!;
    const remaining = (o.origQty[i] as number) - (o.executedQty[i] as number);
    const buy = (o.side[i] as number) === 0;
    const units = buy ? Number((BigInt(o.price[i] as number) * BigInt(remaining)) / 100_000_000n) : remaining;
    push(o.time[i] as number, buy ? s.quoteAsset : s.baseAsset, units, true);
  }
  return out.sort((a, b) => b.time - a.time);
}

/**
 * Spot balances at each instant of `times` (records at an instant included), by asset in asset order,
 * zero rows left out. One pass: start from the final balances and undo effects newest first.
 */
export function spotBalancesAt(
  account: SandboxAccount,
  times: readonly number[],
): Map<number, Map<string, SpotHolding>> {
  const result = new Map<number, Map<string, SpotHolding>>();
  if (times.length === 0) return result;
  const total = new Map<string, number>();
  const locked = new Map<string, number>();
  const add = (map: Map<string, number>, asset: string, units: number): void => {
    map.set(asset, (map.get(asset) ?? 0) + units);
  };
  for (const b of account.balances) {
    if (b.wallet !== 'spot') continue;
    add(total, b.asset, parseUnits(b.free) + parseUnits(b.locked));
    add(locked, b.asset, parseUnits(b.locked));
  }
  const descending = [...new Set(times)].sort((a, b) => b - a);
  const effects = effectsAfter(account, descending.at(-1)!);
  let next = 0;
  for (const t of descending) {
    for (; next < effects.length && effects[next]!.time > t; next++) {
      const e = effects[next]!;
      add(e.lock ? locked : total, e.asset, -e.units);
    }
    const holdings = new Map<string, SpotHolding>();
    for (const asset of [...total.keys()].sort()) {
      const units = total.get(asset)!;
      if (units === 0) continue;
      const l = locked.get(asset) ?? 0;
      holdings.set(asset, { free: units - l, locked: l });
    }
    result.set(t, holdings);
  }
  return result;
}
