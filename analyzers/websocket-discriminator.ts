/**
 * The discriminator of WebSocket JSON messages: the field that tells message kinds apart (`e`, `type`,
 * `op`, `method`, …, also one level down as in Binance `{stream, data: {e}}`), chosen per direction from
 * evidence: every message offers its candidate fields, and the most telling field present in most
 * messages wins, unless its values are so many that it is an id.
 *
 * Top-level arrays (Kraken `[channelID, {…}, "ticker", "XBT/USD"]`, `["trade", {…}]`, Phoenix
 * `[join_ref, ref, topic, event, payload]`) have no field names: their candidates are the string elements
 * at fixed indices, counted from the start and from the end (`[2]`, `[-2]`: a Kraken book update with
 * both sides is one element longer, its channel name is still second to last), chosen separately from
 * the objects' field.
 */
import { templateTopic } from './websocket-topics.js';

/** Discriminator fields, most telling first. */
const PREFERRED = [
  'e',
  'type',
  'op',
  'event',
  'action',
  'method',
  'channel',
  'stream',
  'topic',
  'ch',
  'cmd',
  'command',
  'subject',
  'kind',
  'msgType',
  'messageType',
];
/** Objects one level down where discriminators also live (`{stream, data: {e}}`, OKX `{arg: {channel}}`). */
const NESTED = ['data', 'arg', 'params', 'payload'];

export interface Candidate {
  ptr: string;
  raw: string;
  /** The value templated, so `btcusdt@trade` and `ethusdt@trade` are one kind. */
  value: string;
}

/** Discriminator candidates of a JSON object: preferred string fields at the top and one level down. */
export function candidatesOf(o: Record<string, unknown>): Candidate[] {
  const out: Candidate[] = [];
  const take = (obj: Record<string, unknown>, prefix: string): void => {
    for (const f of PREFERRED) {
      const v = obj[f];
      if (typeof v === 'string' && v.length > 0 && v.length <= 100) {
        out.push({ ptr: `${prefix}/${f}`, raw: v, value: templateTopic(v) });
        if (out.length >= 6) return;
      }
    }
  };
  take(o, '');
  for (const n of NESTED) {
    if (out.length >= 6) break;
    const inner = o[n];
    if (inner && typeof inner === 'object' && !Array.isArray(inner))
      take(inner as Record<string, unknown>, `/${n}`);
  }
  return out;
}

/** Array indices looked at from each end: the kind name of a tuple message sits near one of them. */
const ARRAY_REACH = 4;

/** The element of a tuple message at `index` (negative: from the end, -1 the last). */
function elementAt(a: readonly unknown[], index: number): unknown {
  return index < 0 ? a[a.length + index] : a[index];
}

/** A string element that can name a kind: not empty, not long, not a number or ref (`"12"`). */
function kindString(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 100) return false;
  const c = v.charCodeAt(0);
  return !(c >= 48 && c <= 57 && /^\d+$/.test(v));
}

/** The pointer-like name of an array index discriminator: `[2]`, `[-2]`. */
export function arrayIndexName(index: number): string {
  return `[${index}]`;
}

/** The index of an array candidate's name (`[-2]` → -2), or undefined for an object pointer. */
export function arrayIndexOf(ptr: string): number | undefined {
  return ptr.charCodeAt(0) === 91 /* [ */ ? Number(ptr.slice(1, -1)) : undefined;
}

/** Discriminator candidates of a top-level array: string elements near either end, by index. */
export function arrayCandidatesOf(a: readonly unknown[]): Candidate[] {
  const out: Candidate[] = [];
  const n = Math.min(a.length, ARRAY_REACH);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (kindString(v)) out.push({ ptr: arrayIndexName(i), raw: v, value: templateTopic(v) });
  }
  for (let k = 1; k <= n; k++) {
    const v = a[a.length - k];
    if (kindString(v)) out.push({ ptr: arrayIndexName(-k), raw: v, value: templateTopic(v) });
  }
  return out;
}

/**
 * The discriminator value of a tuple message at `index` (templated like the analysis does), or undefined:
 * how replay kinds a live array message the way the analyzer kinded the captured ones.
 */
export function arrayDiscriminatorValue(value: unknown, index: number): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const v = elementAt(value, index);
  return kindString(v) ? templateTopic(v) : undefined;
}

/**
 * The kind of a tuple message among `kinds`: by the endpoint's array discriminator `main`, else by any
 * kind's own index; undefined when none applies (the caller falls back to the shape).
 */
