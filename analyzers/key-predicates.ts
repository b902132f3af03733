/**
 * Key predicates inside a path segment: OData's `Products(1)`, `People('russellwhyte')`,
 * `OrderLines(OrderID=10248,Line='x')`, `Items(guid'0f8fad5b-…')`. The segment names an entity set and a
 * key, so the set stays literal and only the key is a parameter: `/Products({productId})`, not
 * `/{odata}` (optic#971). The key value must have a key's form (a number, a quoted string, a GUID, a
 * typed literal), so a title with parentheses (`Mercury_(planet)`) stays a plain segment.
 */
import { camelIdentifier, singular } from './shapes.js';

/** One key of a predicate: its name when written `Name=value`, and the literal text around the value. */
export interface KeyPart {
  name?: string;
  /** Literal text before the value inside the part (`'`, `guid'`) and after it (`'`). */
  open: string;
  close: string;
}

export interface KeyPredicate {
  /** The entity set: `Products`. */
  set: string;
  keys: KeyPart[];
  /** The key values, in order, without their quotes. */
  values: string[];
  /** The segment with each value replaced by `{}`: equal for every key of one set. */
  pattern: string;
}

const SEGMENT = /^([A-Za-z][\w.]*[A-Za-z0-9])\((.+)\)$/;
const NAMED = /^([A-Za-z_]\w*)=(.+)$/;
const NUMBER = /^-?\d+(?:\.\d+)?[LlMmDd]?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const QUOTED = /^(guid|datetime|datetimeoffset|time|binary|X)?'((?:[^']|'')*)'$/;

/** Splits `a=1,b='x,y'` on the commas outside quotes. */
function splitKeys(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The key predicate of a segment, or undefined when it is a plain segment. */
export function keyPredicate(segment: string): KeyPredicate | undefined {
  if (segment.length > 400 || segment.charCodeAt(segment.length - 1) !== 0x29) return undefined;
  const m = SEGMENT.exec(segment);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const keys: KeyPart[] = [];
  const values: string[] = [];
  const parts = splitKeys(m[2]);
  if (parts.length > 8) return undefined;
  for (const part of parts) {
    const named = NAMED.exec(part);
    const raw = named?.[2] ?? part;
    let key: KeyPart;
    let value: string;
    const q = QUOTED.exec(raw);
    if (q) {
      key = { open: `${q[1] ?? ''}'`, close: "'" };
      value = q[2] ?? '';
    } else if (NUMBER.test(raw) || GUID.test(raw)) {
      key = { open: '', close: '' };
      value = raw;
    } else return undefined;
    if (named?.[1]) key.name = named[1];
    keys.push(key);
    values.push(value);
  }
  const pattern = `${m[1]}(${keys.map((k) => `${k.name ? `${k.name}=` : ''}${k.open}{}${k.close}`).join(',')})`;
  return { set: m[1], keys, values, pattern };
}

/** Parameter names of a predicate's keys: the key's own name, else `productId` from `Products`. */
export function keyNames(set: string, keys: readonly KeyPart[]): string[] {
  const base = camelIdentifier(singular(set.split('.').pop() ?? set)) || 'key';
  return keys.map((k, i) => k.name ?? (keys.length === 1 ? `${base}Id` : `${base}Key${i + 1}`));
}

/** The template of a predicate segment with its parameter names: `OrderLines(OrderID={OrderID},Line='{Line}')`. */
export function keyTemplate(set: string, keys: readonly KeyPart[], names: readonly string[]): string {
  return `${set}(${keys.map((k, i) => `${k.name ? `${k.name}=` : ''}${k.open}{${names[i]}}${k.close}`).join(',')})`;
}
