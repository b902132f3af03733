/**
 * Pagination, which no other traffic-to-API tool detects (protocol-field-notes.md, gap 2): offset/limit,
 * page/size, cursors (a response field whose value becomes the next request's parameter), `Link:
 * rel=next`, advancing time windows, `fromId`-style id cursors and GraphQL `pageInfo`, each with the field
 * that says there is more. Declared by parameter names alone, or observed across consecutive pages.
 */
import type { Analyzer, FinishInput, RouteRef } from './analyzer.js';
import { evidenceAt, pushEvidence } from './analyzer.js';
import type { Observation } from './observe.js';
import { scannableJson, visitLeaves } from './observe.js';
import { isCredentialName } from './shapes.js';
import type { Evidence, Finding, PaginationModel } from './types.js';

type Style = PaginationModel['style'];

const OFFSET = /^(offset|skip|start|startAt|start_at|from|startIndex|start_index)$/i;
const LIMIT =
  /^(limit|size|count|maxResults|max_results|per_page|perPage|pageSize|page_size|rows|take|first|last|num|n)$/i;
const PAGE =
  /^(page|pageNo|page_no|pageNum|page_num|pageNumber|page_number|pageIndex|page_index|current|currentPage|p)$/i;
const PAGE_SIZE = /^(size|pageSize|page_size|per_page|perPage|limit|rows|count|maxResults)$/i;
const CURSOR =
  /^(cursor|after|before|nextCursor|next_cursor|pageToken|page_token|nextPageToken|next_page_token|continuation|continuationToken|marker|nextMarker|scroll_id|scrollId|startCursor|endCursor|next|token|searchAfter|search_after|since|until_id)$/i;
const START_TIME =
  /^(startTime|start_time|start|from|since|begin|beginTime|startDate|start_date|fromTime|from_time|dateFrom|timeFrom)$/i;
const END_TIME = /^(endTime|end_time|end|to|until|finish|endDate|end_date|toTime|to_time|dateTo|timeTo)$/i;
const FROM_ID =
  /^(fromId|from_id|startId|start_id|since_id|sinceId|after_id|afterId|max_id|maxId|min_id|minId|lastId|last_id|beforeId|before_id|idFrom)$/i;
const HAS_MORE_FLAG =
  /^(hasMore|has_more|moreData|more|hasNext|has_next|hasNextPage|isLast|is_last|last|more_available|end|isEnd|finished)$/i;
const HAS_MORE_TOTAL =
  /^(total|totalCount|total_count|totalItems|total_items|totalElements|totalResults|total_results|totalPages|total_pages|page_count|pageCount|total_records|totalRecords|totalNum|total_num)$/i;
const HAS_MORE_NEXT =
  /^(nextPage|next_page|next|nextCursor|next_cursor|nextPageToken|next_page_token|nextUrl|next_url)$/i;

/** What a parameter name may declare, as bits: tested once per distinct name, not once per entry. */
const NAME_ROLES: readonly RegExp[] = [OFFSET, LIMIT, PAGE, PAGE_SIZE, CURSOR, START_TIME, END_TIME, FROM_ID];
// Bit i is NAME_ROLES[i].
const R_OFFSET = 1 << 0;
const R_LIMIT = 1 << 1;
const R_PAGE = 1 << 2;
const R_PAGE_SIZE = 1 << 3;
const R_CURSOR = 1 << 4;
const R_START = 1 << 5;
const R_END = 1 << 6;
const R_FROM_ID = 1 << 7;
const nameRoleCache = new Map<string, number>();

function nameRoles(name: string): number {
  let bits = nameRoleCache.get(name);
  if (bits === undefined) {
    bits = 0;
    for (let i = 0; i < NAME_ROLES.length; i++) if ((NAME_ROLES[i] as RegExp).test(name)) bits |= 1 << i;
    if (nameRoleCache.size < 10_000) nameRoleCache.set(name, bits);
  }
  return bits;
}

const TIME_VALUE = /^\d{10,13}$|^\d{4}-\d{2}-\d{2}/;

