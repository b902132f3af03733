/**
 * Request signing, exactly as CONTRACT.md §2.2 says: the payload is the percent-encoded query string
 * concatenated without separator to the body; HMAC-SHA256 gives hex, RSA (PKCS#1 v1.5, SHA-256) and
 * Ed25519 give base64, which is percent-encoded when placed in the URL. The bytes signed are the bytes sent.
 */
import { createHmac, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The key types Binance accepts. */
export type KeyType = 'hmac' | 'ed25519' | 'rsa';

/** A parameter value as the API takes it; `undefined` values are left out. */
export type ParamValue = string | number | boolean | bigint | undefined;
export type Params = Record<string, ParamValue>;

/** Percent-encodes one value the way the official connector does (encodeURIComponent: UTF-8, `%XX` upper-case). */
export function encodeValue(value: Exclude<ParamValue, undefined>): string {
  return encodeURIComponent(typeof value === 'string' ? value : String(value));
}

/** `k=v&k=v` in the given order, percent-encoded, skipping undefined values. */
export function encodeParams(params: Params): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeValue(value)}`);
  }
  return parts.join('&');
}

/** The signature payload: query ‖ body, no separator (CONTRACT.md §2.2, [SPOT] "HMAC Keys"). */
export function signaturePayload(query: string, body = ''): string {
  return query + body;
}

/** HMAC-SHA256 of the payload, lower-case hex. */
export function hmacSignature(secret: string, payload: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(payload, 'utf8').digest('hex');
}

/** Ed25519 (pure, no pre-hash) or RSASSA-PKCS1-v1_5/SHA-256 of the payload, base64 (not yet percent-encoded). */
export function asymmetricSignature(key: KeyObject, payload: string): string {
  const data = Buffer.from(payload, 'utf8');
  if (key.asymmetricKeyType === 'ed25519') return cryptoSign(null, data, key).toString('base64');
  if (key.asymmetricKeyType === 'rsa') return cryptoSign('sha256', data, key).toString('base64');
  throw new TypeError(`unsupported key type ${String(key.asymmetricKeyType)}`);
}

/**
 * Signs requests. It holds the secret in a closure: the object itself carries nothing that prints,
 * serializes or inspects as the secret.
 */
export interface Signer {
  readonly keyType: KeyType;
  /** The signature as it goes into the query string (hex, or base64 percent-encoded). */
  signForUrl(payload: string): string;
}

export function hmacSigner(secret: string): Signer {
  return Object.freeze({
    keyType: 'hmac' as const,
    signForUrl: (payload: string) => hmacSignature(secret, payload),
    toJSON: () => ({ keyType: 'hmac' }),
    [Symbol.for('nodejs.util.inspect.custom')]: () => 'Signer(hmac)',
  });
}

export function asymmetricSigner(key: KeyObject): Signer {
  const keyType = key.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'rsa';
  return Object.freeze({
    keyType,
    signForUrl: (payload: string) => encodeURIComponent(asymmetricSignature(key, payload)),
    toJSON: () => ({ keyType }),
    [Symbol.for('nodejs.util.inspect.custom')]: () => `Signer(${keyType})`,
  });
}

/** A signed request's parts: the query to send (with `&signature=` appended) and the body, unchanged. */
export interface SignedRequest {
  query: string;
  body: string;
}

/** Appends `timestamp` and `recvWindow`, signs query ‖ body, and appends the signature to the query. */
export function signRequest(
  signer: Signer,
  params: Params,
  timestamp: number,
  recvWindow: number | undefined,
  bodyParams?: Params,
): SignedRequest {
  const query = encodeParams({ ...params, recvWindow, timestamp });
  const body = bodyParams ? encodeParams(bodyParams) : '';
  const signature = signer.signForUrl(signaturePayload(query, body));
  return { query: query ? `${query}&signature=${signature}` : `signature=${signature}`, body };
}
