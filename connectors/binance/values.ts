/**
 * Tolerant readers for exchange values (CONTRACT.md §6 quirk 3: type drift). Ids, times and booleans
 * arrive as numbers on one endpoint and strings on another, or change type between API versions; these
 * accept both and fail loudly, naming the field, on anything else.
 */
import { ExchangeApiError, canonicalDecimal, isDecimalString } from '../../core/index.js';
import type { JsonValue } from '../../core/index.js';

/** A JSON object as received. */
export type JsonObject = { [key: string]: JsonValue };

function bad(field: string, value: unknown, want: string): ExchangeApiError {
  return new ExchangeApiError(
    'unexpected_response',
    `binance: field ${field} is ${JSON.stringify(value)}, expected ${want}. The exchange changed its response shape; report it with --verbose output.`,
  );
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id as the string of its exact digits (numbers beyond 2^53 already arrive as strings from the lossless parser). */
export function idString(row: JsonObject, field: string): string {
  const v = row[field];
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? v.toFixed(0) : String(v);
  throw bad(field, v, 'an id (string or number)');
}

export function optionalIdString(row: JsonObject, field: string): string | undefined {
  const v = row[field];
  if (v === undefined || v === null || v === '') return undefined;
  return idString(row, field);
}

/** Epoch ms from a number or a numeric string. */
export function epochMs(row: JsonObject, field: string): number {
  const v = row[field];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) return Number(v);
  throw bad(field, v, 'epoch milliseconds');
}

export function optionalEpochMs(row: JsonObject, field: string): number | undefined {
  const v = row[field];
  if (v === undefined || v === null || v === '') return undefined;
  return epochMs(row, field);
}

/** `"YYYY-MM-DD HH:mm:ss"` in UTC (withdraw applyTime/completeTime) or epoch ms. */
export function utcDateTimeMs(row: JsonObject, field: string): number {
  const v = row[field];
  if (typeof v === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(v.trim());
    if (m) {
      const [, y, mo, d, h, mi, s, ms] = m;
      return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms ? Number(ms.padEnd(3, '0')) : 0);
    }
  }
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return epochMs(row, field);
  throw bad(field, v, 'a UTC date-time "YYYY-MM-DD HH:mm:ss"');
}

export function optionalUtcDateTimeMs(row: JsonObject, field: string): number | undefined {
  const v = row[field];
  if (v === undefined || v === null || v === '') return undefined;
  return utcDateTimeMs(row, field);
}

/** A boolean from true/false or "true"/"false" (auto-invest sends strings). */
export function bool(row: JsonObject, field: string): boolean {
  const v = row[field];
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  if (v === 1 || v === 0) return v === 1;
  throw bad(field, v, 'a boolean');
}

export function optionalBool(row: JsonObject, field: string): boolean | undefined {
  const v = row[field];
  if (v === undefined || v === null || v === '') return undefined;
  return bool(row, field);
}

/** A canonical decimal string from a decimal string or a JSON number. */
export function amount(row: JsonObject, field: string): string {
  const v = row[field];
  if (typeof v === 'string' && isDecimalString(v.trim())) return canonicalDecimal(v);
  if (typeof v === 'number' && Number.isFinite(v)) return canonicalDecimal(v);
  throw bad(field, v, 'a decimal amount');
}

export function optionalAmount(row: JsonObject, field: string): string | undefined {
  const v = row[field];
  if (v === undefined || v === null || v === '') return undefined;
  return amount(row, field);
}

export function text(row: JsonObject, field: string): string {
  const v = row[field];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw bad(field, v, 'a string');
}

export function optionalText(row: JsonObject, field: string): string | undefined {
  const v = row[field];
  if (v === undefined || v === null) return undefined;
  return text(row, field);
}

/** An array field, or [] when absent (fiat/payments omits `data` when total is 0: CONTRACT.md §4.15). */
export function arrayField(body: JsonValue, field: string): JsonObject[] {
  if (!isObject(body)) throw bad('(body)', body, `an object with ${field}`);
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(field, v, 'an array');
  return v.map((row, i) => {
    if (!isObject(row)) throw bad(`${field}[${i}]`, row, 'an object');
    return row;
  });
}

/** A bare-array body. */
export function arrayBody(body: JsonValue, what: string): JsonObject[] {
  if (!Array.isArray(body)) throw bad(what, body, 'an array');
  return body.map((row, i) => {
    if (!isObject(row)) throw bad(`${what}[${i}]`, row, 'an object');
    return row;
  });
}

/** `total` of a paged envelope, tolerating a string or a missing field. */
export function totalField(body: JsonValue): number | undefined {
  if (!isObject(body)) return undefined;
  const v = body['total'];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Compares two id strings numerically when both are digits, else as text: sorting sapi results (quirk 8). */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
