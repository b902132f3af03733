/**
 * The one pass over an entry that every analyzer shares: URL split, noise verdict, bodies parsed once
 * (within the size and depth caps), RPC name. Analyzers receive this `Observation` instead of re-parsing.
 */
import type { HarEntry, HarHeader } from '../har/index.js';
import type { AnalyzeContext } from './context.js';
import { splitMatrix, type MatrixParam } from './matrix-params.js';
import type { NoiseModel, RpcModel } from './types.js';

export type ParsedBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; chars: number }
  | { kind: 'form'; fields: [string, string][] }
  | { kind: 'multipart'; fields: [string, string][]; files: string[] }
  | { kind: 'html'; text: string }
  | { kind: 'text'; chars: number }
  | { kind: 'binary'; chars: number }
  | { kind: 'skipped'; reason: 'too-large' | 'truncated' | 'invalid-json'; chars: number };

/**
 * Bodies larger than this are summarized by schema inference only: the secondary scans (credentials in
 * response fields, echoed ids, paging fields) skip them. On a million-key object every `for…in` costs
 * the whole key list even when it stops early, and no login or page response is this large.
 */
export const SCAN_LIMIT_CHARS = 8 * 1024 * 1024;

/** A parsed JSON body small enough for the secondary scans. */
export function scannableJson(body: ParsedBody): body is { kind: 'json'; value: unknown; chars: number } {
  return body.kind === 'json' && body.chars <= SCAN_LIMIT_CHARS;
}

export interface Observation {
  capture: number;
  index: number;
  entry: HarEntry;
  method: string;
  /** `https://api.example.test` */
  origin: string;
  host: string;
  /** Decoded path segments (no empty ones), matrix parameters split off (`cart;jsessionid=…` → `cart`). */
  segments: string[];
  /** Matrix parameters of the path (`;name=value` inside a segment), when it has any. */
  matrix?: MatrixParam[];
  query: [string, string][];
  status: number;
  requestMediaType: string;
  responseMediaType: string;
  requestBody: ParsedBody;
  responseBody: ParsedBody;
  /** Epoch ms of `startedDateTime`, NaN when unparsable. */
  time: number;
  step?: string;
  rpc?: RpcModel;
  noise?: NoiseModel['reason'];
  /** Lower-cased request header names → values (first wins), for quick lookups. */
  requestHeaders: Map<string, string>;
  responseHeaders: HarHeader[];
}

const ASSET_EXT =
  /\.(js|mjs|cjs|css|map|png|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot|mp4|webm|mp3|wav|ogg|m3u8|ts|wasm|pdf|zip)$/i;
