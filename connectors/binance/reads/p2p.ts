/**
 * `GET /sapi/v1/c2c/orderMatch/listUserOrderHistory` (CONTRACT.md §4.14): P2P orders, called once per
 * `tradeType` (BUY, SELL), `startTimestamp`/`endTimestamp` windows of at most 30 days, `rows=100` pages,
 * signed. Only the last 6 months are served; older orders are for the web or CSV routes.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { p2pOrder } from '../normalize.js';
import { arrayField, totalField } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

export const P2P_WINDOW = 30 * DAY;
/** "You can only view data from the past 6 months" (182 days covers the longest half-year). */
export const P2P_LOOKBACK = 182 * DAY;
const ROWS = 100;

export function p2pStream(tradeType: 'BUY' | 'SELL', from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: `p2p:${tradeType}`,
    surface: 'p2p',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: Math.max(from(ctx), ctx.until - P2P_LOOKBACK),
          to: ctx.until,
          windowMs: P2P_WINDOW,
          overlapMs: 3 * DAY,
          async *fetchWindow(startTimestamp, endTimestamp): AsyncGenerator<ApiRecord[]> {
            for (let page = 1; ; page++) {
              const { body } = await ctx.client.call(
                endpoints.p2p,
                { tradeType, startTimestamp, endTimestamp, page, rows: ROWS },
                { ...sig(ctx), countRecords: (b) => arrayField(b, 'data').length },
              );
              const rows = arrayField(body, 'data');
              yield sortUnique(rows.map((r) => p2pOrder(r, ctx.account)));
              const total = totalField(body);
              if (rows.length < ROWS || (total !== undefined && page * ROWS >= total)) return;
            }
          },
        },
        cursor,
      );
    },
  };
}
