/**
 * `GET /api/v3/myTrades` per symbol (CONTRACT.md §4.4): `fromId` walk with `limit=1000` from id 0, then
 * `fromId = last.id + 1` until a short page. `fromId` ignores time, so this reaches the symbol's whole
 * history whatever `--since` says; the checkpoint is the next id, so a later run costs one request.
 * The first page doubles as the cheapest proof of activity in symbol discovery: for a traded symbol it
 * costs nothing extra, for an untraded one it is the probe (weight 20).
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError } from '../errors.js';
import { trade } from '../normalize.js';
import type { SymbolAssets } from '../normalize.js';
import { arrayBody, idString } from '../values.js';
import { sig } from './common.js';
import type { Page, ReadContext, StreamDef } from './common.js';

export const TRADES_PAGE = 1000;

/** The trades cursor: the next trade id to read. `unreachable` marks a symbol the API refuses (-1121). */
export interface TradesCursor {
  fromId: string;
  unreachable?: boolean;
}

function readCursor(cursor: JsonValue | undefined): TradesCursor {
  if (
    cursor &&
    typeof cursor === 'object' &&
    !Array.isArray(cursor) &&
    typeof cursor['fromId'] === 'string'
  ) {
    return { fromId: cursor['fromId'], ...(cursor['unreachable'] === true ? { unreachable: true } : {}) };
  }
  return { fromId: '0' };
}

function nextId(id: string): string {
  return (BigInt(id) + 1n).toString();
}

export function tradesStream(sym: SymbolAssets): StreamDef {
  return {
    key: `trades:${sym.symbol}`,
    surface: 'trades',
    async *run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      let { fromId } = readCursor(cursor);
      for (;;) {
        let body;
        try {
          ({ body } = await ctx.client.call(
            endpoints.myTrades,
            { symbol: sym.symbol, fromId, limit: TRADES_PAGE },
            { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
          ));
        } catch (error) {
          // A delisted symbol: its history is out of the API's reach (CONTRACT.md §5); reconcile reports it.
          if (error instanceof BinanceApiError && error.binanceCode === -1121) {
            yield { records: [], cursor: { fromId, unreachable: true } };
            return;
          }
          throw error;
        }
        const rows = arrayBody(body, 'myTrades');
        const records = rows.map((row) => trade(row, sym, ctx.account));
        let maxId = fromId;
        for (const row of rows) {
          const id = idString(row, 'id');
          if (BigInt(id) >= BigInt(maxId)) maxId = id;
        }
        const assets = new Set<string>();
        for (const r of records) assets.add(r.feeAsset);
        if (rows.length > 0) fromId = nextId(maxId);
        yield { records, cursor: { fromId }, assets: [...assets] };
        if (rows.length < TRADES_PAGE) return;
      }
    },
  };
}
