/**
 * Relations between secret values, recorded while capture still sees them in the clear (before the
 * placeholders replace them). The auth-flow analyzer needs them and cannot recover them afterwards:
 * - `derived`: a value equals transform(another value): md5/sha1/sha256 (hex or base64), base64, hex,
 *   urlencode, hmac-sha256 keyed by another secret, or identity under a different name (a CSRF header
 *   equal to a cookie, or to md5 of it);
 * - `issued`: a value first appeared in a response (Set-Cookie, a login JSON field) of entry N.
 * `from` and `to` are fingerprints (the 16 hex of the placeholders); `evidence` names the locations.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HarValueRelation } from '../har/index.js';
import type { Redactor } from '../core/index.js';

/** A secret value seen in one entry, at one location, in the clear. */
export interface SeenSecret {
  value: string;
  /** `request.cookies.csrftoken`, `request.headers.x-csrf-token`, `response.content.json:/data/token`. */
  location: string;
  side: 'request' | 'response';
}

/** Caps keep memory bounded on very long captures; later values are still redacted, only not related. */
const MAX_TRACKED = 5000;
const MAX_HMAC_KEYS = 64;

type Transform = (value: string) => string[];

const TRANSFORMS: ReadonlyArray<[string, Transform]> = [
  ['md5', (v) => digests('md5', v)],
  ['sha1', (v) => digests('sha1', v)],
  ['sha256', (v) => digests('sha256', v)],
  [
    'base64',
    (v) => [Buffer.from(v, 'utf8').toString('base64'), Buffer.from(v, 'utf8').toString('base64url')],
  ],
  ['hex', (v) => [Buffer.from(v, 'utf8').toString('hex')]],
  ['urlencode', (v) => (encodeURIComponent(v) !== v ? [encodeURIComponent(v)] : [])],
];

function digests(algorithm: string, value: string): string[] {
  const digest = createHash(algorithm).update(value, 'utf8').digest();
  return [digest.toString('hex'), digest.toString('base64'), digest.toString('base64url')];
}

export class RelationTracker {
  readonly #redactor: Redactor;
  /** clear value -> first location it was seen at. */
  readonly #seen = new Map<
    string,
    { location: string; fingerprint: string; firstSeenMs: number; issued: boolean }
  >();
  /** transformed string -> source fingerprint and transform name. */
  readonly #derivedIndex = new Map<string, { source: string; transform: string; location: string }>();
  readonly #relations: HarValueRelation[] = [];
  readonly #keys = new Set<string>();
  readonly #hmacKeys: string[] = [];

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  get relations(): readonly HarValueRelation[] {
    return this.#relations;
  }

  /**
   * Looks at one entry's secrets. `signedPayloads` are the texts a signature in this entry could have been
   * computed over (the query string without the signature, the body), for the hmac check.
   */
  observe(
    entryIndex: number,
    secrets: readonly SeenSecret[],
    signedPayloads: readonly string[] = [],
    startedMs = Number.POSITIVE_INFINITY,
  ): void {
    const fresh: SeenSecret[] = [];
    for (const secret of secrets) {
      if (secret.value.length < 4) continue;
      const known = this.#seen.get(secret.value);
      const fingerprint = this.#redactor.fingerprint(secret.value);
      // Entries reach the sink in completion order: a login response that finished late still issued
      // the cookie that requests started after it carried.
      if (known && secret.side === 'response' && !known.issued && startedMs <= known.firstSeenMs) {
        known.issued = true;
        this.#add({
          type: 'issued',
          from: `entry:${entryIndex}`,
          to: fingerprint,
          entryIndex,
          evidence: `first seen in ${secret.location}`,
        });
      }
      if (known) {
        // The same value under another name (cookie -> header): an identity derivation, once per pair.
        if (nameOf(known.location) !== nameOf(secret.location)) {
          this.#add(
            {
              type: 'derived',
              transform: 'identity',
              from: known.fingerprint,
              to: fingerprint,
              entryIndex,
              evidence: `${secret.location} equals ${known.location}`,
            },
            `identity|${nameOf(known.location)}|${nameOf(secret.location)}`,
          );
        }
        continue;
      }
      if (this.#seen.size >= MAX_TRACKED) continue;
      this.#seen.set(secret.value, {
        location: secret.location,
        fingerprint,
        firstSeenMs: startedMs,
        issued: secret.side === 'response',
      });
      fresh.push(secret);
      if (secret.side === 'response') {
        this.#add({
          type: 'issued',
          from: `entry:${entryIndex}`,
          to: fingerprint,
          entryIndex,
          evidence: `first seen in ${secret.location}`,
        });
      }
    }
    // Index the transforms of every new value, then check every new value against the index, so the
    // order within one entry (header before cookie) does not matter.
    for (const secret of fresh) {
      const fingerprint = this.#redactor.fingerprint(secret.value);
      for (const [name, transform] of TRANSFORMS) {
        for (const out of transform(secret.value)) {
          if (out === secret.value) continue;
          if (!this.#derivedIndex.has(out))
            this.#derivedIndex.set(out, { source: fingerprint, transform: name, location: secret.location });
          const existing = this.#seen.get(out) ?? this.#seen.get(out.toLowerCase());
          if (existing && existing.fingerprint !== fingerprint) {
            this.#add({
              type: 'derived',
              transform: name,
              from: fingerprint,
              to: existing.fingerprint,
              entryIndex,
              evidence: `${existing.location} = ${name}(${secret.location})`,
            });
          }
        }
      }
      if (this.#hmacKeys.length < MAX_HMAC_KEYS && secret.value.length >= 16)
        this.#hmacKeys.push(secret.value);
    }
    for (const secret of fresh) {
      const hit = this.#derivedIndex.get(secret.value) ?? this.#derivedIndex.get(secret.value.toLowerCase());
      const fingerprint = this.#redactor.fingerprint(secret.value);
      if (hit && hit.source !== fingerprint) {
        this.#add({
          type: 'derived',
          transform: hit.transform,
          from: hit.source,
          to: fingerprint,
          entryIndex,
          evidence: `${secret.location} = ${hit.transform}(${hit.location})`,
        });
      }
      if (/^[0-9a-fA-F]{64}$/.test(secret.value) && signedPayloads.length > 0)
        this.#checkHmac(entryIndex, secret, signedPayloads);
    }
  }

  /** Signatures such as Binance's: hex hmac-sha256 of the query string keyed by a secret seen before. */
  #checkHmac(entryIndex: number, secret: SeenSecret, payloads: readonly string[]): void {
    const target = secret.value.toLowerCase();
    for (const key of this.#hmacKeys) {
      if (key === secret.value) continue;
      for (const payload of payloads) {
        if (createHmac('sha256', key).update(payload, 'utf8').digest('hex') === target) {
          this.#add({
            type: 'derived',
            transform: 'hmac-sha256',
            from: this.#redactor.fingerprint(key),
            to: this.#redactor.fingerprint(secret.value),
            entryIndex,
            evidence: `${secret.location} = hmac-sha256(key ${this.#seen.get(key)?.location ?? 'secret'}, signed payload)`,
          });
          return;
        }
      }
    }
  }

  #add(
    relation: HarValueRelation,
    key = `${relation.type}|${relation.transform ?? ''}|${relation.from}|${relation.to}`,
  ): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#relations.push(relation);
  }
}

/** The location without its side, for "same name?" checks: `cookies.csrftoken`. */
function nameOf(location: string): string {
  return location.replace(/^(request|response)\./, '').toLowerCase();
}
