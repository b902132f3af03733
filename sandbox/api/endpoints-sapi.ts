/**
 * The /sapi read endpoints of CONTRACT.md 4.7-4.20: their windows, paging styles, envelopes and quirks.
 * History lists come newest first (the exchange does not document /sapi ordering; clients must sort),
 * except convert tradeFlow, which pages forward in time with `moreData`.
 */
import type { Entry, RawLockedPosition, SandboxAccount } from '../data/model.js';
import { ACCOUNT_SNAPSHOT_ENDPOINT } from './account-snapshot.js';
import { ISOLATED_ACCOUNT_ENDPOINT } from './isolated-margin.js';
import { WALLET_BALANCE_ENDPOINT } from './wallet-balance.js';
import type { EndpointContext, EndpointDef } from './context.js';
import { Errors } from './errors.js';
import { DAY, page, resolveWindow, type WindowRule } from './windows.js';

const tooWide = Errors.rangeTooLarge;
const W90: WindowRule = { maxMs: 90 * DAY, strict: true, defaultMs: 90 * DAY - 1, tooWide };
const W30: WindowRule = { maxMs: 30 * DAY, defaultMs: 30 * DAY, tooWide };
const SIX_MONTHS = 182 * DAY;

/** Api-visible entries whose time is within [start, end], newest first. */
function inWindow<T>(
  entries: readonly Entry<T>[],
  time: (raw: T) => number,
  start: number,
  end: number,
): T[] {
  const out: T[] = [];
  for (const e of entries) {
    if (!e.routes.api) continue;
    const t = time(e.raw);
    if (t >= start && t <= end) out.push(e.raw);
  }
  return out.sort((a, b) => time(b) - time(a));
}

function rowsTotal<T>(
  rows: T[],
  ctx: EndpointContext,
  defSize = 10,
  maxSize = 100,
): { rows: T[]; total: number } {
  const current = ctx.params.limit('current', 1, 1_000_000);
  const size = ctx.params.limit('size', defSize, maxSize);
  return { rows: page(rows, current, size), total: rows.length };
}

function applyTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function depositHistory(ctx: EndpointContext): unknown {
  const { params } = ctx;
  params.bool('includeSource');
  const coin = params.str('coin');
  const status = params.long('status');
  const txId = params.str('txId');
  const offset = params.long('offset') ?? 0;
  const limit = params.limit('limit', 1000, 1000);
  const [start, end] = resolveWindow(params, ctx.now, W90);
  const rows = inWindow(ctx.account.deposits, (r) => r.insertTime, start, end).filter(
    (r) =>
      (coin === undefined || r.coin === coin) &&
      (status === undefined || r.status === status) &&
      (txId === undefined || r.txId === txId),
  );
  return rows.slice(offset, offset + limit);
}

function withdrawHistory(ctx: EndpointContext): unknown {
  const { params } = ctx;
  const coin = params.str('coin');
  const withdrawOrderId = params.str('withdrawOrderId');
  const status = params.long('status');
  const offset = params.long('offset') ?? 0;
  const limit = params.limit('limit', 1000, 1000);
  const idListRaw = params.str('idList');
  const idList = idListRaw?.split(',');
  if (idList && idList.length > 45) throw Errors.invalidParam('idList');
  const rule: WindowRule =
    withdrawOrderId !== undefined ? { maxMs: 7 * DAY, strict: true, defaultMs: 7 * DAY - 1, tooWide } : W90;
  const [start, end] = resolveWindow(params, ctx.now, rule);
  const rows = inWindow(ctx.account.withdrawals, (r) => applyTime(r.applyTime), start, end).filter(
    (r) =>
      (coin === undefined || r.coin === coin) &&
      (status === undefined || r.status === status) &&
      (withdrawOrderId === undefined || r.withdrawOrderId === withdrawOrderId) &&
      (idList === undefined || idList.includes(r.id)),
  );
  return rows.slice(offset, offset + limit);
}

