/**
 * The truth: every record of a sandbox account in the normalized account model (docs/normalized-model.md,
 * schemas/account), with the routes that can reach it. `/__sandbox/truth` streams it as JSON lines; tests
 * and benchmarks compare what a client fetched against it.
 *
 * Mapping choices where the model leaves room (the generator moves balances exactly this way):
 * - fiat orders: `amount` is the raw `amount`; deposits credit `amount - fee`, withdrawals debit `amount + fee`.
 * - fiat payments: `amount` is `sourceAmount` (fiat, fee included); buys debit `amount`, sells credit `amount - fee`.
 * - deposits with transferType 1 are `direction: in` with `internal: true`; wallet transfers are `direction: internal`.
 * - balances: only non-zero rows (spot free or locked, funding, earn wallets); LD* mirrors are not balances.
 */
import { canonicalDecimal } from '../../core/index.js';
import type { AccountRecord } from '../../schemas/index.js';
import { orderAt, routesFromBits, tradeAt } from './columns.js';
import type { Routes, SandboxAccount } from './model.js';

/** A truth record: a normalized record with its routes (no `source`, no `raw`). */
export type TruthRecord = AccountRecord & { routes: Array<'api' | 'web' | 'csv'> };

/**
 * canonicalDecimal with a fast path for the plain unsigned decimals the generator writes ("0.00150000"):
 * the truth of the large profile has millions of amounts, and the regex is ~20x faster than decimal.js.
 */
function c(value: string): string {
  const m = /^(\d+)(?:\.(\d*?)0*)?$/.exec(value);
  if (!m) return canonicalDecimal(value);
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = m[2] ?? '';
  return frac ? `${whole}.${frac}` : whole;
}

const ALL_ROUTES: Routes = { api: true, web: true, csv: true };

function routeList(routes: Routes): Array<'api' | 'web' | 'csv'> {
  const out: Array<'api' | 'web' | 'csv'> = [];
  if (routes.api) out.push('api');
  if (routes.web) out.push('web');
  if (routes.csv) out.push('csv');
  return out;
}

