/**
 * `GET /sapi/v1/asset/transfer` (CONTRACT.md §4.20): universal transfers between the holder's wallets.
 * `type` is required, so each type is its own stream; only the last 6 months can be queried; paged by
 * `current`/`size` (max 100). Isolated-margin types need a symbol pair and are not walked.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { universalTransfer } from '../normalize.js';
import { arrayField, totalField } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

/** The GET takes the same type strings as the POST twin (CJS wallet 22.0.0), minus the isolated-margin ones. */
export const TRANSFER_TYPES = [
  'MAIN_FUNDING',
  'FUNDING_MAIN',
  'MAIN_UMFUTURE',
  'UMFUTURE_MAIN',
  'MAIN_CMFUTURE',
  'CMFUTURE_MAIN',
  'MAIN_MARGIN',
  'MARGIN_MAIN',
  'MAIN_C2C',
  'C2C_MAIN',
  'MAIN_MINING',
  'MINING_MAIN',
  'MAIN_PAY',
  'PAY_MAIN',
  'MAIN_OPTION',
  'OPTION_MAIN',
  'MAIN_PORTFOLIO_MARGIN',
  'PORTFOLIO_MARGIN_MAIN',
  'UMFUTURE_MARGIN',
  'MARGIN_UMFUTURE',
  'CMFUTURE_MARGIN',
  'MARGIN_CMFUTURE',
  'UMFUTURE_C2C',
  'C2C_UMFUTURE',
  'C2C_MINING',
  'C2C_MARGIN',
  'MARGIN_C2C',
  'MARGIN_MINING',
  'MINING_UMFUTURE',
  'MINING_C2C',
  'MINING_MARGIN',
  'FUNDING_UMFUTURE',
  'UMFUTURE_FUNDING',
  'FUNDING_CMFUTURE',
  'CMFUTURE_FUNDING',
  'MARGIN_FUNDING',
  'FUNDING_MARGIN',
  'UMFUTURE_OPTION',
  'OPTION_UMFUTURE',
  'MARGIN_OPTION',
  'OPTION_MARGIN',
  'FUNDING_OPTION',
  'OPTION_FUNDING',
] as const;

/** "Only the last 6 months can be queried." */
export const TRANSFER_LOOKBACK = 182 * DAY;
/** No maximum span is documented: one window covers the whole reachable half-year. */
export const TRANSFER_WINDOW = 183 * DAY;
const SIZE = 100;

export function transfersStream(type: string, from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: `transfers:${type}`,
    surface: 'transfers',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: Math.max(from(ctx), ctx.until - TRANSFER_LOOKBACK),
          to: ctx.until,
          windowMs: TRANSFER_WINDOW,
          overlapMs: DAY,
          async *fetchWindow(startTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let current = 1; ; current++) {
              const { body } = await ctx.client.call(
                endpoints.universalTransfers,
                { type, startTime, endTime, current, size: SIZE },
                { ...sig(ctx), countRecords: (b) => arrayField(b, 'rows').length },
              );
              const rows = arrayField(body, 'rows');
              yield sortUnique(rows.map((r) => universalTransfer(r, ctx.account, type)));
              const total = totalField(body);
              if (rows.length < SIZE || (total !== undefined && current * SIZE >= total)) return;
            }
          },
        },
        cursor,
      );
    },
  };
}