const ASSET_TYPES = new Set(['script', 'stylesheet', 'image', 'font', 'media', 'manifest', 'texttrack']);
const ANALYTICS_HOSTS = [
  'google-analytics.com',
  'googletagmanager.com',
  'analytics.google.com',
  'doubleclick.net',
  'googlesyndication.com',
  'googleadservices.com',
  'facebook.net',
  'facebook.com/tr',
  'connect.facebook.net',
  'segment.io',
  'segment.com',
  'mixpanel.com',
  'amplitude.com',
  'hotjar.com',
  'hotjar.io',
  'fullstory.com',
  'clarity.ms',
  'heap.io',
  'heapanalytics.com',
  'intercom.io',
  'intercomcdn.com',
  'optimizely.com',
  'appsflyer.com',
  'adjust.com',
  'branch.io',
  'braze.com',
  'onesignal.com',
  'tiktok.com/i18n/pixel',
  'analytics.tiktok.com',
  'snapchat.com',
  'bat.bing.com',
  'linkedin.com/px',
  'ads-twitter.com',
  'quantserve.com',
  'scorecardresearch.com',
  'criteo.com',
  'taboola.com',
  'outbrain.com',
  'yandex.ru/metrika',
  'mc.yandex.ru',
  'matomo.cloud',
  'plausible.io',
  'posthog.com',
  'rudderstack.com',
  'customer.io',
  'kissmetrics.com',
  'crazyegg.com',
  'mouseflow.com',
  'pendo.io',
  'walkme.com',
  'sensorsdata.cn',
  'growingio.com',
];
const TELEMETRY_HOSTS = [
  'sentry.io',
  'ingest.sentry.io',
  'bugsnag.com',
  'nr-data.net',
  'newrelic.com',
  'browser-intake-datadoghq.com',
  'datadoghq.com',
  'rum.browser-intake',
  'logrocket.io',
  'lr-ingest.io',
  'raygun.io',
  'rollbar.com',
  'cloudflareinsights.com',
  'speedcurve.com',
  'akstat.io',
  'go-mpulse.net',
  'instana.io',
  'dynatrace.com',
  'trackjs.com',
  'errorception.com',
  'honeycomb.io',
  'elastic-cloud.com',
];
const CDN_HOSTS = [
  'cloudfront.net',
  'akamaihd.net',
  'akamaized.net',
  'fastly.net',
  'jsdelivr.net',
  'unpkg.com',
  'cdnjs.cloudflare.com',
  'fonts.googleapis.com',
  'fonts.gstatic.com',
  'gstatic.com',
  'ajax.googleapis.com',
  'bootstrapcdn.com',
  'cloudflare-ipfs.com',
  'azureedge.net',
  'b-cdn.net',
  'imgix.net',
  'twimg.com',
  'ytimg.com',
  'gravatar.com',
  'bnbstatic.com',
  'public.bnbstatic.com',
  'recaptcha.net',
  'hcaptcha.com',
];
const TELEMETRY_PATH =
  /(^|\/)(collect|beacon|telemetry|track|tracking|analytics|metrics|rum|log|logs|events?|pixel|ping|heartbeat|stats|sentry|report|csp-report|envelope|v\d\/(t|e|i|p))(\/|$|\.)/i;

function hostMatches(host: string, list: readonly string[]): boolean {
  for (const h of list) {
    const base = h.split('/')[0] as string;
    if (host === base || host.endsWith(`.${base}`)) return true;
  }
  return false;
}

/** Host verdicts, cached: the host lists are long and most captures have a handful of hosts. */
const hostVerdicts = new WeakMap<AnalyzeContext, Map<string, NoiseModel['reason'] | null>>();

function hostReason(host: string, ctx: AnalyzeContext): NoiseModel['reason'] | undefined {
  let cache = hostVerdicts.get(ctx);
  if (!cache) hostVerdicts.set(ctx, (cache = new Map()));
  const hit = cache.get(host);
  if (hit !== undefined) return hit ?? undefined;
  let reason: NoiseModel['reason'] | undefined;
  if (ctx.onlyHosts.length > 0 && !hostMatches(host, ctx.onlyHosts)) reason = 'cdn';
  else if (hostMatches(host, ctx.noiseHosts) || hostMatches(host, ANALYTICS_HOSTS)) reason = 'analytics';
  else if (hostMatches(host, TELEMETRY_HOSTS)) reason = 'telemetry';
  else if (hostMatches(host, CDN_HOSTS) || /^(cdn|static|assets?|img|images|fonts?|media)\d*\./.test(host))
    reason = 'cdn';
  if (cache.size < 10_000) cache.set(host, reason ?? null);
  return reason;
}

