/**
 * What the normalizers hand the importer: records with a way to find the same event stored under
 * another id (the tolerant matcher), rows kept in quarantine, and the narrow ledger surface the
 * importer writes through (the ledger's LedgerStore satisfies it structurally; connectors/ does not
 * import ledger/).
 */
import type { AccountKind, AccountRecord, RecordSource } from '../../../schemas/index.js';

/** A normalized CSV record, `source: 'csv'`, `raw` = the row (or the rows of a group). */
export type CsvAccountRecord = AccountRecord & { source: 'csv' };

/** The fields of a match row that say which record it points at and for which CSV copy. */
export interface MatchPointer {
  account: string;
  kind: AccountKind;
  recordId: string;
  details?: Record<string, unknown>;
}

/**
 * The fingerprint a match row takes at the record it moves to when the one it pointed at is removed;
 * undefined keeps its own (the ledger's `MatchFingerprint`, of which this is the part the importer reads).
 */
export type MatchFingerprint = (match: MatchPointer) => string | undefined;

/** How to find the same event already stored under another id (an API copy, another export's copy). */
export interface MatchRule {
  /** Stable rule name, stored with each match: `txid`, `asset-amount-time`, `fee-inclusive`, … */
  rule: string;
  /** The tolerance in words (`±1s`, `same day`). */
  tolerance: string;
  /** The time window (epoch ms, inclusive) the stored copy must lie in. */
  since: number;
  until: number;
  /**
   * The kinds a stored copy may have (default: the record's own). A statement P2P leg, stored as a
   * `balance_change`, is the same event as a stored `p2p_order`.
   */
  kinds?: AccountKind[];
  /** True when a stored record (of one of the kinds) is the same event. */
  test(stored: AccountRecord): boolean;
  /**
   * Fields only this copy knows that the single stored copy it matched lacks (the Futures export's
   * `symbol` and `tranId` for the statement's copy): added to the stored record, whose id stays.
   * Undefined (or nothing to add) leaves it as it is, so importing again changes nothing.
   */
  enrich?(stored: AccountRecord): Record<string, unknown> | undefined;
  /**
   * Several stored records that together are this event (a statement trade that aggregates fills):
   * when set, the matcher may also accept a set of stored records whose `sum` equals `total`.
   */
  aggregate?: {
    key(stored: AccountRecord): string | undefined;
    wantKey: string;
    sum(stored: AccountRecord): string;
    total: string;
  };
}

/**
 * A record of another kind an earlier release stored for the same event (a statement's futures rebate
 * stored as a `dividend`): the first stored copy in the window that passes `test` (given the raw row of its
 * CSV sighting) is removed when only CSV imports hold it, its quarantine resolutions moved to whatever
 * holds the event now.
 */
export interface Retire {
  kind: AccountKind;
  since: number;
  until: number;
  test(stored: AccountRecord, csvRaw: Record<string, unknown> | undefined): boolean;
}

/** One normalized item of a file. */
export type NormalizedItem =
  | {
      type: 'record';
      line: number;
      record: CsvAccountRecord;
      match?: MatchRule | undefined;
      grouped?: number;
      /**
       * The quarantine rows an earlier release kept for this record's rows (reason and row as it wrote
       * them), marked resolved by the record now stored or matched.
       */
      supersedes?: { reason: string; row: Record<string, unknown> }[];
      /**
       * Ids of records of the same kind an earlier release stored for parts of this record's rows (a P2P
       * fee row in the next second stored as its own leg): removed when stored csv-only, their quarantine
       * resolutions moved to whatever holds the event now, so re-importing heals the ledger.
       */
      replaces?: string[];
      /** A record of another kind an earlier release stored for this event, removed (see {@link Retire}). */
      retires?: Retire;
    }
  | {
      type: 'quarantine';
      line: number;
      reason: string;
      operation?: string | undefined;
      row: Record<string, unknown>;
      /** A line for the report's warnings (file, line, what was not understood). */
      warning?: string;
    };

/** A record as the ledger returns it. */
export interface StoredCopy {
  record: AccountRecord;
  sources: RecordSource[];
}

