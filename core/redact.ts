/**
 * Redaction primitives (DESIGN.md convention 11). A secret is replaced by a stable placeholder derived
 * from a keyed hash: equal values give equal placeholders, so analyzers can still link a token to where
 * it was issued and consumed, but nobody without the key can test a guess against it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every placeholder starts with this, so any stage can tell a redacted value from a real one. */
export const REDACTED_PREFIX = '[redacted:';

const PLACEHOLDER = /^\[redacted:([a-z0-9_-]+):([0-9a-f]{16})\]$/;

export interface Redactor {
  /** `[redacted:<kind>:<16 hex>]`, stable for the same key, kind-independent hash of the value. */
  placeholder(value: string, kind: string): string;
  /** The hash part alone: lets callers record relations between values without keeping the values. */
  fingerprint(value: string): string;
}

/** A fresh random key for one capture. */
export function newRedactionKey(): Buffer {
  return randomBytes(32);
}

export function createRedactor(key: Uint8Array): Redactor {
  const fingerprint = (value: string): string =>
    createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16);
  return {
    fingerprint,
    // The hash ignores the kind so a token seen as a cookie and as a header maps to the same fingerprint.
    placeholder: (value, kind) => `${REDACTED_PREFIX}${kind}:${fingerprint(value)}]`,
  };
}

export function isRedactedPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/** Kind and fingerprint of a placeholder, or undefined. */
export function parseRedactedPlaceholder(value: string): { kind: string; fingerprint: string } | undefined {
  const m = PLACEHOLDER.exec(value);
  return m ? { kind: m[1] as string, fingerprint: m[2] as string } : undefined;
}

/** For logs and messages: enough to recognise a secret, never enough to use it. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '****';
  return `${secret.slice(0, 4)}…(${secret.length} chars)`;
}

/** Constant-time string comparison for secrets (CSRF tokens, signatures). */
export function secretsEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
