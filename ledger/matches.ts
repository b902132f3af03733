/**
 * Match rows follow their record. A `record_matches` row says "this CSV row (or copy) is ledger record X";
 * when X is removed because another record holds its event now (a CSV copy folded into the API's, a copy
 * stored under a legacy id replaced, a record an earlier release stored as another kind retired), its rows
 * move to that record in the same transaction. With no successor they are removed, and the removal is
 * written to the audit log. The repair does the same for rows an earlier release left pointing at records
 * it had removed. Written once over a {@link SqlConn}, so both backends behave alike.
 */
import type { AccountKind } from '../schemas/index.js';
import type { SqlConn, SqlRow } from './sql.js';
import type { AuditInput, MatchFingerprint, MatchRepairReport, RecordMatch } from './types.js';

/** A record's natural key. */
interface RecordKey {
  account: string;
  kind: AccountKind;
  id: string;
}

/** Writes one audit entry (the writer's `appendAudit`, inside the same transaction). */
type Audit = (entry: AuditInput) => Promise<number>;

/** A `record_matches` row as a {@link RecordMatch}. */
export function toMatch(r: SqlRow): RecordMatch {
  const match: RecordMatch = {
    id: Number(r['id']),
    account: String(r['account']),
    kind: r['kind'] as AccountKind,
    recordId: String(r['record_id']),
    source: r['source'] as RecordMatch['source'],
    rule: String(r['rule']),
    fingerprint: String(r['fingerprint']),
    matchedAt: Number(r['matched_at']),
  };
  if (r['tolerance'] !== null) match.tolerance = String(r['tolerance']);
  if (r['import_file_id'] !== null) match.importFileId = Number(r['import_file_id']);
  if (r['line'] !== null) match.line = Number(r['line']);
  if (r['row_data'] !== null) match.row = JSON.parse(String(r['row_data'])) as Record<string, unknown>;
  if (r['details'] !== null) match.details = JSON.parse(String(r['details'])) as Record<string, unknown>;
  return match;
}

/**
 * What a match stands for beyond its fingerprint: the CSV copy's id (`details.csvId`, what the importer
 * and the folds record), else the row itself at its line. Two rows of one record with the same evidence
 * are one row counted twice. Undefined when a row carries neither (never taken for a double).
 */
function evidenceOf(m: RecordMatch): string | undefined {
  const csvId = m.details?.['csvId'];
  if (typeof csvId === 'string') return `${m.source}\u0000id\u0000${csvId}`;
  if (m.row !== undefined) return `${m.source}\u0000row\u0000${JSON.stringify(m.row)}\u0000${m.line ?? ''}`;
  return undefined;
}

async function matchesOf(conn: SqlConn, key: RecordKey): Promise<RecordMatch[]> {
  const rows = await conn.all(
    'SELECT * FROM record_matches WHERE account = ? AND kind = ? AND record_id = ? ORDER BY id',
    [key.account, key.kind, key.id],
  );
  return rows.map(toMatch);
}

/**
 * Moves the match rows of record `from` to record `to` (same account). A row whose evidence `to` already
 * has, or whose new fingerprint (`fingerprint`, the one the caller's matcher writes for the pair) another
 * row holds, is the same row twice: it is deleted, never doubled. Returns how many moved and merged.
 */
export async function moveMatches(
  conn: SqlConn,
  from: RecordKey,
  to: { kind: AccountKind; id: string },
  fingerprint?: MatchFingerprint,
): Promise<{ moved: number; merged: number }> {
  const out = { moved: 0, merged: 0 };
  if (from.kind === to.kind && from.id === to.id) return out;
  const rows = await matchesOf(conn, from);
  if (rows.length === 0) return out;
  const seen = new Set(
    (await matchesOf(conn, { account: from.account, ...to })).map(evidenceOf).filter((e) => e !== undefined),
  );
  for (const m of rows) {
    const evidence = evidenceOf(m);
    const fp = fingerprint?.({ ...m, kind: to.kind, recordId: to.id }) ?? m.fingerprint;
    const taken =
      fp !== m.fingerprint &&
      (
        await conn.all('SELECT 1 AS one FROM record_matches WHERE account = ? AND fingerprint = ?', [
          m.account,
          fp,
        ])
      ).length > 0;
    if ((evidence !== undefined && seen.has(evidence)) || taken) {
      await conn.run('DELETE FROM record_matches WHERE id = ?', [m.id]);
      out.merged++;
      continue;
    }
    await conn.run('UPDATE record_matches SET kind = ?, record_id = ?, fingerprint = ? WHERE id = ?', [
      to.kind,
      to.id,
      fp,
      m.id,
    ]);
    if (evidence !== undefined) seen.add(evidence);
    out.moved++;
  }
  return out;
}

/**
 * Deletes `rows` and writes one audit entry per account (route `ledger`, `DELETE record_matches`) naming
 * each row (id, record, source, rule, import file, line, the CSV copy's id), never the row's data.
 */
