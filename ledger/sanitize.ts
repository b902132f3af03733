/**
 * Secrets never reach the database (DESIGN.md convention 11). Producers should never hand the ledger a
 * secret, but the ledger is the last gate: raw payloads and audit parameters pass through here.
 */

/** Keys whose values are credentials or request-signing material, compared case-insensitively without `-`/`_`. */
const SECRET_KEYS = new Set([
  'signature',
  'apikey',
  'apisecret',
  'secret',
  'secretkey',
  'privatekey',
  'xmbxapikey',
  'cookie',
  'setcookie',
  'authorization',
  'proxyauthorization',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'csrftoken',
  'xcsrftoken',
  'password',
  'passphrase',
  'session',
  'sessionid',
  'p20t',
]);

/** Audit parameters dropped as noise or because they make a request replayable. */
const AUDIT_DROPPED = new Set(['timestamp', 'recvwindow']);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** True for a key naming a secret (`signature`, `X-MBX-APIKEY`, `csrftoken`, `Cookie`, …). */
export function isSecretKey(key: string): boolean {
  const k = normalizeKey(key);
  return SECRET_KEYS.has(k) || k.endsWith('secret') || k.endsWith('apikey') || k.endsWith('password');
}

const REDACTED = '[redacted]';

/** A deep copy with every secret-named value replaced by `[redacted]`. */
export function stripSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => stripSecrets(v, depth + 1));
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      out[key] = isSecretKey(key) ? REDACTED : stripSecrets(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string') return scrubText(value);
  return value;
}

/** Removes `signature=…`-style pairs and bearer tokens from free text (URLs, error messages). */
export function scrubText(text: string): string {
  return text
    .replace(
      /([?&;\s]|^)(signature|api[-_]?key|secret|token|csrftoken|session(?:id)?|password|p20t)=([^&;\s]*)/gi,
      (_m, lead: string, key: string) => `${lead}${key}=${REDACTED}`,
    )
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`);
}

/**
 * Audit parameters: secret keys and `timestamp`/`recvWindow` removed entirely (not even a placeholder),
 * values scrubbed. A query string in `endpoint` is split into params the same way.
 */
export function auditRequest(
  endpoint: string,
  params: Record<string, unknown> | undefined,
): { endpoint: string; params: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  const [path = '', query] = endpoint.split('?', 2);
  const add = (key: string, value: unknown): void => {
    if (isSecretKey(key) || AUDIT_DROPPED.has(normalizeKey(key))) return;
    out[key] = stripSecrets(value);
  };
  if (query) for (const [k, v] of new URLSearchParams(query)) add(k, v);
  for (const [k, v] of Object.entries(params ?? {})) add(k, v);
  return { endpoint: scrubText(path), params: out };
}
