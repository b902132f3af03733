/**
 * The sandbox account: the in-memory data the generator produces and every sandbox server (signed API,
 * web app, CSV exports, truth) serves from. Records are kept in the EXCHANGE's raw shapes and field
 * names (CONTRACT.md section 4), so a server only filters, pages and serializes; the normalized truth
 * (docs/normalized-model.md) is derived from the same records by sandbox/data/truth.ts.
 *
 * Conventions:
 * - Amounts are decimal strings in the exchange's formatting ("0.00150000"); canonical forms are made
 *   only for the truth.
 * - Ids the exchange sends as JSON numbers beyond 2^53 (convert `orderId`) are `bigint`; ids the exchange
 *   sends as strings (deposit `id`, P2P `orderNumber`) are strings. Serialize with core's
 *   `stringifyJsonWithBigInt`.
 * - Times are epoch ms numbers, except where the exchange sends strings (withdraw `applyTime`).
 * - Every record carries `routes`: which route can read it (the signed API, the web app, the CSV export).
 * - Trades and orders can number in the millions, so they live in columnar typed arrays
 *   ({@link TradeColumns}, {@link OrderColumns}); `tradeAt`/`orderAt` in sandbox/data/columns.ts turn a
 *   row into the raw exchange shape.
 * - Scaled integers: columnar amounts are integers in units of 1e-8 (the exchange's 8 decimals), held in
 *   Float64Array (exact up to 2^53 units, about 90 million whole units, which the generator never exceeds).
 */
import type { PriceCurves } from './prices.js';

/** Which routes can read a record. */
export interface Routes {
  /** The signed REST API (false e.g. for delisted-symbol trades, P2P older than 6 months, dust beyond the last 100). */
  api: boolean;
  /** The web app (the holder's logged-in session). */
  web: boolean;
  /** The Data Download Center CSV exports. */
  csv: boolean;
}

/** A record in the exchange's raw shape with the routes that can read it. */
export interface Entry<Raw> {
  raw: Raw;
  routes: Routes;
}

/** Bit flags of {@link Routes} in columnar storage. */
export const ROUTE_API = 1;
export const ROUTE_WEB = 2;
export const ROUTE_CSV = 4;

/** Wallets of the normalized model (`balance.wallet`). */
export type WalletName = 'spot' | 'funding' | 'earn_flexible' | 'earn_locked';

/** Generator profiles, smallest to largest. */
export type ProfileName = 'tiny' | 'small' | 'medium' | 'large';

/** A trading pair the account knows, listed or delisted. */
export interface SymbolInfo {
  /** Concatenated exchange symbol, e.g. `BNBBTC`. */
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** Exchange status (`TRADING`, `HALT`, `BREAK`, …). Delisted symbols keep their last status here but are absent from exchangeInfo. */
  status: 'TRADING' | 'HALT' | 'BREAK' | 'END_OF_DAY' | 'CANCEL_ONLY';
  /** False once delisted: exchangeInfo omits it and myTrades/allOrders answer -1121. */
  listed: boolean;
  /** Epoch ms of the delisting (delisted symbols only). */
  delistedAt?: number;
  /** `permissionSets` as exchangeInfo shows them, e.g. `[["SPOT","MARGIN"]]`; `[["TRD_GRP_005"]]` hides a symbol unless asked for. */
  permissionSets: string[][];
  baseAssetPrecision: number;
  quoteAssetPrecision: number;
  /**
   * True for a listed symbol the account never traded, added so exchangeInfo is as large as the
   * exchange's (sandbox/data/universe.ts): no trades, no orders; myTrades/allOrders answer `[]`.
   */
  untraded?: boolean;
}

/** `/api/v3/account` `balances[]` row (also the truth's spot wallet, minus LD* mirrors). */
export interface RawSpotBalance {
  asset: string;
  free: string;
  locked: string;
}

/** `POST /sapi/v1/asset/get-funding-asset` row. */
export interface RawFundingAsset {
  asset: string;
  free: string;
  locked: string;
  freeze: string;
  withdrawing: string;
  btcValuation: string;
}

/** `/api/v3/myTrades` row. */
export interface RawMyTrade {
  symbol: string;
  id: number;
  orderId: number;
  orderListId: number;
  price: string;
  qty: string;
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
  isBestMatch: boolean;
}

/** `/api/v3/allOrders` and `/api/v3/openOrders` row. */
export interface RawOrder {
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: string;
  timeInForce: string;
  type: string;
  side: string;
  stopPrice: string;
  icebergQty: string;
  time: number;
  updateTime: number;
  isWorking: boolean;
  workingTime: number;
  origQuoteOrderQty: string;
  selfTradePreventionMode: string;
}

