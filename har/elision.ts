/**
 * Elision of an entry too large to parse whole: the scanner (har/scanner.ts) leaves out a string over the
 * string cap (a 200 MB body) and thins an entry-level array over the array budget (the frames of an
 * hour-long WebSocket session), writing a marker string where it cut. After the entry is parsed, the
 * markers are taken out here and listed in `entry._elided`, so the entry still reaches the analysis (its
 * URL, headers, timings, the frames kept) instead of being dropped, and every cut is reported.
 *
 * The marker is a JSON string starting with U+0000, which no producer writes at the start of a body or an
 * array item; a hostile capture that fakes one only marks its own field as elided.
 */

import type { HarElision } from './types.js';

const PREFIX = '\u0000ledgertap-elided:';

/** The marker the scanner writes inside the quotes of an elided string, as raw JSON text. */
export function stringMarker(bytes: number): Buffer {
  return Buffer.from(`\\u0000ledgertap-elided:string:${bytes}`, 'latin1');
}

/** The marker the scanner appends (with its comma) as the last item of a thinned array, as raw JSON text. */
export function itemsMarker(items: number, bytes: number): Buffer {
  return Buffer.from(`,"\\u0000ledgertap-elided:items:${items}:${bytes}"`, 'latin1');
}

function parseMarker(value: string): { items?: number; bytes: number } | undefined {
  const rest = value.slice(PREFIX.length).split(':');
  if (rest[0] === 'string' && rest.length === 2) return { bytes: Number(rest[1]) || 0 };
  if (rest[0] === 'items' && rest.length === 3)
    return { items: Number(rest[1]) || 0, bytes: Number(rest[2]) || 0 };
  return undefined;
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Takes the markers out of a parsed entry: an elided string field is deleted, a thinned array loses its
 * marker item. `expected` is how many markers the scanner wrote; the walk stops once all are found.
 * The walk keeps its own stack (no recursion): the entry may be nested 10 000 levels deep.
 */
export function takeElisions(entry: Record<string, unknown>, expected: number): HarElision[] {
  const found: HarElision[] = [];
  const stack: { value: object; pointer: string }[] = [{ value: entry, pointer: '' }];
  while (stack.length > 0 && found.length < expected) {
    const { value, pointer } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (typeof item === 'string' && item.startsWith(PREFIX)) {
          const marker = parseMarker(item);
          if (!marker) continue;
          value.splice(i, 1);
          found.push(
            marker.items !== undefined
              ? { pointer, bytes: marker.bytes, items: marker.items }
              : { pointer: `${pointer}/${i}`, bytes: marker.bytes },
          );
          if (found.length >= expected) break;
        } else if (item !== null && typeof item === 'object') {
          stack.push({ value: item, pointer: `${pointer}/${i}` });
        }
      }
      continue;
    }
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (typeof v === 'string') {
        if (!v.startsWith(PREFIX)) continue;
        const marker = parseMarker(v);
        if (!marker || marker.items !== undefined) continue;
        delete obj[key];
        found.push({ pointer: `${pointer}/${escapePointer(key)}`, bytes: marker.bytes });
      } else if (v !== null && typeof v === 'object') {
        stack.push({ value: v, pointer: `${pointer}/${escapePointer(key)}` });
      }
    }
  }
  return found;
}