function convertTradeFlow(ctx: EndpointContext): unknown {
  const { params } = ctx;
  const [start, end] = resolveWindow(params, ctx.now, { ...W30, required: true });
  const limit = params.limit('limit', 100, 1000);
  const rows = inWindow(ctx.account.converts, (r) => r.createTime, start, end).reverse();
  return { list: rows.slice(0, limit), startTime: start, endTime: end, limit, moreData: rows.length > limit };
}

const DUST_API_FROM = Date.UTC(2020, 11, 1);

function dribblet(ctx: EndpointContext): unknown {
  const { params } = ctx;
  params.oneOf('accountType', ['SPOT', 'MARGIN'] as const);
  const start = params.long('startTime') ?? 0;
  const end = params.long('endTime') ?? ctx.now;
  // Only the last 100 conversions and only after 2020-12-01 (the generator marks the rest not-api).
  const rows = inWindow(ctx.account.dribblets, (r) => r.operateTime, Math.max(start, DUST_API_FROM), end);
  return { total: rows.length, userAssetDribblets: rows };
}

function flexiblePosition(ctx: EndpointContext): unknown {
  const asset = ctx.params.str('asset');
  const productId = ctx.params.str('productId');
  const rows = ctx.account.flexiblePositions
    .map((e) => e.raw)
    .filter(
      (r) =>
        (asset === undefined || r.asset === asset) && (productId === undefined || r.productId === productId),
    );
  return rowsTotal(rows, ctx);
}

const LOCKED_DATE_FIELDS = [
  'purchaseTime',
  'nextPayDate',
  'rewardsEndDate',
  'deliverDate',
  'partialAmtDeliverDate',
] as const;

function lockedRow(account: SandboxAccount, raw: RawLockedPosition): Record<string, unknown> {
  if (!account.quirks.lockedDatesAsStrings) return { ...raw };
  const out: Record<string, unknown> = { ...raw };
  for (const f of LOCKED_DATE_FIELDS) out[f] = String(raw[f]);
  return out;
}

function lockedPosition(ctx: EndpointContext): unknown {
  const asset = ctx.params.str('asset');
  const positionId = ctx.params.str('positionId');
  const projectId = ctx.params.str('projectId');
  const rows = ctx.account.lockedPositions
    .map((e) => e.raw)
    .filter(
      (r) =>
        (asset === undefined || r.asset === asset) &&
        (positionId === undefined || String(r.positionId) === positionId) &&
        (projectId === undefined || r.projectId === projectId),
    )
    .map((r) => lockedRow(ctx.account, r));
  return rowsTotal(rows, ctx);
}

/** A Simple Earn history endpoint: 30-day window, optional filters, rows + total. */
function earnHistory<T>(
  pick: (a: SandboxAccount) => readonly Entry<T>[],
  time: (r: T) => number,
  filters: Array<[string, (r: T) => string]>,
  extra?: (ctx: EndpointContext, r: T) => boolean,
): (ctx: EndpointContext) => unknown {
  return (ctx) => {
    const wanted = filters.map(([name, get]) => [ctx.params.str(name), get] as const);
    const [start, end] = resolveWindow(ctx.params, ctx.now, W30);
    const rows = inWindow(pick(ctx.account), time, start, end).filter(
      (r) => wanted.every(([v, get]) => v === undefined || get(r) === v) && (!extra || extra(ctx, r)),
    );
    return rowsTotal(rows, ctx);
  };
}

function rewardTypeFilter(ctx: EndpointContext, r: { type: string }): boolean {
  // [CJS 2026-07]: optional, default ALL.
  const type = ctx.params.oneOf('type', ['BONUS', 'REALTIME', 'REWARDS', 'ALL'] as const) ?? 'ALL';
  return type === 'ALL' || r.type === type;
}

