/**
 * Daily SPOT account snapshots (CONTRACT.md §4.21): `GET /sapi/v1/accountSnapshot`, Weight(IP) 2400,
 * `limit` 7..30, a window under 30 days, the last month only. One call with `limit=30` reads the whole
 * month. Snapshots are the exchange's own end-of-day spot balances, a check on a ledger rather than
 * records of it, so the sync does not store them: a caller compares them with the ledger's balance at
 * each `time` (reconcile's business) when it wants that check.
 */
import type { BinanceClient } from '../client.js';
import { endpoints } from '../endpoints.js';
import { amount, arrayField, epochMs, isObject, text } from '../values.js';
import { DAY } from './common.js';

/** One day's spot wallet as the exchange recorded it. */
export interface DailySpotSnapshot {
  /** The snapshot instant (epoch ms; the exchange takes it at 23:59:59 UTC). */
  time: number;
  /** The exchange's valuation of the wallet in BTC (canonical decimal). */
  totalAssetOfBtc: string;
  /** Non-zero balances, canonical decimals, by asset. */
  balances: Array<{ asset: string; free: string; locked: string }>;
}

export interface SnapshotQuery {
  /** Default: 30 days before the server's now, plus a minute (the window must stay under 30 days). */
  startTime?: number;
  endTime?: number;
  /** 7..30 (default 30: the whole month in one call). */
  limit?: number;
  signal?: AbortSignal;
}

/** The daily SPOT snapshots in the window, oldest first, one per `time`. */
export async function readSpotSnapshots(
  client: BinanceClient,
  query: SnapshotQuery = {},
): Promise<DailySpotSnapshot[]> {
  const startTime = query.startTime ?? Math.floor(client.serverTime.now()) - 30 * DAY + 60_000;
  const { body } = await client.call(
    endpoints.accountSnapshot,
    {
      type: 'SPOT',
      startTime,
      ...(query.endTime !== undefined ? { endTime: query.endTime } : {}),
      limit: query.limit ?? 30,
    },
    {
      ...(query.signal ? { signal: query.signal } : {}),
      countRecords: (b) => arrayField(b, 'snapshotVos').length,
    },
  );
  const byTime = new Map<number, DailySpotSnapshot>();
  for (const vo of arrayField(body, 'snapshotVos')) {
    const data = vo['data'];
    if (!isObject(data)) continue;
    const time = epochMs(vo, 'updateTime');
    byTime.set(time, {
      time,
      totalAssetOfBtc: amount(data, 'totalAssetOfBtc'),
      balances: arrayField(data, 'balances')
        .map((b) => ({ asset: text(b, 'asset'), free: amount(b, 'free'), locked: amount(b, 'locked') }))
        .filter((b) => b.free !== '0' || b.locked !== '0'),
    });
  }
  // /sapi ordering is undocumented (CONTRACT.md §6.8): sort.
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}
