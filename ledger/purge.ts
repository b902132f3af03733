/**
 * The holder's right to have their data removed: `purgeAccount` deletes an account's records (or a
 * filtered part of them) with everything that hangs off them, in one transaction, and leaves one audit
 * entry saying what was removed (counts, never data). Consents are kept, revoked, as the evidence of
 * what the holder authorized. Written once over {@link SqlConn}, like the store.
 */
import { LedgerError } from '../core/index.js';
import type { AccountKind, RecordSource } from '../schemas/index.js';
import type { SqlConn, SqlRow } from './sql.js';
import type { LedgerTx, PurgeOptions, PurgeReport } from './types.js';

/**
 * The record kinds each sync stream family writes (connectors/binance/reads: the key's first segment).
 * A stream's checkpoint is removed when a kind it feeds is purged whole, so the next sync re-reads it.
 */
const STREAM_KINDS: Record<string, readonly AccountKind[]> = {
  balances: ['balance', 'earn_position'],
  deposits: ['transfer'],
  withdrawals: ['transfer'],
  transfers: ['transfer'],
  convert: ['conversion'],
  dust: ['dust'],
  dividends: ['dividend'],
  earn: ['earn_subscription', 'earn_redemption', 'earn_reward', 'earn_position'],
  fiat: ['fiat_transfer'],
  orders: ['order'],
  trades: ['trade'],
  p2p: ['p2p_order'],
  autoinvest: ['autoinvest_plan', 'autoinvest_execution'],
};

/** The stream key after `<venue>:<account>:`, or undefined when the stream is another account's. */
function streamKeyOf(stream: string, account: string): string | undefined {
  const colon = stream.indexOf(':');
  if (colon < 0) return undefined;
  const rest = stream.slice(colon + 1);
  return rest.startsWith(`${account}:`) ? rest.slice(account.length + 1) : undefined;
}

/** `r` (records) conditions of the purge: account, kinds, before, and optionally the source sighting. */
function selection(options: PurgeOptions, withSource: boolean): { sql: string; params: unknown[] } {
  const parts = ['r.account = ?'];
  const params: unknown[] = [options.account];
  if (options.kinds && options.kinds.length > 0) {
    parts.push(`r.kind IN (${options.kinds.map(() => '?').join(', ')})`);
    params.push(...options.kinds);
  }
  if (options.before !== undefined) {
    parts.push('r.time < ?');
    params.push(options.before);
  }
  if (withSource && options.source !== undefined) {
    parts.push(
      'EXISTS (SELECT 1 FROM record_sources s WHERE s.account = r.account AND s.kind = r.kind AND s.id = r.id AND s.source = ?)',
    );
    params.push(options.source);
  }
  return { sql: parts.join(' AND '), params };
}

/** `EXISTS (records r matching)` for a row of `table` aliased `alias` with the given key columns. */
function ofSelected(alias: string, idColumn: string, sel: { sql: string; params: unknown[] }): string {
  return `EXISTS (SELECT 1 FROM records r WHERE r.account = ${alias}.account AND r.kind = ${alias}.kind AND r.id = ${alias}.${idColumn} AND ${sel.sql})`;
}

async function count(conn: SqlConn, sql: string, params: unknown[]): Promise<number> {
  const rows = await conn.all(sql, params);
  return Number(rows[0]?.['n'] ?? 0);
}

/** Records that would go, per kind: with a source, only those the source is the last sighting of. */
async function doomedByKind(
  conn: SqlConn,
  options: PurgeOptions,
): Promise<Partial<Record<AccountKind, number>>> {
  const sel = selection(options, true);
  const params = [...sel.params];
  let sql = sel.sql;
  if (options.source !== undefined) {
    sql +=
      ' AND NOT EXISTS (SELECT 1 FROM record_sources o WHERE o.account = r.account AND o.kind = r.kind AND o.id = r.id AND o.source <> ?)';
    params.push(options.source);
  }
  const rows = await conn.all(
    `SELECT r.kind AS kind, COUNT(*) AS n FROM records r WHERE ${sql} GROUP BY r.kind ORDER BY r.kind`,
    params,
  );
  const out: Partial<Record<AccountKind, number>> = {};
  for (const row of rows) out[row['kind'] as AccountKind] = Number(row['n']);
  return out;
}