function autoInvestPlans(ctx: EndpointContext): unknown {
  const planType = ctx.params.oneOf('planType', ['SINGLE', 'PORTFOLIO', 'INDEX'] as const, true);
  const plans = ctx.account.autoInvestPlans
    .filter((e) => e.routes.api && e.raw.planType === planType)
    .map((e) => e.raw);
  const value = plans.reduce((s, p) => s + Number(p.planValueInUSD), 0);
  return {
    planValueInUSD: value.toFixed(8),
    planValueInBTC: '0',
    pnlInUSD: '0',
    roi: '0',
    // The array is `plan` in the swagger, `plans` in the field (CONTRACT.md 4.13); one per account.
    [ctx.account.quirks.autoInvestListEnvelope ? 'plans' : 'plan']: plans,
  };
}

function autoInvestHistory(ctx: EndpointContext): unknown {
  const { params } = ctx;
  const planId = params.long('planId');
  const targetAsset = params.str('targetAsset');
  const planType = params.oneOf('planType', ['SINGLE', 'PORTFOLIO', 'INDEX', 'ALL'] as const) ?? 'ALL';
  const [start, end] = resolveWindow(params, ctx.now, W30);
  const rows = inWindow(ctx.account.autoInvestExecutions, (r) => r.transactionDateTime, start, end).filter(
    (r) =>
      (planId === undefined || r.planId === planId) &&
      (targetAsset === undefined || r.targetAsset === targetAsset) &&
      (planType === 'ALL' || r.planType === planType),
  );
  const { rows: pageRows, total } = rowsTotal(rows, ctx, 10, 100);
  return ctx.account.quirks.autoInvestListEnvelope ? { total, list: pageRows } : pageRows;
}

function c2cHistory(ctx: EndpointContext): unknown {
  const { params } = ctx;
  const tradeType = params.oneOf('tradeType', ['BUY', 'SELL'] as const, true);
  const [start, end] = resolveWindow(params, ctx.now, {
    ...W30,
    startName: 'startTimestamp',
    endName: 'endTimestamp',
  });
  const pageNo = params.limit('page', 1, 1_000_000);
  const rows = params.limit('rows', 100, 100);
  // The 6-month lookback is measured from the snapshot, as the generator marked the routes (truth and API agree).
  const lookback = ctx.account.asOf - SIX_MONTHS;
  const all = inWindow(ctx.account.c2cOrders, (r) => r.createTime, Math.max(start, lookback), end).filter(
    (r) => r.tradeType === tradeType,
  );
  return {
    code: '000000',
    message: 'success',
    data: page(all, pageNo, rows),
    total: all.length,
    success: true,
  };
}

function fiatList<T>(
  pick: (a: SandboxAccount) => ReadonlyArray<Entry<T> & { transactionType: 0 | 1 }>,
  time: (r: T) => number,
  omitEmptyData: boolean,
): (ctx: EndpointContext) => unknown {
  return (ctx) => {
    const { params } = ctx;
    const type = params.oneOf('transactionType', ['0', '1'] as const, true);
    const begin = params.long('beginTime');
    const end = params.long('endTime');
    const pageNo = params.limit('page', 1, 1_000_000);
    const rows = params.limit('rows', 100, 500);
    let from: number;
    let to: number;
    if (begin === undefined && end === undefined) [from, to] = [ctx.now - 30 * DAY, ctx.now];
    else [from, to] = [begin ?? 0, end ?? ctx.now];
    if (from > to) throw Errors.invalidParam('beginTime');
    const entries = pick(ctx.account).filter((e) => String(e.transactionType) === type);
    const all = inWindow(entries, time, from, to);
    const data = page(all, pageNo, rows);
    // Payments omit `data` when total is 0 (CONTRACT.md 4.15 field quirk).
    if (omitEmptyData && all.length === 0)
      return { code: '000000', message: 'success', success: true, total: 0 };
    return { code: '000000', message: 'success', data, total: all.length, success: true };
  };
}

