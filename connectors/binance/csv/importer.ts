/**
 * Imports Data Download Center exports into the ledger: one transaction per file (a bad file changes
 * nothing), streamed in batches (bounded memory), each record put idempotently by (account, kind, id)
 * or, when the export carries no shared id, matched tolerantly to the copy another source or export
 * already stored, with the match recorded.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError, createLogger, fileError, isLedgertapError } from '../../../core/index.js';
import type { AccountKind, AccountRecord } from '../../../schemas/index.js';
import { ROW_NORMALIZERS, Occurrences, stripInternalPrefix } from './exports.js';
import { detectFormat, type DetectedFormat } from './formats.js';
import { futures } from './futures.js';
import { OrderHistoryReader } from './orders.js';
import { readCsvRows, sniffCsv, type CsvSniff } from './reader.js';
import { readWorkbookRows } from './workbook.js';
import { Row, type FileContext } from './row.js';
import {
  csvFingerprint,
  csvMatchFingerprint,
  foldStatementTrades,
  isStatementId,
  isStatementTradeCopy,
} from './relink.js';
import { StatementGrouper } from './statement.js';
import { loadKnownSymbols, type KnownSymbols } from './symbols.js';
import type {
  CsvAccountRecord,
  CsvLedger,
  CsvLedgerTx,
  MatchRule,
  NormalizedItem,
  Retire,
  StoredCopy,
} from './types.js';
import { UTC, parseZone, zoneFromFileName, zoneLabel, type SlashOrder, type ZoneSpec } from './values.js';

const log = createLogger('csv:import');

/** Options of {@link importCsvFile}; all optional. */
export interface CsvImportOptions {
  /** Ledger account label (default `main`). */
  account?: string;
  /**
   * Time zone for exports whose header and file name say none (`UTC+2`, `Europe/Paris`). Never
   * overrides a zone the header (`Date(UTC+1)`), the file name (`…(UTC+2).csv`) or the column name
   * (`UTC_Time`) gives. Default: UTC, with a warning.
   */
  tz?: string;
  /** How the file is named in messages and the import log (default: the path). */
  displayName?: string;
  /** Day/month order of ambiguous slash dates (`1/2/2022`); default `auto` (zero padding decides). */
  slashOrder?: SlashOrder;
  /** Records per write batch (default 2000). */
  batchSize?: number;
}

/** The per-file report. */
export interface CsvFileReport {
  file: string;
  /** Export kind, e.g. `transaction_history`. */
  kind: string;
  /** Variant, e.g. `transaction_history/2025`. */
  variant: string;
  /** The zone the times were read in, and where it came from. */
  timeZone: string;
  timeZoneFrom: 'header' | 'file name' | 'implied' | '--tz' | 'default';
  delimiter: string;
  encoding: string;
  /** Data rows read (the header excluded). */
  rowsRead: number;
  /** Records new to the ledger. */
  recordsImported: number;
  /** Records the ledger already had (same id, or matched tolerantly). */
  duplicates: number;
  /** Of the duplicates, those matched tolerantly (no shared id), each recorded in the match table. */
  matched: number;
  /** Rows folded into a multi-row record (trade legs, dust pairs, transfer twins). */
  grouped: number;
  /**
   * Trades an earlier import of the transaction history stored alone, folded into the fills this trade
   * export stored (each fill's match recorded): the same ledger as importing this export first.
   */
  folded: number;
  /** Rows kept in the quarantine table (unknown operations, legs that could not be grouped). */
  quarantined: number;
  /**
   * Rows an earlier release quarantined (operations the model had no kind for then: card spending,
   * margin, futures, P2P legs, Pay/send and automatic conversions) that this import stored as records or
   * matched to one; their quarantine
   * rows are kept, marked resolved by that record.
   */
  quarantineResolved: number;
  /** Quarantine reasons and their counts. */
  quarantineReasons: Record<string, number>;
  warnings: string[];
  importFileId: number;
}

