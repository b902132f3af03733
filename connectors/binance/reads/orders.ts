/**
 * `GET /api/v3/allOrders` per symbol (CONTRACT.md §4.5): `orderId` walk (orders with id >= orderId,
 * ascending) with `limit=1000`. Orders still open can change, so the checkpoint keeps the lowest open
 * order id and a later run restarts there: it re-reads only what can still change. With `--since` the
 * walk starts at the first order placed at or after since (seek.ts), and the coverage is kept as in
 * trades.ts (`from`, `firstId`), so a later run that wants more history fills only the gap. An order
 * placed before since that is open now (the caller passes the lowest open order id from openOrders) is
 * read too: it is the account's state.
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError } from '../errors.js';
import { order } from '../normalize.js';
import type { SymbolAssets } from '../normalize.js';
import { arrayBody, idString, text } from '../values.js';
import type { JsonObject } from '../values.js';
import { sig } from './common.js';
import type { Page, ReadContext, StreamDef } from './common.js';
import { seekSince } from './seek.js';
import { planWalk, readIdCursor, wantedStart } from './trades.js';

export const ORDERS_PAGE = 1000;
const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW', 'PENDING_CANCEL']);

export interface OrdersCursor {
  /** Next order id after everything read. */
  next: string;
  /** Lowest order id still open when read (restart there), or absent. */
  openFrom?: string;
  /** Start of the stored coverage (epoch ms); absent: the whole history. */
  from?: number;
  /** First id of the coverage that starts at `from`. */
  firstId?: string;
  unreachable?: boolean;
}

function readCursor(cursor: JsonValue | undefined): OrdersCursor {
  const c = readIdCursor(cursor, 'next');
  if (!c) return { next: '0' };
  return {
    next: c['next'] as string,
    ...(typeof c['openFrom'] === 'string' ? { openFrom: c['openFrom'] } : {}),
    ...(typeof c['from'] === 'number' ? { from: c['from'] } : {}),
    ...(typeof c['firstId'] === 'string' ? { firstId: c['firstId'] } : {}),
  };
}

const minId = (a: bigint | undefined, b: bigint): bigint => (a === undefined || b < a ? b : a);

/** `openId`: the lowest id of this symbol's orders open now (from openOrders), if any. */
export function ordersStream(sym: SymbolAssets, openId?: string): StreamDef {
  return {
    key: `orders:${sym.symbol}`,
    surface: 'orders',
    async *run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      const stored = readCursor(cursor);
      const plan = planWalk(stored, wantedStart(ctx));
      // Filling a gap before stored coverage: jump to its lowest open order, not past it.
      if (plan.jump && stored.openFrom !== undefined)
        plan.jump = { at: plan.jump.at, to: minId(plan.jump.to, BigInt(stored.openFrom)) };
      const fetch = async (fromId: bigint | undefined): Promise<JsonObject[]> => {
        const { body } = await ctx.client.call(
          endpoints.allOrders,
          {
            symbol: sym.symbol,
            ...(fromId !== undefined ? { orderId: fromId.toString() } : {}),
            limit: ORDERS_PAGE,
          },
          { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
        );
        return arrayBody(body, 'allOrders');
      };
      const cover = plan.from !== undefined ? { from: plan.from } : {};
      let firstId: string | undefined = plan.continueAt !== undefined ? stored.firstId : undefined;
      let openFrom: bigint | undefined;
      const jump = (n: bigint): bigint =>
        plan.jump && n >= plan.jump.at && plan.jump.to > n ? plan.jump.to : n;
      // Orders open when last read, or open now, are re-read wherever they are.
      let restart: bigint | undefined;
      if (plan.continueAt !== undefined && stored.openFrom !== undefined) restart = BigInt(stored.openFrom);
      if (openId !== undefined) restart = minId(restart, BigInt(openId));
      const cur = (next: bigint, pending?: bigint): JsonValue => {
        const open = pending !== undefined ? minId(openFrom, pending) : openFrom;
        return {
          next: next.toString(),
          ...(open !== undefined ? { openFrom: open.toString() } : {}),
          ...cover,
          ...(firstId !== undefined ? { firstId } : {}),
        } as JsonValue;
      };
      const noteOpen = (rows: JsonObject[]): void => {
        for (const row of rows)
          if (OPEN.has(text(row, 'status'))) openFrom = minId(openFrom, BigInt(idString(row, 'orderId')));
      };
      try {
        let next: bigint;
        // The walk's end so far: a restart below it re-reads up to here, then goes on from here.
        let end: bigint;
        if (plan.seek !== undefined) {
          const found = await seekSince({
            since: plan.seek,
            limit: ORDERS_PAGE,
            fetch,
            id: (r) => BigInt(idString(r, 'orderId')),
            time: (r) => Number(r['time']),
          });
          firstId = found.firstId.toString();
          noteOpen(found.rows);
          end = jump(found.next);
          next = end;
          if (restart !== undefined && restart < found.firstId) next = restart;
          const pending = next !== end || !found.done || end !== found.next;
          yield {
            records: found.rows.map((row) => order(row, sym, ctx.account)),
            cursor: pending ? cur(end, next) : cur(end),
          };
          if (!pending) return;
        } else {
          end = plan.continueAt !== undefined ? BigInt(plan.continueAt) : 0n;
          next = restart !== undefined && restart < end ? restart : end;
        }
        for (;;) {
          const rows = await fetch(next);
          let max = next - 1n;
          for (const row of rows) {
            const id = BigInt(idString(row, 'orderId'));
            if (id > max) max = id;
          }
          noteOpen(rows);
          if (firstId === undefined && rows.length > 0 && plan.from !== undefined)
            firstId = idString(rows[0]!, 'orderId');
          const after = jump(max + 1n);
          if (after > end) end = after;
          // A short page holds every order from `next` on, unless a jump to stored coverage is pending.
          const done = rows.length < ORDERS_PAGE && after === max + 1n;
          next = after;
          // While walking, a restart must come back to the next page to read.
          yield {
            records: rows.map((row) => order(row, sym, ctx.account)),
            cursor: done ? cur(end) : cur(end, next),
          };
          if (done) return;
        }
      } catch (error) {
        if (error instanceof BinanceApiError && error.binanceCode === -1121) {
          yield { records: [], cursor: { next: stored.next, unreachable: true } };
          return;
        }
        throw error;
      }
    },
  };
}
