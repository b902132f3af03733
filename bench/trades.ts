/**
 * The synthetic BNBBTC trades the ledger benchmarks write: the fields every one of them shares, in the
 * order a record lists them, then each benchmark's own.
 */
import type { IncomingRecord } from '../ledger/index.js';

/** Trade `n` of account `main` (one a second from 2020-09-13, two fills an order) with id `id`. */
export function benchTrade(n: number, id: string, fields: Record<string, unknown>): IncomingRecord {
  return {
    kind: 'trade',
    id,
    account: 'main',
    time: 1_600_000_000_000 + n * 1000,
    source: 'api',
    symbol: 'BNBBTC',
    baseAsset: 'BNB',
    quoteAsset: 'BTC',
    tradeId: String(n),
    orderId: String(1_000_000 + Math.floor(n / 2)),
    ...fields,
  } as IncomingRecord;
}
