/**
 * Cursor pagination over the ledger's key order (kind, then id, byte-wise; the account is fixed per
 * request). A cursor names the last record of its page, so a page always resumes right after it: nothing
 * lost, nothing repeated, also while records are added.
 *
 * The ledger's public reader offers no "after this key" filter, only an ordered stream
 * (`iterateRecords`, keyset-paged inside). So the server keeps the stream of a page it just served,
 * suspended, under the cursor it handed out: the next request continues it in O(page). The stream reads
 * ahead in batches, so a record added meanwhile could be behind its read-ahead: the matching record count
 * is taken with every page, and when it changed the stream is dropped and reopened. A cursor whose stream
 * is gone (expired, evicted, another server process, records added) still works: the stream is reopened at
 * the cursor's kind and read past its id.
 */
import type { LedgerStore, RecordQuery, StoredRecord } from '../ledger/index.js';
import type { AccountKind } from '../schemas/index.js';
import { ACCOUNT_KINDS, isAccountKind } from '../schemas/index.js';
import { badParameter } from './problem.js';

/** A position in the (kind, id) order: the last record a page returned. */
export interface RecordPosition {
  kind: AccountKind;
  id: string;
}

const CURSOR_VERSION = 1;

/** The opaque cursor of a position (base64url JSON, so ids of any characters survive a query string). */
export function encodeRecordCursor(position: RecordPosition): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, position.kind, position.id]), 'utf8').toString(
    'base64url',
  );
}

/** The position a cursor names; a 400 problem (`server.bad_cursor`) when it is not one of ours. */
export function decodeRecordCursor(cursor: string): RecordPosition {
  const bad = (): Error =>
    badParameter(
      'bad_cursor',
      'cursor',
      'cursor: not a cursor this API issued (it is damaged or from another endpoint). Start again without cursor, or pass the `cursor` of the previous page unchanged.',
    );
  if (cursor.length === 0 || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    value[0] !== CURSOR_VERSION ||
    !isAccountKind(value[1]) ||
    typeof value[2] !== 'string' ||
    value[2].length === 0 ||
    value[2].length > 512
  )
    throw bad();
  return { kind: value[1], id: value[2] };
}

/** Byte-wise comparison of UTF-8 strings: the order both ledger backends sort text keys in. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The kinds a query covers, in the ledger's (byte-wise) order. */
function kindsInOrder(kinds: readonly AccountKind[] | undefined): AccountKind[] {
  return [...(kinds ?? ACCOUNT_KINDS)].sort(compareBytes);
}

/** Filter of one record listing (the account fixed). */
export interface RecordFilter {
  account: string;
  /** Undefined: every kind. */
  kinds?: AccountKind[];
  since?: number;
  until?: number;
}

interface Suspended {
  iterator: AsyncIterator<StoredRecord>;
  /** The record read ahead to learn whether a next page exists: the first of the next page. */
  ahead: StoredRecord;
  /** Matching records when the page began: a different count now means the stream may have missed some. */
  count: number;
  lastUsed: number;
}

/** A page of records and the cursor of the next one (undefined on the last page). */
export interface RecordPageResult {
  records: StoredRecord[];
  next: string | undefined;
}

/** Options of {@link RecordPager}. */
export interface RecordPagerOptions {
  /** Suspended streams kept at most (default 64); the least recently used is dropped first. */
  maxSuspended?: number;
  /** A suspended stream unused this long is dropped (ms, default 120 000). */
  idleMs?: number;
  /** Time source (default Date.now). */
  now?: () => number;
}

/** Serves record pages from one store, resuming suspended streams when it can. */
export class RecordPager {
  private readonly suspended = new Map<string, Suspended>();
  private readonly maxSuspended: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  /** How many pages resumed a suspended stream, and how many had to reopen one (for tests and stats). */
  readonly stats = { resumed: 0, reopened: 0 };

