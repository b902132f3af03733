/**
 * The unified "Transaction History" the web wallet shows (and the signed API has no endpoint for): one
 * row per balance change, per account (Spot, Funding, Earn), with the operation labels of the Data
 * Download Center export. Built from the same records as the truth, with exactly the balance effects of
 * the generator, so the changes per asset sum to the final balances (spot free + locked, funding, earn).
 *
 * Trades make up most rows and can number in the millions, so trade legs are not materialized: the index
 * holds (time, reference) pairs and a page resolves only its own rows.
 */
import { canonicalDecimal, negateDecimal } from '../../core/index.js';
import { forEachChange, type ChangeAccount, type ChangeRow } from '../data/changes.js';
import { ROUTE_WEB } from '../data/model.js';
import type { SandboxAccount } from '../data/model.js';
import { fmt8 } from '../data/units.js';

/** One balance change. */
export interface WebTransactionRow extends ChangeRow {
  /** Stable id: `<kind>:<id>:<leg>`, where kind and id are the truth record's (docs/normalized-model.md) and leg counts from 0. */
  id: string;
  /** `Spot`, `Funding` or `Earn`. */
  account: ChangeAccount;
}

/** Filters of the transaction-history endpoint. */
export interface TransactionFilter {
  coin?: string | undefined;
  account?: string | undefined;
  startTime?: number | undefined;
  endTime?: number | undefined;
}

/** The index: rows newest first; `ref >= 0` names `others[ref]`, `ref < 0` a trade leg. */
export interface TransactionIndex {
  others: WebTransactionRow[];
  time: Float64Array;
  ref: Float64Array;
  order: Uint32Array;
}

const neg = negateDecimal;
const c = canonicalDecimal;

const FLEX_REWARD_OPERATION: Record<string, string> = {
  REALTIME: 'Simple Earn Flexible Interest',
  BONUS: 'Simple Earn Flexible Airdrop',
  REWARDS: 'Rewards Distribution',
};

/** Every non-trade balance change of the account (web-readable records only). */
function otherRows(account: SandboxAccount): WebTransactionRow[] {
  const rows: WebTransactionRow[] = [];
  const push = (
    id: string,
    time: number,
    acct: WebTransactionRow['account'],
    operation: string,
    coin: string,
    change: string,
    remark = '',
  ): void => {
    if (c(change) === '0') return;
    rows.push({ id, time, account: acct, operation, coin, change: c(change), remark });
  };
  forEachChange(
    account,
    {
      route: 'web',
      flexibleRewardOperation: (type) => FLEX_REWARD_OPERATION[type] ?? 'Simple Earn Flexible Interest',
      rewardTypeRemark: true,
    },
    push,
  );
  for (const { raw: u, routes } of account.universalTransfers) {
    if (!routes.web || u.status !== 'CONFIRMED') continue;
    const toFunding = u.type === 'MAIN_FUNDING';
    const op = 'Transfer Between Main and Funding Wallet';
    push(
      `transfer:wallet:${u.tranId}:0`,
      u.timestamp,
      toFunding ? 'Spot' : 'Funding',
      op,
      u.asset,
      neg(u.amount),
    );
    push(`transfer:wallet:${u.tranId}:1`, u.timestamp, toFunding ? 'Funding' : 'Spot', op, u.asset, u.amount);
  }
  return rows;
}

/** Builds the index (once per app). */
export function buildTransactionIndex(account: SandboxAccount): TransactionIndex {
  const others = otherRows(account);
  const t = account.trades;
  let legs = 0;
  for (let i = 0; i < t.count; i++) {
    if (((t.routes[i] as number) & ROUTE_WEB) === 0) continue;
    legs += (t.commission[i] as number) > 0 ? 3 : 2;
  }
  const n = others.length + legs;
  const time = new Float64Array(n);
  const ref = new Float64Array(n);
  let k = 0;
  others.forEach((row, i) => {
    time[k] = row.time;
    ref[k++] = i;
  });
  for (let i = 0; i < t.count; i++) {
    if (((t.routes[i] as number) & ROUTE_WEB) === 0) continue;
    const legCount = (t.commission[i] as number) > 0 ? 3 : 2;
    for (let leg = 0; leg < legCount; leg++) {
      time[k] = t.time[i] as number;
      ref[k++] = -(i * 4 + leg + 1);
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (time[b] as number) - (time[a] as number) || b - a);
  return { others, time, ref, order };
}

function tradeLegCoin(account: SandboxAccount, r: number): string {
  const tradeRow = Math.floor((-r - 1) / 4);
  const leg = (-r - 1) % 4;
  const t = account.trades;
  const sym = account.symbols[t.symbol[tradeRow] as number]!;
  if (leg === 2) return account.assets[t.commissionAsset[tradeRow] as number]!;
  return leg === 0 ? sym.baseAsset : sym.quoteAsset;
}

function tradeLegRow(account: SandboxAccount, r: number): WebTransactionRow {
  const i = Math.floor((-r - 1) / 4);
  const leg = (-r - 1) % 4;
  const t = account.trades;
  const sym = account.symbols[t.symbol[i] as number]!;
  const buyer = ((t.flags[i] as number) & 1) !== 0;
  const base = { time: t.time[i] as number, account: 'Spot' as const, remark: '' };
  const id = `trade:${sym.symbol}:${t.id[i] as number}:${leg}`;
  if (leg === 2) {
    return {
      ...base,
      id,
      operation: 'Transaction Fee',
      coin: account.assets[t.commissionAsset[i] as number]!,
      change: c(`-${fmt8(t.commission[i] as number)}`),
    };
  }
  if (leg === 0) {
    const qty = fmt8(t.qty[i] as number);
    return {
      ...base,
      id,
      operation: buyer ? 'Transaction Buy' : 'Transaction Sold',
      coin: sym.baseAsset,
      change: c(buyer ? qty : `-${qty}`),
    };
  }
  const quote = fmt8(t.quoteQty[i] as number);
  return {
    ...base,
    id,
    operation: buyer ? 'Transaction Spend' : 'Transaction Revenue',
    coin: sym.quoteAsset,
    change: c(buyer ? `-${quote}` : quote),
  };
}

/** Positions in `index.order` matching the filter. */
export function filterTransactions(
  account: SandboxAccount,
  index: TransactionIndex,
  filter: TransactionFilter,
): Uint32Array {
  const out: number[] = [];
  const onlyAllTime =
    !filter.coin && !filter.account && filter.startTime === undefined && filter.endTime === undefined;
  if (onlyAllTime) return index.order;
  for (let k = 0; k < index.order.length; k++) {
    const p = index.order[k] as number;
    const time = index.time[p] as number;
    if (filter.endTime !== undefined && time > filter.endTime) continue;
    if (filter.startTime !== undefined && time < filter.startTime) break;
    const r = index.ref[p] as number;
    if (r >= 0) {
      const row = index.others[r]!;
      if (filter.coin && row.coin !== filter.coin) continue;
      if (filter.account && row.account !== filter.account) continue;
    } else {
      if (filter.account && filter.account !== 'Spot') continue;
      if (filter.coin && tradeLegCoin(account, r) !== filter.coin) continue;
    }
    out.push(p);
  }
  return Uint32Array.from(out);
}

/** The row at a position of `index.order`. */
export function transactionAt(
  account: SandboxAccount,
  index: TransactionIndex,
  p: number,
): WebTransactionRow {
  const r = index.ref[p] as number;
  return r >= 0 ? index.others[r]! : tradeLegRow(account, r);
}
