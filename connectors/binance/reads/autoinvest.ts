/**
 * Auto-Invest (CONTRACT.md §4.13, deprecated, best effort): plans from `plan/list` once per `planType`
 * (one call every 3 s per account), and executions from `history/list` in windows of at most 30 days,
 * paged, starting at the oldest plan's creation. Both envelopes are accepted: the plan array named
 * `plans` or `plan`, the history as a bare array or `{total, list}`.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError } from '../errors.js';
import { autoInvestExecution, autoInvestPlan } from '../normalize.js';
import { arrayBody, arrayField, isObject, totalField } from '../values.js';
import type { JsonObject } from '../values.js';
import { DAY, sig, sortUnique, walkWindows } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

export const AUTOINVEST_WINDOW = 30 * DAY;
export const PLAN_TYPES = ['SINGLE', 'PORTFOLIO', 'INDEX'] as const;
const SIZE = 100;

/** The plan array under either name. */
export function planRows(body: JsonValue): JsonObject[] {
  if (isObject(body) && Array.isArray(body['plans'])) return arrayField(body, 'plans');
  if (isObject(body) && Array.isArray(body['plan'])) return arrayField(body, 'plan');
  return [];
}

/** The execution rows of either envelope. */
export function historyRows(body: JsonValue): JsonObject[] {
  if (Array.isArray(body)) return arrayBody(body, 'history/list');
  return arrayField(body, 'list');
}

export function autoInvestPlansStream(): StreamDef {
  return {
    key: 'autoinvest:plans',
    surface: 'autoinvest',
    async *run(ctx: ReadContext): AsyncGenerator<Page> {
      for (const planType of PLAN_TYPES) {
        let body: JsonValue;
        try {
          ({ body } = await ctx.client.call(
            endpoints.autoInvestPlans,
            { planType },
            { ...sig(ctx), countRecords: (b) => planRows(b).length },
          ));
        } catch (error) {
          // The product is retired; an endpoint that is gone means there is nothing to read.
          if (error instanceof BinanceApiError && (error.httpStatus === 404 || error.httpStatus === 410))
            return;
          throw error;
        }
        const records = planRows(body).map((r) => autoInvestPlan(r, ctx.account) as ApiRecord);
        yield { records, cursor: { planType } };
      }
    },
  };
}

export function autoInvestHistoryStream(from: (ctx: ReadContext) => number): StreamDef {
  return {
    key: 'autoinvest:history',
    surface: 'autoinvest',
    run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      return walkWindows(
        {
          from: from(ctx),
          to: ctx.until,
          windowMs: AUTOINVEST_WINDOW,
          overlapMs: DAY,
          async *fetchWindow(startTime, endTime): AsyncGenerator<ApiRecord[]> {
            for (let current = 1; ; current++) {
              const { body } = await ctx.client.call(
                endpoints.autoInvestHistory,
                { startTime, endTime, current, size: SIZE },
                { ...sig(ctx), countRecords: (b) => historyRows(b).length },
              );
              const rows = historyRows(body);
              yield sortUnique(rows.map((r) => autoInvestExecution(r, ctx.account) as ApiRecord));
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
