/**
 * `GET /sapi/v1/asset/assetDividend` (CONTRACT.md §4.16): airdrops and distributions, windows of at most
 * 180 days, `limit` up to 500 and no paging: a full response splits the window.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { dividend } from '../normalize.js';
import { arrayField } from '../values.js';
import { DAY, sig, sortUnique, splitWhileFull, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

export const DIVIDEND_WINDOW = 180 * DAY;
const LIMIT = 500;

export function dividendsStream(from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: 'dividends',
    surface: 'dividends',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: DIVIDEND_WINDOW,
          async *fetchWindow(start, end): AsyncGenerator<ApiRecord[]> {
            yield* splitWhileFull(start, end, async (startTime, endTime) => {
              const { body } = await ctx.client.call(
                endpoints.dividends,
                { startTime, endTime, limit: LIMIT },
                { ...sig(ctx), countRecords: (b) => arrayField(b, 'rows').length },
              );
              const rows = arrayField(body, 'rows');
              return {
                rows: sortUnique(rows.map((r) => dividend(r, ctx.account))),
                full: rows.length >= LIMIT,
              };
            });
          },
        },
        cursor,
      );
    },
  };
}
