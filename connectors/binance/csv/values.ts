/**
 * Cell values of Data Download Center exports: amounts with every quirk csv-formats.md lists (scientific
 * notation, thousands separators, asset suffixes `0.05BTC`, `"10 USDT"`, currency prefixes `£0.025`,
 * decimal commas after a European Excel re-save) and dates in every layout seen (`YYYY-MM-DD HH:MM:SS`,
 * `YY-MM-DD …`, date-only, Excel re-saves without seconds, `dd.mm.yy HH:MM`).
 */
import { canonicalDecimal, isDecimalString } from '../../../core/index.js';

/** An amount cell split into its number (canonical decimal string) and the asset written beside it, if any. */
export interface ParsedAmount {
  value: string;
  asset: string | undefined;
}

const CURRENCY_PREFIX = /^[£€$¥₺₹₽]/u;
// Asset names may be in any script (CONTRACT §1 and §6.14: non-ASCII assets exist), so letters are \p{L}.
const AMOUNT_WITH_ASSET = /^([+-]?[\d.,]*\d[\d.,]*(?:[eE][+-]?\d+)?)\s*(\p{L}[\p{L}\p{Nd}]*)?$/u;
const ASSET_THEN_AMOUNT = /^(\p{L}[\p{L}\p{Nd}]*)\s+([+-]?[\d.,]*\d[\d.,]*(?:[eE][+-]?\d+)?)$/u;
const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

/**
 * Parses one amount cell, or returns undefined when it is not a number.
 * @param decimalComma true when the file's delimiter is `;` (a European Excel re-save), where `0,5` means one half.
 */
export function parseAmount(text: string, decimalComma = false): ParsedAmount | undefined {
  let t = text
    .trim()
    .replace(/^"+|"+$/g, '')
    .trim();
  if (t === '') return undefined;
  t = t.replace(CURRENCY_PREFIX, '').replace(/\u00a0/g, ' ');
  let num: string | undefined;
  let asset: string | undefined;
  const m = AMOUNT_WITH_ASSET.exec(t);
  if (m) {
    num = m[1];
    asset = m[2];
  } else {
    const r = ASSET_THEN_AMOUNT.exec(t);
    if (!r) return undefined;
    asset = r[1];
    num = r[2];
  }
  if (num === undefined) return undefined;
  const normalized = normalizeSeparators(num.replace(/ /g, ''), decimalComma);
  if (normalized === undefined || !isDecimalString(normalized)) return undefined;
  return { value: canonicalDecimal(normalized), asset: asset?.toUpperCase() };
}

function normalizeSeparators(num: string, decimalComma: boolean): string | undefined {
  const hasComma = num.includes(',');
  const hasDot = num.includes('.');
  if (!hasComma) return num;
  if (hasDot) {
    // Both: the last one is the decimal separator.
    return num.lastIndexOf(',') > num.lastIndexOf('.')
      ? num.replace(/\./g, '').replace(',', '.')
      : num.replace(/,/g, '');
  }
  if (decimalComma) return (num.match(/,/g) ?? []).length === 1 ? num.replace(',', '.') : undefined;
  return THOUSANDS.test(num) ? num.replace(/,/g, '') : undefined;
}

/** A UTC offset in minutes, or a named IANA zone resolved per instant. */
export type ZoneSpec = { kind: 'offset'; minutes: number; label: string } | { kind: 'iana'; name: string };

export const UTC: ZoneSpec = { kind: 'offset', minutes: 0, label: 'UTC' };

/**
 * Parses a time zone as the exports and users write it: `UTC`, `UTC+2`, `UTC-6`, `UTC--6` (Binance's
 * localized file names double the minus), `UTC+5:30`, `UTCnull` (= UTC), `+02:00`, `Z`, or an IANA name.
 */
export function parseZone(text: string): ZoneSpec | undefined {
  const t = text.trim();
  if (t === '' || /^(utc|gmt|z|utcnull|utc\+?0|utc-0|gmt\+?0)$/i.test(t)) return UTC;
  const m = /^(?:utc|gmt)?\s*([+-]{1,2})\s*(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (m) {
    const sign = m[1]!.includes('-') ? -1 : 1;
    const minutes = sign * (Number(m[2]) * 60 + Number(m[3] ?? 0));
    if (Math.abs(minutes) > 14 * 60) return undefined;
    return { kind: 'offset', minutes, label: formatOffset(minutes) };
  }
  if (/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(t)) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: t });
      return { kind: 'iana', name: t };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `UTC${sign}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''}`;
}

export function zoneLabel(zone: ZoneSpec): string {
  return zone.kind === 'offset' ? zone.label : zone.name;
}

