/**
 * The web app's view of the account: rows in the shapes Binance's web front end returns, built from the
 * same generated records as the signed API and the truth, restricted to records whose routes include
 * the web. Lists are newest first (as the web pages show them). Heavy indexes are built once per app,
 * on first use.
 */
import { addDecimals } from '../../core/index.js';
import { ROUTE_WEB } from '../data/model.js';
import type { SandboxAccount } from '../data/model.js';
import { fmt8 } from '../data/units.js';

/** One row of the all-symbol trade history (`get-user-trades`). */
export interface WebTradeRow {
  id: number;
  tradeId: number;
  orderId: number;
  time: number;
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  side: 'BUY' | 'SELL';
  price: string;
  qty: string;
  totalQuota: string;
  fee: string;
  feeAsset: string;
  realPnl: string;
  /** True when the buyer was the taker: `isBuyer !== isMaker` from the holder's side. */
  activeBuy: boolean;
}

/** Trade filters of `get-user-trades` (`''`/undefined = all). */
export interface TradeFilter {
  baseAsset?: string | undefined;
  quoteAsset?: string | undefined;
  direction?: 'BUY' | 'SELL' | undefined;
  startTime?: number | undefined;
  endTime?: number | undefined;
}

/** Trade rows readable by the web, sorted newest first (ties: higher row first), as row indexes. */
export function tradeIndexNewestFirst(account: SandboxAccount): Uint32Array {
  const t = account.trades;
  const rows: number[] = [];
  for (let i = 0; i < t.count; i++) if (((t.routes[i] as number) & ROUTE_WEB) !== 0) rows.push(i);
  const index = Uint32Array.from(rows);
  index.sort((a, b) => (t.time[b] as number) - (t.time[a] as number) || b - a);
  return index;
}

/** Row indexes of `index` matching the filter (a scan; the index is in time order so bounds cut it short). */
export function filterTrades(account: SandboxAccount, index: Uint32Array, filter: TradeFilter): Uint32Array {
  const t = account.trades;
  // The page's default query (all symbols, all time) needs no scan.
  if (
    !filter.baseAsset &&
    !filter.quoteAsset &&
    !filter.direction &&
    filter.startTime === undefined &&
    filter.endTime === undefined
  )
    return index;
  const out: number[] = [];
  const symbols = account.symbols;
  for (let k = 0; k < index.length; k++) {
    const i = index[k] as number;
    const time = t.time[i] as number;
    if (filter.endTime !== undefined && time > filter.endTime) continue;
    if (filter.startTime !== undefined && time < filter.startTime) break;
    const sym = symbols[t.symbol[i] as number]!;
    if (filter.baseAsset && sym.baseAsset !== filter.baseAsset) continue;
    if (filter.quoteAsset && sym.quoteAsset !== filter.quoteAsset) continue;
    if (filter.direction) {
      const buyer = ((t.flags[i] as number) & 1) !== 0;
      if ((filter.direction === 'BUY') !== buyer) continue;
    }
    out.push(i);
  }
  return Uint32Array.from(out);
}

/** The web row of trade row i. */
export function webTradeAt(account: SandboxAccount, i: number): WebTradeRow {
  const t = account.trades;
  const sym = account.symbols[t.symbol[i] as number]!;
  const flags = t.flags[i] as number;
  const isBuyer = (flags & 1) !== 0;
  const isMaker = (flags & 2) !== 0;
  return {
    // A per-account row id (the web's own record id); tradeId is only unique within a symbol.
    id: 100_000_000 + i,
    tradeId: t.id[i] as number,
    orderId: t.orderId[i] as number,
    time: t.time[i] as number,
    symbol: sym.symbol,
    baseAsset: sym.baseAsset,
    quoteAsset: sym.quoteAsset,
    side: isBuyer ? 'BUY' : 'SELL',
    price: fmt8(t.price[i] as number),
    qty: fmt8(t.qty[i] as number),
    totalQuota: fmt8(t.quoteQty[i] as number),
    fee: fmt8(t.commission[i] as number),
    feeAsset: account.assets[t.commissionAsset[i] as number]!,
    realPnl: '0',
    activeBuy: isBuyer !== isMaker,
  };
}

