/**
 * The two ledger stores as test backends: a fresh `--db` location for each test (a temporary folder for
 * SQLite, a fresh schema for PostgreSQL) and a way to run one SQL statement on it, for tests that damage a
 * ledger on purpose (an older release's rows, a deleted record) and check it heals or is caught.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { TEST_PG_URL, freshPgSchema, type PgSchema } from './pg.js';

export interface SqlBackend {
  name: 'sqlite' | 'postgres';
  /** A `--db` location, fresh for the test. */
  location(): Promise<string>;
  /** Runs one SQL statement on the ledger's database (the `records` and `record_sources` tables). */
  sql(db: string, statement: string): Promise<void>;
}

/** SQLite in folders from `tmp`, PostgreSQL in schemas named `<prefix>_…` pushed to `schemas` (drop them after each test). */
export function sqlBackends(tmp: () => Promise<string>, schemas: PgSchema[], prefix: string): SqlBackend[] {
  return [
    {
      name: 'sqlite',
      location: () => tmp(),
      sql: (db, statement) => {
        const conn = new Database(db);
        try {
          conn.prepare(statement).run();
        } finally {
          conn.close();
        }
        return Promise.resolve();
      },
    },
    {
      name: 'postgres',
      location: () => {
        const s = freshPgSchema(prefix);
        schemas.push(s);
        return Promise.resolve(s.url);
      },
      sql: async (db, statement) => {
        const schema = new URL(db).searchParams.get('schema')!;
        const client = new pg.Client({ connectionString: TEST_PG_URL });
        await client.connect();
        try {
          await client.query(`SET search_path TO "${schema}"`);
          await client.query(statement);
        } finally {
          await client.end();
        }
      },
    },
  ];
}