  constructor(
    private readonly store: LedgerStore,
    options: RecordPagerOptions = {},
  ) {
    this.maxSuspended = options.maxSuspended ?? 64;
    this.idleMs = options.idleMs ?? 120_000;
    this.now = options.now ?? Date.now;
  }

  /** One page of at most `limit` records after `cursor` (from the start when undefined). */
  async page(filter: RecordFilter, limit: number, cursor: string | undefined): Promise<RecordPageResult> {
    this.sweep();
    const position = cursor !== undefined ? decodeRecordCursor(cursor) : undefined;
    const key = cursor !== undefined ? this.keyOf(filter, cursor) : undefined;
    let held = key !== undefined ? this.suspended.get(key) : undefined;
    if (key !== undefined) this.suspended.delete(key);
    const count = await this.store.countRecords(this.queryOf(filter, kindsInOrder(filter.kinds)));
    if (held && held.count !== count) {
      void held.iterator.return?.();
      held = undefined;
    }
    let iterator: AsyncIterator<StoredRecord>;
    const records: StoredRecord[] = [];
    if (held) {
      this.stats.resumed++;
      iterator = held.iterator;
      records.push(held.ahead);
    } else {
      if (position) this.stats.reopened++;
      iterator = this.open(filter, position);
    }
    let ahead: StoredRecord | undefined;
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        if (records.length < limit) records.push(step.value);
        else {
          ahead = step.value;
          break;
        }
      }
    } catch (error) {
      await iterator.return?.();
      throw error;
    }
    if (ahead === undefined) {
      await iterator.return?.();
      return { records, next: undefined };
    }
    const last = records[records.length - 1] as StoredRecord;
    const next = encodeRecordCursor({ kind: last.record.kind, id: last.record.id });
    this.hold(this.keyOf(filter, next), { iterator, ahead, count, lastUsed: this.now() });
    return { records, next };
  }

  /** Drops every suspended stream (on server close). */
  async close(): Promise<void> {
    const all = [...this.suspended.values()];
    this.suspended.clear();
    await Promise.all(all.map((s) => s.iterator.return?.()));
  }

  private queryOf(filter: RecordFilter, kinds: AccountKind[]): RecordQuery {
    return {
      account: filter.account,
      kind: kinds,
      ...(filter.since !== undefined ? { since: filter.since } : {}),
      ...(filter.until !== undefined ? { until: filter.until } : {}),
    };
  }

  private keyOf(filter: RecordFilter, cursor: string): string {
    return JSON.stringify([filter.account, kindsInOrder(filter.kinds), filter.since, filter.until, cursor]);
  }

  private hold(key: string, entry: Suspended): void {
    const previous = this.suspended.get(key);
    if (previous) void previous.iterator.return?.();
    this.suspended.set(key, entry);
    while (this.suspended.size > this.maxSuspended) {
      const [oldestKey, oldest] = this.suspended.entries().next().value as [string, Suspended];
      this.suspended.delete(oldestKey);
      void oldest.iterator.return?.();
    }
  }

  private sweep(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, entry] of this.suspended) {
      if (entry.lastUsed >= cutoff) continue;
      this.suspended.delete(key);
      void entry.iterator.return?.();
    }
  }

  /** A stream of the filter's records after `position` (from the start when undefined). */
  private open(filter: RecordFilter, position: RecordPosition | undefined): AsyncIterator<StoredRecord> {
    const kinds = kindsInOrder(filter.kinds).filter(
      (k) => position === undefined || compareBytes(k, position.kind) >= 0,
    );
    const source = this.store.iterateRecords(this.queryOf(filter, kinds));
    if (position === undefined) return source[Symbol.asyncIterator]();
    // Records of the cursor's kind up to its id were served already: read past them.
    async function* after(): AsyncGenerator<StoredRecord> {
      let skipping = true;
      for await (const stored of source) {
        if (skipping) {
          const r = stored.record;
          if (r.kind === position?.kind && compareBytes(r.id, position.id) <= 0) continue;
          skipping = false;
        }
        yield stored;
      }
    }
    return after();
  }
}
