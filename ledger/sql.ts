/**
 * The thin seam between the ledger's logic (store.ts, written once) and the two databases. A driver
 * runs `?`-placeholder SQL and transactions; everything a backend does differently is in its driver or
 * in {@link Dialect}, so the two backends cannot drift apart in semantics.
 */

/** A row as the driver returns it: column name → value (numbers for BIGINT columns on both backends). */
export type SqlRow = Record<string, unknown>;

/** Something that runs SQL: the store outside a transaction, or a transaction. */
export interface SqlConn {
  /** Rows of a query. Placeholders are `?`. */
  all(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** What differs in SQL text between the backends. */
export interface Dialect {
  name: 'sqlite' | 'postgres';
  /** Row-lock clause for read-modify-write (`FOR UPDATE` on PostgreSQL; SQLite locks the whole database). */
  forUpdate: string;
  /** Most `?` parameters one statement may carry. */
  maxParams: number;
}

/** A database connection with transactions. */
export interface SqlDriver {
  readonly dialect: Dialect;
  /** Runs outside any explicit transaction (each statement autocommits). */
  readonly conn: SqlConn;
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `(?, ?, ?), (?, ?, ?)`: placeholders for a multi-row VALUES list. */
export function valuesList(rows: number, columns: number): string {
  const one = `(${new Array<string>(columns).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(one).join(', ');
}
