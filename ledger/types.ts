/**
 * The ledger's public types: the store interface every backend implements (SQLite, PostgreSQL) and the
 * rows it reads and writes. Semantics are documented here once and hold for both backends.
 */
import type { AccountKind, AccountRecord, RecordSource } from '../schemas/index.js';

/** A record as a producer hands it to the ledger: any kind, `source` required (which route saw it). */
export type IncomingRecord = AccountRecord & { source: RecordSource };

/** What happened to one record in {@link LedgerWriter.putRecords}. */
export type PutOutcome =
  /** New (account, kind, id): stored. */
  | 'inserted'
  /** Already stored with the same fields from this source: nothing changed but its last-seen time. */
  | 'unchanged'
  /** Already stored with the same fields; this source is new and is now remembered beside the others. */
  | 'source_added'
  /** Same fields where both have them; the incoming copy filled fields the stored one lacked (CSV then API). */
  | 'enriched'
  /** Differing fields, and the incoming copy is authoritative: a newer snapshot of a state kind, or the same source re-reading a changed event (pending deposit now completed). */
  | 'updated'
  /** A state kind whose incoming snapshot is older than the stored one: ignored (the source is still remembered). */
  | 'stale'
  /** A different source disagrees on a field: the stored fields are kept and the disagreement is stored in the conflicts table for review. */
  | 'conflict';

/** The outcome of one putRecords call. */
export interface PutSummary {
  /** How many records were given. */
  total: number;
  /** Count per outcome (every outcome present, zero when none). */
  counts: Record<PutOutcome, number>;
  /** The conflicts found in this call (also stored, see {@link RecordConflict}). */
  conflicts: { kind: AccountKind; id: string; account: string; source: RecordSource; fields: string[] }[];
}

/** Options of {@link LedgerWriter.putRecords}. */
export interface PutOptions {
  /** When the records were seen (epoch ms); default: the store's clock. */
  seenAt?: number;
}

/** A stored record: the normalized fields (no `source`/`raw`) plus where it came from. */
export interface StoredRecord {
  /** The normalized record as stored: every field of its kind, without `source`, `raw` or `routes`. */
  record: AccountRecord;
  /** The source whose fields are stored (the first to see it, or the last authoritative update). */
  primarySource: RecordSource;
  /** Every source that saw the record. */
  sources: RecordSource[];
  /** When the ledger first stored it (epoch ms). */
  firstSeenAt: number;
  /** When its fields last changed (epoch ms). */
  updatedAt: number;
}

/** One source's sighting of a record. */
export interface RecordSighting {
  source: RecordSource;
  /** When this source first delivered the record. */
  firstSeenAt: number;
  /**
   * When this source last delivered something new for it (a changed payload or record). A re-delivery
   * identical in every byte writes nothing, so a re-sync of unchanged history costs only reads.
   */
  lastSeenAt: number;
  /** The raw payload this source delivered last (secrets stripped), or undefined when none was given. */
  raw: Record<string, unknown> | undefined;
}

/** A filter over stored records; every field optional (all records). */
export interface RecordQuery {
  account?: string;
  kind?: AccountKind | AccountKind[];
  /** Exact natural id. */
  id?: string;
  /** Inclusive lower bound on `time` (epoch ms). */
  since?: number;
  /** Exclusive upper bound on `time` (epoch ms). */
  until?: number;
  /** Only records this source saw. */
  source?: RecordSource;
  /**
   * Keyset cursor: only records strictly after this key in the ledger's order (kind, then id, byte-wise
   * on both backends). Pass the last record of a page to get the next page: each page is one indexed range
   * read, stable while records are added or removed (nothing lost or repeated of what was there when
   * paging began; a record added meanwhile shows when it sorts after the cursor). The order's last key,
   * `account`, is not part of the cursor: fix `account` for a keyset walk (with it unset, the other
   * accounts' records of the cursor's exact (kind, id) are skipped too).
   */
  after?: { kind: AccountKind; id: string };
  /** Maximum number of records (queryRecords only; iterateRecords streams everything). */
  limit?: number;
}