/**
 * Trades, columnar. Rows are sorted by symbol index, then by trade id (= time order within a symbol);
 * `symbolStart[s]..symbolStart[s+1]` is symbol s's slice.
 */
export interface TradeColumns {
  count: number;
  /** Index into {@link SandboxAccount.symbols}. */
  symbol: Uint16Array;
  /** Trade id (unique per symbol, ascending with time). */
  id: Float64Array;
  orderId: Float64Array;
  time: Float64Array;
  /** Price, qty, quoteQty, commission: integers in units of 1e-8. */
  price: Float64Array;
  qty: Float64Array;
  quoteQty: Float64Array;
  commission: Float64Array;
  /** Index into {@link SandboxAccount.assets}. */
  commissionAsset: Uint16Array;
  /** Bit 0 isBuyer, bit 1 isMaker, bit 2 isBestMatch. */
  flags: Uint8Array;
  /** ROUTE_* bits. */
  routes: Uint8Array;
  /** Length symbols.length + 1: start row of each symbol's slice. */
  symbolStart: Uint32Array;
}

/** Order type and status enums of the columnar orders (index = stored code). */
export const ORDER_TYPES = [
  'LIMIT',
  'MARKET',
  'LIMIT_MAKER',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT_LIMIT',
] as const;
export const ORDER_STATUSES = [
  'NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'EXPIRED',
  'REJECTED',
] as const;

/** Orders, columnar, sorted by symbol index then orderId; `symbolStart` as in {@link TradeColumns}. */
export interface OrderColumns {
  count: number;
  symbol: Uint16Array;
  orderId: Float64Array;
  /** Creation time (`time`) and `updateTime`. */
  time: Float64Array;
  updateTime: Float64Array;
  /** Units of 1e-8; price 0 for MARKET. */
  price: Float64Array;
  origQty: Float64Array;
  executedQty: Float64Array;
  cummulativeQuoteQty: Float64Array;
  /** Index into {@link ORDER_TYPES} / {@link ORDER_STATUSES}. */
  type: Uint8Array;
  status: Uint8Array;
  /** 0 BUY, 1 SELL. */
  side: Uint8Array;
  routes: Uint8Array;
  symbolStart: Uint32Array;
}

/** `/sapi/v1/capital/deposit/hisrec` row. */
export interface RawDeposit {
  id: string;
  amount: string;
  coin: string;
  network: string;
  /** 0 pending, 1 success, 2 rejected, 6 credited-cannot-withdraw, 7 wrong deposit, 8 waiting user confirm. */
  status: number;
  address: string;
  addressTag: string;
  /** On-chain hash, or `Internal transfer <id>` when transferType is 1. */
  txId: string;
  insertTime: number;
  /** Present only for deposits after 2025-03-06. */
  completeTime?: number;
  /** 0 external, 1 internal (Binance to Binance). */
  transferType: number;
  confirmTimes: string;
  unlockConfirm: number;
  /** 0 spot, 1 funding. */
  walletType: number;
  travelRuleStatus: number;
}

/** `/sapi/v1/capital/withdraw/history` row. */
export interface RawWithdrawal {
  id: string;
  amount: string;
  transactionFee: string;
  coin: string;
  /** 0 Email Sent, 1 Cancelled, 2 Awaiting Approval, 3 Rejected, 4 Processing, 5 Failure, 6 Completed. */
  status: number;
  address: string;
  addressTag?: string;
  txId: string;
  /** "YYYY-MM-DD HH:mm:ss" UTC. */
  applyTime: string;
  network?: string;
  transferType: number;
  withdrawOrderId?: string;
  info: string;
  confirmNo: number;
  walletType: number;
  txKey: string;
  /** "YYYY-MM-DD HH:mm:ss" UTC, only when status is 6. */
  completeTime?: string;
}

/** `/sapi/v1/convert/tradeFlow` `list[]` row. */
export interface RawConvert {
  quoteId: string;
  /** Beyond 2^53: sent as a JSON number with every digit. */
  orderId: bigint;
  orderStatus: 'SUCCESS' | 'PROCESS' | 'ACCEPT_SUCCESS' | 'FAIL';
  fromAsset: string;
  fromAmount: string;
  toAsset: string;
  toAmount: string;
  ratio: string;
  inverseRatio: string;
  createTime: number;
}