/** Withdraw history times are "YYYY-MM-DD HH:mm:ss" UTC. */
function parseUtc(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function depositStatus(status: number): TruthRecordStatus {
  switch (status) {
    case 1:
    case 6:
      return 'completed';
    case 2:
      return 'rejected';
    case 7:
      return 'failed';
    default:
      return 'pending';
  }
}
type TruthRecordStatus = 'pending' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'processing';

function withdrawalStatus(status: number): TruthRecordStatus {
  return (
    (['pending', 'cancelled', 'pending', 'rejected', 'processing', 'failed', 'completed'] as const)[status] ??
    'pending'
  );
}

/** Wallet codes of universal-transfer types, longest first (`ISOLATED_MARGIN` and `PORTFOLIO_MARGIN` hold a `_`). */
const WALLET_CODES = [
  'PORTFOLIO_MARGIN',
  'ISOLATED_MARGIN',
  'ISOLATEDMARGIN',
  'UMFUTURE',
  'CMFUTURE',
  'FUNDING',
  'MARGIN',
  'OPTION',
  'MINING',
  'MAIN',
  'C2C',
  'PAY',
];

/** `MAIN_ISOLATED_MARGIN` → [`MAIN`, `ISOLATED_MARGIN`]; a type of unknown codes splits at its first `_`. */
function transferWallets(type: string): [string, string] {
  for (const from of WALLET_CODES) {
    if (!type.startsWith(`${from}_`)) continue;
    const to = type.slice(from.length + 1);
    if (WALLET_CODES.includes(to)) return [from, to];
  }
  const cut = type.indexOf('_');
  return cut < 0 ? [type, ''] : [type.slice(0, cut), type.slice(cut + 1)];
}

/** The model's wallet name: `spot`, `funding`, `isolated_margin:<symbol>`, else the code lower-cased. */
function walletOf(code: string, symbol?: string): string {
  if (code === 'MAIN') return 'spot';
  if (code === 'FUNDING') return 'funding';
  if (code === 'ISOLATED_MARGIN' || code === 'ISOLATEDMARGIN')
    return symbol ? `isolated_margin:${symbol}` : 'isolated_margin';
  return code.toLowerCase();
}

/** Yields every truth record of the account: balances and state first, then history kind by kind. */
export function* truthRecords(account: SandboxAccount, accountLabel = 'main'): Generator<TruthRecord> {
  const symbolMeta = account.symbols;
  /** A record's first fields, the same in every kind. */
  const head = <K extends TruthRecord['kind']>(kind: K, id: string, time: number, routes: Routes) => ({
    kind,
    id,
    account: accountLabel,
    time,
    routes: routeList(routes),
  });

  for (const b of account.balances) {
    if (c(b.free) === '0' && c(b.locked) === '0') continue;
    yield {
      ...head('balance', `${b.wallet}:${b.asset}`, account.asOf, ALL_ROUTES),
      wallet: b.wallet,
      asset: b.asset,
      free: c(b.free),
      locked: c(b.locked),
    };
  }

  for (const { raw, routes } of account.flexiblePositions) {
    yield {
      ...head('earn_position', `flexible:${raw.productId}`, account.asOf, routes),
      product: 'flexible',
      asset: raw.asset,
      amount: c(raw.totalAmount),
      productId: raw.productId,
      apr: c(raw.latestAnnualPercentageRate),
      canRedeem: raw.canRedeem,
    };
  }
  for (const { raw, routes } of account.lockedPositions) {
    yield {
      ...head('earn_position', `locked:${raw.positionId}`, account.asOf, routes),
      product: 'locked',
      asset: raw.asset,
      amount: c(raw.amount),
      projectId: raw.projectId,
      positionId: String(raw.positionId),
      apr: c(raw.APY),
      status: raw.status,
      canRedeem: raw.canRedeemEarly,
    };
  }

  /** An order's or a trade's first fields: its symbol and the symbol's assets, from row `i` of its columns. */
  const spotHead = <K extends 'order' | 'trade'>(
    kind: K,
    columns: SandboxAccount['orders'] | SandboxAccount['trades'],
    i: number,
    row: { symbol: string; time: number },
    id: number,
  ) => {
    const sym = symbolMeta[columns.symbol[i] as number]!;
    return {
      ...head(kind, `${row.symbol}:${id}`, row.time, routesFromBits(columns.routes[i] as number)),
      symbol: row.symbol,
      baseAsset: sym.baseAsset,
      quoteAsset: sym.quoteAsset,
    };
  };

  for (let i = 0; i < account.orders.count; i++) {
    const o = orderAt(account, i);
    yield {
      ...spotHead('order', account.orders, i, o, o.orderId),
      orderId: String(o.orderId),
      clientOrderId: o.clientOrderId,
      side: o.side === 'BUY' ? 'buy' : 'sell',
      type: o.type,
      status: o.status,
      price: c(o.price),
      origQty: c(o.origQty),
      executedQty: c(o.executedQty),
      cumulativeQuoteQty: c(o.cummulativeQuoteQty),
      updateTime: o.updateTime,
    };
  }

  for (let i = 0; i < account.trades.count; i++) {
    const t = tradeAt(account, i);
    yield {
      ...spotHead('trade', account.trades, i, t, t.id),
      tradeId: String(t.id),
      orderId: String(t.orderId),
      side: t.isBuyer ? 'buy' : 'sell',
      price: c(t.price),
      qty: c(t.qty),
      quoteQty: c(t.quoteQty),
      fee: c(t.commission),
      feeAsset: t.commissionAsset,
      isMaker: t.isMaker,
    };
  }

  for (const { raw, routes } of account.deposits) {
    yield {
      ...head('transfer', `deposit:${raw.id}`, raw.insertTime, routes),
      direction: 'in',
      type: 'deposit',
      asset: raw.coin,
      amount: c(raw.amount),
      fee: '0',
      network: raw.network,
      address: raw.address,
      ...(raw.addressTag ? { addressTag: raw.addressTag } : {}),
      // The model keeps an internal transfer's id alone, without the API's `Internal transfer ` prefix.
      txId: raw.transferType === 1 ? raw.txId.replace(/^Internal transfer /, '') : raw.txId,
      internal: raw.transferType === 1,
      status: depositStatus(raw.status),
      ...(raw.completeTime !== undefined ? { completeTime: raw.completeTime } : {}),
      wallet: raw.walletType === 1 ? 'funding' : 'spot',
    };
  }
  for (const { raw, routes } of account.withdrawals) {
    yield {
      ...head('transfer', `withdrawal:${raw.id}`, parseUtc(raw.applyTime), routes),
      direction: 'out',
      type: 'withdrawal',
      asset: raw.coin,
      amount: c(raw.amount),
      fee: c(raw.transactionFee),
      ...(raw.network ? { network: raw.network } : {}),
      address: raw.address,
      ...(raw.addressTag ? { addressTag: raw.addressTag } : {}),
      ...(raw.txId
        ? { txId: raw.transferType === 1 ? raw.txId.replace(/^Internal transfer /, '') : raw.txId }
        : {}),
      internal: raw.transferType === 1,
      status: withdrawalStatus(raw.status),
      ...(raw.completeTime ? { completeTime: parseUtc(raw.completeTime) } : {}),
      wallet: raw.walletType === 1 ? 'funding' : 'spot',
    };
  }
  for (const { raw, routes, fromSymbol, toSymbol } of account.universalTransfers) {
    const [from, to] = transferWallets(raw.type);
    yield {
      ...head('transfer', `wallet:${raw.tranId}`, raw.timestamp, routes),
      direction: 'internal',
      type: 'wallet_transfer',
      asset: raw.asset,
      amount: c(raw.amount),
      fee: '0',
      status: raw.status === 'CONFIRMED' ? 'completed' : raw.status === 'FAILED' ? 'failed' : 'pending',
      transferType: raw.type,
      fromWallet: walletOf(from, fromSymbol),
      toWallet: walletOf(to, toSymbol),
    };
  }

  for (const { raw, routes } of account.converts) {
    yield {
      ...head('conversion', raw.orderId.toString(), raw.createTime, routes),
      quoteId: raw.quoteId,
      fromAsset: raw.fromAsset,
      fromAmount: c(raw.fromAmount),
      toAsset: raw.toAsset,
      toAmount: c(raw.toAmount),
      ratio: c(raw.ratio),
      inverseRatio: c(raw.inverseRatio),
      status:
        raw.orderStatus === 'SUCCESS' ? 'success' : raw.orderStatus === 'FAIL' ? 'failed' : 'processing',
    };
  }

  for (const { raw, routes } of account.dribblets) {
    for (const d of raw.userAssetDribbletDetails) {
      yield {
        ...head('dust', String(d.transId), d.operateTime, routes),
        groupId: String(raw.transId),
        fromAsset: d.fromAsset,
        amount: c(d.amount),
        toAsset: d.targetAsset ?? 'BNB',
        toAmount: c(d.transferedAmount),
        fee: c(d.serviceChargeAmount),
      };
    }
  }

  for (const { raw, routes } of account.flexibleSubscriptions) {
    yield {
      ...head('earn_subscription', `flexible:${raw.purchaseId}`, raw.time, routes),
      product: 'flexible',
      asset: raw.asset,
      amount: c(raw.amount),
      productId: raw.productId,
      type: raw.type,
      sourceAccount: raw.sourceAccount,
      status: raw.status.toLowerCase(),
    };
  }
  for (const { raw, routes } of account.lockedSubscriptions) {
    yield {
      ...head('earn_subscription', `locked:${raw.purchaseId}`, raw.time, routes),
      product: 'locked',
      asset: raw.asset,
      amount: c(raw.amount),
      projectId: raw.projectId,
      positionId: String(raw.positionId),
      type: raw.type,
      sourceAccount: raw.sourceAccount,
      status: raw.status.toLowerCase(),
    };
  }
  for (const { raw, routes } of account.flexibleRedemptions) {
    yield {
      ...head('earn_redemption', `flexible:${raw.redeemId}`, raw.time, routes),
      product: 'flexible',
      asset: raw.asset,
      amount: c(raw.amount),
      productId: raw.projectId,
      status: raw.status.toLowerCase(),
      destAccount: raw.destAccount,
    };
  }
  for (const { raw, routes } of account.lockedRedemptions) {
    yield {
      ...head('earn_redemption', `locked:${raw.redeemId}`, raw.time, routes),
      product: 'locked',
      asset: raw.asset,
      amount: c(raw.amount),
      positionId: String(raw.positionId),
      type: raw.type,
      status: raw.status.toLowerCase(),
    };
  }
  for (const { raw, routes } of account.flexibleRewards) {
    yield {
      ...head(
        'earn_reward',
        `flexible:${raw.type}:${raw.asset}:${raw.time}:${raw.projectId}`,
        raw.time,
        routes,
      ),
      product: 'flexible',
      rewardType: raw.type,
      asset: raw.asset,
      amount: c(raw.rewards),
      productId: raw.projectId,
    };
  }
  for (const { raw, routes } of account.lockedRewards) {
    yield {
      ...head(
        'earn_reward',
        `locked:${raw.type}:${raw.asset}:${raw.time}:${raw.positionId}`,
        raw.time,
        routes,
      ),
      product: 'locked',
      rewardType: raw.type,
      asset: raw.asset,
      amount: c(raw.amount),
      positionId: String(raw.positionId),
    };
  }

  for (const { raw, routes } of account.autoInvestPlans) {
    yield {
      ...head('autoinvest_plan', String(raw.planId), raw.creationDateTime, routes),
      planType: raw.planType,
      status: raw.status,
      sourceAsset: raw.sourceAsset,
      targetAssets: raw.targetAsset.split(','),
      subscriptionAmount: c(raw.subscriptionAmount),
      subscriptionCycle: raw.subscriptionCycle,
      sourceWallet: raw.sourceWallet,
    };
  }
  for (const { raw, routes } of account.autoInvestExecutions) {
    yield {
      ...head('autoinvest_execution', String(raw.id), raw.transactionDateTime, routes),
      planId: String(raw.planId),
      planType: raw.planType,
      sourceAsset: raw.sourceAsset,
      sourceAssetAmount: c(raw.sourceAssetAmount),
      targetAsset: raw.targetAsset,
      targetAssetAmount: c(raw.targetAssetAmount),
      executionPrice: c(raw.executionPrice),
      fee: c(raw.transactionFee),
      feeAsset: raw.transactionFeeUnit,
      status: raw.transactionStatus.toLowerCase(),
      executionType: raw.executionType,
    };
  }

  for (const { raw, routes } of account.c2cOrders) {
    yield {
      ...head('p2p_order', raw.orderNumber, raw.createTime, routes),
      side: raw.tradeType === 'BUY' ? 'buy' : 'sell',
      asset: raw.asset,
      fiat: raw.fiat,
      amount: c(raw.amount),
      totalPrice: c(raw.totalPrice),
      unitPrice: c(raw.unitPrice),
      fee: c(raw.commission),
      status: raw.orderStatus.toLowerCase(),
      counterparty: raw.counterPartNickName,
      advertisementRole: raw.advertisementRole,
    };
  }

  for (const { raw, routes, transactionType } of account.fiatOrders) {
    yield {
      ...head('fiat_transfer', `fiat:${raw.orderNo}`, raw.createTime, routes),
      type: transactionType === 0 ? 'deposit' : 'withdrawal',
      fiatCurrency: raw.fiatCurrency,
      amount: c(raw.amount),
      fee: c(raw.totalFee),
      method: raw.method,
      status: raw.status.toLowerCase(),
      updateTime: raw.updateTime,
    };
  }
  for (const { raw, routes, transactionType } of account.fiatPayments) {
    yield {
      ...head('fiat_transfer', `payment:${raw.orderNo}`, raw.createTime, routes),
      type: transactionType === 0 ? 'buy' : 'sell',
      fiatCurrency: raw.fiatCurrency,
      amount: c(raw.sourceAmount),
      fee: c(raw.totalFee),
      cryptoAsset: raw.cryptoCurrency,
      cryptoAmount: c(raw.obtainAmount),
      price: c(raw.price),
      ...(raw.paymentMethod ? { method: raw.paymentMethod } : {}),
      status: raw.status.toLowerCase(),
      updateTime: raw.updateTime,
    };
  }

  for (const { raw, routes } of account.dividends) {
    yield {
      ...head('dividend', String(raw.id), raw.divTime, routes),
      asset: raw.asset,
      amount: c(raw.amount),
      info: raw.enInfo,
      tranId: String(raw.tranId),
      direction: raw.direction < 0 ? 'out' : 'in',
    };
  }
}
