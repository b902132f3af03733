/**
 * PostgreSQL for tests: the server at LEDGERTAP_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres).
 * Each test gets a fresh schema of its own (ledgertap's `?schema=` URL parameter) and drops it afterwards,
 * so tests never see each other's rows and can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests use. */
export const TEST_PG_URL = process.env['LEDGERTAP_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, not yet created schema name and its URL. */
export interface PgSchema {
  schema: string;
  /** The server URL with `?schema=<name>`: give it to openLedger or --db. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A unique schema for one test (created by the ledger when it opens). */
export function freshPgSchema(prefix = 'lt_test'): PgSchema {
  const schema = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('schema', schema);
  return {
    schema,
    url: url.toString(),
    drop: () => withClient(async (c) => void (await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))),
  };
}

/** Runs SQL against the test server in a schema (for assertions that look under the store). */
export function queryPg<T extends pg.QueryResultRow = pg.QueryResultRow>(
  schema: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(async (c) => {
    await c.query(`SET search_path TO "${schema}"`);
    return (await c.query<T>(sql, params)).rows;
  });
}
