/**
 * Cursor pagination over the ledger's key order (kind, then id, byte-wise; the account is fixed per
 * request). A cursor is the opaque encoding of the last record of its page; the next page is the ledger's
 * keyset query `after` that key (`RecordQuery.after`: one indexed range read per page), so a page always
 * resumes right after it: nothing lost, nothing repeated, also while records are added, on any server
 * process, with nothing kept between requests.
 */
import { createHash } from 'node:crypto';
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

/** The longest record id the account schemas allow, in code points (their `maxLength`). */
export const MAX_ID_LENGTH = 512;

/**
 * The longest cursor this API issues: base64url of a JSON array holding an id of {@link MAX_ID_LENGTH} code
 * points (each at most 6 JSON bytes: 4 of UTF-8, or a `\uXXXX` escape) and up to 128 bytes of the rest. A
 * cursor's own limit must allow every cursor a page can return, or paging stops at a record with a long
 * non-ASCII id (512 CJK characters make a cursor of 2 067 characters).
 */
export const MAX_CURSOR_LENGTH = Math.ceil((128 + MAX_ID_LENGTH * 6) / 3) * 4;

/** The longest account label the account schemas allow, in code points. */
export const MAX_ACCOUNT_LENGTH = 128;

/**
 * True when `text` can be a stored account or id: 1 to `max` code points, no control character (the
 * account schemas' pattern `^[^\u0000-\u001f\u007f]+$`).
 */
export function isStoredText(text: unknown, max: number): text is string {
  if (typeof text !== 'string' || text.length === 0 || text.length > 2 * max) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return false;
  return text.length <= max || [...text].length <= max;
}

/** True when `id` can be the id of a stored record (1 to {@link MAX_ID_LENGTH} code points, no control character). */
export function isCursorId(id: unknown): id is string {
  return isStoredText(id, MAX_ID_LENGTH);
}

/** True when `cursor` may be one this API issued: base64url of at most {@link MAX_CURSOR_LENGTH} characters. */
export function isCursorText(cursor: string): boolean {
  return cursor.length > 0 && cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor);
}

/**
 * A short fingerprint of what a listing selects (account and filters, not the page size): a cursor carries
 * its query's, so one passed to another query (another account, kind, time range or asset) is refused
 * instead of silently skipping that query's records before its position.
 */
export function queryScope(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('base64url').slice(0, 11);
}

/** The 400 problem of a cursor from another query. */
export function cursorOfAnotherQuery(changed: string): Error {
  return badParameter(
    'bad_cursor',
    'cursor',
    `cursor: it belongs to another query (${changed} differ from the request that returned it), so it would skip records of this one. Keep every parameter but cursor and limit unchanged while paging (follow \`next\`), or start again without cursor.`,
  );
}

/** The scope of a record listing: its account, kinds (in any order) and time range. */
export function recordScope(filter: RecordFilter): string {
  return queryScope([
    'records',
    filter.account,
    filter.kinds ? [...new Set(filter.kinds)].sort() : null,
    filter.since ?? null,
    filter.until ?? null,
  ]);
}

/**
 * The opaque cursor of a position (base64url JSON, so ids of any characters survive a query string), with
 * the {@link recordScope} of its query when given.
 */
export function encodeRecordCursor(position: RecordPosition, scope?: string): string {
  const value: unknown[] = [CURSOR_VERSION, position.kind, position.id];
  if (scope !== undefined) value.push(scope);
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The position a cursor names; a 400 problem (`server.bad_cursor`) when it is not one of ours, or when it
 * carries a scope other than `scope` (a cursor of another query; one without a scope is taken as it is).
 */
export function decodeRecordCursor(cursor: string, scope?: string): RecordPosition {
  const bad = (): Error =>
    badParameter(
      'bad_cursor',
      'cursor',
      'cursor: not a cursor this API issued (it is damaged or from another endpoint). Start again without cursor, or pass the `cursor` of the previous page unchanged.',
    );
  if (!isCursorText(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(value) ||
    (value.length !== 3 && value.length !== 4) ||
    value[0] !== CURSOR_VERSION ||
    !isAccountKind(value[1]) ||
    !isCursorId(value[2]) ||
    (value.length === 4 && typeof value[3] !== 'string')
  )
    throw bad();
  if (value.length === 4 && scope !== undefined && value[3] !== scope)
    throw cursorOfAnotherQuery('the account, kind, since or until');
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
  const scope = recordScope(filter);
  const after = cursor !== undefined ? decodeRecordCursor(cursor, scope) : undefined;
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
  return { records, next: encodeRecordCursor({ kind: last.record.kind, id: last.record.id }, scope) };
}
