/**
 * `GET /api/v3/allOrders` per symbol (CONTRACT.md §4.5): `orderId` walk (orders with id >= orderId,
 * ascending) with `limit=1000`. Orders still open can change, so the checkpoint keeps the lowest open
 * order id and a later run restarts there: it re-reads only what can still change.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError } from '../errors.js';
import { order } from '../normalize.js';
import type { SymbolAssets } from '../normalize.js';
import { arrayBody, idString, text } from '../values.js';
import { sig } from './common.js';
import type { Page, ReadContext, StreamDef } from './common.js';

export const ORDERS_PAGE = 1000;
const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW', 'PENDING_CANCEL']);

export interface OrdersCursor {
  /** Next order id after everything read. */
  next: string;
  /** Lowest order id still open when read (restart there), or absent. */
  openFrom?: string;
  unreachable?: boolean;
}

function readCursor(cursor: JsonValue | undefined): OrdersCursor {
  if (cursor && typeof cursor === 'object' && !Array.isArray(cursor) && typeof cursor['next'] === 'string') {
    const open = cursor['openFrom'];
    return { next: cursor['next'], ...(typeof open === 'string' ? { openFrom: open } : {}) };
  }
  return { next: '0' };
}

const min = (a: string | undefined, b: string): string => (a === undefined || BigInt(b) < BigInt(a) ? b : a);

export function ordersStream(sym: SymbolAssets): StreamDef {
  return {
    key: `orders:${sym.symbol}`,
    surface: 'orders',
    async *run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      const start = readCursor(cursor);
      let from = start.openFrom !== undefined ? min(start.next, start.openFrom) : start.next;
      let next = start.next;
      let openFrom: string | undefined;
      for (;;) {
        let body;
        try {
          ({ body } = await ctx.client.call(
            endpoints.allOrders,
            { symbol: sym.symbol, orderId: from, limit: ORDERS_PAGE },
            { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
          ));
        } catch (error) {
          if (error instanceof BinanceApiError && error.binanceCode === -1121) {
            yield { records: [], cursor: { next, unreachable: true } };
            return;
          }
          throw error;
        }
        const rows = arrayBody(body, 'allOrders');
        let maxId: string | undefined;
        for (const row of rows) {
          const id = idString(row, 'orderId');
          if (maxId === undefined || BigInt(id) > BigInt(maxId)) maxId = id;
          if (OPEN.has(text(row, 'status'))) openFrom = min(openFrom, id);
        }
        if (maxId !== undefined) {
          from = (BigInt(maxId) + 1n).toString();
          if (BigInt(from) > BigInt(next)) next = from;
        }
        const done = rows.length < ORDERS_PAGE;
        // While walking, the restart point is the page start; once done, the lowest open order.
        const cur: OrdersCursor = done
          ? { next, ...(openFrom !== undefined ? { openFrom } : {}) }
          : { next, openFrom: min(openFrom, start.openFrom ?? from) };
        yield {
          records: rows.map((row) => order(row, sym, ctx.account)),
          cursor: cur as unknown as JsonValue,
        };
        if (done) return;
      }
    },
  };
}
