/**
 * One P2P trade, counted once. The API sync (and the P2P history export) store a P2P order as a
 * `p2p_order`; the transaction-history statement lists the same trade as `P2P Trading` legs. The CSV
 * importer matches a leg to its order when the order is already stored; a leg imported before its order
 * arrived is a `balance_change` of category `p2p` until the next import or sync folds it
 * (connectors/binance/csv relink). Until then the ledger holds both, so every balance view (reconcile,
 * the ledger view) asks {@link p2pCoveredChanges} which P2P changes an order already explains and skips
 * them. The rule is the importer's own (connectors/binance/csv/statement.ts `p2pMatchRule`): same asset, a
 * settled order created at most {@link P2P_LEG_BEFORE_MS} before the leg (a trade is released after it
 * was created) and at most 2 s after, whose net change (buy +amount − fee, sell −(amount + fee)) or gross
 * amount equals the leg's change; one order explains one change, or several orders of one second explain
 * one change that sums them. connectors/ may not import ledger/, hence the twin.
 */
import { addDecimals, compareDecimals, negateDecimal, subDecimals } from '../core/index.js';
import type { AccountRecord, BalanceChange, P2POrder } from '../schemas/index.js';
import type { LedgerRecordReader } from './types.js';

/** How long before a statement leg its P2P order may have been created (creation to release). */
export const P2P_LEG_BEFORE_MS = 24 * 3_600_000;
/** How far the statement's time may run ahead of the order's (whole seconds, clocks). */
export const P2P_LEG_AFTER_MS = 2_000;

const SETTLED = new Set(['completed', 'complete', 'success', 'successful', 'finished']);

function eq(a: string, b: string): boolean {
  return compareDecimals(a, b) === 0;
}

/** The signed change a settled P2P order made to its asset (undefined when it is not settled). */
export function p2pOrderNet(order: P2POrder): { net: string; gross: string } | undefined {
  if (!SETTLED.has(order.status.toLowerCase())) return undefined;
  const fee = order.fee ?? '0';
  if (order.side === 'buy') return { net: subDecimals(order.amount, fee), gross: order.amount };
  return { net: negateDecimal(addDecimals(order.amount, fee)), gross: negateDecimal(order.amount) };
}

/** True when `order` alone is the P2P trade whose statement change is `change`. */
export function p2pOrderExplains(
  order: P2POrder,
  change: Pick<BalanceChange, 'asset' | 'amount' | 'time'>,
): boolean {
  if (order.asset !== change.asset) return false;
  if (order.time < change.time - P2P_LEG_BEFORE_MS || order.time > change.time + P2P_LEG_AFTER_MS)
    return false;
  const n = p2pOrderNet(order);
  return n !== undefined && (eq(n.net, change.amount) || eq(n.gross, change.amount));
}

/**
 * True when `fee` is the fee row of `order`, whose trade row `leg` matched by its gross amount: same
 * asset, −fee, at most {@link P2P_LEG_AFTER_MS} after the trade row (a statement the importer could not
 * join, because the fee row said nothing of a fee, or a ledger an earlier release filled).
 */
export function p2pFeeLegOf(
  order: P2POrder,
  leg: Pick<BalanceChange, 'amount' | 'time'>,
  fee: Pick<BalanceChange, 'asset' | 'amount' | 'time'>,
): boolean {
  const n = p2pOrderNet(order);
  const orderFee = order.fee ?? '0';
  if (!n || compareDecimals(orderFee, 0) === 0 || !eq(n.gross, leg.amount) || eq(n.net, leg.amount))
    return false;
  return (
    fee.asset === order.asset &&
    fee.time >= leg.time &&
    fee.time <= leg.time + P2P_LEG_AFTER_MS &&
    eq(fee.amount, negateDecimal(orderFee))
  );
}

function isP2pChange(r: AccountRecord): r is BalanceChange {
  return r.kind === 'balance_change' && r.category === 'p2p';
}

/**
 * The `balance_change` records of category `p2p` a stored `p2p_order` explains, as `account\0id` keys.
 * Reads only those two kinds of the accounts asked (P2P trades are few).
 */
export async function p2pCoveredChanges(
  store: LedgerRecordReader,
  query: { account?: string } = {},
): Promise<Set<string>> {
  const base = query.account !== undefined ? { account: query.account } : {};
  const changes: BalanceChange[] = [];
  for await (const s of store.iterateRecords({ ...base, kind: 'balance_change' }))
    if (isP2pChange(s.record)) changes.push(s.record);
  const covered = new Set<string>();
  if (changes.length === 0) return covered;
  const orders: P2POrder[] = [];
  for await (const s of store.iterateRecords({ ...base, kind: 'p2p_order' }))
    if (s.record.kind === 'p2p_order' && p2pOrderNet(s.record)) orders.push(s.record);
  if (orders.length === 0) return covered;
  const used = new Set<string>();
  const keyOf = (r: AccountRecord): string => `${r.account}\u0000${r.id}`;
  changes.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of changes) {
    if (covered.has(keyOf(c))) continue;
    const free = orders.filter((o) => o.account === c.account && !used.has(keyOf(o)));
    const single = free
      .filter((o) => p2pOrderExplains(o, c))
      .sort((a, b) => Math.abs(a.time - c.time) - Math.abs(b.time - c.time))[0];
    let into = single ? [single] : undefined;
    if (!into) {
      // Several orders of the same second whose changes the statement summed into one.
      const parts = free.filter((o) => o.asset === c.asset && Math.abs(o.time - c.time) <= P2P_LEG_AFTER_MS);
      if (parts.length > 1 && eq(addDecimals(...parts.map((o) => p2pOrderNet(o)!.net)), c.amount))
        into = parts;
    }
    if (!into) continue;
    for (const o of into) used.add(keyOf(o));
    covered.add(keyOf(c));
    // Its fee row, when it stands apart: the order explains it too.
    const fee = changes.find(
      (f) => f !== c && f.account === c.account && !covered.has(keyOf(f)) && p2pFeeLegOf(into![0]!, c, f),
    );
    if (into.length === 1 && fee) covered.add(keyOf(fee));
  }
  return covered;
}