/** One row of the Convert history (`new-otc/query-trade-history`). */
export interface WebConvertRow {
  /** Exact digits as a string: the id is beyond 2^53. */
  orderId: string;
  quoteId: string;
  walletType: 'SPOT';
  channelCode: 'CONVERT';
  orderStatus: string;
  symbol: string;
  fromCoin: string;
  fromCoinAmount: string;
  toCoin: string;
  toCoinAmount: string;
  quotePrice: string;
  inversePrice: string;
  /** The spread the quote charged, in `spreadCoin` (web only: the signed API does not report it). */
  spreadCoin: string;
  spreadAmount: string;
  createTimestamp: number;
  updateTimestamp: number;
  tradeMode: 'MARKET';
}

/** Units of 1e-8 from an exchange decimal string of at most 8 decimals. */
function units(text: string): bigint {
  const neg = text.startsWith('-');
  const [whole = '0', frac = ''] = (neg ? text.slice(1) : text).split('.');
  const v = BigInt(whole) * 100_000_000n + BigInt((frac + '00000000').slice(0, 8));
  return neg ? -v : v;
}

function fmtUnits(v: bigint): string {
  return fmt8(Number(v));
}

/** Convert rows, newest first. */
export function convertRows(account: SandboxAccount): WebConvertRow[] {
  return account.converts
    .filter((e) => e.routes.web)
    .map((e) => {
      const r = e.raw;
      // The quote kept 0.2 % of the value (the generator's rate): spread = toAmount * 0.002 / 0.998.
      const spread = (units(r.toAmount) * 2n) / 998n;
      return {
        orderId: r.orderId.toString(),
        quoteId: r.quoteId,
        walletType: 'SPOT' as const,
        channelCode: 'CONVERT' as const,
        orderStatus: r.orderStatus,
        symbol: `${r.fromAsset}${r.toAsset}`,
        fromCoin: r.fromAsset,
        fromCoinAmount: r.fromAmount,
        toCoin: r.toAsset,
        toCoinAmount: r.toAmount,
        quotePrice: r.ratio,
        inversePrice: r.inverseRatio,
        spreadCoin: r.toAsset,
        spreadAmount: fmtUnits(spread),
        createTimestamp: r.createTime,
        // Conversions settle within the second; the web reports the settlement instant.
        updateTimestamp: r.createTime + 200,
        tradeMode: 'MARKET' as const,
      };
    })
    .sort(
      (a, b) => b.createTimestamp - a.createTimestamp || (BigInt(b.orderId) > BigInt(a.orderId) ? 1 : -1),
    );
}

/** One row of the P2P order history (`order-list-archived-involved`). */
export interface WebP2PRow {
  orderNumber: string;
  advNo: string;
  tradeType: 'BUY' | 'SELL';
  asset: string;
  fiatUnit: string;
  fiatSymbol: string;
  amount: string;
  totalPrice: string;
  price: string;
  commission: string;
  orderStatus: string;
  createTime: number;
  counterPartNickName: string;
  advertisementRole: 'MAKER' | 'TAKER';
  payMethodName: string;
}

/** P2P rows, newest first, every age (the API stops at 6 months; the web does not). */
export function p2pRows(account: SandboxAccount): WebP2PRow[] {
  return account.c2cOrders
    .filter((e) => e.routes.web)
    .map((e) => {
      const r = e.raw;
      return {
        orderNumber: r.orderNumber,
        advNo: r.advNo,
        tradeType: r.tradeType,
        asset: r.asset,
        fiatUnit: r.fiat,
        fiatSymbol: r.fiatSymbol,
        amount: r.amount,
        totalPrice: r.totalPrice,
        price: r.unitPrice,
        commission: r.commission,
        orderStatus: r.orderStatus,
        createTime: r.createTime,
        counterPartNickName: r.counterPartNickName,
        advertisementRole: r.advertisementRole,
        payMethodName: r.payMethodName,
      };
    })
    .sort((a, b) => b.createTime - a.createTime || (BigInt(b.orderNumber) > BigInt(a.orderNumber) ? 1 : -1));
}

/** One Earn position (flexible or locked). */
export interface WebEarnPosition {
  productType: 'FLEXIBLE' | 'LOCKED';
  productId: string;
  /** Locked only (string, as the web sends it). */
  positionId?: string;
  asset: string;
  amount: string;
  apr: string;
  rewardAsset: string;
  canRedeem: boolean;
  autoSubscribe: boolean;
  /** Flexible: `cumulativeTotalRewards`; locked: the position's `rewardAmt`. */
  cumulativeRewards: string;
  /** Locked only. */
  duration?: string;
  purchaseTime?: number;
  rewardsEndDate?: number;
  status: string;
}