/** How telling a has-more field is: a flag beats a total beats a next link. */
function hasMoreRank(key: string): number {
  if (HAS_MORE_FLAG.test(key)) return 3;
  if (HAS_MORE_TOTAL.test(key)) return 2;
  if (HAS_MORE_NEXT.test(key)) return 1;
  return 0;
}

interface Prev {
  params: Map<string, string>;
  /**
   * The previous response's parsed body, searched only when a later request changes a parameter (lazy:
   * most responses are never searched). Bodies are held for a bounded number of routes.
   */
  body?: unknown;
  linkNext?: string;
  ids: { first?: string; last?: string; pointer?: string };
  evidence: Evidence;
}

interface Found {
  style: Style;
  parameters: string[];
  cursorSource?: string;
  observed: boolean;
  evidence: Evidence[];
  hasMore?: string;
}

interface KeyState {
  prev?: Prev;
  found: Map<Style, Found>;
  hasMore?: string;
  hasMoreRank?: number;
  pageInfo?: boolean;
  /** Responses scanned for has-more fields (the first few per route). */
  scans: number;
  /** Parameters searched for in the previous body without a hit: after a few, never again. */
  misses: Map<string, number>;
}

/** The JSON Pointer of the first scalar leaf equal to `target`, or undefined. */
function findLeaf(value: unknown, target: string): string | undefined {
  let found: string | undefined;
  visitLeaves(
    value,
    (pointer, _key, leaf) => {
      if (found === undefined && typeof leaf !== 'boolean' && String(leaf) === target) found = pointer();
    },
    { maxLeaves: 3000, maxDepth: 6 },
  );
  return found;
}

const HELD_BODIES = 256;
const MAX_HELD_BODY_CHARS = 512 * 1024;

function requestParams(obs: Observation): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of obs.query) if (!m.has(k)) m.set(k, v);
  const body = obs.requestBody;
  if (body.kind === 'form') for (const [k, v] of body.fields) if (!m.has(k)) m.set(k, v);
  if (scannableJson(body) && body.value && typeof body.value === 'object' && !Array.isArray(body.value)) {
    const v = body.value as Record<string, unknown>;
    const scalars = (o: unknown): void => {
      if (!o || typeof o !== 'object' || Array.isArray(o)) return;
      let seen = 0;
      for (const k in o as Record<string, unknown>) {
        if (++seen > 200) break; // paging parameters are few; a hostile body may have a million keys
        const x = (o as Record<string, unknown>)[k];
        if (typeof x === 'string' || typeof x === 'number') if (!m.has(k)) m.set(k, String(x));
      }
    };
    scalars(v);
    scalars(v.variables); // GraphQL variables: first, after
    scalars(v.params);
    if (v.variables && typeof v.variables === 'object')
      scalars((v.variables as Record<string, unknown>).input);
  }
  return m;
}

const GRAPHQL_PAGE_VARIABLE = /^(after|before|first|last|cursor)$/;
const MAX_QUERY_SCAN = 64 * 1024;
/** `$after:` (a declaration) or `after: $cursor` (an argument bound to a variable). */
const PAGE_VARIABLE_USE = /\$(\w+)\s*:|\b(?:after|before|first|last)\s*:\s*\$(\w+)/g;

/**
 * The Relay paging variables of a GraphQL request whose `variables` object left them out: the ones the
 * query declares by a paging name (`query teams($after: String, $first: Int)`) and the ones it binds to a
 * paging argument (`membersWithRole(first: 100, after: $membersWithRole)`), in order of appearance. Read
 * only until a paging parameter is known for the route, over the first 64 KiB of the query.
 */