interface Opened {
  sniff: CsvSniff;
  header: string[];
  headerLine: number;
  detected: DetectedFormat;
  rows: AsyncGenerator<{ line: number; cells: string[] }>;
}

async function openExport(path: string, name: string): Promise<Opened> {
  const sniff = await sniffCsv(path, name);
  const rows = sniff.encoding === 'xlsx' ? readWorkbookRows(path, name) : readCsvRows(path, sniff, name);
  const first = await rows.next();
  if (first.done) {
    throw new InputError('csv_empty', `${name}: the file has no header row.`, {
      hint: 'Export it again from the Data Download Center.',
    });
  }
  const header = first.value.cells.map((c) => c.replace(/^\ufeff/, '').trim());
  const detected = detectFormat(header, basename(name));
  if (!detected) {
    await rows.return(undefined);
    const shown = header.join(sniff.delimiter).slice(0, 200);
    throw new InputError(
      'csv_unknown_header',
      `${name}: line ${first.value.line}: unknown header ${JSON.stringify(shown)}: not a Binance export ledgertap knows.`,
      {
        hint: 'Give a Data Download Center CSV (transaction history, trades, orders, deposits, withdrawals, fiat, convert, Earn, Auto-Invest, P2P, futures); see the supported headers in docs.',
        details: { file: name, line: first.value.line, header },
      },
    );
  }
  if ('ambiguous' in detected) {
    await rows.return(undefined);
    throw new InputError(
      'csv_ambiguous_kind',
      `${name}: the header of ${detected.ambiguous.variant} is the same for deposits and withdrawals, and the file name says neither.`,
      {
        hint: 'Rename the file to contain "deposit" or "withdraw" (as Binance names it) and import it again.',
        details: { file: name },
      },
    );
  }
  return { sniff, header, headerLine: first.value.line, detected, rows };
}

function resolveZone(
  detected: DetectedFormat,
  fileName: string,
  tz: string | undefined,
): { zone: ZoneSpec; from: CsvFileReport['timeZoneFrom'] } {
  if (detected.headerZone) return { zone: detected.headerZone, from: 'header' };
  const fromName = zoneFromFileName(fileName);
  if (fromName) return { zone: fromName, from: 'file name' };
  if (detected.format.implicitZone === 'utc') return { zone: UTC, from: 'implied' };
  if (tz) {
    const z = parseZone(tz);
    if (!z)
      throw new InputError('csv_bad_tz', `--tz ${JSON.stringify(tz)} is not a time zone.`, {
        hint: 'Use UTC, UTC+2, +05:30 or an IANA name like Europe/Paris.',
      });
    return { zone: z, from: '--tz' };
  }
  return { zone: UTC, from: 'default' };
}

async function sha256Of(path: string, name: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw fileError(name, error) ?? error;
  }
  return hash.digest('hex');
}

/** Detects a file's kind, variant, encoding and zone without importing it. */
export async function detectCsvFile(
  path: string,
  options: Pick<CsvImportOptions, 'tz' | 'displayName'> = {},
): Promise<
  Omit<
    CsvFileReport,
    | 'rowsRead'
    | 'recordsImported'
    | 'duplicates'
    | 'matched'
    | 'grouped'
    | 'folded'
    | 'quarantined'
    | 'quarantineResolved'
    | 'quarantineReasons'
    | 'warnings'
    | 'importFileId'
  >
> {
  const name = options.displayName ?? path;
  const opened = await openExport(path, name);
  await opened.rows.return(undefined);
  const { zone, from } = resolveZone(opened.detected, basename(name), options.tz);
  return {
    file: name,
    kind: opened.detected.kind,
    variant: opened.detected.format.variant,
    timeZone: zoneLabel(zone),
    timeZoneFrom: from,
    delimiter: opened.sniff.delimiter,
    encoding: opened.sniff.encoding,
  };
}

