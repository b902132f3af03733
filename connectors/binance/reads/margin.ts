/**
 * The isolated-margin accounts the user has: `GET /sapi/v1/margin/isolated/account` without `symbols`
 * ([SWG] "Query Isolated Margin Account Info (USER_DATA)", Weight(IP) 10, schema
 * `isolatedMarginAccountInfo`) lists every isolated account, whatever its history shows. USER_DATA, so a
 * read-only key may read it. The sync calls it once, to know which accounts to ask for transfers
 * (planner.ts, item 6); its refusal is a value, and the sync falls back on the evidence.
 */
import { ExchangeApiError } from '../../../core/index.js';
import type { Balance } from '../../../schemas/index.js';
import type { BinanceClient } from '../client.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError, BinanceBanError } from '../errors.js';
import { amount, arrayField, isObject, optionalBool, text } from '../values.js';
import type { JsonObject } from '../values.js';

/** One asset of an isolated-margin account (canonical decimals). */
export interface IsolatedSide {
  asset: string;
  free: string;
  locked: string;
  borrowed: string;
  interest: string;
  netAsset: string;
  totalAsset: string;
}

/** One isolated-margin account of the listing. */
export interface IsolatedAccount {
  symbol: string;
  /** `enabled` of the listing (true when absent). */
  enabled: boolean;
  base: IsolatedSide;
  quote: IsolatedSide;
}

/** The listing, or why it could not be had (the caller falls back and says so). */
export type IsolatedListing = { ok: true; accounts: IsolatedAccount[] } | { ok: false; reason: string };

function side(row: JsonObject, field: string): IsolatedSide {
  const v = row[field];
  if (!isObject(v)) {
    throw new ExchangeApiError(
      'unexpected_response',
      `binance: field ${field} of an isolated-margin account is ${JSON.stringify(v)}, expected an object. The exchange changed its response shape; report it with --verbose output.`,
    );
  }
  return {
    asset: text(v, 'asset'),
    free: amount(v, 'free'),
    locked: amount(v, 'locked'),
    borrowed: amount(v, 'borrowed'),
    interest: amount(v, 'interest'),
    netAsset: amount(v, 'netAsset'),
    totalAsset: amount(v, 'totalAsset'),
  };
}

/**
 * Every isolated-margin account of the user. A refusal (an error answer: a key or account that may not
 * read margin, a margin-specific code), an exchange that stays unavailable or a body of another shape is
 * `{ ok: false }`; an IP ban and an abort are thrown, as everywhere.
 */
export async function readIsolatedAccounts(
  client: BinanceClient,
  options: { signal?: AbortSignal } = {},
): Promise<IsolatedListing> {
  try {
    const { body } = await client.call(
      endpoints.isolatedMarginAccount,
      {},
      {
        ...(options.signal ? { signal: options.signal } : {}),
        countRecords: (b) => arrayField(b, 'assets').length,
      },
    );
    const accounts = arrayField(body, 'assets').map((row) => ({
      symbol: text(row, 'symbol'),
      enabled: optionalBool(row, 'enabled') ?? true,
      base: side(row, 'baseAsset'),
      quote: side(row, 'quoteAsset'),
    }));
    return { ok: true, accounts };
  } catch (error) {
    if (error instanceof BinanceBanError || options.signal?.aborted) throw error;
    if (
      error instanceof BinanceApiError ||
      (error instanceof ExchangeApiError &&
        (error.code === 'exchange.unavailable' || error.code === 'exchange.unexpected_response'))
    )
      return { ok: false, reason: error.message };
    throw error;
  }
}

/** The model's wallet name of the isolated-margin account of `symbol`. */
export function isolatedWallet(symbol: string): string {
  return `isolated_margin:${symbol}`;
}

/** True when a side holds, owes or nets anything. */
export function isolatedSideHasAmounts(s: IsolatedSide): boolean {
  return s.free !== '0' || s.locked !== '0' || s.borrowed !== '0' || s.interest !== '0' || s.netAsset !== '0';
}

/**
 * One side of a listed isolated account as a `balance` of the wallet `isolated_margin:<symbol>`:
 * `free`/`locked` as listed (their sum is `totalAsset`, borrowed funds included), `borrowed`,
 * `interest` and `netAsset` beside them. `debtSince` is the caller's (it needs the stored snapshot).
 */
export function isolatedBalance(
  acc: IsolatedAccount,
  which: 'base' | 'quote',
  account: string,
  time: number,
): Balance {
  const s = acc[which];
  const wallet = isolatedWallet(acc.symbol);
  return {
    kind: 'balance',
    id: `${wallet}:${s.asset}`,
    account,
    time,
    source: 'api',
    raw: { symbol: acc.symbol, enabled: acc.enabled, side: which, ...s },
    wallet,
    asset: s.asset,
    free: s.free,
    locked: s.locked,
    borrowed: s.borrowed,
    interest: s.interest,
    netAsset: s.netAsset,
  };
}