/** The writes of one file's transaction (a subset of the ledger's LedgerTx). */
export interface CsvLedgerTx {
  putRecords(
    records: readonly (AccountRecord & { source: RecordSource })[],
  ): Promise<{ counts: Record<string, number> }>;
  addRecordSource(
    key: { account: string; kind: AccountKind; id: string },
    source: RecordSource,
    raw?: Record<string, unknown>,
  ): Promise<boolean>;
  addMatch(match: {
    account: string;
    kind: AccountKind;
    recordId: string;
    source: RecordSource;
    rule: string;
    tolerance?: string;
    importFileId?: number;
    line?: number;
    row?: Record<string, unknown>;
    details?: Record<string, unknown>;
    fingerprint?: string;
  }): Promise<boolean>;
  addQuarantine(row: {
    account: string;
    importFileId?: number;
    file: string;
    line: number;
    operation?: string;
    row: Record<string, unknown>;
    reason: string;
    fingerprint?: string;
  }): Promise<boolean>;
  /**
   * Removes a record; its match rows move to `replacedBy` (taking the fingerprint `matchFingerprint`
   * gives them there), or are removed and audited without one.
   */
  removeRecord(
    key: { account: string; kind: AccountKind; id: string },
    options?: {
      replacedBy?: { kind: AccountKind; id: string };
      matchFingerprint?: MatchFingerprint;
    },
  ): Promise<boolean>;
  /** Marks an open quarantine row (by fingerprint) as held by a record now; false when none is open. */
  resolveQuarantine(resolution: {
    account: string;
    fingerprint: string;
    kind: AccountKind;
    recordId: string;
  }): Promise<boolean>;
  /** Points quarantine rows resolved by `from` at `to` (the record that holds their event now). */
  moveQuarantineResolution(move: {
    account: string;
    from: { kind: AccountKind; id: string };
    to: { kind: AccountKind; id: string };
  }): Promise<number>;
  /** Reads that see this transaction's own writes (the fold of statement copies into a later export's fills). */
  queryRecords(query: {
    account?: string;
    kind?: AccountKind | AccountKind[];
    since?: number;
    until?: number;
  }): Promise<StoredCopy[]>;
  getSightings(
    account: string,
    kind: AccountKind,
    id: string,
  ): Promise<{ source: RecordSource; raw: Record<string, unknown> | undefined }[]>;
  startImportFile(file: {
    account: string;
    path: string;
    sha256: string;
    size: number;
    format?: string;
    variant?: string;
  }): Promise<number>;
  finishImportFile(
    id: number,
    result: {
      status: 'done' | 'failed';
      rowsRead: number;
      recordsImported: number;
      duplicates: number;
      grouped: number;
      quarantined: number;
      error?: string;
    },
  ): Promise<void>;
}

/** The ledger surface the importer needs (a subset of the ledger's LedgerStore). */
export interface CsvLedger {
  transaction<T>(fn: (tx: CsvLedgerTx) => Promise<T>): Promise<T>;
  getRecord(account: string, kind: AccountKind, id: string): Promise<StoredCopy | undefined>;
  queryRecords(query: {
    account?: string;
    kind?: AccountKind | AccountKind[];
    since?: number;
    until?: number;
    source?: RecordSource;
    /** Keyset cursor: records strictly after this key (kind, then id, byte-wise). */
    after?: { kind: AccountKind; id: string };
    limit?: number;
  }): Promise<StoredCopy[]>;
  /** Each source's sighting (the raw row of a CSV copy folded into an API copy). */
  getSightings?(
    account: string,
    kind: AccountKind,
    id: string,
  ): Promise<{ source: RecordSource; raw: Record<string, unknown> | undefined }[]>;
  listConflicts?(query: { account?: string; unresolved?: boolean }): Promise<
    {
      id: number;
      kind: AccountKind;
      recordId: string;
      source: RecordSource;
      fields: { field: string; stored: unknown; incoming: unknown }[];
    }[]
  >;
  resolveConflict?(id: number, resolution: 'keep' | 'take'): Promise<void>;
  /** Moves or removes (audited) the match rows pointing at no record; see the ledger's `repairMatches`. */
  repairMatches?(options: {
    account?: string;
    matchFingerprint?: MatchFingerprint;
  }): Promise<{ moved: number; merged: number; removed: number }>;
}
