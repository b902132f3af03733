/**
 * Raw exchange rows → normalized records (docs/normalized-model.md, schemas/account/). Every function
 * takes one row as received (lossless JSON) and returns the record with `source: 'api'` and the row as
 * `raw`. Fields the row does not carry are omitted, never null. Amounts become canonical decimals, ids
 * strings of exact digits, times epoch ms; type drift (string-or-number) is absorbed by values.ts.
 */
import type {
  AutoinvestExecution,
  AutoinvestPlan,
  Balance,
  Conversion,
  Dividend,
  Dust,
  EarnPosition,
  EarnRedemption,
  EarnReward,
  EarnSubscription,
  FiatTransfer,
  Order,
  P2POrder,
  Trade,
  Transfer,
} from '../../schemas/index.js';
import {
  amount,
  bool,
  epochMs,
  idString,
  isObject,
  optionalAmount,
  optionalBool,
  optionalEpochMs,
  optionalIdString,
  optionalText,
  optionalUtcDateTimeMs,
  text,
  utcDateTimeMs,
} from './values.js';
import type { JsonObject } from './values.js';
import { normalizedTxId } from './txid.js';

/** A symbol's assets, from exchangeInfo (never split heuristically: CONTRACT.md §4.4). */
export interface SymbolAssets {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
}