function declaredPageVariables(obs: Observation): string[] {
  const body = obs.requestBody;
  if (!scannableJson(body) || !body.value || typeof body.value !== 'object') return [];
  const query = (body.value as Record<string, unknown>).query;
  if (typeof query !== 'string' || !query.includes('$')) return [];
  const out: string[] = [];
  for (const m of query.slice(0, MAX_QUERY_SCAN).matchAll(PAGE_VARIABLE_USE)) {
    const name = m[1] !== undefined ? (GRAPHQL_PAGE_VARIABLE.test(m[1]) ? m[1] : undefined) : m[2];
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out;
}

function parseLinkNext(obs: Observation): string | undefined {
  for (const h of obs.responseHeaders) {
    if (h.name.toLowerCase() !== 'link') continue;
    for (const part of String(h.value).split(',')) {
      const m = /<([^>]*)>\s*;[^,]*rel="?next"?/i.exec(part);
      if (m) return m[1];
    }
  }
  return undefined;
}

/** The first non-empty array in a body (the page's items), looking at no more than 200 keys per level. */
function firstArray(value: unknown, depth = 0): { arr: unknown[]; pointer: string } | undefined {
  if (Array.isArray(value)) return { arr: value, pointer: '' };
  if (!value || typeof value !== 'object' || depth > 2) return undefined;
  const obj = value as Record<string, unknown>;
  let seen = 0;
  for (const k in obj) {
    if (++seen > 200) break;
    const v = obj[k];
    if (Array.isArray(v) && v.length > 0) return { arr: v, pointer: `/${k}` };
  }
  seen = 0;
  for (const k in obj) {
    if (++seen > 200) break;
    const inner = firstArray(obj[k], depth + 1);
    if (inner) return { arr: inner.arr, pointer: `/${k}${inner.pointer}` };
  }
  return undefined;
}

function idOf(item: unknown): string | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const o = item as Record<string, unknown>;
  for (const k of ['id', 'tradeId', 'aggId', 'a', 'orderId', 'tranId', 'txId', 'seq', 'sequence']) {
    const v = o[k];
    if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return String(v);
  }
  return undefined;
}

