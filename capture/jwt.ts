/**
 * JWT (RFC 7519) redaction that keeps what analysis needs: the header and the claims that describe the
 * token (alg, exp, iat, nbf, scope, aud, iss, token type) stay readable; identifiers (sub, jti, sid,
 * email, user ids…) become placeholders, and the signature is replaced, so the token can no longer be used.
 */
import type { Redactor } from '../core/index.js';

/** Claims kept in the clear: they describe the token, they do not identify the holder or authorize. */
const KEPT_CLAIMS = new Set([
  'alg',
  'typ',
  'cty',
  'kid',
  'exp',
  'iat',
  'nbf',
  'auth_time',
  'scope',
  'scp',
  'aud',
  'iss',
  'azp',
  'token_use',
  'token_type',
  'roles',
  'amr',
  'acr',
  'ver',
  'version',
]);

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Re-encodes `token` with identifiers and signature redacted, or returns undefined when it is not a
 * decodable JWT (the caller then replaces it whole). The signature becomes `redacted_<fingerprint of the
 * whole token>`, so equal tokens stay equal and link to their placeholder elsewhere.
 */
export function redactJwt(token: string, redactor: Redactor): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = decodeSegment(parts[0] as string);
  const payload = decodeSegment(parts[1] as string);
  if (!header || !payload || !('alg' in header)) return undefined;
  const redacted: Record<string, unknown> = {};
  for (const [claim, value] of Object.entries(payload)) {
    if (KEPT_CLAIMS.has(claim)) redacted[claim] = value;
    else if (value === null || typeof value === 'boolean') redacted[claim] = value;
    else redacted[claim] = redactor.placeholder(JSON.stringify(value), 'jwt-claim');
  }
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${encode(header)}.${encode(redacted)}.redacted_${redactor.fingerprint(token)}`;
}