/** A disagreement between sources, kept for review. */
export interface RecordConflict {
  id: number;
  account: string;
  kind: AccountKind;
  recordId: string;
  /** The source whose copy disagreed with the stored one. */
  source: RecordSource;
  /** Each differing field with both values. */
  fields: { field: string; stored: unknown; incoming: unknown }[];
  /** The incoming copy in full (normalized, no raw). */
  incoming: AccountRecord;
  detectedAt: number;
  resolvedAt: number | null;
  /** `keep` (stored fields stay) or `take` (the incoming copy replaced them). */
  resolution: 'keep' | 'take' | null;
}

/** A record matched across sources by a tolerant matcher (no shared natural id). */
export interface MatchInput {
  account: string;
  kind: AccountKind;
  /** The stored record the row was matched to. */
  recordId: string;
  /** The source of the matched row. */
  source: RecordSource;
  /** Which rule matched (`same-asset-amount-time`, `txid`, …). */
  rule: string;
  /** The tolerance the rule used (`±2s`, `fee-inclusive`, …). */
  tolerance?: string;
  /** The import the row came from. */
  importFileId?: number;
  /** 1-based line of the row in its file. */
  line?: number;
  /** The row as read (column → value). */
  row?: Record<string, unknown>;
  /** Anything else worth keeping (time difference, amount difference). */
  details?: Record<string, unknown>;
  /** De-duplication key: the same fingerprint is stored once. Default: a hash of kind, recordId, source, rule and row. */
  fingerprint?: string;
  /** Default: the store's clock. */
  matchedAt?: number;
}

/** A stored match. */
export interface RecordMatch extends Omit<MatchInput, 'fingerprint' | 'matchedAt'> {
  id: number;
  fingerprint: string;
  matchedAt: number;
}

/**
 * The fingerprint a match row takes when it moves to another record: the one the caller's matcher would
 * write for that row and record (so matching the same row to it again adds nothing); undefined keeps the
 * row's own. `match` is the row as it will be (its new kind and record id).
 */
export type MatchFingerprint = (match: RecordMatch) => string | undefined;

/** How a record is removed: what takes its place, for the match rows that pointed at it. */
export interface RemoveRecordOptions {
  /**
   * The record that holds the removed one's event now (stored, or written later in the same transaction):
   * its match rows move there, a row the successor already has (same CSV copy, or the same fingerprint
   * once moved) is merged, never doubled. Default: none, and the rows are removed and audited (route
   * `ledger`, `DELETE record_matches`).
   */
  replacedBy?: { kind: AccountKind; id: string };
  /** See {@link MatchFingerprint}; default: a moved row keeps its fingerprint. */
  matchFingerprint?: MatchFingerprint;
}

/** What {@link LedgerWriter.repairMatches} did with the match rows pointing at no record. */
export interface MatchRepairReport {
  /** Moved to the record that holds their event now. */
  moved: number;
  /** Deleted because that record already had them (the same CSV copy matched again since). */
  merged: number;
  /** Deleted with no successor (each named in one audit entry per account). */
  removed: number;
}

/** A row the importer could not normalize (unknown operation): kept, counted, never dropped. */
export interface QuarantineInput {
  account: string;
  importFileId?: number;
  /** The file name or path as the user gave it. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** The operation label, when the row has one. */
  operation?: string;
  /** The row as read (column → value). */
  row: Record<string, unknown>;
  /** Why it was quarantined. */
  reason: string;
  /** De-duplication key: re-importing the same file adds nothing. Default: a hash of file, line, operation and row. */
  fingerprint?: string;
  createdAt?: number;
}

/** A stored quarantine row. */
export interface QuarantineRow extends Omit<QuarantineInput, 'fingerprint' | 'createdAt'> {
  id: number;
  fingerprint: string;
  createdAt: number;
  /** When a later import stored the row as a record or matched it to one (absent while open). */
  resolvedAt?: number;
  /** The record it became or was matched to. */
  resolvedAs?: { kind: AccountKind; id: string };
}

/** Marks a quarantined row (by its fingerprint) as now held by a record. */
export interface QuarantineResolution {
  account: string;
  fingerprint: string;
  kind: AccountKind;
  recordId: string;
  resolvedAt?: number;
}

/** Quarantine rows resolved by one record, re-pointed at the record that holds their event now. */
export interface QuarantineMove {
  account: string;
  from: { kind: AccountKind; id: string };
  to: { kind: AccountKind; id: string };
}