function assetDividend(ctx: EndpointContext): unknown {
  const { params } = ctx;
  const asset = params.str('asset');
  const limit = params.limit('limit', 20, 500);
  const [start, end] = resolveWindow(params, ctx.now, { maxMs: 180 * DAY, defaultMs: 180 * DAY, tooWide });
  const rows = inWindow(ctx.account.dividends, (r) => r.divTime, start, end).filter(
    (r) => asset === undefined || r.asset === asset,
  );
  return { rows: rows.slice(0, limit), total: rows.length };
}

function apiRestrictions(ctx: EndpointContext): unknown {
  const p = ctx.key.permissions;
  return {
    // Withdrawals can only be enabled with an IP restriction.
    ipRestrict: p.enableWithdrawals,
    createTime: ctx.key.createTime,
    enableReading: p.enableReading,
    enableWithdrawals: p.enableWithdrawals,
    enableInternalTransfer: p.enableInternalTransfer,
    enableMargin: p.enableMargin,
    enableFutures: p.enableFutures,
    permitsUniversalTransfer: p.permitsUniversalTransfer,
    enableVanillaOptions: p.enableVanillaOptions,
    enableFixApiTrade: p.enableFixApiTrade,
    enableFixReadOnly: true,
    enableSpotAndMarginTrading: p.enableSpotAndMarginTrading,
    enablePortfolioMarginTrading: p.enablePortfolioMarginTrading,
  };
}

function getUserAsset(ctx: EndpointContext): unknown {
  const asset = ctx.params.str('asset');
  const withBtc = ctx.params.bool('needBtcValuation') ?? false;
  return ctx.account.balances
    .filter(
      (b) =>
        b.wallet === 'spot' &&
        (asset === undefined || b.asset === asset) &&
        (Number(b.free) > 0 || Number(b.locked) > 0),
    )
    .map((b) => ({
      asset: b.asset,
      free: b.free,
      locked: b.locked,
      freeze: '0',
      withdrawing: '0',
      ipoable: '0',
      btcValuation: withBtc ? '0' : '0',
    }));
}

function fundingAsset(ctx: EndpointContext): unknown {
  const asset = ctx.params.str('asset');
  const withBtc = ctx.params.bool('needBtcValuation') ?? false;
  return ctx.account.funding
    .filter((e) => asset === undefined || e.raw.asset === asset)
    .map((e) => ({ ...e.raw, btcValuation: withBtc ? e.raw.btcValuation : '0' }));
}

const TRANSFER_TYPES = [
  'MAIN_C2C',
  'MAIN_UMFUTURE',
  'MAIN_CMFUTURE',
  'MAIN_MARGIN',
  'MAIN_MINING',
  'C2C_MAIN',
  'C2C_UMFUTURE',
  'C2C_MINING',
  'C2C_MARGIN',
  'UMFUTURE_MAIN',
  'UMFUTURE_C2C',
  'UMFUTURE_MARGIN',
  'CMFUTURE_MAIN',
  'CMFUTURE_MARGIN',
  'MARGIN_MAIN',
  'MARGIN_UMFUTURE',
  'MARGIN_CMFUTURE',
  'MARGIN_MINING',
  'MARGIN_C2C',
  'MINING_MAIN',
  'MINING_UMFUTURE',
  'MINING_C2C',
  'MINING_MARGIN',
  'MAIN_PAY',
  'PAY_MAIN',
  'ISOLATEDMARGIN_MARGIN',
  'MARGIN_ISOLATEDMARGIN',
  'ISOLATEDMARGIN_ISOLATEDMARGIN',
  'MAIN_FUNDING',
  'FUNDING_MAIN',
  'FUNDING_UMFUTURE',
  'UMFUTURE_FUNDING',
  'MARGIN_FUNDING',
  'FUNDING_MARGIN',
  'FUNDING_CMFUTURE',
  'CMFUTURE_FUNDING',
  'MAIN_OPTION',
  'OPTION_MAIN',
  'UMFUTURE_OPTION',
  'OPTION_UMFUTURE',
  'MARGIN_OPTION',
  'OPTION_MARGIN',
  'FUNDING_OPTION',
  'OPTION_FUNDING',
  'MAIN_PORTFOLIO_MARGIN',
  'PORTFOLIO_MARGIN_MAIN',
  // Listed for the POST twin by [SWG] and taken by the GET too (CONTRACT.md §4.20: the same strings).
  'MAIN_ISOLATED_MARGIN',
  'ISOLATED_MARGIN_MAIN',
] as const;

