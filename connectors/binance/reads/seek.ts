/**
 * The id walks of myTrades and allOrders (CONTRACT.md §4.4, §4.5) start at an id, not a time, and their
 * time filters reach at most 24 hours: `fromId`/`orderId` ignore `--since`. To start at the first row at or
 * after `since` without reading the older history page by page, seek it:
 *  1. the most recent page (no id, no time: "most recent items up to limit"): when it is short it is the
 *     symbol's whole history, and when it starts before `since` the boundary is in it (one request, the
 *     common case, and the page is data the walk needs anyway);
 *  2. otherwise the oldest page (`fromId=0`), then an interpolation search on ids between a row before
 *     `since` and one at or after it, alternating with bisection so it ends in O(log n) requests. Each
 *     probe is a full page (weight 20 whatever the limit), so the search stops as soon as one page holds the
 *     boundary. Rows are ascending by id and by time within a symbol.
 * A seek never reads a page the walk from `since` would not; it costs a few pages only for a symbol with
 * more than a page of history after `since` and before it.
 */
import type { JsonObject } from '../values.js';

export interface SeekPage {
  rows: JsonObject[];
}

export interface SeekOptions {
  since: number;
  limit: number;
  /** Rows with id >= fromId, ascending, up to limit; the most recent rows when fromId is undefined. */
  fetch(fromId: bigint | undefined): Promise<JsonObject[]>;
  id(row: JsonObject): bigint;
  time(row: JsonObject): number;
}

export interface SeekResult {
  /** The rows at or after `since` of the page that holds the boundary (maybe none). */
  rows: JsonObject[];
  /** Where the walk continues: after the last row of that page (0 when the symbol has no row at all). */
  next: bigint;
  /** The page was the last one: nothing after `next` exists yet. */
  done: boolean;
  /** The first id at or after `since`, or `next` when there is none. */
  firstId: bigint;
  /** Requests the seek made. */
  requests: number;
}

export async function seekSince(o: SeekOptions): Promise<SeekResult> {
  let requests = 0;
  const fetch = async (fromId: bigint | undefined): Promise<JsonObject[]> => {
    requests++;
    return o.fetch(fromId);
  };
  const found = (page: JsonObject[], done: boolean): SeekResult => {
    const rows = page.filter((r) => o.time(r) >= o.since);
    let max = -1n;
    for (const r of page) if (o.id(r) > max) max = o.id(r);
    const next = max + 1n;
    return { rows, next, done, firstId: rows.length > 0 ? o.id(rows[0]!) : next, requests };
  };

  const latest = await fetch(undefined);
  if (latest.length === 0) return { rows: [], next: 0n, done: true, firstId: 0n, requests };
  if (latest.length < o.limit || o.time(latest[0]!) < o.since) return found(latest, true);

  // The boundary is before the most recent page: hi is a row at/after since, lo one before it.
  let hi = latest[0]!;
  const oldest = await fetch(0n);
  if (oldest.length === 0 || o.time(oldest.at(-1)!) >= o.since) return found(oldest, oldest.length < o.limit);
  let lo = oldest.at(-1)!;
  for (let step = 0; ; step++) {
    const loId = o.id(lo);
    const hiId = o.id(hi);
    if (loId + 1n >= hiId) {
      const page = await fetch(hiId);
      return found(page, page.length < o.limit);
    }
    let guess: bigint;
    const span = o.time(hi) - o.time(lo);
    if (step % 2 === 0 && span > 0) {
      const share = Math.min(1, Math.max(0, (o.since - o.time(lo)) / span));
      guess = loId + 1n + ((hiId - loId - 1n) * BigInt(Math.floor(share * 1_000_000))) / 1_000_000n;
    } else guess = (loId + 1n + hiId) / 2n;
    if (guess <= loId) guess = loId + 1n;
    if (guess > hiId) guess = hiId;
    const page = await fetch(guess);
    // Cannot happen while hi exists; end on what is known rather than loop.
    if (page.length === 0) return found([], true);
    const first = page[0]!;
    const last = page.at(-1)!;
    if (o.time(first) >= o.since) {
      // Nothing between lo and guess is at/after since unless it is before first: if guess is right after
      // lo, first is the boundary.
      if (guess === loId + 1n) return found(page, page.length < o.limit);
      hi = first;
    } else if (o.time(last) < o.since) {
      if (page.length < o.limit) return found(page, true);
      lo = last;
    } else return found(page, page.length < o.limit);
  }
}
