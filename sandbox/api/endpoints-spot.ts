/**
 * The /api/v3 read endpoints (CONTRACT.md 4.1-4.6), ascending order, 24-hour windows, -1121 for unknown
 * and delisted symbols, -1127/-1128 for bad windows and combinations.
 */
import { clientOrderIdFor, lowerBound, orderAt, tradeAt } from '../data/columns.js';
import { ROUTE_API, type RawOrder, type RawMyTrade, type SandboxAccount } from '../data/model.js';
import { fmt8 } from '../data/units.js';
import type { EndpointContext, EndpointDef } from './context.js';
import { ApiFailure, Errors } from './errors.js';
import { HOUR } from './windows.js';

const DAY24 = 24 * HOUR;
const PERMISSION_ENUM = [
  'SPOT',
  'MARGIN',
  'LEVERAGED',
  ...Array.from({ length: 24 }, (_, i) => `TRD_GRP_${String(i + 2).padStart(3, '0')}`),
];
const DEFAULT_PERMISSIONS = ['SPOT', 'MARGIN', 'LEVERAGED'];

/** A listed symbol's index, or -1121 for unknown and delisted ones. */
function listedSymbol(ctx: EndpointContext, name: string): number {
  const s = ctx.index.symbolByName.get(name);
  if (s === undefined || !ctx.account.symbols[s]!.listed) throw Errors.badSymbol();
  return s;
}

/** Parses `symbols`/`permissions` JSON-array params (a single bare value is accepted for permissions). */
function parseList(value: string, name: string): string[] {
  if (!value.startsWith('[')) return [value];
  try {
    const list = JSON.parse(value) as unknown;
    if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list as string[];
  } catch {
    // fall through
  }
  throw Errors.invalidParam(name);
}

function symbolInfo(
  account: SandboxAccount,
  i: number,
  showPermissionSets: boolean,
): Record<string, unknown> {
  const s = account.symbols[i]!;
  return {
    symbol: s.symbol,
    status: s.status,
    baseAsset: s.baseAsset,
    baseAssetPrecision: s.baseAssetPrecision,
    quoteAsset: s.quoteAsset,
    quotePrecision: s.quoteAssetPrecision,
    quoteAssetPrecision: s.quoteAssetPrecision,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [
      'LIMIT',
      'LIMIT_MAKER',
      'MARKET',
      'STOP_LOSS',
      'STOP_LOSS_LIMIT',
      'TAKE_PROFIT',
      'TAKE_PROFIT_LIMIT',
    ],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    opoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    pegInstructionsAllowed: true,
    isSpotTradingAllowed: s.permissionSets.some((set) => set.includes('SPOT')),
    isMarginTradingAllowed: s.permissionSets.some((set) => set.includes('MARGIN')),
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: '0.00000001',
        maxPrice: '1000000.00000000',
        tickSize: '0.00000001',
      },
      { filterType: 'LOT_SIZE', minQty: '0.00000001', maxQty: '90000000.00000000', stepSize: '0.00000001' },
    ],
    permissions: [],
    permissionSets: showPermissionSets ? s.permissionSets : [],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'],
  };
}

function exchangeInfo(ctx: EndpointContext): unknown {
  const { params, account } = ctx;
  const symbol = params.symbol('symbol');
  const symbolsRaw = params.str('symbols');
  const permissionsRaw = params.str('permissions');
  const show = params.bool('showPermissionSets') ?? true;
  const status = params.oneOf('symbolStatus', [
    'TRADING',
    'HALT',
    'BREAK',
    'END_OF_DAY',
    'CANCEL_ONLY',
  ] as const);
  if (
    (symbol !== undefined && symbolsRaw !== undefined) ||
    (status !== undefined && (symbol ?? symbolsRaw) !== undefined)
  )
    throw Errors.badCombo();
  if (permissionsRaw !== undefined && (symbol ?? symbolsRaw) !== undefined) throw Errors.badCombo();
  let picked: number[];
  if (symbol !== undefined || symbolsRaw !== undefined) {
    const names = symbol !== undefined ? [symbol] : parseList(symbolsRaw!, 'symbols');
    picked = names.map((n) => listedSymbol(ctx, n));
  } else {
    const perms =
      permissionsRaw !== undefined ? parseList(permissionsRaw, 'permissions') : DEFAULT_PERMISSIONS;
    for (const p of perms) if (!PERMISSION_ENUM.includes(p)) throw Errors.invalidParam('permissions');
    picked = [];
    account.symbols.forEach((s, i) => {
      if (!s.listed) return;
      if (status !== undefined && s.status !== status) return;
      if (s.permissionSets.some((set) => set.some((p) => perms.includes(p)))) picked.push(i);
    });
  }
  return {
    timezone: 'UTC',
    serverTime: ctx.now,
    rateLimits: [
      {
        rateLimitType: 'REQUEST_WEIGHT',
        interval: 'MINUTE',
        intervalNum: 1,
        limit: ctx.limits['api-ip'].limit,
      },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      // What the router enforces (300,000 unless a test lowered it), so a client that reads it stays under it.
      {
        rateLimitType: 'RAW_REQUESTS',
        interval: 'MINUTE',
        intervalNum: 5,
        limit: ctx.limits['api-raw'].limit,
      },
    ],
    exchangeFilters: [],
    symbols: picked.map((i) => symbolInfo(account, i, show)),
  };
}

