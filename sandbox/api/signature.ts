/**
 * Signature verification exactly as CONTRACT.md 2.2 states it: the payload is the query string as sent
 * (percent-encoded, without the `signature` pair) concatenated without separator to the body as sent
 * (without its `signature` pair). HMAC-SHA256 hex (case-insensitive); Ed25519 and RSA (PKCS#1 v1.5,
 * SHA-256) base64 (case-sensitive).
 */
import { createHmac, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** Removes every `signature=` pair from a raw `k=v&k=v` string, keeping the other bytes untouched. */
export function stripSignature(raw: string): { rest: string; signatures: string[] } {
  if (raw === '') return { rest: '', signatures: [] };
  const kept: string[] = [];
  const signatures: string[] = [];
  for (const part of raw.split('&')) {
    if (part.startsWith('signature=')) signatures.push(part.slice('signature='.length));
    else kept.push(part);
  }
  return { rest: kept.join('&'), signatures };
}

/** The signed payload of a request: raw query (minus signature) + raw body (minus signature), no separator. */
export function signaturePayload(
  rawQuery: string,
  rawBody: string,
): { payload: string; signature: string | undefined; count: number } {
  const q = stripSignature(rawQuery);
  const b = stripSignature(rawBody);
  const all = [...q.signatures, ...b.signatures];
  return { payload: q.rest + b.rest, signature: all[0], count: all.length };
}

export interface VerifyKey {
  type: 'hmac' | 'ed25519' | 'rsa';
  /** HMAC secret. */
  secret?: string;
  /** Ed25519/RSA public key. */
  publicKey?: KeyObject;
}

/** True when `signature` (as it appeared in the request, still percent-encoded for base64) signs `payload`. */
export function verifySignature(key: VerifyKey, payload: string, signature: string): boolean {
  if (key.type === 'hmac') {
    if (!/^[0-9a-fA-F]{64}$/.test(signature) || key.secret === undefined) return false;
    const expected = createHmac('sha256', key.secret).update(payload, 'utf8').digest();
    return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  }
  if (!key.publicKey) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(signature);
  } catch {
    return false;
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(decoded)) return false;
  const sig = Buffer.from(decoded, 'base64');
  try {
    return key.type === 'ed25519'
      ? cryptoVerify(null, Buffer.from(payload, 'utf8'), key.publicKey, sig)
      : cryptoVerify('sha256', Buffer.from(payload, 'utf8'), key.publicKey, sig);
  } catch {
    return false;
  }
}
