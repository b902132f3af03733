/**
 * Turns an entry as some producer wrote it into a complete HarEntry: every array present, every number a
 * number, so downstream code never crashes on a missing field. Each repair and each notable quirk is
 * counted in HarWarnings; nothing is dropped silently. Runs once per entry on the hot path of the reader,
 * so it checks types directly and allocates only what it fills in.
 */
import { isUtf8 } from 'node:buffer';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type {
  HarContent,
  HarEntry,
  HarHeader,
  HarLog,
  HarPage,
  HarPostData,
  HarRequest,
  HarResponse,
  HarTimings,
} from './types.js';
import type { HarWarningKind, HarWarnings } from './warnings.js';

/** The log without its entries: what the reader knows besides the entries (available once parsed). */
export type HarLogInfo = Omit<HarLog, 'entries' | 'pages'> & { pages: HarPage[] };

/** Methods of RFC 9110 plus PATCH (RFC 5789); anything else is counted as non-standard (still accepted). */
const STANDARD_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const TEXTUAL_MIME =
  /^(text\/|application\/(json|[^;]*\+json|xml|[^;]*\+xml|javascript|ecmascript|x-www-form-urlencoded|graphql))/i;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for mime types whose body is meant to be text (so non-UTF-8 bytes there are notable). */
export function isTextualMimeType(mimeType: string | undefined): boolean {
  return !!mimeType && TEXTUAL_MIME.test(mimeType);
}

class EntryContext {
  constructor(
    readonly index: number,
    readonly warnings: HarWarnings,
  ) {}
  warn(kind: HarWarningKind, path: string, detail?: string): void {
    if (!this.warnings.wantsExample(kind)) {
      this.warnings.bump(kind);
      return;
    }
    const example: { entry: number; pointer: string; detail?: string } = {
      entry: this.index,
      pointer: `/log/entries/${this.index}${path}`,
    };
    if (detail !== undefined) example.detail = detail;
    this.warnings.add(kind, example);
  }
}

function nameValueList(
  ctx: EntryContext,
  owner: Obj,
  key: 'headers' | 'cookies' | 'queryString',
  path: string,
  missingKind: HarWarningKind,
): HarHeader[] {
  const value = owner[key];
  if (!Array.isArray(value)) {
    ctx.warn(missingKind, `${path}/${key}`);
    const filled: HarHeader[] = [];
    owner[key] = filled;
    return filled;
  }
  for (let i = 0; i < value.length; i++) {
    const item = value[i] as unknown;
    if (isObject(item) && typeof item['name'] === 'string' && typeof item['value'] === 'string') continue;
    ctx.warn('invalid_header', `${path}/${key}/${i}`);
    const o = isObject(item) ? item : {};
    value[i] = { ...o, name: String(o['name'] ?? ''), value: o['value'] == null ? '' : String(o['value']) };
  }
  return value as HarHeader[];
}

function checkHeaders(ctx: EntryContext, headers: HarHeader[], path: string): void {
  if (headers.length < 2 && !(headers[0]?.name.startsWith(':') ?? false)) return;
  let seen: Set<string> | undefined;
  let pseudo = false;
  let duplicate: string | undefined;
  for (const h of headers) {
    const name = h.name.toLowerCase();
    if (name.startsWith(':')) pseudo = true;
    seen ??= new Set();
    if (seen.has(name)) duplicate ??= name;
    else seen.add(name);
  }
  if (pseudo) ctx.warn('http2_pseudo_header', `${path}/headers`);
  if (duplicate !== undefined) ctx.warn('duplicate_header', `${path}/headers`, duplicate);
}

function size(ctx: EntryContext, owner: Obj, key: string, path: string, missingKind: HarWarningKind): void {
  const v = owner[key];
  if (typeof v === 'number') {
    if (v < 0) ctx.warn('negative_size', `${path}/${key}`);
    return;
  }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
    ctx.warn('coerced_type', `${path}/${key}`, 'number as string');
    owner[key] = Number(v);
    return;
  }
  ctx.warn(missingKind, `${path}/${key}`);
  owner[key] = -1;
}

function stringField(
  ctx: EntryContext,
  owner: Obj,
  key: string,
  path: string,
  kind: HarWarningKind,
  fill = '',
): string {
  const v = owner[key];
  if (typeof v === 'string') return v;
  ctx.warn(kind, `${path}/${key}`);
  const s = v == null ? fill : String(v);
  owner[key] = s;
  return s;
}

