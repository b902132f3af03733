/**
 * Streams a Data Download Center export as rows of cells with their line numbers, in bounded memory:
 * sniffs the encoding (UTF-8 with or without BOM, UTF-16 LE/BE as Excel writes it), refuses what is not
 * text (a workbook, an image, a truncated binary), finds the delimiter (`,` or `;`) from the header, and
 * undoes Excel's whole-row quoting (`"1,2021-10-19 22:12:47,Spot,…"` becomes its fields again).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { parse, type Options as CsvParseOptions } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { InputError, fileError } from '../../../core/index.js';

/** Text encodings the exports come in. */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** One data row: its 1-based line number in the file and its cells (trimmed of the BOM, untrimmed otherwise). */
export interface CsvRow {
  line: number;
  cells: string[];
}

/** What sniffing the start of a file found. */
export interface CsvSniff {
  /** `xlsx`: an Excel workbook, read by readWorkbookRows (workbook.ts), not as text. */
  encoding: CsvEncoding | 'xlsx';
  bomBytes: number;
  delimiter: ',' | ';';
}

const SNIFF_BYTES = 64 * 1024;
/** Longest row accepted (characters). */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Reads the first bytes and decides the encoding and delimiter, or throws an InputError naming the file. */
export async function sniffCsv(path: string, displayName = path): Promise<CsvSniff> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (error) {
    throw fileError(displayName, error) ?? error;
  }
  if (head.length === 0) {
    throw new InputError('csv_empty', `${displayName}: the file is empty.`, {
      hint: 'Export it again from the Data Download Center.',
    });
  }
  // A zip: an Excel workbook (.xlsx), read sheet by sheet rather than as text.
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return { encoding: 'xlsx', bomBytes: 0, delimiter: ',' };
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    throw new InputError(
      'csv_not_text',
      `${displayName}: this is a legacy Excel workbook (.xls), not a CSV file or an .xlsx workbook.`,
      {
        hint: 'Open it in a spreadsheet and save it as .xlsx or "CSV UTF-8", or download the CSV export.',
      },
    );
  }
  let encoding: CsvEncoding = 'utf-8';
  let bomBytes = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) bomBytes = 3;
  else if (head[0] === 0xff && head[1] === 0xfe) [encoding, bomBytes] = ['utf-16le', 2];
  else if (head[0] === 0xfe && head[1] === 0xff) [encoding, bomBytes] = ['utf-16be', 2];
  else {
    // UTF-16 without a BOM: ASCII text leaves every other byte zero.
    let evenZero = 0;
    let oddZero = 0;
    const n = Math.min(head.length, 4096);
    for (let i = 0; i < n; i++) {
      if (head[i] !== 0) continue;
      if (i % 2 === 0) evenZero++;
      else oddZero++;
    }
    if (oddZero > n / 4 && evenZero === 0) encoding = 'utf-16le';
    else if (evenZero > n / 4 && oddZero === 0) encoding = 'utf-16be';
  }
  if (encoding === 'utf-8' && head.subarray(0, 4096).includes(0)) {
    throw new InputError(
      'csv_not_text',
      `${displayName}: this is not a text file (binary bytes at the start).`,
      {
        hint: 'Give the CSV file exported from the Data Download Center.',
      },
    );
  }
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(head.subarray(bomBytes), { stream: true });
  } catch {
    throw notText(displayName, encoding, head.subarray(bomBytes), 0);
  }
  let controls = 0;
  for (const ch of text.slice(0, 4096)) {
    const code = ch.charCodeAt(0);
    // Control characters other than tab, line feed and carriage return never appear in an export.
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c && code !== 0x0b)
      controls++;
  }
  if (controls > 0) {
    throw new InputError(
      'csv_not_text',
      `${displayName}: this is not a text file (binary bytes at the start).`,
      {
        hint: 'Give the CSV file exported from the Data Download Center.',
      },
    );
  }
  const firstLine =
    text
      .replace(/^\ufeff/, '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '') ?? '';
  return { encoding, bomBytes, delimiter: guessDelimiter(firstLine) };
}