export const paginationAnalyzer: Analyzer = {
  name: 'pagination',
  description:
    'offset/limit, page/size, cursor, Link rel=next, time windows, id cursors and GraphQL pageInfo',
  create() {
    const keys = new Map<string, KeyState>();
    /** Routes whose previous body is held, oldest first. */
    const held = new Map<string, KeyState>();
    const add = (
      s: KeyState,
      style: Style,
      params: string[],
      observed: boolean,
      ev: Evidence,
      cursorSource?: string,
    ): void => {
      const f = s.found.get(style);
      if (f) {
        if (observed && !f.observed) {
          f.observed = true;
          f.evidence = [];
        }
        if (cursorSource && (!f.cursorSource || observed)) f.cursorSource = cursorSource;
        if (f.parameters.length === 0 && params.length > 0) f.parameters = params;
        if (f.observed === observed) pushEvidence(f.evidence, ev, 4);
        return;
      }
      if (s.found.size >= 8) return;
      const n: Found = { style, parameters: params, observed, evidence: [ev] };
      if (cursorSource) n.cursorSource = cursorSource;
      s.found.set(style, n);
    };
    return {
      observe(obs: Observation, route: RouteRef | undefined) {
        if (!route || obs.noise) return;
        let s = keys.get(route.key);
        if (!s) {
          if (keys.size >= 20_000) return;
          s = { found: new Map(), scans: 0, misses: new Map() };
          keys.set(route.key, s);
        }
        const params = requestParams(obs);
        const ev = evidenceAt(obs, '/request/url');
        // Declared, by names: the first name (in request order) of each role.
        let off: string | undefined;
        let lim: string | undefined;
        let page: string | undefined;
        let psize: string | undefined;
        let cursor: string | undefined;
        let st: string | undefined;
        let et: string | undefined;
        let fromId: string | undefined;
        for (const [n, v] of params) {
          const bits = nameRoles(n);
          if (bits === 0) continue;
          if (off === undefined && bits & R_OFFSET) off = n;
          if (lim === undefined && bits & R_LIMIT) lim = n;
          if (page === undefined && bits & R_PAGE) page = n;
          if (psize === undefined && bits & R_PAGE_SIZE) psize = n;
          if (cursor === undefined && bits & R_CURSOR) cursor = n;
          if (st === undefined && bits & R_START && TIME_VALUE.test(v)) st = n;
          if (et === undefined && bits & R_END && TIME_VALUE.test(v)) et = n;
          if (fromId === undefined && bits & R_FROM_ID) fromId = n;
        }
        if (off && lim && /^\d+$/.test(params.get(off) ?? '')) add(s, 'offset-limit', [off, lim], false, ev);
        if (page && /^\d+$/.test(params.get(page) ?? ''))
          add(s, 'page-size', psize ? [page, psize] : [page], false, ev);
        if (st && et) add(s, 'time-window', [st, et], false, ev);
        if (fromId && /^\d+$/.test(params.get(fromId) ?? '')) add(s, 'id-cursor', [fromId], false, ev);
        const prev = s.prev;
        if (prev) {
          // Observed: a parameter that advanced as a page does.
          const num = (m: Map<string, string>, k: string | undefined): number => (k ? Number(m.get(k)) : NaN);
          if (off && lim && num(params, off) === num(prev.params, off) + num(prev.params, lim))
            add(s, 'offset-limit', [off, lim], true, ev);
          if (page && num(params, page) === num(prev.params, page) + 1)
            add(s, 'page-size', psize ? [page, psize] : [page], true, ev);
          if (st && et) {
            const ps = num(prev.params, st);
            const pe = num(prev.params, et);
            const cs = num(params, st);
            if (
              Number.isFinite(ps) &&
              Number.isFinite(pe) &&
              Number.isFinite(cs) &&
              (cs === pe || cs === pe + 1 || (cs > ps && Math.abs(cs - pe) <= (pe - ps) * 0.01 + 1))
            ) {
              add(s, 'time-window', [st, et], true, ev);
            }
          }
          if (fromId) {
            const v = params.get(fromId) ?? '';
            if (
              v === prev.ids.last ||
              v === String(Number(prev.ids.last) + 1) ||
              v === prev.ids.first ||
              v === String(Number(prev.ids.first) - 1)
            ) {
              add(
                s,
                'id-cursor',
                [fromId],
                true,
                ev,
                prev.ids.pointer !== undefined
                  ? `${prev.ids.pointer.slice(1).replace(/\//g, '.') || '(body)'}[last].id`
                  : undefined,
              );
            }
          }
          // A cursor: any parameter whose value is a value the previous response carried.
          for (const [k, v] of params) {
            if (v.length < 1 || prev.body === undefined || v === prev.params.get(k)) continue;
            if ((off && k === off) || (page && k === page) || v.length > 2000) continue;
            if (v.length < 4 && !/^\d+$/.test(v)) continue;
            const missed = s.misses.get(k) ?? 0;
            if (missed >= 8 || (missed === 0 && s.misses.size >= 64) || isCredentialName(k)) continue;
            const pointer = findLeaf(prev.body, v);
            if (!pointer) s.misses.set(k, missed + 1);
            else {
              s.misses.delete(k);
              const style: Style = /pageInfo|endCursor|startCursor/.test(pointer)
                ? 'graphql-pageinfo'
                : 'cursor';
              add(s, style, [k], true, ev, pointer);
            }
          }
          if (prev.linkNext) {
            const target = obs.entry.request.url;
            if (target === prev.linkNext || decodeURIComponent(target) === decodeURIComponent(prev.linkNext))
              add(s, 'link-header', ['(Link rel=next URL)'], true, ev, 'header:Link');
          }
        }
        if (cursor && !s.found.has('cursor') && !s.found.has('graphql-pageinfo'))
          add(s, 'cursor', [cursor], false, ev);
        // This response, for the next request.
        const linkNext = parseLinkNext(obs);
        if (linkNext)
          add(
            s,
            'link-header',
            ['(Link rel=next URL)'],
            false,
            evidenceAt(obs, '/response/headers'),
            'header:Link',
          );
        const ids: Prev['ids'] = {};
        const body = obs.responseBody;
        if (scannableJson(body)) {
          if (s.scans < 5) {
            s.scans++;
            visitLeaves(
              body.value,
              (pointer, key) => {
                const rank = hasMoreRank(key);
                if (rank === 0 && key !== 'endCursor') return;
                const p = pointer();
                const inPageInfo = /\/pageInfo\//.test(p);
                if (inPageInfo) s.pageInfo = true;
                if (rank > (s.hasMoreRank ?? 0) && (p.split('/').length <= 4 || inPageInfo)) {
                  s.hasMore = p.slice(1).replace(/\//g, '.');
                  s.hasMoreRank = rank;
                }
              },
              { maxLeaves: 3000, maxDepth: 6 },
            );
          }
          const arr = firstArray(body.value);
          if (arr && arr.arr.length > 0) {
            const first = idOf(arr.arr[0]);
            const last = idOf(arr.arr[arr.arr.length - 1]);
            if (first) ids.first = first;
            if (last) ids.last = last;
            ids.pointer = arr.pointer;
          }
        }
        if (s.pageInfo) {
          let names = [...params.keys()].filter((n) => GRAPHQL_PAGE_VARIABLE.test(n));
          // A first page often sends no variables (`"variables": {}`): the query still declares them.
          if (names.length === 0 && !s.found.get('graphql-pageinfo')?.parameters.length)
            names = declaredPageVariables(obs);
          add(
            s,
            'graphql-pageinfo',
            names,
            false,
            evidenceAt(obs, '/response/content/text'),
            'pageInfo.endCursor',
          );
        }
        const np: Prev = { params, ids, evidence: ev };
        if (body.kind === 'json' && body.chars <= MAX_HELD_BODY_CHARS) {
          np.body = body.value;
          held.delete(route.key);
          held.set(route.key, s);
          if (held.size > HELD_BODIES) {
            const [oldest] = held;
            if (oldest) {
              held.delete(oldest[0]);
              if (oldest[1].prev) delete oldest[1].prev.body;
            }
          }
        }
        if (linkNext) np.linkNext = new URL(linkNext, obs.entry.request.url).toString();
        s.prev = np;
      },
      finish(input: FinishInput) {
        // Several route keys can become one operation: keep the strongest per (operation, style).
        const best = new Map<string, PaginationModel>();
        for (const [key, s] of keys) {
          const op = input.operationOf(key);
          if (!op) continue;
          for (const f of s.found.values()) {
            // A bare `next`/`token` parameter without an observed cursor is too weak to report.
            if (f.style === 'cursor' && !f.observed && /^(next|token|since)$/i.test(f.parameters[0] ?? ''))
              continue;
            if (f.style === 'graphql-pageinfo' && f.parameters.length === 0 && !f.observed) continue;
            const confidence = f.observed
              ? f.style === 'cursor' || f.style === 'graphql-pageinfo'
                ? 0.9
                : 0.85
              : s.hasMore
                ? 0.7
                : 0.55;
            const m: PaginationModel = {
              operationId: op,
              style: f.style,
              parameters: f.parameters,
              observed: f.observed,
              confidence,
              evidence: f.evidence,
            };
            if (f.cursorSource)
              m.cursorSource = f.cursorSource.startsWith('/')
                ? f.cursorSource.slice(1).replace(/\//g, '.')
                : f.cursorSource;
            if (s.hasMore) m.hasMoreField = s.hasMore;
            const k = `${op}|${f.style}`;
            const prev = best.get(k);
            if (!prev || prev.confidence < m.confidence) best.set(k, m);
          }
        }
        let pagination = [...best.values()];
        // An offset that is really a cursor in disguise: keep both, but drop `cursor` declared-only when another style was observed.
        const observedOps = new Set(pagination.filter((p) => p.observed).map((p) => p.operationId));
        pagination = pagination.filter((p) => p.observed || !observedOps.has(p.operationId));
        pagination.sort(
          (a, b) => a.operationId.localeCompare(b.operationId) || a.style.localeCompare(b.style),
        );
        const findings: Finding[] = pagination.map((p) => ({
          kind: `pagination.${p.style}`,
          summary: `${p.operationId} pages by ${p.style} over ${p.parameters.join(', ')}${p.cursorSource ? `, the next value taken from ${p.cursorSource}` : ''}${p.hasMoreField ? `, with ${p.hasMoreField} saying whether there is more` : ''} (${p.observed ? 'observed across pages' : 'declared by parameter names'}).`,
          evidence: p.evidence,
          confidence: p.confidence,
          operationId: p.operationId,
        }));
        return { pagination, findings };
      },
    };
  },
};