/** `/sapi/v1/asset/dribblet` detail row. */
export interface RawDribbletDetail {
  transId: number;
  serviceChargeAmount: string;
  amount: string;
  operateTime: number;
  transferedAmount: string;
  fromAsset: string;
  /** Absent on rows before 2025-12 (default BNB). */
  targetAsset?: string;
}

/** `/sapi/v1/asset/dribblet` `userAssetDribblets[]` group. */
export interface RawDribblet {
  operateTime: number;
  totalTransferedAmount: string;
  totalServiceChargeAmount: string;
  transId: number;
  userAssetDribbletDetails: RawDribbletDetail[];
}

/** `/sapi/v1/simple-earn/flexible/position` row. */
export interface RawFlexiblePosition {
  totalAmount: string;
  tierAnnualPercentageRate: Record<string, number>;
  latestAnnualPercentageRate: string;
  yesterdayAirdropPercentageRate: string;
  asset: string;
  airDropAsset: string;
  canRedeem: boolean;
  collateralAmount: string;
  productId: string;
  yesterdayRealTimeRewards: string;
  cumulativeBonusRewards: string;
  cumulativeRealTimeRewards: string;
  cumulativeTotalRewards: string;
  autoSubscribe: boolean;
}

/**
 * `/sapi/v1/simple-earn/locked/position` row. Date fields are numbers here; the server sends them as
 * strings when the account's `lockedDatesAsStrings` flag is set (CONTRACT.md 6.3 type drift).
 */
export interface RawLockedPosition {
  positionId: number;
  parentPositionId: number;
  projectId: string;
  asset: string;
  amount: string;
  purchaseTime: number;
  duration: string;
  accrualDays: string;
  rewardAsset: string;
  APY: string;
  rewardAmt: string;
  extraRewardAsset: string;
  extraRewardAPR: string;
  estExtraRewardAmt: string;
  boostRewardAsset: string;
  boostApr: string;
  totalBoostRewardAmt: string;
  nextPay: string;
  nextPayDate: number;
  payPeriod: string;
  redeemAmountEarly: string;
  rewardsEndDate: number;
  deliverDate: number;
  redeemPeriod: string;
  redeemingAmt: string;
  redeemTo: string;
  partialAmtDeliverDate: number;
  canRedeemEarly: boolean;
  canFastRedemption: boolean;
  autoSubscribe: boolean;
  type: string;
  status: string;
  canReStake: boolean;
}

/** `/sapi/v1/simple-earn/flexible/history/subscriptionRecord` row (`purchaseId` a number). */
export interface RawFlexibleSubscription {
  amount: string;
  asset: string;
  time: number;
  purchaseId: number;
  productId: string;
  type: string;
  sourceAccount: string;
  amtFromSpot?: string;
  amtFromFunding?: string;
  status: string;
}

/** `/sapi/v1/simple-earn/flexible/history/redemptionRecord` row. */
export interface RawFlexibleRedemption {
  amount: string;
  asset: string;
  time: number;
  projectId: string;
  redeemId: number;
  destAccount: string;
  status: string;
}

/** `/sapi/v1/simple-earn/flexible/history/rewardsRecord` row. */
export interface RawFlexibleReward {
  asset: string;
  rewards: string;
  projectId: string;
  type: 'BONUS' | 'REALTIME' | 'REWARDS';
  time: number;
}

/** `/sapi/v1/simple-earn/locked/history/subscriptionRecord` row (`purchaseId` a string). */
export interface RawLockedSubscription {
  positionId: number;
  purchaseId: string;
  projectId: string;
  time: number;
  asset: string;
  amount: string;
  lockPeriod: string;
  type: string;
  sourceAccount: string;
  amtFromSpot?: string;
  amtFromFunding?: string;
  status: string;
}

/** `/sapi/v1/simple-earn/locked/history/redemptionRecord` row. */
export interface RawLockedRedemption {
  positionId: string;
  redeemId: number;
  time: number;
  asset: string;
  lockPeriod: string;
  amount: string;
  originalAmount: string;
  type: string;
  deliverDate: string;
  status: string;
}

/** `/sapi/v1/simple-earn/locked/history/rewardsRecord` row (positionId number or string, as the exchange mixes them). */
export interface RawLockedReward {
  positionId: number | string;
  time: number;
  asset: string;
  lockPeriod?: string;
  amount: string;
  /** `Locked Rewards`, `Boost Rewards`, `Extra Rewards`, … as the exchange names them. */
  type: string;
}

