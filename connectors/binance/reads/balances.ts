/**
 * Balances, one snapshot per run (CONTRACT.md §4.3, §4.11, §4.19): spot from `/api/v3/account` (every
 * row, zero rows included, minus the `LD*` mirrors of Simple Earn flexible positions, keeping `LDO`),
 * funding from `get-funding-asset`, and Earn from the Simple Earn positions (flexible and locked, paged),
 * summed per asset into `earn_flexible`/`earn_locked` balances. Positions are stored as `earn_position`.
 * The Earn wallet is read from the positions, never from the LD* rows, so nothing is counted twice.
 */
import { addDecimals } from '../../../core/index.js';
import type { EarnPosition } from '../../../schemas/index.js';
import { endpoints } from '../endpoints.js';
import {
  earnBalance,
  flexiblePosition,
  fundingBalance,
  isEarnMirror,
  lockedPosition,
  spotBalance,
} from '../normalize.js';
import { arrayBody, arrayField, isObject, totalField } from '../values.js';
import type { JsonObject } from '../values.js';
import { sig } from './common.js';
import type { ApiRecord, Page, ReadContext, StreamDef } from './common.js';

const POSITION_PAGE = 100;

async function* positions(
  ctx: ReadContext,
  spec: typeof endpoints.flexiblePosition | typeof endpoints.lockedPosition,
): AsyncGenerator<JsonObject[]> {
  for (let current = 1; ; current++) {
    const { body } = await ctx.client.call(
      spec,
      { current, size: POSITION_PAGE },
      { ...sig(ctx), countRecords: (b) => arrayField(b, 'rows').length },
    );
    const rows = arrayField(body, 'rows');
    yield rows;
    const total = totalField(body);
    if (rows.length < POSITION_PAGE || (total !== undefined && current * POSITION_PAGE >= total)) return;
  }
}

/**
 * One Earn product's positions, each pushed to `records` as `earn_position` and its asset to `assets`;
 * returns the amounts summed per asset, with the rows summed.
 */
async function positionTotals(
  ctx: ReadContext,
  spec: typeof endpoints.flexiblePosition | typeof endpoints.lockedPosition,
  position: (row: JsonObject, account: string, time: number) => EarnPosition,
  now: number,
  records: ApiRecord[],
  assets: Set<string>,
): Promise<Map<string, { total: string; raw: JsonObject[] }>> {
  const totals = new Map<string, { total: string; raw: JsonObject[] }>();
  for await (const rows of positions(ctx, spec)) {
    for (const row of rows) {
      const rec = position(row, ctx.account, now);
      records.push(rec);
      assets.add(rec.asset);
      const t = totals.get(rec.asset) ?? { total: '0', raw: [] };
      t.total = addDecimals(t.total, rec.amount);
      t.raw.push(row);
      totals.set(rec.asset, t);
    }
  }
  return totals;
}

export function balancesStream(): StreamDef {
  return {
    key: 'balances',
    surface: 'balances',
    async *run(ctx: ReadContext): AsyncGenerator<Page> {
      const records: ApiRecord[] = [];
      const assets = new Set<string>();
      const account = await ctx.client.call(
        endpoints.account,
        { omitZeroBalances: false },
        { ...sig(ctx), countRecords: (b) => arrayField(b, 'balances').length },
      );
      // One snapshot time for every wallet: the account's own `updateTime` (the instant its balances are
      // as of), else the server time when read.
      const updateTime = isObject(account.body) ? account.body['updateTime'] : undefined;
      const now =
        typeof updateTime === 'number' && updateTime > 0
          ? updateTime
          : Math.floor(ctx.client.serverTime.now());
      for (const row of arrayField(account.body, 'balances')) {
        const rec = spotBalance(row, ctx.account, now);
        if (isEarnMirror(rec.asset)) {
          assets.add(rec.asset.slice(2));
          continue;
        }
        assets.add(rec.asset);
        // Zero rows are not balances (and Binance lists assets the account never held).
        if (rec.free !== '0' || rec.locked !== '0') records.push(rec);
      }

      const funding = await ctx.client.call(
        endpoints.fundingAsset,
        {},
        { ...sig(ctx), countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
      );
      for (const row of arrayBody(funding.body, 'get-funding-asset')) {
        const rec = fundingBalance(row, ctx.account, now);
        if (rec.free !== '0' || rec.locked !== '0') records.push(rec);
        assets.add(rec.asset);
      }

      const flexTotals = await positionTotals(
        ctx,
        endpoints.flexiblePosition,
        flexiblePosition,
        now,
        records,
        assets,
      );
      const lockedTotals = await positionTotals(
        ctx,
        endpoints.lockedPosition,
        lockedPosition,
        now,
        records,
        assets,
      );
      for (const [code, t] of flexTotals) {
        records.push(earnBalance('earn_flexible', code, t.total, ctx.account, now, { positions: t.raw }));
      }
      for (const [code, t] of lockedTotals) {
        records.push(earnBalance('earn_locked', code, t.total, ctx.account, now, { positions: t.raw }));
      }
      yield { records, cursor: { at: now }, assets: [...assets] };
    },
  };
}