/** `entry[key]` when it is an object; otherwise warns `kind` at `/key` and puts an empty object there. */
function entryObject(
  ctx: EntryContext,
  entry: Obj,
  key: 'request' | 'response' | 'cache',
  kind: HarWarningKind,
): Obj {
  const v = entry[key];
  if (isObject(v)) return v;
  ctx.warn(kind, `/${key}`);
  const filled: Obj = {};
  entry[key] = filled;
  return filled;
}

/** The fields a request and a response share, in HAR order: `httpVersion`, `cookies`, `headers`. */
function messageHeaders(ctx: EntryContext, r: Obj, path: string): HarHeader[] {
  stringField(ctx, r, 'httpVersion', path, 'missing_http_version');
  nameValueList(ctx, r, 'cookies', path, 'missing_cookies');
  const headers = nameValueList(ctx, r, 'headers', path, 'missing_headers');
  checkHeaders(ctx, headers, path);
  return headers;
}

/** The sizes a request and a response end with: `headersSize`, `bodySize`. */
function messageSizes(ctx: EntryContext, r: Obj, path: string): void {
  size(ctx, r, 'headersSize', path, 'missing_headers_size');
  size(ctx, r, 'bodySize', path, 'missing_body_size');
}

function normalizeRequest(ctx: EntryContext, entry: Obj): HarRequest {
  const r = entryObject(ctx, entry, 'request', 'missing_request');
  const method = stringField(ctx, r, 'method', '/request', 'missing_method', 'GET');
  if (!STANDARD_METHODS.has(method)) {
    const upper = method.toUpperCase();
    if (!STANDARD_METHODS.has(upper)) ctx.warn('nonstandard_method', '/request/method', method.slice(0, 32));
  }
  const url = stringField(ctx, r, 'url', '/request', 'missing_url');
  if (url.includes('://[')) ctx.warn('ipv6_host', '/request/url');
  messageHeaders(ctx, r, '/request');
  nameValueList(ctx, r, 'queryString', '/request', 'missing_query_string');
  messageSizes(ctx, r, '/request');
  const postData = r['postData'];
  if (postData !== undefined && postData !== null) {
    if (!isObject(postData)) {
      ctx.warn('invalid_header', '/request/postData', 'postData is not an object');
      r['postData'] = { mimeType: '', params: [], text: String(postData) };
    } else {
      normalizePostData(ctx, postData);
    }
  } else if (postData === null) {
    delete r['postData'];
  }
  const content = r['_content'];
  if (isObject(content) && content['encoding'] === 'base64')
    ctx.warn('base64_request_body', '/request/_content');
  return r as unknown as HarRequest;
}

function normalizePostData(ctx: EntryContext, p: Obj): HarPostData {
  if (typeof p['mimeType'] !== 'string') {
    ctx.warn('missing_post_mime_type', '/request/postData/mimeType');
    p['mimeType'] = '';
  }
  if (!Array.isArray(p['params'])) {
    ctx.warn('missing_post_params', '/request/postData/params');
    p['params'] = [];
  }
  const text = p['text'];
  if (p['encoding'] === 'base64') {
    ctx.warn('base64_request_body', '/request/postData/encoding');
    if (typeof text === 'string' && isTextualMimeType(p['mimeType'] as string)) {
      if (!isUtf8(Buffer.from(text, 'base64'))) ctx.warn('non_utf8_body', '/request/postData/text');
    }
  } else if (typeof text === 'string' && text.includes('\uFFFD')) {
    ctx.warn('lossy_body_text', '/request/postData/text');
  }
  return p as unknown as HarPostData;
}

