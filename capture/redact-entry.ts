/**
 * Redacts one HAR entry (DESIGN.md convention 11): cookies, Authorization, Set-Cookie, CSRF and other
 * token headers, API keys and signatures in query strings, tokens and passwords in JSON and form bodies
 * (by name and by value shape), in requests, responses, URLs and redirect targets; personal data by the
 * PII rule set. Before anything is replaced, the clear values go to the RelationTracker.
 *
 * Every replacement is a keyed placeholder from core's Redactor, so equal values stay equal. Values
 * already seen as secrets are also replaced wherever they reappear in free text (HTML, scripts).
 */
import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import type { Redactor } from '../core/index.js';
import type { HarEntry, HarHeader, HarRedaction } from '../har/index.js';
import { redactJwt } from './jwt.js';
import type { PiiMatcher } from './pii.js';
import { RelationTracker, type SeenSecret } from './relations.js';
import {
  MATRIX_SESSION_IN_TEXT,
  MATRIX_SESSION_NAME,
  SECRET_IN_TEXT,
  SECRET_PAIR_IN_TEXT,
  isSafeHeaderName,
  isSecretFieldName,
  isSecretHeaderName,
  secretShape,
} from './secret-rules.js';

/** Names whose long hex/base64 values are the records' identifiers, not secrets. */
const ID_NAME =
  /(^id$|[a-z]Id$|[-_]id$|ids$|^tx|hash$|Hash$|address$|Address$|[Nn]umber$|No$|^uuid$|[Uu]uid$|^ref|Ref$)/;
/** In URLs only: `?key=` (API keys), OAuth `?code=`, tickets. */
const QUERY_SECRET_NAME = /^(key|code|ticket|access[-_]?key|auth[-_]?key)$/i;

/** Per-entry cap on `_redacted` records: enough to audit, bounded on pathological bodies. */
const MAX_REDACTION_RECORDS = 200;
/** Known secrets shorter than this are not searched for in free text (too many false hits). */
const MIN_KNOWN_LENGTH = 8;

/** The placeholder kind for a secret by the name it travels under. */
function kindForName(name: string): string {
  const n = name.toLowerCase();
  if (/pass|pwd/.test(n)) return 'password';
  if (/csrf|xsrf/.test(n)) return 'csrf';
  if (/sig/.test(n)) return 'signature';
  if (/api.?key|apikey|access.?key/.test(n)) return 'api-key';
  if (/session|sessid|^sid$/.test(n)) return 'session';
  if (n === 'authorization' || n === 'proxy-authorization') return 'authorization';
  return 'token';
}

interface Walk {
  secrets: SeenSecret[];
  redactions: HarRedaction[];
  side: 'request' | 'response';
}

export class EntryRedactor {
  readonly #redactor: Redactor;
  readonly #pii: PiiMatcher;
  readonly tracker: RelationTracker;
  /** clear secret -> placeholder, for the free-text sweep; longest first when sweeping. */
  readonly #known = new Map<string, string>();
  #knownSorted: string[] | undefined;
  /** clear secret -> index of the entry it was learned in: entries before it may hold it in clear. */
  readonly #learnedAt = new Map<string, number>();
  #index = 0;
  /** Late secrets (learned after entry 0), newest first, built once for the final sweep. */
  #late: { secret: string; placeholder: string; at: number }[] | undefined;

  constructor(redactor: Redactor, pii: PiiMatcher) {
    this.#redactor = redactor;
    this.#pii = pii;
    this.tracker = new RelationTracker(redactor);
  }

