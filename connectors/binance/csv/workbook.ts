/**
 * Excel workbooks (.xlsx) read as the rows of their first sheet, so an export Binance gave as .xlsx (the
 * trade history up to 2020, some reports still) imports as it was downloaded. Re-saving it as CSV through
 * a spreadsheet is what loses the seconds of every time and rounds amounts (csv-formats.md), so the
 * workbook itself is the better source. Cells become the text a CSV export would hold: numbers exactly as
 * the file stores them (never through a float), date cells as `YYYY-MM-DD HH:MM:SS` of the wall clock the
 * sheet shows (its zone comes from the header or --tz, as for a CSV).
 */
import { open, stat } from 'node:fs/promises';
import { readSheet } from 'read-excel-file/node';
import { InputError, fileError } from '../../../core/index.js';
import type { CsvRow } from './reader.js';

/** A workbook export never comes near this; the reader holds the whole sheet, so larger ones are refused. */
export const MAX_WORKBOOK_BYTES = 64 * 1024 * 1024;
/** What the zip says its parts unpack to, at most: a small file that unpacks to gigabytes is not an export. */
export const MAX_WORKBOOK_UNPACKED_BYTES = 512 * 1024 * 1024;

const HINT =
  'Give the workbook as downloaded, or save it from your spreadsheet as "CSV UTF-8" and import that.';

/** The rows of the first sheet, empty rows left out, each with its 1-based row number. */
export async function* readWorkbookRows(path: string, displayName = path): AsyncGenerator<CsvRow> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw fileError(displayName, error) ?? error;
  }
  if (size > MAX_WORKBOOK_BYTES) {
    throw new InputError(
      'csv_too_large',
      `${displayName}: this workbook is ${mib(size)}; workbooks over ${mib(MAX_WORKBOOK_BYTES)} are not read.`,
      { hint: 'Download the CSV export of the same data instead (CSV files of any size are streamed).' },
    );
  }
  const unpacked = await declaredUnpackedBytes(path);
  if (unpacked === undefined || unpacked > MAX_WORKBOOK_UNPACKED_BYTES) {
    throw new InputError(
      'csv_bad_workbook',
      unpacked === undefined
        ? `${displayName}: this is not a readable Excel workbook (its zip directory is missing or damaged).`
        : `${displayName}: this workbook unpacks to ${mib(unpacked)}, more than any export (${mib(MAX_WORKBOOK_UNPACKED_BYTES)}).`,
      { hint: HINT },
    );
  }
  let rows: unknown[][];
  try {
    rows = (await readSheet(path, { parseNumber: (text: string) => text, trim: false })) as unknown[][];
  } catch (error) {
    throw new InputError(
      'csv_bad_workbook',
      `${displayName}: cannot read this Excel workbook: ${workbookReason(error)}.`,
      { hint: HINT, cause: error },
    );
  }
  for (let i = 0; i < rows.length; i++) {
    const cells = (rows[i] ?? []).map(cellText);
    if (cells.every((c) => c.trim() === '')) continue;
    yield { line: i + 1, cells };
  }
}

/** A cell as a CSV export would hold it. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : wallClock(value);
  return String(value);
}

/**
 * The sheet's wall-clock time (the library reads a date cell as that time in UTC). A date cell is a
 * fraction of a day, and turning it into milliseconds lands a whole second a millisecond or two off
 * (14:05:36.999 for 14:05:37): within 2 ms of a second is that second.
 */
function wallClock(date: Date): string {
  const t = date.getTime();
  const off = ((t % 1000) + 1000) % 1000;
  const iso = new Date(off <= 2 || off >= 998 ? Math.round(t / 1000) * 1000 : t).toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}`}`;
}

function workbookReason(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  if (e?.code === 'XLS_FILE_NOT_SUPPORTED') return 'it is a legacy .xls file, not .xlsx';
  if (e?.code === 'INVALID_ZIP') return 'it is not a valid zip archive (damaged or truncated)';
  if (e?.code === 'NO_DATA') return 'it is empty';
  return typeof e?.message === 'string' && e.message ? e.message.replace(/\.$/, '') : String(error);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The uncompressed sizes the zip's central directory declares, summed; undefined when there is no
 * readable directory. Read from the end of the file before anything is unpacked.
 */
async function declaredUnpackedBytes(path: string): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    // The end-of-central-directory record is in the last 22 bytes plus a comment of up to 64 KiB.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await fh.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) return undefined;
    const entries = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirOffset + dirSize > size || dirSize > 16 * 1024 * 1024) return undefined;
    const dir = Buffer.alloc(dirSize);
    await fh.read(dir, 0, dirSize, dirOffset);
    let total = 0;
    let at = 0;
    for (let n = 0; n < entries; n++) {
      if (at + 46 > dir.length || dir.readUInt32LE(at) !== 0x02014b50) return undefined;
      const unpacked = dir.readUInt32LE(at + 24);
      // 0xffffffff: the real size is in a zip64 field; no export needs one, so count it as too large.
      total += unpacked === 0xffffffff ? Number.MAX_SAFE_INTEGER / 2 : unpacked;
      at += 46 + dir.readUInt16LE(at + 28) + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
    }
    return total;
  } finally {
    await fh.close();
  }
}