function normalizeResponse(ctx: EntryContext, entry: Obj): HarResponse {
  const r = entryObject(ctx, entry, 'response', 'missing_response');
  let status = r['status'];
  if (typeof status !== 'number') {
    const n = typeof status === 'string' ? Number.parseInt(status, 10) : NaN;
    if (!Number.isFinite(n)) ctx.warn('missing_status', '/response/status');
    else ctx.warn('coerced_type', '/response/status', 'number as string');
    status = Number.isFinite(n) ? n : 0;
    r['status'] = status;
  }
  if (status === 0) ctx.warn('no_response', '/response/status');
  stringField(ctx, r, 'statusText', '/response', 'missing_status_text');
  const headers = messageHeaders(ctx, r, '/response');
  stringField(ctx, r, 'redirectURL', '/response', 'missing_redirect_url');
  messageSizes(ctx, r, '/response');
  let content = r['content'];
  if (!isObject(content)) {
    ctx.warn('missing_content', '/response/content');
    content = { size: 0, mimeType: '' };
    r['content'] = content;
  }
  normalizeContent(ctx, content as Obj, status as number, headers);
  return r as unknown as HarResponse;
}

function normalizeContent(ctx: EntryContext, c: Obj, status: number, headers: HarHeader[]): HarContent {
  if (typeof c['mimeType'] !== 'string') {
    ctx.warn('missing_mime_type', '/response/content/mimeType');
    c['mimeType'] = c['mimeType'] == null ? '' : String(c['mimeType']);
  }
  if (typeof c['text'] === 'string' && c['text'].startsWith('["')) decodePollyChunks(ctx, c, headers);
  const text = c['text'];
  const base64 = c['encoding'] === 'base64';
  if (typeof c['size'] !== 'number') {
    ctx.warn('missing_content_size', '/response/content/size');
    c['size'] =
      typeof text === 'string'
        ? base64
          ? Buffer.byteLength(text, 'base64')
          : Buffer.byteLength(text, 'utf8')
        : 0;
  } else if ((c['size'] as number) < 0) {
    ctx.warn('negative_size', '/response/content/size');
  }
  if (base64) {
    ctx.warn('base64_response_body', '/response/content/encoding');
    if (typeof text === 'string' && isTextualMimeType(c['mimeType'] as string)) {
      if (!isUtf8(Buffer.from(text, 'base64'))) ctx.warn('non_utf8_body', '/response/content/text');
    }
  } else if (typeof text === 'string' && text.includes('\uFFFD')) {
    ctx.warn('lossy_body_text', '/response/content/text');
  }
  if (status > 0 && c['size'] === 0 && !text) ctx.warn('empty_response', '/response/content/size');
  return c as unknown as HarContent;
}

/** Largest body decompressed from a Polly.JS chunk list (memory stays bounded, as for entries). */
const MAX_DECODED_BODY = 64 * 1024 * 1024;

/**
 * Polly.JS keeps bodies it could not store as text (compressed ones above all) as a JSON array of hex
 * strings holding the raw bytes: marked `_isBinary` since Polly 5, unmarked before. Such a text is
 * decoded to the body a HAR should hold: the bytes, decompressed per Content-Encoding, as text when the
 * media type is textual, else base64. Without `_isBinary` the bytes must start with a compression magic
 * matching the Content-Encoding, so a JSON API that really answers `["deadbeef"]` is left alone.
 */
function decodePollyChunks(ctx: EntryContext, c: Obj, headers: HarHeader[]): void {
  const text = c['text'] as string;
  if (!text.endsWith('"]')) return;
  let chunks: unknown;
  try {
    chunks = JSON.parse(text);
  } catch {
    return;
  }
  if (!Array.isArray(chunks) || chunks.length === 0) return;
  for (const chunk of chunks) if (typeof chunk !== 'string' || !/^(?:[0-9a-f]{2})*$/i.test(chunk)) return;
  const bytes = Buffer.from((chunks as string[]).join(''), 'hex');
  const encoding = headers
    .find((h) => h.name.toLowerCase() === 'content-encoding')
    ?.value.trim()
    .toLowerCase();
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const zlib = bytes[0] === 0x78 && ((bytes[0] << 8) | (bytes[1] ?? 0)) % 31 === 0;
  const marked = c['_isBinary'] === true;
  if (!marked && !((encoding === 'gzip' && gzip) || (encoding === 'deflate' && zlib))) return;
  let body: Buffer = bytes;
  try {
    const options = { maxOutputLength: MAX_DECODED_BODY };
    if (gzip) body = gunzipSync(bytes, options);
    else if (encoding === 'deflate')
      body = zlib ? inflateSync(bytes, options) : inflateRawSync(bytes, options);
    else if (encoding === 'br') body = brotliDecompressSync(bytes, options);
  } catch {
    ctx.warn('undecodable_binary_body', '/response/content/text', encoding ?? 'identity');
    body = bytes;
  }
  if (isTextualMimeType(c['mimeType'] as string) && isUtf8(body)) {
    c['text'] = body.toString('utf8');
    delete c['encoding'];
  } else {
    c['text'] = body.toString('base64');
    c['encoding'] = 'base64';
  }
  delete c['_isBinary'];
  ctx.warn('polly_binary_body', '/response/content/text', encoding ?? 'identity');
}

