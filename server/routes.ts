/**
 * The endpoints: each turns a parsed request into a JSON body. Routing, auth, methods and error rendering
 * are the server's (server.ts); handlers only read the ledger and throw {@link ApiProblem}s.
 */
import { Decimal, canonicalDecimal, dec } from '../core/index.js';
import { STATE_KINDS, ledgerView, reconcileAccount } from '../ledger/index.js';
import type { LedgerStore, LedgerViewRow, StoredRecord } from '../ledger/index.js';
import type { AccountKind } from '../schemas/index.js';
import { ACCOUNT_KINDS, isAccountKind } from '../schemas/index.js';
import {
  compareBytes,
  cursorOfAnotherQuery,
  isCursorId,
  isCursorText,
  isStoredText,
  MAX_ACCOUNT_LENGTH,
  pageRecords,
  queryScope,
} from './cursor.js';
import { ApiProblem, LEDGER_RETRY_AFTER, badParameter } from './problem.js';
import { kindsParam, limitParam, nextLink, onlyParameters, single, timeRange } from './query.js';
import { bundledNormalizedApiSpecYaml } from './spec.js';

/** Kinds that move balances (the state kinds change nothing in the ledger view). */
const MOVEMENT_KINDS: AccountKind[] = ACCOUNT_KINDS.filter((k) => !STATE_KINDS.has(k));

/** What a handler answers. */
export interface RouteResult {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** What handlers work with. */
export interface RouteContext {
  store: LedgerStore;
}

function json(value: unknown, headers?: Record<string, string>): RouteResult {
  return {
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(value),
    ...(headers ? { headers } : {}),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Splits the path into decoded segments; a malformed percent-escape is a 400. */
export function pathSegments(pathname: string): string[] {
  const raw = pathname.split('/').slice(1);
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop(); // a trailing slash names the same resource
  return raw.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new ApiProblem(
        400,
        'bad_path',
        `${pathname}: a path segment has a malformed percent-escape. Percent-encode the account and id (encodeURIComponent).`,
      );
    }
  });
}

/** Routes one GET. Returns undefined when no endpoint has this path (the server answers 404). */
export async function route(
  ctx: RouteContext,
  pathname: string,
  params: URLSearchParams,
): Promise<RouteResult | undefined> {
  const s = pathSegments(pathname);
  if (s.length > 1 && s.includes(''))
    throw new ApiProblem(
      404,
      'not_found',
      `${pathname}: no endpoint has an empty path segment (two slashes in a row). Join the base URL and the path with one slash: ${pathname.replace(/\/{2,}/g, '/')}.`,
    );
  if (s.length === 1 && s[0] === 'healthz') return health(ctx, params);
  if (s[0] !== 'v1') return undefined;
  if (s.length === 2 && s[1] === 'openapi.yaml') {
    onlyParameters(params, []);
    return {
      status: 200,
      contentType: 'application/yaml; charset=utf-8',
      body: bundledNormalizedApiSpecYaml(),
    };
  }
  if (s[1] !== 'accounts') return undefined;
  if (s.length === 2) return listAccounts(ctx, params);
  const account = s[2] as string;
  if (s.length === 4 && s[3] === 'records') return listRecords(ctx, account, pathname, params);
  if (s.length === 6 && s[3] === 'records')
    return getRecord(ctx, account, s[4] as string, s[5] as string, params);
  if (s.length === 4 && s[3] === 'balances') return balances(ctx, account, params);
  if (s.length === 4 && s[3] === 'ledger') return ledger(ctx, account, pathname, params);
  if (s.length === 4 && s[3] === 'reconcile') return reconcileRoute(ctx, account, params);
  return undefined;
}

async function health(ctx: RouteContext, params: URLSearchParams): Promise<RouteResult> {
  onlyParameters(params, []);
  let schemaVersion: number;
  try {
    schemaVersion = await ctx.store.schemaVersion();
  } catch {
    throw new ApiProblem(
      503,
      'ledger_unavailable',
      'The ledger does not answer. Check the database and restart serve.',
      { headers: { 'retry-after': LEDGER_RETRY_AFTER } },
    );
  }
  return json({ status: 'ok', backend: ctx.store.backend, schemaVersion });
}

