/**
 * The Transaction History ("Generate all statements") export of the sandbox account: one row per
 * balance change of every CSV-routed record, with the generator's exact balance effects, so the changes
 * per asset sum to the final balances. Labels follow the real exports: `Buy`/`Sell`/`Fee` in the 2019
 * and 2021 generations, `Transaction Buy`/`Spend`/`Sold`/`Revenue`/`Fee` in 2025.
 */
import { addDecimals, canonicalDecimal, negateDecimal } from '../../core/index.js';
import { tradeAt } from '../data/columns.js';
import { ROUTE_CSV, type SandboxAccount } from '../data/model.js';

/** One balance change. */
export interface StatementRow {
  time: number;
  account: string;
  operation: string;
  coin: string;
  /** Signed canonical decimal. */
  change: string;
  remark: string;
}

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
  for (const { raw: d, routes } of account.deposits) {
    if (!routes.csv || (d.status !== 1 && d.status !== 6)) continue;
    push(d.insertTime, d.walletType === 1 ? 'Funding' : 'Spot', 'Deposit', d.coin, d.amount);
  }
  for (const { raw: w, routes } of account.withdrawals) {
    if (!routes.csv || w.status !== 6) continue;
    const time = Date.parse(`${w.applyTime.replace(' ', 'T')}Z`);
    push(
      time,
      'Spot',
      'Withdraw',
      w.coin,
      neg(addDecimals(w.amount, w.transactionFee)),
      'Withdraw fee is included',
    );
  }
  for (const { raw: v, routes } of account.converts) {
    if (!routes.csv || v.orderStatus !== 'SUCCESS') continue;
    push(v.createTime, 'Spot', 'Binance Convert', v.fromAsset, neg(v.fromAmount));
    push(v.createTime, 'Spot', 'Binance Convert', v.toAsset, v.toAmount);
  }
  for (const { raw: g, routes } of account.dribblets) {
    if (!routes.csv) continue;
    for (const d of g.userAssetDribbletDetails) {
      push(d.operateTime, 'Spot', 'Small Assets Exchange BNB', d.fromAsset, neg(d.amount));
      push(d.operateTime, 'Spot', 'Small Assets Exchange BNB', d.targetAsset ?? 'BNB', d.transferedAmount);
    }
  }
  for (const { raw: s, routes } of account.flexibleSubscriptions) {
    if (!routes.csv || s.status !== 'SUCCESS') continue;
    push(s.time, 'Spot', 'Simple Earn Flexible Subscription', s.asset, neg(s.amount));
    push(s.time, 'Earn', 'Simple Earn Flexible Subscription', s.asset, s.amount);
  }
  for (const { raw: r, routes } of account.flexibleRedemptions) {
    if (!routes.csv || r.status !== 'PAID') continue;
    push(r.time, 'Earn', 'Simple Earn Flexible Redemption', r.asset, neg(r.amount));
    push(r.time, 'Spot', 'Simple Earn Flexible Redemption', r.asset, r.amount);
  }
  for (const { raw: r, routes } of account.flexibleRewards) {
    if (!routes.csv) continue;
    push(
      r.time,
      'Earn',
      r.type === 'BONUS' ? 'Simple Earn Flexible Airdrop' : 'Simple Earn Flexible Interest',
      r.asset,
      r.rewards,
    );
  }
  for (const { raw: s, routes } of account.lockedSubscriptions) {
    if (!routes.csv || s.status !== 'SUCCESS') continue;
    push(s.time, 'Spot', 'Simple Earn Locked Subscription', s.asset, neg(s.amount));
    push(s.time, 'Earn', 'Simple Earn Locked Subscription', s.asset, s.amount);
  }
  for (const { raw: r, routes } of account.lockedRedemptions) {
    if (!routes.csv || r.status !== 'PAID') continue;
    push(r.time, 'Earn', 'Simple Earn Locked Redemption', r.asset, neg(r.amount));
    push(r.time, 'Spot', 'Simple Earn Locked Redemption', r.asset, r.amount);
  }
  for (const { raw: r, routes } of account.lockedRewards) {
    if (!routes.csv) continue;
    push(r.time, 'Spot', 'Simple Earn Locked Rewards', r.asset, r.amount);
  }
  for (const { raw: x, routes } of account.autoInvestExecutions) {
    if (!routes.csv || x.transactionStatus !== 'SUCCESS') continue;
    push(
      x.transactionDateTime,
      'Spot',
      'Auto-Invest Transaction',
      x.sourceAsset,
      neg(addDecimals(x.sourceAssetAmount, x.transactionFee)),
    );
    push(x.transactionDateTime, 'Spot', 'Auto-Invest Transaction', x.targetAsset, x.targetAssetAmount);
  }
  for (const { raw: p, routes } of account.c2cOrders) {
    if (!routes.csv || p.orderStatus !== 'COMPLETED') continue;
    if (p.tradeType === 'BUY') {
      push(p.createTime, 'Funding', 'P2P Trading', p.asset, p.amount);
      push(p.createTime, 'Funding', 'P2P Trading', p.asset, neg(p.commission), 'Fee');
    } else {
      push(p.createTime, 'Funding', 'P2P Trading', p.asset, neg(addDecimals(p.amount, p.commission)));
    }
  }
  for (const { raw: f, routes, transactionType } of account.fiatOrders) {
    if (!routes.csv || (f.status !== 'Successful' && f.status !== 'Finished')) continue;
    const change =
      transactionType === 1 ? neg(addDecimals(f.amount, f.totalFee)) : addDecimals(f.amount, neg(f.totalFee));
    push(
      f.createTime,
      'Spot',
      transactionType === 1 ? 'Fiat Withdraw' : 'Fiat Deposit',
      f.fiatCurrency,
      change,
    );
  }
  for (const { raw: f, routes, transactionType } of account.fiatPayments) {
    if (!routes.csv || f.status !== 'Completed') continue;
    if (transactionType === 1) {
      push(f.createTime, 'Spot', 'Sell Crypto To Fiat', f.cryptoCurrency, neg(f.obtainAmount));
      push(
        f.createTime,
        'Spot',
        'Sell Crypto To Fiat',
        f.fiatCurrency,
        addDecimals(f.sourceAmount, neg(f.totalFee)),
      );
    } else {
      push(f.createTime, 'Spot', 'Buy Crypto', f.fiatCurrency, neg(f.sourceAmount));
      push(f.createTime, 'Spot', 'Buy Crypto', f.cryptoCurrency, f.obtainAmount);
    }
  }
  for (const { raw: d, routes } of account.dividends) {
    if (!routes.csv) continue;
    push(d.divTime, 'Spot', 'Distribution', d.asset, d.direction === -1 ? neg(d.amount) : d.amount, d.enInfo);
  }
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