  /** Redacts `entry` in place and records its relations; `index` is its position in the HAR. */
  redact(entry: HarEntry, index: number): HarEntry {
    this.#index = index;
    const walk: Walk = { secrets: [], redactions: [], side: 'request' };
    const req = entry.request;
    const signedPayloads = signedPayloadsOf(req.url, req.postData?.text);

    // Request: cookies and headers first so their values are known when the body and URL are swept.
    for (const cookie of req.cookies ?? []) {
      cookie.value = this.#secret(walk, `request.cookies.${cookie.name}`, cookie.value, 'cookie');
    }
    req.headers = req.headers.map((h) => this.#header(walk, h));
    req.url = this.#url(walk, 'request.url', req.url);
    // A service worker's own script URL may be rewritten with the session too (`/sw.js;jsessionid=…`).
    if (typeof entry._serviceWorker === 'string')
      entry._serviceWorker = this.#url(walk, '_serviceWorker', entry._serviceWorker);
    for (const q of req.queryString ?? [])
      q.value = this.#field(walk, `request.queryString.${q.name}`, q.name, q.value);
    if (req.postData) {
      const pd = req.postData;
      if (pd.text !== undefined && pd.encoding !== 'base64')
        pd.text = this.#body(walk, 'request.postData', pd.mimeType, pd.text);
      for (const p of pd.params ?? []) {
        if (p.value !== undefined)
          p.value = this.#field(walk, `request.postData.params.${p.name}`, p.name, p.value);
      }
    }

    walk.side = 'response';
    const res = entry.response;
    for (const cookie of res.cookies ?? []) {
      cookie.value = this.#secret(walk, `response.cookies.${cookie.name}`, cookie.value, 'cookie');
    }
    res.headers = res.headers.map((h) => this.#header(walk, h));
    if (res.redirectURL) res.redirectURL = this.#url(walk, 'response.redirectURL', res.redirectURL);
    const content = res.content;
    if (content.text !== undefined && content.encoding !== 'base64') {
      content.text = this.#body(walk, 'response.content', content.mimeType, content.text);
    }
    for (const message of entry._webSocketMessages ?? []) {
      walk.side = message.type === 'send' ? 'request' : 'response';
      message.data = this.#body(walk, `_webSocketMessages.${message.type}`, 'application/json', message.data);
    }

    this.tracker.observe(index, walk.secrets, signedPayloads, Date.parse(entry.startedDateTime));
    if (walk.redactions.length > 0) {
      const seen = new Set<string>();
      entry._redacted = walk.redactions
        .filter((r) => {
          const key = `${r.location}|${r.kind}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        })
        .slice(0, MAX_REDACTION_RECORDS);
    }
    return entry;
  }

  /**
   * A URL outside any entry (the `--url` the holder started the capture at, written into
   * `log._ledgertap.capture`), redacted as a request URL is: a magic link's token, a `;jsessionid=`, a
   * `?token=` become the placeholders the same values get in the entries. No relation is recorded.
   */
  redactUrl(url: string, location: string): string {
    return this.#url({ secrets: [], redactions: [], side: 'request' }, location, url);
  }

  /** Replaces a value known to be secret; remembers it for the free-text sweep. */
  #secret(walk: Walk, location: string, value: string, kind: string): string {
    if (value === '' || this.#isPlaceholder(value)) return value;
    walk.secrets.push({ value, location, side: walk.side });
    walk.redactions.push({ location, kind });
    const placeholder = this.#redactor.placeholder(value, kind);
    this.#remember(value, placeholder);
    return placeholder;
  }

  #remember(value: string, placeholder: string): void {
    if (value.length >= MIN_KNOWN_LENGTH && !this.#known.has(value)) {
      this.#known.set(value, placeholder);
      this.#learnedAt.set(value, this.#index);
      this.#knownSorted = undefined;
      this.#late = undefined;
      // The URL-encoded form appears in query strings and form bodies.
      const encoded = encodeURIComponent(value);
      if (encoded !== value) {
        this.#known.set(encoded, encodePlaceholder(placeholder));
        this.#learnedAt.set(encoded, this.#index);
      }
    }
  }

  /**
   * True when some secret was first recognised after entry 0, so an earlier entry may hold it in clear
   * (a token handed out in an unremarkable field, recognised only when a later request sends it as a
   * cookie or Authorization header). The sink then re-reads what it wrote and calls {@link sweepLate}.
   */
  get hasLateSecrets(): boolean {
    for (const at of this.#learnedAt.values()) if (at > 0) return true;
    return false;
  }

  /**
   * Replaces, in every string of an entry already written at `index`, the secrets recognised only after
   * it (with their JSON-escaped forms, as they appear inside body text). Returns whether it changed
   * anything; a changed entry gets a `late` record in `_redacted`.
   */
  sweepLate(entry: HarEntry, index: number): boolean {
    this.#late ??= this.#lateList();
    const late = this.#late;
    let n = 0;
    while (n < late.length && (late[n] as { at: number }).at > index) n++;
    if (n === 0) return false;
    // Longest first, so a secret that contains another is replaced whole.
    const applicable = late.slice(0, n).sort((a, b) => b.secret.length - a.secret.length);
    let changed = false;
    const fix = (text: string): string => {
      if (text.length < MIN_KNOWN_LENGTH) return text;
      let out = text;
      for (const { secret, placeholder } of applicable) {
        if (out.includes(secret)) {
          out = out.split(secret).join(placeholder);
          changed = true;
        }
      }
      return out;
    };
    const walk = (value: unknown): unknown => {
      if (typeof value === 'string') return fix(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) value[i] = walk(value[i]);
      } else if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          if (key !== '_redacted') record[key] = walk(record[key]);
        }
      }
      return value;
    };
    walk(entry);
    if (changed) {
      const records = (entry._redacted ??= []);
      if (records.length < MAX_REDACTION_RECORDS) records.push({ location: 'entry', kind: 'known-late' });
    }
    return changed;
  }

  #lateList(): { secret: string; placeholder: string; at: number }[] {
    const out: { secret: string; placeholder: string; at: number }[] = [];
    for (const [secret, at] of this.#learnedAt) {
      if (at === 0) continue;
      const placeholder = this.#known.get(secret) as string;
      out.push({ secret, placeholder, at });
      // Inside a body, the secret is JSON text: `/` may be written `\/`, quotes and controls escaped.
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) out.push({ secret: escaped, placeholder, at });
      if (secret.includes('/')) out.push({ secret: escaped.replace(/\//g, '\\/'), placeholder, at });
    }
    return out.sort((a, b) => b.at - a.at);
  }

  #isPlaceholder(value: string): boolean {
    return value.startsWith('[redacted:');
  }

  /**
   * A named field (query parameter, form field, JSON key, header) with a string value. Long hex/base64
   * values count as secrets by shape, except under id-like names (txId, quoteId, hash, address): those
   * are the records' own identifiers, which analysis and the ledger need. `query`: names that are
   * credentials only in URLs (`key`, OAuth `code`).
   */
  #field(walk: Walk, location: string, name: string | undefined, value: string, query = false): string {
    if (value === '' || this.#isPlaceholder(value)) return value;
    if (name !== undefined && (isSecretFieldName(name) || (query && QUERY_SECRET_NAME.test(name)))) {
      const jwt = secretShape(value) === 'jwt' ? this.#jwt(walk, location, value) : undefined;
      return jwt ?? this.#secret(walk, location, value, kindForName(name));
    }
    const pii = this.#pii.match(name, value);
    if (pii) {
      walk.redactions.push({ location, kind: `pii-${pii}` });
      const placeholder = this.#redactor.placeholder(value, `pii-${pii}`);
      this.#remember(value, placeholder);
      return placeholder;
    }
    const shape = secretShape(value);
    if (shape === 'jwt')
      return this.#jwt(walk, location, value) ?? this.#secret(walk, location, value, 'token');
    if (shape === 'bearer') return this.#bearer(walk, location, value);
    if (shape && !(name !== undefined && ID_NAME.test(name)))
      return this.#secret(walk, location, value, 'token');
    const known = this.#known.get(value);
    if (known) {
      walk.redactions.push({ location, kind: 'known' });
      walk.secrets.push({ value, location, side: walk.side });
      return known;
    }
    if (/^https?:\/\//i.test(value)) return this.#url(walk, location, value);
    return this.#sweep(walk, location, value);
  }

  #jwt(walk: Walk, location: string, token: string): string | undefined {
    const out = redactJwt(token, this.#redactor);
    if (out === undefined) return undefined;
    walk.secrets.push({ value: token, location, side: walk.side });
    walk.redactions.push({ location, kind: 'jwt' });
    this.#remember(token, out);
    return out;
  }

  /** `Bearer <token>` keeps its scheme: analysis needs to know the auth scheme, not the token. */
  #bearer(walk: Walk, location: string, value: string): string {
    const m = /^(\S+)(\s+)(.*)$/s.exec(value);
    if (!m) return this.#secret(walk, location, value, 'authorization');
    const token = m[3] as string;
    const redacted =
      (secretShape(token) === 'jwt' ? this.#jwt(walk, location, token) : undefined) ??
      this.#secret(walk, location, token, 'authorization');
    return `${m[1]}${m[2]}${redacted}`;
  }

  #header(walk: Walk, header: HarHeader): HarHeader {
    const name = header.name.toLowerCase();
    const location = `${walk.side}.headers.${name}`;
    const value = header.value;
    if (value === '') return header;
    if (name === 'cookie') {
      const out = value
        .split(/;\s*/)
        .map((pair) => {
          const eq = pair.indexOf('=');
          if (eq < 0) return pair;
          const cookieName = pair.slice(0, eq).trim();
          return `${pair.slice(0, eq)}=${this.#secret(walk, `request.cookies.${cookieName}`, pair.slice(eq + 1), 'cookie')}`;
        })
        .join('; ');
      return { ...header, value: out };
    }
    if (name === 'set-cookie') {
      // Several cookies may be joined by newlines (CDP does this).
      const out = value
        .split('\n')
        .map((line) => {
          const semi = line.indexOf(';');
          const first = semi < 0 ? line : line.slice(0, semi);
          const eq = first.indexOf('=');
          if (eq < 0) return line;
          const cookieName = first.slice(0, eq).trim();
          const redacted = this.#secret(
            walk,
            `response.cookies.${cookieName}`,
            first.slice(eq + 1),
            'cookie',
          );
          return `${first.slice(0, eq)}=${redacted}${semi < 0 ? '' : line.slice(semi)}`;
        })
        .join('\n');
      return { ...header, value: out };
    }
    if (name === 'location' || name === 'referer' || name === 'content-location' || name === 'refresh') {
      return { ...header, value: this.#url(walk, location, value) };
    }
    if (name === 'authorization' || name === 'proxy-authorization') {
      return {
        ...header,
        value: /\s/.test(value.trim())
          ? this.#bearer(walk, location, value)
          : this.#secret(walk, location, value, 'authorization'),
      };
    }
    if (isSecretHeaderName(name)) {
      const jwt = secretShape(value) === 'jwt' ? this.#jwt(walk, location, value) : undefined;
      return { ...header, value: jwt ?? this.#secret(walk, location, value, kindForName(name)) };
    }
    if (isSafeHeaderName(name)) return header;
    return { ...header, value: this.#field(walk, location, undefined, value) };
  }

  /** Query, fragment parameters, userinfo and path segments of a URL (or a relative reference). */
  #url(walk: Walk, location: string, raw: string): string {
    const hashAt = raw.indexOf('#');
    const beforeHash = hashAt < 0 ? raw : raw.slice(0, hashAt);
    const hash = hashAt < 0 ? undefined : raw.slice(hashAt + 1);
    const qAt = beforeHash.indexOf('?');
    let base = qAt < 0 ? beforeHash : beforeHash.slice(0, qAt);
    const query = qAt < 0 ? undefined : beforeHash.slice(qAt + 1);

    // userinfo password: scheme://user:pass@host
    base = base.replace(
      /^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*):([^/@]*)@/i,
      (_m, scheme: string, user: string, pass: string) => {
        return `${scheme}${user}:${encodePlaceholder(this.#secret(walk, `${location}.password`, decodeSafe(pass), 'password'))}@`;
      },
    );
    // Path segments that are tokens by shape (reset links, magic links) or already-known secrets.
    const schemeHost = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(base);
    const prefix = schemeHost ? (schemeHost[1] as string) : '';
    const path = schemeHost ? (schemeHost[2] as string) : base;
    const newPath = path
      .split('/')
      .map((segment) => this.#segment(walk, location, segment))
      .join('/');
    let out = prefix + newPath;
    if (query !== undefined) out += `?${this.#params(walk, `${location}.query`, query, false)}`;
    if (hash !== undefined)
      out += `#${hash.includes('=') ? this.#params(walk, `${location}.fragment`, hash, false) : hash}`;
    return out;
  }

  /**
   * One raw path segment: its matrix parameters (`cart;jsessionid=…`, RFC 3986 section 3.3) pair by pair,
   * then the segment itself when it is a token by shape or an already-known secret.
   */
  #segment(walk: Walk, location: string, segment: string): string {
    const semi = segment.indexOf(';');
    if (semi >= 0) {
      const pairs = segment
        .slice(semi + 1)
        .split(';')
        .map((pair) => this.#matrixPair(walk, location, pair));
      return [this.#segment(walk, location, segment.slice(0, semi)), ...pairs].join(';');
    }
    if (segment.length < 16) return segment;
    const decoded = decodeSafe(segment);
    const known = this.#known.get(decoded);
    if (known) return encodePlaceholder(known);
    const shape = secretShape(decoded);
    if (shape !== 'jwt') return segment;
    const out = shape === 'jwt' ? this.#jwt(walk, `${location}.path`, decoded) : undefined;
    return encodePlaceholder(out ?? this.#secret(walk, `${location}.path`, decoded, 'token'));
  }

  /**
   * One `name=value` matrix pair. A session id (`;jsessionid=`, `;sid=`, `;phpsessid=`) is the session
   * cookie's value carried in the URL: it gets the placeholder that cookie gets (kind `cookie`), whichever
   * of the two is seen first, so issuance and use still link. Other pairs are named fields of the URL.
   */
  #matrixPair(walk: Walk, location: string, pair: string): string {
    const eq = pair.indexOf('=');
    if (eq <= 0) return pair;
    const name = decodeSafe(pair.slice(0, eq));
    const value = decodeSafe(pair.slice(eq + 1));
    if (value === '' || this.#isPlaceholder(value)) return pair;
    const at = `${location}.matrix.${name}`;
    const out = MATRIX_SESSION_NAME.test(name)
      ? this.#secret(walk, at, value, 'cookie')
      : this.#field(walk, at, name, value, true);
    return out === value ? pair : `${pair.slice(0, eq)}=${encodePlaceholder(out)}`;
  }

  /** `a=1&b=2` as in query strings and urlencoded forms; only redacted values are re-encoded. */
  #params(walk: Walk, location: string, text: string, form: boolean): string {
    return text
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        const name = decodeSafe(pair.slice(0, eq), form);
        const rawValue = pair.slice(eq + 1);
        const value = decodeSafe(rawValue, form);
        const out = this.#field(walk, `${location}.${name}`, name, value, !form);
        return out === value ? pair : `${pair.slice(0, eq)}=${encodePlaceholder(out)}`;
      })
      .join('&');
  }

  #body(walk: Walk, location: string, mimeType: string | undefined, text: string): string {
    const mime = (mimeType ?? '').toLowerCase();
    const trimmed = text.trimStart();
    if (
      mime.includes('json') ||
      ((trimmed.startsWith('{') || trimmed.startsWith('[')) && !mime.includes('html'))
    ) {
      let parsed: unknown;
      try {
        parsed = parseLossless(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
        const out = this.#json(walk, `${location}.json:`, undefined, parsed);
        return stringifyLossless(out) ?? text;
      }
    }
    if (mime.includes('x-www-form-urlencoded')) return this.#params(walk, `${location}.form`, text, true);
    return this.#sweep(walk, `${location}.text`, text);
  }

  #json(walk: Walk, pointer: string, key: string | undefined, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item, i) => this.#json(walk, `${pointer}/${i}`, key, item));
    if (value !== null && typeof value === 'object' && !isLosslessNumber(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] = this.#json(walk, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, k, v);
      }
      return out;
    }
    if (typeof value === 'string') return this.#field(walk, pointer, key, value);
    // Numbers under a secret name (numeric PINs, OTP codes) or a PII name (phone as a number).
    if (key !== undefined && (isLosslessNumber(value) || typeof value === 'number')) {
      const text = String(value);
      if (isSecretFieldName(key) && !/^(expires?|expir\w*|ttl)$/i.test(key))
        return this.#secret(walk, pointer, text, kindForName(key));
      const pii = this.#pii.match(key, text);
      if (pii && !this.#pii.match(undefined, text)) {
        walk.redactions.push({ location: pointer, kind: `pii-${pii}` });
        return this.#redactor.placeholder(text, `pii-${pii}`);
      }
    }
    return value;
  }

  /** Free text: JWT-looking substrings, `"token":"…"` pairs (truncated JSON), and every known secret. */
  #sweep(walk: Walk, location: string, text: string): string {
    let out = text.replace(
      SECRET_IN_TEXT,
      (token) => this.#jwt(walk, location, token) ?? this.#secret(walk, location, token, 'token'),
    );
    // A session id in a link's path (`/cart;jsessionid=…/items`), seen here before any Set-Cookie names it.
    out = out.replace(MATRIX_SESSION_IN_TEXT, (_m, open: string, raw: string) => {
      const value = decodeSafe(raw);
      if (this.#isPlaceholder(value)) return `${open}${raw}`;
      return `${open}${encodePlaceholder(this.#secret(walk, location, value, 'cookie'))}`;
    });
    out = out.replace(SECRET_PAIR_IN_TEXT, (_m, open: string, value: string, close: string) => {
      if (value === '' || this.#isPlaceholder(value)) return `${open}${value}${close}`;
      const name = /"([^"]*)"/.exec(open)?.[1] ?? 'token';
      return `${open}${this.#secret(walk, location, value, kindForName(name))}${close}`;
    });
    if (this.#known.size === 0) return out;
    this.#knownSorted ??= [...this.#known.keys()].sort((a, b) => b.length - a.length);
    let swept = false;
    for (const secret of this.#knownSorted) {
      if (out.includes(secret)) {
        out = out.split(secret).join(this.#known.get(secret) as string);
        swept = true;
      }
    }
    if (swept) walk.redactions.push({ location, kind: 'known' });
    return out;
  }
}

function decodeSafe(text: string, form = false): string {
  try {
    return decodeURIComponent(form ? text.replace(/\+/g, ' ') : text);
  } catch {
    return text;
  }
}

/** What a signature in this request may have been computed over: the query without it, the body, both. */
function signedPayloadsOf(url: string, body: string | undefined): string[] {
  const q = url.indexOf('?');
  const query = q < 0 ? '' : (url.slice(q + 1).split('#')[0] ?? '');
  const withoutSig = query
    .split('&')
    .filter((p) => p !== '' && !/^(signature|sig|sign)=/i.test(p))
    .join('&');
  const out: string[] = [];
  if (withoutSig) out.push(withoutSig);
  if (body) out.push(body, withoutSig ? `${withoutSig}${body}` : body);
  return out;
}

/** URL-encodes a redacted value but keeps `[`, `]` and `:` so placeholders stay readable in URLs. */
function encodePlaceholder(value: string): string {
  return encodeURIComponent(value).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%3A/g, ':');
}
