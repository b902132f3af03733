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
  const base = { account: accountLabel };
  const all = routeList({ api: true, web: true, csv: true });
  const symbolMeta = account.symbols;

  for (const b of account.balances) {
    if (c(b.free) === '0' && c(b.locked) === '0') continue;
    yield {
      kind: 'balance',
      id: `${b.wallet}:${b.asset}`,
      ...base,
      time: account.asOf,
      routes: all,
      wallet: b.wallet,
      asset: b.asset,
      free: c(b.free),
      locked: c(b.locked),
    };
  }

  for (const { raw, routes } of account.flexiblePositions) {
    yield {
      kind: 'earn_position',
      id: `flexible:${raw.productId}`,
      ...base,
      time: account.asOf,
      routes: routeList(routes),
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
      kind: 'earn_position',
      id: `locked:${raw.positionId}`,
      ...base,
      time: account.asOf,
      routes: routeList(routes),
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

  const orders = account.orders;
  for (let i = 0; i < orders.count; i++) {
    const o = orderAt(account, i);
    const sym = symbolMeta[orders.symbol[i] as number]!;
    yield {
      kind: 'order',
      id: `${o.symbol}:${o.orderId}`,
      ...base,
      time: o.time,
      routes: routeList(routesFromBits(orders.routes[i] as number)),
      symbol: o.symbol,
      baseAsset: sym.baseAsset,
      quoteAsset: sym.quoteAsset,
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

  const trades = account.trades;
  for (let i = 0; i < trades.count; i++) {
    const t = tradeAt(account, i);
    const sym = symbolMeta[trades.symbol[i] as number]!;
    yield {
      kind: 'trade',
      id: `${t.symbol}:${t.id}`,
      ...base,
      time: t.time,
      routes: routeList(routesFromBits(trades.routes[i] as number)),
      symbol: t.symbol,
      baseAsset: sym.baseAsset,
      quoteAsset: sym.quoteAsset,
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
      kind: 'transfer',
      id: `deposit:${raw.id}`,
      ...base,
      time: raw.insertTime,
      routes: routeList(routes),
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
    };
  }
  for (const { raw, routes } of account.withdrawals) {
    yield {
      kind: 'transfer',
      id: `withdrawal:${raw.id}`,
      ...base,
      time: parseUtc(raw.applyTime),
      routes: routeList(routes),
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
    };
  }
  for (const { raw, routes, fromSymbol, toSymbol } of account.universalTransfers) {
    const [from, to] = transferWallets(raw.type);
    yield {
      kind: 'transfer',
      id: `wallet:${raw.tranId}`,
      ...base,
      time: raw.timestamp,
      routes: routeList(routes),
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
      kind: 'conversion',
      id: raw.orderId.toString(),
      ...base,
      time: raw.createTime,
      routes: routeList(routes),
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
        kind: 'dust',
        id: String(d.transId),
        ...base,
        time: d.operateTime,
        routes: routeList(routes),
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
      kind: 'earn_subscription',
      id: `flexible:${raw.purchaseId}`,
      ...base,
      time: raw.time,
      routes: routeList(routes),
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
      kind: 'earn_subscription',
      id: `locked:${raw.purchaseId}`,
      ...base,
      time: raw.time,
      routes: routeList(routes),
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
      kind: 'earn_redemption',
      id: `flexible:${raw.redeemId}`,
      ...base,
      time: raw.time,
      routes: routeList(routes),
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
      kind: 'earn_redemption',
      id: `locked:${raw.redeemId}`,
      ...base,
      time: raw.time,
      routes: routeList(routes),
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
      kind: 'earn_reward',
      id: `flexible:${raw.type}:${raw.asset}:${raw.time}:${raw.projectId}`,
      ...base,
      time: raw.time,
      routes: routeList(routes),
      product: 'flexible',
      rewardType: raw.type,
      asset: raw.asset,
      amount: c(raw.rewards),
      productId: raw.projectId,
    };
  }
  for (const { raw, routes } of account.lockedRewards) {
    yield {
      kind: 'earn_reward',
      id: `locked:${raw.type}:${raw.asset}:${raw.time}:${raw.positionId}`,
      ...base,
      time: raw.time,
      routes: routeList(routes),
      product: 'locked',
      rewardType: raw.type,
      asset: raw.asset,
      amount: c(raw.amount),
      positionId: String(raw.positionId),
    };
  }

  for (const { raw, routes } of account.autoInvestPlans) {
    yield {
      kind: 'autoinvest_plan',
      id: String(raw.planId),
      ...base,
      time: raw.creationDateTime,
      routes: routeList(routes),
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
      kind: 'autoinvest_execution',
      id: String(raw.id),
      ...base,
      time: raw.transactionDateTime,
      routes: routeList(routes),
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
      kind: 'p2p_order',
      id: raw.orderNumber,
      ...base,
      time: raw.createTime,
      routes: routeList(routes),
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
      kind: 'fiat_transfer',
      id: `fiat:${raw.orderNo}`,
      ...base,
      time: raw.createTime,
      routes: routeList(routes),
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
      kind: 'fiat_transfer',
      id: `payment:${raw.orderNo}`,
      ...base,
      time: raw.createTime,
      routes: routeList(routes),
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
      kind: 'dividend',
      id: String(raw.id),
      ...base,
      time: raw.divTime,
      routes: routeList(routes),
      asset: raw.asset,
      amount: c(raw.amount),
      info: raw.enInfo,
      tranId: String(raw.tranId),
      direction: raw.direction < 0 ? 'out' : 'in',
    };
  }
}
