/**
 * Which way round a pair is listed. The transaction history's trade legs name no symbol (`Buy`, `Sell`,
 * `Fee` rows of two assets), and both orientations of a pair can exist in principle (`BTCBNB` and
 * `BNBBTC`), so the quote-asset heuristic alone can name a symbol the account never traded. The ledger
 * knows the symbols the account did trade: the API's fills and orders, and the trade and order
 * history exports, all stored under `<symbol>:<id>` with `baseAsset`/`quoteAsset` beside the symbol.
 * (The exchange's listing, exchangeInfo, is read by a sync but not kept in the ledger, so an offline
 * import cannot ask it.) Trades are also compared by what flowed (asset in, asset out, their amounts),
 * which no orientation changes, so a copy stored under the other spelling is still found.
 */
import { compareDecimals } from '../../../core/index.js';
import type { AccountKind, AccountRecord } from '../../../schemas/index.js';
import type { CsvLedger } from './types.js';

/** A listed symbol's assets. */
export interface PairSymbol {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
}

/** The symbols the ledger holds fills or orders of, by unordered asset pair. */
export class KnownSymbols {
  private readonly byPair = new Map<string, PairSymbol[]>();

  static pairKey(a: string, b: string): string {
    return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
  }

  add(s: PairSymbol): void {
    const key = KnownSymbols.pairKey(s.baseAsset, s.quoteAsset);
    const list = this.byPair.get(key) ?? [];
    if (!list.some((x) => x.symbol === s.symbol)) list.push(s);
    this.byPair.set(key, list);
  }

  /** The listed spelling of the pair of `a` and `b` when exactly one is known, else undefined. */
  resolve(a: string, b: string): PairSymbol | undefined {
    const list = this.byPair.get(KnownSymbols.pairKey(a, b));
    return list?.length === 1 ? list[0] : undefined;
  }

  get size(): number {
    return this.byPair.size;
  }
}

/** A statement's own copy (`<symbol>:stmt:…`): its spelling is the heuristic's, no evidence of a listing. */
function fromStatement(id: string): boolean {
  return id.includes(':stmt:');
}

/**
 * The distinct symbols of the account's trades and orders (ids `<symbol>:<id>`), one indexed read per
 * symbol (a keyset skip past each symbol's ids), so a ledger of millions of fills costs a few hundred
 * reads. A symbol known only from statement copies is not evidence and is left out.
 */
export async function loadKnownSymbols(ledger: CsvLedger, account: string): Promise<KnownSymbols> {
  const known = new KnownSymbols();
  for (const kind of ['trade', 'order'] as const satisfies readonly AccountKind[]) {
    let cursor = '';
    for (;;) {
      const [next] = await ledger.queryRecords({
        account,
        kind,
        after: { kind, id: cursor },
        limit: 1,
      });
      if (!next || next.record.kind !== kind) break;
      const id = next.record.id;
      const colon = id.indexOf(':');
      if (colon <= 0) {
        // Not `<symbol>:<id>`: step past this one id.
        cursor = id;
        continue;
      }
      const symbol = id.slice(0, colon);
      const r = next.record as AccountRecord & { baseAsset?: string; quoteAsset?: string };
      // A statement id sorts after the digits and `csv:` ids of its symbol: when it comes first, the
      // symbol has no other record.
      if (!fromStatement(id) && r.baseAsset && r.quoteAsset && r.baseAsset + r.quoteAsset === symbol)
        known.add({ symbol, baseAsset: r.baseAsset, quoteAsset: r.quoteAsset });
      // ';' follows ':' byte-wise: the next id after every `<symbol>:…` one.
      cursor = `${symbol};`;
    }
  }
  return known;
}

/** What a trade moved: the asset bought and its amount, the asset paid and its amount (no fee). */
export interface TradeFlow {
  inAsset: string;
  inAmount: string;
  outAsset: string;
  outAmount: string;
}

export function tradeFlow(t: {
  baseAsset: string;
  quoteAsset: string;
  side: 'buy' | 'sell';
  qty: string;
  quoteQty: string;
}): TradeFlow {
  return t.side === 'buy'
    ? { inAsset: t.baseAsset, inAmount: t.qty, outAsset: t.quoteAsset, outAmount: t.quoteQty }
    : { inAsset: t.quoteAsset, inAmount: t.quoteQty, outAsset: t.baseAsset, outAmount: t.qty };
}

/** The key of a trade's direction whatever its symbol's spelling: `<asset in> <asset out>`. */
export function flowKey(f: Pick<TradeFlow, 'inAsset' | 'outAsset'>): string {
  return `${f.inAsset}\u0000${f.outAsset}`;
}

const eq = (a: string, b: string): boolean => compareDecimals(a, b) === 0;

/** Same assets in and out, same amounts: the same trade, whichever way round its symbol is spelled. */
export function sameFlow(a: TradeFlow, b: TradeFlow): boolean {
  return (
    a.inAsset === b.inAsset &&
    a.outAsset === b.outAsset &&
    eq(a.inAmount, b.inAmount) &&
    eq(a.outAmount, b.outAmount)
  );
}
