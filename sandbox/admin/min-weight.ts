/**
 * The minimum request weight a perfect client needs to read the whole account through the signed API:
 * computed from the data (where records exist), the windows and the page sizes of each endpoint. A
 * perfect client knows where data is, so it calls only windows that hold records and stops on a short
 * page. Benchmarks compare a real client's weight against it.
 */
import type { Entry, SandboxAccount } from '../data/model.js';
import { ROUTE_API } from '../data/model.js';

const DAY = 86_400_000;

export interface SurfaceCost {
  surface: string;
  endpoint: string;
  /** Which budget it draws on: `api-ip`, `sapi-ip`, `sapi-uid`, `sapi-uid-1s`. */
  limit: string;
  records: number;
  calls: number;
  weight: number;
}

export interface MinimumWeight {
  surfaces: SurfaceCost[];
  /** Weight per budget family. */
  byLimit: Record<string, number>;
  totalCalls: number;
}

/**
 * Calls to read records at sorted `times` with windows of at most `spanMs` and pages of `pageSize`,
 * where a page shorter than `pageSize` ends the window. With `noPaging` (no cursor: the window must
 * be narrowed until it holds fewer than pageSize records).
 */
export function windowCalls(times: number[], spanMs: number, pageSize: number, noPaging = false): number {
  const sorted = [...times].sort((a, b) => a - b);
  let calls = 0;
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] as number;
    let j = i;
    while (j < sorted.length && (sorted[j] as number) - start <= spanMs && (!noPaging || j - i < pageSize))
      j++;
    const k = j - i;
    calls += noPaging ? 1 : Math.floor(k / pageSize) + 1;
    i = j;
  }
  return calls;
}

/** Calls for an endpoint without windows, paged by `pageSize` (one call even when empty). */
function pagedCalls(count: number, pageSize: number, exactCountKnown: boolean): number {
  if (count === 0) return 1;
  return exactCountKnown ? Math.ceil(count / pageSize) : Math.floor(count / pageSize) + 1;
}

function apiTimes<T>(entries: readonly Entry<T>[], time: (r: T) => number): number[] {
  return entries.filter((e) => e.routes.api).map((e) => time(e.raw));
}

