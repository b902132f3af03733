/**
 * The private data endpoints of the web app, per web API version. Version 2 changes exactly four things
 * (sandbox/web/README.md, "Web API version 2"), so a replay of calls captured against version 1 can
 * detect each kind of drift:
 * 1. renamed: trade history `totalQuota` -> `quoteQty`;
 * 2. added: P2P rows gain `isMerchant` (boolean);
 * 3. type changed: Earn reward history `amount` string -> JSON number (exact digits);
 * 4. moved: Convert history `GET /bapi/margin/v1/private/new-otc/query-trade-history` (query string) ->
 *    `POST /bapi/margin/v2/private/new-otc/query-trade-history` (JSON body); the old path answers 404.
 */
import { LosslessNumber } from 'lossless-json';
import type { SandboxAccount } from '../data/model.js';
import { WEB_CODES, WebApiError } from './envelope.js';
import { inWindow, pageOf, pagingOf, strParam, type Params } from './paging.js';
import {
  buildTransactionIndex,
  filterTransactions,
  transactionAt,
  type TransactionIndex,
} from './transaction-history.js';
import {
  convertRows,
  dustGroups,
  earnPositions,
  earnProducts,
  earnRewards,
  filterTrades,
  p2pRows,
  tradeIndexNewestFirst,
  webTradeAt,
  type WebConvertRow,
  type WebDustGroup,
  type WebEarnPosition,
  type WebEarnProduct,
  type WebEarnReward,
  type WebP2PRow,
} from './views.js';

/** Web API versions (`--web-api-version`). */
export type WebApiVersion = 1 | 2;

/** Paths of the private endpoints per version (the page script and the docs use the same table). */
export const WEB_API_PATHS = {
  userDetail: '/bapi/accounts/v1/private/account/user/base-detail',
  tradeHistory: '/bapi/capital/v1/private/streamer/trade/get-user-trades',
  convertHistoryV1: '/bapi/margin/v1/private/new-otc/query-trade-history',
  convertHistoryV2: '/bapi/margin/v2/private/new-otc/query-trade-history',
  p2pHistory: '/bapi/c2c/v1/private/c2c/order-match/order-list-archived-involved',
  earnPositions: '/bapi/earn/v1/private/simple-earn/position/list',
  earnRewards: '/bapi/earn/v1/private/simple-earn/reward/history',
  earnProduct: '/bapi/earn/v1/private/simple-earn/product/detail',
  transactionHistory: '/bapi/capital/v1/private/capital/transaction-history/query',
  dustLog: '/bapi/capital/v1/private/asset/dust/history',
  login: '/bapi/accounts/v2/public/authcenter/login',
  verify: '/bapi/accounts/v1/public/authcenter/security/verify',
  refresh: '/bapi/accounts/v1/private/authcenter/refresh',
  logout: '/bapi/accounts/v1/private/authcenter/logout',
} as const;

/** The Convert history path and method of a version. */
export function convertEndpoint(version: WebApiVersion): { method: 'GET' | 'POST'; path: string } {
  return version === 1
    ? { method: 'GET', path: WEB_API_PATHS.convertHistoryV1 }
    : { method: 'POST', path: WEB_API_PATHS.convertHistoryV2 };
}

/** Largest `rows` per endpoint. */
export const MAX_ROWS = { trades: 1000, default: 100 } as const;

/** What a data endpoint returns: `data` and, for lists, `total`. */
export interface EndpointResult {
  data: unknown;
  total?: number;
}

/** Views of one account, built on first use. */
export class WebViews {
  private tradeIndex: Uint32Array | undefined;
  private txIndex: TransactionIndex | undefined;
  private converts: WebConvertRow[] | undefined;
  private p2p: WebP2PRow[] | undefined;
  private positions: WebEarnPosition[] | undefined;
  private rewards: WebEarnReward[] | undefined;
  private products: Map<string, WebEarnProduct> | undefined;
  private dust: WebDustGroup[] | undefined;

  constructor(readonly account: SandboxAccount) {}

