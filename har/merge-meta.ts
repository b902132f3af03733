/**
 * The `_`-prefixed log extensions of merged HARs (`ledgertap har merge`): what capture wrote beside the
 * entries (`log._ledgertap`: consent, account, guide, redaction, the value relations the auth-flow
 * analyzer reads) and other producers' extensions must survive a merge, and say which input they came
 * from when the inputs disagree.
 *
 * - An extension every input has with the same value is kept as is (a single input's are all kept).
 * - `_ledgertap.relations` are concatenated, each relation's `entryIndex` moved to where its entry is in the
 *   merged log (a relation whose entry was not written loses its `entryIndex`, the relation itself stays;
 *   one whose entry was dropped as a copy names the entry it copies), the same relation kept once.
 * - Other `_ledgertap` keys and foreign extensions the inputs do not share (they differ, or some inputs
 *   lack them: a consent id is true of one capture's entries only) are left out of the top level and kept
 *   per input, with the input's file name, in `_ledgertap.merged.inputs[i]` (`ledgertap` for `_ledgertap`
 *   keys, `extensions` for the others).
 */
import { isDeepStrictEqual } from 'node:util';
import type { HarValueRelation } from './types.js';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One input of a merge: its name, its entry count and its final log (without entries). */
export interface MergeInputLog {
  file: string;
  entries: number;
  /** Of those, the entries dropped as exact copies of another input's. */
  duplicates?: number;
  log: Obj;
}

/** Per input, the merged-log position of each of its entries (by its index in the input's log.entries). */
export class EntryIndexMap {
  private positions = new Uint32Array(1024);
  private static readonly NONE = 0xffffffff;

  constructor() {
    this.positions.fill(EntryIndexMap.NONE);
  }

  /** Entry `index` of the input is entry `position` of the merged log. */
  set(index: number, position: number): void {
    if (index >= this.positions.length) {
      let size = this.positions.length;
      while (size <= index) size *= 2;
      const grown = new Uint32Array(size).fill(EntryIndexMap.NONE);
      grown.set(this.positions);
      this.positions = grown;
    }
    this.positions[index] = position;
  }

  /** Where entry `index` of the input went, or undefined when it was not written. */
  get(index: number): number | undefined {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.positions.length) return undefined;
    const p = this.positions[index]!;
    return p === EntryIndexMap.NONE ? undefined : p;
  }
}

function extensionsOf(log: Obj): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(log))
    if (key.startsWith('_') && value !== undefined) out.set(key, value);
  return out;
}

/** Keys not shared by every input with one value: they describe only some inputs' entries. */
function unshared(values: (Map<string, unknown> | undefined)[]): Set<string> {
  const first = new Map<string, unknown>();
  const out = new Set<string>();
  for (const map of values) for (const [key, value] of map ?? []) if (!first.has(key)) first.set(key, value);
  for (const [key, value] of first) {
    if (values.some((map) => !map?.has(key) || !isDeepStrictEqual(map.get(key), value))) out.add(key);
  }
  return out;
}

/** The relations of a `_ledgertap` value, each `entryIndex` moved to its entry's new place (dropped when it was not written). */
function movedRelations(meta: unknown, positions: EntryIndexMap | undefined): HarValueRelation[] {
  const list = isObject(meta) ? meta['relations'] : undefined;
  if (!Array.isArray(list)) return [];
  const out: HarValueRelation[] = [];
  for (const r of list as unknown[]) {
    if (!isObject(r)) continue;
    const relation = { ...r } as unknown as HarValueRelation;
    if (relation.entryIndex !== undefined) {
      const moved = positions?.get(relation.entryIndex);
      if (moved === undefined) delete relation.entryIndex;
      else relation.entryIndex = moved;
    }
    out.push(relation);
  }
  return out;
}

/** A `_ledgertap` value with its relations re-indexed for a log whose entries moved (`har filter`). */
export function withRelationsMoved(meta: unknown, positions: EntryIndexMap): unknown {
  if (!isObject(meta) || !Array.isArray(meta['relations'])) return meta;
  return { ...meta, relations: movedRelations(meta, positions) };
}

/**
 * The log extensions of the merged file, from each input's final log and where each input's entries went.
 * Returns an empty object when no input has any extension.
 */
export function mergeLogExtensions(
  inputs: readonly MergeInputLog[],
  positions: readonly EntryIndexMap[],
): Record<`_${string}`, unknown> {
  const foreign = inputs.map((input) => {
    const ext = extensionsOf(input.log);
    ext.delete('_ledgertap');
    return ext;
  });
  const ours = inputs.map((input) => {
    const meta = input.log['_ledgertap'];
    if (!isObject(meta)) return undefined;
    const keys = new Map(Object.entries(meta).filter(([, v]) => v !== undefined));
    keys.delete('relations');
    keys.delete('merged');
    return keys;
  });
  const foreignClash = unshared(foreign);
  const oursClash = unshared(ours);
  const out: Record<`_${string}`, unknown> = {};
  for (const ext of foreign)
    for (const [key, value] of ext)
      if (!foreignClash.has(key) && !(key in out)) out[key as `_${string}`] = value;

  const meta: Obj = {};
  for (const keys of ours)
    for (const [key, value] of keys ?? []) if (!oursClash.has(key) && !(key in meta)) meta[key] = value;
  // A relation two inputs both carry (a file merged with itself, whose copies were dropped, now names the
  // same entry twice) is kept once.
  const relations: HarValueRelation[] = [];
  const relationKeys = new Set<string>();
  inputs.forEach((input, i) => {
    for (const relation of movedRelations(input.log['_ledgertap'], positions[i])) {
      const key = JSON.stringify(relation);
      if (relationKeys.has(key)) continue;
      relationKeys.add(key);
      relations.push(relation);
    }
  });
  const anyOurs = ours.some((o) => o !== undefined);
  if (!anyOurs && foreignClash.size === 0) return out;
  if (relations.length > 0) meta['relations'] = relations;
  // Where the merged file came from; what the inputs disagreed on, per input.
  meta['merged'] = {
    inputs: inputs.map((input, i) => {
      const entry: Obj = { file: input.file, entries: input.entries };
      if (input.duplicates) entry['duplicatesDropped'] = input.duplicates;
      // An input that is itself a merge keeps its own provenance.
      const own0 = input.log['_ledgertap'];
      if (isObject(own0) && own0['merged'] !== undefined) entry['merged'] = own0['merged'];
      const own: Obj = {};
      for (const key of oursClash) if (ours[i]?.has(key)) own[key] = ours[i]!.get(key);
      if (Object.keys(own).length > 0) entry['ledgertap'] = own;
      const theirs: Obj = {};
      for (const key of foreignClash) if (foreign[i]!.has(key)) theirs[key] = foreign[i]!.get(key);
      if (Object.keys(theirs).length > 0) entry['extensions'] = theirs;
      return entry;
    }),
  };
  out['_ledgertap'] = meta;
  return out;
}