/** Drops undefined fields: the schemas say "omitted, never null". */
function compact<T extends object>(record: T): T {
  for (const key of Object.keys(record) as (keyof T)[]) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

const api = 'api' as const;

/** Upper-case asset code as the model wants it. */
function asset(row: JsonObject, field: string): string {
  return text(row, field).trim().toUpperCase();
}

/** `LD<asset>` spot rows mirror Simple Earn flexible positions (CONTRACT.md §4.3); `LDO` is a real asset. */
export function isEarnMirror(assetCode: string): boolean {
  return assetCode.startsWith('LD') && assetCode.length > 2 && assetCode !== 'LDO';
}

export function spotBalance(row: JsonObject, account: string, time: number): Balance {
  const code = asset(row, 'asset');
  return {
    kind: 'balance',
    id: `spot:${code}`,
    account,
    time,
    source: api,
    raw: row,
    wallet: 'spot',
    asset: code,
    free: amount(row, 'free'),
    locked: amount(row, 'locked'),
  };
}

/** Funding wallet: `freeze` is the locked part (withdrawing is in flight and already gone from free). */
export function fundingBalance(row: JsonObject, account: string, time: number): Balance {
  const code = asset(row, 'asset');
  return {
    kind: 'balance',
    id: `funding:${code}`,
    account,
    time,
    source: api,
    raw: row,
    wallet: 'funding',
    asset: code,
    free: amount(row, 'free'),
    locked: optionalAmount(row, 'locked') ?? optionalAmount(row, 'freeze') ?? '0',
  };
}

export function earnBalance(
  wallet: 'earn_flexible' | 'earn_locked',
  assetCode: string,
  total: string,
  account: string,
  time: number,
  raw: JsonObject,
): Balance {
  return {
    kind: 'balance',
    id: `${wallet}:${assetCode}`,
    account,
    time,
    source: api,
    raw,
    wallet,
    asset: assetCode,
    free: total,
    locked: '0',
  };
}

/** The fields a trade and an order open with: id `<symbol>:<id>`, the row's `time`, the symbol's assets. */
function symbolHead(row: JsonObject, sym: SymbolAssets, account: string, id: string) {
  return {
    id: `${sym.symbol}:${id}`,
    account,
    time: epochMs(row, 'time'),
    source: api,
    raw: row,
    symbol: sym.symbol,
    baseAsset: sym.baseAsset,
    quoteAsset: sym.quoteAsset,
  };
}

export function trade(row: JsonObject, sym: SymbolAssets, account: string): Trade {
  const tradeId = idString(row, 'id');
  return compact<Trade>({
    kind: 'trade',
    ...symbolHead(row, sym, account, tradeId),
    tradeId,
    orderId: optionalIdString(row, 'orderId'),
    side: bool(row, 'isBuyer') ? 'buy' : 'sell',
    price: amount(row, 'price'),
    qty: amount(row, 'qty'),
    quoteQty: amount(row, 'quoteQty'),
    fee: amount(row, 'commission'),
    feeAsset: asset(row, 'commissionAsset'),
    isMaker: optionalBool(row, 'isMaker'),
  });
}

export function order(row: JsonObject, sym: SymbolAssets, account: string): Order {
  const orderId = idString(row, 'orderId');
  const cqq = row['cummulativeQuoteQty'] ?? row['cumulativeQuoteQty'];
  // "cummulativeQuoteQty < 0 on some historical orders means not available" (CONTRACT.md §4.5): omit it.
  const cumulative =
    cqq !== undefined && cqq !== null && !String(cqq).trim().startsWith('-')
      ? amount({ v: cqq } as JsonObject, 'v')
      : undefined;
  return compact<Order>({
    kind: 'order',
    ...symbolHead(row, sym, account, orderId),
    orderId,
    clientOrderId: optionalText(row, 'clientOrderId'),
    side: text(row, 'side').toUpperCase() === 'SELL' ? 'sell' : 'buy',
    type: text(row, 'type'),
    status: text(row, 'status'),
    price: amount(row, 'price'),
    origQty: amount(row, 'origQty'),
    executedQty: amount(row, 'executedQty'),
    cumulativeQuoteQty: cumulative,
    updateTime: optionalEpochMs(row, 'updateTime'),
  });
}

type TransferStatus = Transfer['status'];

/** Deposit status codes (CONTRACT.md §4.7): 0 pending, 1 success, 2 rejected, 6 credited, 7 wrong deposit, 8 waiting confirmation. */
export function depositStatus(code: number): TransferStatus {
  switch (code) {
    case 1:
    case 6:
      return 'completed';
    case 2:
      return 'rejected';
    case 7:
      return 'failed';
    case 0:
    case 8:
    default:
      return 'pending';
  }
}

/** Withdraw status codes, all seven ([SWG] and [DEVP], CONTRACT.md §4.8). */
export function withdrawalStatus(code: number): TransferStatus {
  switch (code) {
    case 1:
      return 'cancelled';
    case 3:
      return 'rejected';
    case 4:
      return 'processing';
    case 5:
      return 'failed';
    case 6:
      return 'completed';
    case 0:
    case 2:
    default:
      return 'pending';
  }
}

function statusCode(row: JsonObject, field: string): number {
  const v = row[field];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return -1;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The wallet a deposit credits or a withdrawal debits: the API's `walletType` (CONTRACT.md §4.7, §4.8:
 * 0 spot, 1 funding); undefined when the row has none or another code (the ledger then counts spot).
 */
export function transferWallet(row: JsonObject): Transfer['wallet'] {
  const code = statusCode(row, 'walletType');
  return code === 0 ? 'spot' : code === 1 ? 'funding' : undefined;
}

export function deposit(row: JsonObject, account: string): Transfer {
  const internal = statusCode(row, 'transferType') === 1;
  return compact<Transfer>({
    kind: 'transfer',
    id: `deposit:${idString(row, 'id')}`,
    account,
    time: epochMs(row, 'insertTime'),
    source: api,
    raw: row,
    direction: 'in',
    type: 'deposit',
    asset: asset(row, 'coin'),
    amount: amount(row, 'amount'),
    fee: '0',
    network: nonEmpty(optionalText(row, 'network')),
    address: nonEmpty(optionalText(row, 'address')),
    addressTag: nonEmpty(optionalText(row, 'addressTag')),
    txId: normalizedTxId(nonEmpty(optionalText(row, 'txId')), internal),
    internal,
    status: depositStatus(statusCode(row, 'status')),
    completeTime: optionalEpochMs(row, 'completeTime'),
    wallet: transferWallet(row),
  });
}

export function withdrawal(row: JsonObject, account: string): Transfer {
  return compact<Transfer>({
    kind: 'transfer',
    id: `withdrawal:${idString(row, 'id')}`,
    account,
    time: utcDateTimeMs(row, 'applyTime'),
    source: api,
    raw: row,
    direction: 'out',
    type: 'withdrawal',
    asset: asset(row, 'coin'),
    amount: amount(row, 'amount'),
    fee: optionalAmount(row, 'transactionFee') ?? '0',
    network: nonEmpty(optionalText(row, 'network')),
    address: nonEmpty(optionalText(row, 'address')),
    addressTag: nonEmpty(optionalText(row, 'addressTag')),
    txId: normalizedTxId(nonEmpty(optionalText(row, 'txId')), statusCode(row, 'transferType') === 1),
    internal: statusCode(row, 'transferType') === 1,
    status: withdrawalStatus(statusCode(row, 'status')),
    completeTime: optionalUtcDateTimeMs(row, 'completeTime'),
    wallet: transferWallet(row),
  });
}

/**
 * Wallet tokens of universal-transfer types, longest first so `PORTFOLIO_MARGIN` wins over `MARGIN` and
 * `ISOLATED_MARGIN` (`MAIN_ISOLATED_MARGIN`, `ISOLATED_MARGIN_MAIN`) is one token, not `ISOLATED` + `MARGIN`.
 */
const WALLET_TOKENS = [
  'PORTFOLIO_MARGIN',
  'ISOLATED_MARGIN',
  'ISOLATEDMARGIN',
  'UMFUTURE',
  'CMFUTURE',
  'MARGIN',
  'FUNDING',
  'OPTION',
  'MAIN',
];

/**
 * A wallet's name in the model: `MAIN` is the spot wallet; an isolated-margin account is
 * `isolated_margin:<symbol>` (one account per symbol; plain `isolated_margin` when the symbol is unknown);
 * the rest are the exchange's token lower-cased.
 */
function walletName(token: string, symbol?: string): string {
  if (token === 'MAIN') return 'spot';
  if (token === 'ISOLATED_MARGIN' || token === 'ISOLATEDMARGIN')
    return symbol ? `isolated_margin:${symbol}` : 'isolated_margin';
  return token.toLowerCase();
}

/** The isolated-margin symbols a universal-transfer query named (CONTRACT.md §4.20 `fromSymbol`/`toSymbol`). */
export interface TransferSymbols {
  fromSymbol?: string;
  toSymbol?: string;
}

/**
 * `MAIN_FUNDING` → [`spot`, `funding`], `MAIN_ISOLATED_MARGIN` with toSymbol `BTCUSDT` → [`spot`,
 * `isolated_margin:BTCUSDT`]; undefined when the type is not two known wallets.
 */
export function walletsOfTransferType(
  type: string,
  symbols: TransferSymbols = {},
): [string, string] | undefined {
  const upper = type.toUpperCase();
  for (const a of WALLET_TOKENS) {
    if (!upper.startsWith(`${a}_`)) continue;
    const rest = upper.slice(a.length + 1);
    if (WALLET_TOKENS.includes(rest))
      return [walletName(a, symbols.fromSymbol), walletName(rest, symbols.toSymbol)];
  }
  return undefined;
}

function universalStatus(status: string): TransferStatus {
  switch (status.toUpperCase()) {
    case 'CONFIRMED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    default:
      return 'pending';
  }
}

export function universalTransfer(
  row: JsonObject,
  account: string,
  queriedType: string,
  symbols: TransferSymbols = {},
): Transfer {
  const type = optionalText(row, 'type') ?? queriedType;
  // The row names no symbol: an isolated-margin account is the one the query named.
  const wallets = walletsOfTransferType(type, symbols);
  return compact<Transfer>({
    kind: 'transfer',
    id: `wallet:${idString(row, 'tranId')}`,
    account,
    time: epochMs(row, 'timestamp'),
    source: api,
    raw: row,
    direction: 'internal',
    type: 'wallet_transfer',
    asset: asset(row, 'asset'),
    amount: amount(row, 'amount'),
    fee: '0',
    status: universalStatus(text(row, 'status')),
    transferType: type,
    fromWallet: wallets?.[0],
    toWallet: wallets?.[1],
  });
}

function convertStatus(status: string): Conversion['status'] {
  const s = status.toUpperCase();
  // ACCEPT_SUCCESS means accepted, not yet settled.
  if (s === 'SUCCESS') return 'success';
  if (s === 'FAIL' || s === 'FAILED' || s === 'EXPIRED') return 'failed';
  return 'processing';
}

export function conversion(row: JsonObject, account: string): Conversion {
  return compact<Conversion>({
    kind: 'conversion',
    id: idString(row, 'orderId'),
    account,
    time: epochMs(row, 'createTime'),
    source: api,
    raw: row,
    quoteId: nonEmpty(optionalText(row, 'quoteId')),
    fromAsset: asset(row, 'fromAsset'),
    fromAmount: amount(row, 'fromAmount'),
    toAsset: asset(row, 'toAsset'),
    toAmount: amount(row, 'toAmount'),
    ratio: optionalAmount(row, 'ratio'),
    inverseRatio: optionalAmount(row, 'inverseRatio'),
    status: convertStatus(text(row, 'orderStatus')),
  });
}

/** One dust detail row; `group` is its parent (the `transId` of the whole sweep). */
export function dust(detail: JsonObject, group: JsonObject, account: string): Dust {
  return {
    kind: 'dust',
    id: idString(detail, 'transId'),
    account,
    time: optionalEpochMs(detail, 'operateTime') ?? epochMs(group, 'operateTime'),
    source: api,
    raw: detail,
    groupId: idString(group, 'transId'),
    fromAsset: asset(detail, 'fromAsset'),
    amount: amount(detail, 'amount'),
    toAsset: optionalText(detail, 'targetAsset')?.toUpperCase() || 'BNB',
    toAmount: amount(detail, 'transferedAmount'),
    fee: amount(detail, 'serviceChargeAmount'),
  };
}

export function flexiblePosition(row: JsonObject, account: string, time: number): EarnPosition {
  const productId = text(row, 'productId');
  return compact<EarnPosition>({
    kind: 'earn_position',
    id: `flexible:${productId}`,
    account,
    time,
    source: api,
    raw: row,
    product: 'flexible',
    asset: asset(row, 'asset'),
    amount: amount(row, 'totalAmount'),
    productId,
    apr: optionalAmount(row, 'latestAnnualPercentageRate'),
    canRedeem: optionalBool(row, 'canRedeem'),
  });
}

export function lockedPosition(row: JsonObject, account: string, time: number): EarnPosition {
  const positionId = idString(row, 'positionId');
  return compact<EarnPosition>({
    kind: 'earn_position',
    id: `locked:${positionId}`,
    account,
    time,
    source: api,
    raw: row,
    product: 'locked',
    asset: asset(row, 'asset'),
    amount: amount(row, 'amount'),
    projectId: optionalText(row, 'projectId'),
    positionId,
    apr: optionalAmount(row, 'APY'),
    status: optionalText(row, 'status'),
    canRedeem: optionalBool(row, 'canRedeemEarly'),
  });
}

const lower = (s: string | undefined): string | undefined => (s === undefined ? undefined : s.toLowerCase());

/** A flexible product's id: `productId`, else the `projectId` some rows carry it as. */
function flexibleProductId(row: JsonObject): string | undefined {
  return optionalText(row, 'productId') ?? optionalText(row, 'projectId');
}

/**
 * The fields a subscription and a redemption share, id `<product>:<idField>`; `productId` reads a
 * flexible product's id (a locked row has none, its `projectId` instead).
 */
function earnMovement(
  row: JsonObject,
  product: 'flexible' | 'locked',
  account: string,
  idField: string,
  productId: (row: JsonObject) => string | undefined,
) {
  return {
    id: `${product}:${idString(row, idField)}`,
    account,
    time: epochMs(row, 'time'),
    source: api,
    raw: row,
    product,
    asset: asset(row, 'asset'),
    amount: amount(row, 'amount'),
    productId: product === 'flexible' ? productId(row) : undefined,
    projectId: product === 'locked' ? optionalText(row, 'projectId') : undefined,
    positionId: optionalIdString(row, 'positionId'),
    type: optionalText(row, 'type'),
  };
}

export function earnSubscription(
  row: JsonObject,
  product: 'flexible' | 'locked',
  account: string,
): EarnSubscription {
  return compact<EarnSubscription>({
    kind: 'earn_subscription',
    ...earnMovement(row, product, account, 'purchaseId', (r) => optionalText(r, 'productId')),
    sourceAccount: optionalText(row, 'sourceAccount'),
    status: lower(optionalText(row, 'status')),
  });
}

export function earnRedemption(
  row: JsonObject,
  product: 'flexible' | 'locked',
  account: string,
): EarnRedemption {
  return compact<EarnRedemption>({
    kind: 'earn_redemption',
    ...earnMovement(row, product, account, 'redeemId', flexibleProductId),
    status: lower(optionalText(row, 'status')),
    destAccount: optionalText(row, 'destAccount'),
  });
}

/** Flexible rewards carry `rewards` and the product as `projectId`; locked ones `amount` and `positionId`. */
export function earnReward(
  row: JsonObject,
  product: 'flexible' | 'locked',
  account: string,
  queriedType?: string,
): EarnReward {
  const rewardType = optionalText(row, 'type') ?? queriedType ?? 'REWARDS';
  const code = asset(row, 'asset');
  const time = epochMs(row, 'time');
  const positionId = product === 'locked' ? optionalIdString(row, 'positionId') : undefined;
  const productId = product === 'flexible' ? flexibleProductId(row) : undefined;
  return compact<EarnReward>({
    kind: 'earn_reward',
    id: `${product}:${rewardType}:${code}:${time}:${positionId ?? productId ?? ''}`,
    account,
    time,
    source: api,
    raw: row,
    product,
    rewardType,
    asset: code,
    amount: product === 'flexible' ? amount(row, 'rewards') : amount(row, 'amount'),
    productId,
    projectId: product === 'locked' ? optionalText(row, 'projectId') : undefined,
    positionId,
  });
}

export function autoInvestPlan(row: JsonObject, account: string): AutoinvestPlan {
  const targets: string[] = [];
  const details = row['details'];
  if (Array.isArray(details)) {
    for (const d of details)
      if (isObject(d) && typeof d['targetAsset'] === 'string') targets.push(d['targetAsset'].toUpperCase());
  }
  const single = optionalText(row, 'targetAsset');
  if (targets.length === 0 && single)
    targets.push(
      ...single
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean),
    );
  return compact<AutoinvestPlan>({
    kind: 'autoinvest_plan',
    id: idString(row, 'planId'),
    account,
    time: epochMs(row, 'creationDateTime'),
    source: api,
    raw: row,
    planType: text(row, 'planType'),
    status: text(row, 'status'),
    sourceAsset: optionalText(row, 'sourceAsset')?.toUpperCase(),
    targetAssets: targets.length ? targets : undefined,
    subscriptionAmount: optionalAmount(row, 'subscriptionAmount'),
    subscriptionCycle: optionalText(row, 'subscriptionCycle'),
    sourceWallet: optionalText(row, 'sourceWallet'),
  });
}

