/**
 * GET /sapi/v1/accountSnapshot (CONTRACT.md 4.21; [SWG] snapshotSpot/snapshotMargin/snapshotFutures):
 * Weight(IP) 2400; `type` SPOT|MARGIN|FUTURES required; `limit` 7..30 (default 7); startTime-endTime
 * < 30 days (default the last 7 days); only the last month is kept. One snapshot per UTC day, taken at
 * 23:59:59 (the docs' example `updateTime` 1576281599000), once the day is over.
 *
 * SPOT snapshots are the spot wallet at that instant, derived from the account's records
 * (data/spot-history.ts), valued in BTC with the generator's prices. The sandbox account holds no margin
 * or futures account, and the exchange answers such an account with an empty list.
 */
import { spotBalancesAt } from '../data/spot-history.js';
import { usdAt } from '../data/prices.js';
import { fmt8, fmtShort, UNIT } from '../data/units.js';
import type { EndpointContext, EndpointDef } from './context.js';
import { Errors } from './errors.js';
import { DAY, resolveWindow, type WindowRule } from './windows.js';

const WINDOW: WindowRule = {
  maxMs: 30 * DAY,
  strict: true,
  defaultMs: 7 * DAY,
  tooWide: Errors.rangeTooLarge,
};
/** "Support query within the last one month only". */
const KEPT_MS = 30 * DAY;

/** Snapshot instants (23:59:59 of each UTC day) within [from, to], ascending. */
function snapshotTimes(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / DAY) * DAY + DAY - 1000; t <= to; t += DAY) if (t >= from) out.push(t);
  return out;
}

function accountSnapshot(ctx: EndpointContext): unknown {
  const { params, account, now } = ctx;
  const type = params.oneOf('type', ['SPOT', 'MARGIN', 'FUTURES'] as const, true)!;
  const limit = params.limit('limit', 7, 30, 7);
  const [start, end] = resolveWindow(params, now, WINDOW);
  let times = snapshotTimes(Math.max(start, now - KEPT_MS), Math.min(end, now - 1));
  // startTime sent: the oldest snapshots from it; else the newest up to endTime (the /api convention).
  times = params.str('startTime') !== undefined ? times.slice(0, limit) : times.slice(-limit);
  if (type !== 'SPOT') return { code: 200, msg: '', snapshotVos: [] };
  const btc = account.assets.indexOf('BTC');
  const assetIndex = new Map(account.assets.map((a, i) => [a, i]));
  const byTime = spotBalancesAt(account, times);
  return {
    code: 200,
    msg: '',
    snapshotVos: times.map((t) => {
      const holdings = byTime.get(t)!;
      let inBtc = 0;
      const balances = [...holdings].map(([asset, h]) => {
        const i = assetIndex.get(asset);
        if (i !== undefined && btc >= 0)
          inBtc +=
            (((h.free + h.locked) / UNIT) * usdAt(account.prices, i, t)) / usdAt(account.prices, btc, t);
        return { asset, free: fmtShort(h.free), locked: fmtShort(h.locked) };
      });
      return {
        data: { balances, totalAssetOfBtc: fmt8(Math.floor(inBtc * UNIT)) },
        type: 'spot',
        updateTime: t,
      };
    }),
  };
}

export const ACCOUNT_SNAPSHOT_ENDPOINT: EndpointDef = {
  method: 'GET',
  path: '/sapi/v1/accountSnapshot',
  security: 'USER_DATA',
  limit: 'sapi-ip',
  weight: 2400,
  handle: accountSnapshot,
};
