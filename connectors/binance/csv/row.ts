/**
 * One data row read through its detected format: cells by logical field, parsed amounts and times, and
 * errors that name the file, line, column and header.
 */
import { InputError } from '../../../core/index.js';
import type { DetectedFormat } from './formats.js';
import {
  parseAmount,
  parseWallTime,
  wallToUtc,
  type ParsedAmount,
  type SlashOrder,
  type ZoneSpec,
} from './values.js';

/** Per-file settings every row of the file shares. */
export interface FileContext {
  /** The file as the user named it (used in messages). */
  file: string;
  detected: DetectedFormat;
  header: string[];
  zone: ZoneSpec;
  decimalComma: boolean;
  account: string;
  slashOrder: SlashOrder;
}

/** A parsed time: epoch ms and the tolerance its precision implies. */
export interface RowTime {
  ms: number;
  /** Half-width of the window the real instant lies in (0 for full seconds, 60 s for Excel minutes, a day for dates). */
  toleranceMs: number;
}

export class Row {
  constructor(
    readonly ctx: FileContext,
    readonly line: number,
    readonly cells: string[],
  ) {}

  /** The row as column → value, for `raw` and the quarantine table. */
  raw(): Record<string, string> {
    const out: Record<string, string> = {};
    this.ctx.header.forEach((name, i) => {
      const key = name.replace(/^\ufeff/, '').trim() || `column${i + 1}`;
      out[key] = (this.cells[i] ?? '').trim();
    });
    for (let i = this.ctx.header.length; i < this.cells.length; i++) {
      if ((this.cells[i] ?? '').trim() !== '') out[`column${i + 1}`] = this.cells[i]!.trim();
    }
    return out;
  }

  has(field: string): boolean {
    return field in this.ctx.detected.index;
  }

  /** The trimmed cell of a field ('' when the column is absent or the row is short). */
  text(field: string): string {
    const i = this.ctx.detected.index[field];
    if (i === undefined) return '';
    return (this.cells[i] ?? '').trim().replace(/^"+|"+$/g, '');
  }

  /** A required non-empty cell. */
  need(field: string): string {
    const t = this.text(field);
    if (t === '') throw this.error(field, 'is empty', 'The row is incomplete; the file may be truncated.');
    return t;
  }

  amount(field: string): ParsedAmount {
    const t = this.need(field);
    const a = parseAmount(t, this.ctx.decimalComma);
    if (!a) throw this.error(field, `is not an amount: ${JSON.stringify(t)}`);
    return a;
  }

  optionalAmount(field: string): ParsedAmount | undefined {
    const t = this.text(field);
    if (t === '' || t === '--' || t === '-') return undefined;
    const a = parseAmount(t, this.ctx.decimalComma);
    if (!a) throw this.error(field, `is not an amount: ${JSON.stringify(t)}`);
    return a;
  }

  time(field = 'time'): RowTime {
    const t = this.need(field);
    const w = parseWallTime(t, this.ctx.slashOrder);
    if (!w) throw this.error(field, `is not a date: ${JSON.stringify(t)}`);
    const ms = w.absolute ? w.wallMs : wallToUtc(w.wallMs, this.ctx.zone);
    const toleranceMs = w.precision === 'day' ? 86_400_000 : w.precision === 'minute' ? 60_000 : 0;
    return { ms, toleranceMs };
  }

  /** An InputError naming file, line, column number and header. */
  error(field: string, what: string, hint = 'Fix the cell or re-export the file.'): InputError {
    const i = this.ctx.detected.index[field];
    const column = i === undefined ? undefined : i + 1;
    const name = i === undefined ? field : (this.ctx.header[i] ?? field).replace(/^\ufeff/, '').trim();
    const where = column === undefined ? '' : `, column ${column} (${name})`;
    return new InputError('csv_bad_value', `${this.ctx.file}: line ${this.line}${where}: ${what}.`, {
      hint,
      details: { file: this.ctx.file, line: this.line, ...(column ? { column, header: name } : {}) },
    });
  }
}

/** Quote assets, most "quote-like" first: the split of a concatenated symbol and the side of a statement trade follow it. */
export const QUOTE_ASSETS = [
  'USDT',
  'FDUSD',
  'USDC',
  'BUSD',
  'TUSD',
  'USDP',
  'DAI',
  'EUR',
  'GBP',
  'TRY',
  'BRL',
  'AUD',
  'RUB',
  'UAH',
  'NGN',
  'ZAR',
  'PLN',
  'RON',
  'ARS',
  'JPY',
  'MXN',
  'COP',
  'CZK',
  'IDRT',
  'BIDR',
  'BVND',
  'VAI',
  'PAX',
  'USDS',
  'BTC',
  'ETH',
  'BNB',
  'XRP',
  'TRX',
  'DOGE',
  'DOT',
];

/** `BNBBTC` → {base BNB, quote BTC}, by the longest known quote suffix; undefined when none fits. */
export function splitSymbol(
  symbol: string,
  known?: { base?: string; quote?: string },
): { base: string; quote: string } | undefined {
  // Asset names may be non-ASCII (CONTRACT §1: `这是测试币456`): keep letters of every script.
  const s = symbol.toUpperCase().replace(/[^\p{Lu}\p{Lo}\p{Nd}]/gu, '');
  if (known?.quote && s.endsWith(known.quote) && s.length > known.quote.length)
    return { base: s.slice(0, -known.quote.length), quote: known.quote };
  if (known?.base && s.startsWith(known.base) && s.length > known.base.length)
    return { base: known.base, quote: s.slice(known.base.length) };
  const slash = /^([\p{Lu}\p{Lo}\p{Nd}]+)[/_-]([\p{Lu}\p{Lo}\p{Nd}]+)$/u.exec(symbol.toUpperCase());
  if (slash) return { base: slash[1]!, quote: slash[2]! };
  let best: string | undefined;
  for (const q of QUOTE_ASSETS)
    if (s.endsWith(q) && s.length > q.length && (!best || q.length > best.length)) best = q;
  return best ? { base: s.slice(0, -best.length), quote: best } : undefined;
}

const QUOTE_RANK = new Map(QUOTE_ASSETS.map((a, i) => [a, i]));

/** Rank of an asset as a quote (lower = more quote-like); unknown assets rank last. */
export function quoteRank(asset: string): number {
  return QUOTE_RANK.get(asset) ?? QUOTE_ASSETS.length;
}

/** Exchange status words → the normalized transfer status. */
export function transferStatus(
  text: string,
): 'pending' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'processing' {
  const k = text.toLowerCase().replace(/[^a-z]/g, '');
  if (/^(completed?|success(ful)?|finished|credited|done|confirmed)$/.test(k)) return 'completed';
  if (/^(cancel+ed|canceled)$/.test(k)) return 'cancelled';
  if (/^(failed?|failure|expired)$/.test(k)) return 'failed';
  if (/^rejected$/.test(k)) return 'rejected';
  if (/^(processing|inprogress)$/.test(k)) return 'processing';
  return 'pending';
}
