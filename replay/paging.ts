/**
 * Following the pagination analysis found, to read every page of a list live: page/size and
 * offset/limit counters, and cursors whose next value comes from the previous response.
 */
import type { ProtocolPagination } from '../model/index.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The number of items in a page: the longest array within three levels of the body. */
export function countItems(body: unknown, depth = 0): number {
  if (Array.isArray(body)) return body.length;
  if (!isObject(body) || depth >= 3) return 0;
  let best = 0;
  for (const value of Object.values(body)) best = Math.max(best, countItems(value, depth + 1));
  return best;
}

/** Reads a JSON Pointer. */
export function readPointer(body: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return body;
  let current: unknown = body;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}

/** Finds a top-level or nested key in a JSON body and sets it; false when absent. */
function setInJson(value: unknown, key: string, next: unknown): boolean {
  if (!isObject(value)) return false;
  if (key in value) {
    value[key] = next;
    return true;
  }
  return Object.values(value).some((child) => setInJson(child, key, next));
}

function readInJson(value: unknown, key: string): unknown {
  if (!isObject(value)) return undefined;
  if (key in value) return value[key];
  for (const child of Object.values(value)) {
    const found = readInJson(child, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface PageRequest {
  url: URL;
  body?: string;
}

/** A parameter's current value in the query or the body. */
function getParam(request: PageRequest, name: string): string | undefined {
  const q = request.url.searchParams.get(name);
  if (q !== null) return q;
  if (!request.body) return undefined;
  try {
    const found = readInJson(JSON.parse(request.body), name);
    if (found !== undefined && found !== null) return String(found);
  } catch {
    const form = new URLSearchParams(request.body).get(name);
    if (form !== null) return form;
  }
  return undefined;
}

function setParam(request: PageRequest, name: string, value: string | number): PageRequest {
  const url = new URL(request.url.href);
  if (url.searchParams.has(name)) {
    url.searchParams.set(name, String(value));
    return { ...request, url };
  }
  if (request.body) {
    try {
      const json = JSON.parse(request.body) as unknown;
      const current = readInJson(json, name);
      if (setInJson(json, name, typeof current === 'number' ? Number(value) : String(value)))
        return { url, body: JSON.stringify(json) };
    } catch {
      const form = new URLSearchParams(request.body);
      if (form.has(name)) {
        form.set(name, String(value));
        return { url, body: form.toString() };
      }
    }
  }
  url.searchParams.set(name, String(value));
  return { ...request, url };
}

const PAGE = /^(page|pageno|pagenum|pagenumber|page_number|current|currentpage|p)$/i;
const SIZE = /^(size|rows|limit|pagesize|page_size|per_?page|count|max(results)?)$/i;
const OFFSET = /^(offset|skip|start|startat|from)$/i;

/**
 * The next page's request, or undefined when the last page was reached (fewer items than the page size,
 * an empty page, a false has-more flag, the total reached, or no cursor).
 */
export function nextPage(
  pagination: ProtocolPagination,
  request: PageRequest,
  body: unknown,
  itemsSoFar: number,
): PageRequest | undefined {
  const items = countItems(body);
  if (items === 0) return undefined;
  if (pagination.hasMoreField) {
    const more = readPointer(
      body,
      pagination.hasMoreField.startsWith('/') ? pagination.hasMoreField : `/${pagination.hasMoreField}`,
    );
    if (more === false || more === 'false') return undefined;
    if (typeof more === 'number' && itemsSoFar >= more) return undefined;
  }
  const total = isObject(body) ? body.total : undefined;
  if (typeof total === 'number' && itemsSoFar >= total) return undefined;
  const sizeName = pagination.parameters.find((p) => SIZE.test(p));
  const size = sizeName ? Number(getParam(request, sizeName)) : NaN;
  if (Number.isFinite(size) && size > 0 && items < size) return undefined;
  switch (pagination.style) {
    case 'page-size': {
      const pageName = pagination.parameters.find((p) => PAGE.test(p)) ?? pagination.parameters[0];
      if (!pageName) return undefined;
      const current = Number(getParam(request, pageName) ?? '1');
      return setParam(request, pageName, (Number.isFinite(current) ? current : 1) + 1);
    }
    case 'offset-limit': {
      const offsetName = pagination.parameters.find((p) => OFFSET.test(p)) ?? pagination.parameters[0];
      if (!offsetName) return undefined;
      const current = Number(getParam(request, offsetName) ?? '0');
      return setParam(request, offsetName, (Number.isFinite(current) ? current : 0) + items);
    }
    case 'cursor':
    case 'graphql-pageinfo': {
      const param = pagination.parameters[0];
      if (!param || !pagination.cursorSource) return undefined;
      const cursor = readPointer(body, pagination.cursorSource);
      if (cursor === undefined || cursor === null || cursor === '') return undefined;
      return setParam(request, param, String(cursor));
    }
    default:
      return undefined;
  }
}