async function dropMatches(
  conn: SqlConn,
  rows: RecordMatch[],
  audit: Audit,
  reason: string,
): Promise<number> {
  const byAccount = new Map<string, RecordMatch[]>();
  for (const m of rows) byAccount.set(m.account, [...(byAccount.get(m.account) ?? []), m]);
  let removed = 0;
  for (const [account, list] of byAccount) {
    for (const m of list) removed += await conn.run('DELETE FROM record_matches WHERE id = ?', [m.id]);
    await audit({
      account,
      route: 'ledger',
      method: 'DELETE',
      endpoint: 'record_matches',
      params: {
        reason,
        count: list.length,
        matches: list.map((m) => ({
          id: m.id,
          kind: m.kind,
          recordId: m.recordId,
          source: m.source,
          rule: m.rule,
          ...(m.importFileId !== undefined ? { importFileId: m.importFileId } : {}),
          ...(m.line !== undefined ? { line: m.line } : {}),
          ...(typeof m.details?.['csvId'] === 'string' ? { csvId: m.details['csvId'] } : {}),
        })),
      },
    });
  }
  return removed;
}

/**
 * The match rows of a record being removed: moved to `replacedBy` when given (nothing to do when it is the
 * record itself, stored again under its id), else removed and audited. Runs before the record's delete.
 */
export async function settleMatchesOf(
  conn: SqlConn,
  key: RecordKey,
  audit: Audit,
  options: { replacedBy?: { kind: AccountKind; id: string }; matchFingerprint?: MatchFingerprint },
): Promise<void> {
  if (options.replacedBy) {
    await moveMatches(conn, key, options.replacedBy, options.matchFingerprint);
    return;
  }
  const rows = await matchesOf(conn, key);
  if (rows.length > 0) await dropMatches(conn, rows, audit, 'record removed');
}

/** SQL: the match row (alias `m`) points at a record the ledger holds. */
const LIVE =
  'EXISTS (SELECT 1 FROM records r WHERE r.account = m.account AND r.kind = m.kind AND r.id = m.record_id)';

/** Match rows pointing at a record the ledger does not hold (an earlier release's removals), by id. */
export async function danglingMatches(conn: SqlConn, account?: string): Promise<RecordMatch[]> {
  const rows = await conn.all(
    `SELECT m.* FROM record_matches m WHERE ${account !== undefined ? 'm.account = ? AND ' : ''}NOT ${LIVE} ORDER BY m.id`,
    account !== undefined ? [account] : [],
  );
  return rows.map(toMatch);
}

/**
 * Heals match rows an earlier release left pointing at records it removed. A record removed because
 * another holds its event left a trace: the successor's own match rows name the removed copy's id as their
 * `details.csvId` (a CSV copy folded into the API's or into fills, a statement P2P leg into its order).
 * Rows with such a successor move there ({@link moveMatches}: no double); the others are removed and
 * audited. Idempotent: a healed ledger has no dangling row, and a second run changes nothing.
 */
export async function repairMatches(
  conn: SqlConn,
  audit: Audit,
  options: { account?: string; matchFingerprint?: MatchFingerprint } = {},
): Promise<MatchRepairReport> {
  const report: MatchRepairReport = { moved: 0, merged: 0, removed: 0 };
  const dangling = await danglingMatches(conn, options.account);
  if (dangling.length === 0) return report;
  const groups = new Map<string, RecordKey>();
  for (const m of dangling)
    groups.set(JSON.stringify([m.account, m.kind, m.recordId]), {
      account: m.account,
      kind: m.kind,
      id: m.recordId,
    });
  const drop: RecordMatch[] = [];
  for (const account of new Set(dangling.map((m) => m.account))) {
    // The first live match (by id: the first part of a split match) naming each removed copy.
    const successor = new Map<string, { kind: AccountKind; id: string }>();
    const live = await conn.all(
      `SELECT m.kind, m.record_id, m.details FROM record_matches m
       WHERE m.account = ? AND m.details IS NOT NULL AND ${LIVE} ORDER BY m.id`,
      [account],
    );
    for (const row of live) {
      const csvId = (JSON.parse(String(row['details'])) as Record<string, unknown>)['csvId'];
      if (typeof csvId === 'string' && !successor.has(csvId))
        successor.set(csvId, { kind: row['kind'] as AccountKind, id: String(row['record_id']) });
    }
    for (const key of groups.values()) {
      if (key.account !== account) continue;
      const to = successor.get(key.id);
      if (to) {
        const done = await moveMatches(conn, key, to, options.matchFingerprint);
        report.moved += done.moved;
        report.merged += done.merged;
      } else
        drop.push(
          ...dangling.filter((m) => m.account === account && m.kind === key.kind && m.recordId === key.id),
        );
    }
  }
  if (drop.length > 0) report.removed = await dropMatches(conn, drop, audit, 'dangling');
  return report;
}