/** Normalized items of a file, streamed (the file's format decides the normalizer). */
async function* normalizeRows(
  opened: Opened,
  ctx: FileContext,
  onRow: () => void,
  symbols?: KnownSymbols,
): AsyncGenerator<NormalizedItem> {
  const kind = opened.detected.kind;
  if (kind === 'transaction_history') {
    const grouper = new StatementGrouper(ctx.account, symbols);
    for await (const r of opened.rows) {
      onRow();
      yield* grouper.push(new Row(ctx, r.line, r.cells));
    }
    yield* grouper.end();
    return;
  }
  if (kind === 'spot_order_history') {
    const reader = new OrderHistoryReader(ctx.account);
    for await (const r of opened.rows) {
      onRow();
      yield* reader.push(new Row(ctx, r.line, r.cells), r.cells);
    }
    yield* reader.end();
    return;
  }
  const normalize = kind === 'futures' ? futures : ROW_NORMALIZERS[kind];
  if (!normalize)
    throw new InputError('csv_unsupported', `${ctx.file}: ${kind} exports are recognized but not imported.`);
  const occ = new Occurrences();
  for await (const r of opened.rows) {
    onRow();
    yield* normalize(new Row(ctx, r.line, r.cells), occ);
  }
}

const fingerprint = csvFingerprint;

/** Same event: every field both copies have agrees (ids, source, raw aside). */
function fieldsAgree(a: AccountRecord, b: AccountRecord): { agree: boolean; adds: boolean } {
  // The stored time stays (an export has whole seconds); a TXID may carry the `Internal transfer` prefix.
  const skip = new Set(['id', 'source', 'raw', 'routes', 'account', 'time']);
  let adds = false;
  const av = a as unknown as Record<string, unknown>;
  const bv = b as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(av)) {
    if (skip.has(k) || v === undefined) continue;
    if (!(k in bv) || bv[k] === undefined) {
      adds = true;
      continue;
    }
    const same =
      k === 'txId' && typeof v === 'string' && typeof bv[k] === 'string'
        ? stripInternalPrefix(v).txId === stripInternalPrefix(bv[k] as string).txId
        : JSON.stringify(v) === JSON.stringify(bv[k]);
    if (!same) return { agree: false, adds };
  }
  return { agree: true, adds };
}

/**
 * An export has whole seconds and (old order history) no order type: where the exchange's copy of the
 * same natural id says the same within that precision, its values stand, so the copies agree.
 */
function withExchangePrecision(rec: CsvAccountRecord, stored: StoredCopy): CsvAccountRecord {
  if (!stored.sources.some((s) => s !== 'csv')) return rec;
  const out = { ...rec } as CsvAccountRecord & Record<string, unknown>;
  if (Math.floor(stored.record.time / 1000) === Math.floor(rec.time / 1000)) out.time = stored.record.time;
  if (rec.kind === 'order' && stored.record.kind === 'order') out['type'] = stored.record.type;
  return out;
}

/** A report's counters before the first row. */
function zeroCounts() {
  return {
    rowsRead: 0,
    recordsImported: 0,
    duplicates: 0,
    matched: 0,
    grouped: 0,
    folded: 0,
    quarantined: 0,
    quarantineResolved: 0,
    quarantineReasons: {} as CsvFileReport['quarantineReasons'],
  };
}

