/**
 * Migrations as a unit, on both backends: applied in order, each once, each in its own transaction (a
 * failing migration leaves nothing of itself behind and the ones before it applied), and re-run after a fix;
 * then a real upgrade: a ledger at schema version 1 opened by this release (store and CLI).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEDGER_SCHEMA_VERSION, openLedger } from '../../ledger/index.js';
import { MIGRATIONS, migrate } from '../../ledger/migrations.js';
import type { Migration } from '../../ledger/migrations.js';
import { openPostgresDriver } from '../../ledger/postgres.js';
import type { SqlDriver } from '../../ledger/sql.js';
import { openSqliteDriver } from '../../ledger/sqlite.js';
import { runCliInProcess } from '../helpers/cli.js';
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

describe.each(backends)('schema version 1 to 2 (consent revoke reason) on $name', (backend) => {
  let db: BackendInstance;
  beforeEach(async () => {
    db = await backend.create();
  });
  afterEach(async () => {
    await db.cleanup();
  });

  it('an existing version-1 ledger keeps its consents and audit, gains the reason, through the store and the CLI', async () => {
    // A ledger written by the previous release: migration 1 only, with consents and an audit entry.
    const old =
      backend.name === 'sqlite' ? openSqliteDriver(db.location) : await openPostgresDriver(db.location);
    try {
      expect(await migrate(old, 1_000, MIGRATIONS.slice(0, 1))).toBe(1);
      const t = Date.UTC(2026, 0, 1);
      for (const [holder, revoked] of [
        ['Old Revoked', t + 60_000],
        ['Still Active', null],
      ] as const) {
        await old.conn.run(
          'INSERT INTO consents (account, holder, scope, granted_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
          ['main', holder, 'read', t, Date.UTC(2099, 0, 1), revoked],
        );
      }
      await old.conn.run(
        "INSERT INTO audit_log (at, account, consent_id, route, method, endpoint, params) VALUES (?, 'main', 1, 'api', 'GET', '/api/v3/account', '{}')",
        [t + 1],
      );
      await expect(old.conn.all('SELECT revoke_reason FROM consents')).rejects.toThrow();
    } finally {
      await old.close();
    }

    // Any verb opening it migrates it: `consent list` shows the old revocation (time, no reason).
    const list = await runCliInProcess(['--json', 'consent', 'list', '--db', db.location]);
    expect(list.code, list.stderr).toBe(0);
    const before = JSON.parse(list.stdout) as {
      id: number;
      holder: string;
      revokedAt: string | null;
      revokeReason: string | null;
      state: string;
    }[];
    expect(before.map((c) => [c.holder, c.state, c.revokedAt, c.revokeReason])).toEqual([
      ['Still Active', 'active', null, null],
      ['Old Revoked', 'revoked', '2026-01-01T00:01:00.000Z', null],
    ]);
    const store = await openLedger(db.location, { create: false });
    try {
      expect(await store.schemaVersion()).toBe(LEDGER_SCHEMA_VERSION);
      expect(LEDGER_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    } finally {
      await store.close();
    }

    const active = before.find((c) => c.holder === 'Still Active')!;
    const revoke = await runCliInProcess([
      'consent',
      'revoke',
      String(active.id),
      '--db',
      db.location,
      '--reason',
      'holder closed the account',
    ]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain('reason "holder closed the account"');
    const shown = await runCliInProcess(['consent', 'list', '--db', db.location]);
    expect(shown.stdout).toMatch(
      /#\d+ .*holder "Still Active".*revoked \S+Z {2}reason "holder closed the account" {2}revoked/,
    );
    expect(shown.stdout).toMatch(/holder "Old Revoked".*revoked 2026-01-01T00:01:00.000Z {2}revoked/);
    // The audit shows the old entry untouched and the revocation with its reason.
    const audit = await runCliInProcess(['audit', '--db', db.location, '--account', 'main']);
    expect(audit.code, audit.stderr).toBe(0);
    const lines = audit.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('GET /api/v3/account');
    expect(lines[1]).toContain(
      `consent#${active.id}  ledger  REVOKE consent?scope=read&reason=holder closed the account`,
    );
    const json = await runCliInProcess(['--json', 'audit', '--db', db.location]);
    expect((JSON.parse(json.stdout) as { params: Record<string, unknown> }[])[1]?.params).toEqual({
      scope: 'read',
      reason: 'holder closed the account',
    });
  });
});
