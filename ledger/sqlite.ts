/**
 * The SQLite backend (the embedded default): one file, WAL journal, foreign keys on. better-sqlite3 is
 * synchronous, so an async transaction holds an in-process mutex (no other write of this store can slip
 * into it) and `BEGIN IMMEDIATE` (other processes wait on the database lock, up to busy_timeout).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InputError, LedgerError, fileError } from '../core/index.js';
import type { Dialect, SqlConn, SqlDriver, SqlRow } from './sql.js';

const SQLITE_MAGIC = 'SQLite format 3\0';

/** A simple FIFO mutex: transactions of one store run one at a time. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => next);
    await previous;
    return release;
  }
}

function checkFile(path: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw fileError(path, error) ?? error;
  }
  if (stat.isDirectory()) {
    throw new InputError('is_directory', `${path}: is a directory, not a ledger database.`, {
      hint: 'Give --db a file path (it is created when missing) or a postgres:// URL.',
    });
  }
  if (stat.size === 0) return; // an empty file becomes a new database
  const header = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, header, 0, 16, 0);
  } catch (error) {
    throw fileError(path, error) ?? error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_MAGIC) {
    throw new InputError('not_a_ledger', `${path}: not a ledger database (not an SQLite file).`, {
      hint: 'Give --db a ledger file made by ledgertap, a new path, or a postgres:// URL.',
    });
  }
}

function wrap(path: string, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new LedgerError('busy', `${path}: the ledger is locked by another process.`, {
      hint: 'Wait for the other ledgertap process to finish, or use PostgreSQL for concurrent workers.',
      cause: error,
    });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new InputError('not_a_ledger', `${path}: not a ledger database or damaged (${code}).`, {
      hint: 'Give --db a ledger file made by ledgertap.',
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL') {
    return new LedgerError('disk_full', `${path}: no space left while writing the ledger.`, {
      hint: 'Free some disk space and run again; the interrupted transaction was rolled back.',
      cause: error,
    });
  }
  // The WAL journal keeps <file>-wal and <file>-shm beside the ledger, so a writable file in a folder
  // the user cannot write is refused too (SQLITE_READONLY_DIRECTORY): name the folder, not only the file.
  if (code === 'SQLITE_READONLY_DIRECTORY') {
    return new InputError(
      'permission',
      `${path}: cannot write in the ledger's folder ${dirname(path)} (the ledger keeps its journal files -wal and -shm beside it).`,
      {
        hint: 'Make the folder writable for you, or give --db a path in a folder you can write.',
        cause: error,
      },
    );
  }
  if (code !== undefined && /^SQLITE_(READONLY|CANTOPEN)/.test(code)) {
    return new InputError('permission', `${path}: cannot open the ledger for writing (${code}).`, {
      hint: 'Check the file and folder permissions.',
      cause: error,
    });
  }
  return error;
}

/** Options of {@link openSqliteDriver}. */
export interface SqliteDriverOptions {
  /** Create the file when missing (default true). False: a missing file is `input.not_found`. */
  create?: boolean;
  /** How long to wait on another process's lock, ms (default 10000). */
  busyTimeoutMs?: number;
}

/** Open files of this process: every store on one file shares one connection and its mutex. */
const shared = new Map<string, { driver: SqlDriver; refs: number }>();

/**
 * Opens (or creates) an SQLite ledger file. Two stores on the same file in one process share one
 * connection: two connections would make one block the event loop in the busy handler while the other
 * holds the write lock across an await.
 */
export function openSqliteDriver(path: string, options: SqliteDriverOptions = {}): SqlDriver {
  let entry = shared.get(path);
  if (!entry || !existsSync(path)) {
    entry = { driver: createSqliteDriver(path, options), refs: 0 };
    shared.set(path, entry);
  }
  const current = entry;
  current.refs++;
  let closed = false;
  return {
    dialect: current.driver.dialect,
    conn: current.driver.conn,
    transaction: (fn) =>
      closed
        ? Promise.reject(new LedgerError('closed', `${path}: the ledger is closed.`))
        : current.driver.transaction(fn),
    async close() {
      if (closed) return;
      closed = true;
      if (--current.refs === 0) {
        if (shared.get(path) === current) shared.delete(path);
        await current.driver.close();
      }
    },
  };
}

function createSqliteDriver(path: string, options: SqliteDriverOptions): SqlDriver {
  if (existsSync(path)) checkFile(path);
  else if (options.create === false) {
    throw new InputError('not_found', `${path}: no such ledger.`, {
      hint: 'Check the --db path; a ledger is created by sync, import or consent grant.',
    });
  }
  // better-sqlite3 only says "the directory does not exist"; say which folder and what to do.
  if (!existsSync(dirname(path))) {
    throw new InputError('not_found', `${path}: the folder ${dirname(path)} does not exist.`, {
      hint: 'Create the folder first, or give --db a path in an existing folder.',
    });
  }
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 10_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw wrap(path, fileError(path, error) ?? error);
  }
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (cache.size > 500) cache.clear();
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const conn: SqlConn = {
    all(sql, params = []) {
      try {
        const stmt = prepare(sql);
        if (!stmt.reader) {
          stmt.run(...params);
          return Promise.resolve([]);
        }
        return Promise.resolve(stmt.all(...params) as SqlRow[]);
      } catch (error) {
        return Promise.reject(wrap(path, error));
      }
    },
    run(sql, params = []) {
      try {
        const stmt = prepare(sql);
        if (stmt.reader) {
          stmt.all(...params);
          return Promise.resolve(0);
        }
        return Promise.resolve(stmt.run(...params).changes);
      } catch (error) {
        return Promise.reject(wrap(path, error));
      }
    },
  };
  const mutex = new Mutex();
  const dialect: Dialect = { name: 'sqlite', forUpdate: '', maxParams: 32_000 };
  let closed = false;
  return {
    dialect,
    conn,
    async transaction(fn) {
      const release = await mutex.lock();
      try {
        if (closed) throw new LedgerError('closed', `${path}: the ledger is closed.`);
        try {
          db.exec('BEGIN IMMEDIATE');
        } catch (error) {
          throw wrap(path, error);
        }
        try {
          const result = await fn(conn);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      } finally {
        release();
      }
    },
    async close() {
      const release = await mutex.lock();
      try {
        if (!closed) db.close();
        closed = true;
      } finally {
        release();
      }
    },
  };
}