/** 404 unless the ledger knows the account (it has records or a consent). */
async function requireAccount(ctx: RouteContext, account: string): Promise<void> {
  // A label no account can have (a control character, over 128 characters) is not looked up: PostgreSQL
  // would refuse a NUL as a database error (a 503 a client retries forever) where SQLite finds nothing.
  const possible = isStoredText(account, MAX_ACCOUNT_LENGTH);
  if (possible && (await ctx.store.queryRecords({ account, limit: 1 })).length > 0) return;
  const known = await ctx.store.accounts();
  if (possible && known.includes(account)) return;
  const list = known.slice(0, 10).map((a) => JSON.stringify(a));
  const shown = [...account].length > MAX_ACCOUNT_LENGTH ? `${[...account].slice(0, 64).join('')}…` : account;
  throw new ApiProblem(
    404,
    'unknown_account',
    `account ${JSON.stringify(shown)}: not in this ledger. ${
      known.length
        ? `Known accounts: ${list.join(', ')}${known.length > 10 ? ', …' : ''}`
        : 'The ledger has no accounts yet'
    } (GET /v1/accounts lists them).`,
  );
}

async function listAccounts(ctx: RouteContext, params: URLSearchParams): Promise<RouteResult> {
  onlyParameters(params, []);
  const byAccount = new Map<
    string,
    { account: string; records: number; kinds: Partial<Record<AccountKind, number>> }
  >();
  for (const account of await ctx.store.accounts())
    byAccount.set(account, { account, records: 0, kinds: {} });
  for (const row of await ctx.store.countByKind()) {
    let entry = byAccount.get(row.account);
    if (!entry) byAccount.set(row.account, (entry = { account: row.account, records: 0, kinds: {} }));
    if (row.count <= 0) continue;
    entry.records += row.count;
    entry.kinds[row.kind] = row.count;
  }
  const accounts = [...byAccount.values()].sort((a, b) => compareBytes(a.account, b.account));
  return json({ accounts });
}

function pageHeaders(next: string | null): Record<string, string> | undefined {
  return next ? { link: `<${next}>; rel="next"` } : undefined;
}

async function listRecords(
  ctx: RouteContext,
  account: string,
  pathname: string,
  params: URLSearchParams,
): Promise<RouteResult> {
  onlyParameters(params, ['kind', 'since', 'until', 'limit', 'cursor']);
  const kinds = kindsParam(params);
  const range = timeRange(params);
  const limit = limitParam(params);
  const cursor = single(params, 'cursor');
  await requireAccount(ctx, account);
  const page = await pageRecords(
    ctx.store,
    { account, ...(kinds ? { kinds } : {}), ...range },
    limit,
    cursor,
  );
  const next = page.next !== undefined ? nextLink(pathname, params, page.next) : null;
  // Records are stored in export order with exact values (digit-string ids, bounded integer times), so plain
  // JSON.stringify prints each exactly as `ledgertap export --format jsonl` does.
  const body = `{"account":${JSON.stringify(account)},"records":[${page.records
    .map((r: StoredRecord) => JSON.stringify(r.record))
    .join(',')}],"cursor":${JSON.stringify(page.next ?? null)},"next":${JSON.stringify(next)}}`;
  return {
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body,
    ...(next ? { headers: pageHeaders(next) as Record<string, string> } : {}),
  };
}

async function getRecord(
  ctx: RouteContext,
  account: string,
  kind: string,
  id: string,
  params: URLSearchParams,
): Promise<RouteResult> {
  onlyParameters(params, []);
  if (!isAccountKind(kind))
    throw badParameter(
      'bad_kind',
      'kind',
      `kind: ${JSON.stringify(kind)} is not a record kind. Use one of ${ACCOUNT_KINDS.join(', ')}.`,
      [...ACCOUNT_KINDS],
    );
  await requireAccount(ctx, account);
  const stored = isCursorId(id) ? await ctx.store.getRecord(account, kind, id) : undefined;
  if (!stored)
    throw new ApiProblem(
      404,
      'record_not_found',
      `${kind} ${JSON.stringify(id)}: no such record in account ${JSON.stringify(account)}. Check the id (percent-encode it in the path) or list the records with GET /v1/accounts/{account}/records?kind=${kind}.`,
    );
  const sightings = await ctx.store.getSightings(account, kind, id);
  return json({
    record: stored.record,
    primarySource: stored.primarySource,
    firstSeenAt: iso(stored.firstSeenAt),
    updatedAt: iso(stored.updatedAt),
    sources: sightings.map((s) => ({
      source: s.source,
      firstSeenAt: iso(s.firstSeenAt),
      lastSeenAt: iso(s.lastSeenAt),
      raw: s.raw ?? null,
    })),
  });
}

async function balances(ctx: RouteContext, account: string, params: URLSearchParams): Promise<RouteResult> {
  onlyParameters(params, []);
  await requireAccount(ctx, account);
  const records = (await ctx.store.queryRecords({ account, kind: 'balance' })).map((s) => s.record);
  const asOf = records.length ? Math.max(...records.map((r) => r.time)) : null;
  return json({ account, asOf, balances: records });
}

