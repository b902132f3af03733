/**
 * The ledger's logic, written once over a {@link SqlDriver}: the SQLite and PostgreSQL stores are this
 * class over their driver, so both have exactly the same semantics (and the same test suite proves it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { LedgerError } from '../core/index.js';
import type { Clock } from '../core/index.js';
import type { AccountKind, AccountRecord, RecordSource } from '../schemas/index.js';
import { orderedContent } from './fields.js';
import { danglingMatches, repairMatches, settleMatchesOf, toMatch } from './matches.js';
import { decideMerge } from './merge.js';
import { runPurge } from './purge.js';
import { auditRequest, scrubText, stripSecrets } from './sanitize.js';
import { chunks, valuesList } from './sql.js';
import type { SqlConn, SqlDriver, SqlRow } from './sql.js';
import type {
  AuditEntry,
  AuditInput,
  AuditQuery,
  Consent,
  ConsentInput,
  ConsentScope,
  ImportFileInput,
  ImportFileResult,
  ImportFileRow,
  IncomingRecord,
  LedgerBackend,
  LedgerStore,
  LedgerTx,
  MatchFingerprint,
  MatchInput,
  MatchRepairReport,
  PutOptions,
  PutOutcome,
  PurgeOptions,
  PurgeReport,
  PutSummary,
  QuarantineInput,
  QuarantineMove,
  QuarantineResolution,
  QuarantineRow,
  RecordConflict,
  RecordMatch,
  RecordQuery,
  RecordSighting,
  RemoveRecordOptions,
  RevokeOptions,
  StoredRecord,
} from './types.js';
import { validateRecord } from './validate.js';

const SOURCE_ORDER: Record<RecordSource, number> = { api: 0, web: 1, csv: 2 };
const PAGE = 1000;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function optNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

/**
 * Stored JSON. Validated records hold no bigint and no unsafe number (ids are digit strings, times are
 * bounded integers), so plain JSON is exact and several times faster than a lossless codec; a bigint
 * elsewhere (a checkpoint's cursor) is stored as the string of its digits.
 */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function parse<T>(text: unknown): T {
  return JSON.parse(String(text)) as T;
}

function emptyCounts(): Record<PutOutcome, number> {
  return { inserted: 0, unchanged: 0, source_added: 0, enriched: 0, updated: 0, stale: 0, conflict: 0 };
}

function keyOf(r: { account: string; kind: string; id: string }): string {
  return `${r.account}\u0000${r.kind}\u0000${r.id}`;
}

interface Prepared {
  key: string;
  account: string;
  kind: AccountKind;
  id: string;
  time: number;
  source: RecordSource;
  content: AccountRecord;
  data: string;
  raw: string | null;
}