/** Why an entry is noise, or undefined when it belongs to the API. */
export function noiseReason(
  host: string,
  path: string,
  method: string,
  resourceType: string | undefined,
  responseMediaType: string,
  ctx: AnalyzeContext,
): NoiseModel['reason'] | undefined {
  const byHost = hostReason(host, ctx);
  if (byHost) return byHost;
  if (resourceType && ASSET_TYPES.has(resourceType.toLowerCase())) return 'static-asset';
  if (ASSET_EXT.test(path)) return 'static-asset';
  const mt = responseMediaType;
  if (/^(image|font|video|audio)\//.test(mt) || mt === 'text/css' || /javascript|ecmascript|wasm/.test(mt)) {
    if (/^image\/gif$/.test(mt) && /[?]/.test(path)) return 'tracking-pixel';
    return 'static-asset';
  }
  if (
    method === 'POST' &&
    TELEMETRY_PATH.test(path) &&
    /\/(collect|beacon|telemetry|track|rum|envelope|csp-report)/i.test(path)
  ) {
    return 'telemetry';
  }
  return undefined;
}

export function mediaTypeOf(value: string | undefined): string {
  if (!value) return '';
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

function headerValue(headers: HarHeader[] | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const h of headers) {
    // A string of another length is not the name (the names asked for are ASCII): no lower-cased copy of
    // every other header name of every entry. Anything else goes through the test as it always did.
    if (typeof h.name === 'string' && h.name.length !== name.length) continue;
    if (h.name.toLowerCase() === name) return h.value;
  }
  return undefined;
}

function decodeBody(text: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(text, 'base64').toString('utf8');
  return text;
}

function isJsonMedia(mt: string): boolean {
  return mt === 'application/json' ||
    mt.endsWith('+json') ||
    mt === 'text/json' ||
    mt === 'application/x-ndjson'
    ? true
    : mt.includes('json');
}

/** Parses a body within the caps. Never throws. */
export function parseBody(
  text: string | undefined,
  encoding: string | undefined,
  mediaType: string,
  truncated: boolean,
  ctx: AnalyzeContext,
  params?: { name: string; value?: string; fileName?: string }[],
): ParsedBody {
  if ((text === undefined || text === '') && !(params && params.length > 0)) return { kind: 'none' };
  const raw = text ?? '';
  if (raw.length > ctx.maxBodyChars) return { kind: 'skipped', reason: 'too-large', chars: raw.length };
  if (mediaType === 'application/x-www-form-urlencoded') {
    if (params && params.length > 0)
      return { kind: 'form', fields: params.map((p) => [p.name, p.value ?? '']) };
    const fields: [string, string][] = [];
    for (const [k, v] of new URLSearchParams(decodeBody(raw, encoding))) fields.push([k, v]);
    return { kind: 'form', fields };
  }
  if (mediaType.startsWith('multipart/')) {
    const fields: [string, string][] = [];
    const files: string[] = [];
    if (params && params.length > 0) {
      for (const p of params) {
        if (p.fileName) files.push(p.name);
        else fields.push([p.name, p.value ?? '']);
      }
    } else {
      // name="x"; filename="y" … blank line … value
      const re = /name="([^"]*)"(?:; filename="([^"]*)")?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/g;
      const body = decodeBody(raw, encoding);
      for (let m = re.exec(body); m; m = re.exec(body)) {
        if (m[2] !== undefined) files.push(m[1] ?? '');
        else fields.push([m[1] ?? '', m[3] ?? '']);
        if (fields.length + files.length > 1000) break;
      }
    }
    return { kind: 'multipart', fields, files };
  }
  const decoded = decodeBody(raw, encoding);
  const trimmed = decoded.trimStart();
  if (isJsonMedia(mediaType) || ((mediaType === '' || mediaType === 'text/plain') && /^[{[]/.test(trimmed))) {
    if (truncated) return { kind: 'skipped', reason: 'truncated', chars: raw.length };
    try {
      return { kind: 'json', value: JSON.parse(decoded) as unknown, chars: decoded.length };
    } catch {
      // NDJSON and JSON with a XSSI prefix `)]}'` are common in the wild.
      const noPrefix = decoded.replace(/^\)\]\}'?,?\s*/, '');
      if (noPrefix !== decoded) {
        try {
          return { kind: 'json', value: JSON.parse(noPrefix) as unknown, chars: decoded.length };
        } catch {
          /* fall through */
        }
      }
      return { kind: 'skipped', reason: 'invalid-json', chars: raw.length };
    }
  }
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') {
    // HTML is kept only for the auth analyzer's meta and hidden-input scan; cap what it keeps.
    return { kind: 'html', text: decoded.length > 2_000_000 ? decoded.slice(0, 2_000_000) : decoded };
  }
  if (encoding === 'base64' || /^(image|audio|video|font)\/|octet-stream|protobuf|grpc/.test(mediaType)) {
    return { kind: 'binary', chars: raw.length };
  }
  return { kind: 'text', chars: raw.length };
}

