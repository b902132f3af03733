/**
 * Export: normalized records in the shape of the sandbox's truth (docs/normalized-model.md): no
 * `source`/`raw` unless asked, sorted by kind then id (then account), streamed page by page.
 */
import type { AccountKind } from '../schemas/index.js';
import { toIso } from '../core/index.js';
import { allFields, fieldsOf, orderedContent, timeFieldsOf } from './fields.js';
import type { LedgerStore, StoredRecord } from './types.js';

/** Options of {@link exportLines}. */
export interface ExportOptions {
  format: 'jsonl' | 'csv';
  kind?: AccountKind;
  account?: string;
  /** Add `source` (the source whose fields are stored), `sources` and `raw` (that source's payload). */
  withRaw?: boolean;
  /**
   * How times are written: `epoch` (default) as the normalized model stores them (integer UTC epoch
   * ms, the shape of the sandbox's truth and of the normalized API); `iso` as ISO 8601 UTC strings
   * (`2024-01-31T10:00:00.000Z`) for spreadsheets and people. Only the kind's time fields change.
   */
  timeFormat?: 'epoch' | 'iso';
  /**
   * CSV: a text cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
   * CR and is not a number) gets a leading `'` (OWASP "CSV injection"). Default true: a P2P counterparty
   * picks their own nickname, and a cell like `=HYPERLINK(…)` must not run when an accountant opens the
   * file. `false` writes every value exactly as stored (for programs that read the CSV back).
   */
  spreadsheetGuard?: boolean;
}

/** The record with its time fields as ISO 8601 strings. */
function withIsoTimes(kind: AccountKind, content: Record<string, unknown>): Record<string, unknown> {
  const out = { ...content };
  for (const field of timeFieldsOf(kind)) {
    const value = out[field];
    if (typeof value === 'number') out[field] = toIso(value);
  }
  return out;
}

/** What a spreadsheet reads as the start of a formula (Excel, LibreOffice, Google Sheets). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A decimal number as the ledger stores amounts (`-0.5`, `+1e-8`): never a formula, never altered. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * RFC 4180 field: quoted when it holds a comma, quote, CR or LF, or edge spaces. With `guard`, a text that
 * a spreadsheet would run as a formula gets a leading `'` (see ExportOptions.spreadsheetGuard).
 */
export function csvField(value: unknown, guard = false): string {
  if (value === undefined || value === null) return '';
  let text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  if (guard && typeof value === 'string' && FORMULA_START.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function withRawFields(store: LedgerStore, stored: StoredRecord): Promise<Record<string, unknown>> {
  const r = stored.record;
  const sightings = await store.getSightings(r.account, r.kind, r.id);
  const primary = sightings.find((s) => s.source === stored.primarySource);
  return { source: stored.primarySource, sources: stored.sources, raw: primary?.raw ?? null };
}

/** The export as lines (each without its newline): a CSV header first, then one line per record. */
export async function* exportLines(store: LedgerStore, options: ExportOptions): AsyncIterable<string> {
  const query = {
    ...(options.kind !== undefined ? { kind: options.kind } : {}),
    ...(options.account !== undefined ? { account: options.account } : {}),
  };
  const columns =
    options.kind !== undefined
      ? [...fieldsOf(options.kind)]
      : ['kind', ...allFields().filter((f) => f !== 'kind')];
  if (options.withRaw) columns.push('source', 'sources', 'raw');
  if (options.format === 'csv') yield columns.map((c) => csvField(c)).join(',');
  const guard = options.spreadsheetGuard ?? true;
  for await (const stored of store.iterateRecords(query)) {
    const ordered = orderedContent(stored.record) as unknown as Record<string, unknown>;
    const content = options.timeFormat === 'iso' ? withIsoTimes(stored.record.kind, ordered) : ordered;
    const row = options.withRaw ? { ...content, ...(await withRawFields(store, stored)) } : content;
    // Stored records hold no bigint (ids are digit strings), so plain JSON is exact.
    if (options.format === 'jsonl') yield JSON.stringify(row);
    else yield columns.map((c) => csvField(row[c], guard)).join(',');
  }
}
