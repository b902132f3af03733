/**
 * What every read shares: the context a stream runs in, the page it yields (records plus the checkpoint
 * that becomes true once they are stored), and the window walker most `/sapi` histories need
 * (CONTRACT.md §6 quirk 5: each endpoint has its own maximum window).
 */
import type { JsonValue } from '../../../core/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import type { BinanceClient } from '../client.js';
import type { SymbolAssets } from '../normalize.js';

/** A normalized record on its way to the ledger (`source` is always 'api' here). */
export type ApiRecord = AccountRecord;

/** The surfaces `--surfaces` can name. */
export const SURFACES = [
  'balances',
  'trades',
  'orders',
  'deposits',
  'withdrawals',
  'convert',
  'dust',
  'earn',
  'autoinvest',
  'p2p',
  'fiat',
  'dividends',
  'transfers',
] as const;
export type Surface = (typeof SURFACES)[number];

/** Binance opened on 2017-07-14: no account activity is older (rotki's start too). */
export const BINANCE_LAUNCH = Date.UTC(2017, 6, 14);
export const DAY = 86_400_000;

export interface ReadContext {
  client: BinanceClient;
  account: string;
  /** Start of the history to read (epoch ms). */
  since: number;
  /** End of the history to read: server time when the run was planned. */
  until: number;
  /** Listed symbols (exchangeInfo with every permission). */
  symbols: ReadonlyMap<string, SymbolAssets>;
  signal?: AbortSignal;
}

/** One unit of work done: records to store and the checkpoint to store with them, atomically. */
export interface Page {
  records: ApiRecord[];
  /** The stream's checkpoint once these records are stored. */
  cursor: JsonValue;
  /** Assets these records show the account touched (symbol discovery's evidence). */
  assets?: string[];
}

/** A stream: one checkpointed walk (one surface, one symbol or one query type). */
export interface StreamDef {
  /** Unique within the account, e.g. `trades:BNBBTC`, `deposits`, `earn:flexible:rewards:BONUS`. */
  key: string;
  surface: Surface;
  run(ctx: ReadContext, cursor: JsonValue | undefined): AsyncGenerator<Page>;
}

/** The `{ next }` cursor of a window walk: everything before `next` is stored. */
/**
 * The cursor of a window walk: [from, next) is stored. `from` matters when a later run starts earlier
 * (a first sync with --since, then a full one; or a product found to start earlier): the stretch before
 * `from` was never read, so the walk starts over from the new start.
 */
export interface WindowCursor {
  next: number;
  from?: number;
}

export function readWindowCursor(cursor: JsonValue | undefined): WindowCursor | undefined {
  if (cursor && typeof cursor === 'object' && !Array.isArray(cursor) && typeof cursor['next'] === 'number') {
    const from = cursor['from'];
    return { next: cursor['next'], ...(typeof from === 'number' ? { from } : {}) };
  }
  return undefined;
}

export interface WindowWalk {
  /** Earliest time to read (inclusive). */
  from: number;
  /** Latest time to read (inclusive). */
  to: number;
  /** Longest window the endpoint accepts, in ms (end - start + 1 <= windowMs). */
  windowMs: number;
  /** Re-read this much before the checkpoint on a later run: records that change state (pending → done). */
  overlapMs?: number;
  /** Reads one window [start, end]; yields its pages of records. */
  fetchWindow(start: number, end: number): AsyncGenerator<ApiRecord[]>;
}

/**
 * Walks [from, to] in windows, oldest first, resuming after the checkpoint. Each page of a window is
 * yielded with the window's start as the cursor (a restart re-reads that window: idempotent), and the
 * end of each window moves the cursor past it.
 */
export async function* walkWindows(walk: WindowWalk, cursor: JsonValue | undefined): AsyncGenerator<Page> {
  let resumed = readWindowCursor(cursor);
  // Stored coverage that starts later than this walk leaves a gap: read everything again from the start.
  if (resumed && resumed.from !== undefined && walk.from < resumed.from) resumed = undefined;
  const from = resumed?.from ?? walk.from;
  let start = resumed ? Math.max(walk.from, resumed.next - (walk.overlapMs ?? 0)) : walk.from;
  if (start > walk.to) return;
  while (start <= walk.to) {
    const end = Math.min(walk.to, start + walk.windowMs - 1);
    for await (const records of walk.fetchWindow(start, end)) {
      if (records.length > 0) yield { records, cursor: { next: start, from } };
    }
    yield { records: [], cursor: { next: end + 1, from } };
    start = end + 1;
  }
}

/**
 * Reads a window that has no pagination, halving it while a response is full (`isFull`), so no record
 * is cut off: convert's `moreData`, assetDividend's `limit`.
 */
export async function* splitWhileFull<T>(
  start: number,
  end: number,
  fetch: (start: number, end: number) => Promise<{ rows: T[]; full: boolean }>,
): AsyncGenerator<T[]> {
  const stack: Array<[number, number]> = [[start, end]];
  while (stack.length > 0) {
    const [s, e] = stack.pop()!;
    const { rows, full } = await fetch(s, e);
    if (full && e > s) {
      const mid = Math.floor((s + e) / 2);
      // Oldest half first: pushed last, popped first.
      stack.push([mid + 1, e], [s, mid]);
      continue;
    }
    yield rows;
  }
}

/** Sorts by time then id and drops duplicate ids: `/sapi` order is undocumented (CONTRACT.md §6 quirk 8). */
export function sortUnique<T extends ApiRecord>(records: T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of [...records].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
  }
  return out;
}

/** The signal option, when there is one. */
export function sig(ctx: ReadContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