/** Imports one file in one transaction; throws (and writes nothing) on a bad file. */
export async function importCsvFile(
  ledger: CsvLedger,
  path: string,
  options: CsvImportOptions = {},
): Promise<CsvFileReport> {
  const name = options.displayName ?? path;
  const account = options.account ?? 'main';
  const batchSize = options.batchSize ?? 2000;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw fileError(name, error) ?? error;
  }
  const sha256 = await sha256Of(path, name);
  const probe = await openExport(path, name);
  await probe.rows.return(undefined);
  const { zone, from } = resolveZone(probe.detected, basename(name), options.tz);
  const warnings: string[] = [];
  if (from === 'default') {
    warnings.push(
      `${name}: neither the header nor the file name gives a time zone; read as UTC. Pass --tz to say otherwise.`,
    );
  }
  const ctx: FileContext = {
    file: name,
    detected: probe.detected,
    header: probe.header,
    zone,
    decimalComma: probe.sniff.delimiter === ';',
    account,
    slashOrder: options.slashOrder ?? 'auto',
  };
  const report: CsvFileReport = {
    file: name,
    kind: probe.detected.kind,
    variant: probe.detected.format.variant,
    timeZone: zoneLabel(zone),
    timeZoneFrom: from,
    delimiter: probe.sniff.delimiter,
    encoding: probe.sniff.encoding,
    ...zeroCounts(),
    warnings,
    importFileId: 0,
  };
  log('importing %s as %s in %s', name, report.variant, report.timeZone);
  // The statement's trade legs name no symbol: the listed spelling of each pair comes from the
  // symbols the ledger holds fills or orders of (a sync's, or a trade export's imported before).
  const symbols =
    probe.detected.kind === 'transaction_history' ? await loadKnownSymbols(ledger, account) : undefined;
  await ledger.transaction(async (tx) => {
    // A PostgreSQL retry re-runs this function: start the counters again.
    Object.assign(report, zeroCounts());
    const importFileId = await tx.startImportFile({
      account,
      path: name,
      sha256,
      size,
      format: report.kind,
      variant: report.variant,
    });
    report.importFileId = importFileId;
    const batcher = new Batcher(ledger, tx, report, account, importFileId, name);
    // Opened inside the transaction, so a PostgreSQL retry reads the rows again from the start.
    const opened = await openExport(path, name);
    try {
      for await (const item of normalizeRows(opened, ctx, () => report.rowsRead++, symbols)) {
        batcher.add(item);
        if (batcher.size >= batchSize) await batcher.flush();
      }
    } finally {
      await opened.rows.return(undefined);
    }
    await batcher.flush();
    // Fills of a trade export meeting the trades a statement imported earlier stored alone.
    if (batcher.tradeDays.size > 0) {
      report.folded = await foldStatementTrades(tx, account, batcher.tradeDays, {
        importFileId,
        fingerprint,
      });
    }
    await tx.finishImportFile(importFileId, {
      status: 'done',
      rowsRead: report.rowsRead,
      recordsImported: report.recordsImported,
      duplicates: report.duplicates,
      grouped: report.grouped,
      quarantined: report.quarantined,
    });
  });
  return report;
}

/** A batch's candidate records of one kind: by id, and by time for the tolerant matcher's windows. */
class Pool {
  readonly byId: Map<string, StoredCopy>;
  private readonly sorted: StoredCopy[];
  constructor(records: StoredCopy[]) {
    this.byId = new Map(records.map((r) => [r.record.id, r]));
    this.sorted = [...records].sort((a, b) => a.record.time - b.record.time);
  }
  /** Records with since <= time <= until (binary search: a batch matches in n log n, not n²). */
  window(since: number, until: number): StoredCopy[] {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.record.time < since) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredCopy[] = [];
    for (let i = lo; i < this.sorted.length && this.sorted[i]!.record.time <= until; i++)
      out.push(this.sorted[i]!);
    return out;
  }
}

const EMPTY_POOL = new Pool([]);

/** Per-row warnings a report lists in full: a file of thousands of unknown rows stays readable. */
const MAX_ROW_WARNINGS = 20;

