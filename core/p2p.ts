/**
 * One P2P trade, counted once: the rule that ties a P2P order (`p2p_order`, from the API sync or the P2P
 * export) to the `P2P Trading` rows of the transaction-history statement. The CSV importer
 * (connectors/binance/csv: the statement's match, the fold of legs stored before their order) and the
 * ledger's balance views (ledger/p2p.ts) apply the same rule; connectors/ may not import ledger/ (DESIGN.md
 * section 2), so it lives here, where both may. core/ imports no schemas/, so it reads the fields of an
 * order and of a statement change structurally (the schemas' `P2POrder` and `BalanceChange` fit them).
 *
 * The rule: same asset, a settled order created at most {@link P2P_LEG_BEFORE_MS} before the change (a
 * trade is released after it was created) and at most {@link P2P_LEG_AFTER_MS} after, whose net change
 * (buy +amount − fee, sell −(amount + fee)) or gross amount equals the change; one order explains one
 * change, or several orders of one second explain one change that sums them.
 */
import { addDecimals, compareDecimals, isZeroDecimal, negateDecimal, subDecimals } from './decimal.js';

/** How long before a statement leg its P2P order may have been created (creation to release). */
export const P2P_LEG_BEFORE_MS = 24 * 3_600_000;
/** How far the statement's time may run ahead of the order's (whole seconds, clocks). */
export const P2P_LEG_AFTER_MS = 2_000;

/** The fields of a P2P order the rule reads (the account model's `P2POrder` has them). */
export interface P2POrderTerms {
  asset: string;
  side: 'buy' | 'sell';
  /** Crypto amount, a decimal string. */
  amount: string;
  fee?: string | undefined;
  /** Exchange status (any case). */
  status: string;
  /** Creation time, epoch ms. */
  time: number;
}

/** A statement change (a leg, or the legs of one trade summed): asset, signed amount, epoch ms. */
export interface P2PChange {
  asset: string;
  amount: string;
  time: number;
}

const SETTLED = new Set(['completed', 'complete', 'success', 'successful', 'finished']);

function eq(a: string, b: string): boolean {
  return compareDecimals(a, b) === 0;
}

/** The signed change a settled P2P order made to its asset (undefined when it is not settled). */
export function p2pOrderNet(order: P2POrderTerms): { net: string; gross: string } | undefined {
  if (!SETTLED.has(order.status.toLowerCase())) return undefined;
  const fee = order.fee ?? '0';
  if (order.side === 'buy') return { net: subDecimals(order.amount, fee), gross: order.amount };
  return { net: negateDecimal(addDecimals(order.amount, fee)), gross: negateDecimal(order.amount) };
}

/**
 * True when `order` alone is the P2P trade whose statement change is `change`: same asset, created at most
 * {@link P2P_LEG_BEFORE_MS} before it and at most `after` ms after, its net change (or, when the fee row
 * is elsewhere, its gross amount) equal.
 */
export function p2pOrderExplains(
  order: P2POrderTerms,
  change: P2PChange,
  after: number = P2P_LEG_AFTER_MS,
): boolean {
  if (order.asset !== change.asset) return false;
  if (order.time < change.time - P2P_LEG_BEFORE_MS || order.time > change.time + after) return false;
  const n = p2pOrderNet(order);
  return n !== undefined && (eq(n.net, change.amount) || eq(n.gross, change.amount));
}

/**
 * The orders of `free` (settled, not yet used) that explain `change`: the nearest one that explains it
 * alone, else several of the change's second (within {@link P2P_LEG_AFTER_MS}) whose net changes the
 * statement summed into it; undefined when none do.
 */
export function p2pOrdersExplaining<O extends P2POrderTerms>(change: P2PChange, free: O[]): O[] | undefined {
  const single = free
    .filter((o) => p2pOrderExplains(o, change))
    .sort((a, b) => Math.abs(a.time - change.time) - Math.abs(b.time - change.time))[0];
  if (single) return [single];
  const parts = free.filter(
    (o) => o.asset === change.asset && Math.abs(o.time - change.time) <= P2P_LEG_AFTER_MS,
  );
  if (parts.length > 1 && eq(addDecimals(...parts.map((o) => p2pOrderNet(o)!.net)), change.amount))
    return parts;
  return undefined;
}

/**
 * True when `fee` is the fee row of `order`, whose trade row `leg` matched by its gross amount: same
 * asset, −fee, at most {@link P2P_LEG_AFTER_MS} after the trade row (a statement the importer could not
 * join, because the fee row said nothing of a fee, or a ledger an earlier release filled).
 */
export function p2pFeeLegOf(
  order: P2POrderTerms,
  leg: Pick<P2PChange, 'amount' | 'time'>,
  fee: P2PChange,
): boolean {
  const n = p2pOrderNet(order);
  const orderFee = order.fee ?? '0';
  if (!n || isZeroDecimal(orderFee) || !eq(n.gross, leg.amount) || eq(n.net, leg.amount)) return false;
  return (
    fee.asset === order.asset &&
    fee.time >= leg.time &&
    fee.time <= leg.time + P2P_LEG_AFTER_MS &&
    eq(fee.amount, negateDecimal(orderFee))
  );
}
