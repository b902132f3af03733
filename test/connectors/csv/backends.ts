/** The ledgers the CSV tests run on: a fresh SQLite file always, PostgreSQL when LEDGERTAP_TEST_PG names one. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach } from 'vitest';
import { openLedger, type LedgerStore } from '../../../ledger/index.js';

/** A ledger a test opened: its store, its location (for the CLI's --db) and how to drop it. */
export interface OpenedLedger {
  store: LedgerStore;
  location: string;
  drop(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Opens a fresh, empty ledger; `location` can be handed to the CLI's --db. */
  open(dir: string): Promise<OpenedLedger>;
}

/** The CSV fixtures folder. */
export const FIXTURES = fileURLToPath(new URL('../../fixtures/csv/', import.meta.url));

const pgUrl = process.env['LEDGERTAP_TEST_PG'];

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async open(dir) {
      const location = join(dir, `ledger-${randomBytes(4).toString('hex')}.db`);
      return { store: await openLedger(location), location, drop: async () => {} };
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'postgres' as const,
          async open() {
            // A database of its own per test: imports are compared record for record.
            const name = `ledgertap_csv_${randomBytes(5).toString('hex')}`;
            const admin = new pg.Client({ connectionString: pgUrl });
            await admin.connect();
            await admin.query(`CREATE DATABASE ${name}`);
            await admin.end();
            const url = new URL(pgUrl);
            url.pathname = `/${name}`;
            const location = url.toString();
            return {
              store: await openLedger(location),
              location,
              drop: async () => {
                const c = new pg.Client({ connectionString: pgUrl });
                await c.connect();
                await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
                await c.end();
              },
            };
          },
        },
      ]
    : []),
];

/**
 * For the tests of one describe block on `backend`: the returned function opens a fresh ledger (in
 * `dir`), which is closed and dropped after the test that opened it.
 */
export function useBackendLedger(backend: Backend): (dir: string) => Promise<OpenedLedger> {
  let opened: OpenedLedger | undefined;
  afterEach(async () => {
    await opened?.store.close();
    await opened?.drop();
    opened = undefined;
  });
  return async (dir) => (opened = await backend.open(dir));
}