  trades(): Uint32Array {
    return (this.tradeIndex ??= tradeIndexNewestFirst(this.account));
  }
  transactions(): TransactionIndex {
    return (this.txIndex ??= buildTransactionIndex(this.account));
  }
  convertRows(): WebConvertRow[] {
    return (this.converts ??= convertRows(this.account));
  }
  p2pRows(): WebP2PRow[] {
    return (this.p2p ??= p2pRows(this.account));
  }
  earnPositions(): WebEarnPosition[] {
    return (this.positions ??= earnPositions(this.account));
  }
  earnRewards(): WebEarnReward[] {
    return (this.rewards ??= earnRewards(this.account));
  }
  earnProducts(): Map<string, WebEarnProduct> {
    return (this.products ??= earnProducts(this.account));
  }
  dustGroups(): WebDustGroup[] {
    return (this.dust ??= dustGroups(this.account));
  }
}

/** What a data endpoint sees besides its parameters. */
export interface EndpointContext {
  views: WebViews;
  version: WebApiVersion;
  /** The logged-in holder's email. */
  email: string;
}

type Handler = (params: Params, ctx: EndpointContext) => EndpointResult;

interface Route {
  method: 'GET' | 'POST';
  path: string;
  versions: readonly WebApiVersion[];
  handle: Handler;
}

const DIRECTIONS = ['BUY', 'SELL'] as const;

const tradeHistory: Handler = (params, { views, version }) => {
  const paging = pagingOf(params, MAX_ROWS.trades);
  const direction = strParam(params, 'direction', DIRECTIONS) as 'BUY' | 'SELL' | undefined;
  const rows = filterTrades(views.account, views.trades(), {
    baseAsset: strParam(params, 'baseAsset'),
    quoteAsset: strParam(params, 'quoteAsset'),
    direction,
    startTime: paging.startTime,
    endTime: paging.endTime,
  });
  const from = (paging.page - 1) * paging.rows;
  const data: Array<Record<string, unknown>> = [];
  for (let k = from; k < Math.min(rows.length, from + paging.rows); k++) {
    const row = webTradeAt(views.account, rows[k] as number);
    if (version === 1) {
      data.push({ ...row });
    } else {
      const { totalQuota, ...rest } = row;
      data.push({ ...rest, quoteQty: totalQuota });
    }
  }
  return { data, total: rows.length };
};

const convertHistory: Handler = (params, { views }) => {
  const paging = pagingOf(params, MAX_ROWS.default);
  const list = views.convertRows().filter((r) => inWindow(paging, r.createTimestamp));
  return { data: pageOf(list, paging), total: list.length };
};

const p2pHistory: Handler = (params, { views, version }) => {
  const paging = pagingOf(params, MAX_ROWS.default, 'startDate', 'endDate');
  const tradeType = strParam(params, 'tradeType', DIRECTIONS);
  const asset = strParam(params, 'asset');
  const list = views
    .p2pRows()
    .filter(
      (r) =>
        inWindow(paging, r.createTime) &&
        (!tradeType || r.tradeType === tradeType) &&
        (!asset || r.asset === asset),
    );
  const page = pageOf(list, paging);
  return {
    data: version === 1 ? page : page.map((r) => ({ ...r, isMerchant: r.advertisementRole === 'MAKER' })),
    total: list.length,
  };
};

const PRODUCT_TYPES = ['FLEXIBLE', 'LOCKED'] as const;

const earnPositionList: Handler = (params, { views }) => {
  const paging = pagingOf(params, MAX_ROWS.default);
  const productType = strParam(params, 'productType', PRODUCT_TYPES);
  const asset = strParam(params, 'asset');
  const list = views
    .earnPositions()
    .filter((p) => (!productType || p.productType === productType) && (!asset || p.asset === asset));
  return { data: pageOf(list, paging), total: list.length };
};