/** Collects items and writes them in batches: one candidate query per kind per batch, one putRecords. */
class Batcher {
  private items: NormalizedItem[] = [];
  /** Keys (kind, id) this import inserted (with their time), so later rows of the same file never match them. */
  private readonly ownInserts = new Map<string, number>();
  /** Stored records (kind, id) this import already matched: a match is one to one. */
  private readonly used = new Map<string, number>();
  private readonly quarantineOcc = new Occurrences();
  /** Row warnings of this file so far (the report lists the first {@link MAX_ROW_WARNINGS}). */
  private rowWarnings = 0;
  /** The occurrence numbering an earlier release gave the quarantine rows that records now supersede. */
  private readonly supersededOcc = new Occurrences();
  /** UTC days (epoch ms / 86 400 000) this import stored or met export fills in (trade and order history). */
  readonly tradeDays = new Set<number>();

  constructor(
    private readonly ledger: CsvLedger,
    private readonly tx: CsvLedgerTx,
    private readonly report: CsvFileReport,
    private readonly account: string,
    private readonly importFileId: number,
    private readonly file: string,
  ) {}

  get size(): number {
    return this.items.length;
  }

  add(item: NormalizedItem): void {
    this.items.push(item);
  }

  async flush(): Promise<void> {
    const items = this.items;
    this.items = [];
    if (items.length === 0) return;
    const records = items.filter(
      (i): i is Extract<NormalizedItem, { type: 'record' }> => i.type === 'record',
    );
    const candidates = await this.candidates(records);
    const toPut: CsvAccountRecord[] = [];
    const pendingIds = new Set<string>();
    for (const item of items) {
      if (item.type === 'quarantine') {
        this.report.quarantined++;
        this.report.quarantineReasons[item.reason] = (this.report.quarantineReasons[item.reason] ?? 0) + 1;
        if (item.warning) this.warn(item.warning);
        const occurrence = this.quarantineOcc.next(JSON.stringify([item.reason, item.row]));
        await this.tx.addQuarantine({
          account: this.account,
          importFileId: this.importFileId,
          file: this.file,
          line: item.line,
          ...(item.operation ? { operation: item.operation } : {}),
          row: item.row,
          reason: item.reason,
          fingerprint: fingerprint('csv-quarantine', this.account, occurrence),
        });
        continue;
      }
      if (item.grouped) this.report.grouped += item.grouped;
      const rec = item.record;
      // An earlier release's quarantine rows for these rows: resolved by whatever holds the event now.
      const resolveWith = async (kind: AccountKind, recordId: string): Promise<void> => {
        for (const q of item.supersedes ?? []) {
          const occurrence = this.supersededOcc.next(JSON.stringify([q.reason, q.row]));
          const fp = fingerprint('csv-quarantine', this.account, occurrence);
          if (await this.tx.resolveQuarantine({ account: this.account, fingerprint: fp, kind, recordId }))
            this.report.quarantineResolved++;
        }
      };
      const pool = candidates.get(rec.kind) ?? EMPTY_POOL;
      // What the previous release stored for parts of these rows (csv only): removed, never matched. The
      // removal waits until the record holding the event is known (below), so the copies' match rows and
      // quarantine resolutions move to it in this transaction.
      const replaced: { kind: AccountKind; id: string }[] = [];
      for (const old of item.replaces ?? []) {
        const stored = pool.byId.get(old);
        if (!stored || !stored.sources.every((x) => x === 'csv') || this.ownInserts.has(keyOf(stored.record)))
          continue;
        pool.byId.delete(old);
        this.used.set(keyOf(stored.record), stored.record.time);
        replaced.push({ kind: rec.kind, id: old });
      }
      // What an earlier release stored for this event as another kind (csv only): removed likewise.
      if (item.retires) {
        const retired = await this.retire(item.retires, candidates.get(item.retires.kind) ?? EMPTY_POOL);
        if (retired) replaced.push(retired);
      }
      /** Removes the replaced copies: the record (kind, recordId) holds their event now. */
      const movedTo = async (kind: AccountKind, recordId: string): Promise<void> => {
        for (const old of replaced) {
          await this.tx.removeRecord(
            { account: this.account, ...old },
            { replacedBy: { kind, id: recordId }, matchFingerprint: csvMatchFingerprint },
          );
          await this.tx.moveQuarantineResolution({
            account: this.account,
            from: old,
            to: { kind, id: recordId },
          });
        }
      };
      let sameId = pool.byId.get(rec.id);
      // A statement trade an earlier import stored alone under this id that now meets its fills (they
      // spell the pair the other way, or a sync stored them without folding it): the fills hold it, so
      // the stored copy goes and the rows are matched to them, as a first import would have done.
      if (
        sameId &&
        item.match &&
        rec.kind === 'trade' &&
        isStatementTradeCopy(sameId) &&
        !this.ownInserts.has(keyOf(sameId.record))
      ) {
        const self = keyOf(sameId.record);
        this.used.set(self, sameId.record.time);
        const fills = this.findMatch(rec, item.match, [pool]);
        if (fills?.every((f) => !isStatementId(f.record.id))) {
          pool.byId.delete(rec.id);
          replaced.push({ kind: rec.kind, id: rec.id });
          sameId = undefined;
        } else this.used.delete(self);
      }
      if (sameId || pendingIds.has(rec.id)) {
        await resolveWith(rec.kind, rec.id);
        await movedTo(rec.kind, rec.id);
        // Same natural id: the ledger merges it (and remembers the csv source).
        this.report.duplicates++;
        // A fill stored before the statement's copy of it could be folded (an older ledgertap): fold now.
        if (rec.kind === 'trade' && !isStatementId(rec.id))
          this.tradeDays.add(Math.floor(rec.time / 86_400_000));
        toPut.push(sameId ? withExchangePrecision(rec, sameId) : rec);
        continue;
      }
      const pools = (item.match?.kinds ?? [rec.kind]).map((k) => candidates.get(k) ?? EMPTY_POOL);
      const matched = item.match ? this.findMatch(rec, item.match, pools) : undefined;
      if (matched) {
        this.report.duplicates++;
        this.report.matched++;
        await resolveWith(matched[0]!.record.kind, matched[0]!.record.id);
        for (const m of matched) {
          this.used.set(keyOf(m.record), rec.time);
          await this.tx.addMatch({
            account: this.account,
            kind: m.record.kind,
            recordId: m.record.id,
            source: 'csv',
            rule: item.match!.rule,
            tolerance: item.match!.tolerance,
            importFileId: this.importFileId,
            line: item.line,
            row: rec.raw as Record<string, unknown>,
            details: {
              csvId: rec.id,
              timeDeltaMs: rec.time - m.record.time,
              ...(matched.length > 1 ? { parts: matched.length } : {}),
            },
            fingerprint: fingerprint('csv-match', this.account, m.record.kind, m.record.id, rec.id),
          });
          const { agree, adds } =
            matched.length === 1 && m.record.kind === rec.kind
              ? fieldsAgree(rec, m.record)
              : { agree: false, adds: false };
          if (agree && adds) {
            // The export knows fields the stored copy lacks (a TXID, a network): fill them in.
            // The stored fields win; only the missing ones come from the export.
            toPut.push({ ...rec, ...m.record, source: 'csv', raw: rec.raw } as CsvAccountRecord);
          } else {
            await this.tx.addRecordSource(
              { account: this.account, kind: m.record.kind, id: m.record.id },
              'csv',
              rec.raw as Record<string, unknown>,
            );
            // Copies that differ in wording (the statement's label, the export's type) but where this one
            // knows fields the stored one lacks: those are added, the stored fields and id stay.
            const extra = matched.length === 1 ? item.match!.enrich?.(m.record) : undefined;
            if (extra) toPut.push({ ...m.record, ...extra, source: 'csv' } as CsvAccountRecord);
          }
        }
        // After this row's own matches: a replaced copy's row for the same CSV row merges into them.
        await movedTo(matched[0]!.record.kind, matched[0]!.record.id);
        continue;
      }
      this.report.recordsImported++;
      if (rec.kind === 'trade' && !isStatementId(rec.id))
        this.tradeDays.add(Math.floor(rec.time / 86_400_000));
      pendingIds.add(rec.id);
      this.ownInserts.set(keyOf(rec), rec.time);
      await resolveWith(rec.kind, rec.id);
      await movedTo(rec.kind, rec.id);
      toPut.push(rec);
    }
    if (toPut.length) await this.tx.putRecords(toPut);
    this.prune(records);
  }

