/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as TypeScript types: a leaf module
 * (DESIGN.md convention 1). Names mirror the spec; every extension starts with `_`, as Playwright's
 * packages/trace/src/har.ts does. Fields real producers omit are optional here; the strict validator
 * (har/validate.ts) is where the spec's required fields are enforced.
 */

export interface HarFile {
  log: HarLog;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
  /** ledgertap's own metadata: consent id, guide, redaction info (written by capture). */
  _ledgertap?: LedgertapLogMeta;
  [extension: `_${string}`]: unknown;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings?: HarPageTimings;
  comment?: string;
  [extension: `_${string}`]: unknown;
}

export interface HarPageTimings {
  onContentLoad?: number;
  onLoad?: number;
  comment?: string;
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  /** Total elapsed ms; -1 or missing in some producers. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache?: HarCache;
  timings?: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  /** The guide step this entry was recorded under (capture). */
  _step?: string;
  /** Which capture path produced it: browser, proxy, or another tool's name. */
  _source?: string;
  /** Set when the body was cut at the capture's size cap. */
  _truncated?: boolean;
  /** Names of the fields redacted in this entry, with their kinds (capture). */
  _redacted?: HarRedaction[];
  /** Chrome DevTools and others: WebSocket frames of an upgraded connection. */
  _webSocketMessages?: HarWebSocketMessage[];
  /** Set by the reader (`elideLarge`) on an entry too large to read whole: what it left out. */
  _elided?: HarElision[];
  /** Chrome DevTools: resource type (xhr, fetch, document, script, …). */
  _resourceType?: string;
  [extension: `_${string}`]: unknown;
}

/** One cut the scanner made in an entry. */
export interface HarElision {
  /** JSON Pointer of the field left out (a string), or of the array that was thinned. */
  pointer: string;
  /** Bytes of the original JSON text left out. */
  bytes: number;
  /** For a thinned array: how many of its items were left out. */
  items?: number;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarHeader[];
  queryString: HarQueryParam[];
  postData?: HarPostData;
  headersSize: number;
  bodySize: number;
  comment?: string;
  [extension: `_${string}`]: unknown;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarHeader[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
  [extension: `_${string}`]: unknown;
}

export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: string | null;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
  comment?: string;
}

export interface HarHeader {
  name: string;
  value: string;
  comment?: string;
}

export interface HarQueryParam {
  name: string;
  value: string;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  params?: HarPostParam[];
  text?: string;
  comment?: string;
  /** Non-standard but common (Firefox, some proxies): `base64` when `text` is base64. */
  encoding?: string;
  [extension: `_${string}`]: unknown;
}

export interface HarPostParam {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  comment?: string;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  /** `base64` when `text` holds base64 of the bytes (binary or non-UTF-8 bodies). */
  encoding?: string;
  comment?: string;
  [extension: `_${string}`]: unknown;
}

export interface HarCache {
  beforeRequest?: HarCacheEntry | null;
  afterRequest?: HarCacheEntry | null;
  comment?: string;
}

export interface HarCacheEntry {
  expires?: string;
  lastAccess: string;
  eTag: string;
  hitCount: number;
  comment?: string;
}

export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
  /** Producer extensions (Chrome's `_blocked_queueing`, …). */
  [extension: `_${string}`]: unknown;
}

export interface HarWebSocketMessage {
  type: 'send' | 'receive' | string;
  time: number;
  opcode: number;
  data: string;
}

export interface HarRedaction {
  /** Where: `request.headers.Authorization`, `response.content.json:/data/token`, `request.url.query.signature`. */
  location: string;
  kind: string;
}

export interface LedgertapLogMeta {
  consentId?: string;
  account?: string;
  guide?: string;
  /** Relations recorded before redaction (derivations, first issuers), for the auth-flow analyzer. */
  relations?: HarValueRelation[];
  redaction?: {
    enabled: boolean;
    keyFile?: string;
    rules?: string[];
    keyDiscarded?: boolean;
    /** Entries rewritten at close because they held a secret recognised only later. */
    lateSwept?: number;
  };
  [key: string]: unknown;
}

/** A relation between two redacted values, recorded by capture while it still saw the clear values. */
export interface HarValueRelation {
  /** `derived`: `to` = transform(`from`); `issued`: `to` first appeared in the response of entry `entryIndex`. */
  type: 'derived' | 'issued' | string;
  /** Fingerprint or location of the source value. */
  from: string;
  to: string;
  /** For `derived`: md5, sha1, sha256, base64, hex, hmac-sha256, identity, urlencode, … */
  transform?: string;
  entryIndex?: number;
  evidence?: string;
}