/** The start of one file import. */
export interface ImportFileInput {
  account: string;
  /** The path as given. */
  path: string;
  /** SHA-256 of the file's bytes (hex). */
  sha256: string;
  size: number;
  /** Detected export kind (`transaction_history`, `spot_trades`, …). */
  format?: string;
  /** Detected variant (`v3-2025`, …). */
  variant?: string;
  startedAt?: number;
}

/** Counters written when an import ends. */
export interface ImportFileResult {
  status: 'done' | 'failed';
  rowsRead: number;
  recordsImported: number;
  duplicates: number;
  grouped: number;
  quarantined: number;
  error?: string;
  finishedAt?: number;
}

/** A logged import. */
export interface ImportFileRow extends ImportFileInput, Partial<Omit<ImportFileResult, 'status'>> {
  id: number;
  status: 'running' | 'done' | 'failed';
  startedAt: number;
  finishedAt?: number;
}

/** What a consent allows: `read` (sync through the API or replay) or `capture` (record app traffic). */
export type ConsentScope = 'read' | 'capture';

/** The account holder's authorization. */
export interface Consent {
  id: number;
  account: string;
  /** The holder's name as they gave it. */
  holder: string;
  scope: ConsentScope;
  grantedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /**
   * Why it was revoked, as the holder or operator said (`purge` when a purge revoked it); null when not
   * revoked, or revoked without a reason (and for revocations before schema version 2).
   */
  revokeReason: string | null;
}

/** Options of {@link LedgerStore.revokeConsent}. */
export interface RevokeOptions {
  /** Why (free text, at most 1000 characters; secret-looking parts are scrubbed). */
  reason?: string;
  /** When (epoch ms); default: the store's clock. */
  at?: number;
}

/** Input of {@link LedgerStore.grantConsent}. */
export interface ConsentInput {
  account: string;
  holder: string;
  scope: ConsentScope;
  expiresAt: number;
  /** Default: the store's clock. */
  grantedAt?: number;
}

/** One network request, as the audit log keeps it (never a secret: see {@link LedgerWriter.appendAudit}). */
export interface AuditInput {
  /** When the request was sent (epoch ms); default: the store's clock. */
  at?: number;
  account?: string;
  /** The consent under which it ran. */
  consentId?: number;
  /** `api`, `web` (replay), or any other route name. */
  route: string;
  method: string;
  /** Path without the query string (a query string given here is split off into params). */
  endpoint: string;
  /** Request parameters; `signature`, `timestamp` and secret-looking keys are dropped before storing. */
  params?: Record<string, unknown>;
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Request weight used (from the response headers). */
  weight?: number;
  /** Records the response yielded. */
  records?: number;
  durationMs?: number;
  /** Error message, if any (secrets scrubbed). */
  error?: string;
}

/** A stored audit entry. */
export interface AuditEntry extends Omit<AuditInput, 'at' | 'params'> {
  id: number;
  at: number;
  params: Record<string, unknown>;
}

/** Filter of {@link LedgerStore.listAudit}. */
export interface AuditQuery {
  account?: string;
  /** Inclusive lower bound (epoch ms). */
  since?: number;
  /** Most recent N entries (default all). */
  limit?: number;
}