  /**
   * The first stored copy `rule` names (csv only, not this import's own, not matched yet), the closest in
   * time, taken out of the candidates; returns its key for the caller to remove once the record holding
   * its event is known, or undefined.
   */
  private async retire(rule: Retire, pool: Pool): Promise<{ kind: AccountKind; id: string } | undefined> {
    const found: StoredCopy[] = [];
    for (const c of pool.window(rule.since, rule.until)) {
      const key = keyOf(c.record);
      if (this.used.has(key) || this.ownInserts.has(key) || !c.sources.every((x) => x === 'csv')) continue;
      if (!pool.byId.has(c.record.id)) continue;
      const raw = (await this.tx.getSightings(this.account, c.record.kind, c.record.id)).find(
        (x) => x.source === 'csv',
      )?.raw;
      if (rule.test(c.record, raw)) found.push(c);
    }
    if (found.length === 0) return undefined;
    const mid = (rule.since + rule.until) / 2;
    found.sort((a, b) => Math.abs(a.record.time - mid) - Math.abs(b.record.time - mid));
    const old = found[0]!.record;
    pool.byId.delete(old.id);
    this.used.set(keyOf(old), old.time);
    return { kind: old.kind, id: old.id };
  }

  /** Adds a warning; past {@link MAX_ROW_WARNINGS} only counts them (every row is in the quarantine table). */
  private warn(text: string): void {
    this.rowWarnings++;
    const w = this.report.warnings;
    if (this.rowWarnings <= MAX_ROW_WARNINGS) w.push(text);
    else {
      const more = `${this.file}: ${this.rowWarnings - MAX_ROW_WARNINGS} more rows kept in quarantine (each in the ledger's quarantine table with its file and line).`;
      if (this.rowWarnings === MAX_ROW_WARNINGS + 1) w.push(more);
      else w[w.length - 1] = more;
    }
  }

