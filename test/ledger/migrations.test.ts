/**
 * Migrations as a unit, on both backends: applied in order, each once, each in its own transaction (a
 * failing migration leaves nothing of itself behind and the ones before it applied), and re-run after a fix.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../ledger/migrations.js';
import type { Migration } from '../../ledger/migrations.js';
import { openPostgresDriver } from '../../ledger/postgres.js';
import type { SqlDriver } from '../../ledger/sql.js';
import { openSqliteDriver } from '../../ledger/sqlite.js';
import { backends } from './backends.js';
import type { BackendInstance } from './backends.js';

const good: Migration = {
  version: 1,
  name: 'one',
  statements: ['CREATE TABLE one (id {{key}} PRIMARY KEY)'],
};
const broken: Migration = {
  version: 2,
  name: 'two',
  statements: ['CREATE TABLE two (id {{serial}})', 'INSERT INTO no_such_table VALUES (1)'],
};
const fixed: Migration = { ...broken, statements: ['CREATE TABLE two (id {{serial}})'] };
const three: Migration = { version: 3, name: 'three', statements: ['ALTER TABLE two ADD COLUMN note TEXT'] };

describe.each(backends)('migrations on $name', (backend) => {
  let db: BackendInstance;
  let driver: SqlDriver;
  beforeEach(async () => {
    db = await backend.create();
    driver =
      backend.name === 'sqlite' ? openSqliteDriver(db.location) : await openPostgresDriver(db.location);
  });
  afterEach(async () => {
    await driver.close();
    await db.cleanup();
  });

  const tables = async (): Promise<string[]> => {
    const rows =
      driver.dialect.name === 'sqlite'
        ? await driver.conn.all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
        : await driver.conn.all(
            'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()',
          );
    return rows.map((r) => String(r['name'])).sort();
  };
  const versions = async (): Promise<number[]> =>
    (await driver.conn.all('SELECT version FROM ledger_migrations ORDER BY version')).map((r) =>
      Number(r['version']),
    );

  it('rolls back a failing migration entirely and keeps the ones before it', async () => {
    await expect(migrate(driver, 1, [good, broken, three])).rejects.toThrow();
    expect(await versions()).toEqual([1]);
    expect(await tables()).toEqual(['ledger_migrations', 'one']);
    expect(await migrate(driver, 2, [good, fixed, three])).toBe(3);
    expect(await versions()).toEqual([1, 2, 3]);
    expect(await tables()).toEqual(['ledger_migrations', 'one', 'two']);
    // Running again applies nothing (a second CREATE TABLE would fail).
    expect(await migrate(driver, 3, [good, fixed, three])).toBe(3);
    expect(await versions()).toEqual([1, 2, 3]);
  });
});