function guessDelimiter(line: string): ',' | ';' {
  let commas = 0;
  let semis = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',') commas++;
    else if (ch === ';') semis++;
  }
  // A whole-row-quoted header hides its commas inside quotes: count them too.
  if (commas === 0 && semis === 0) {
    commas = (line.match(/,/g) ?? []).length;
    semis = (line.match(/;/g) ?? []).length;
  }
  return semis > commas ? ';' : ',';
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let n = 0;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) n = 2;
    else if (b >= 0xf0 && b <= 0xf4) n = 3;
    else return i;
    if (i + n >= buf.length && n > 0) return i + n >= buf.length ? -1 : i;
    for (let k = 1; k <= n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

function notText(
  displayName: string,
  encoding: CsvEncoding,
  bytes: Uint8Array,
  linesBefore: number,
): InputError {
  let line = linesBefore + 1;
  if (encoding === 'utf-8') {
    const at = firstInvalidUtf8(bytes);
    if (at >= 0) for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
  }
  return new InputError(
    'csv_encoding',
    `${displayName}: line ${line}: bytes that are not valid ${encoding.toUpperCase()} (the file mixes encodings or is not text).`,
    {
      hint: 'Re-export the file, or save it from your spreadsheet as "CSV UTF-8".',
      details: { file: displayName, line },
    },
  );
}

/** Decodes bytes to text, failing with the line of the first invalid byte. */
class Decoder extends Transform {
  private readonly decoder: TextDecoder;
  private lines = 0;
  private skip: number;
  constructor(
    private readonly encoding: CsvEncoding,
    bomBytes: number,
    private readonly displayName: string,
  ) {
    super({ decodeStrings: true, readableObjectMode: false });
    this.decoder = new TextDecoder(encoding, { fatal: true });
    this.skip = bomBytes;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    let bytes: Buffer = chunk;
    if (this.skip > 0) {
      const cut = Math.min(this.skip, bytes.length);
      bytes = bytes.subarray(cut);
      this.skip -= cut;
    }
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      callback(notText(this.displayName, this.encoding, bytes, this.lines));
      return;
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lines++;
    callback(null, text);
  }
  override _flush(callback: TransformCallback): void {
    try {
      const rest = this.decoder.decode();
      callback(null, rest);
    } catch {
      callback(
        new InputError(
          'csv_truncated',
          `${this.displayName}: line ${this.lines + 1}: the file ends in the middle of a character.`,
          {
            hint: 'The file is truncated; export it again.',
            details: { file: this.displayName, line: this.lines + 1 },
          },
        ),
      );
    }
  }
}

/**
 * Streams every non-empty row of the file. Rows that Excel wrapped into one quoted field are split back.
 * Errors are InputErrors naming the file and line.
 */
export async function* readCsvRows(
  path: string,
  sniff: CsvSniff,
  displayName = path,
): AsyncGenerator<CsvRow> {
  const options: CsvParseOptions = {
    delimiter: sniff.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
    bom: true,
    // No export row comes near this; a hostile or corrupt file cannot make one row eat the memory.
    max_record_size: MAX_RECORD_BYTES,
  };
  const source = createReadStream(path, { highWaterMark: 256 * 1024 });
  if (sniff.encoding === 'xlsx') throw new Error('readCsvRows: a workbook is read by readWorkbookRows');
  const decoder = new Decoder(sniff.encoding, sniff.bomBytes, displayName);
  const parser = parse(options);
  source.on('error', (e) => decoder.destroy(fileError(displayName, e) ?? e));
  decoder.on('error', (e) => parser.destroy(e));
  source.pipe(decoder).pipe(parser);
  let width = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      let cells = item.record;
      if (cells.length === 1 && cells[0] !== undefined && cells[0].includes(sniff.delimiter) && width !== 1) {
        cells = unwrapExcelRow(cells[0], sniff.delimiter) ?? cells;
      }
      if (cells.every((c) => c.trim() === '')) continue;
      if (width === 0) width = cells.length;
      yield { line: item.info.lines, cells };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const e = error as { code?: string; lines?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
      const line = e.lines ?? 0;
      const truncated = e.code === 'CSV_QUOTE_NOT_CLOSED';
      throw new InputError(
        truncated ? 'csv_truncated' : 'csv_malformed',
        `${displayName}: line ${line}: ${truncated ? 'a quoted field is never closed (the file ends inside it)' : (e.message ?? e.code)}.`,
        {
          hint: truncated ? 'The file is truncated; export it again.' : 'Re-export the file.',
          details: { file: displayName, line },
        },
      );
    }
    throw fileError(displayName, error) ?? error;
  } finally {
    source.destroy();
  }
}

/** `"1,2021-10-19 22:12:47,Spot,Deposit,EUR,294.6,"""""` after csv-parse is `1,…,294.6,""`: parse it as a row. */
export function unwrapExcelRow(field: string, delimiter: string): string[] | undefined {
  try {
    const rows = parseSync(field, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][];
    return rows.length === 1 ? rows[0] : undefined;
  } catch {
    return undefined;
  }
}
