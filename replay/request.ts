/**
 * Turns a captured request (a HAR entry, possibly redacted) into a request to send now: the origin
 * swapped when asked, hop-by-hop and HTTP/2 pseudo headers dropped, cookies from the live session, and
 * every credential the model knows supplied afresh (replay/credentials.ts).
 */
import { harHeader, harRequestBody, type HarEntry } from '../har/index.js';
import { isRedactedPlaceholder } from '../core/index.js';
import type { CookieJar } from './cookies.js';
import { supplyCredential, type CredentialIndex } from './credentials.js';
import { maskMatrixPairs, supplyMatrixCredentials, type MatrixSlot } from './matrix-credentials.js';
import { readPointer } from './paging.js';

const DROP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'cookie',
  'accept-encoding',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'if-none-match',
  'if-modified-since',
]);

export interface PreparedRequest {
  method: string;
  url: URL;
  headers: [string, string][];
  body?: string;
  /** Credentials that could not be supplied (the request may still work without them). */
  missing: string[];
  /** Session ids of the URL path (`;jsessionid=`) that could not be supplied and were dropped: why. */
  pathMissing?: string[];
  /** Set when a session id every captured request carried in its path could not be supplied: why not send. */
  needs?: string;
  /** Live secret values written into the URL: masked wherever they come back (the live HAR). */
  secrets?: string[];
}

/** Swaps scheme, host and port of a captured URL; keeps path and query. */
export function rebase(url: string, baseUrl: string | undefined): URL {
  const parsed = new URL(url);
  if (!baseUrl) return parsed;
  const base = new URL(baseUrl);
  parsed.protocol = base.protocol;
  parsed.host = base.host;
  if (base.pathname !== '/' && !parsed.pathname.startsWith(base.pathname))
    parsed.pathname = `${base.pathname.replace(/\/$/, '')}${parsed.pathname}`;
  return parsed;
}

export function prepareRequest(
  entry: HarEntry,
  jar: CookieJar,
  credentials: CredentialIndex,
  options: {
    baseUrl?: string;
    headers?: Record<string, string>;
    now: number;
    /** The operation's session ids carried as matrix parameters of its path (replay/matrix-credentials.ts). */
    matrix?: readonly MatrixSlot[];
  },
): PreparedRequest {
  // Matrix pairs are supplied on the captured path, where the model's segment indexes point, and the
  // result rebased; the cookies that apply are those of the URL the request goes to.
  const matrix = supplyMatrixCredentials(
    entry.request.url,
    options.matrix ?? [],
    jar,
    rebase(entry.request.url, options.baseUrl),
    credentials,
    options.now,
  );
  const url = rebase(matrix.url, options.baseUrl);
  const missing: string[] = [...matrix.missing];
  for (const [name, value] of [...url.searchParams]) {
    const supplied = supplyCredential(
      credentials.lookup('query', name),
      value,
      jar,
      url,
      credentials,
      options.now,
    );
    if ('value' in supplied) url.searchParams.set(name, supplied.value);
    else if ('drop' in supplied) {
      url.searchParams.delete(name);
      missing.push(supplied.reason);
    }
  }
  const headers: [string, string][] = [];
  for (const { name, value } of entry.request.headers) {
    const lower = name.toLowerCase();
    if (lower.startsWith(':') || DROP_HEADERS.has(lower)) continue;
    const credential =
      credentials.lookup('header', lower) ??
      (lower === 'authorization' ? credentials.lookup('authorization', lower) : undefined);
    const looksSecret =
      isRedactedPlaceholder(value) || value.includes('[redacted:') || value === '[REDACTED]';
    if (!credential && !looksSecret) {
      headers.push([name, value]);
      continue;
    }
    const supplied = supplyCredential(credential, value, jar, url, credentials, options.now);
    if ('value' in supplied) headers.push([name, supplied.value]);
    else if ('keep' in supplied) headers.push([name, value]);
    else missing.push(supplied.reason);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const i = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    if (i >= 0) headers.splice(i, 1);
    headers.push([name, value]);
  }
  const cookie = jar.header(url);
  if (cookie) headers.push(['cookie', cookie]);
  const body = harRequestBody(entry)?.text;
  const prepared: PreparedRequest = { method: entry.request.method.toUpperCase(), url, headers, missing };
  if (matrix.missing.length > 0) prepared.pathMissing = matrix.missing;
  if (matrix.needs) prepared.needs = matrix.needs;
  if (matrix.secrets.length > 0) prepared.secrets = matrix.secrets;
  if (body !== undefined && body !== '' && !['GET', 'HEAD'].includes(prepared.method)) {
    prepared.body = body;
    if (!headers.some(([n]) => n.toLowerCase() === 'content-type')) {
      const type = entry.request.postData?.mimeType ?? harHeader(entry.request.headers, 'content-type');
      if (type) headers.push(['content-type', type]);
    }
  }
  return prepared;
}

/** True when a body still holds a redacted value that replay cannot fill (a password, a token). */
export function bodyHasRedactedValues(body: string | undefined): boolean {
  return body !== undefined && (body.includes('[redacted:') || body.includes('[REDACTED]'));
}

/** A matrix name that carries a session (`;jsessionid=`, `;sid=`, `;phpsessid=`), credential or not in the model. */
const SESSION_MATRIX = /sess|^sid$/i;

/** The URL with credential query values and path matrix pairs masked, for results and logs. */
export function maskedUrl(url: URL, credentials: CredentialIndex): string {
  const copy = new URL(url.href);
  copy.pathname = maskMatrixPairs(
    copy.pathname,
    (name) =>
      SESSION_MATRIX.test(name) ||
      credentials.byId.has(`path-matrix:${name}`) ||
      credentials.lookup('path-matrix', name) !== undefined,
  );
  for (const [name] of [...copy.searchParams]) {
    if (credentials.lookup('query', name) || /sig|signature|token|key|secret|password/i.test(name))
      copy.searchParams.set(name, '***');
  }
  return copy.href;
}

const AUTH_HEADERS =
  /^(cookie|authorization|x-csrf-token|x-xsrf-token|csrftoken|x-api-key|proxy-authorization)$/i;

/** The headers with credential values masked, for the live HAR (HTTP entries and WebSocket handshakes). */
export function maskHeaders(headers: [string, string][], credentials: CredentialIndex): [string, string][] {
  return headers.map(([n, v]) =>
    AUTH_HEADERS.test(n) || credentials.lookup('header', n) ? [n, '***'] : [n, v],
  );
}

/**
 * The values of the credentials `operationId` issues in its JSON body or headers (a listenKey, a token),
 * read from this live answer: the live HAR masks them wherever they appear, as it masks them where they
 * are used (the URL of the WebSocket that takes the listenKey, a header).
 */
export function issuedValues(
  operationId: string,
  credentials: CredentialIndex,
  text: string,
  headers: Headers,
): string[] {
  const out: string[] = [];
  let body: unknown;
  for (const credential of credentials.byId.values())
    for (const issuer of credential.issuedBy) {
      if (issuer.operationId !== operationId) continue;
      let value: unknown;
      if (issuer.via === 'header') value = headers.get(issuer.name);
      else if (issuer.via === 'json-field') {
        try {
          body ??= JSON.parse(text) as unknown;
        } catch {
          return out;
        }
        const pointer = issuer.evidence.find((e) => e.bodyPointer)?.bodyPointer ?? `/${issuer.name}`;
        value = readPointer(body, pointer);
      }
      if ((typeof value === 'string' && value.length >= 4) || typeof value === 'number')
        out.push(String(value));
    }
  return out;
}
