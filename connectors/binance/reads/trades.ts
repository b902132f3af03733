/**
 * `GET /api/v3/myTrades` per symbol (CONTRACT.md §4.4): `fromId` walk with `limit=1000`, then
 * `fromId = last.id + 1` until a short page. `fromId` ignores time, so with `--since` the walk starts at
 * the first trade at or after since, found by seek.ts, and never reads the older pages. The checkpoint is
 * the next id (a later run costs one request) and the time its coverage starts (`from`, absent for the
 * whole history) with the first id of that coverage: a later run that wants more history (an earlier
 * --since, or none) walks from its own start up to that first id and jumps to the next id.
 * The first page doubles as the cheapest proof of activity in symbol discovery: for a traded symbol it
 * costs nothing extra, for an untraded one it is the probe (weight 20).
 */
import type { JsonValue } from '../../../core/index.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError } from '../errors.js';
import { trade } from '../normalize.js';
import type { SymbolAssets } from '../normalize.js';
import { arrayBody, idString } from '../values.js';
import type { JsonObject } from '../values.js';
import { BINANCE_LAUNCH, sig } from './common.js';
import type { Page, ReadContext, StreamDef } from './common.js';
import { seekSince } from './seek.js';

export const TRADES_PAGE = 1000;

/** The trades cursor. `unreachable` marks a symbol the API refuses (-1121). */
export interface TradesCursor {
  /** Next trade id to read: every trade before it (and at/after `from`) is stored. */
  fromId: string;
  /** Start of the stored coverage (epoch ms); absent: the whole history. */
  from?: number;
  /** First id of the coverage that starts at `from`. */
  firstId?: string;
  unreachable?: boolean;
}

export function readIdCursor(
  cursor: JsonValue | undefined,
  idKey: string,
): Record<string, unknown> | undefined {
  if (cursor && typeof cursor === 'object' && !Array.isArray(cursor) && typeof cursor[idKey] === 'string')
    return cursor as Record<string, unknown>;
  return undefined;
}

function readCursor(cursor: JsonValue | undefined): TradesCursor {
  const c = readIdCursor(cursor, 'fromId');
  if (!c) return { fromId: '0' };
  return {
    fromId: c['fromId'] as string,
    ...(typeof c['from'] === 'number' ? { from: c['from'] } : {}),
    ...(typeof c['firstId'] === 'string' ? { firstId: c['firstId'] } : {}),
    ...(c['unreachable'] === true ? { unreachable: true } : {}),
  };
}

/** The start the run wants: `ctx.since`, or undefined for the whole history. */
export function wantedStart(ctx: ReadContext): number | undefined {
  return ctx.since > BINANCE_LAUNCH ? ctx.since : undefined;
}

/**
 * Where an id walk starts given its stored coverage and the start the run wants: continue the stored walk,
 * or start anew (seek `since`, or id 0) and jump to the stored next id on reaching the stored first id.
 */
export interface WalkPlan {
  /** Continue from this id, or undefined to start anew. */
  continueAt?: string;
  /** Seek this time (start anew with --since). */
  seek?: number;
  /** On reaching `at`, jump to `to` (the stored coverage). */
  jump?: { at: bigint; to: bigint };
  /** The coverage start after this run. */
  from?: number;
}

export function planWalk(
  stored: { next: string; from?: number; firstId?: string },
  wanted: number | undefined,
): WalkPlan {
  const hasCoverage = stored.next !== '0';
  if (hasCoverage && (stored.from === undefined || (wanted !== undefined && wanted >= stored.from))) {
    return { continueAt: stored.next, ...(stored.from !== undefined ? { from: stored.from } : {}) };
  }
  const jump =
    hasCoverage && stored.firstId !== undefined
      ? { at: BigInt(stored.firstId), to: BigInt(stored.next) }
      : undefined;
  return {
    ...(wanted !== undefined ? { seek: wanted, from: wanted } : {}),
    ...(jump ? { jump } : {}),
  };
}

export function tradesStream(sym: SymbolAssets): StreamDef {
  return {
    key: `trades:${sym.symbol}`,
    surface: 'trades',
    async *run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page> {
      const stored = readCursor(cursor);
      const plan = planWalk(
        {
          next: stored.fromId,
          ...(stored.from !== undefined ? { from: stored.from } : {}),
          ...(stored.firstId !== undefined ? { firstId: stored.firstId } : {}),
        },
        wantedStart(ctx),
      );
      const fetch = async (fromId: bigint | undefined): Promise<JsonObject[]> => {
        const { body } = await ctx.client.call(
          endpoints.myTrades,
          {
            symbol: sym.symbol,
            ...(fromId !== undefined ? { fromId: fromId.toString() } : {}),
            limit: TRADES_PAGE,
          },
          { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
        );
        return arrayBody(body, 'myTrades');
      };
      const page = (rows: JsonObject[], cur: TradesCursor): Page => {
        const records = rows.map((row) => trade(row, sym, ctx.account));
        return {
          records,
          cursor: cur as unknown as JsonValue,
          assets: [...new Set(records.map((r) => r.feeAsset))],
        };
      };
      const cover = plan.from !== undefined ? { from: plan.from } : {};
      let next: bigint;
      let firstId: string | undefined = plan.continueAt !== undefined ? stored.firstId : undefined;
      const jump = (n: bigint): bigint =>
        plan.jump && n >= plan.jump.at && plan.jump.to > n ? plan.jump.to : n;
      try {
        if (plan.seek !== undefined) {
          const found = await seekSince({
            since: plan.seek,
            limit: TRADES_PAGE,
            fetch,
            id: (r) => BigInt(idString(r, 'id')),
            time: (r) => Number(r['time']),
          });
          next = jump(found.next);
          firstId = found.firstId.toString();
          yield page(found.rows, { fromId: next.toString(), ...cover, firstId });
          if (found.done && next === found.next) return;
        } else next = plan.continueAt !== undefined ? BigInt(plan.continueAt) : 0n;
        for (;;) {
          const rows = await fetch(next);
          let max = next - 1n;
          for (const row of rows) {
            const id = BigInt(idString(row, 'id'));
            if (id > max) max = id;
          }
          if (firstId === undefined && rows.length > 0 && plan.from !== undefined)
            firstId = idString(rows[0]!, 'id');
          const reached = jump(max + 1n);
          next = reached;
          yield page(rows, {
            fromId: next.toString(),
            ...cover,
            ...(firstId !== undefined ? { firstId } : {}),
          });
          if (rows.length < TRADES_PAGE && reached === max + 1n) return;
        }
      } catch (error) {
        // A delisted symbol: its history is out of the API's reach (CONTRACT.md §5); reconcile reports it.
        if (error instanceof BinanceApiError && error.binanceCode === -1121) {
          yield { records: [], cursor: { fromId: stored.fromId, unreachable: true } };
          return;
        }
        throw error;
      }
    },
  };
}