export function minimumWeight(account: SandboxAccount): MinimumWeight {
  const surfaces: SurfaceCost[] = [];
  const add = (
    surface: string,
    endpoint: string,
    limit: string,
    records: number,
    calls: number,
    weightPerCall: number,
  ): void => {
    surfaces.push({ surface, endpoint, limit, records, calls, weight: calls * weightPerCall });
  };

  add('symbols', 'GET /api/v3/exchangeInfo', 'api-ip', account.symbols.filter((s) => s.listed).length, 1, 20);
  add(
    'spot balances',
    'GET /api/v3/account',
    'api-ip',
    account.balances.filter((b) => b.wallet === 'spot').length,
    1,
    20,
  );

  // myTrades / allOrders: fromId / orderId paging of 1000 per symbol that has api-visible rows.
  const t = account.trades;
  const o = account.orders;
  let tradeCalls = 0;
  let tradeRecords = 0;
  let orderCalls = 0;
  let orderRecords = 0;
  let openCount = 0;
  for (let s = 0; s < account.symbols.length; s++) {
    let k = 0;
    for (let i = t.symbolStart[s] as number; i < (t.symbolStart[s + 1] as number); i++)
      if (((t.routes[i] as number) & ROUTE_API) !== 0) k++;
    if (k > 0) tradeCalls += Math.floor(k / 1000) + 1;
    tradeRecords += k;
    let m = 0;
    for (let i = o.symbolStart[s] as number; i < (o.symbolStart[s + 1] as number); i++) {
      if (((o.routes[i] as number) & ROUTE_API) !== 0) m++;
      const st = o.status[i] as number;
      if (st === 0 || st === 1) openCount++;
    }
    if (m > 0) orderCalls += Math.floor(m / 1000) + 1;
    orderRecords += m;
  }
  add('trades', 'GET /api/v3/myTrades', 'api-ip', tradeRecords, tradeCalls, 20);
  add('orders', 'GET /api/v3/allOrders', 'api-ip', orderRecords, orderCalls, 20);
  add('open orders', 'GET /api/v3/openOrders', 'api-ip', openCount, 1, 80);

  add(
    'deposits',
    'GET /sapi/v1/capital/deposit/hisrec',
    'sapi-ip',
    apiTimes(account.deposits, (r) => r.insertTime).length,
    windowCalls(
      apiTimes(account.deposits, (r) => r.insertTime),
      90 * DAY - 1,
      1000,
    ),
    1,
  );
  const wTimes = apiTimes(account.withdrawals, (r) => Date.parse(`${r.applyTime.replace(' ', 'T')}Z`));
  add(
    'withdrawals',
    'GET /sapi/v1/capital/withdraw/history',
    'sapi-uid-1s',
    wTimes.length,
    windowCalls(wTimes, 90 * DAY - 1, 1000),
    18000,
  );
  const cTimes = apiTimes(account.converts, (r) => r.createTime);
  add(
    'converts',
    'GET /sapi/v1/convert/tradeFlow',
    'sapi-uid',
    cTimes.length,
    windowCalls(cTimes, 30 * DAY, 1000, true),
    3000,
  );
  add(
    'dust',
    'GET /sapi/v1/asset/dribblet',
    'sapi-ip',
    account.dribblets.filter((d) => d.routes.api).length,
    1,
    1,
  );
  add(
    'flexible positions',
    'GET /sapi/v1/simple-earn/flexible/position',
    'sapi-ip',
    account.flexiblePositions.length,
    pagedCalls(account.flexiblePositions.length, 100, true),
    150,
  );
  add(
    'locked positions',
    'GET /sapi/v1/simple-earn/locked/position',
    'sapi-ip',
    account.lockedPositions.length,
    pagedCalls(account.lockedPositions.length, 100, true),
    150,
  );
  // Each product's subscriptions, redemptions and rewards, with the name and the path's record of each.
  const earnRecords = [
    ['subscriptions', 'subscriptionRecord'],
    ['redemptions', 'redemptionRecord'],
    ['rewards', 'rewardsRecord'],
  ] as const;
  const earnProducts: Array<[string, Array<readonly Entry<{ time: number }>[]>]> = [
    ['flexible', [account.flexibleSubscriptions, account.flexibleRedemptions, account.flexibleRewards]],
    ['locked', [account.lockedSubscriptions, account.lockedRedemptions, account.lockedRewards]],
  ];
  // current/size with `total`: the client knows the page count, so ceil(k/100) per window.
  for (const [product, lists] of earnProducts)
    earnRecords.forEach(([what, record], k) => {
      const times = apiTimes(lists[k]!, (r) => r.time);
      add(
        `${product} ${what}`,
        `GET /sapi/v1/simple-earn/${product}/history/${record}`,
        'sapi-ip',
        times.length,
        windowCallsExact(times, 30 * DAY, 100),
        150,
      );
    });
  const planTypes = new Set(account.autoInvestPlans.filter((p) => p.routes.api).map((p) => p.raw.planType));
  add(
    'auto-invest plans',
    'GET /sapi/v1/lending/auto-invest/plan/list',
    'sapi-ip',
    account.autoInvestPlans.length,
    planTypes.size,
    1,
  );
  const aiTimes = apiTimes(account.autoInvestExecutions, (r) => r.transactionDateTime);
  add(
    'auto-invest executions',
    'GET /sapi/v1/lending/auto-invest/history/list',
    'sapi-ip',
    aiTimes.length,
    windowCallsExact(aiTimes, 30 * DAY, 100),
    1,
  );
  let p2pCalls = 0;
  let p2pRecords = 0;
  for (const side of ['BUY', 'SELL']) {
    const times = account.c2cOrders
      .filter((e) => e.routes.api && e.raw.tradeType === side)
      .map((e) => e.raw.createTime);
    p2pCalls += windowCallsExact(times, 30 * DAY, 100);
    p2pRecords += times.length;
  }
  add('p2p orders', 'GET /sapi/v1/c2c/orderMatch/listUserOrderHistory', 'sapi-ip', p2pRecords, p2pCalls, 1);
  for (const [name, path, list, weight, limit] of [
    ['fiat orders', 'GET /sapi/v1/fiat/orders', account.fiatOrders, 45000, 'sapi-uid'],
    ['fiat payments', 'GET /sapi/v1/fiat/payments', account.fiatPayments, 1, 'sapi-ip'],
  ] as const) {
    let calls = 0;
    let records = 0;
    for (const type of [0, 1]) {
      const k = list.filter((e) => e.routes.api && e.transactionType === type).length;
      if (k > 0) calls += Math.ceil(k / 500);
      records += k;
    }
    add(name, path, limit, records, calls, weight);
  }
  const dTimes = apiTimes(account.dividends, (r) => r.divTime);
  add(
    'dividends',
    'GET /sapi/v1/asset/assetDividend',
    'sapi-ip',
    dTimes.length,
    windowCalls(dTimes, 180 * DAY, 500, true),
    10,
  );
  add('funding', 'POST /sapi/v1/asset/get-funding-asset', 'sapi-ip', account.funding.length, 1, 1);
  let utCalls = 0;
  let utRecords = 0;
  // One query per type, and per isolated account (fromSymbol/toSymbol) for the isolated-margin types.
  const utQueries = new Map<string, number>();
  for (const e of account.universalTransfers) {
    if (!e.routes.api) continue;
    const q = `${e.raw.type}|${e.fromSymbol ?? ''}|${e.toSymbol ?? ''}`;
    utQueries.set(q, (utQueries.get(q) ?? 0) + 1);
  }
  for (const k of utQueries.values()) {
    utCalls += Math.ceil(k / 100);
    utRecords += k;
  }
  add('universal transfers', 'GET /sapi/v1/asset/transfer', 'sapi-ip', utRecords, utCalls, 1);

  const byLimit: Record<string, number> = {};
  let totalCalls = 0;
  for (const s of surfaces) {
    byLimit[s.limit] = (byLimit[s.limit] ?? 0) + s.weight;
    totalCalls += s.calls;
  }
  return { surfaces, byLimit, totalCalls };
}

/** Like windowCalls, for endpoints that report `total` (no extra call to see a short page). */
function windowCallsExact(times: number[], spanMs: number, pageSize: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let calls = 0;
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] as number;
    let j = i;
    while (j < sorted.length && (sorted[j] as number) - start <= spanMs) j++;
    calls += Math.ceil((j - i) / pageSize);
    i = j;
  }
  return calls;
}