function splitUrl(
  url: string,
): { origin: string; host: string; path: string; query: [string, string][] } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const query: [string, string][] = [];
  for (const [k, v] of u.searchParams) {
    query.push([k, v]);
    if (query.length >= 200) break;
  }
  return { origin: `${u.protocol}//${u.host}`, host: u.hostname.toLowerCase(), path: u.pathname, query };
}

function safeDecode(s: string): string {
  // Nothing to decode without an escape: skips a try/catch and a copy for almost every segment.
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * A path segment decoded, except an encoded `/` (`%2F`): decoded it would read as two segments in the
 * template, and replay would send them as two (`/files/a%2Fb/meta` is three segments, not four).
 */
function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  if (!/%2f/i.test(s)) return safeDecode(s);
  return s.split(/%2f/i).map(safeDecode).join('%2F');
}

const GRAPHQL_OP = /^\s*(query|mutation|subscription)\s*([A-Za-z_][A-Za-z0-9_]*)?/;
const ACTION_PARAMS = ['action', 'op', 'operation', 'cmd', 'command', 'method', 'fn', 'func'];

/** The first value of a query parameter. A plain loop: this runs several times per entry. */
function queryValue(query: [string, string][], name: string): string | undefined {
  for (const [k, v] of query) if (k === name) return v;
  return undefined;
}

