/**
 * Symbol discovery: which symbols did the account trade? Binance has no "all my trades" endpoint and
 * myTrades needs a symbol (CONTRACT.md §5), so the naive way probes every listed symbol (weight 20 each).
 * We derive candidates from evidence instead: every asset the account ever touched (balances including
 * locked and Earn, deposits, withdrawals, convert, dust, dividends, Earn, P2P, fiat, Auto-Invest,
 * universal transfers, trade fees, and CSV or web history already in the ledger), and keep the listed
 * symbols (exchangeInfo asked for every permission, so trading-group symbols are not hidden) whose base
 * AND quote are both in that set: an account cannot trade a pair without holding one side before and the
 * other after. The first page of each candidate's trade walk is the proof of activity: for a traded
 * symbol it is the page we need anyway, for an untraded one it is the only cost (one request, weight 20).
 * Symbols the ledger knows from CSV/web history that exchangeInfo no longer lists are delisted: the API
 * answers -1121 for them, so they are recorded as unreachable for reconcile, never probed.
 */
import { endpoints } from './endpoints.js';
import type { BinanceClient } from './client.js';
import type { RateLimitRule } from './limiter.js';
import type { SymbolAssets } from './normalize.js';
import { arrayField, isObject, text } from './values.js';
import { ACCOUNT_KINDS, type AccountKind } from '../../schemas/index.js';

/** Every permission exchangeInfo knows: without them it hides symbols outside SPOT/MARGIN/LEVERAGED (CONTRACT.md §4.2). */
export const ALL_PERMISSIONS: readonly string[] = [
  'SPOT',
  'MARGIN',
  'LEVERAGED',
  ...Array.from({ length: 24 }, (_, i) => `TRD_GRP_${String(i + 2).padStart(3, '0')}`),
];

export interface ExchangeSymbols {
  /** Every listed symbol by name. */
  listed: Map<string, SymbolAssets>;
  rateLimits: RateLimitRule[];
  serverTime: number | undefined;
}

/** One exchangeInfo call (weight 20) with every permission. */
export async function loadExchangeInfo(
  client: BinanceClient,
  signal?: AbortSignal,
): Promise<ExchangeSymbols> {
  const { body } = await client.call(
    endpoints.exchangeInfo,
    { permissions: JSON.stringify(ALL_PERMISSIONS), showPermissionSets: false },
    signal ? { signal } : {},
  );
  const listed = new Map<string, SymbolAssets>();
  for (const row of arrayField(body, 'symbols')) {
    const symbol = text(row, 'symbol');
    listed.set(symbol, {
      symbol,
      baseAsset: text(row, 'baseAsset').toUpperCase(),
      quoteAsset: text(row, 'quoteAsset').toUpperCase(),
    });
  }
  const rateLimits: RateLimitRule[] = [];
  for (const r of arrayField(body, 'rateLimits')) {
    if (typeof r['limit'] === 'number' && typeof r['intervalNum'] === 'number') {
      rateLimits.push({
        rateLimitType: text(r, 'rateLimitType'),
        interval: text(r, 'interval'),
        intervalNum: r['intervalNum'],
        limit: r['limit'],
      });
    }
  }
  const serverTime =
    isObject(body) && typeof body['serverTime'] === 'number' ? body['serverTime'] : undefined;
  return { listed, rateLimits, serverTime };
}

/** How symbols are chosen: from evidence (default) or every listed symbol (the naive baseline of bench/sync). */
export type DiscoveryStrategy = 'evidence' | 'naive';

/** The listed symbols worth a trade walk, given the assets the account touched. */
export function candidateSymbols(
  listed: ReadonlyMap<string, SymbolAssets>,
  assets: ReadonlySet<string>,
  strategy: DiscoveryStrategy,
): SymbolAssets[] {
  const out: SymbolAssets[] = [];
  for (const sym of listed.values()) {
    if (strategy === 'naive' || (assets.has(sym.baseAsset) && assets.has(sym.quoteAsset))) out.push(sym);
  }
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/**
 * Stored kinds whose assets are evidence for symbol discovery, whatever their source (trades and orders
 * are read apart: their API copies' symbols are known from checkpoints): every other kind names an asset
 * (test/connectors/binance/normalize.test.ts checks that against the schemas).
 */
export const DISCOVERY_EVIDENCE_KINDS: readonly AccountKind[] = ACCOUNT_KINDS.filter(
  (kind) => kind !== 'trade' && kind !== 'order',
);

/** Asset fields of each record kind: the evidence symbol discovery reads from stored records. */
export function assetsOfRecord(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of [
    'asset',
    'feeAsset',
    'fromAsset',
    'toAsset',
    'baseAsset',
    'quoteAsset',
    'sourceAsset',
    'targetAsset',
    'cryptoAsset',
  ]) {
    const v = record[field];
    if (typeof v === 'string' && v) out.push(v.toUpperCase());
  }
  const targets = record['targetAssets'];
  if (Array.isArray(targets)) for (const t of targets) if (typeof t === 'string') out.push(t.toUpperCase());
  return out;
}

/**
 * Fiat currencies a record names (fiat transfers, P2P). They are evidence for pairs (EURUSDT) but, unlike
 * crypto assets, having no listed pair says nothing about delisting.
 */
export function fiatOfRecord(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of ['fiatCurrency', 'fiat']) {
    const v = record[field];
    if (typeof v === 'string' && v) out.push(v.toUpperCase());
  }
  return out;
}
