/**
 * Incremental JSON Schema inference: one accumulator per body, fed every sample (not just the first, as
 * mitmproxy2swagger does), with bounded state: distinct values and object keys are capped, and objects
 * with id-like or too many keys become maps (`additionalProperties`). Output is JSON Schema 2020-12 as
 * OpenAPI 3.1 uses it: `type` arrays for nullable, `anyOf` for mixed kinds, open objects, formats, enums
 * only where repetition supports them, and per-field evidence (`x-seen`, `x-presence`).
 */
import { setOwn } from '../core/index.js';
import type { AnalyzeContext } from './context.js';
import type { JsonSchema } from './types.js';
import { numberFormat, stringFormatAfter, isCredentialName, type StringFormat } from './shapes.js';

interface StringStats {
  count: number;
  formats: Map<StringFormat | '', number>;
  /** Distinct values with counts, until `overflow`. */
  values: Map<string, number>;
  overflow: boolean;
  minLength: number;
  maxLength: number;
  /**
   * Set once `formatSettled` held: formats are only ever added, so it holds for good, and the Map
   * lookups of the check are skipped for every later value. False means "check again", also after a merge.
   */
  settled: boolean;
  /** `formats.size` when `settled` was last computed (-1: never). */
  checkedFormats: number;
  /** The format of the last value tested, tried first on the next (`stringFormatAfter`). */
  lastFormat: StringFormat | undefined;
}

interface NumberStats {
  count: number;
  integers: number;
  min: number;
  max: number;
  epochSeconds: number;
  epochMillis: number;
  values: Map<number, number>;
  overflow: boolean;
}

interface ObjectStats {
  count: number;
  props: Map<string, SchemaAcc>;
  /** Set when the object is a map: every value merged here, keys not tracked. */
  map?: SchemaAcc;
  mapKeyFormat?: string;
  /**
   * The keys of the last object seen here, in order, and their children in `props`: records repeat their
   * keys in the same order, and comparing a key list to the last one (JSON.parse interns keys, so each
   * test is a pointer compare) is cheaper than a `props` lookup per key and the id-key test per object.
   * Valid while `map` is unset: `props` children are never replaced, only added, until then.
   */
  lastKeys: string[] | undefined;
  lastChildren: SchemaAcc[] | undefined;
}

function newObjectStats(): ObjectStats {
  return { count: 0, props: new Map<string, SchemaAcc>(), lastKeys: undefined, lastChildren: undefined };
}

/**
 * The arrays seen at one node. Items are kept by position while the arrays may be tuples (a kline
 * `[openTime, "open", …]`, a WebSocket `["trade", {…}]`): short, and their positions of different kinds.
 * The first array that shows a list (longer than the cap, or every position of one kind) merges the
 * positions into `items`, so a list of objects costs one observation per item, as before.
 */
export interface ArrayStats {
  count: number;
  /** Lengths over non-empty and empty arrays alike. */
  minItems: number;
  maxItems: number;
  /** Every item, merged (a list); empty while `positions` holds them. */
  items: SchemaAcc;
  /** Items by position, while every non-empty array so far fits a tuple. */
  positions?: SchemaAcc[];
  /** Set once a non-empty array was seen: a node decides tuple or list on its first one. */
  decided: boolean;
}

/** Longest array still considered a tuple: klines have 12 positions, Phoenix messages 5. */
const MAX_TUPLE = 16;

/** The state of one schema node: counts per JSON kind, and children. */
export interface SchemaAcc {
  /** Values observed at this node (any kind, including null). */
  count: number;
  nulls: number;
  booleans: number;
  str?: StringStats;
  num?: NumberStats;
  arr?: ArrayStats;
  obj?: ObjectStats;
  /** Values cut off by the depth cap. */
  deep: number;
}

export function newSchemaAcc(): SchemaAcc {
  return { count: 0, nulls: 0, booleans: 0, deep: 0 };
}

function newArrayStats(): ArrayStats {
  return { count: 0, items: newSchemaAcc(), minItems: Infinity, maxItems: 0, decided: false };
}

/** The JSON kinds a node has seen (nulls aside). */
function kindsOf(acc: SchemaAcc): number {
  return (
    (acc.str ? 1 : 0) |
    (acc.num ? 2 : 0) |
    (acc.booleans > 0 ? 4 : 0) |
    (acc.arr ? 8 : 0) |
    (acc.obj ? 16 : 0)
  );
}

/**
 * Whether positions still read as a tuple: each position of one kind, and not all of the same kind
 * (`["0.1", "2"]` price/quantity pairs are a list of strings; `[1499040000000, "0.0163", …]` is a tuple).
 */