/** Sorted by natural key, so concurrent writers lock rows in the same order. */
function compareKeys(a: Prepared, b: Prepared): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Where a record query leads: `WHERE …` text and its parameters (alias `r` for records). */
function whereOf(query: RecordQuery): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (query.account !== undefined) {
    parts.push('r.account = ?');
    params.push(query.account);
  }
  const after = query.after;
  if (after !== undefined && (typeof after.kind !== 'string' || typeof after.id !== 'string')) {
    throw new LedgerError('bad_query', 'ledger: query.after needs a kind and an id (strings).', {
      exitCode: 4,
      details: { after },
    });
  }
  if (query.kind !== undefined) {
    let kinds = Array.isArray(query.kind) ? query.kind : [query.kind];
    // Kinds are ASCII names: JavaScript's order is the byte order the keys sort in.
    if (after !== undefined) kinds = kinds.filter((k) => k >= after.kind);
    if (kinds.length === 0) parts.push('1 = 0');
    else if (after !== undefined && kinds.length === 1 && kinds[0] === after.kind) {
      // One kind, the cursor's: a range on the id (the primary key, account fixed).
      parts.push('r.kind = ?', 'r.id > ?');
      params.push(after.kind, after.id);
    } else {
      parts.push(`r.kind IN (${kinds.map(() => '?').join(', ')})`);
      params.push(...kinds);
      if (after !== undefined) {
        parts.push('(r.kind, r.id) > (?, ?)');
        params.push(after.kind, after.id);
      }
    }
  } else if (after !== undefined) {
    // A row-value comparison: one range on the primary key (account fixed) or on records_by_kind_id,
    // on SQLite and PostgreSQL alike (both compare the text keys byte-wise).
    parts.push('(r.kind, r.id) > (?, ?)');
    params.push(after.kind, after.id);
  }
  if (query.id !== undefined) {
    parts.push('r.id = ?');
    params.push(query.id);
  }
  if (query.since !== undefined) {
    parts.push('r.time >= ?');
    params.push(query.since);
  }
  if (query.until !== undefined) {
    parts.push('r.time < ?');
    params.push(query.until);
  }
  if (query.source !== undefined) {
    parts.push(
      'EXISTS (SELECT 1 FROM record_sources s WHERE s.account = r.account AND s.kind = r.kind AND s.id = r.id AND s.source = ?)',
    );
    params.push(query.source);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** The writes, and the record reads that see them, over any connection (the store's own or a transaction's). */
class Writer implements LedgerTx {
  constructor(
    protected readonly conn: SqlConn,
    protected readonly driver: SqlDriver,
    protected readonly now: () => number,
    /** Rows inserted since the planner statistics were last refreshed (shared by the store's transactions). */
    protected readonly growth: { rows: number } = { rows: 0 },
  ) {}

  protected get sourcesAgg(): string {
    const agg =
      this.driver.dialect.name === 'postgres' ? "string_agg(s.source, ',')" : "group_concat(s.source, ',')";
    return `(SELECT ${agg} FROM record_sources s WHERE s.account = r.account AND s.kind = r.kind AND s.id = r.id) AS sources`;
  }

  async getRecord(account: string, kind: AccountKind, id: string): Promise<StoredRecord | undefined> {
    const [found] = await this.queryRecords({ account, kind, id, limit: 1 });
    return found;
  }

  async getSightings(account: string, kind: AccountKind, id: string): Promise<RecordSighting[]> {
    const rows = await this.conn.all(
      'SELECT source, first_seen_at, last_seen_at, raw FROM record_sources WHERE account = ? AND kind = ? AND id = ?',
      [account, kind, id],
    );
    return rows
      .map((row) => ({
        source: row['source'] as RecordSource,
        firstSeenAt: num(row['first_seen_at']),
        lastSeenAt: num(row['last_seen_at']),
        raw:
          row['raw'] === null || row['raw'] === undefined
            ? undefined
            : parse<Record<string, unknown>>(row['raw']),
      }))
      .sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]);
  }

  async queryRecords(query: RecordQuery = {}): Promise<StoredRecord[]> {
    const kinds = query.kind === undefined ? [] : Array.isArray(query.kind) ? query.kind : [query.kind];
    const after = query.after;
    if (after !== undefined && kinds.length > 1) {
      // A keyset page over several kinds: one indexed range per kind, in key order, until the page is
      // full (a single query would scan the kinds between them, or the cursor's kind from its start).
      const out: StoredRecord[] = [];
      for (const kind of [...new Set(kinds)].filter((k) => k >= after.kind).sort()) {
        const left = query.limit === undefined ? undefined : Math.floor(query.limit) - out.length;
        if (left !== undefined && left <= 0) break;
        const { after: _after, limit: _limit, ...rest } = query;
        out.push(
          ...(await this.queryPage({
            ...rest,
            kind,
            ...(kind === after.kind ? { after } : {}),
            ...(left !== undefined ? { limit: left } : {}),
          })),
        );
      }
      return out;
    }
    return this.queryPage(query);
  }

  /** One query: records matching, ordered by kind, id, account. */
  private async queryPage(query: RecordQuery): Promise<StoredRecord[]> {
    const where = whereOf(query);
    const limit = query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : '';
    const rows = await this.conn.all(
      `SELECT r.data, r.primary_source, r.first_seen_at, r.updated_at, ${this.sourcesAgg}
       FROM records r ${where.sql} ORDER BY r.kind, r.id, r.account${limit}`,
      where.params,
    );
    return rows.map(toStored);
  }

  async *iterateRecords(query: RecordQuery = {}): AsyncIterable<StoredRecord> {
    const where = whereOf(query);
    let after: { kind: string; id: string; account: string } | undefined;
    for (;;) {
      const parts = where.sql ? [where.sql.slice('WHERE '.length)] : [];
      const params = [...where.params];
      if (after) {
        parts.push('(r.kind > ? OR (r.kind = ? AND (r.id > ? OR (r.id = ? AND r.account > ?))))');
        params.push(after.kind, after.kind, after.id, after.id, after.account);
      }
      const rows = await this.conn.all(
        `SELECT r.account, r.kind, r.id, r.data, r.primary_source, r.first_seen_at, r.updated_at, ${this.sourcesAgg}
         FROM records r ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''}
         ORDER BY r.kind, r.id, r.account LIMIT ${PAGE}`,
        params,
      );
      for (const row of rows) yield toStored(row);
      if (rows.length < PAGE) return;
      const last = rows[rows.length - 1] as SqlRow;
      after = { kind: String(last['kind']), id: String(last['id']), account: String(last['account']) };
    }
  }

  async countRecords(query: RecordQuery = {}): Promise<number> {
    const where = whereOf(query);
    const rows = await this.conn.all(`SELECT COUNT(*) AS n FROM records r ${where.sql}`, where.params);
    return num(rows[0]?.['n'] ?? 0);
  }

  async putRecords(records: readonly IncomingRecord[], options: PutOptions = {}): Promise<PutSummary> {
    const summary: PutSummary = { total: records.length, counts: emptyCounts(), conflicts: [] };
    if (records.length === 0) return summary;
    const seenAt = options.seenAt ?? this.now();
    // Validate everything first: an invalid record refuses the whole batch before anything is written.
    const prepared: Prepared[] = records.map((record) => {
      validateRecord(record);
      if (record.source === undefined) {
        throw new LedgerError(
          'invalid_record',
          `ledger: ${record.kind} record ${record.id}: field /source is required.`,
          {
            exitCode: 2,
            hint: 'Every record written to the ledger names the route that produced it (api, web or csv).',
            details: { kind: record.kind, id: record.id, field: '/source' },
          },
        );
      }
      const content = orderedContent(record);
      return {
        key: keyOf(record),
        account: record.account,
        kind: record.kind,
        id: record.id,
        time: record.time,
        source: record.source,
        content,
        data: json(content),
        raw: record.raw === undefined ? null : json(stripSecrets(record.raw)),
      };
    });
    // The same key twice in one batch: apply the copies in order, one round per occurrence.
    let pending = prepared;
    while (pending.length > 0) {
      const seen = new Set<string>();
      const round: Prepared[] = [];
      const later: Prepared[] = [];
      for (const p of pending) {
        if (seen.has(p.key)) later.push(p);
        else {
          seen.add(p.key);
          round.push(p);
        }
      }
      round.sort(compareKeys);
      for (const chunk of chunks(round, 500)) await this.putChunk(chunk, seenAt, summary);
      pending = later;
    }
    return summary;
  }

  private async putChunk(chunk: Prepared[], seenAt: number, summary: PutSummary): Promise<void> {
    const inserted = new Set<string>();
    const rows = await this.conn.all(
      `INSERT INTO records (account, kind, id, time, data, primary_source, first_seen_at, updated_at)
       VALUES ${valuesList(chunk.length, 8)}
       ON CONFLICT (account, kind, id) DO NOTHING
       RETURNING account, kind, id`,
      chunk.flatMap((p) => [p.account, p.kind, p.id, p.time, p.data, p.source, seenAt, seenAt]),
    );
    for (const row of rows) inserted.add(keyOf(row as { account: string; kind: string; id: string }));
    const existing = chunk.filter((p) => !inserted.has(p.key));
    summary.counts.inserted += inserted.size;
    this.growth.rows += inserted.size;

    // Records and sightings the incoming ones will be written to (new rows need their sighting too).
    const sighted: Prepared[] = chunk.filter((p) => inserted.has(p.key));
    if (existing.length > 0) {
      // An unlocked read first: re-reading unchanged records (every re-sync) then writes nothing at all.
      let stored = await this.loadStored(existing, false);
      const work: Prepared[] = [];
      for (const p of existing) {
        const current = stored.get(p.key);
        const sameRaw = p.raw === null || current?.raws.get(p.source) === p.raw;
        if (current && current.text === p.data && current.sources.has(p.source) && sameRaw) {
          summary.counts.unchanged++;
        } else work.push(p);
      }
      // What will change is read again under row locks (PostgreSQL; SQLite already holds the write lock).
      if (work.length > 0 && this.driver.dialect.forUpdate) stored = await this.loadStored(work, true);
      sighted.push(...work);
      for (const p of work) {
        const current = stored.get(p.key);
        if (!current)
          throw new LedgerError('internal', `ledger: ${p.kind} record ${p.id} vanished during its write.`);
        // Stored JSON is canonical (schema key order), so equal text means equal content: skip the parse.
        const decision =
          current.text === p.data
            ? { outcome: 'same' as const, primaryBecomesIncoming: false, differing: [] }
            : decideMerge(parse<AccountRecord>(current.text), current.primary, p.content, p.source);
        const isNewSource = !current.sources.has(p.source);
        switch (decision.outcome) {
          case 'same':
            summary.counts[isNewSource ? 'source_added' : 'unchanged']++;
            break;
          case 'enriched':
          case 'updated': {
            const next = orderedContent(decision.next as AccountRecord);
            await this.conn.run(
              `UPDATE records SET data = ?, time = ?, primary_source = ?, updated_at = ?
               WHERE account = ? AND kind = ? AND id = ?`,
              [
                json(next),
                next.time,
                decision.primaryBecomesIncoming ? p.source : current.primary,
                seenAt,
                p.account,
                p.kind,
                p.id,
              ],
            );
            summary.counts[decision.outcome]++;
            break;
          }
          case 'stale':
            summary.counts.stale++;
            break;
          case 'conflict': {
            const fields = decision.differing;
            await this.conn.run(
              `INSERT INTO record_conflicts
                 (account, kind, record_id, source, fingerprint, fields, incoming, detected_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (account, kind, record_id, source, fingerprint) DO NOTHING`,
              [p.account, p.kind, p.id, p.source, sha256(p.data), json(fields), p.data, seenAt],
            );
            summary.counts.conflict++;
            summary.conflicts.push({
              account: p.account,
              kind: p.kind,
              id: p.id,
              source: p.source,
              fields: fields.map((f) => f.field),
            });
            break;
          }
        }
      }
    }
    // Every source that saw a record is remembered, whatever the outcome (a conflict's raw is kept too).
    if (sighted.length === 0) return;
    await this.conn.run(
      `INSERT INTO record_sources (account, kind, id, source, first_seen_at, last_seen_at, raw)
       VALUES ${valuesList(sighted.length, 7)}
       ON CONFLICT (account, kind, id, source) DO UPDATE SET
         last_seen_at = CASE WHEN excluded.last_seen_at > record_sources.last_seen_at
                             THEN excluded.last_seen_at ELSE record_sources.last_seen_at END,
         raw = COALESCE(excluded.raw, record_sources.raw)`,
      sighted.flatMap((p) => [p.account, p.kind, p.id, p.source, seenAt, seenAt, p.raw]),
    );
  }

  /** The stored text, primary source and sightings (with raw) of records, grouped by (account, kind) for `id IN (…)`. */
  private async loadStored(
    records: Prepared[],
    lock: boolean,
  ): Promise<
    Map<
      string,
      {
        text: string;
        primary: RecordSource;
        sources: Set<RecordSource>;
        raws: Map<RecordSource, string | null>;
      }
    >
  > {
    const stored = new Map<
      string,
      {
        text: string;
        primary: RecordSource;
        sources: Set<RecordSource>;
        raws: Map<RecordSource, string | null>;
      }
    >();
    const groups = new Map<string, Prepared[]>();
    for (const p of records) {
      const g = `${p.account}\u0000${p.kind}`;
      const list = groups.get(g);
      if (list) list.push(p);
      else groups.set(g, [p]);
    }
    for (const group of groups.values()) {
      const first = group[0] as Prepared;
      const ids = group.map((p) => p.id);
      const placeholders = ids.map(() => '?').join(', ');
      const found = await this.conn.all(
        `SELECT account, kind, id, data, primary_source FROM records
         WHERE account = ? AND kind = ? AND id IN (${placeholders})
         ORDER BY id${lock ? this.driver.dialect.forUpdate : ''}`,
        [first.account, first.kind, ...ids],
      );
      for (const row of found) {
        stored.set(keyOf(row as { account: string; kind: string; id: string }), {
          text: String(row['data']),
          primary: row['primary_source'] as RecordSource,
          sources: new Set(),
          raws: new Map(),
        });
      }
      const sources = await this.conn.all(
        `SELECT account, kind, id, source, raw FROM record_sources
         WHERE account = ? AND kind = ? AND id IN (${placeholders})`,
        [first.account, first.kind, ...ids],
      );
      for (const row of sources) {
        const entry = stored.get(keyOf(row as { account: string; kind: string; id: string }));
        const source = row['source'] as RecordSource;
        entry?.sources.add(source);
        entry?.raws.set(source, row['raw'] === null || row['raw'] === undefined ? null : String(row['raw']));
      }
    }
    return stored;
  }

  async addRecordSource(
    key: { account: string; kind: AccountKind; id: string },
    source: RecordSource,
    raw?: Record<string, unknown>,
    seenAt?: number,
  ): Promise<boolean> {
    const at = seenAt ?? this.now();
    const exists = await this.conn.all(
      `SELECT 1 AS one FROM records WHERE account = ? AND kind = ? AND id = ?${this.driver.dialect.forUpdate}`,
      [key.account, key.kind, key.id],
    );
    if (exists.length === 0) return false;
    await this.conn.run(
      `INSERT INTO record_sources (account, kind, id, source, first_seen_at, last_seen_at, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, kind, id, source) DO UPDATE SET
         last_seen_at = CASE WHEN excluded.last_seen_at > record_sources.last_seen_at
                             THEN excluded.last_seen_at ELSE record_sources.last_seen_at END,
         raw = COALESCE(excluded.raw, record_sources.raw)`,
      [key.account, key.kind, key.id, source, at, at, raw === undefined ? null : json(stripSecrets(raw))],
    );
    return true;
  }

  async removeRecord(
    key: { account: string; kind: AccountKind; id: string },
    options: RemoveRecordOptions = {},
  ): Promise<boolean> {
    const params = [key.account, key.kind, key.id];
    await settleMatchesOf(this.conn, key, (entry) => this.appendAudit(entry), options);
    await this.conn.run('DELETE FROM record_sources WHERE account = ? AND kind = ? AND id = ?', params);
    await this.conn.run(
      'DELETE FROM record_conflicts WHERE account = ? AND kind = ? AND record_id = ?',
      params,
    );
    return (await this.conn.run('DELETE FROM records WHERE account = ? AND kind = ? AND id = ?', params)) > 0;
  }

  repairMatches(
    options: { account?: string; matchFingerprint?: MatchFingerprint } = {},
  ): Promise<MatchRepairReport> {
    return repairMatches(this.conn, (entry) => this.appendAudit(entry), options);
  }

  async setCheckpoint(stream: string, value: unknown): Promise<void> {
    if (value === undefined)
      throw new LedgerError('bad_checkpoint', `ledger: checkpoint ${stream} has no value.`);
    // eslint-disable-next-line no-control-regex
    if (!stream || /[\u0000-\u001f\u007f]/.test(stream)) {
      throw new LedgerError(
        'bad_checkpoint',
        `ledger: checkpoint stream ${JSON.stringify(stream)} is empty or has control characters.`,
        { exitCode: 4 },
      );
    }
    await this.conn.run(
      `INSERT INTO checkpoints (stream, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [stream, json(value), this.now()],
    );
  }

  async getCheckpoint(stream: string): Promise<unknown> {
    const rows = await this.conn.all('SELECT value FROM checkpoints WHERE stream = ?', [stream]);
    return rows[0] ? parse<unknown>(rows[0]['value']) : undefined;
  }

  async addMatch(match: MatchInput): Promise<boolean> {
    const row = match.row === undefined ? null : json(stripSecrets(match.row));
    const fingerprint =
      match.fingerprint ??
      sha256(json([match.kind, match.recordId, match.source, match.rule, row, match.line ?? null]));
    const changed = await this.conn.run(
      `INSERT INTO record_matches
         (account, kind, record_id, source, rule, tolerance, import_file_id, line, row_data, details, fingerprint, matched_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, fingerprint) DO NOTHING`,
      [
        match.account,
        match.kind,
        match.recordId,
        match.source,
        match.rule,
        match.tolerance ?? null,
        match.importFileId ?? null,
        match.line ?? null,
        row,
        match.details === undefined ? null : json(stripSecrets(match.details)),
        fingerprint,
        match.matchedAt ?? this.now(),
      ],
    );
    return changed > 0;
  }

  async addQuarantine(input: QuarantineInput): Promise<boolean> {
    const row = json(stripSecrets(input.row));
    const fingerprint =
      input.fingerprint ?? sha256(json([input.file, input.line, input.operation ?? null, row]));
    const changed = await this.conn.run(
      `INSERT INTO quarantine (account, import_file_id, file, line, operation, row_data, reason, fingerprint, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, fingerprint) DO NOTHING`,
      [
        input.account,
        input.importFileId ?? null,
        input.file,
        input.line,
        input.operation ?? null,
        row,
        input.reason,
        fingerprint,
        input.createdAt ?? this.now(),
      ],
    );
    return changed > 0;
  }

  async resolveQuarantine(input: QuarantineResolution): Promise<boolean> {
    const changed = await this.conn.run(
      `UPDATE quarantine SET resolved_at = ?, resolved_kind = ?, resolved_id = ?
       WHERE account = ? AND fingerprint = ? AND resolved_at IS NULL`,
      [input.resolvedAt ?? this.now(), input.kind, input.recordId, input.account, input.fingerprint],
    );
    return changed > 0;
  }

  async moveQuarantineResolution(move: QuarantineMove): Promise<number> {
    return this.conn.run(
      `UPDATE quarantine SET resolved_kind = ?, resolved_id = ?
       WHERE account = ? AND resolved_kind = ? AND resolved_id = ? AND resolved_at IS NOT NULL`,
      [move.to.kind, move.to.id, move.account, move.from.kind, move.from.id],
    );
  }

  async startImportFile(file: ImportFileInput): Promise<number> {
    const rows = await this.conn.all(
      `INSERT INTO import_files (account, path, sha256, size, format, variant, status, started_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?) RETURNING id`,
      [
        file.account,
        file.path,
        file.sha256,
        file.size,
        file.format ?? null,
        file.variant ?? null,
        file.startedAt ?? this.now(),
      ],
    );
    return num(rows[0]?.['id']);
  }

  async finishImportFile(id: number, result: ImportFileResult): Promise<void> {
    const changed = await this.conn.run(
      `UPDATE import_files SET status = ?, rows_read = ?, records_imported = ?, duplicates = ?, grouped = ?,
         quarantined = ?, error = ?, finished_at = ? WHERE id = ?`,
      [
        result.status,
        result.rowsRead,
        result.recordsImported,
        result.duplicates,
        result.grouped,
        result.quarantined,
        result.error === undefined ? null : scrubText(result.error),
        result.finishedAt ?? this.now(),
        id,
      ],
    );
    if (changed === 0)
      throw new LedgerError('no_such_import', `ledger: no import with id ${id}.`, { exitCode: 2 });
  }

  async appendAudit(entry: AuditInput): Promise<number> {
    const { endpoint, params } = auditRequest(entry.endpoint, entry.params);
    const rows = await this.conn.all(
      `INSERT INTO audit_log (at, account, consent_id, route, method, endpoint, params, status, weight, records, duration_ms, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        entry.at ?? this.now(),
        entry.account ?? null,
        entry.consentId ?? null,
        entry.route,
        entry.method.toUpperCase(),
        endpoint,
        json(params),
        entry.status ?? null,
        entry.weight ?? null,
        entry.records ?? null,
        entry.durationMs ?? null,
        entry.error === undefined ? null : scrubText(entry.error),
      ],
    );
    return num(rows[0]?.['id']);
  }
}

