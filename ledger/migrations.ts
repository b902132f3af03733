/**
 * Versioned migrations: one logical schema for both backends. Each migration runs once, in order, in its
 * own transaction, and is recorded in `ledger_migrations`; a database newer than this code is refused.
 * Never edit a released migration: add the next one.
 *
 * Two tokens are expanded per backend:
 * - `{{serial}}`: an auto-increment integer primary key;
 * - `{{key}}`: a text column compared byte-wise (PostgreSQL `COLLATE "C"`), so ordering by kind and id is
 *   the same on both backends whatever the server's locale.
 */
import { LedgerError } from '../core/index.js';
import type { SqlConn, SqlDriver } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, sources, conflicts, checkpoints, imports, matches, quarantine, consent, audit',
    statements: [
      `CREATE TABLE records (
        account {{key}} NOT NULL,
        kind {{key}} NOT NULL,
        id {{key}} NOT NULL,
        time BIGINT NOT NULL,
        data TEXT NOT NULL,
        primary_source TEXT NOT NULL CHECK (primary_source IN ('api', 'web', 'csv')),
        first_seen_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (account, kind, id)
      )`,
      `CREATE INDEX records_by_time ON records (account, kind, time)`,
      `CREATE INDEX records_by_kind_id ON records (kind, id, account)`,
      `CREATE TABLE record_sources (
        account {{key}} NOT NULL,
        kind {{key}} NOT NULL,
        id {{key}} NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('api', 'web', 'csv')),
        first_seen_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        raw TEXT,
        PRIMARY KEY (account, kind, id, source),
        FOREIGN KEY (account, kind, id) REFERENCES records (account, kind, id) ON DELETE CASCADE
      )`,
      `CREATE INDEX record_sources_by_source ON record_sources (source, account, kind)`,
      `CREATE TABLE record_conflicts (
        id {{serial}},
        account {{key}} NOT NULL,
        kind {{key}} NOT NULL,
        record_id {{key}} NOT NULL,
        source TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        fields TEXT NOT NULL,
        incoming TEXT NOT NULL,
        detected_at BIGINT NOT NULL,
        resolved_at BIGINT,
        resolution TEXT CHECK (resolution IN ('keep', 'take')),
        UNIQUE (account, kind, record_id, source, fingerprint)
      )`,
      `CREATE TABLE checkpoints (
        stream {{key}} PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE import_files (
        id {{serial}},
        account {{key}} NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        format TEXT,
        variant TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        rows_read BIGINT,
        records_imported BIGINT,
        duplicates BIGINT,
        grouped BIGINT,
        quarantined BIGINT,
        error TEXT,
        started_at BIGINT NOT NULL,
        finished_at BIGINT
      )`,
      `CREATE INDEX import_files_by_sha ON import_files (account, sha256)`,
      `CREATE TABLE record_matches (
        id {{serial}},
        account {{key}} NOT NULL,
        kind {{key}} NOT NULL,
        record_id {{key}} NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('api', 'web', 'csv')),
        rule TEXT NOT NULL,
        tolerance TEXT,
        import_file_id BIGINT REFERENCES import_files (id),
        line BIGINT,
        row_data TEXT,
        details TEXT,
        fingerprint TEXT NOT NULL,
        matched_at BIGINT NOT NULL,
        UNIQUE (account, fingerprint)
      )`,
      `CREATE INDEX record_matches_by_record ON record_matches (account, kind, record_id)`,
      `CREATE TABLE quarantine (
        id {{serial}},
        account {{key}} NOT NULL,
        import_file_id BIGINT REFERENCES import_files (id),
        file TEXT NOT NULL,
        line BIGINT NOT NULL,
        operation TEXT,
        row_data TEXT NOT NULL,
        reason TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (account, fingerprint)
      )`,
      `CREATE TABLE consents (
        id {{serial}},
        account {{key}} NOT NULL,
        holder TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('read', 'capture')),
        granted_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
      )`,
      `CREATE INDEX consents_by_account ON consents (account, scope)`,
      `CREATE TABLE audit_log (
        id {{serial}},
        at BIGINT NOT NULL,
        account {{key}},
        consent_id BIGINT REFERENCES consents (id),
        route TEXT NOT NULL,
        method TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        params TEXT NOT NULL,
        status BIGINT,
        weight BIGINT,
        records BIGINT,
        duration_ms BIGINT,
        error TEXT
      )`,
      `CREATE INDEX audit_log_by_account ON audit_log (account, at)`,
      `CREATE INDEX audit_log_by_time ON audit_log (at)`,
    ],
  },
  {
    version: 2,
    name: 'consent revoke reason',
    // The time is `revoked_at` (migration 1); consents revoked before this migration keep a NULL reason.
    statements: [`ALTER TABLE consents ADD COLUMN revoke_reason TEXT`],
  },
  {
    version: 3,
    name: 'quarantine rows resolved by a later import',
    // A row an earlier release quarantined (a statement operation the model had no kind for) that a later
    // import stores as a record (`balance_change`) or matches to one (a P2P leg to its `p2p_order`) is
    // kept as provenance and marked with that record; rows quarantined before this migration stay open.
    statements: [
      `ALTER TABLE quarantine ADD COLUMN resolved_at BIGINT`,
      `ALTER TABLE quarantine ADD COLUMN resolved_kind TEXT`,
      `ALTER TABLE quarantine ADD COLUMN resolved_id TEXT`,
    ],
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Expands the backend tokens of a statement. */
export function expandSql(sql: string, dialect: 'sqlite' | 'postgres'): string {
  return dialect === 'postgres'
    ? sql
        .replaceAll('{{serial}}', 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY')
        .replaceAll('{{key}}', 'TEXT COLLATE "C"')
    : sql.replaceAll('{{serial}}', 'INTEGER PRIMARY KEY AUTOINCREMENT').replaceAll('{{key}}', 'TEXT');
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ledger_migrations (
  version BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

async function appliedVersions(conn: SqlConn): Promise<Set<number>> {
  const rows = await conn.all('SELECT version FROM ledger_migrations');
  return new Set(rows.map((r) => Number(r['version'])));
}

/**
 * Applies every pending migration, each in its own transaction. On PostgreSQL a transaction-scoped
 * advisory lock per schema makes concurrent openers wait for each other instead of racing.
 */
export async function migrate(
  driver: SqlDriver,
  now: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const lock = async (conn: SqlConn): Promise<void> => {
    if (driver.dialect.name === 'postgres') {
      await conn.all(`SELECT pg_advisory_xact_lock(hashtext('ledgertap.migrate.' || current_schema()))`);
    }
  };
  await driver.transaction(async (conn) => {
    await lock(conn);
    await conn.run(CREATE_TABLE);
  });
  const before = await appliedVersions(driver.conn);
  const newest = Math.max(0, ...before);
  if (newest > latest) {
    throw new LedgerError(
      'too_new',
      `ledger: the database is at schema version ${newest}, newer than this ledgertap knows (${latest}).`,
      { exitCode: 2, hint: 'Upgrade ledgertap before using this database.' },
    );
  }
  for (const migration of migrations) {
    if (before.has(migration.version)) continue;
    await driver.transaction(async (conn) => {
      await lock(conn);
      // Another process may have applied it while we waited for the lock.
      if ((await appliedVersions(conn)).has(migration.version)) return;
      for (const statement of migration.statements) await conn.run(expandSql(statement, driver.dialect.name));
      await conn.run('INSERT INTO ledger_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        now,
      ]);
    });
  }
  return latest;
}
