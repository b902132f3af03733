/**
 * Query-string parsing of the API: strict (an unknown parameter is an error, so a typo such as `kinds=`
 * never silently returns everything), each error a 400 problem naming the parameter and the fix.
 */
import { parseTimeInput } from '../core/index.js';
import type { AccountKind } from '../schemas/index.js';
import { ACCOUNT_KINDS, isAccountKind } from '../schemas/index.js';
import { badParameter } from './problem.js';

/** Default and maximum page sizes. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Refuses parameters the endpoint does not know. */
export function onlyParameters(params: URLSearchParams, known: readonly string[]): void {
  for (const name of new Set(params.keys())) {
    if (!known.includes(name))
      throw badParameter(
        'unknown_parameter',
        name,
        `${name}: not a parameter of this endpoint. Use ${known.length ? known.join(', ') : 'no parameters'}.`,
        [...known],
      );
  }
}

/** The single value of a parameter; repeating it is an error (except where {@link kindsParam} allows it). */
export function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1)
    throw badParameter('repeated_parameter', name, `${name}: given ${values.length} times; give it once.`);
  return values[0];
}

/** `kind=trade,transfer` or `kind=trade&kind=transfer`; undefined when absent. */
export function kindsParam(params: URLSearchParams): AccountKind[] | undefined {
  const values = params.getAll('kind');
  if (values.length === 0) return undefined;
  const kinds = new Set<AccountKind>();
  for (const part of values.flatMap((v) => v.split(','))) {
    const kind = part.trim();
    if (!isAccountKind(kind))
      throw badParameter(
        'bad_kind',
        'kind',
        `kind: ${JSON.stringify(kind)} is not a record kind. Use one or more of ${ACCOUNT_KINDS.join(', ')}, comma-separated.`,
        [...ACCOUNT_KINDS],
      );
    kinds.add(kind);
  }
  return [...kinds];
}

/** The latest time a parameter may name: 9999-12-31T23:59:59.999Z. */
const MAX_TIME = 253402300799999;

/**
 * A time parameter's text as epoch ms: any run of digits is epoch milliseconds (`0`, `86400000` as well as
 * 13 digits; exactly 10 digits stay epoch seconds, as everywhere in ledgertap), else YYYY-MM-DD or ISO 8601.
 * A query string decodes `+` to a space, so an offset sent unencoded (`…T10:00:00+02:00` arrives as
 * `…T10:00:00 02:00`) is read as the `+` it was.
 */
export function parseTimeParam(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,16}$/.test(trimmed) && trimmed.length !== 10) return Number(trimmed);
  const plusAsSpace = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$/.exec(
    trimmed,
  );
  return parseTimeInput(plusAsSpace ? `${plusAsSpace[1]}+${plusAsSpace[2]}` : trimmed);
}

/** A time parameter (epoch ms, YYYY-MM-DD, ISO 8601); undefined when absent. */
export function timeParam(params: URLSearchParams, name: 'since' | 'until'): number | undefined {
  const text = single(params, name);
  if (text === undefined) return undefined;
  const ms = parseTimeParam(text);
  if (ms === undefined || ms < 0 || ms > MAX_TIME)
    throw badParameter(
      'bad_time',
      name,
      `${name}: ${JSON.stringify(text)} is not a time. Use epoch milliseconds, YYYY-MM-DD (UTC) or ISO 8601 such as 2026-01-31T10:00:00Z.`,
    );
  return ms;
}

/** `since` and `until` together, refusing an empty or reversed range. */
export function timeRange(params: URLSearchParams): { since?: number; until?: number } {
  const since = timeParam(params, 'since');
  const until = timeParam(params, 'until');
  if (since !== undefined && until !== undefined && until <= since)
    throw badParameter(
      'bad_time',
      'until',
      `until (${new Date(until).toISOString()}) is not after since (${new Date(since).toISOString()}); until is exclusive, so give a later until.`,
    );
  return { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
}

/** `limit`: an integer from 1 to {@link MAX_LIMIT}, default {@link DEFAULT_LIMIT}. */
export function limitParam(params: URLSearchParams): number {
  const text = single(params, 'limit');
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT)
    throw badParameter(
      'bad_limit',
      'limit',
      `limit: ${JSON.stringify(text)} is not a page size. Use an integer from 1 to ${MAX_LIMIT}.`,
    );
  return Number(text);
}

/** The path and query of the next page: the request's own parameters with `cursor` replaced. */
export function nextLink(pathname: string, params: URLSearchParams, cursor: string): string {
  const next = new URLSearchParams(params);
  next.set('cursor', cursor);
  return `${pathname}?${next.toString()}`;
}