function toConsent(row: SqlRow): Consent {
  return {
    id: num(row['id']),
    account: String(row['account']),
    holder: String(row['holder']),
    scope: row['scope'] as ConsentScope,
    grantedAt: num(row['granted_at']),
    expiresAt: num(row['expires_at']),
    revokedAt: optNum(row['revoked_at']) ?? null,
    revokeReason:
      row['revoke_reason'] === null || row['revoke_reason'] === undefined
        ? null
        : String(row['revoke_reason']),
  };
}

function toStored(row: SqlRow): StoredRecord {
  const sources = String(row['sources'] ?? '')
    .split(',')
    .filter(Boolean)
    .sort((a, b) => SOURCE_ORDER[a as RecordSource] - SOURCE_ORDER[b as RecordSource]) as RecordSource[];
  return {
    record: parse<AccountRecord>(row['data']),
    primarySource: row['primary_source'] as RecordSource,
    sources,
    firstSeenAt: num(row['first_seen_at']),
    updatedAt: num(row['updated_at']),
  };
}

/** Options of {@link SqlLedgerStore}. */
export interface SqlLedgerStoreOptions {
  backend: LedgerBackend;
  location: string;
  clock: Clock;
}

/** The store over one driver. Use `openLedger` (ledger/open.ts), which migrates first. */
export class SqlLedgerStore extends Writer implements LedgerStore {
  readonly backend: LedgerBackend;
  readonly location: string;
  private readonly inTransaction = new AsyncLocalStorage<boolean>();
  /** Rows the tables held (about) when their statistics were last refreshed. */
  private analyzedAt = 0;