async function reconcileRoute(
  ctx: RouteContext,
  account: string,
  params: URLSearchParams,
): Promise<RouteResult> {
  onlyParameters(params, []);
  await requireAccount(ctx, account);
  return json(await reconcileAccount(ctx.store, account));
}

/** A ledger-view row with its place in the time order. */
interface PlacedRow extends LedgerViewRow {
  seq: number;
}

interface LedgerPosition {
  time: number;
  kind: string;
  id: string;
  seq: number;
}

function comparePlaced(a: LedgerPosition, b: LedgerPosition): number {
  return a.time - b.time || compareBytes(a.kind, b.kind) || compareBytes(a.id, b.id) || a.seq - b.seq;
}

/** The position of a ledger-view row with the scope of its query (see {@link queryScope}). */
function encodeLedgerCursor(p: LedgerPosition, scope: string): string {
  return Buffer.from(JSON.stringify([1, 'ledger', p.time, p.kind, p.id, p.seq, scope]), 'utf8').toString(
    'base64url',
  );
}

/** A ledger-view cursor's position; one of another query (a cursor without a scope is taken as it is) is a 400. */
function decodeLedgerCursor(cursor: string, scope: string): LedgerPosition {
  const bad = (): Error =>
    badParameter(
      'bad_cursor',
      'cursor',
      'cursor: not a ledger-view cursor this API issued (it is damaged or from another endpoint). Start again without cursor, or pass the `cursor` of the previous page unchanged.',
    );
  if (!isCursorText(cursor)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(v) ||
    (v.length !== 6 && v.length !== 7) ||
    v[0] !== 1 ||
    v[1] !== 'ledger' ||
    !Number.isSafeInteger(v[2]) ||
    !isAccountKind(v[3]) ||
    !isCursorId(v[4]) ||
    !Number.isSafeInteger(v[5]) ||
    (v[5] as number) < 0 ||
    (v.length === 7 && typeof v[6] !== 'string')
  )
    throw bad();
  if (v.length === 7 && v[6] !== scope) throw cursorOfAnotherQuery('the account, asset, since or until');
  return { time: v[2] as number, kind: v[3], id: v[4], seq: v[5] as number };
}

async function ledger(
  ctx: RouteContext,
  account: string,
  pathname: string,
  params: URLSearchParams,
): Promise<RouteResult> {
  onlyParameters(params, ['asset', 'since', 'until', 'limit', 'cursor']);
  const asset = single(params, 'asset');
  if (asset !== undefined && !/^[\p{Lu}\p{Lo}\p{Nd}][\p{Lu}\p{Lo}\p{Nd}._-]{0,31}$/u.test(asset))
    throw badParameter(
      'bad_asset',
      'asset',
      `asset: ${JSON.stringify(asset)} is not an asset code. Use the upper-case exchange code, e.g. BTC.`,
    );
  const range = timeRange(params);
  const limit = limitParam(params);
  const cursorText = single(params, 'cursor');
  const scope = queryScope(['ledger', account, asset ?? null, range.since ?? null, range.until ?? null]);
  const after = cursorText !== undefined ? decodeLedgerCursor(cursorText, scope) : undefined;
  await requireAccount(ctx, account);
  // The running total needs every earlier change, so the whole history is read (only movement kinds: state
  // kinds have no effect); pages then cut the time-ordered rows.
  const rows: PlacedRow[] = [];
  let current = '';
  let seq = 0;
  for await (const row of ledgerView(ctx.store, { account, kind: MOVEMENT_KINDS })) {
    const key = `${row.kind}\u0000${row.id}`;
    seq = key === current ? seq + 1 : 0;
    current = key;
    if (asset === undefined || row.asset === asset) rows.push({ ...row, seq });
  }
  rows.sort(comparePlaced);
  const totals = new Map<string, Decimal>();
  const out: Record<string, unknown>[] = [];
  let last: PlacedRow | undefined;
  let more = false;
  for (const row of rows) {
    const total = (totals.get(row.asset) ?? new Decimal(0)).plus(dec(row.delta));
    totals.set(row.asset, total);
    if (range.since !== undefined && row.time < range.since) continue;
    if (range.until !== undefined && row.time >= range.until) break;
    if (after && comparePlaced(row, after) <= 0) continue;
    if (out.length === limit) {
      more = true;
      break;
    }
    out.push({
      time: row.time,
      kind: row.kind,
      id: row.id,
      asset: row.asset,
      wallet: row.wallet,
      delta: row.delta,
      balance: canonicalDecimal(total),
    });
    last = row;
  }
  const cursor = more && last ? encodeLedgerCursor(last, scope) : null;
  const next = cursor ? nextLink(pathname, params, cursor) : null;
  return json(
    { account, ...(asset !== undefined ? { asset } : {}), rows: out, cursor, next },
    pageHeaders(next),
  );
}
