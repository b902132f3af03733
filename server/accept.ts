/**
 * Content negotiation of the API (RFC 9110 §12.5.1): each endpoint has one media type, so negotiation only
 * decides whether the client takes it. A client that says it does not (`Accept: text/html`, or
 * `application/json;q=0`) gets 406 rather than a body it refused; errors stay problem+json whatever Accept
 * says (RFC 9457 §3).
 */

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] | undefined {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';').map((p) => p.trim());
    if (range === '') continue;
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(range);
    if (!m) return undefined;
    let q = 1;
    for (const param of params) {
      const qm = /^q\s*=\s*([0-9.]+)$/i.exec(param);
      if (qm) q = Number(qm[1]);
    }
    if (!Number.isFinite(q) || q < 0 || q > 1) return undefined;
    ranges.push({ type: (m[1] as string).toLowerCase(), subtype: (m[2] as string).toLowerCase(), q });
  }
  return ranges;
}

/**
 * True when an `Accept` header takes `mediaType` (`application/json`, parameters ignored): absent, empty or
 * unparsable headers take anything; otherwise the most specific range that matches decides, by its q.
 */
export function accepts(header: string | undefined, mediaType: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const ranges = parseAccept(header);
  if (ranges === undefined || ranges.length === 0) return true;
  const [type = '', subtype = ''] = (mediaType.split(';')[0] as string).trim().toLowerCase().split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 2
        : r.type === type && r.subtype === '*'
          ? 1
          : r.type === '*' && r.subtype === '*'
            ? 0
            : -1;
    if (specificity < 0) continue;
    if (!best || specificity > best.specificity || (specificity === best.specificity && r.q > best.q))
      best = { specificity, q: r.q };
  }
  return best !== undefined && best.q > 0;
}
