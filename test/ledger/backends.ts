/**
 * The two stores every ledger test runs on (describe.each): a fresh SQLite file in a temp folder and a
 * fresh PostgreSQL schema, each removed after the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import { openLedger, type LedgerStore } from '../../ledger/index.js';
import { freshPgSchema, queryPg } from '../helpers/pg.js';

export interface BackendInstance {
  /** What --db / openLedger takes. */
  location: string;
  /** Every row of every table as text: what a secret scan greps. Call after the store is closed. */
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  create(): Promise<BackendInstance>;
}

const TABLES = [
  'records',
  'record_sources',
  'record_conflicts',
  'checkpoints',
  'import_files',
  'record_matches',
  'quarantine',
  'consents',
  'audit_log',
  'ledger_migrations',
];

export const backends: Backend[] = [
  {
    name: 'sqlite',
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'ledgertap-ledger-'));
      const location = join(dir, 'ledger.db');
      return {
        location,
        async dump() {
          const db = new Database(location, { readonly: true });
          try {
            return TABLES.map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())).join('\n');
          } finally {
            db.close();
          }
        },
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async create() {
      const pg = freshPgSchema();
      return {
        location: pg.url,
        async dump() {
          const parts: string[] = [];
          for (const t of TABLES) parts.push(JSON.stringify(await queryPg(pg.schema, `SELECT * FROM ${t}`)));
          return parts.join('\n');
        },
        cleanup: () => pg.drop(),
      };
    },
  },
];

/** The database and store of the running test; a test that reopens the store puts the new one here. */
export interface LedgerUnderTest {
  db: BackendInstance;
  store: LedgerStore;
}

/**
 * Before each test of the block, a fresh database on `backend` with a store opened on it; after each, the
 * store (the one in `store` then) closed and the database removed. `closeMayFail`: a test may have closed
 * the store itself (a CLI run in process), so a failing close is ignored.
 */
export function useLedger(backend: Backend, options: { closeMayFail?: boolean } = {}): LedgerUnderTest {
  const ledger = {} as LedgerUnderTest;
  beforeEach(async () => {
    ledger.db = await backend.create();
    ledger.store = await openLedger(ledger.db.location);
  });
  afterEach(async () => {
    if (options.closeMayFail) await ledger.store.close().catch(() => undefined);
    else await ledger.store.close();
    await ledger.db.cleanup();
  });
  return ledger;
}