/** A GraphQL operation from its operationName, or the name in the document. */
function gqlFrom(opName: unknown, doc: unknown): RpcModel | undefined {
  const m = typeof doc === 'string' ? GRAPHQL_OP.exec(doc) : null;
  const type = m?.[1] ?? (typeof doc === 'string' && /^\s*\{/.test(doc) ? 'query' : undefined);
  const name = typeof opName === 'string' && opName ? opName : m?.[2];
  if (!name && !type) return undefined;
  return { kind: 'graphql', name: name ?? 'anonymous', detail: type ?? 'query' };
}

function rpcOf(
  method: string,
  segments: string[],
  query: [string, string][],
  body: ParsedBody,
): RpcModel | undefined {
  const last = (segments[segments.length - 1] ?? '').toLowerCase();
  // GraphQL: operationName, or the name in the document; GET carries them in the query string.
  if (body.kind === 'json' && body.value && typeof body.value === 'object' && !Array.isArray(body.value)) {
    const v = body.value as Record<string, unknown>;
    if (
      typeof v.query === 'string' ||
      (typeof v.operationName === 'string' && (v.variables !== undefined || v.extensions !== undefined))
    ) {
      const r = gqlFrom(v.operationName, v.query);
      if (r) return r;
    }
    if (v.jsonrpc === '2.0' && typeof v.method === 'string') return { kind: 'jsonrpc', name: v.method };
    for (const name of ACTION_PARAMS) {
      const a = v[name];
      if (typeof a === 'string' && /^[A-Za-z][\w.:/-]{0,63}$/.test(a) && name !== 'method') {
        return { kind: 'action', name: a, detail: name };
      }
    }
    if (
      /^(rpc|api|gateway|batch|service|invoke|call|ajax|dispatch)$/.test(last) &&
      typeof v.type === 'string' &&
      /^[A-Za-z][\w.:/-]{0,63}$/.test(v.type)
    ) {
      return { kind: 'action', name: v.type, detail: 'type' };
    }
  }
  if (Array.isArray(body.kind === 'json' ? body.value : undefined)) {
    const arr = (body as { value: unknown[] }).value;
    const first = arr[0] as Record<string, unknown> | undefined;
    if (first && typeof first === 'object' && typeof first.operationName === 'string') {
      return { kind: 'graphql', name: `batch:${first.operationName}`, detail: 'query' };
    }
    if (first && typeof first === 'object' && first.jsonrpc === '2.0' && typeof first.method === 'string') {
      return { kind: 'jsonrpc', name: `batch:${first.method}` };
    }
  }
  if (
    method === 'GET' &&
    /graphql|gql/.test(last) &&
    (queryValue(query, 'query') !== undefined || queryValue(query, 'operationName') !== undefined)
  ) {
    const r = gqlFrom(queryValue(query, 'operationName'), queryValue(query, 'query'));
    if (r) return r;
  }
  if (query.length > 0) {
    for (const name of ACTION_PARAMS) {
      const a = queryValue(query, name);
      if (a !== undefined && /^[A-Za-z][\w.:/-]{0,63}$/.test(a))
        return { kind: 'action', name: a, detail: name };
    }
  }
  if (body.kind === 'form') {
    for (const name of ACTION_PARAMS) {
      const a = queryValue(body.fields, name);
      if (a !== undefined && /^[A-Za-z][\w.:/-]{0,63}$/.test(a))
        return { kind: 'action', name: a, detail: name };
    }
  }
  return undefined;
}

/** Builds the observation of one entry. `undefined` when its URL cannot be parsed (a warning is due). */
export function observeEntry(
  entry: HarEntry,
  capture: number,
  index: number,
  ctx: AnalyzeContext,
): Observation | undefined {
  const req = entry.request;
  const res = entry.response;
  if (!req || typeof req.url !== 'string') return undefined;
  const url = splitUrl(req.url);
  if (!url) return undefined;
  const method = String(req.method ?? 'GET').toUpperCase();
  const requestMediaType = mediaTypeOf(req.postData?.mimeType ?? headerValue(req.headers, 'content-type'));
  const responseMediaType = mediaTypeOf(res?.content?.mimeType ?? headerValue(res?.headers, 'content-type'));
  const segments: string[] = [];
  let matrix: MatrixParam[] | undefined;
  let path = url.path;
  // Matrix pairs are split off before decoding: an encoded `%3B` is data, a bare `;` the delimiter.
  const withMatrix = path.includes(';');
  for (const s of path.split('/')) {
    if (s.length === 0) continue;
    const split = withMatrix ? splitMatrix(s) : undefined;
    if (!split) {
      segments.push(decodeSegment(s));
      continue;
    }
    if (split.base.length > 0) segments.push(decodeSegment(split.base));
    // `/app/;jsessionid=…`: a pair with no segment of its own belongs to the one before it.
    for (const [name, value] of split.pairs)
      (matrix ??= []).push({
        segment: segments.length - 1,
        name: safeDecode(name),
        value: safeDecode(value),
      });
  }
  // The noise rules read the path without its pairs (`/app.js;jsessionid=…` is still a script).
  if (matrix) path = path.replace(/;[^/]*/g, '');
  const status = typeof res?.status === 'number' ? res.status : 0;
  const noise = noiseReason(url.host, path, method, entry._resourceType, responseMediaType, ctx);
  const truncated = entry._truncated === true;
  let requestBody: ParsedBody = noise
    ? ({ kind: 'none' } as const)
    : parseBody(
        req.postData?.text,
        req.postData?.encoding,
        requestMediaType,
        truncated,
        ctx,
        req.postData?.params,
      );
  let responseBody: ParsedBody = noise
    ? ({ kind: 'none' } as const)
    : parseBody(res?.content?.text, res?.content?.encoding, responseMediaType, truncated, ctx);
  // A body the reader left out of an oversized entry (`elideLarge`) was there: say so, as for any body over the cap.
  for (const cut of noise ? [] : (entry._elided ?? [])) {
    const skipped = { kind: 'skipped', reason: 'too-large', chars: cut.bytes } as const;
    if (cut.pointer === '/response/content/text') responseBody = skipped;
    else if (cut.pointer === '/request/postData/text') requestBody = skipped;
  }
  const requestHeaders = new Map<string, string>();
  for (const h of req.headers ?? []) {
    const k = String(h.name).toLowerCase();
    if (!requestHeaders.has(k)) requestHeaders.set(k, String(h.value ?? ''));
  }
  const time = Date.parse(entry.startedDateTime);
  const obs: Observation = {
    capture,
    index,
    entry,
    method,
    origin: url.origin,
    host: url.host,
    segments,
    query: url.query,
    status,
    requestMediaType,
    responseMediaType,
    requestBody,
    responseBody,
    time,
    requestHeaders,
    responseHeaders: res?.headers ?? [],
  };
  if (typeof entry._step === 'string') obs.step = entry._step;
  if (matrix) obs.matrix = matrix;
  if (noise) obs.noise = noise;
  else {
    const rpc = rpcOf(method, segments, url.query, requestBody);
    if (rpc) obs.rpc = rpc;
  }
  return obs;
}

/**
 * Visits the scalar leaves of a JSON value (bounded count and depth). The JSON Pointer of a leaf is built
 * only when the visitor asks for it: most leaves are looked at and dropped, and building a string per
 * leaf was most of the cost on large captures.
 */
export function visitLeaves(
  value: unknown,
  visit: LeafVisitor,
  limits: { maxLeaves: number; maxDepth: number; maxArrayItems?: number },
): void {
  const state: LeafWalk = {
    budget: limits.maxLeaves,
    maxItems: limits.maxArrayItems ?? 50,
    maxDepth: limits.maxDepth,
    path: [],
    current: '',
    visit,
    pointer: () => '',
  };
  state.pointer = () => leafPointer(state);
  walkLeaves(state, value, 0);
}

/** A leaf visitor of `visitLeaves`; `pointer()` builds the leaf's JSON Pointer on demand. */
type LeafVisitor = (
  pointer: () => string,
  key: string,
  leaf: string | number | boolean,
  parent: Record<string, unknown> | unknown[],
) => void;

/**
 * The walk's state in one object, and the walk a module-level function: closures made per call were a
 * measurable cost when a capture calls this a few times per entry.
 */
interface LeafWalk {
  budget: number;
  maxItems: number;
  maxDepth: number;
  path: string[];
  current: string;
  visit: LeafVisitor;
  pointer: () => string;
}

function leafPointer(state: LeafWalk): string {
  let out = '';
  for (const p of state.path) out += `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return `${out}/${state.current.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function walkLeaves(state: LeafWalk, v: unknown, depth: number): void {
  if (state.budget <= 0 || depth > state.maxDepth || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    const n = Math.min(v.length, state.maxItems);
    for (let i = 0; i < n && state.budget > 0; i++) {
      const item: unknown = v[i];
      if (item !== null && typeof item === 'object') {
        state.path.push(String(i));
        walkLeaves(state, item, depth + 1);
        state.path.pop();
      } else if (item !== null && item !== undefined) {
        state.budget--;
        state.current = String(i);
        state.visit(state.pointer, state.current, item as string | number | boolean, v);
      }
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  for (const k in obj) {
    if (state.budget <= 0) return;
    const item = obj[k];
    if (item !== null && typeof item === 'object') {
      state.path.push(k);
      walkLeaves(state, item, depth + 1);
      state.path.pop();
    } else if (item !== null && item !== undefined) {
      state.budget--;
      state.current = k;
      state.visit(state.pointer, k, item as string | number | boolean, obj);
    }
  }
}