  private async candidates(
    records: Extract<NormalizedItem, { type: 'record' }>[],
  ): Promise<Map<AccountKind, Pool>> {
    const ranges = new Map<AccountKind, { since: number; until: number }>();
    for (const { record, match, retires } of records) {
      const since = Math.min(record.time, match?.since ?? record.time, retires?.since ?? record.time);
      const until = Math.max(record.time, match?.until ?? record.time, retires?.until ?? record.time);
      const kinds = [record.kind, ...(match?.kinds ?? []), ...(retires ? [retires.kind] : [])];
      for (const kind of new Set(kinds)) {
        const r = ranges.get(kind);
        ranges.set(
          kind,
          r ? { since: Math.min(r.since, since), until: Math.max(r.until, until) } : { since, until },
        );
      }
    }
    const out = new Map<AccountKind, Pool>();
    for (const [kind, r] of ranges) {
      const found = await this.ledger.queryRecords({
        account: this.account,
        kind,
        since: r.since,
        until: r.until + 1,
      });
      // Natural-id records (P2P, fiat) can sit at another time in another copy: look them up by id too.
      const pool = new Pool(found);
      const ids = records.filter((i) => i.record.kind === kind && !i.match).map((i) => i.record.id);
      for (const id of ids) {
        if (pool.byId.has(id)) continue;
        const one = await this.ledger.getRecord(this.account, kind, id);
        if (one) pool.byId.set(id, one);
      }
      out.set(kind, pool);
    }
    return out;
  }