const earnRewardHistory: Handler = (params, { views, version }) => {
  const paging = pagingOf(params, MAX_ROWS.default);
  const productType = strParam(params, 'productType', PRODUCT_TYPES);
  const asset = strParam(params, 'asset');
  const list = views
    .earnRewards()
    .filter(
      (r) =>
        inWindow(paging, r.time) &&
        (!productType || r.productType === productType) &&
        (!asset || r.asset === asset),
    );
  const page = pageOf(list, paging);
  return {
    data: version === 1 ? page : page.map((r) => ({ ...r, amount: new LosslessNumber(r.amount) })),
    total: list.length,
  };
};

const earnProductDetail: Handler = (params, { views }) => {
  const productId = strParam(params, 'productId');
  if (!productId)
    throw new WebApiError(400, WEB_CODES.illegalParameter, "Illegal parameter 'productId': required.");
  const product = views.earnProducts().get(productId);
  if (!product) throw new WebApiError(200, WEB_CODES.productNotFound, `Product ${productId} does not exist.`);
  return { data: product };
};

const ACCOUNTS = ['Spot', 'Funding', 'Earn'] as const;

const transactionHistory: Handler = (params, { views }) => {
  const paging = pagingOf(params, MAX_ROWS.default);
  const index = views.transactions();
  const rows = filterTransactions(views.account, index, {
    coin: strParam(params, 'coin'),
    account: strParam(params, 'account', ACCOUNTS),
    startTime: paging.startTime,
    endTime: paging.endTime,
  });
  const from = (paging.page - 1) * paging.rows;
  const data = [];
  for (let k = from; k < Math.min(rows.length, from + paging.rows); k++) {
    data.push(transactionAt(views.account, index, rows[k] as number));
  }
  return { data, total: rows.length };
};

/** Masks an email as the exchange shows it: `ho***@example.com`. */
function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '***' : `${email.slice(0, Math.min(2, at))}***${email.slice(at)}`;
}

const dustLog: Handler = (params, { views }) => {
  const paging = pagingOf(params, MAX_ROWS.default);
  const list = views.dustGroups().filter((g) => inWindow(paging, g.operateTime));
  return { data: pageOf(list, paging), total: list.length };
};

const userDetail: Handler = (_params, { views, email }) => ({
  data: { userId: String(views.account.uid), email: maskEmail(email), level: 1, kycStatus: 'VERIFIED' },
});

const ROUTES: Route[] = [
  { method: 'POST', path: WEB_API_PATHS.userDetail, versions: [1, 2], handle: userDetail },
  { method: 'POST', path: WEB_API_PATHS.tradeHistory, versions: [1, 2], handle: tradeHistory },
  { method: 'GET', path: WEB_API_PATHS.convertHistoryV1, versions: [1], handle: convertHistory },
  { method: 'POST', path: WEB_API_PATHS.convertHistoryV2, versions: [2], handle: convertHistory },
  { method: 'POST', path: WEB_API_PATHS.p2pHistory, versions: [1, 2], handle: p2pHistory },
  { method: 'POST', path: WEB_API_PATHS.earnPositions, versions: [1, 2], handle: earnPositionList },
  { method: 'POST', path: WEB_API_PATHS.earnRewards, versions: [1, 2], handle: earnRewardHistory },
  { method: 'POST', path: WEB_API_PATHS.earnProduct, versions: [1, 2], handle: earnProductDetail },
  { method: 'POST', path: WEB_API_PATHS.transactionHistory, versions: [1, 2], handle: transactionHistory },
  { method: 'POST', path: WEB_API_PATHS.dustLog, versions: [1, 2], handle: dustLog },
];

/** The data route for (method, path) in a version; throws 404/405 envelopes for unknown ones. */
export function findRoute(method: string, path: string, version: WebApiVersion): Handler {
  const candidates = ROUTES.filter((r) => r.path === path && r.versions.includes(version));
  if (candidates.length === 0) throw new WebApiError(404, WEB_CODES.notFound, `No endpoint at ${path}.`);
  const route = candidates.find((r) => r.method === method);
  if (!route) throw new WebApiError(405, WEB_CODES.methodNotAllowed, `${path} does not accept ${method}.`);
  return route.handle;
}