function account(ctx: EndpointContext): unknown {
  const omit = ctx.params.bool('omitZeroBalances') ?? false;
  const a = ctx.account;
  const balances: Array<{ asset: string; free: string; locked: string }> = [];
  for (const b of a.balances) {
    if (b.wallet !== 'spot') continue;
    if (omit && /^0\.0+$/.test(b.free) && /^0\.0+$/.test(b.locked)) continue;
    balances.push({ asset: b.asset, free: b.free, locked: b.locked });
  }
  // Simple Earn flexible positions are mirrored into spot as LD<asset> (LDO is a real asset, not a mirror).
  for (const { raw } of a.flexiblePositions)
    balances.push({ asset: `LD${raw.asset}`, free: raw.totalAmount, locked: fmt8(0) });
  return {
    makerCommission: 10,
    takerCommission: 10,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: a.asOf,
    accountType: 'SPOT',
    balances,
    permissions: ['SPOT'],
    uid: a.uid,
  };
}

function myTrades(ctx: EndpointContext): RawMyTrade[] {
  const { params, account } = ctx;
  const s = listedSymbol(ctx, params.symbol('symbol', true)!);
  const orderId = params.long('orderId');
  const startTime = params.long('startTime');
  const endTime = params.long('endTime');
  const fromId = params.long('fromId');
  const limit = params.limit('limit', 500, 1000);
  const hasTime = startTime !== undefined || endTime !== undefined;
  // Supported: symbol; +orderId; +startTime; +endTime; +fromId; +startTime+endTime; +orderId+fromId.
  if ((orderId !== undefined && hasTime) || (fromId !== undefined && hasTime)) throw Errors.badCombo();
  if (startTime !== undefined && endTime !== undefined) {
    if (endTime - startTime > DAY24) throw Errors.moreThanHours(24);
    if (startTime > endTime) throw Errors.invalidParam('startTime');
  }
  const t = account.trades;
  const lo = t.symbolStart[s] as number;
  const hi = t.symbolStart[s + 1] as number;
  let from: number;
  let to: number;
  if (orderId !== undefined) {
    from = lowerBound(t.orderId, lo, hi, orderId);
    to = lowerBound(t.orderId, from, hi, orderId + 1);
    if (fromId !== undefined) from = Math.max(from, lowerBound(t.id, from, to, fromId));
    to = Math.min(to, from + limit);
  } else if (fromId !== undefined) {
    from = lowerBound(t.id, lo, hi, fromId);
    to = Math.min(hi, from + limit);
  } else if (startTime !== undefined) {
    const end = endTime ?? startTime + DAY24;
    from = lowerBound(t.time, lo, hi, startTime);
    to = Math.min(lowerBound(t.time, from, hi, end + 1), from + limit);
  } else if (endTime !== undefined) {
    from = lowerBound(t.time, lo, hi, endTime - DAY24);
    to = lowerBound(t.time, from, hi, endTime + 1);
    from = Math.max(from, to - limit);
  } else {
    to = hi;
    from = Math.max(lo, hi - limit);
  }
  const out: RawMyTrade[] = [];
  for (let i = from; i < to; i++)
    if (((t.routes[i] as number) & ROUTE_API) !== 0) out.push(tradeAt(account, i));
  return out;
}

function allOrders(ctx: EndpointContext): RawOrder[] {
  const { params, account } = ctx;
  const s = listedSymbol(ctx, params.symbol('symbol', true)!);
  const orderId = params.long('orderId');
  const startTime = params.long('startTime');
  const endTime = params.long('endTime');
  const limit = params.limit('limit', 500, 1000);
  if (startTime !== undefined && endTime !== undefined) {
    if (endTime - startTime > DAY24) throw Errors.moreThanHours(24);
    if (startTime > endTime) throw Errors.invalidParam('startTime');
  }
  const o = account.orders;
  const lo = o.symbolStart[s] as number;
  const hi = o.symbolStart[s + 1] as number;
  const visible = (i: number): boolean => ((o.routes[i] as number) & ROUTE_API) !== 0;
  const rows: number[] = [];
  if (orderId !== undefined || startTime !== undefined) {
    let i = orderId !== undefined ? lowerBound(o.orderId, lo, hi, orderId) : lo;
    if (startTime !== undefined) i = Math.max(i, lowerBound(o.time, lo, hi, startTime));
    const end = endTime ?? (startTime !== undefined ? startTime + DAY24 : Infinity);
    for (; i < hi && rows.length < limit; i++) {
      if ((o.time[i] as number) > end) break;
      if (visible(i)) rows.push(i);
    }
  } else {
    const end = endTime ?? Infinity;
    const begin = endTime !== undefined ? endTime - DAY24 : -Infinity;
    for (let i = hi - 1; i >= lo && rows.length < limit; i--) {
      const time = o.time[i] as number;
      if (time > end) continue;
      if (time < begin) break;
      if (visible(i)) rows.push(i);
    }
    rows.reverse();
  }
  return rows.map((i) => orderAt(account, i));
}