/**
 * Runs the purge on `conn`, which must be a transaction (the store's `purgeAccount` opens it); `tx`
 * writes the audit entry in the same transaction. Throws `ledger.no_such_account` (exit 2) when the
 * ledger knows nothing of the account.
 */
export async function runPurge(
  conn: SqlConn,
  tx: LedgerTx,
  now: number,
  options: PurgeOptions,
): Promise<PurgeReport> {
  const { account, source, before } = options;
  const kinds = options.kinds && options.kinds.length > 0 ? [...new Set(options.kinds)].sort() : undefined;
  const opts: PurgeOptions = { ...options, ...(kinds ? { kinds } : {}) };
  const known = await conn.all(
    `SELECT account FROM records WHERE account = ?
     UNION SELECT account FROM consents WHERE account = ?
     UNION SELECT account FROM import_files WHERE account = ?
     UNION SELECT account FROM quarantine WHERE account = ?`,
    [account, account, account, account],
  );
  const checkpointRows = await conn.all('SELECT stream FROM checkpoints ORDER BY stream');
  // Another account whose label extends this one ("a" and "a:b") owns the streams under its own prefix.
  const longer = (
    await conn.all(
      `SELECT account FROM records UNION SELECT account FROM consents UNION SELECT account FROM import_files`,
    )
  )
    .map((r) => String(r['account']))
    .filter((other) => other.startsWith(`${account}:`));
  const accountStreams = checkpointRows
    .map((r) => String(r['stream']))
    .filter(
      (s) =>
        streamKeyOf(s, account) !== undefined && !longer.some((other) => streamKeyOf(s, other) !== undefined),
    );
  if (known.length === 0 && accountStreams.length === 0) {
    throw new LedgerError('no_such_account', `ledger: no account "${account}" in this ledger.`, {
      exitCode: 2,
      hint: 'List the accounts with `ledgertap audit` or `ledgertap export --account`; labels are case-sensitive.',
      details: { account },
    });
  }

  const full = kinds === undefined && source === undefined && before === undefined;
  // CSV provenance (quarantine, import log) goes with the whole account, or with all of its CSV data.
  const csvWhole = kinds === undefined && before === undefined && (source === undefined || source === 'csv');
  const sel = selection(opts, true);
  const scope = selection(opts, false);
  const report: PurgeReport = {
    account,
    dryRun: Boolean(options.dryRun),
    full,
    filters: {
      ...(kinds ? { kinds } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(before !== undefined ? { before } : {}),
    },
    records: await doomedByKind(conn, opts),
    recordsTotal: 0,
    sightings: 0,
    matches: 0,
    conflicts: 0,
    quarantine: 0,
    importFiles: 0,
    checkpoints: [],
    consentsRevoked: [],
  };
  report.recordsTotal = Object.values(report.records).reduce((a, b) => a + (b ?? 0), 0);

  // Sightings, matches and conflicts in scope: of the source when one is named, else all of the records'.
  const bySource = source !== undefined ? ' AND x.source = ?' : '';
  const srcParams = source !== undefined ? [source] : [];
  const sightingsWhere = `x.account = ?${bySource} AND ${ofSelected('x', 'id', scope)}`;
  const matchesWhere =
    source === 'csv' && csvWhole
      ? `x.account = ? AND x.source = ?`
      : `x.account = ?${bySource} AND ${ofSelected('x', 'record_id', scope)}`;
  const matchesParams =
    source === 'csv' && csvWhole ? [account, source] : [account, ...srcParams, ...scope.params];
  const conflictsWhere = `x.account = ?${bySource} AND ${ofSelected('x', 'record_id', scope)}`;
  const scoped = [account, ...srcParams, ...scope.params];

  // Also the matches and conflicts of records that lose their last sighting (another source's rows).
  const orphanWhere = (idColumn: string): string =>
    `x.account = ? AND ${ofSelected('x', idColumn, sel)} AND NOT EXISTS (SELECT 1 FROM record_sources o WHERE o.account = x.account AND o.kind = x.kind AND o.id = x.${idColumn} AND o.source <> ?)`;

  report.sightings = await count(
    conn,
    `SELECT COUNT(*) AS n FROM record_sources x WHERE ${sightingsWhere}`,
    scoped,
  );
  report.matches = await count(
    conn,
    `SELECT COUNT(*) AS n FROM record_matches x WHERE ${matchesWhere}`,
    matchesParams,
  );
  report.conflicts = await count(
    conn,
    `SELECT COUNT(*) AS n FROM record_conflicts x WHERE ${conflictsWhere}`,
    scoped,
  );
  if (source !== undefined) {
    // Rows of other sources attached to records that go.
    report.matches += await count(
      conn,
      `SELECT COUNT(*) AS n FROM record_matches x WHERE x.source <> ? AND ${orphanWhere('record_id')}`,
      [source, account, ...sel.params, source],
    );
    report.conflicts += await count(
      conn,
      `SELECT COUNT(*) AS n FROM record_conflicts x WHERE x.source <> ? AND ${orphanWhere('record_id')}`,
      [source, account, ...sel.params, source],
    );
  }
  if (csvWhole) {
    report.quarantine = await count(conn, 'SELECT COUNT(*) AS n FROM quarantine WHERE account = ?', [
      account,
    ]);
    report.importFiles = await count(conn, 'SELECT COUNT(*) AS n FROM import_files WHERE account = ?', [
      account,
    ]);
  }

  // Checkpoints: all of the account's on a full purge; else those of streams feeding a kind purged whole.
  if (full) report.checkpoints = accountStreams;
  else if (before === undefined && (source === undefined || source === 'api')) {
    report.checkpoints = accountStreams.filter((stream) => {
      const key = streamKeyOf(stream, account) ?? '';
      const family = key.split(':')[0] ?? '';
      if (family === 'meta') return false;
      if (kinds === undefined) return true;
      const fed = STREAM_KINDS[family];
      return fed !== undefined && fed.some((k) => kinds.includes(k));
    });
  }
  if (full) {
    const rows = await conn.all(
      'SELECT id FROM consents WHERE account = ? AND revoked_at IS NULL ORDER BY id',
      [account],
    );
    report.consentsRevoked = rows.map((r) => Number(r['id']));
  }
  if (options.dryRun) return report;

  // ---- the writes, children before parents (foreign keys) -------------------------------------------
  // The report then holds what the statements removed (a concurrent writer may have changed the counts).
  const removed = { sightings: 0, matches: 0, conflicts: 0 };
  if (source !== undefined) {
    removed.matches += await conn.run(
      `DELETE FROM record_matches WHERE id IN (SELECT x.id FROM record_matches x WHERE x.source <> ? AND ${orphanWhere('record_id')})`,
      [source, account, ...sel.params, source],
    );
    removed.conflicts += await conn.run(
      `DELETE FROM record_conflicts WHERE id IN (SELECT x.id FROM record_conflicts x WHERE x.source <> ? AND ${orphanWhere('record_id')})`,
      [source, account, ...sel.params, source],
    );
  }
  removed.matches += await conn.run(
    `DELETE FROM record_matches WHERE id IN (SELECT x.id FROM record_matches x WHERE ${matchesWhere})`,
    matchesParams,
  );
  removed.conflicts += await conn.run(
    `DELETE FROM record_conflicts WHERE id IN (SELECT x.id FROM record_conflicts x WHERE ${conflictsWhere})`,
    scoped,
  );
  let gone: SqlRow[];
  if (source === undefined) {
    removed.sightings += await conn.run(
      `DELETE FROM record_sources WHERE account = ? AND EXISTS (SELECT 1 FROM records r WHERE r.account = record_sources.account AND r.kind = record_sources.kind AND r.id = record_sources.id AND ${scope.sql})`,
      [account, ...scope.params],
    );
    gone = await conn.all(
      `DELETE FROM records WHERE (account, kind, id) IN (SELECT r.account, r.kind, r.id FROM records r WHERE ${scope.sql}) RETURNING kind`,
      scope.params,
    );
  } else {
    removed.sightings += await conn.run(
      `DELETE FROM record_sources WHERE account = ? AND source = ? AND EXISTS (SELECT 1 FROM records r WHERE r.account = record_sources.account AND r.kind = record_sources.kind AND r.id = record_sources.id AND ${scope.sql})`,
      [account, source, ...scope.params],
    );
    // Records left with no sighting go; the others keep their data under their best remaining source.
    gone = await conn.all(
      `DELETE FROM records WHERE (account, kind, id) IN (SELECT r.account, r.kind, r.id FROM records r WHERE ${scope.sql}
         AND NOT EXISTS (SELECT 1 FROM record_sources o WHERE o.account = r.account AND o.kind = r.kind AND o.id = r.id))
       RETURNING kind`,
      scope.params,
    );
    const has = (s: RecordSource): string =>
      `EXISTS (SELECT 1 FROM record_sources o WHERE o.account = records.account AND o.kind = records.kind AND o.id = records.id AND o.source = '${s}')`;
    await conn.run(
      `UPDATE records SET primary_source = CASE WHEN ${has('api')} THEN 'api' WHEN ${has('web')} THEN 'web' ELSE 'csv' END,
         updated_at = ?
       WHERE account = ? AND primary_source = ? AND NOT ${has(source)}`,
      [now, account, source],
    );
  }
  const records: Partial<Record<AccountKind, number>> = {};
  for (const row of gone) {
    const kind = row['kind'] as AccountKind;
    records[kind] = (records[kind] ?? 0) + 1;
  }
  report.records = Object.fromEntries(Object.entries(records).sort(([a], [b]) => (a < b ? -1 : 1)));
  report.recordsTotal = gone.length;
  Object.assign(report, removed);
  if (csvWhole) {
    // Matches of any source may point at an import file: unlink them before the log goes.
    await conn.run(
      'UPDATE record_matches SET import_file_id = NULL WHERE account = ? AND import_file_id IS NOT NULL',
      [account],
    );
    report.quarantine = await conn.run('DELETE FROM quarantine WHERE account = ?', [account]);
    report.importFiles = await conn.run('DELETE FROM import_files WHERE account = ?', [account]);
  }
  const streams: string[] = [];
  for (const stream of report.checkpoints) {
    if ((await conn.run('DELETE FROM checkpoints WHERE stream = ?', [stream])) > 0) streams.push(stream);
  }
  report.checkpoints = streams;
  if (full) {
    const revoked = await conn.all(
      "UPDATE consents SET revoked_at = ?, revoke_reason = 'purge' WHERE account = ? AND revoked_at IS NULL RETURNING id",
      [now, account],
    );
    report.consentsRevoked = revoked.map((r) => Number(r['id'])).sort((a, b) => a - b);
  }
  report.auditId = await tx.appendAudit({
    at: now,
    account,
    route: 'ledger',
    method: 'PURGE',
    endpoint: 'purge',
    params: {
      reason: 'purge',
      full,
      ...(kinds ? { kinds } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(before !== undefined ? { before: new Date(before).toISOString() } : {}),
      removed: {
        records: report.records,
        sightings: report.sightings,
        matches: report.matches,
        conflicts: report.conflicts,
        quarantine: report.quarantine,
        importFiles: report.importFiles,
        checkpoints: report.checkpoints.length,
      },
      consentsRevoked: report.consentsRevoked,
    },
    records: report.recordsTotal,
  });
  return report;
}
