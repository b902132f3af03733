/**
 * Cursor pagination over the ledger's key order (kind, then id, byte-wise; the account is fixed per
 * request). A cursor is the opaque encoding of the last record of its page; the next page is the ledger's
 * keyset query `after` that key (`RecordQuery.after`: one indexed range read per page), so a page always
 * resumes right after it: nothing lost, nothing repeated, also while records are added, on any server
 * process, with nothing kept between requests.
 */
import type { LedgerStore, StoredRecord } from '../ledger/index.js';
import type { AccountKind } from '../schemas/index.js';
import { isAccountKind } from '../schemas/index.js';
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

/** Filter of one record listing (the account fixed). */
export interface RecordFilter {
  account: string;
  /** Undefined: every kind. */
  kinds?: AccountKind[];
  since?: number;
  until?: number;
}

/** A page of records and the cursor of the next one (undefined on the last page). */
export interface RecordPageResult {
  records: StoredRecord[];
  next: string | undefined;
}

/**
 * One page of at most `limit` records after `cursor` (from the start when undefined): one keyset query
 * for `limit + 1` records, the extra one only telling whether a next page exists.
 */
export async function pageRecords(
  store: LedgerStore,
  filter: RecordFilter,
  limit: number,
  cursor: string | undefined,
): Promise<RecordPageResult> {
  const after = cursor !== undefined ? decodeRecordCursor(cursor) : undefined;
  const found = await store.queryRecords({
    account: filter.account,
    ...(filter.kinds ? { kind: filter.kinds } : {}),
    ...(filter.since !== undefined ? { since: filter.since } : {}),
    ...(filter.until !== undefined ? { until: filter.until } : {}),
    ...(after ? { after } : {}),
    limit: limit + 1,
  });
  if (found.length <= limit) return { records: found, next: undefined };
  const records = found.slice(0, limit);
  const last = records[records.length - 1] as StoredRecord;
  return { records, next: encodeRecordCursor({ kind: last.record.kind, id: last.record.id }) };
}