/** The time zone a file name carries, e.g. `Binance-Transaction-History-202604281735(UTC+2).csv`. */
export function zoneFromFileName(name: string): ZoneSpec | undefined {
  const m = /\((UTC[^)]*)\)/i.exec(name);
  return m ? parseZone(m[1]!) : undefined;
}

const ianaFormatters = new Map<string, Intl.DateTimeFormat>();

function ianaOffsetMinutes(name: string, utcMs: number): number {
  let f = ianaFormatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    ianaFormatters.set(name, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts['year']!,
    parts['month']! - 1,
    parts['day']!,
    parts['hour']!,
    parts['minute']!,
    parts['second']!,
  );
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** Epoch ms of a wall-clock time (given as if it were UTC) in the zone. */
export function wallToUtc(wallAsUtcMs: number, zone: ZoneSpec): number {
  if (zone.kind === 'offset') return wallAsUtcMs - zone.minutes * 60000;
  let guess = wallAsUtcMs - ianaOffsetMinutes(zone.name, wallAsUtcMs) * 60000;
  guess = wallAsUtcMs - ianaOffsetMinutes(zone.name, guess) * 60000;
  return guess;
}

/** What a date cell told: its wall time (as if UTC) and how precise it was. */
export interface ParsedWallTime {
  wallMs: number;
  /** `second` for full times; `minute` when Excel dropped the seconds; `day` for date-only cells. */
  precision: 'second' | 'minute' | 'day' | 'millisecond';
}

/** Day/month order for slash dates; `auto` decides from zero padding and from values over 12. */
export type SlashOrder = 'auto' | 'dmy' | 'mdy';

const ISO_LIKE =
  /^(\d{2}|\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function fullYear(y: string): number {
  // Two-digit years are this century: exchange history starts in 2017 (BittyTax `_get_timestamp` prefixes "20").
  return y.length === 2 ? 2000 + Number(y) : Number(y);
}

function build(
  y: number,
  mo: number,
  d: number,
  h?: string,
  mi?: string,
  s?: string,
  ms?: string,
): ParsedWallTime | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const hh = h === undefined ? 0 : Number(h);
  const mm = mi === undefined ? 0 : Number(mi);
  const ss = s === undefined ? 0 : Number(s);
  if (hh > 23 || mm > 59 || ss > 60) return undefined;
  const wallMs = Date.UTC(y, mo - 1, d, hh, mm, ss, ms === undefined ? 0 : Number(ms.padEnd(3, '0')));
  const check = new Date(wallMs);
  if (check.getUTCDate() !== d) return undefined;
  const precision =
    h === undefined ? 'day' : s === undefined ? 'minute' : ms === undefined ? 'second' : 'millisecond';
  return { wallMs, precision };
}

/**
 * Parses a date cell into wall time. An explicit offset inside the cell (`…Z`, `+02:00`) is applied and
 * reported by `absolute: true`, so the caller does not apply the file's zone on top.
 */
export function parseWallTime(
  text: string,
  order: SlashOrder = 'auto',
): (ParsedWallTime & { absolute: boolean }) | undefined {
  const t = text.trim().replace(/^"+|"+$/g, '');
  let m = ISO_LIKE.exec(t);
  if (m) {
    const r = build(fullYear(m[1]!), Number(m[2]), Number(m[3]), m[4], m[5], m[6], m[7]);
    if (!r) return undefined;
    if (m[8]) {
      const z = m[8] === 'Z' ? 0 : (parseZone(m[8]) as { minutes: number } | undefined)?.minutes;
      if (z === undefined) return undefined;
      return { ...r, wallMs: r.wallMs - z * 60000, absolute: true };
    }
    return { ...r, absolute: false };
  }
  m = SLASH.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    let dmy: boolean;
    if (a > 12) dmy = true;
    else if (b > 12) dmy = false;
    else if (order !== 'auto') dmy = order === 'dmy';
    // Excel's `dd/mm/yyyy` is zero-padded; its US `m/d/yyyy` is not.
    else dmy = m[1]!.length === 2 || m[2]!.length === 2;
    const r = dmy
      ? build(fullYear(m[3]!), b, a, m[4], m[5], m[6])
      : build(fullYear(m[3]!), a, b, m[4], m[5], m[6]);
    return r ? { ...r, absolute: false } : undefined;
  }
  m = DOTTED.exec(t);
  if (m) {
    const r = build(fullYear(m[3]!), Number(m[2]), Number(m[1]), m[4], m[5], m[6]);
    return r ? { ...r, absolute: false } : undefined;
  }
  if (/^\d{12,13}$/.test(t)) return { wallMs: Number(t), precision: 'millisecond', absolute: true };
  return undefined;
}
