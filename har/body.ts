/**
 * Helpers every consumer of entries needs: the decoded bytes and text of a body (base64 or not, UTF-8 or
 * not), case-insensitive multi-valued header lookup, and URL parsing that handles IPv6 hosts.
 */
import { isUtf8 } from 'node:buffer';
import type { HarContent, HarEntry, HarHeader, HarPostData } from './types.js';

/** A body as bytes and as text. */
export interface HarBody {
  bytes: Buffer;
  /** The bytes as text: UTF-8, or the charset of the mime type; invalid sequences become U+FFFD. */
  text: string;
  /** True when the bytes are valid UTF-8. */
  isUtf8: boolean;
  /** True when the HAR held the body as base64. */
  base64: boolean;
  mimeType: string;
}

function charsetOf(mimeType: string): string | undefined {
  const match = /;\s*charset=("?)([^";\s]+)\1/i.exec(mimeType);
  return match?.[2]?.toLowerCase();
}

function decodeText(bytes: Buffer, mimeType: string, valid: boolean): string {
  const charset = charsetOf(mimeType);
  if (valid || !charset || charset === 'utf-8' || charset === 'utf8') return bytes.toString('utf8');
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function decode(
  text: string | undefined,
  encoding: string | undefined,
  mimeType: string,
): HarBody | undefined {
  if (text === undefined || text === null) return undefined;
  const base64 = encoding === 'base64';
  const bytes = base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  const valid = base64 ? isUtf8(bytes) : !text.includes('\uFFFD');
  return { bytes, text: base64 ? decodeText(bytes, mimeType, valid) : text, isUtf8: valid, base64, mimeType };
}

/** The response body, or undefined when the HAR holds no body text. */
export function harResponseBody(entry: HarEntry): HarBody | undefined {
  const content: HarContent | undefined = entry.response?.content;
  if (!content) return undefined;
  return decode(content.text, content.encoding, content.mimeType ?? '');
}

/**
 * The request body: postData.text (base64 when postData.encoding says so), else postData.params encoded as
 * a form, else HTTP Toolkit's `_content` for bodies it could not put in postData. Undefined when none.
 */
export function harRequestBody(entry: HarEntry): HarBody | undefined {
  const postData: HarPostData | undefined = entry.request?.postData;
  if (postData) {
    if (typeof postData.text === 'string')
      return decode(postData.text, postData.encoding, postData.mimeType ?? '');
    if (postData.params && postData.params.length > 0) {
      const form = new URLSearchParams();
      for (const p of postData.params) form.append(p.name, p.value ?? '');
      return decode(form.toString(), undefined, postData.mimeType ?? 'application/x-www-form-urlencoded');
    }
  }
  const extra = entry.request?.['_content'] as { text?: string; encoding?: string } | undefined;
  if (extra && typeof extra.text === 'string') {
    const mimeType = harHeader(entry.request.headers, 'content-type') ?? '';
    return decode(extra.text, extra.encoding, mimeType);
  }
  return undefined;
}

/** Decoded response body as text (empty string when there is none). */
export function harResponseText(entry: HarEntry): string {
  return harResponseBody(entry)?.text ?? '';
}

/** Decoded request body as text (empty string when there is none). */
export function harRequestText(entry: HarEntry): string {
  return harRequestBody(entry)?.text ?? '';
}

/** Every value of header `name` (case-insensitive), in order. Works for HTTP/2 pseudo-headers (`:authority`). */
export function harHeaders(headers: readonly HarHeader[] | undefined, name: string): string[] {
  if (!headers) return [];
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const h of headers) if (h.name.toLowerCase() === wanted) values.push(h.value);
  return values;
}

/**
 * The value of header `name` (case-insensitive). With several, `join` combines them (default `, `, as
 * RFC 9110 folds them; Set-Cookie is never folded: use harHeaders).
 */
export function harHeader(
  headers: readonly HarHeader[] | undefined,
  name: string,
  join = ', ',
): string | undefined {
  const values = harHeaders(headers, name);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values.join(join);
}

/** A request URL taken apart, IPv6-aware. */
export interface HarUrl {
  /** `https`, `http`, `wss`, … (no colon). */
  scheme: string;
  /** Host without brackets, lowercase: `api.example.test`, `::1`. */
  host: string;
  /** True for IPv6 literal hosts. */
  ipv6: boolean;
  /** Explicit port, or the scheme's default (443, 80), or undefined when unknown. */
  port: number | undefined;
  /** Host as it appears in a URL: `[::1]` for IPv6, with `:port` only when not the default. */
  authority: string;
  /** Path without the query: `/api/v3/order`. */
  path: string;
  /** Query string without `?` (may be empty). */
  query: string;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

/**
 * Parses a request URL. Handles `[::1]` hosts, HTTP/2 captures whose url is only a path (the host then
 * comes from `:authority` or `Host` when an entry is given), and returns undefined for what is not a URL.
 */
export function parseHarUrl(url: string, entry?: HarEntry): HarUrl | undefined {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    if (entry && url.startsWith('/')) {
      const authority =
        harHeader(entry.request.headers, ':authority') ?? harHeader(entry.request.headers, 'host');
      const scheme = harHeader(entry.request.headers, ':scheme') ?? 'https';
      if (authority) {
        try {
          parsed = new URL(`${scheme}://${authority}${url}`);
        } catch {
          parsed = undefined;
        }
      }
    }
  }
  if (!parsed || !parsed.host) return undefined;
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  const hostname = parsed.hostname.toLowerCase();
  const ipv6 = hostname.startsWith('[');
  const host = ipv6 ? hostname.slice(1, -1) : hostname;
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[scheme];
  return {
    scheme,
    host,
    ipv6,
    port,
    authority: parsed.host.toLowerCase(),
    path: parsed.pathname,
    query: parsed.search.replace(/^\?/, ''),
  };
}

/** The host an entry went to (lowercase, no brackets), or `''` when its url cannot be parsed. */
export function harEntryHost(entry: HarEntry): string {
  return parseHarUrl(entry.request.url, entry)?.host ?? '';
}