const TIMING_KEYS = ['blocked', 'dns', 'connect', 'send', 'wait', 'receive', 'ssl'] as const;

function normalizeTimings(ctx: EntryContext, entry: Obj): HarTimings {
  const t = entry['timings'];
  if (!isObject(t)) {
    ctx.warn('missing_timings', '/timings');
    const filled: HarTimings = {
      blocked: -1,
      dns: -1,
      connect: -1,
      send: -1,
      wait: -1,
      receive: -1,
      ssl: -1,
    };
    entry['timings'] = filled;
    return filled;
  }
  let negative = false;
  for (const key of TIMING_KEYS) {
    const v = t[key];
    if (typeof v === 'number') {
      if (v < 0 && (key === 'send' || key === 'wait' || key === 'receive')) negative = true;
    } else if (key === 'send' || key === 'wait' || key === 'receive') {
      t[key] = -1;
      negative = true;
    }
  }
  if (negative) ctx.warn('negative_timing', '/timings');
  return t as unknown as HarTimings;
}

/**
 * Completes one entry in place (the object is reused, not copied) and returns it typed. `index` is its
 * position in log.entries, used in the JSON Pointers of the warnings.
 */
export function normalizeHarEntry(value: Obj, index: number, warnings: HarWarnings): HarEntry {
  const ctx = new EntryContext(index, warnings);
  const e = value;
  const started = e['startedDateTime'];
  if (typeof started !== 'string') {
    ctx.warn('missing_started_date_time', '/startedDateTime');
    e['startedDateTime'] = typeof started === 'number' ? new Date(started).toISOString() : '';
  } else if (!ISO_DATE.test(started)) {
    ctx.warn('invalid_started_date_time', '/startedDateTime', started.slice(0, 40));
  }
  const time = e['time'];
  if (typeof time !== 'number') {
    const n = typeof time === 'string' ? Number(time) : NaN;
    if (Number.isFinite(n)) {
      ctx.warn('coerced_type', '/time', 'number as string');
      e['time'] = n;
    } else {
      ctx.warn('missing_time', '/time');
      e['time'] = -1;
    }
  } else if (time < 0) {
    ctx.warn('negative_time', '/time');
  }
  normalizeRequest(ctx, e);
  normalizeResponse(ctx, e);
  entryObject(ctx, e, 'cache', 'missing_cache');
  normalizeTimings(ctx, e);
  if (typeof e['pageref'] !== 'string') ctx.warn('missing_pageref', '/pageref');
  const ws = e['_webSocketMessages'];
  if (Array.isArray(ws) && ws.length > 0)
    ctx.warn('websocket_messages', '/_webSocketMessages', `${ws.length} frames`);
  return e as unknown as HarEntry;
}

/** Completes the log header (everything but entries): version, creator and pages always present. */
export function normalizeHarLog(value: Obj, warnings: HarWarnings): HarLogInfo {
  const log = { ...value };
  delete log['entries'];
  if (typeof log['version'] !== 'string') {
    if (log['version'] === undefined) warnings.add('missing_version', { pointer: '/log/version' });
    else
      warnings.add('coerced_type', { pointer: '/log/version', detail: `${typeof log['version']} as string` });
    log['version'] = log['version'] == null ? '1.2' : String(log['version']);
  }
  const creator = log['creator'];
  if (!isObject(creator) || typeof creator['name'] !== 'string') {
    warnings.add('missing_creator', { pointer: '/log/creator' });
    log['creator'] = { name: 'unknown', version: '', ...(isObject(creator) ? creator : {}) };
  } else if (typeof creator['version'] !== 'string') {
    creator['version'] = creator['version'] == null ? '' : String(creator['version']);
  }
  const pages = log['pages'];
  log['pages'] = Array.isArray(pages) ? pages.filter(isObject) : [];
  return log as unknown as HarLogInfo;
}