function tupleLike(positions: SchemaAcc[]): boolean {
  let seen = 0;
  let distinct = false;
  for (const p of positions) {
    const k = kindsOf(p);
    if (k === 0) continue;
    if ((k & (k - 1)) !== 0) return false;
    if (seen !== 0 && k !== seen) distinct = true;
    seen = k;
  }
  return distinct;
}

/** Turns a tuple candidate into a list: every position merged into `items`. */
function toList(arr: ArrayStats, ctx: AnalyzeContext): void {
  if (!arr.positions) return;
  for (const p of arr.positions) mergeSchemaAcc(arr.items, p, ctx);
  arr.positions = undefined;
}

/** The items of every array at a node, merged (a tuple's positions included). */
export function listItems(arr: ArrayStats, ctx: AnalyzeContext): SchemaAcc {
  if (!arr.positions) return arr.items;
  const merged = newSchemaAcc();
  mergeSchemaAcc(merged, arr.items, ctx);
  for (const p of arr.positions) mergeSchemaAcc(merged, p, ctx);
  return merged;
}

function observeArray(acc: SchemaAcc, value: unknown[], ctx: AnalyzeContext, depth: number): void {
  const arr = (acc.arr ??= newArrayStats());
  arr.count++;
  arr.minItems = Math.min(arr.minItems, value.length);
  arr.maxItems = Math.max(arr.maxItems, value.length);
  if (value.length === 0) return;
  if (!arr.decided) {
    arr.decided = true;
    if (value.length <= MAX_TUPLE) arr.positions = [];
  } else if (arr.positions && value.length > MAX_TUPLE) toList(arr, ctx);
  const positions = arr.positions;
  if (!positions) {
    for (const item of value) observeValue(arr.items, item, ctx, depth + 1);
    return;
  }
  for (let i = 0; i < value.length; i++) {
    const p = (positions[i] ??= newSchemaAcc());
    observeValue(p, value[i], ctx, depth + 1);
  }
  if (!tupleLike(positions)) toList(arr, ctx);
}

/** Empty string stats; called only where a node sees its first string (`??=`), never per value. */
function newStringStats(): StringStats {
  return {
    count: 0,
    formats: new Map(),
    values: new Map(),
    overflow: false,
    minLength: Infinity,
    maxLength: 0,
    settled: false,
    checkedFormats: -1,
    lastFormat: undefined,
  };
}

/** Empty number stats; called only where a node sees its first number (`??=`), never per value. */
function newNumberStats(): NumberStats {
  return {
    count: 0,
    integers: 0,
    min: Infinity,
    max: -Infinity,
    epochSeconds: 0,
    epochMillis: 0,
    values: new Map(),
    overflow: false,
  };
}

const ID_KEY =
  /^(-?\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z0-9]{2,12}(USDT|BTC|ETH|BNB|BUSD|USDC|EUR|USD|TRY)|\d{4}-\d{2}-\d{2}.*)$/;

/** Every key looks like an id, date or symbol (a map, not a record). A loop: this runs per object. */
function allIdKeys(keys: string[]): boolean {
  for (const k of keys) if (!ID_KEY.test(k)) return false;
  return true;
}

/** Adds one JSON value to the accumulator. */
export function observeValue(acc: SchemaAcc, value: unknown, ctx: AnalyzeContext, depth = 0): void {
  acc.count++;
  if (value === null || value === undefined) {
    acc.nulls++;
    return;
  }
  if (depth >= ctx.maxDepth) {
    acc.deep++;
    return;
  }
  switch (typeof value) {
    case 'boolean':
      acc.booleans++;
      return;
    case 'number':
      observeNumber(acc, value, ctx);
      return;
    case 'string':
      observeString(acc, value, ctx);
      return;
    case 'object':
      if (Array.isArray(value)) observeArray(acc, value, ctx, depth);
      else {
        observeObject(acc, value as Record<string, unknown>, ctx, depth);
      }
      return;
    default:
      return;
  }
}

function observeNumber(acc: SchemaAcc, value: number, ctx: AnalyzeContext): void {
  const n = (acc.num ??= newNumberStats());
  n.count++;
  if (Number.isInteger(value)) n.integers++;
  if (value < n.min) n.min = value;
  if (value > n.max) n.max = value;
  const f = numberFormat(value);
  if (f === 'epoch-seconds') n.epochSeconds++;
  else if (f === 'epoch-millis') n.epochMillis++;
  if (!n.overflow) {
    n.values.set(value, (n.values.get(value) ?? 0) + 1);
    if (n.values.size > ctx.maxDistinctValues) {
      n.overflow = true;
      n.values.clear();
    }
  }
}

