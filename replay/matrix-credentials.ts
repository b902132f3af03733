/**
 * Session ids carried as matrix parameters of the URL path (RFC 3986 section 3.3; a servlet's
 * `/cart;jsessionid=…/items`, PHP's `;phpsessid=`): the captured value is stale or redacted, so replay
 * writes the live one there, read from the session's cookie that issued it (URL rewriting names the
 * pair after its cookie: `;jsessionid=` ↔ `JSESSIONID`), at the segment the model's parameter names.
 */
import { isRedactedPlaceholder } from '../core/index.js';
import type { ProtocolCredential, ProtocolOperation } from '../model/index.js';
import type { CookieJar } from './cookies.js';
import { supplyCredential, type CredentialIndex } from './credentials.js';

/** A matrix credential of the operation replayed: its name and the pathTemplate segment it rides on. */
export interface MatrixSlot {
  name: string;
  /** 0-based index of the pathTemplate segment (the model parameter's `segment`). */
  segment: number;
  /** Every captured request of the operation carried it. */
  required: boolean;
}

/** The operation's matrix parameters that are credentials, as the model lists them. */
export function matrixSlots(operation: ProtocolOperation): MatrixSlot[] {
  const out: MatrixSlot[] = [];
  for (const p of operation.parameters)
    if (p.style === 'matrix' && p.credential && p.segment !== undefined)
      out.push({ name: p.name, segment: p.segment, required: p.required });
  return out;
}

export interface MatrixSupply {
  /** The captured URL with each credential pair set to its live value, kept, dropped or inserted. */
  url: string;
  /** The live values written into the URL: the live HAR masks them wherever they come back. */
  secrets: string[];
  /** Pairs that could not be supplied (dropped from the URL), with why. */
  missing: string[];
  /** Set when a pair every captured request carried could not be supplied: the request is not worth sending. */
  needs?: string;
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/is;

/**
 * Supplies the matrix credentials of `capturedUrl`: every `;name=value` pair the model knows as a
 * `path-matrix` credential or `slots` names, and each slot the captured request did not carry (its
 * sample came from a request that sent the cookie instead) when the session holds a live value. `jarUrl`
 * is the URL the request goes to, for the cookies that apply to it.
 */
export function supplyMatrixCredentials(
  capturedUrl: string,
  slots: readonly MatrixSlot[],
  jar: CookieJar,
  jarUrl: URL,
  credentials: CredentialIndex,
  now: number,
): MatrixSupply {
  const out: MatrixSupply = { url: capturedUrl, secrets: [], missing: [] };
  const m = URL_PARTS.exec(capturedUrl);
  if (!m || (!m[2]?.includes(';') && slots.length === 0)) return out;
  const [, origin, path, rest] = m as unknown as [string, string, string, string];
  const lookup = (name: string): ProtocolCredential | undefined =>
    credentials.byId.get(`path-matrix:${name}`) ?? credentials.lookup('path-matrix', name);
  const slotOf = (name: string): MatrixSlot | undefined =>
    slots.find((s) => s.name.toLowerCase() === name.toLowerCase());
  const reasonFor = (name: string): string =>
    `the session id ;${name}= in the URL path was not captured in clear and the session holds no cookie that issues it; log in (--login) or pass the session's cookies (--cookies)`;
  const seen = new Set<string>();
  const parts = path.split('/');
  // `segment` counts non-empty segments without their pairs, as analysis counted them.
  const rawIndex = new Map<number, number>();
  let segment = -1;
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i] as string;
    if (raw === '') continue;
    const semi = raw.indexOf(';');
    const base = semi < 0 ? raw : raw.slice(0, semi);
    if (base !== '') rawIndex.set(++segment, i);
    if (semi < 0) continue;
    const kept = [base];
    for (const pair of raw.slice(semi + 1).split(';')) {
      const eq = pair.indexOf('=');
      const name = eq > 0 ? decode(pair.slice(0, eq)) : '';
      const credential = name ? lookup(name) : undefined;
      const slot = name ? slotOf(name) : undefined;
      if (!credential && !slot) {
        kept.push(pair);
        continue;
      }
      seen.add(name.toLowerCase());
      const live = liveValue(credential, name, jar, jarUrl);
      const supplied =
        live !== undefined
          ? { value: live }
          : supplyCredential(credential, decode(pair.slice(eq + 1)), jar, jarUrl, credentials, now);
      if ('value' in supplied) {
        kept.push(`${pair.slice(0, eq)}=${encodeURIComponent(supplied.value)}`);
        out.secrets.push(supplied.value);
      } else if ('keep' in supplied) kept.push(pair);
      else {
        const reason = reasonFor(name);
        out.missing.push(reason);
        if (slot?.required) out.needs ??= reason;
      }
    }
    parts[i] = kept.join(';');
  }
  for (const slot of slots) {
    if (seen.has(slot.name.toLowerCase())) continue;
    const at = rawIndex.get(slot.segment);
    const live = liveValue(lookup(slot.name), slot.name, jar, jarUrl);
    if (at === undefined || live === undefined) continue;
    parts[at] += `;${encodeURIComponent(slot.name)}=${encodeURIComponent(live)}`;
    out.secrets.push(live);
  }
  out.url = `${origin}${parts.join('/')}${rest}`;
  return out;
}

/** The session's value for a matrix credential: the cookie that issued it, else the cookie of its name. */
function liveValue(
  credential: ProtocolCredential | undefined,
  name: string,
  jar: CookieJar,
  url: URL,
): string | undefined {
  for (const issuer of credential?.issuedBy ?? []) {
    if (issuer.via !== 'set-cookie') continue;
    const value = jar.valueOf(issuer.name, url);
    if (value !== undefined && !isRedactedPlaceholder(value)) return value;
  }
  const value = jar.valueOf(name, url);
  return value !== undefined && !isRedactedPlaceholder(value) ? value : undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Matrix pairs of a URL path whose names are credentials: for masking URLs in results and logs. */
export function maskMatrixPairs(pathname: string, isCredential: (name: string) => boolean): string {
  if (!pathname.includes(';')) return pathname;
  return pathname.replace(/;([^;=/]+)=([^;/]*)/g, (pair, name: string) =>
    isCredential(decode(name)) ? `;${name}=***` : pair,
  );
}
