/**
 * The Transaction History ("Generate all statements") export of the sandbox account: one row per
 * balance change of every CSV-routed record, with the generator's exact balance effects, so the changes
 * per asset sum to the final balances. Labels follow the real exports: `Buy`/`Sell`/`Fee` in the 2019
 * and 2021 generations, `Transaction Buy`/`Spend`/`Sold`/`Revenue`/`Fee` in 2025.
 */
import { canonicalDecimal, negateDecimal } from '../../core/index.js';
import { forEachChange, type ChangeRow } from '../data/changes.js';
import { tradeAt } from '../data/columns.js';
import { ROUTE_CSV, type SandboxAccount } from '../data/model.js';

/** One balance change. */
export type StatementRow = ChangeRow;

const neg = negateDecimal;
const c = canonicalDecimal;

const WALLET_ACCOUNT: Record<string, string> = {
  MAIN: 'Spot',
  FUNDING: 'Funding',
  UMFUTURE: 'USDT-Futures',
  CMFUTURE: 'Coin-M Futures',
  MARGIN: 'Cross Margin',
  ISOLATEDMARGIN: 'Isolated Margin',
};

function transferLabel(type: string): string {
  if (type === 'MAIN_FUNDING' || type === 'FUNDING_MAIN') return 'Transfer Between Main and Funding Wallet';
  if (type.includes('UMFUTURE')) return 'Transfer Between Spot Account and UM Futures Account';
  if (type.includes('CMFUTURE')) return 'Transfer Between Spot Account and CM Futures Account';
  if (type.includes('MARGIN')) return 'Transfer Between Main Account/Futures and Margin Account';
  return 'Transfer Between Main and Funding Wallet';
}

/** Every non-trade balance change, in generation order. */
function otherRows(account: SandboxAccount): StatementRow[] {
  const rows: StatementRow[] = [];
  const push = (
    time: number,
    acct: string,
    operation: string,
    coin: string,
    change: string,
    remark = '',
  ): void => {
    if (c(change) === '0') return;
    rows.push({ time, account: acct, operation, coin, change: c(change), remark });
  };
  forEachChange(
    account,
    {
      route: 'csv',
      flexibleRewardOperation: (type) =>
        type === 'BONUS' ? 'Simple Earn Flexible Airdrop' : 'Simple Earn Flexible Interest',
      rewardTypeRemark: false,
    },
    (_id, time, acct, operation, coin, change, remark) => push(time, acct, operation, coin, change, remark),
  );
  for (const { raw: u, routes } of account.universalTransfers) {
    if (!routes.csv || u.status !== 'CONFIRMED') continue;
    const [from = 'MAIN', to = 'FUNDING'] = u.type.split('_');
    const op = transferLabel(u.type);
    push(u.timestamp, WALLET_ACCOUNT[from] ?? from, op, u.asset, neg(u.amount));
    push(u.timestamp, WALLET_ACCOUNT[to] ?? to, op, u.asset, u.amount);
  }
  return rows;
}

/** The legs of trade row i: base, quote, and fee (when the commission is not zero). */
function tradeLegs(account: SandboxAccount, i: number, generation: 'old' | 'new'): StatementRow[] {
  const t = tradeAt(account, i);
  const sym = account.symbols[account.trades.symbol[i] as number]!;
  const base = { time: t.time, account: 'Spot', remark: '' };
  const labels =
    generation === 'old'
      ? { buyBase: 'Buy', buyQuote: 'Buy', sellBase: 'Sell', sellQuote: 'Sell', fee: 'Fee' }
      : {
          buyBase: 'Transaction Buy',
          buyQuote: 'Transaction Spend',
          sellBase: 'Transaction Sold',
          sellQuote: 'Transaction Revenue',
          fee: 'Transaction Fee',
        };
  const rows: StatementRow[] = t.isBuyer
    ? [
        { ...base, operation: labels.buyBase, coin: sym.baseAsset, change: c(t.qty) },
        { ...base, operation: labels.buyQuote, coin: sym.quoteAsset, change: neg(t.quoteQty) },
      ]
    : [
        { ...base, operation: labels.sellBase, coin: sym.baseAsset, change: neg(t.qty) },
        { ...base, operation: labels.sellQuote, coin: sym.quoteAsset, change: c(t.quoteQty) },
      ];
  if (c(t.commission) !== '0')
    rows.push({ ...base, operation: labels.fee, coin: t.commissionAsset, change: neg(t.commission) });
  return rows;
}

/** Every statement row in time order (trades merged in without materializing all their legs at once). */
export function* statementRows(account: SandboxAccount, generation: 'old' | 'new'): Generator<StatementRow> {
  const others = otherRows(account).sort((a, b) => a.time - b.time);
  const t = account.trades;
  const order: number[] = [];
  for (let i = 0; i < t.count; i++) if (((t.routes[i] as number) & ROUTE_CSV) !== 0) order.push(i);
  order.sort((a, b) => (t.time[a] as number) - (t.time[b] as number) || a - b);
  let k = 0;
  for (const i of order) {
    const time = t.time[i] as number;
    while (k < others.length && others[k]!.time <= time) yield others[k++]!;
    yield* tradeLegs(account, i, generation);
  }
  while (k < others.length) yield others[k++]!;
}
