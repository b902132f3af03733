/**
 * `openLedger`: one entry point for both backends. A `postgres://` or `postgresql://` URL opens
 * PostgreSQL, anything else is an SQLite file path. Migrations run before the store is handed out.
 */
import { resolve } from 'node:path';
import { InputError, LedgerError, isLedgertapError, systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { migrate } from './migrations.js';
import { maskPostgresUrl, openPostgresDriver } from './postgres.js';
import type { SqlDriver } from './sql.js';
import { openSqliteDriver } from './sqlite.js';
import { SqlLedgerStore } from './store.js';
import type { LedgerStore } from './types.js';

/** Options of {@link openLedger}; all optional. */
export interface OpenLedgerOptions {
  /** Time source for seen-at and audit times (default: the system clock). */
  clock?: Clock;
  /** Create an SQLite file when missing (default true). Read-only verbs pass false to fail on a typo'd path. */
  create?: boolean;
  /** PostgreSQL pool size (default 4). */
  maxConnections?: number;
}

/** True for a PostgreSQL URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

async function refuseForeignSqlite(driver: SqlDriver, path: string): Promise<void> {
  const tables = await driver.conn.all(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
  );
  const names = new Set(tables.map((t) => String(t['name'])));
  if (names.size > 0 && !names.has('ledger_migrations')) {
    throw new InputError('not_a_ledger', `${path}: an SQLite database, but not a ledgertap ledger.`, {
      hint: 'Give --db a ledger file made by ledgertap or a new path.',
    });
  }
}

/**
 * Opens the ledger at `location` (an SQLite file path, or a `postgres://` URL, optionally with
 * `?schema=NAME`), applies pending migrations and returns the store. Errors: `input.not_a_ledger`
 * (exit 2) for a file that is not a ledger, `ledger.unreachable` (exit 3) when PostgreSQL cannot be
 * reached, `ledger.too_new` (exit 2) for a database migrated by a newer ledgertap.
 */
export async function openLedger(location: string, options: OpenLedgerOptions = {}): Promise<LedgerStore> {
  if (!location.trim()) {
    throw new InputError('no_db', 'ledger: no database given.', {
      hint: 'Pass --db FILE or --db postgres://… (or set LEDGERTAP_DB).',
    });
  }
  const clock = options.clock ?? systemClock;
  let driver: SqlDriver;
  let store: SqlLedgerStore;
  if (isPostgresUrl(location)) {
    driver = await openPostgresDriver(
      location,
      options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {},
    );
    store = new SqlLedgerStore(driver, { backend: 'postgres', location: maskPostgresUrl(location), clock });
  } else {
    const path = resolve(location);
    driver = openSqliteDriver(path, options.create === false ? { create: false } : {});
    store = new SqlLedgerStore(driver, { backend: 'sqlite', location: path, clock });
    try {
      await refuseForeignSqlite(driver, path);
    } catch (error) {
      await driver.close();
      throw error;
    }
  }
  try {
    await migrate(driver, clock.now());
  } catch (error) {
    await driver.close().catch(() => undefined);
    if (isLedgertapError(error)) throw error;
    throw new LedgerError(
      'migration_failed',
      `${store.location}: migrating the ledger failed: ${String(error)}`,
      {
        cause: error,
        hint: 'Nothing of the failed migration was applied; check the database and run again.',
      },
    );
  }
  return store;
}