export function matchArrayKind<K extends { name: string; discriminator?: { value: string; index?: number } }>(
  kinds: readonly K[],
  main: number | undefined,
  value: readonly unknown[],
): { kind?: K; name: string; pointer: string } | undefined {
  if (main !== undefined) {
    const v = arrayDiscriminatorValue(value, main);
    if (v !== undefined) {
      const kind = kinds.find((k) => k.discriminator?.index === main && k.discriminator.value === v);
      return kind
        ? { kind, name: kind.name, pointer: arrayIndexName(main) }
        : { name: v, pointer: arrayIndexName(main) };
    }
  }
  for (const k of kinds) {
    const index = k.discriminator?.index;
    if (
      index !== undefined &&
      index !== main &&
      arrayDiscriminatorValue(value, index) === k.discriminator?.value
    )
      return { kind: k, name: k.name, pointer: arrayIndexName(index) };
  }
  return undefined;
}

interface FieldStats {
  present: number;
  values: Map<string, number>;
  /** Set past 64 distinct values: too many for a kind field, and no longer counted. */
  overflow: boolean;
}

/** Candidate fields of one direction's JSON objects, with how often each was present and its values. */
export interface DirStats {
  /** JSON object messages that took part in discriminator choice. */
  objects: number;
  fields: Map<string, FieldStats>;
}

export function newDirStats(): DirStats {
  return { objects: 0, fields: new Map() };
}

/** Counts the candidates of one message. */
export function countCandidates(ds: DirStats, cands: Candidate[]): void {
  ds.objects++;
  for (const c of cands) {
    let fs = ds.fields.get(c.ptr);
    if (!fs) {
      if (ds.fields.size >= 64) continue;
      ds.fields.set(c.ptr, (fs = { present: 0, values: new Map(), overflow: false }));
    }
    fs.present++;
    if (!fs.overflow) {
      fs.values.set(c.value, (fs.values.get(c.value) ?? 0) + 1);
      if (fs.values.size > 64) {
        fs.overflow = true;
        fs.values.clear();
      }
    }
  }
}

export function mergeDirStats(dd: DirStats, sd: DirStats): void {
  dd.objects += sd.objects;
  for (const [ptr, fs] of sd.fields) {
    const mine = dd.fields.get(ptr);
    if (!mine) dd.fields.set(ptr, fs);
    else {
      mine.present += fs.present;
      if (fs.overflow) mine.overflow = true;
      if (!mine.overflow) for (const [v, n] of fs.values) mine.values.set(v, (mine.values.get(v) ?? 0) + n);
      if (mine.overflow || mine.values.size > 64) {
        mine.overflow = true;
        mine.values.clear();
      }
    }
  }
}

/** The discriminator of one direction: the most telling preferred field present in most messages. */
export function chooseDiscriminator(ds: DirStats): { ptr: string; presence: number } | undefined {
  if (ds.objects === 0) return undefined;
  let best: { ptr: string; presence: number; rank: number } | undefined;
  for (const [ptr, fs] of ds.fields) {
    const presence = fs.present / ds.objects;
    if (presence < 0.5 || fs.overflow) continue;
    const distinct = fs.values.size;
    // A field unique to nearly every message is an id, not a kind.
    if (fs.present >= 6 && distinct > Math.max(2, fs.present / 2)) continue;
    const name = ptr.slice(ptr.lastIndexOf('/') + 1);
    // Payload-level fields (`/data/e`) rank just after their top-level namesakes but before weaker names.
    const rank = PREFERRED.indexOf(name) + (ptr.indexOf('/', 1) > 0 ? 0.5 : 0) - presence;
    if (!best || rank < best.rank) best = { ptr, presence, rank };
  }
  return best ? { ptr: best.ptr, presence: best.presence } : undefined;
}

/** Values that address a stream rather than name a kind: a pair (`XBT/USD`), a topic (`room:lobby`), a template. */
const ADDRESS_LIKE = /[{/:@]/;

/**
 * The discriminator of one direction's top-level arrays: the index whose string is present in most
 * messages, not an id, preferring values that name (`ticker`, `book-10`) over values that address
 * (`XBT/USD`, `room:lobby`), then more distinct values (Phoenix: the event over a lone topic), then
 * presence, then indices from the start.
 */
export function chooseArrayDiscriminator(
  ds: DirStats,
): { ptr: string; presence: number; index: number } | undefined {
  if (ds.objects === 0) return undefined;
  let best: { ptr: string; presence: number; index: number; score: number[] } | undefined;
  for (const [ptr, fs] of ds.fields) {
    const presence = fs.present / ds.objects;
    if (presence < 0.5 || fs.overflow) continue;
    const distinct = fs.values.size;
    if (fs.present >= 6 && distinct > Math.max(2, fs.present / 2)) continue;
    let address = 0;
    for (const v of fs.values.keys()) if (ADDRESS_LIKE.test(v)) address++;
    const index = arrayIndexOf(ptr) ?? 0;
    // Lower is better, compared in order.
    const score = [address * 2 > distinct ? 1 : 0, -distinct, -presence, index < 0 ? 1 : 0, Math.abs(index)];
    if (!best || lexLess(score, best.score)) best = { ptr, presence, index, score };
  }
  return best ? { ptr: best.ptr, presence: best.presence, index: best.index } : undefined;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}