/** The writes allowed inside a transaction (and, each as its own transaction, on the store). */
export interface LedgerWriter {
  /**
   * Validates every record against its kind's JSON Schema (the whole batch is refused on the first
   * invalid record: `ledger.invalid_record`, naming kind, id and field), then upserts them by
   * (account, kind, id). See {@link PutOutcome} for the merge rules. Idempotent: the same batch twice
   * changes nothing the second time.
   */
  putRecords(records: readonly IncomingRecord[], options?: PutOptions): Promise<PutSummary>;
  /** Records that `source` saw a stored record (a tolerant match), with its raw row. Returns false when no such record. */
  addRecordSource(
    key: { account: string; kind: AccountKind; id: string },
    source: RecordSource,
    raw?: Record<string, unknown>,
    seenAt?: number,
  ): Promise<boolean>;
  /**
   * Removes a record with its sightings and conflicts (added for the CSV importer: a CSV copy stored
   * without an exchange id is folded into the API copy found later, the match recorded by the caller).
   * Its match rows move to `options.replacedBy`, or are removed and audited when none is given (see
   * {@link RemoveRecordOptions}); so no match row is left pointing at nothing. Returns false when no
   * such record.
   */
  removeRecord(
    key: { account: string; kind: AccountKind; id: string },
    options?: RemoveRecordOptions,
  ): Promise<boolean>;
  /**
   * Heals match rows an earlier release left pointing at records it removed: moved to the record whose
   * own match names the removed copy (`details.csvId`), else removed with one audit entry per account.
   * Idempotent. `account` limits it to one account.
   */
  repairMatches(options?: {
    account?: string;
    matchFingerprint?: MatchFingerprint;
  }): Promise<MatchRepairReport>;
  /** Sets the checkpoint of a stream (any JSON value). Commit it in the same transaction as its records. */
  setCheckpoint(stream: string, value: unknown): Promise<void>;
  /** The checkpoint of a stream, or undefined (reads inside the transaction see its own writes). */
  getCheckpoint(stream: string): Promise<unknown>;
  /** Stores a match; returns false when the same fingerprint was already stored. */
  addMatch(match: MatchInput): Promise<boolean>;
  /** Stores a quarantined row; returns false when the same fingerprint was already stored. */
  addQuarantine(row: QuarantineInput): Promise<boolean>;
  /**
   * Marks an open quarantine row as resolved by a record (a later release normalizes what an earlier one
   * quarantined); returns false when no open row has that fingerprint.
   */
  resolveQuarantine(resolution: QuarantineResolution): Promise<boolean>;
  /**
   * Points the quarantine rows resolved by record `from` at record `to` instead (a statement P2P leg
   * folded into its order, a leg an earlier release stored alone replaced by the event that now holds it);
   * returns how many rows moved.
   */
  moveQuarantineResolution(move: QuarantineMove): Promise<number>;
  /** Logs the start of a file import; returns its id. */
  startImportFile(file: ImportFileInput): Promise<number>;
  /** Logs the end of a file import. */
  finishImportFile(id: number, result: ImportFileResult): Promise<void>;
  /**
   * Appends one request to the audit log. Parameters named `signature`, `timestamp`, or like a key,
   * secret, token, cookie, password or session are dropped; a query string in `endpoint` is parsed the
   * same way. Returns the entry id.
   */
  appendAudit(entry: AuditInput): Promise<number>;
}

/**
 * Record reads. On a transaction they see the transaction's own uncommitted writes on both backends (a
 * tolerant matcher looking for a row written earlier in the same file import finds it).
 */
export interface LedgerRecordReader {
  /** One record by its natural key. */
  getRecord(account: string, kind: AccountKind, id: string): Promise<StoredRecord | undefined>;
  /** Every source's sighting of a record, in source order (api, web, csv). */
  getSightings(account: string, kind: AccountKind, id: string): Promise<RecordSighting[]>;
  /** Records matching the query, ordered by kind, id, account (bounded by `limit`). */
  queryRecords(query?: RecordQuery): Promise<StoredRecord[]>;
  /** Streams records matching the query in pages, ordered by kind, id, account: bounded memory. */
  iterateRecords(query?: RecordQuery): AsyncIterable<StoredRecord>;
  /** How many records match. */
  countRecords(query?: RecordQuery): Promise<number>;
}

/** A transaction: every write commits together or not at all; its reads see its writes. */
export interface LedgerTx extends LedgerWriter, LedgerRecordReader {}

/** Which backend a store runs on. */
export type LedgerBackend = 'sqlite' | 'postgres';

/**
 * The ledger. Both backends implement the same logical schema and the same semantics; the same test
 * suite runs on both (test/ledger/).
 */
