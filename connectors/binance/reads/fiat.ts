/**
 * Fiat (CONTRACT.md §4.15): `GET /sapi/v1/fiat/orders` (bank deposits and withdrawals; UID weight
 * 45000–90000, about two calls a minute) and `GET /sapi/v1/fiat/payments` (card and bank buys and sells).
 * `transactionType` is required, so each type is its own stream; `beginTime` (not startTime); `page`/`rows`
 * up to 500; `data` may be missing when `total` is 0.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { fiatOrder, fiatPayment } from '../normalize.js';
import { arrayField, totalField } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

/**
 * No maximum window is documented (only a 30-day default when no time is sent), and fiat/orders costs
 * UID weight 45000–90000 (two to four calls a minute): one window from the start, paged by 500, is the
 * cheapest walk.
 */
export const FIAT_WINDOW = 20 * 366 * DAY;
const ROWS = 500;

export function fiatStream(
  kind: 'orders' | 'payments',
  transactionType: 0 | 1,
  from: (ctx: ReadContext) => number,
): StreamDef {
  const spec = kind === 'orders' ? endpoints.fiatOrders : endpoints.fiatPayments;
  const normalize = kind === 'orders' ? fiatOrder : fiatPayment;
  return {
    key: `fiat:${kind}:${transactionType}`,
    surface: 'fiat',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: FIAT_WINDOW,
          overlapMs: 7 * DAY,
          async *fetchWindow(beginTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let page = 1; ; page++) {
              const { body } = await ctx.client.call(
                spec,
                { transactionType, beginTime, endTime, page, rows: ROWS },
                { ...sig(ctx), countRecords: (b) => arrayField(b, 'data').length },
              );
              const rows = arrayField(body, 'data');
              yield sortUnique(rows.map((r) => normalize(r, transactionType, ctx.account)));
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