/** `/sapi/v1/lending/auto-invest/plan/list` plan item (booleans as "true"/"false" strings, as the exchange sends them). */
export interface RawAutoInvestPlan {
  planId: number;
  planType: 'SINGLE' | 'PORTFOLIO' | 'INDEX';
  editAllowed: string;
  creationDateTime: number;
  firstExecutionDateTime: number;
  nextExecutionDateTime: number;
  status: string;
  lastUpdatedDateTime: number;
  targetAsset: string;
  totalTargetAmount: string;
  sourceAsset: string;
  totalInvestedInUSD: string;
  subscriptionAmount: string;
  subscriptionCycle: string;
  subscriptionStartDay: string;
  subscriptionStartWeekday: string;
  subscriptionStartTime: string;
  sourceWallet: string;
  flexibleAllowedToUse: string;
  planValueInUSD: string;
  pnlInUSD: string;
  roi: string;
}

/** `/sapi/v1/lending/auto-invest/history/list` row. */
export interface RawAutoInvestExecution {
  id: number;
  targetAsset: string;
  planType: string;
  planName: string;
  planId: number;
  transactionDateTime: number;
  transactionStatus: string;
  failedType: string;
  sourceAsset: string;
  sourceAssetAmount: string;
  targetAssetAmount: string;
  sourceWallet: string;
  flexibleUsed: string;
  transactionFee: string;
  transactionFeeUnit: string;
  executionPrice: string;
  executionType: string;
  subscriptionCycle: string;
}

/** `/sapi/v1/c2c/orderMatch/listUserOrderHistory` `data[]` row (20-digit ids as strings). */
export interface RawC2COrder {
  orderNumber: string;
  advNo: string;
  tradeType: 'BUY' | 'SELL';
  asset: string;
  fiat: string;
  fiatSymbol: string;
  amount: string;
  totalPrice: string;
  unitPrice: string;
  orderStatus: string;
  createTime: number;
  commission: string;
  counterPartNickName: string;
  advertisementRole: 'MAKER' | 'TAKER';
  payMethodName: string;
  additionalKycVerify: number;
  takerCommissionRate: string;
  takerCommission: string;
  takerAmount: string;
}

/**
 * `/sapi/v1/fiat/orders` `data[]` row. `transactionType` (0 deposit, 1 withdraw) is the query
 * parameter that selects it, kept here beside the raw fields. Deposits: `amount` is gross, `totalFee`
 * is deducted from it. Withdrawals: `amount` leaves the account plus `totalFee`.
 */
export interface RawFiatOrder {
  orderNo: string;
  fiatCurrency: string;
  indicatedAmount: string;
  amount: string;
  totalFee: string;
  method: string;
  status: string;
  createTime: number;
  updateTime: number;
}

/**
 * `/sapi/v1/fiat/payments` `data[]` row. `sourceAmount` is the fiat amount (fee included), `obtainAmount`
 * the crypto amount. Buys pay from the fiat cash balance.
 */
export interface RawFiatPayment {
  orderNo: string;
  sourceAmount: string;
  fiatCurrency: string;
  obtainAmount: string;
  cryptoCurrency: string;
  totalFee: string;
  price: string;
  status: string;
  paymentMethod?: string;
  createTime: number;
  updateTime: number;
}

/** `/sapi/v1/asset/assetDividend` row. */
export interface RawDividend {
  id: number;
  amount: string;
  asset: string;
  divTime: number;
  enInfo: string;
  tranId: number;
  /** 1 credit, -1 debit. */
  direction: number;
}

/** `/sapi/v1/asset/transfer` row. */
export interface RawUniversalTransfer {
  asset: string;
  amount: string;
  type: string;
  status: 'CONFIRMED' | 'FAILED' | 'PENDING';
  tranId: number;
  timestamp: number;
}

/** Version flags: the type drift and envelope choices of CONTRACT.md sections 6 and 8, fixed per account. */
export interface QuirkFlags {
  /** Locked position dates as strings ("1646182276000") rather than integers (pre-2026-05 docs). */
  lockedDatesAsStrings: boolean;
  /** Auto-Invest history envelope: `{total,list}` (true) or a bare array (false); plan list array named `plans` (true) or `plan` (false). */
  autoInvestListEnvelope: boolean;
}

/** The holder's API key permissions (reflected in apiRestrictions). */
export interface KeyPermissions {
  enableReading: boolean;
  enableSpotAndMarginTrading: boolean;
  enableWithdrawals: boolean;
  enableInternalTransfer: boolean;
  enableMargin: boolean;
  enableFutures: boolean;
  permitsUniversalTransfer: boolean;
  enableVanillaOptions: boolean;
  enablePortfolioMarginTrading: boolean;
  enableFixApiTrade: boolean;
}