  private findMatch(rec: CsvAccountRecord, rule: MatchRule, pools: Pool[]): StoredCopy[] | undefined {
    // An export's fill never stands in for a trade the statement stored alone (its price is a rounded
    // quotient, its fills summed): the fill is stored and the statement's copy folded into it afterwards.
    const fillOfExport = rec.kind === 'trade' && !isStatementId(rec.id);
    const eligible = pools
      .flatMap((pool) => pool.window(rule.since, rule.until))
      .filter(
        (c) =>
          !this.used.has(keyOf(c.record)) &&
          !this.ownInserts.has(keyOf(c.record)) &&
          !(fillOfExport && isStatementTradeCopy(c)),
      );
    const exact = eligible.filter((c) => rule.test(c.record));
    if (exact.length) {
      // The closest in time wins; API copies before other exports' copies.
      exact.sort(
        (a, b) =>
          Math.abs(a.record.time - rec.time) - Math.abs(b.record.time - rec.time) ||
          Number(a.sources.includes('csv')) - Number(b.sources.includes('csv')),
      );
      return [exact[0]!];
    }
    if (rule.aggregate) {
      const parts = eligible.filter((c) => rule.aggregate!.key(c.record) === rule.aggregate!.wantKey);
      if (parts.length > 1) {
        let sum = 0n;
        const scale = 10n ** 18n;
        for (const p of parts) sum += toScaled(rule.aggregate.sum(p.record), scale);
        if (sum === toScaled(rule.aggregate.total, scale)) return parts;
      }
    }
    return undefined;
  }

  private prune(records: Extract<NormalizedItem, { type: 'record' }>[]): void {
    if (this.ownInserts.size < 50_000 && this.used.size < 50_000) return;
    const last = records[records.length - 1]?.record.time;
    if (last === undefined) return;
    // Exports run in time order: ids more than two days away from the current rows can no longer be candidates.
    for (const map of [this.ownInserts, this.used]) {
      for (const [id, t] of map) if (Math.abs(t - last) > 2 * 86_400_000) map.delete(id);
    }
  }
}

/** A record's key within one account (kind, id): ids of different kinds may look alike. */
function keyOf(r: AccountRecord): string {
  return `${r.kind}\u0000${r.id}`;
}

function toScaled(value: string, scale: bigint): bigint {
  const neg = value.startsWith('-');
  const v = neg ? value.slice(1) : value;
  const [int = '0', frac = ''] = v.split('.');
  const digits = BigInt(int) * scale + BigInt((frac + '0'.repeat(18)).slice(0, 18) || '0');
  return neg ? -digits : digits;
}

/** One file's failure in a multi-file import. */
export interface CsvFileFailure {
  file: string;
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Imports each file in its own transaction; a bad file is reported and the others still import. */
export async function importCsvFiles(
  ledger: CsvLedger,
  paths: readonly string[],
  options: Omit<CsvImportOptions, 'displayName'> & { displayNames?: readonly string[] } = {},
): Promise<{ reports: CsvFileReport[]; failures: CsvFileFailure[] }> {
  const reports: CsvFileReport[] = [];
  const failures: CsvFileFailure[] = [];
  // Exports with one row per event first, the transaction history last: its legs then confirm records
  // already stored (a trade's fills, a withdrawal's fee) instead of standing in for them.
  const order = await Promise.all(
    paths.map(async (path, i) => {
      const displayName = options.displayNames?.[i] ?? path;
      const kind = await detectCsvFile(path, { displayName }).then(
        (d) => d.kind,
        () => undefined,
      );
      return { path, displayName, rank: kind === 'transaction_history' ? 1 : 0, i };
    }),
  );
  order.sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const { path, displayName } of order) {
    try {
      reports.push(await importCsvFile(ledger, path, { ...options, displayName }));
    } catch (error) {
      if (!isLedgertapError(error)) throw error;
      failures.push({
        file: displayName,
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      });
    }
  }
  return { reports, failures };
}