/** Whether a transfer type's source / destination is an isolated-margin account (named by a symbol). */
function isolatedSides(type: string): { from: boolean; to: boolean } {
  return {
    from: type.startsWith('ISOLATEDMARGIN_') || type.startsWith('ISOLATED_MARGIN_'),
    to: type.endsWith('_ISOLATEDMARGIN') || type.endsWith('_ISOLATED_MARGIN'),
  };
}

function universalTransfers(ctx: EndpointContext): unknown {
  const { params } = ctx;
  const type = params.oneOf('type', TRANSFER_TYPES, true)!;
  // CONTRACT.md §4.20: fromSymbol/toSymbol are required for the isolated-margin types ([SWG] spells it
  // out for the three ISOLATEDMARGIN_* types; MAIN_ISOLATED_MARGIN / ISOLATED_MARGIN_MAIN name their
  // isolated account the same way). Rows are those of that isolated account (or pair of accounts).
  const sides = isolatedSides(type);
  const fromSymbol = sides.from ? params.symbol('fromSymbol', true) : undefined;
  const toSymbol = sides.to ? params.symbol('toSymbol', true) : undefined;
  const entries = ctx.account.universalTransfers.filter(
    (e) =>
      e.raw.type === type &&
      (fromSymbol === undefined || e.fromSymbol === fromSymbol) &&
      (toSymbol === undefined || e.toSymbol === toSymbol),
  );
  const start = params.long('startTime');
  const end = params.long('endTime');
  const from = start ?? (end !== undefined ? end - 7 * DAY : ctx.now - 7 * DAY);
  const to = end ?? (start !== undefined ? ctx.now : ctx.now);
  if (from > to) throw Errors.invalidParam('startTime');
  const all = inWindow(entries, (r) => r.timestamp, Math.max(from, ctx.account.asOf - SIX_MONTHS), to);
  return rowsTotal(all, ctx, 10, 100);
}

const ip = 'sapi-ip' as const;
const uid = 'sapi-uid' as const;

