/**
 * The discriminator of WebSocket JSON messages: the field that tells message kinds apart (`e`, `type`,
 * `op`, `method`, …, also one level down as in Binance `{stream, data: {e}}`), chosen per direction from
 * evidence: every message offers its candidate fields, and the most telling field present in most
 * messages wins, unless its values are so many that it is an id.
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
