/**
 * The PostgreSQL backend: for many accounts and workers. A pool of connections; every write goes through
 * a transaction (READ COMMITTED, row locks taken by `INSERT … ON CONFLICT` and `SELECT … FOR UPDATE`), so
 * concurrent writers of overlapping records neither duplicate nor lose them. A deadlock or serialization
 * failure re-runs the whole transaction.
 *
 * URL: `postgres://user:pass@host:port/db[?schema=NAME]`. `schema` is ledgertap's own parameter: the
 * ledger lives in that schema (created when missing), so several ledgers can share one database.
 */
import pg from 'pg';
import { LedgerError, createLogger } from '../core/index.js';
import type { Dialect, SqlConn, SqlDriver, SqlRow } from './sql.js';

const log = createLogger('ledger:postgres');

/** `postgres://user:***@host/db`: for messages and `store.location`. */
export function maskPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Turns `?` placeholders into `$1, $2, …` (our SQL never has a literal `?`). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const RETRYABLE = new Set(['40P01', '40001']);

function connectionError(url: string, error: unknown): LedgerError {
  const e = error as { code?: string; message?: string };
  const where = maskPostgresUrl(url);
  const reason =
    e.code === 'ECONNREFUSED'
      ? 'connection refused'
      : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
        ? 'host not found'
        : e.code === '28P01' || e.code === '28000'
          ? 'authentication failed'
          : e.code === '3D000'
            ? 'database does not exist'
            : (e.message ?? String(error));
  return new LedgerError('unreachable', `${where}: cannot connect to PostgreSQL (${reason}).`, {
    exitCode: 3,
    hint: 'Check that PostgreSQL is running and the URL (host, port, user, database) is right.',
    cause: error,
  });
}

function queryError(url: string, error: unknown): unknown {
  const e = error as { code?: string };
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === '57P01' || e.code === '57P03') {
    return connectionError(url, error);
  }
  if (e.code === '22021') {
    return new LedgerError(
      'bad_text',
      `${maskPostgresUrl(url)}: a value holds a NUL byte, which PostgreSQL text cannot store.`,
      {
        exitCode: 2,
        hint: 'Remove NUL bytes from the input; nothing of the transaction was written.',
        cause: error,
      },
    );
  }
  if (e.code === '53100') {
    return new LedgerError('disk_full', `${maskPostgresUrl(url)}: PostgreSQL is out of disk space.`, {
      hint: 'Free space on the database server; the interrupted transaction was rolled back.',
      cause: error,
    });
  }
  return error;
}

/** Options of {@link openPostgresDriver}. */
export interface PostgresDriverOptions {
  /** Pool size (default 4). */
  maxConnections?: number;
  /** Connection timeout, ms (default 10000). */
  connectTimeoutMs?: number;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Connects to PostgreSQL and checks the connection; throws `ledger.unreachable` (exit 3) when it cannot. */
export async function openPostgresDriver(
  url: string,
  options: PostgresDriverOptions = {},
): Promise<SqlDriver> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new LedgerError('bad_url', `${maskPostgresUrl(url)}: not a valid PostgreSQL URL.`, {
      exitCode: 2,
      hint: 'Use postgres://user:password@host:5432/database.',
      cause: error,
    });
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new LedgerError(
      'bad_url',
      `${maskPostgresUrl(url)}: schema "${schema}" is not a plain identifier.`,
      {
        exitCode: 2,
        hint: 'Use letters, digits and underscores.',
      },
    );
  }
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      // BIGINT (int8) and COUNT(*) come back as strings by default; every BIGINT we store (epoch ms,
      // counters, ids) is within 2^53.
      if (oid === 20) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types: types as never,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', (error) => log('idle client error: %s', error.message));
  try {
    const client = await pool.connect();
    try {
      if (schema) {
        try {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        } catch (error) {
          // Two openers racing on CREATE SCHEMA IF NOT EXISTS: the loser sees a unique violation.
          const code = (error as { code?: string }).code;
          if (code !== '23505' && code !== '42P06') throw error;
        }
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw connectionError(url, error);
  }

  const connFor = (client: pg.Pool | pg.PoolClient): SqlConn => ({
    async all(sql, params = []) {
      try {
        const result = await client.query(numbered(sql), params as unknown[]);
        return result.rows as SqlRow[];
      } catch (error) {
        throw queryError(url, error);
      }
    },
    async run(sql, params = []) {
      try {
        const result = await client.query(numbered(sql), params as unknown[]);
        return result.rowCount ?? 0;
      } catch (error) {
        throw queryError(url, error);
      }
    },
  });
  const dialect: Dialect = { name: 'postgres', forUpdate: ' FOR UPDATE', maxParams: 60_000 };
  return {
    dialect,
    conn: connFor(pool),
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (error) {
          throw connectionError(url, error);
        }
        let broken = false;
        try {
          await client.query('BEGIN');
          const result = await fn(connFor(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
          const code = (error as { code?: string }).code;
          if (code && RETRYABLE.has(code) && attempt < 5) {
            log('transaction retry %d after %s', attempt, code);
            await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
            continue;
          }
          throw error;
        } finally {
          client.release(broken);
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}