export interface LedgerStore extends LedgerWriter, LedgerRecordReader {
  readonly backend: LedgerBackend;
  /** The file path, or the PostgreSQL URL with its password masked. */
  readonly location: string;
  /**
   * Runs `fn` in one transaction: all its writes commit together, or none do (also on SIGKILL). On
   * PostgreSQL a deadlock or serialization failure re-runs `fn` (up to 5 times), so `fn` must only
   * write through `tx`. On SQLite transactions of one store are serialized in-process and across
   * processes by the database lock.
   */
  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T>;
  /** The highest applied migration. */
  schemaVersion(): Promise<number>;
  /**
   * The holder's right to erasure: removes the account's records (or those the filters select) with
   * their sightings, matches and conflicts, and on a full purge its quarantine, import log and
   * checkpoints, in one transaction; revokes its consents and writes one audit entry (counts, no data).
   * `dryRun` only counts. Throws `ledger.no_such_account` (exit 2) for an account the ledger lacks.
   */
  purgeAccount(options: PurgeOptions): Promise<PurgeReport>;
  /** Counts per account and kind. */
  countByKind(account?: string): Promise<{ account: string; kind: AccountKind; count: number }[]>;
  /** Distinct account labels. */
  accounts(): Promise<string[]>;
  /** Every checkpoint whose stream starts with `prefix`. */
  listCheckpoints(prefix?: string): Promise<{ stream: string; value: unknown; updatedAt: number }[]>;
  /** Conflicts, optionally only unresolved ones. */
  listConflicts(query?: { account?: string; unresolved?: boolean }): Promise<RecordConflict[]>;
  /** Resolves a conflict: `keep` the stored fields or `take` the incoming copy. */
  resolveConflict(id: number, resolution: 'keep' | 'take'): Promise<void>;
  listMatches(query?: { account?: string; kind?: AccountKind }): Promise<RecordMatch[]>;
  /** Match rows pointing at a record the ledger does not hold (see {@link LedgerWriter.repairMatches}), by id. */
  listDanglingMatches(query?: { account?: string }): Promise<RecordMatch[]>;
  /** Quarantined rows in insertion order; `unresolved` keeps only those no record holds yet. */
  listQuarantine(query?: {
    account?: string;
    importFileId?: number;
    unresolved?: boolean;
  }): Promise<QuarantineRow[]>;
  listImportFiles(query?: { account?: string }): Promise<ImportFileRow[]>;
  /** Records a consent; returns it with its id. */
  grantConsent(input: ConsentInput): Promise<Consent>;
  /** Every consent, newest first. */
  listConsents(query?: { account?: string }): Promise<Consent[]>;
  /**
   * Marks a consent revoked (now, or `options.at`) with an optional reason, and writes one audit entry
   * (route `ledger`, method `REVOKE`, endpoint `consent`, `params.reason`) in the same transaction. Throws
   * `ledger.no_such_consent` when the id is unknown, `ledger.bad_consent` for a reason over 1000
   * characters; revoking twice keeps the first time and reason (and writes no second entry).
   */
  revokeConsent(id: number, options?: RevokeOptions): Promise<Consent>;
  /** The newest consent for (account, scope) active at `now`, or undefined. */
  activeConsent(account: string, scope: ConsentScope, now: number): Promise<Consent | undefined>;
  /** Audit entries, oldest first. */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
  /** Closes the database (the pool on PostgreSQL). */
  close(): Promise<void>;
}

/** What to purge. Without kinds, source and before, everything of the account. */
export interface PurgeOptions {
  /** The account label (required: a purge never spans accounts). */
  account: string;
  /** Only records of these kinds. */
  kinds?: readonly AccountKind[];
  /** Only this source's sightings; a record left with no source is removed. */
  source?: RecordSource;
  /** Only records whose time is before this instant (epoch ms). */
  before?: number;
  /** Count what would be removed, change nothing. */
  dryRun?: boolean;
}

/** What a purge removed (or, on a dry run, would remove). */
export interface PurgeReport {
  account: string;
  dryRun: boolean;
  /** True when no filter was given: the whole account. */
  full: boolean;
  filters: { kinds?: AccountKind[]; source?: RecordSource; before?: number };
  /** Records removed per kind. */
  records: Partial<Record<AccountKind, number>>;
  recordsTotal: number;
  /** Source sightings removed (those of removed records included). */
  sightings: number;
  matches: number;
  conflicts: number;
  quarantine: number;
  importFiles: number;
  /** Checkpoint streams removed, so a later sync reads them again. */
  checkpoints: string[];
  /** Consents revoked by the purge (full purges only). */
  consentsRevoked: number[];
  /** The audit entry of the purge (absent on a dry run). */
  auditId?: number;
}