export function autoInvestExecution(row: JsonObject, account: string): AutoinvestExecution {
  return compact<AutoinvestExecution>({
    kind: 'autoinvest_execution',
    id: idString(row, 'id'),
    account,
    time: epochMs(row, 'transactionDateTime'),
    source: api,
    raw: row,
    planId: optionalIdString(row, 'planId'),
    planType: optionalText(row, 'planType'),
    sourceAsset: asset(row, 'sourceAsset'),
    sourceAssetAmount: amount(row, 'sourceAssetAmount'),
    targetAsset: asset(row, 'targetAsset'),
    targetAssetAmount: amount(row, 'targetAssetAmount'),
    executionPrice: optionalAmount(row, 'executionPrice'),
    fee: optionalAmount(row, 'transactionFee'),
    feeAsset: optionalText(row, 'transactionFeeUnit')?.toUpperCase(),
    status: text(row, 'transactionStatus').toLowerCase(),
    executionType: optionalText(row, 'executionType'),
  });
}

export function p2pOrder(row: JsonObject, account: string): P2POrder {
  return compact<P2POrder>({
    kind: 'p2p_order',
    id: idString(row, 'orderNumber'),
    account,
    time: epochMs(row, 'createTime'),
    source: api,
    raw: row,
    side: text(row, 'tradeType').toUpperCase() === 'SELL' ? 'sell' : 'buy',
    asset: asset(row, 'asset'),
    fiat: asset(row, 'fiat'),
    amount: amount(row, 'amount'),
    totalPrice: amount(row, 'totalPrice'),
    unitPrice: optionalAmount(row, 'unitPrice'),
    fee: optionalAmount(row, 'commission'),
    status: text(row, 'orderStatus').toLowerCase(),
    counterparty: nonEmpty(optionalText(row, 'counterPartNickName')),
    advertisementRole: optionalText(row, 'advertisementRole'),
  });
}

