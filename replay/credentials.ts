/**
 * Supplies credentials to a replayed request from what the auth-flow analysis found: cookies come from
 * the session's jar, a header derived from a cookie (a CSRF token equal to md5 of a cookie, a
 * double-submit copy) is recomputed from the live cookie, a per-request timestamp is set to now, and a
 * static client constant is reused as captured when it was not redacted.
 */
import { createHash } from 'node:crypto';
import { isRedactedPlaceholder } from '../core/index.js';
import type { ProtocolCredential, ProtocolModel } from '../model/index.js';
import type { CookieJar } from './cookies.js';

/** Applies a capture-recorded or inferred transform; undefined when we cannot compute it (e.g. an HMAC without its key). */
export function applyTransform(transform: string, value: string): string | undefined {
  const t = transform.toLowerCase();
  if (t.startsWith('identity')) return value;
  if (t === 'md5' || t === 'sha1' || t === 'sha256' || t === 'sha512')
    return createHash(t).update(value).digest('hex');
  if (t === 'base64') return Buffer.from(value, 'utf8').toString('base64');
  if (t === 'base64url') return Buffer.from(value, 'utf8').toString('base64url');
  if (t === 'hex') return Buffer.from(value, 'utf8').toString('hex');
  if (t === 'urlencode') return encodeURIComponent(value);
  return undefined;
}

export interface CredentialIndex {
  byId: Map<string, ProtocolCredential>;
  /** `header:<lower name>` etc., as the analyzers name credential ids. */
  lookup(location: ProtocolCredential['location'], name: string): ProtocolCredential | undefined;
}

export function indexCredentials(model: ProtocolModel): CredentialIndex {
  const byId = new Map(model.auth.credentials.map((c) => [c.id, c]));
  return {
    byId,
    lookup: (location, name) => byId.get(`${location}:${name.toLowerCase()}`),
  };
}

export type Supplied = { value: string } | { drop: true; reason: string } | { keep: true };

/**
 * What to send for a credential-bearing header or query value captured as `captured`.
 * `keep` = send the captured value (it is not a secret we hold, or it is a static constant).
 */
export function supplyCredential(
  credential: ProtocolCredential | undefined,
  captured: string,
  jar: CookieJar,
  url: URL,
  credentials: CredentialIndex,
  now: number,
): Supplied {
  if (credential?.derivedFrom) {
    const source = credentials.byId.get(credential.derivedFrom.credential);
    if (source?.location === 'cookie') {
      const live = jar.valueOf(source.name, url);
      if (live === undefined)
        return {
          drop: true,
          reason: `cookie ${source.name} (the source of ${credential.name}) is not in the session`,
        };
      const value = applyTransform(credential.derivedFrom.transform, live);
      if (value !== undefined) return { value };
      return {
        drop: true,
        reason: `${credential.name} is derived by ${credential.derivedFrom.transform}, which replay cannot compute`,
      };
    }
  }
  if (
    credential?.kind === 'timestamp' ||
    (credential?.class === 'per-request' && /^\d{10,13}$/.test(captured))
  ) {
    return { value: captured.length === 10 ? String(Math.floor(now / 1000)) : String(now) };
  }
  if (!isRedactedPlaceholder(captured) && captured !== '[REDACTED]') return { keep: true };
  return {
    drop: true,
    reason: `${credential?.name ?? 'a value'} was redacted in the capture and the session does not hold it`,
  };
}
