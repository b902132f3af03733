/**
 * The balance changes of every record but trades and wallet transfers, in generation order, with the
 * generator's exact balance effects and the operation labels of the real Transaction History. Both the
 * Transaction History export (exports/statement.ts, CSV-routed records) and the web wallet's transaction
 * history (web/transaction-history.ts, web-routed records) are built from it; each adds its own trade legs
 * and wallet-transfer rows, where the two surfaces differ.
 */
import { addDecimals, negateDecimal } from '../../core/index.js';
import type { Routes, SandboxAccount } from './model.js';

/** Where a change lands. */
export type ChangeAccount = 'Spot' | 'Funding' | 'Earn';

/** One balance change as a transaction history shows it. */
export interface ChangeRow {
  time: number;
  account: string;
  operation: string;
  coin: string;
  /** Signed canonical decimal. */
  change: string;
  remark: string;
}

/**
 * Receives one change: `id` is `<kind>:<id>:<leg>` (the truth record's kind and id, the leg counting
 * from 0), `change` a signed decimal, not canonical and possibly zero (a zero change is no row).
 */
export type ChangeSink = (
  id: string,
  time: number,
  account: ChangeAccount,
  operation: string,
  coin: string,
  change: string,
  remark: string,
) => void;

/** Where the two surfaces label Earn rewards differently. */
export interface ChangeStyle {
  /** The route a record must have to show (`any`: every record, for balances at a past instant). */
  route: 'csv' | 'web' | 'any';
  /** The operation of a flexible reward of this `type` (`REALTIME`, `BONUS`, `REWARDS`). */
  flexibleRewardOperation(type: string): string;
  /** True when a reward's remark is its type (else empty). */
  rewardTypeRemark: boolean;
}

const neg = negateDecimal;

