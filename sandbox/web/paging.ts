/**
 * Request-body validation and paging shared by the private endpoints: `page` (1-based) and `rows`
 * (1..max), optional epoch-ms time bounds, optional string filters. Bad values answer `000002`.
 */
import { WEB_CODES, WebApiError } from './envelope.js';

/** A parsed request body or query (values as sent). */
export type Params = Record<string, unknown>;

function illegal(name: string, what: string): WebApiError {
  return new WebApiError(400, WEB_CODES.illegalParameter, `Illegal parameter '${name}': ${what}.`);
}

/** An integer parameter (number, or a string of digits as query strings send), or the default. */
export function intParam(
  params: Params,
  name: string,
  dflt: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return dflt;
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw illegal(name, 'must be an integer');
  if (n < min || n > max) throw illegal(name, `must be between ${min} and ${max}`);
  return n;
}

/** A string parameter ('' and absent mean "no filter"), optionally one of a set. */
export function strParam(params: Params, name: string, allowed?: readonly string[]): string | undefined {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 64) throw illegal(name, 'must be a short string');
  if (allowed && !allowed.includes(raw)) throw illegal(name, `must be one of ${allowed.join(', ')}`);
  return raw;
}

/** Paging of a list endpoint. */
export interface Paging {
  page: number;
  rows: number;
  startTime: number | undefined;
  endTime: number | undefined;
}

/** Reads `page`, `rows` (default 10, at most `maxRows`) and the time bounds named `startName`/`endName`. */
export function pagingOf(
  params: Params,
  maxRows: number,
  startName = 'startTime',
  endName = 'endTime',
): Paging {
  const page = intParam(params, 'page', 1, 1, 1_000_000) as number;
  const rows = intParam(params, 'rows', 10, 1, maxRows) as number;
  const startTime = intParam(params, startName, undefined, 0, 8_640_000_000_000_000);
  const endTime = intParam(params, endName, undefined, 0, 8_640_000_000_000_000);
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
    throw illegal(startName, `must not be after ${endName}`);
  }
  return { page, rows, startTime, endTime };
}

/** True when `time` is inside the paging's optional bounds (both inclusive). */
export function inWindow(paging: Paging, time: number): boolean {
  return (
    (paging.startTime === undefined || time >= paging.startTime) &&
    (paging.endTime === undefined || time <= paging.endTime)
  );
}

/** The slice of a list for a page. */
export function pageOf<T>(list: readonly T[], paging: Paging): T[] {
  const from = (paging.page - 1) * paging.rows;
  return list.slice(from, from + paging.rows);
}