function observeString(acc: SchemaAcc, value: string, ctx: AnalyzeContext): void {
  const s = (acc.str ??= newStringStats());
  s.count++;
  if (value.length < s.minLength) s.minLength = value.length;
  if (value.length > s.maxLength) s.maxLength = value.length;
  // Once a value without a format (or two formats that cannot combine) was seen, the field has no
  // format whatever comes next: stop testing (it was the costliest step on large captures).
  // Formats are only added, so the same count means the same formats: the answer has not changed.
  if (!s.settled && s.formats.size !== s.checkedFormats) {
    s.checkedFormats = s.formats.size;
    s.settled = formatSettled(s.formats);
  }
  let f: StringFormat | '' = '';
  if (!s.settled) {
    const format = stringFormatAfter(value, s.lastFormat);
    s.lastFormat = format;
    f = format ?? '';
  }
  s.formats.set(f, (s.formats.get(f) ?? 0) + 1);
  if (!s.overflow) {
    if (value.length > 64) {
      s.overflow = true;
      s.values.clear();
    } else {
      s.values.set(value, (s.values.get(value) ?? 0) + 1);
      if (s.values.size > ctx.maxDistinctValues) {
        s.overflow = true;
        s.values.clear();
      }
    }
  }
}

function formatSettled(formats: Map<StringFormat | '', number>): boolean {
  if (formats.has('')) return true;
  if (formats.size < 2) return false;
  if (formats.size > 2) return true;
  const numeric = formats.has('integer-string') && formats.has('decimal-string');
  const dates = formats.has('date') && formats.has('date-time');
  return !numeric && !dates;
}

function observeObject(
  acc: SchemaAcc,
  value: Record<string, unknown>,
  ctx: AnalyzeContext,
  depth: number,
): void {
  const obj: ObjectStats = (acc.obj ??= newObjectStats());
  obj.count++;
  if (obj.map) {
    for (const key in value) observeValue(obj.map, value[key], ctx, depth + 1);
    return;
  }
  // The same keys as the last object here, in the same order: the children are the ones found then, and
  // nothing else needs checking. Those keys were not all id keys (the node stayed a record), were at most
  // `maxObjectKeys`, and `props` holds at most that many: neither map test can pass, and no key is new.
  // Compared by `for…in`, which allocates no key array (the costliest part of a record was its garbage).
  const last = obj.lastKeys;
  if (last !== undefined && hasKeys(value, last)) {
    const children = obj.lastChildren as SchemaAcc[];
    for (let i = 0; i < last.length; i++)
      observeValue(children[i] as SchemaAcc, value[last[i] as string], ctx, depth + 1);
    return;
  }
  const keys = Object.keys(value);
  // Dynamic keys: ids, dates or symbols as keys, or more keys than a record type has.
  const idKeys = keys.length >= 2 && allIdKeys(keys);
  if (idKeys || obj.props.size + keys.length > ctx.maxObjectKeys * 2 || keys.length > ctx.maxObjectKeys) {
    const map = convertToMap(obj, idKeys ? 'id' : 'many', ctx);
    for (const key of keys) observeValue(map, value[key], ctx, depth + 1);
    return;
  }
  const children: SchemaAcc[] = [];
  for (const key of keys) {
    let child = obj.props.get(key);
    if (!child) {
      child = newSchemaAcc();
      obj.props.set(key, child);
    }
    children.push(child);
    observeValue(child, value[key], ctx, depth + 1);
  }
  obj.lastKeys = keys;
  obj.lastChildren = children;
  if (obj.props.size > ctx.maxObjectKeys) convertToMap(obj, 'many', ctx);
}

