/**
 * `GET /sapi/v1/capital/deposit/hisrec` (CONTRACT.md §4.7): windows under 90 days, `limit=1000`
 * with `offset` paging inside a window. Weight 1, so it walks from Binance's launch: it is also how the
 * sync finds the account's first activity cheaply (see planner.ts).
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { deposit } from '../normalize.js';
import { arrayBody } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

/** "startTime–endTime must be < 90 days": a window of 90 days less 1 ms. */
export const DEPOSIT_WINDOW = 90 * DAY;
const PAGE = 1000;

export function depositsStream(from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: 'deposits',
    surface: 'deposits',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: DEPOSIT_WINDOW,
          // Pending deposits complete later: re-read the last window's tail on the next run.
          overlapMs: 7 * DAY,
          async *fetchWindow(startTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let offset = 0; ; offset += PAGE) {
              const { body } = await ctx.client.call(
                endpoints.deposits,
                { startTime, endTime, offset, limit: PAGE },
                { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
              );
              const rows = arrayBody(body, 'deposit/hisrec');
              yield sortUnique(rows.map((r) => deposit(r, ctx.account)));
              if (rows.length < PAGE) return;
            }
          },
        },
        cursor,
      );
    },
  };
}
