/**
 * What counts as a secret: by the name it travels under (header, cookie, query or body field) and by the
 * shape of the value (JWT, bearer string, long hex or base64). Names are matched case-insensitively.
 */

/** Headers that always carry credentials. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-mbx-apikey',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-csrftoken',
  'x-xsrf-token',
  'csrftoken',
  'x-amz-security-token',
  // Binance web: device and session fingerprints that identify the holder.
  'bnc-uuid',
  'device-info',
  'fvideo-id',
  'fvideo-token',
  'x-passthrough-token',
]);

/** Header names whose values are never secrets, so the value-shape rule leaves them alone. */
const SAFE_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'cache-control',
  'connection',
  'content-encoding',
  'content-language',
  'content-length',
  'content-type',
  'date',
  'etag',
  'expires',
  'host',
  'if-none-match',
  'if-modified-since',
  'last-modified',
  'origin',
  'pragma',
  'referer',
  'server',
  'transfer-encoding',
  'user-agent',
  'vary',
  'via',
  'content-security-policy',
  'strict-transport-security',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-fetch-dest',
  'sec-fetch-mode',
  'sec-fetch-site',
  'sec-fetch-user',
  'upgrade-insecure-requests',
  'access-control-allow-origin',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'x-content-type-options',
  'x-frame-options',
  'x-xss-protection',
  'keep-alive',
]);

/** Words that, anywhere in a name, say "secret" (the name is split on case changes and separators). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'pin',
  'secret',
  'token',
  'tokens',
  'auth',
  'authorization',
  'signature',
  'sig',
  'apikey',
  'session',
  'sessionid',
  'sessid',
  'sid',
  'csrf',
  'xsrf',
  'csrftoken',
  'xsrftoken',
  'otp',
  'totp',
  'mfa',
  '2fa',
  'credential',
  'credentials',
  'cookie',
  'bearer',
  'jwt',
  'captcha',
]);

/** Adjacent word pairs that say "secret" only together. */
const SECRET_PAIRS = new Set([
  'api key',
  'access key',
  'private key',
  'secret key',
  'verify code',
  'verification code',
  'auth code',
  'refresh token',
  'client secret',
]);

/** Names that look secret by the words above but never are (pagination tokens stay readable). */
const NOT_SECRET_NAME =
  /^(next[-_]?page[-_]?token|page[-_]?token|next[-_]?token|cursor|token[-_]?type|expires[-_]?in|sign[-_]?type|auth[-_]?type|session[-_]?expir\w*|token[-_]?expir\w*|pass[-_]?through|auth[-_]?status|need[-_]?2fa)$/i;

/** Splits `accessToken`, `X-CSRF-Token`, `api_key`, `APIKey` into lowercase words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

export function isSecretHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_HEADERS.has(lower)) return true;
  if (SAFE_HEADERS.has(lower)) return false;
  return isSecretFieldName(lower);
}

/** Headers where a value-shape check would only produce false alarms. */
export function isSafeHeaderName(name: string): boolean {
  return SAFE_HEADERS.has(name.toLowerCase());
}

/** A JSON key, form field, query parameter or cookie-less name that names a secret. */
export function isSecretFieldName(name: string): boolean {
  if (NOT_SECRET_NAME.test(name)) return false;
  const words = nameWords(name);
  for (let i = 0; i < words.length; i += 1) {
    if (SECRET_WORDS.has(words[i] as string)) return true;
    if (i > 0 && SECRET_PAIRS.has(`${words[i - 1]} ${words[i]}`)) return true;
  }
  return false;
}

const JWT = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;
const BEARER = /^(bearer|basic|token|digest|mac)\s+\S{8,}/i;
const LONG_HEX = /^[0-9a-fA-F]{32,}$/;
// At least 32 chars of base64/base64url with both letters and digits: random tokens, not words.
const LONG_BASE64 = /^[A-Za-z0-9+/_-]{32,}={0,2}$/;

/** The kind of secret a value looks like by its shape alone, or undefined. */
export function secretShape(value: string): 'jwt' | 'bearer' | 'hex' | 'base64' | undefined {
  const v = value.trim();
  if (v.length < 16) return undefined;
  if (JWT.test(v) && looksLikeJwt(v)) return 'jwt';
  if (BEARER.test(v)) return 'bearer';
  if (LONG_HEX.test(v)) return 'hex';
  if (LONG_BASE64.test(v) && /[0-9]/.test(v) && /[A-Za-z]/.test(v) && !/^[a-z_-]+$/i.test(v)) return 'base64';
  return undefined;
}

/** The first segment of a JWT is base64url of a JSON object with `alg`. */
export function looksLikeJwt(value: string): boolean {
  const head = value.split('.')[0] ?? '';
  try {
    const json = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as unknown;
    return typeof json === 'object' && json !== null && 'alg' in json;
  } catch {
    return false;
  }
}

/** Finds JWT and bearer-looking substrings in free text (HTML, scripts, truncated JSON). */
export const SECRET_IN_TEXT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/** `"password": "…"`-style pairs in text that is not parseable JSON (truncated bodies). */
export const SECRET_PAIR_IN_TEXT =
  /("(?:[\w-]*(?:pass(?:word|wd)?|secret|token|signature|api[-_]?key|session[-_]?id|csrf)[\w-]*)"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;

/**
 * Names a session id travels under as a matrix parameter of a URL path (RFC 3986 section 3.3): Java
 * servlets' URL rewriting writes `/cart;jsessionid=…/items`, PHP's trans-sid `;phpsessid=` or `;sid=`,
 * others `;sessionid=`. The value is the session cookie's, so it is redacted as one.
 */
export const MATRIX_SESSION_NAME = /^(?:[a-z]*sess(?:ion)?[-_]?id|sid|session)$/i;

/**
 * Such a pair in free text (an HTML link, a relative URL in JSON, a script): `;name=` and the value up to
 * the next delimiter of a path, query, attribute or JSON string (`\/` is an escaped `/`).
 */
export const MATRIX_SESSION_IN_TEXT = /(;(?:[a-z]*sess(?:ion)?[-_]?id|sid|session)=)([^;/?#&"'\s<>\\]+)/gi;
