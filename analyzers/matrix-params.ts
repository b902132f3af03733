/**
 * Matrix parameters (RFC 3986 section 3.3): `;name=value` pairs inside a path segment. Java servlet URL
 * rewriting puts the session there (`/cart;jsessionid=0A1B2C3D4E5F/items`), PHP's trans-sid and others
 * do the same with `;sid=` or `;phpsessid=`, and some APIs carry real arguments (`/cars;color=red;year=2012`).
 * They are split off before templating so the segment (`cart`) stays one route with its siblings that
 * carry none, and each pair becomes a parameter of the operation (OpenAPI 3.1 `style: matrix`).
 */

/** One matrix parameter of a request path. */
export interface MatrixParam {
  /**
   * Index, in the request's decoded segments, of the segment the pair was attached to; -1 when the pair
   * stood alone at the root (`/;jsessionid=…`), so no segment carries it.
   */
  segment: number;
  name: string;
  value: string;
}

/** A matrix name: a word, as servlet containers and RFC 3986 examples write them. */
const PAIR = /^([A-Za-z_][A-Za-z0-9_.-]{0,63})=([^;]*)$/;
/** Pairs kept per segment: real uses carry a few; the rest of a flood is counted, not kept. */
const MAX_PAIRS = 16;

/**
 * Splits a raw (still percent-encoded) segment into its base and its matrix pairs, or returns undefined
 * when it is a plain segment. Every `;`-part after the base must be a `name=value` pair: a `;` in other
 * uses (`/a;b`, a title with a semicolon) keeps the segment whole, as before. Past MAX_PAIRS the pairs
 * are still split off (so a flood of them cannot turn the segment into a megabyte-long literal route)
 * but only counted, in `dropped`.
 */
export function splitMatrix(
  raw: string,
): { base: string; pairs: [string, string][]; dropped: number } | undefined {
  const semi = raw.indexOf(';');
  if (semi < 0) return undefined;
  const parts = raw.slice(semi + 1).split(';');
  const pairs: [string, string][] = [];
  for (const part of parts) {
    const m = PAIR.exec(part);
    if (!m?.[1] || m[2] === undefined) return undefined;
    if (pairs.length < MAX_PAIRS) pairs.push([m[1], m[2]]);
  }
  return { base: raw.slice(0, semi), pairs, dropped: parts.length - pairs.length };
}