/** GET /api/v3/order: one order by orderId or origClientOrderId; -2026 when archived, -2013 when unknown. */
function queryOrder(ctx: EndpointContext): RawOrder {
  const { params, account } = ctx;
  const s = listedSymbol(ctx, params.symbol('symbol', true)!);
  const orderId = params.long('orderId');
  const clientId = params.str('origClientOrderId');
  if (orderId === undefined && clientId === undefined)
    throw new ApiFailure(
      400,
      -1102,
      "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!",
    );
  const o = account.orders;
  const lo = o.symbolStart[s] as number;
  const hi = o.symbolStart[s + 1] as number;
  let found = -1;
  if (orderId !== undefined) {
    const i = lowerBound(o.orderId, lo, hi, orderId);
    if (i < hi && o.orderId[i] === orderId) found = i;
  } else {
    for (let i = lo; i < hi; i++) if (clientOrderIdFor(o.orderId[i] as number) === clientId) found = i;
  }
  if (found < 0) throw new ApiFailure(400, -2013, 'Order does not exist.');
  if (((o.routes[found] as number) & ROUTE_API) === 0) throw Errors.archived();
  if (orderId !== undefined && clientId !== undefined && clientOrderIdFor(orderId) !== clientId)
    throw new ApiFailure(400, -2013, 'Order does not exist.');
  return orderAt(account, found);
}

function openOrders(ctx: EndpointContext): RawOrder[] {
  const name = ctx.params.symbol('symbol');
  const s = name === undefined ? undefined : listedSymbol(ctx, name);
  return ctx.index.openOrders
    .filter((i) => s === undefined || ctx.account.orders.symbol[i] === s)
    .map((i) => orderAt(ctx.account, i));
}

export const SPOT_ENDPOINTS: EndpointDef[] = [
  {
    method: 'GET',
    path: '/api/v3/ping',
    security: 'NONE',
    limit: 'api-ip',
    weight: 1,
    strictParams: true,
    handle: () => ({}),
  },
  {
    method: 'GET',
    path: '/api/v3/time',
    security: 'NONE',
    limit: 'api-ip',
    weight: 1,
    strictParams: true,
    handle: (ctx) => ({ serverTime: ctx.now }),
  },
  {
    method: 'GET',
    path: '/api/v3/exchangeInfo',
    security: 'NONE',
    limit: 'api-ip',
    weight: 20,
    strictParams: true,
    handle: exchangeInfo,
  },
  {
    method: 'GET',
    path: '/api/v3/account',
    security: 'USER_DATA',
    limit: 'api-ip',
    weight: 20,
    strictParams: true,
    handle: account,
  },
  {
    method: 'GET',
    path: '/api/v3/myTrades',
    security: 'USER_DATA',
    limit: 'api-ip',
    weight: (p) => (p.has('orderId') ? 5 : 20),
    strictParams: true,
    handle: myTrades,
  },
  {
    method: 'GET',
    path: '/api/v3/allOrders',
    security: 'USER_DATA',
    limit: 'api-ip',
    weight: 20,
    strictParams: true,
    handle: allOrders,
  },
  {
    method: 'GET',
    path: '/api/v3/order',
    security: 'USER_DATA',
    limit: 'api-ip',
    weight: 4,
    strictParams: true,
    handle: queryOrder,
  },
  {
    method: 'GET',
    path: '/api/v3/openOrders',
    security: 'USER_DATA',
    limit: 'api-ip',
    weight: (p) => (p.has('symbol') ? 6 : 80),
    strictParams: true,
    handle: openOrders,
  },
];

/** Write endpoints: a read-only key gets -2015 (HTTP 401), as the exchange answers a key without the permission. */
export const SPOT_WRITE_ENDPOINTS: Array<
  Pick<EndpointDef, 'method' | 'path' | 'limit' | 'weight' | 'permission'>
> = [
  {
    method: 'POST',
    path: '/api/v3/order',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'DELETE',
    path: '/api/v3/order',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/api/v3/order/test',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/api/v3/order/oco',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/api/v3/orderList/oco',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/api/v3/order/cancelReplace',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'DELETE',
    path: '/api/v3/openOrders',
    limit: 'api-ip',
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
];