  constructor(driver: SqlDriver, options: SqlLedgerStoreOptions) {
    super(driver.conn, driver, () => options.clock.now(), { rows: 0 });
    this.backend = options.backend;
    this.location = options.location;
  }

  /**
   * Every transaction of the store goes through here. A write on the store (not on `tx`) inside a
   * transaction callback would escape the transaction on PostgreSQL and wait forever for it on SQLite:
   * it is refused loudly instead.
   */
  private guarded<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) {
      return Promise.reject(
        new LedgerError(
          'nested_transaction',
          'ledger: a store write was called inside store.transaction(); write through the `tx` argument instead.',
          { exitCode: 4 },
        ),
      );
    }
    return this.inTransaction.run(true, () => this.driver.transaction(fn));
  }

  async transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    const result = await this.guarded((conn) => fn(new Writer(conn, this.driver, this.now, this.growth)));
    await this.refreshStatistics();
    return result;
  }

  /**
   * PostgreSQL plans `id IN (…)` lookups from table statistics; a table that grew fast (a first sync
   * writing millions of rows) before autovacuum analyzed it gets planned as if empty, and every lookup
   * scans the account's rows. Refreshing the statistics once the tables have grown by a fifth keeps the
   * lookups on the primary key. SQLite needs no statistics for that.
   */
  private async refreshStatistics(): Promise<void> {
    if (this.driver.dialect.name !== 'postgres') return;
    if (this.growth.rows < Math.max(2_000, this.analyzedAt * 0.2)) return;
    this.analyzedAt += this.growth.rows;
    this.growth.rows = 0;
    await this.conn.run('ANALYZE records, record_sources');
  }

  // Writes on the store itself each run as their own transaction (so on SQLite they queue behind an
  // open transaction instead of slipping into it).
  override putRecords(records: readonly IncomingRecord[], options?: PutOptions): Promise<PutSummary> {
    return this.transaction((tx) => tx.putRecords(records, options));
  }
  override addRecordSource(
    key: { account: string; kind: AccountKind; id: string },
    source: RecordSource,
    raw?: Record<string, unknown>,
    seenAt?: number,
  ): Promise<boolean> {
    return this.transaction((tx) => tx.addRecordSource(key, source, raw, seenAt));
  }
  override removeRecord(
    key: { account: string; kind: AccountKind; id: string },
    options?: RemoveRecordOptions,
  ): Promise<boolean> {
    return this.transaction((tx) => tx.removeRecord(key, options));
  }
  override repairMatches(options?: {
    account?: string;
    matchFingerprint?: MatchFingerprint;
  }): Promise<MatchRepairReport> {
    return this.transaction((tx) => tx.repairMatches(options));
  }
  override setCheckpoint(stream: string, value: unknown): Promise<void> {
    return this.transaction((tx) => tx.setCheckpoint(stream, value));
  }
  override addMatch(match: MatchInput): Promise<boolean> {
    return this.transaction((tx) => tx.addMatch(match));
  }
  override addQuarantine(row: QuarantineInput): Promise<boolean> {
    return this.transaction((tx) => tx.addQuarantine(row));
  }
  override resolveQuarantine(resolution: QuarantineResolution): Promise<boolean> {
    return this.transaction((tx) => tx.resolveQuarantine(resolution));
  }
  override moveQuarantineResolution(move: QuarantineMove): Promise<number> {
    return this.transaction((tx) => tx.moveQuarantineResolution(move));
  }
  override startImportFile(file: ImportFileInput): Promise<number> {
    return this.transaction((tx) => tx.startImportFile(file));
  }
  override finishImportFile(id: number, result: ImportFileResult): Promise<void> {
    return this.transaction((tx) => tx.finishImportFile(id, result));
  }
  override appendAudit(entry: AuditInput): Promise<number> {
    return this.transaction((tx) => tx.appendAudit(entry));
  }

  /** Removes an account's records (or a filtered part) in one transaction; see ledger/purge.ts. */
  purgeAccount(options: PurgeOptions): Promise<PurgeReport> {
    return this.guarded((conn) =>
      runPurge(conn, new Writer(conn, this.driver, this.now, this.growth), this.now(), options),
    );
  }

  async schemaVersion(): Promise<number> {
    const rows = await this.conn.all('SELECT MAX(version) AS v FROM ledger_migrations');
    return num(rows[0]?.['v'] ?? 0);
  }

  async countByKind(account?: string): Promise<{ account: string; kind: AccountKind; count: number }[]> {
    const rows = await this.conn.all(
      `SELECT account, kind, COUNT(*) AS n FROM records ${account !== undefined ? 'WHERE account = ?' : ''}
       GROUP BY account, kind ORDER BY account, kind`,
      account !== undefined ? [account] : [],
    );
    return rows.map((r) => ({
      account: String(r['account']),
      kind: r['kind'] as AccountKind,
      count: num(r['n']),
    }));
  }

  async accounts(): Promise<string[]> {
    const rows = await this.conn.all(
      `SELECT account FROM records UNION SELECT account FROM consents ORDER BY account`,
    );
    return rows.map((r) => String(r['account']));
  }

  async listCheckpoints(prefix = ''): Promise<{ stream: string; value: unknown; updatedAt: number }[]> {
    const rows = await this.conn.all('SELECT stream, value, updated_at FROM checkpoints ORDER BY stream');
    return rows
      .filter((r) => String(r['stream']).startsWith(prefix))
      .map((r) => ({
        stream: String(r['stream']),
        value: parse<unknown>(r['value']),
        updatedAt: num(r['updated_at']),
      }));
  }

  async listConflicts(query: { account?: string; unresolved?: boolean } = {}): Promise<RecordConflict[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.account !== undefined) {
      parts.push('account = ?');
      params.push(query.account);
    }
    if (query.unresolved) parts.push('resolved_at IS NULL');
    const rows = await this.conn.all(
      `SELECT * FROM record_conflicts ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY id`,
      params,
    );
    return rows.map((r) => ({
      id: num(r['id']),
      account: String(r['account']),
      kind: r['kind'] as AccountKind,
      recordId: String(r['record_id']),
      source: r['source'] as RecordSource,
      fields: parse<RecordConflict['fields']>(r['fields']),
      incoming: parse<AccountRecord>(r['incoming']),
      detectedAt: num(r['detected_at']),
      resolvedAt: optNum(r['resolved_at']) ?? null,
      resolution: (r['resolution'] as 'keep' | 'take' | null) ?? null,
    }));
  }

  async resolveConflict(id: number, resolution: 'keep' | 'take'): Promise<void> {
    await this.guarded(async (conn) => {
      const rows = await conn.all(
        `SELECT * FROM record_conflicts WHERE id = ?${this.driver.dialect.forUpdate}`,
        [id],
      );
      const row = rows[0];
      if (!row)
        throw new LedgerError('no_such_conflict', `ledger: no conflict with id ${id}.`, { exitCode: 2 });
      if (resolution === 'take') {
        const incoming = orderedContent(parse<AccountRecord>(row['incoming']));
        await conn.run(
          'UPDATE records SET data = ?, time = ?, primary_source = ?, updated_at = ? WHERE account = ? AND kind = ? AND id = ?',
          [
            json(incoming),
            incoming.time,
            row['source'],
            this.now(),
            row['account'],
            row['kind'],
            row['record_id'],
          ],
        );
      }
      await conn.run('UPDATE record_conflicts SET resolved_at = ?, resolution = ? WHERE id = ?', [
        this.now(),
        resolution,
        id,
      ]);
    });
  }

  async listMatches(query: { account?: string; kind?: AccountKind } = {}): Promise<RecordMatch[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.account !== undefined) {
      parts.push('account = ?');
      params.push(query.account);
    }
    if (query.kind !== undefined) {
      parts.push('kind = ?');
      params.push(query.kind);
    }
    const rows = await this.conn.all(
      `SELECT * FROM record_matches ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY id`,
      params,
    );
    return rows.map(toMatch);
  }

  listDanglingMatches(query: { account?: string } = {}): Promise<RecordMatch[]> {
    return danglingMatches(this.conn, query.account);
  }

  async listQuarantine(
    query: { account?: string; importFileId?: number; unresolved?: boolean } = {},
  ): Promise<QuarantineRow[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.unresolved) parts.push('resolved_at IS NULL');
    if (query.account !== undefined) {
      parts.push('account = ?');
      params.push(query.account);
    }
    if (query.importFileId !== undefined) {
      parts.push('import_file_id = ?');
      params.push(query.importFileId);
    }
    const rows = await this.conn.all(
      `SELECT * FROM quarantine ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY id`,
      params,
    );
    return rows.map((r) => {
      const out: QuarantineRow = {
        id: num(r['id']),
        account: String(r['account']),
        file: String(r['file']),
        line: num(r['line']),
        row: parse<Record<string, unknown>>(r['row_data']),
        reason: String(r['reason']),
        fingerprint: String(r['fingerprint']),
        createdAt: num(r['created_at']),
      };
      if (r['import_file_id'] !== null) out.importFileId = num(r['import_file_id']);
      if (r['operation'] !== null) out.operation = String(r['operation']);
      if (r['resolved_at'] !== null && r['resolved_at'] !== undefined) {
        out.resolvedAt = num(r['resolved_at']);
        out.resolvedAs = { kind: String(r['resolved_kind']) as AccountKind, id: String(r['resolved_id']) };
      }
      return out;
    });
  }

  async listImportFiles(query: { account?: string } = {}): Promise<ImportFileRow[]> {
    const rows = await this.conn.all(
      `SELECT * FROM import_files ${query.account !== undefined ? 'WHERE account = ?' : ''} ORDER BY id`,
      query.account !== undefined ? [query.account] : [],
    );
    return rows.map((r) => {
      const out: ImportFileRow = {
        id: num(r['id']),
        account: String(r['account']),
        path: String(r['path']),
        sha256: String(r['sha256']),
        size: num(r['size']),
        status: r['status'] as ImportFileRow['status'],
        startedAt: num(r['started_at']),
      };
      if (r['format'] !== null) out.format = String(r['format']);
      if (r['variant'] !== null) out.variant = String(r['variant']);
      for (const [col, key] of [
        ['rows_read', 'rowsRead'],
        ['records_imported', 'recordsImported'],
        ['duplicates', 'duplicates'],
        ['grouped', 'grouped'],
        ['quarantined', 'quarantined'],
        ['finished_at', 'finishedAt'],
      ] as const) {
        if (r[col] !== null) out[key] = num(r[col]);
      }
      if (r['error'] !== null) out.error = String(r['error']);
      return out;
    });
  }

  async grantConsent(input: ConsentInput): Promise<Consent> {
    const grantedAt = input.grantedAt ?? this.now();
    if (!input.holder.trim()) {
      throw new LedgerError('bad_consent', 'ledger: a consent names the account holder.', {
        exitCode: 2,
        hint: 'Pass --holder "Full Name".',
      });
    }
    // An empty or padded label would make an account no other verb can name back.
    if (!input.account || input.account !== input.account.trim()) {
      throw new LedgerError(
        'bad_consent',
        `ledger: account label ${JSON.stringify(input.account)} is empty or padded.`,
        {
          exitCode: 2,
          hint: 'Pass --account with a label such as main (no leading or trailing spaces).',
        },
      );
    }
    if (input.expiresAt <= grantedAt) {
      throw new LedgerError('bad_consent', 'ledger: a consent must expire after it is granted.', {
        exitCode: 2,
        hint: 'Pass an --expires date in the future.',
      });
    }
    return this.guarded(async (conn) => {
      const rows = await conn.all(
        `INSERT INTO consents (account, holder, scope, granted_at, expires_at) VALUES (?, ?, ?, ?, ?)
         RETURNING id, account, holder, scope, granted_at, expires_at, revoked_at, revoke_reason`,
        [input.account, input.holder.trim(), input.scope, grantedAt, input.expiresAt],
      );
      return toConsent(rows[0] as SqlRow);
    });
  }

  async listConsents(query: { account?: string } = {}): Promise<Consent[]> {
    const rows = await this.conn.all(
      `SELECT * FROM consents ${query.account !== undefined ? 'WHERE account = ?' : ''} ORDER BY granted_at DESC, id DESC`,
      query.account !== undefined ? [query.account] : [],
    );
    return rows.map(toConsent);
  }

  async revokeConsent(id: number, options: RevokeOptions = {}): Promise<Consent> {
    const reason = options.reason?.trim() ? scrubText(options.reason.trim()) : null;
    if (reason !== null && reason.length > 1000) {
      throw new LedgerError('bad_consent', 'ledger: a revoke reason has at most 1000 characters.', {
        exitCode: 2,
        hint: 'Give a shorter --reason.',
      });
    }
    const at = options.at ?? this.now();
    return this.guarded(async (conn) => {
      const changed = await conn.run(
        'UPDATE consents SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL',
        [at, reason, id],
      );
      const rows = await conn.all('SELECT * FROM consents WHERE id = ?', [id]);
      if (!rows[0]) {
        throw new LedgerError('no_such_consent', `ledger: no consent with id ${id}.`, {
          exitCode: 2,
          hint: 'List them with `ledgertap consent list`.',
        });
      }
      const consent = toConsent(rows[0]);
      if (changed > 0) {
        // The revocation is part of the accountability record, beside the requests made under the consent.
        await new Writer(conn, this.driver, this.now, this.growth).appendAudit({
          at,
          account: consent.account,
          consentId: consent.id,
          route: 'ledger',
          method: 'REVOKE',
          endpoint: 'consent',
          params: { scope: consent.scope, ...(reason !== null ? { reason } : {}) },
        });
      }
      return consent;
    });
  }

  async activeConsent(account: string, scope: ConsentScope, now: number): Promise<Consent | undefined> {
    const rows = await this.conn.all(
      `SELECT * FROM consents WHERE account = ? AND scope = ? AND revoked_at IS NULL
         AND granted_at <= ? AND expires_at > ? ORDER BY granted_at DESC, id DESC LIMIT 1`,
      [account, scope, now, now],
    );
    return rows[0] ? toConsent(rows[0]) : undefined;
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.account !== undefined) {
      parts.push('account = ?');
      params.push(query.account);
    }
    if (query.since !== undefined) {
      parts.push('at >= ?');
      params.push(query.since);
    }
    const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
    const sql =
      query.limit !== undefined
        ? `SELECT * FROM (SELECT * FROM audit_log ${where} ORDER BY at DESC, id DESC LIMIT ${Math.max(0, Math.floor(query.limit))}) t ORDER BY at, id`
        : `SELECT * FROM audit_log ${where} ORDER BY at, id`;
    const rows = await this.conn.all(sql, params);
    return rows.map((r) => {
      const entry: AuditEntry = {
        id: num(r['id']),
        at: num(r['at']),
        route: String(r['route']),
        method: String(r['method']),
        endpoint: String(r['endpoint']),
        params: parse<Record<string, unknown>>(r['params']),
      };
      if (r['account'] !== null) entry.account = String(r['account']);
      if (r['consent_id'] !== null) entry.consentId = num(r['consent_id']);
      if (r['status'] !== null) entry.status = num(r['status']);
      if (r['weight'] !== null) entry.weight = num(r['weight']);
      if (r['records'] !== null) entry.records = num(r['records']);
      if (r['duration_ms'] !== null) entry.durationMs = num(r['duration_ms']);
      if (r['error'] !== null) entry.error = String(r['error']);
      return entry;
    });
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
