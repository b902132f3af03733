/**
 * Every endpoint the client may call, with its method, security, weight and which limit it counts
 * against (CONTRACT.md §3 and §4). The client refuses any call not listed here, and the list holds only
 * reads: GETs plus the two documented POST reads (getUserAsset, get-funding-asset).
 */
import type { Params } from './signing.js';

/**
 * Which limit a request counts against. `/api` weight is per IP for all endpoints; `/sapi` limits are
 * per endpoint ("each endpoint with IP/UID limits has an independent limit", CONTRACT.md §3.2).
 */
export type LimitFamily = 'api' | 'sapi-ip' | 'sapi-uid';

export interface EndpointSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly signed: boolean;
  readonly family: LimitFamily;
  /** Weight given the params (myTrades costs 5 with orderId, openOrders 80 without symbol). */
  readonly weight: (params: Params) => number;
  /** Per-second UID accounting (withdraw history: header X-SAPI-USED-UID-WEIGHT-1S). */
  readonly perSecond?: boolean;
  /** Minimum spacing between calls (auto-invest plan/list: one every 3 s per account). */
  readonly minIntervalMs?: number;
}

const w = (n: number) => (): number => n;

function ep(
  method: 'GET' | 'POST',
  path: string,
  family: LimitFamily,
  weight: number | ((p: Params) => number),
  extra: Partial<EndpointSpec> = {},
): EndpointSpec {
  return Object.freeze({
    method,
    path,
    signed: true,
    family,
    weight: typeof weight === 'number' ? w(weight) : weight,
    ...extra,
  });
}

export const endpoints = {
  time: ep('GET', '/api/v3/time', 'api', 1, { signed: false }),
  exchangeInfo: ep('GET', '/api/v3/exchangeInfo', 'api', 20, { signed: false }),
  account: ep('GET', '/api/v3/account', 'api', 20),
  myTrades: ep('GET', '/api/v3/myTrades', 'api', (p) => (p['orderId'] !== undefined ? 5 : 20)),
  allOrders: ep('GET', '/api/v3/allOrders', 'api', 20),
  openOrders: ep('GET', '/api/v3/openOrders', 'api', (p) => (p['symbol'] !== undefined ? 6 : 80)),
  apiRestrictions: ep('GET', '/sapi/v1/account/apiRestrictions', 'sapi-ip', 1),
  accountStatus: ep('GET', '/sapi/v1/account/status', 'sapi-ip', 1),
  userAsset: ep('POST', '/sapi/v3/asset/getUserAsset', 'sapi-ip', 5),
  fundingAsset: ep('POST', '/sapi/v1/asset/get-funding-asset', 'sapi-ip', 1),
  deposits: ep('GET', '/sapi/v1/capital/deposit/hisrec', 'sapi-ip', 1),
  withdrawals: ep('GET', '/sapi/v1/capital/withdraw/history', 'sapi-uid', 18000, { perSecond: true }),
  convert: ep('GET', '/sapi/v1/convert/tradeFlow', 'sapi-uid', 3000),
  dust: ep('GET', '/sapi/v1/asset/dribblet', 'sapi-ip', 1),
  dividends: ep('GET', '/sapi/v1/asset/assetDividend', 'sapi-ip', 10),
  universalTransfers: ep('GET', '/sapi/v1/asset/transfer', 'sapi-ip', 1),
  flexiblePosition: ep('GET', '/sapi/v1/simple-earn/flexible/position', 'sapi-ip', 150),
  lockedPosition: ep('GET', '/sapi/v1/simple-earn/locked/position', 'sapi-ip', 150),
  flexibleSubscriptions: ep(
    'GET',
    '/sapi/v1/simple-earn/flexible/history/subscriptionRecord',
    'sapi-ip',
    150,
  ),
  flexibleRedemptions: ep('GET', '/sapi/v1/simple-earn/flexible/history/redemptionRecord', 'sapi-ip', 150),
  flexibleRewards: ep('GET', '/sapi/v1/simple-earn/flexible/history/rewardsRecord', 'sapi-ip', 150),
  lockedSubscriptions: ep('GET', '/sapi/v1/simple-earn/locked/history/subscriptionRecord', 'sapi-ip', 150),
  lockedRedemptions: ep('GET', '/sapi/v1/simple-earn/locked/history/redemptionRecord', 'sapi-ip', 150),
  lockedRewards: ep('GET', '/sapi/v1/simple-earn/locked/history/rewardsRecord', 'sapi-ip', 150),
  // Daily snapshots and per-wallet totals: read on request (reads/snapshots.ts, reads/wallets.ts), not by the sync.
  accountSnapshot: ep('GET', '/sapi/v1/accountSnapshot', 'sapi-ip', 2400),
  walletBalance: ep('GET', '/sapi/v1/asset/wallet/balance', 'sapi-ip', 60),
  // Every isolated-margin account (USER_DATA: readable with a read-only key); the sync's isolated-margin candidates.
  isolatedMarginAccount: ep('GET', '/sapi/v1/margin/isolated/account', 'sapi-ip', 10),
  autoInvestPlans: ep('GET', '/sapi/v1/lending/auto-invest/plan/list', 'sapi-ip', 1, { minIntervalMs: 3000 }),
  autoInvestHistory: ep('GET', '/sapi/v1/lending/auto-invest/history/list', 'sapi-ip', 1),
  p2p: ep('GET', '/sapi/v1/c2c/orderMatch/listUserOrderHistory', 'sapi-ip', 1),
  // Budget for the older, higher figure: CONTRACT.md §8 ("budget for 90000 to be safe").
  fiatOrders: ep('GET', '/sapi/v1/fiat/orders', 'sapi-uid', 90000),
  fiatPayments: ep('GET', '/sapi/v1/fiat/payments', 'sapi-ip', 1),
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof endpoints;

/** The only POSTs the client may send: documented reads. Anything else is refused by the HTTP layer. */
export const READ_ONLY_POSTS: ReadonlySet<string> = new Set([
  endpoints.userAsset.path,
  endpoints.fundingAsset.path,
]);

/** Default limits per family (CONTRACT.md §3); exchangeInfo's rateLimits replace the /api ones at runtime. */
export const DEFAULT_LIMITS = {
  apiWeightPerMinute: 6000,
  apiRawRequestsPer5Minutes: 61000,
  sapiIpWeightPerMinute: 12000,
  sapiUidWeightPerMinute: 180000,
  sapiUidWeightPerSecond: 180000,
  /** "10 requests per second" on withdraw history. */
  withdrawRequestsPerSecond: 10,
} as const;