export const SAPI_ENDPOINTS: EndpointDef[] = [
  {
    method: 'GET',
    path: '/sapi/v1/capital/deposit/hisrec',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: depositHistory,
  },
  {
    method: 'GET',
    path: '/sapi/v1/capital/withdraw/history',
    security: 'USER_DATA',
    limit: 'sapi-uid-1s',
    weight: 18000,
    handle: withdrawHistory,
  },
  {
    method: 'GET',
    path: '/sapi/v1/convert/tradeFlow',
    security: 'USER_DATA',
    limit: uid,
    weight: 3000,
    handle: convertTradeFlow,
  },
  {
    method: 'GET',
    path: '/sapi/v1/asset/dribblet',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: dribblet,
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/flexible/position',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: flexiblePosition,
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/locked/position',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: lockedPosition,
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/flexible/history/subscriptionRecord',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: earnHistory(
      (a) => a.flexibleSubscriptions,
      (r) => r.time,
      [
        ['productId', (r) => r.productId],
        ['purchaseId', (r) => String(r.purchaseId)],
        ['asset', (r) => r.asset],
      ],
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/flexible/history/redemptionRecord',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: earnHistory(
      (a) => a.flexibleRedemptions,
      (r) => r.time,
      [
        ['productId', (r) => r.projectId],
        ['redeemId', (r) => String(r.redeemId)],
        ['asset', (r) => r.asset],
      ],
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/flexible/history/rewardsRecord',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: earnHistory(
      (a) => a.flexibleRewards,
      (r) => r.time,
      [
        ['productId', (r) => r.projectId],
        ['asset', (r) => r.asset],
      ],
      rewardTypeFilter,
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/locked/history/subscriptionRecord',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: earnHistory(
      (a) => a.lockedSubscriptions,
      (r) => r.time,
      [
        ['purchaseId', (r) => r.purchaseId],
        ['asset', (r) => r.asset],
      ],
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/locked/history/redemptionRecord',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: earnHistory(
      (a) => a.lockedRedemptions,
      (r) => r.time,
      [
        ['positionId', (r) => r.positionId],
        ['redeemId', (r) => String(r.redeemId)],
        ['asset', (r) => r.asset],
      ],
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/simple-earn/locked/history/rewardsRecord',
    security: 'USER_DATA',
    limit: ip,
    weight: 150,
    handle: earnHistory(
      (a) => a.lockedRewards,
      (r) => r.time,
      [
        ['positionId', (r) => String(r.positionId)],
        ['asset', (r) => r.asset],
      ],
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/lending/auto-invest/plan/list',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    // "max one request every 3s per account" [CJS-AI market-data-api.ts]; CONTRACT.md 4.13.
    minIntervalMs: 3000,
    handle: autoInvestPlans,
  },
  {
    method: 'GET',
    path: '/sapi/v1/lending/auto-invest/history/list',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: autoInvestHistory,
  },
  {
    method: 'GET',
    path: '/sapi/v1/c2c/orderMatch/listUserOrderHistory',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: c2cHistory,
  },
  {
    method: 'GET',
    path: '/sapi/v1/fiat/orders',
    security: 'USER_DATA',
    limit: uid,
    weight: 45000,
    handle: fiatList(
      (a) => a.fiatOrders,
      (r) => r.createTime,
      false,
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/fiat/payments',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: fiatList(
      (a) => a.fiatPayments,
      (r) => r.createTime,
      true,
    ),
  },
  {
    method: 'GET',
    path: '/sapi/v1/asset/assetDividend',
    security: 'USER_DATA',
    limit: ip,
    weight: 10,
    handle: assetDividend,
  },
  {
    method: 'GET',
    path: '/sapi/v1/account/apiRestrictions',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: apiRestrictions,
  },
  {
    method: 'GET',
    path: '/sapi/v1/account/status',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: () => ({ data: 'Normal' }),
  },
  {
    method: 'POST',
    path: '/sapi/v3/asset/getUserAsset',
    security: 'USER_DATA',
    limit: ip,
    weight: 5,
    handle: getUserAsset,
  },
  {
    method: 'POST',
    path: '/sapi/v1/asset/get-funding-asset',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: fundingAsset,
  },
  {
    method: 'GET',
    path: '/sapi/v1/asset/transfer',
    security: 'USER_DATA',
    limit: ip,
    weight: 1,
    handle: universalTransfers,
  },
  ACCOUNT_SNAPSHOT_ENDPOINT,
  WALLET_BALANCE_ENDPOINT,
  ISOLATED_ACCOUNT_ENDPOINT,
];

export const SAPI_WRITE_ENDPOINTS: Array<
  Pick<EndpointDef, 'method' | 'path' | 'limit' | 'weight' | 'permission'>
> = [
  {
    method: 'POST',
    path: '/sapi/v1/capital/withdraw/apply',
    limit: ip,
    weight: 900,
    permission: 'enableWithdrawals',
  },
  {
    method: 'POST',
    path: '/sapi/v1/asset/transfer',
    limit: uid,
    weight: 900,
    permission: 'permitsUniversalTransfer',
  },
  {
    method: 'POST',
    path: '/sapi/v1/asset/dust',
    limit: uid,
    weight: 10,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/sapi/v1/convert/acceptQuote',
    limit: uid,
    weight: 500,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/sapi/v1/simple-earn/flexible/subscribe',
    limit: ip,
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
  {
    method: 'POST',
    path: '/sapi/v1/simple-earn/flexible/redeem',
    limit: ip,
    weight: 1,
    permission: 'enableSpotAndMarginTrading',
  },
];