/** Calls `sink` for every change of the account's records but trades and wallet transfers. */
export function forEachChange(account: SandboxAccount, style: ChangeStyle, sink: ChangeSink): void {
  const push = (
    id: string,
    time: number,
    acct: ChangeAccount,
    operation: string,
    coin: string,
    change: string,
    remark = '',
  ): void => sink(id, time, acct, operation, coin, change, remark);
  const route = style.route;
  const shown = (routes: Routes): boolean => route === 'any' || routes[route];
  for (const { raw: d, routes } of account.deposits) {
    if (!shown(routes) || (d.status !== 1 && d.status !== 6)) continue;
    push(
      `transfer:deposit:${d.id}:0`,
      d.insertTime,
      d.walletType === 1 ? 'Funding' : 'Spot',
      'Deposit',
      d.coin,
      d.amount,
    );
  }
  for (const { raw: w, routes } of account.withdrawals) {
    if (!shown(routes) || w.status !== 6) continue;
    const time = Date.parse(`${w.applyTime.replace(' ', 'T')}Z`);
    push(
      `transfer:withdrawal:${w.id}:0`,
      time,
      'Spot',
      'Withdraw',
      w.coin,
      neg(addDecimals(w.amount, w.transactionFee)),
      'Withdraw fee is included',
    );
  }
  for (const { raw: v, routes } of account.converts) {
    if (!shown(routes) || v.orderStatus !== 'SUCCESS') continue;
    const id = v.orderId.toString();
    push(`conversion:${id}:0`, v.createTime, 'Spot', 'Binance Convert', v.fromAsset, neg(v.fromAmount));
    push(`conversion:${id}:1`, v.createTime, 'Spot', 'Binance Convert', v.toAsset, v.toAmount);
  }
  for (const { raw: g, routes } of account.dribblets) {
    if (!shown(routes)) continue;
    for (const d of g.userAssetDribbletDetails) {
      const op = 'Small Assets Exchange BNB';
      push(`dust:${d.transId}:0`, d.operateTime, 'Spot', op, d.fromAsset, neg(d.amount));
      push(`dust:${d.transId}:1`, d.operateTime, 'Spot', op, d.targetAsset ?? 'BNB', d.transferedAmount);
    }
  }
  // Subscriptions move Spot to Earn, redemptions Earn to Spot: leg 0 takes, leg 1 gives.
  const earnMove = (
    id: string,
    time: number,
    from: ChangeAccount,
    to: ChangeAccount,
    operation: string,
    asset: string,
    amount: string,
  ): void => {
    push(`${id}:0`, time, from, operation, asset, neg(amount));
    push(`${id}:1`, time, to, operation, asset, amount);
  };
  const rewardRemark = (type: string): string => (style.rewardTypeRemark ? type : '');
  for (const { raw: s, routes } of account.flexibleSubscriptions) {
    if (!shown(routes) || s.status !== 'SUCCESS') continue;
    const id = `earn_subscription:flexible:${s.purchaseId}`;
    earnMove(id, s.time, 'Spot', 'Earn', 'Simple Earn Flexible Subscription', s.asset, s.amount);
  }
  for (const { raw: r, routes } of account.flexibleRedemptions) {
    if (!shown(routes) || r.status !== 'PAID') continue;
    const id = `earn_redemption:flexible:${r.redeemId}`;
    earnMove(id, r.time, 'Earn', 'Spot', 'Simple Earn Flexible Redemption', r.asset, r.amount);
  }
  for (const { raw: r, routes } of account.flexibleRewards) {
    if (!shown(routes)) continue;
    push(
      `earn_reward:flexible:${r.type}:${r.asset}:${r.time}:${r.projectId}:0`,
      r.time,
      'Earn',
      style.flexibleRewardOperation(r.type),
      r.asset,
      r.rewards,
      rewardRemark(r.type),
    );
  }
  for (const { raw: s, routes } of account.lockedSubscriptions) {
    if (!shown(routes) || s.status !== 'SUCCESS') continue;
    const id = `earn_subscription:locked:${s.purchaseId}`;
    earnMove(id, s.time, 'Spot', 'Earn', 'Simple Earn Locked Subscription', s.asset, s.amount);
  }
  for (const { raw: r, routes } of account.lockedRedemptions) {
    if (!shown(routes) || r.status !== 'PAID') continue;
    const id = `earn_redemption:locked:${r.redeemId}`;
    earnMove(id, r.time, 'Earn', 'Spot', 'Simple Earn Locked Redemption', r.asset, r.amount);
  }
  for (const { raw: r, routes } of account.lockedRewards) {
    if (!shown(routes)) continue;
    push(
      `earn_reward:locked:${r.type}:${r.asset}:${r.time}:${r.positionId}:0`,
      r.time,
      'Spot',
      'Simple Earn Locked Rewards',
      r.asset,
      r.amount,
      rewardRemark(r.type),
    );
  }
  for (const { raw: x, routes, feeRow } of account.autoInvestExecutions) {
    if (!shown(routes) || x.transactionStatus !== 'SUCCESS') continue;
    const op = 'Auto-Invest Transaction';
    const time = x.transactionDateTime;
    // Each execution's rows together, its fee row (when the period writes one) right after its legs, as
    // a spot trade's fee row follows its legs; a portfolio run's executions one after the other.
    push(
      `autoinvest_execution:${x.id}:0`,
      time,
      'Spot',
      op,
      x.sourceAsset,
      neg(feeRow ? x.sourceAssetAmount : addDecimals(x.sourceAssetAmount, x.transactionFee)),
    );
    push(`autoinvest_execution:${x.id}:1`, time, 'Spot', op, x.targetAsset, x.targetAssetAmount);
    if (feeRow)
      push(
        `autoinvest_execution:${x.id}:2`,
        time,
        'Spot',
        'Transaction Fee',
        x.transactionFeeUnit,
        neg(x.transactionFee),
      );
  }
  for (const { raw: p, routes } of account.c2cOrders) {
    if (!shown(routes) || p.orderStatus !== 'COMPLETED') continue;
    const id = `p2p_order:${p.orderNumber}`;
    if (p.tradeType === 'BUY') {
      push(`${id}:0`, p.createTime, 'Funding', 'P2P Trading', p.asset, p.amount);
      push(`${id}:1`, p.createTime, 'Funding', 'P2P Trading', p.asset, neg(p.commission), 'Fee');
    } else {
      push(
        `${id}:0`,
        p.createTime,
        'Funding',
        'P2P Trading',
        p.asset,
        neg(addDecimals(p.amount, p.commission)),
      );
    }
  }
  for (const { raw: f, routes, transactionType } of account.fiatOrders) {
    if (!shown(routes) || (f.status !== 'Successful' && f.status !== 'Finished')) continue;
    const change =
      transactionType === 1 ? neg(addDecimals(f.amount, f.totalFee)) : addDecimals(f.amount, neg(f.totalFee));
    push(
      `fiat_transfer:fiat:${f.orderNo}:0`,
      f.createTime,
      'Spot',
      transactionType === 1 ? 'Fiat Withdraw' : 'Fiat Deposit',
      f.fiatCurrency,
      change,
    );
  }
  for (const { raw: f, routes, transactionType } of account.fiatPayments) {
    if (!shown(routes) || f.status !== 'Completed') continue;
    const id = `fiat_transfer:payment:${f.orderNo}`;
    if (transactionType === 1) {
      const op = 'Sell Crypto To Fiat';
      push(`${id}:0`, f.createTime, 'Spot', op, f.cryptoCurrency, neg(f.obtainAmount));
      push(`${id}:1`, f.createTime, 'Spot', op, f.fiatCurrency, addDecimals(f.sourceAmount, neg(f.totalFee)));
    } else {
      push(`${id}:0`, f.createTime, 'Spot', 'Buy Crypto', f.fiatCurrency, neg(f.sourceAmount));
      push(`${id}:1`, f.createTime, 'Spot', 'Buy Crypto', f.cryptoCurrency, f.obtainAmount);
    }
  }
  for (const { raw: d, routes } of account.dividends) {
    if (!shown(routes)) continue;
    const change = d.direction === -1 ? neg(d.amount) : d.amount;
    push(`dividend:${d.id}:0`, d.divTime, 'Spot', 'Distribution', d.asset, change, d.enInfo);
  }
}
