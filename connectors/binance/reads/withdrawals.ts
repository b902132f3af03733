/**
 * `GET /sapi/v1/capital/withdraw/history` (CONTRACT.md §4.8): windows under 90 days, `offset` paging,
 * UID weight 18000 counted per second (10 requests per second). `applyTime` is a UTC date-time string.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { withdrawal } from '../normalize.js';
import { arrayBody } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

export const WITHDRAW_WINDOW = 90 * DAY;
const PAGE = 1000;

export function withdrawalsStream(from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: 'withdrawals',
    surface: 'withdrawals',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: WITHDRAW_WINDOW,
          overlapMs: 7 * DAY,
          async *fetchWindow(startTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let offset = 0; ; offset += PAGE) {
              const { body } = await ctx.client.call(
                endpoints.withdrawals,
                { startTime, endTime, offset, limit: PAGE },
                { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
              );
              const rows = arrayBody(body, 'withdraw/history');
              yield sortUnique(rows.map((r) => withdrawal(r, ctx.account)));
              if (rows.length < PAGE) return;
            }
          },
        },
        cursor,
      );
    },
  };
}
