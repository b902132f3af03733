/**
 * Shape classes of strings: what a path segment looks like (an integer id, a UUID, an opaque token, a
 * trading symbol, a plain word) and which string format a JSON value has (date-time, decimal, JWT, …).
 * Pure and table-driven so the templating and schema rules read as data.
 */

export type SegmentClass =
  | 'int'
  | 'uuid'
  | 'ulid'
  | 'hex'
  | 'date'
  | 'email'
  | 'symbol'
  | 'opaque'
  | 'version'
  | 'reserved'
  | 'word'
  | 'locale';

/** Classes that are parameters on their own, without sibling evidence. */
export const ID_CLASSES: ReadonlySet<SegmentClass> = new Set([
  'int',
  'uuid',
  'ulid',
  'hex',
  'date',
  'email',
  'opaque',
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const HEX = /^[0-9a-f]+$/i;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[a-z]{2,}$/i;
// `v1`, `v2.1beta`, `1.0`, and a `v`-prefixed date (`v2024-01-15`): a date with a `v` names a version.
const VERSION = /^(v\d+(\.\d+)*([a-z]+\d*)?|\d+\.\d+(\.\d+)?|v\d{4}-\d{2}-\d{2})$/i;
const QUOTES = '(USDT|USDC|FDUSD|BUSD|TUSD|DAI|BTC|ETH|BNB|EUR|USD|TRY|BRL|GBP|JPY|AUD)';
const SYMBOL = new RegExp(`^([A-Z0-9]{2,10})[-_/]?${QUOTES}$`);
const SYMBOL_LOWER = new RegExp(`^([a-z0-9]{2,10})[-_]?${QUOTES.toLowerCase()}$`);

/** Segments that are API vocabulary, never parameters (optic#907, #2036: versions and prefixes). */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set(
  (
    'api apis rest rpc graphql gql v public private internal external admin me self current latest new edit ' +
    'search list all create update delete batch bulk export import query mine default auth oauth oauth2 login ' +
    'logout signin signout signup token tokens refresh session sessions account accounts user users profile ' +
    'settings config status health ping info version docs static assets media web app mobile bapi sapi fapi ' +
    'dapi eapi papi wapi spot margin futures earn wallet asset assets order orders trade trades history ' +
    'open openapi v1 v2 v3 v4 v5 friendly'
  ).split(' '),
);

/** A calendar date alone (`2023-10-01`), no time: the form an API version by date takes. */
export function isCalendarDate(segment: string): boolean {
  return segment.length === 10 && DATE.test(segment);
}

/** The shape class of one (decoded) path segment. */
export function classifySegment(segment: string): SegmentClass {
  const s = segment;
  if (s.length === 0) return 'word';
  if (VERSION.test(s)) return 'version';
  if (RESERVED_SEGMENTS.has(s.toLowerCase())) return 'reserved';
  if (/^-?\d+$/.test(s)) return 'int';
  if (UUID.test(s)) return 'uuid';
  if (DATE.test(s) || DATE_TIME.test(s)) return 'date';
  if (s.length === 26 && ULID.test(s.toUpperCase()) && /\d/.test(s)) return 'ulid';
  if (s.length >= 8 && HEX.test(s) && /\d/.test(s) && /[a-f]/i.test(s) && s.length % 2 === 0) return 'hex';
  if (EMAIL.test(s)) return 'email';
  if (SYMBOL.test(s) || (SYMBOL_LOWER.test(s) && s.length <= 12)) return 'symbol';
  if (isOpaqueId(s)) return 'opaque';
  // No route name runs to hundreds of characters: a value (an encoded blob, a signed path), and a route
  // of its own per value would grow the model with the capture.
  if (s.length > 256) return 'opaque';
  return 'word';
}

/**
 * Opaque ids: base62, nanoid, Okta `00u1cagurdhtxqBdf4x7`, Zoom `a18JbG_DQketjPo0Y8wYqg`. Mixed letters and
 * digits (or mixed case) with enough class changes to be random, not a word with a version (`oauth2`).
 */
export function isOpaqueId(s: string): boolean {
  if (s.length < 10 || s.length > 200) return false;
  if (!/^[A-Za-z0-9_~.-]+$/.test(s)) return false;
  if (/^[a-z]+[-_]?\d{1,4}$/i.test(s)) return false;
  if (/^[A-Za-z][a-z]*([-_][A-Za-z][a-z]*)+$/.test(s)) return false; // a slug of words (`spoon-knife`)
  // camelCase words (`userDataStream`, `exchangeInfo`): every hump is 2+ lower-case letters with a vowel.
  if (/^[a-z]{2,}(?:[A-Z][a-z]{2,})+$/.test(s) && s.split(/(?=[A-Z])/).every((w) => /[aeiouy]/i.test(w)))
    return false;
  const digits = (s.match(/\d/g) ?? []).length;
  const upper = (s.match(/[A-Z]/g) ?? []).length;
  const lower = (s.match(/[a-z]/g) ?? []).length;
  let changes = 0;
  let prev = '';
  for (const ch of s) {
    const cls =
      ch >= '0' && ch <= '9' ? 'd' : ch >= 'A' && ch <= 'Z' ? 'u' : ch >= 'a' && ch <= 'z' ? 'l' : 'o';
    if (prev && cls !== prev) changes++;
    prev = cls;
  }
  const classes = (digits > 0 ? 1 : 0) + (upper > 0 ? 1 : 0) + (lower > 0 ? 1 : 0);
  if (digits >= 2 && digits < s.length && changes >= 3) return true;
  if (classes >= 2 && changes >= Math.max(4, s.length / 4)) return true;
  return false;
}

/** String formats the schema inference recognises, most specific first. */
export type StringFormat =
  | 'uuid'
  | 'date-time'
  | 'date'
  | 'email'
  | 'ipv4'
  | 'ipv6'
  | 'uri'
  | 'uri-template'
  | 'jwt'
  | 'integer-string'
  | 'decimal-string'
  | 'hex'
  | 'base64';

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 =
  /^(([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|([0-9a-f]{1,4}:){1,7}:|(([0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::([0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})$/i;
// RFC 3986 characters only (what JSON Schema validators check `uri` against): GitHub's
// `https://api.github.com/users/x/events{/privacy}` is an RFC 6570 template, not a URI.
const URI = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9a-f]{2})+$/i;
const URI_TEMPLATE =
  /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9a-f]{2}|\{[+#./;?&=,!@|]?[a-z0-9_.%,*:]+\})+$/i;
const JWT = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const INT_STRING = /^-?\d+$/;
const DECIMAL_STRING = /^-?\d+\.\d+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The most specific format of a string value, or undefined. */
export function stringFormat(s: string): StringFormat | undefined {
  const n = s.length;
  if (n === 0 || n > 4096) return undefined;
  if (n === 36 && UUID.test(s)) return 'uuid';
  if (n >= 16 && n <= 35 && DATE_TIME.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))))
    return 'date-time';
  if (n === 10 && DATE.test(s)) return 'date';
  if (n <= 40 && INT_STRING.test(s)) return 'integer-string';
  if (n <= 60 && DECIMAL_STRING.test(s)) return 'decimal-string';
  if (n <= 254 && EMAIL.test(s)) return 'email';
  if (n <= 15 && IPV4.test(s)) return 'ipv4';
  if (n <= 45 && s.includes(':') && IPV6.test(s)) return 'ipv6';
  if (URI.test(s)) return 'uri';
  if (s.includes('{') && URI_TEMPLATE.test(s)) return 'uri-template';
  if (s.startsWith('eyJ') && JWT.test(s)) return 'jwt';
  if (n >= 16 && n % 2 === 0 && HEX.test(s) && /\d/.test(s) && /[a-f]/i.test(s)) return 'hex';
  if (n >= 16 && n % 4 === 0 && BASE64.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s))
    return 'base64';
  return undefined;
}

/**
 * `stringFormat(s)` for a field whose previous value had the format `hint`: that format is tested first,
 * as most fields keep one format (prices, ids). Only formats whose own test excludes every test before it
 * in `stringFormat` are tried early, so the answer is always the same as `stringFormat(s)`:
 * - `integer-string`, `decimal-string`: digits, one leading `-`, one `.`: no uuid, date or date-time
 *   (those need a `-` at index 4 or 8), and a decimal has the `.` an integer lacks;
 * - `hex`: hex digits only, with a letter: no `-` (uuid, dates), `.` (decimal, ipv4), `@`, `:`, `/`, `{`
 *   (email, ipv6, uri, uri-template), no `eyJ` (jwt), and a letter is not an integer.
 */
export function stringFormatAfter(s: string, hint: StringFormat | undefined): StringFormat | undefined {
  const n = s.length;
  if (hint === 'decimal-string') {
    if (n <= 60 && DECIMAL_STRING.test(s)) return hint;
  } else if (hint === 'integer-string') {
    if (n <= 40 && INT_STRING.test(s)) return hint;
  } else if (hint === 'hex') {
    if (n >= 16 && n <= 4096 && n % 2 === 0 && HEX.test(s) && /\d/.test(s) && /[a-f]/i.test(s)) return hint;
  }
  return stringFormat(s);
}

/** Number formats: Unix time in seconds or milliseconds, by range (2001..2100). */
export function numberFormat(n: number): 'epoch-seconds' | 'epoch-millis' | undefined {
  if (!Number.isInteger(n)) return undefined;
  if (n >= 1e9 && n < 4.2e9) return 'epoch-seconds';
  if (n >= 1e12 && n < 4.2e12) return 'epoch-millis';
  return undefined;
}

const CREDENTIAL_NAME =
  /(^|[-_.])(auth|authorization|token|access[-_]?token|refresh[-_]?token|id[-_]?token|jwt|bearer|session|sess|sid|ssid|csrf|xsrf|secret|api[-_]?key|apikey|key|password|passwd|pwd|signature|sign|sig|hmac|nonce|otp|code[-_]?verifier|client[-_]?secret|cookie|credential|ticket|p20t|logintoken|cr00|authenticity[-_]?token|listen[-_]?key)([-_.]|$)/i;
const CREDENTIAL_CAMEL = /(Token|Secret|Session|Signature|ApiKey|Csrf|Xsrf|Password|Nonce|Auth)$/;

/**
 * Verdicts by name, remembered: the same few hundred field, header and parameter names recur on every
 * entry, and three regex tests per JSON leaf were a visible share of analysis time. Bounded, so a
 * capture with millions of distinct keys only stops caching.
 */
const credentialNameVerdicts = new Map<string, boolean>();

/** Names whose values carry credentials (headers, cookies, query and body fields). */
export function isCredentialName(name: string): boolean {
  if (name.length > 80) return false;
  const known = credentialNameVerdicts.get(name);
  if (known !== undefined) return known;
  const yes =
    CREDENTIAL_NAME.test(name) ||
    CREDENTIAL_CAMEL.test(name) ||
    // `sessid`: PHP's `PHPSESSID` and the `;phpsessid=` of URL rewriting name the session too.
    /token|secret|passw|csrf|xsrf|session|sessid/i.test(name);
  if (credentialNameVerdicts.size < 50_000) credentialNameVerdicts.set(name, yes);
  return yes;
}

/** What kind of credential a name suggests. */
export function credentialKindOf(name: string, value: string): string {
  const n = name.toLowerCase();
  if (n === 'authorization') {
    if (/^bearer\s+eyJ/i.test(value) && JWT.test(value.replace(/^bearer\s+/i, ''))) return 'jwt';
    if (/^bearer\s/i.test(value)) return 'bearer';
    if (/^basic\s/i.test(value)) return 'basic';
    return 'token';
  }
  if (/csrf|xsrf|authenticity/.test(n)) return 'csrf';
  if (/refresh/.test(n)) return 'refresh-token';
  if (/passw|pwd/.test(n)) return 'password';
  if (/signature|^sign$|^sig$|hmac/.test(n)) return 'signature';
  if (/nonce/.test(n)) return 'nonce';
  if (/^(timestamp|ts|t|_t|_)$|time[-_]?stamp/.test(n)) return 'timestamp';
  if (/secret/.test(n)) return 'secret';
  if (/api[-_]?key|apikey|(^|-)key$/.test(n)) return 'api-key';
  if (/sess|sid$|^sid|p20t/.test(n)) return 'session';
  if (value.startsWith('eyJ') && JWT.test(value.replace(/^bearer\s+/i, ''))) return 'jwt';
  return 'token';
}

/** A value that was redacted before we saw it: ledgertap placeholders, `[REDACTED]`, `***`. */
export function isRedactedValue(value: string): boolean {
  return /^\[redact/i.test(value) || /^\*{3,}$/.test(value) || value === 'REDACTED' || value === '<redacted>';
}

/** An example safe to print: credentials, emails, JWTs and long opaque tokens become `[redacted]`. */
export function redactExample(value: string, name = ''): string {
  if (isRedactedValue(value)) return value;
  if (name && isCredentialName(name)) return '[redacted]';
  if (value.length > 80) return '[redacted]';
  const f = stringFormat(value);
  if (f === 'email' || f === 'jwt' || f === 'base64' || (f === 'hex' && value.length >= 32))
    return '[redacted]';
  if (isOpaqueId(value) && value.length >= 24) return '[redacted]';
  return value;
}

/** `users` → `user`, `categories` → `category`, `addresses` → `address`. */
export function singular(word: string): string {
  const w = word;
  if (/ies$/i.test(w) && w.length > 4) return w.slice(0, -3) + 'y';
  if (/(ss|sh|ch|x|z)es$/i.test(w)) return w.slice(0, -2);
  if (/s$/i.test(w) && !/ss$/i.test(w) && w.length > 3) return w.slice(0, -1);
  return w;
}

/** `order-items` → `orderItem`; identifiers safe in templates and operation ids. */
export function camelIdentifier(text: string): string {
  const parts = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (parts.length === 0) return '';
  const out = parts
    .map((p, i) =>
      i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1),
    )
    .join('');
  return /^\d/.test(out) ? `p${out}` : out;
}

/** ISO 639-1 codes of the languages sites are commonly served in (a bare `/de/` prefix). */
const LANGUAGES = new Set(
  'af ar az be bg bn bs ca cs cy da de el en es et eu fa fi fr ga gl gu he hi hr hu hy id is it ja ka kk km kn ko ky lo lt lv mk ml mn mr ms my nb ne nl no pa pl pt ro ru si sk sl sq sr sv sw ta te th tl tr uk ur uz vi zh'.split(
    ' ',
  ),
);

/**
 * A language tag as a path segment (`en`, `de-DE`, `pt_BR`, `zh-Hans`, `zh-Hans-CN`, `en-us`): the same
 * pages in another language, so siblings that are all tags are one `{locale}` parameter.
 */
export function isLocale(segment: string): boolean {
  const m = /^([a-z]{2,3})(?:[-_]([A-Z]{2}|[A-Z][a-z]{3}(?:[-_][A-Z]{2})?|[a-z]{2}))?$/.exec(segment);
  if (!m?.[1]) return false;
  // `de-DE` and `zh-Hans` are tags by their form; a bare tag must name a known language, and an all
  // lower-case one (`my-id` could be a page) must be a common locale.
  if (m[2] === undefined) return LANGUAGES.has(m[1]);
  if (/[A-Z]/.test(m[2])) return m[1].length === 2 || LANGUAGES.has(m[1]);
  return LOWER_CASE_LOCALES.has(segment.replace('_', '-'));
}

const LOWER_CASE_LOCALES = new Set(
  'en-us en-gb en-au en-ca en-in en-ie en-nz en-za de-de de-at de-ch fr-fr fr-ca fr-be fr-ch es-es es-mx es-ar pt-br pt-pt it-it nl-nl pl-pl ru-ru uk-ua tr-tr ja-jp ko-kr zh-cn zh-tw zh-hk vi-vn th-th sv-se da-dk nb-no fi-fi cs-cz'.split(
    ' ',
  ),
);