/** Whether an object's own keys are exactly `keys`, in that order (JSON objects inherit no enumerable key). */
function hasKeys(value: Record<string, unknown>, keys: string[]): boolean {
  let i = 0;
  for (const k in value) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

function convertToMap(obj: ObjectStats, why: string, ctx: AnalyzeContext): SchemaAcc {
  if (obj.map) return obj.map;
  const map = newSchemaAcc();
  for (const child of obj.props.values()) mergeSchemaAcc(map, child, ctx);
  obj.map = map;
  obj.mapKeyFormat = why;
  obj.props = new Map();
  obj.lastKeys = undefined;
  obj.lastChildren = undefined;
  return map;
}

/** Whether any value under this node was cut by the depth cap. */
export function hitDepthCap(acc: SchemaAcc): boolean {
  if (acc.deep > 0) return true;
  if (acc.arr && hitDepthCap(acc.arr.items)) return true;
  if (acc.arr?.positions?.some(hitDepthCap)) return true;
  if (acc.obj?.map && hitDepthCap(acc.obj.map)) return true;
  if (acc.obj) for (const child of acc.obj.props.values()) if (hitDepthCap(child)) return true;
  return false;
}

/** Merges `src` into `dst` (both stay bounded). */
export function mergeSchemaAcc(dst: SchemaAcc, src: SchemaAcc, ctx: AnalyzeContext): void {
  dst.count += src.count;
  dst.nulls += src.nulls;
  dst.booleans += src.booleans;
  dst.deep += src.deep;
  if (src.str) {
    const d = (dst.str ??= newStringStats());
    d.count += src.str.count;
    d.minLength = Math.min(d.minLength, src.str.minLength);
    d.maxLength = Math.max(d.maxLength, src.str.maxLength);
    for (const [f, c] of src.str.formats) d.formats.set(f, (d.formats.get(f) ?? 0) + c);
    mergeValues(d, src.str, ctx);
  }
  if (src.num) {
    const d = (dst.num ??= newNumberStats());
    d.count += src.num.count;
    d.integers += src.num.integers;
    d.min = Math.min(d.min, src.num.min);
    d.max = Math.max(d.max, src.num.max);
    d.epochSeconds += src.num.epochSeconds;
    d.epochMillis += src.num.epochMillis;
    mergeValues(d, src.num, ctx);
  }
  if (src.arr) mergeArrays((dst.arr ??= newArrayStats()), src.arr, ctx);
  if (src.obj) {
    const d: ObjectStats = (dst.obj ??= newObjectStats());
    d.count += src.obj.count;
    if (src.obj.map && !d.map) convertToMap(d, src.obj.mapKeyFormat ?? 'many', ctx);
    if (d.map) {
      if (src.obj.map) mergeSchemaAcc(d.map, src.obj.map, ctx);
      for (const child of src.obj.props.values()) mergeSchemaAcc(d.map, child, ctx);
    } else {
      for (const [k, child] of src.obj.props) {
        const mine = d.props.get(k);
        if (mine) mergeSchemaAcc(mine, child, ctx);
        else {
          const copy = newSchemaAcc();
          mergeSchemaAcc(copy, child, ctx);
          d.props.set(k, copy);
        }
      }
      if (d.props.size > ctx.maxObjectKeys) convertToMap(d, 'many', ctx);
    }
  }
}

function mergeArrays(d: ArrayStats, s: ArrayStats, ctx: AnalyzeContext): void {
  d.count += s.count;
  d.minItems = Math.min(d.minItems, s.minItems);
  d.maxItems = Math.max(d.maxItems, s.maxItems);
  if (!s.decided) return;
  if (!d.decided) {
    d.decided = true;
    if (s.positions) d.positions = [];
  }
  const mine = d.positions;
  if (mine && s.positions) {
    s.positions.forEach((p, i) => mergeSchemaAcc((mine[i] ??= newSchemaAcc()), p, ctx));
    if (!tupleLike(mine)) toList(d, ctx);
    return;
  }
  toList(d, ctx);
  mergeSchemaAcc(d.items, listItems(s, ctx), ctx);
}

function mergeValues<T>(
  d: { values: Map<T, number>; overflow: boolean },
  s: { values: Map<T, number>; overflow: boolean },
  ctx: AnalyzeContext,
): void {
  if (d.overflow) return;
  if (s.overflow) {
    d.overflow = true;
    d.values.clear();
    return;
  }
  for (const [v, c] of s.values) d.values.set(v, (d.values.get(v) ?? 0) + c);
  if (d.values.size > ctx.maxDistinctValues) {
    d.overflow = true;
    d.values.clear();
  }
}

const MONEY_NAME =
  /(qty|quantity|amount|amt|price|fee|commission|balance|free|locked|freeze|frozen|total|value|volume|vol|size|cost|profit|pnl|rate|notional|margin|principal|interest|reward|available|withdrawing|ipoable|storage|quote)/i;

const NO_ENUM_FORMATS = new Set([
  'uuid',
  'date-time',
  'date',
  'jwt',
  'hex',
  'base64',
  'email',
  'uri',
  'uri-template',
  'ipv4',
  'ipv6',
  'decimal-string',
]);

/** Whether the repetition supports an enum: few distinct values, each seen several times. */
function enumOf<T>(values: Map<T, number>, overflow: boolean, count: number): T[] | undefined {
  if (overflow || values.size === 0 || values.size > 12) return undefined;
  if (count < 6 || count < values.size * 3) return undefined;
  return [...values.keys()].sort();
}

export interface ToSchemaOptions {
  /** The field's name, for enum suppression on credentials and identifiers. */
  name?: string;
}

/** The JSON Schema of the accumulated values. */
export function toJsonSchema(acc: SchemaAcc, options: ToSchemaOptions = {}): JsonSchema {
  const name = options.name ?? '';
  const variants: JsonSchema[] = [];
  const idLike =
    /(^id$|Id$|_id$|Ids?$|uuid|hash|token|time|date|At$|_at$)/i.test(name) || isCredentialName(name);
  if (acc.str) {
    const s = acc.str;
    const schema: JsonSchema = { type: 'string' };
    let format = pickFormat(s.formats, s.count);
    // Amounts that happened to be whole in every sample are still decimals ("1" then "1.5").
    if (format === 'integer-string' && MONEY_NAME.test(name)) format = 'decimal-string';
    if (format) schema.format = format;
    const e =
      !idLike && !(format && NO_ENUM_FORMATS.has(format)) ? enumOf(s.values, s.overflow, s.count) : undefined;
    if (e) schema.enum = e;
    variants.push(schema);
  }
  if (acc.num) {
    const n = acc.num;
    const schema: JsonSchema = { type: n.integers === n.count ? 'integer' : 'number' };
    if (n.epochMillis === n.count) schema.format = 'epoch-millis';
    else if (n.epochSeconds === n.count && /time|date|At$|_at$|expir|ts$|^t$/i.test(name))
      schema.format = 'epoch-seconds';
    const e = !idLike && !schema.format ? enumOf(n.values, n.overflow, n.count) : undefined;
    if (e && schema.type === 'integer' && e.length <= 6) schema.enum = e;
    variants.push(schema);
  }
  if (acc.booleans > 0) variants.push({ type: 'boolean' });
  if (acc.arr) {
    const a = acc.arr;
    const schema: JsonSchema = { type: 'array' };
    const itemName = name.replace(/s$/, '');
    if (a.positions) {
      // A tuple (positions survive only while at least two differ in kind): each position its own
      // schema; positions past the shortest array are optional.
      schema.prefixItems = a.positions.map((p) => toJsonSchema(p, { name: itemName }));
      schema.minItems = a.minItems;
      schema['x-tuple'] = true;
    } else if (a.items.count > 0) schema.items = toJsonSchema(a.items, { name: itemName });
    variants.push(schema);
  }
  if (acc.obj) {
    const o = acc.obj;
    const schema: JsonSchema = { type: 'object' };
    if (o.map) {
      schema.additionalProperties = o.map.count > 0 ? toJsonSchema(o.map) : true;
      schema['x-map'] = o.mapKeyFormat ?? 'dynamic keys';
    } else {
      const props: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const [k, child] of [...o.props].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
        const cs = toJsonSchema(child, { name: k });
        cs['x-seen'] = child.count;
        cs['x-presence'] = round(child.count / o.count);
        setOwn(props, k, cs);
        if (child.count >= o.count) required.push(k);
      }
      schema.properties = props;
      if (required.length > 0) schema.required = required;
    }
    variants.push(schema);
  }
  if (acc.deep > 0) variants.push({ description: 'nested deeper than the analysis depth cap' });
  // Null in every sample says nothing about the type the field has when set: leave it open.
  if (variants.length === 0)
    return acc.nulls > 0
      ? { description: 'null in every sample: its type when set is unknown', 'x-always-null': true }
      : {};
  let out: JsonSchema;
  if (variants.length === 1) out = variants[0] as JsonSchema;
  else if (variants.every((v) => Object.keys(v).length === 1 && typeof v.type === 'string')) {
    out = { type: variants.map((v) => v.type as string) };
  } else out = { anyOf: variants };
  if (acc.nulls > 0) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...(out.type as string[]), 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...(out.anyOf as JsonSchema[]), { type: 'null' }];
    else out = { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function pickFormat(formats: Map<StringFormat | '', number>, count: number): string | undefined {
  if (formats.size === 1) {
    const [only] = formats.keys();
    return only || undefined;
  }
  // Integer strings are decimal strings without a fraction: "5" and "1.5" together are decimal strings.
  if (
    formats.size === 2 &&
    (formats.get('integer-string') ?? 0) + (formats.get('decimal-string') ?? 0) === count
  ) {
    return 'decimal-string';
  }
  if (formats.size === 2 && (formats.get('date') ?? 0) + (formats.get('date-time') ?? 0) === count)
    return undefined;
  return undefined;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