/** Flexible positions first (by asset), then locked (newest purchase first). */
export function earnPositions(account: SandboxAccount): WebEarnPosition[] {
  const flexible = account.flexiblePositions
    .filter((e) => e.routes.web)
    .map((e): WebEarnPosition => {
      const r = e.raw;
      return {
        productType: 'FLEXIBLE',
        productId: r.productId,
        asset: r.asset,
        amount: r.totalAmount,
        apr: r.latestAnnualPercentageRate,
        rewardAsset: r.airDropAsset,
        canRedeem: r.canRedeem,
        autoSubscribe: r.autoSubscribe,
        cumulativeRewards: r.cumulativeTotalRewards,
        status: 'HOLDING',
      };
    })
    .sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
  const locked = account.lockedPositions
    .filter((e) => e.routes.web)
    .map((e): WebEarnPosition => {
      const r = e.raw;
      return {
        productType: 'LOCKED',
        productId: r.projectId,
        positionId: String(r.positionId),
        asset: r.asset,
        amount: r.amount,
        apr: r.APY,
        rewardAsset: r.rewardAsset,
        canRedeem: r.canRedeemEarly,
        autoSubscribe: r.autoSubscribe,
        cumulativeRewards: r.rewardAmt,
        duration: r.duration,
        purchaseTime: Number(r.purchaseTime),
        rewardsEndDate: Number(r.rewardsEndDate),
        status: r.status,
      };
    })
    .sort((a, b) => (b.purchaseTime ?? 0) - (a.purchaseTime ?? 0));
  return [...flexible, ...locked];
}

/** One Earn reward (flexible or locked). */
export interface WebEarnReward {
  time: number;
  productType: 'FLEXIBLE' | 'LOCKED';
  productId: string;
  /** Locked only. */
  positionId?: string;
  asset: string;
  amount: string;
  /** Flexible `BONUS`/`REALTIME`/`REWARDS`; locked `Locked Rewards`/`Boost Rewards`/`Extra Rewards`. */
  rewardType: string;
}

/** Locked positionId -> projectId, from subscriptions and positions. */
function lockedProjects(account: SandboxAccount): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of account.lockedSubscriptions) map.set(String(e.raw.positionId), e.raw.projectId);
  for (const e of account.lockedPositions) map.set(String(e.raw.positionId), e.raw.projectId);
  return map;
}

/** Every Earn reward, newest first (ties: flexible before locked, then generation order reversed). */
export function earnRewards(account: SandboxAccount): WebEarnReward[] {
  const projects = lockedProjects(account);
  const out: Array<WebEarnReward & { seq: number }> = [];
  let seq = 0;
  for (const e of account.flexibleRewards) {
    if (!e.routes.web) continue;
    const r = e.raw;
    out.push({
      seq: seq++,
      time: r.time,
      productType: 'FLEXIBLE',
      productId: r.projectId,
      asset: r.asset,
      amount: r.rewards,
      rewardType: r.type,
    });
  }
  for (const e of account.lockedRewards) {
    if (!e.routes.web) continue;
    const r = e.raw;
    const positionId = String(r.positionId);
    out.push({
      seq: seq++,
      time: r.time,
      productType: 'LOCKED',
      productId: projects.get(positionId) ?? '',
      positionId,
      asset: r.asset,
      amount: r.amount,
      rewardType: r.type,
    });
  }
  out.sort((a, b) => b.time - a.time || b.seq - a.seq);
  return out.map(({ seq: _seq, ...row }) => row);
}

/** Earn product detail (web only: the signed API lists positions, not the product behind them). */
export interface WebEarnProduct {
  productId: string;
  productType: 'FLEXIBLE' | 'LOCKED';
  asset: string;
  rewardAsset: string;
  /** Locked: lock period in days; flexible: absent. */
  duration?: string;
  /** Current APR (decimal string, 0.05 = 5 %). */
  apr: string;
  /** Flexible tiers (`"0-5BTC": 0.05`), numbers as the exchange sends them. */
  tierAnnualPercentageRate?: Record<string, number>;
  minPurchaseAmount: string;
  canRedeem: boolean;
  status: 'PURCHASING';
  /** The holder's side of the product. */
  holding: {
    amount: string;
    cumulativeRewards: string;
    subscriptions: number;
    redemptions: number;
    rewards: number;
  };
}

