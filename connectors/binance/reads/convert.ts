/**
 * `GET /sapi/v1/convert/tradeFlow` (CONTRACT.md §4.9): both bounds required, at most 30 days, `limit`
 * up to 1000, no cursor: when `moreData` is true the window is split. `orderId` exceeds 2^53 and is
 * kept as exact digits by the lossless parser.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { conversion } from '../normalize.js';
import { arrayField, isObject } from '../values.js';
import { DAY, sig, sortUnique, splitWhileFull, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

export const CONVERT_WINDOW = 30 * DAY;
const LIMIT = 1000;

export function convertStream(from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: 'convert',
    surface: 'convert',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: CONVERT_WINDOW,
          overlapMs: DAY,
          async *fetchWindow(start, end): AsyncGenerator<ApiRecord[]> {
            yield* splitWhileFull(start, end, async (startTime, endTime) => {
              const { body } = await ctx.client.call(
                endpoints.convert,
                { startTime, endTime, limit: LIMIT },
                { ...sig(ctx), countRecords: (b) => arrayField(b, 'list').length },
              );
              const rows = arrayField(body, 'list');
              const more = isObject(body) && (body['moreData'] === true || body['moreData'] === 'true');
              return {
                rows: sortUnique(rows.map((r) => conversion(r, ctx.account))),
                full: more || rows.length >= LIMIT,
              };
            });
          },
        },
        cursor,
      );
    },
  };
}
