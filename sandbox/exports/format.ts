/**
 * Cell and line formatting of the sandbox's Data Download Center exports, with the quirks real exports
 * have (csv-formats.md): offsets in the header or the file name, two-digit years, asset-suffixed and
 * quoted thousands-separated amounts, scientific notation, `;` delimiters, BOMs, Excel whole-row quoting.
 */
import { canonicalDecimal, dec } from '../../core/index.js';

/** How rows are quoted: only where needed, every field (privatefolio's sample), or Excel's whole-row quoting. */
export type Quoting = 'minimal' | 'all' | 'excel';

export interface LineStyle {
  delimiter: ',' | ';';
  quoting: Quoting;
}

function quoteCell(cell: string, style: LineStyle): string {
  if (
    style.quoting === 'all' ||
    cell.includes(style.delimiter) ||
    cell.includes('"') ||
    /[\r\n]/.test(cell)
  ) {
    return `"${cell.replace(/"/g, '""')}"`;
  }
  return cell;
}

/** One CSV line with its `\n`. */
export function csvLine(cells: readonly string[], style: LineStyle): string {
  const line = cells
    .map((c) => quoteCell(c, { ...style, quoting: style.quoting === 'excel' ? 'minimal' : style.quoting }))
    .join(style.delimiter);
  // After an Excel round-trip a whole row becomes one quoted field with doubled inner quotes.
  return style.quoting === 'excel' ? `"${line.replace(/"/g, '""')}"\n` : `${line}\n`;
}

/** Parses `UTC+2`, `UTC-6`, `+05:30`, `UTC` into minutes east of UTC; undefined when malformed. */
export function parseOffset(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || text === '') return 0;
  const t = text.trim();
  if (/^(utc|z|gmt)$/i.test(t)) return 0;
  const m = /^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (!m) return undefined;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  return Math.abs(minutes) <= 14 * 60 ? minutes : undefined;
}

/** `UTC+2`, `UTC-6`, `UTC+5:30`, `UTC+0` (the header style of 2025 exports). */
export function offsetLabel(minutes: number, zeroAs = 'UTC+0'): string {
  if (minutes === 0) return zeroAs;
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''}`;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** Epoch ms as wall time in the offset: `YYYY-MM-DD HH:MM:SS`, or `YY-MM-DD HH:MM:SS` (2025 exports). */
export function formatTime(
  ms: number,
  offsetMinutes: number,
  style: 'full' | 'yy' | 'excel-us' = 'full',
): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const y = d.getUTCFullYear();
  if (style === 'excel-us')
    return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${y} ${d.getUTCHours()}:${p2(d.getUTCMinutes())}`;
  const date = `${style === 'yy' ? p2(y % 100) : y}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
  return `${date} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** An amount with 8 decimals (`0.05280000`). */
export function fixed8(amount: string): string {
  return dec(amount).toFixed(8);
}

/** A tiny amount in scientific notation as the Earn export writes it (`4.3E-7`); others plain. */
export function scientificIfTiny(amount: string): string {
  const d = dec(amount);
  if (d.isZero() || d.abs().gte('0.0001')) return canonicalDecimal(d);
  const [mant, exp] = d.toExponential().split('e');
  return `${mant}E${exp!.startsWith('-') ? exp : `+${exp}`}`;
}

/** `11426.2` → `11,426.20000000` (the trade export's price, quoted by the line writer). */
export function thousands(amount: string, decimals = 8): string {
  const [whole, frac] = dec(amount).toFixed(decimals).split('.');
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac ? `.${frac}` : ''}`;
}