/** The whole generated account. */
export interface SandboxAccount {
  seed: number;
  profile: ProfileName;
  /** Snapshot time: balances and positions are as of this instant; every history record is at or before it. */
  asOf: number;
  /** Account creation (first record is after it). */
  createdAt: number;
  /** Numeric user id (`uid` in /api/v3/account). */
  uid: number;
  quirks: QuirkFlags;
  /** Every asset the account touched, sorted; columnar `commissionAsset` indexes into it. */
  assets: string[];
  /**
   * Listed and delisted symbols; columnar `symbol` indexes into it. The symbols the account traded come
   * first; the untraded listed universe (`untraded: true`, empty trade/order slices) follows them.
   */
  symbols: SymbolInfo[];
  /** Final balances per wallet (spot without LD* mirrors; earn wallets mirror the positions). Zero rows included. */
  balances: Array<{ wallet: WalletName; asset: string; free: string; locked: string }>;
  /** Funding wallet rows as get-funding-asset reports them (positive balances only). */
  funding: Entry<RawFundingAsset>[];
  trades: TradeColumns;
  orders: OrderColumns;
  deposits: Entry<RawDeposit>[];
  withdrawals: Entry<RawWithdrawal>[];
  converts: Entry<RawConvert>[];
  /** Dust groups, ascending by operateTime. */
  dribblets: Entry<RawDribblet>[];
  flexiblePositions: Entry<RawFlexiblePosition>[];
  lockedPositions: Entry<RawLockedPosition>[];
  flexibleSubscriptions: Entry<RawFlexibleSubscription>[];
  flexibleRedemptions: Entry<RawFlexibleRedemption>[];
  flexibleRewards: Entry<RawFlexibleReward>[];
  lockedSubscriptions: Entry<RawLockedSubscription>[];
  lockedRedemptions: Entry<RawLockedRedemption>[];
  lockedRewards: Entry<RawLockedReward>[];
  autoInvestPlans: Entry<RawAutoInvestPlan>[];
  /**
   * Auto-Invest executions. `feeRow`: the Transaction History writes the trading fee as a `Transaction
   * Fee` row of its own and the source debit net of it (true: the recent period), or folds the fee into
   * the source debit with no fee row (false: earlier periods). The API's row is the same either way.
   */
  autoInvestExecutions: Array<Entry<RawAutoInvestExecution> & { feeRow: boolean }>;
  c2cOrders: Entry<RawC2COrder>[];
  /** Fiat deposit (transactionType 0) and withdraw (1) orders. */
  fiatOrders: Array<Entry<RawFiatOrder> & { transactionType: 0 | 1 }>;
  /** Fiat buy (transactionType 0) and sell (1) payments. */
  fiatPayments: Array<Entry<RawFiatPayment> & { transactionType: 0 | 1 }>;
  dividends: Entry<RawDividend>[];
  /**
   * Universal transfers. Isolated-margin types name the isolated account's symbol beside the row (the
   * query's `fromSymbol`/`toSymbol`; the row itself does not carry it, CONTRACT.md §4.20).
   */
  universalTransfers: Array<Entry<RawUniversalTransfer> & IsolatedSymbols>;
  /**
   * Isolated-margin accounts as `GET /sapi/v1/margin/isolated/account` lists them. Absent (the
   * generator's default): every account an isolated-margin transfer names, enabled and empty (the round
   * trips net to zero). Tests set it to model what the transfers alone do not show (a short whose
   * borrowed base never left the isolated account).
   */
  isolatedMargin?: SandboxIsolatedAccount[];
  /** The generator's USD price curves (data/prices.ts), to value balances at a past instant. */
  prices: PriceCurves;
}

/** One side (base or quote asset) of an isolated-margin account: exchange-style 8-decimal strings. */
export interface SandboxIsolatedSide {
  free: string;
  locked: string;
  borrowed: string;
  interest: string;
}

/** An isolated-margin account: its symbol (a symbol of the table), whether enabled, its two assets. */
export interface SandboxIsolatedAccount {
  symbol: string;
  enabled: boolean;
  base: SandboxIsolatedSide;
  quote: SandboxIsolatedSide;
}

/** The isolated-margin account(s) of a universal transfer: the source's and/or the destination's symbol. */
export interface IsolatedSymbols {
  fromSymbol?: string;
  toSymbol?: string;
}