export function fiatOrder(row: JsonObject, transactionType: 0 | 1, account: string): FiatTransfer {
  return compact<FiatTransfer>({
    kind: 'fiat_transfer',
    id: `fiat:${text(row, 'orderNo')}`,
    account,
    time: epochMs(row, 'createTime'),
    source: api,
    raw: row,
    type: transactionType === 0 ? 'deposit' : 'withdrawal',
    fiatCurrency: asset(row, 'fiatCurrency'),
    amount: amount(row, 'amount'),
    fee: optionalAmount(row, 'totalFee'),
    method: nonEmpty(optionalText(row, 'method')),
    status: text(row, 'status').toLowerCase(),
    updateTime: optionalEpochMs(row, 'updateTime'),
  });
}

export function fiatPayment(row: JsonObject, transactionType: 0 | 1, account: string): FiatTransfer {
  return compact<FiatTransfer>({
    kind: 'fiat_transfer',
    id: `payment:${text(row, 'orderNo')}`,
    account,
    time: epochMs(row, 'createTime'),
    source: api,
    raw: row,
    type: transactionType === 0 ? 'buy' : 'sell',
    fiatCurrency: asset(row, 'fiatCurrency'),
    amount: amount(row, 'sourceAmount'),
    fee: optionalAmount(row, 'totalFee'),
    cryptoAsset: optionalText(row, 'cryptoCurrency')?.toUpperCase(),
    cryptoAmount: optionalAmount(row, 'obtainAmount'),
    price: optionalAmount(row, 'price'),
    method: nonEmpty(optionalText(row, 'paymentMethod')),
    status: text(row, 'status').toLowerCase(),
    updateTime: optionalEpochMs(row, 'updateTime'),
  });
}

export function dividend(row: JsonObject, account: string): Dividend {
  const direction = row['direction'];
  return compact<Dividend>({
    kind: 'dividend',
    id: idString(row, 'id'),
    account,
    time: epochMs(row, 'divTime'),
    source: api,
    raw: row,
    asset: asset(row, 'asset'),
    amount: amount(row, 'amount'),
    info: optionalText(row, 'enInfo'),
    tranId: optionalIdString(row, 'tranId'),
    direction: direction === -1 || direction === '-1' ? 'out' : 'in',
  });
}