/** Every product the account touched, by id. */
export function earnProducts(account: SandboxAccount): Map<string, WebEarnProduct> {
  const products = new Map<string, WebEarnProduct>();
  const get = (
    productId: string,
    productType: 'FLEXIBLE' | 'LOCKED',
    asset: string,
    duration?: string,
  ): WebEarnProduct => {
    let p = products.get(productId);
    if (!p) {
      p = {
        productId,
        productType,
        asset,
        rewardAsset: asset,
        ...(duration !== undefined ? { duration } : {}),
        apr: '0',
        minPurchaseAmount: '0.0001',
        canRedeem: productType === 'FLEXIBLE',
        status: 'PURCHASING',
        holding: { amount: '0', cumulativeRewards: '0', subscriptions: 0, redemptions: 0, rewards: 0 },
      };
      products.set(productId, p);
    }
    return p;
  };
  for (const e of account.flexibleSubscriptions)
    if (e.routes.web) get(e.raw.productId, 'FLEXIBLE', e.raw.asset).holding.subscriptions++;
  for (const e of account.flexibleRedemptions)
    if (e.routes.web) get(e.raw.projectId, 'FLEXIBLE', e.raw.asset).holding.redemptions++;
  for (const e of account.lockedSubscriptions) {
    if (e.routes.web) get(e.raw.projectId, 'LOCKED', e.raw.asset, e.raw.lockPeriod).holding.subscriptions++;
  }
  const projects = lockedProjects(account);
  for (const e of account.lockedRedemptions) {
    const id = projects.get(String(e.raw.positionId));
    if (e.routes.web && id !== undefined)
      get(id, 'LOCKED', e.raw.asset, e.raw.lockPeriod).holding.redemptions++;
  }
  for (const e of account.flexiblePositions) {
    if (!e.routes.web) continue;
    const p = get(e.raw.productId, 'FLEXIBLE', e.raw.asset);
    p.apr = e.raw.latestAnnualPercentageRate;
    p.tierAnnualPercentageRate = e.raw.tierAnnualPercentageRate;
    p.rewardAsset = e.raw.airDropAsset;
    p.holding.amount = addDecimals(p.holding.amount, e.raw.totalAmount);
  }
  for (const e of account.lockedPositions) {
    if (!e.routes.web) continue;
    const p = get(e.raw.projectId, 'LOCKED', e.raw.asset, e.raw.duration);
    p.apr = e.raw.APY;
    p.rewardAsset = e.raw.rewardAsset;
    p.holding.amount = addDecimals(p.holding.amount, e.raw.amount);
  }
  for (const r of earnRewards(account)) {
    const p = products.get(r.productId);
    if (!p) continue;
    // Extra rewards are paid in another asset (BNB): count them, but sum only the product's own asset.
    p.holding.rewards++;
    if (r.asset === p.asset) p.holding.cumulativeRewards = addDecimals(p.holding.cumulativeRewards, r.amount);
  }
  return products;
}

/** One dust conversion detail (a small balance converted). */
export interface WebDustDetail {
  transId: number;
  fromAsset: string;
  amount: string;
  transferedAmount: string;
  serviceChargeAmount: string;
  targetAsset: string;
  operateTime: number;
}

/** One dust conversion (a group of details at one instant). */
export interface WebDustGroup {
  tranId: number;
  operateTime: number;
  targetAsset: string;
  /** Comma-joined from-assets, as the web table shows them. */
  fromAssets: string;
  totalTransferedAmount: string;
  totalServiceChargeAmount: string;
  details: WebDustDetail[];
}

/** Every dust conversion, newest first: the API stops at the last 100 and at 2020-12-01; the web does not. */
export function dustGroups(account: SandboxAccount): WebDustGroup[] {
  return account.dribblets
    .filter((e) => e.routes.web)
    .map((e) => {
      const g = e.raw;
      const details = g.userAssetDribbletDetails.map((d) => ({
        transId: d.transId,
        fromAsset: d.fromAsset,
        amount: d.amount,
        transferedAmount: d.transferedAmount,
        serviceChargeAmount: d.serviceChargeAmount,
        // Older rows omit the target; it was always BNB then.
        targetAsset: d.targetAsset ?? 'BNB',
        operateTime: d.operateTime,
      }));
      return {
        tranId: g.transId,
        operateTime: g.operateTime,
        targetAsset: details[0]?.targetAsset ?? 'BNB',
        fromAssets: details.map((d) => d.fromAsset).join(','),
        totalTransferedAmount: g.totalTransferedAmount,
        totalServiceChargeAmount: g.totalServiceChargeAmount,
        details,
      };
    })
    .sort((a, b) => b.operateTime - a.operateTime || b.tranId - a.tranId);
}
