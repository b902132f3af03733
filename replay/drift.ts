/**
 * Re-validation: a live response body against the schema analysis inferred for it. Schemas are open
 * (objects accept unknown fields), so a plain validator would pass an added field silently; this walk
 * reports each change by name instead: a field added, a required field gone, a field renamed (one gone
 * and one added in the same object holding a value of the gone field's type), a type changed.
 */
import type { Drift } from './types.js';

type Schema = Record<string, unknown>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The JSON types a schema admits (`undefined` = anything). */
function admittedTypes(schema: Schema): Set<string> | undefined {
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const out = new Set<string>();
    for (const variant of (schema.anyOf ?? schema.oneOf) as Schema[]) {
      const t = admittedTypes(variant);
      if (!t) return undefined;
      t.forEach((x) => out.add(x));
    }
    return out;
  }
  if (schema.type === undefined) return schema.properties ? new Set(['object']) : undefined;
  const list = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  const out = new Set(list);
  if (out.has('number')) out.add('integer');
  return out;
}

/** The variant of an anyOf that fits the value's type, to keep walking into it. */
function pick(schema: Schema, value: unknown): Schema {
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (!variants) return schema;
  const t = jsonType(value);
  return variants.find((v) => admittedTypes(v)?.has(t)) ?? schema;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeTypes(types: Set<string>): string {
  return [...types].filter((t) => !(t === 'integer' && types.has('number'))).join(' or ');
}

/**
 * How likely an added field is the gone field under a new name: its value is one the gone field took
 * (enum, examples), it sits where the gone field sat, their names share a stem.
 */
function renameScore(
  gone: string,
  goneSchema: Schema,
  goneIndex: number,
  candidate: string,
  value: unknown,
  candidateIndex: number,
): number {
  let score = 0;
  const known = [
    ...((goneSchema.enum as unknown[] | undefined) ?? []),
    ...((goneSchema.examples as unknown[] | undefined) ?? []),
  ];
  if (known.some((x) => x === value)) score += 4;
  if (goneIndex >= 0 && goneIndex === candidateIndex) score += 2;
  const a = gone.toLowerCase();
  const b = candidate.toLowerCase();
  if (a.includes(b) || b.includes(a) || (a.length > 3 && b.length > 3 && a.slice(0, 4) === b.slice(0, 4)))
    score += 1;
  return score;
}

export interface DriftOptions {
  /** Array items checked per array (the rest are assumed alike). Default 50. */
  maxItems?: number;
  /** Most drifts reported per response. Default 100. */
  maxDrifts?: number;
}

/** Every difference between a value and the schema inferred for it. */
export function findDrift(value: unknown, schema: Schema, options: DriftOptions = {}): Drift[] {
  const drifts: Drift[] = [];
  const maxItems = options.maxItems ?? 50;
  const maxDrifts = options.maxDrifts ?? 100;
  const seen = new Set<string>();
  const push = (d: Drift): void => {
    const key = `${d.kind}|${d.pointer.replace(/\/\d+(?=\/|$)/g, '/*')}|${d.expected}|${d.actual}`;
    if (seen.has(key) || drifts.length >= maxDrifts) return;
    seen.add(key);
    drifts.push(d);
  };

  const walk = (v: unknown, s: Schema, pointer: string): void => {
    if (drifts.length >= maxDrifts) return;
    const types = admittedTypes(s);
    const actual = jsonType(v);
    if (types && !types.has(actual)) {
      push({
        kind: 'type_changed',
        pointer,
        expected: describeTypes(types),
        actual,
        summary: `${pointer || 'the body'} was ${describeTypes(types)} and is now ${actual}.`,
      });
      return;
    }
    const chosen = pick(s, v);
    if (isObject(v)) {
      const properties = (chosen.properties ?? undefined) as Record<string, Schema> | undefined;
      const map = chosen.additionalProperties;
      if (!properties) {
        if (isObject(map))
          for (const [k, child] of Object.entries(v).slice(0, maxItems))
            walk(child, map, `${pointer}/${escapePointer(k)}`);
        return;
      }
      const required = new Set((chosen.required as string[] | undefined) ?? []);
      const added = Object.keys(v).filter((k) => !(k in properties));
      const removed = [...required].filter((k) => !(k in v));
      const renamed = new Set<string>();
      const schemaKeys = Object.keys(properties);
      const actualKeys = Object.keys(v);
      for (const gone of removed) {
        const goneSchema = properties[gone] ?? {};
        const goneTypes = admittedTypes(goneSchema);
        const candidates = added.filter(
          (k) => !renamed.has(k) && (!goneTypes || goneTypes.has(jsonType(v[k]))),
        );
        const scored = candidates
          .map((k) => ({
            key: k,
            score: renameScore(gone, goneSchema, schemaKeys.indexOf(gone), k, v[k], actualKeys.indexOf(k)),
          }))
          .sort((a, b) => b.score - a.score);
        const best = scored[0];
        const unique = best && (scored.length === 1 || best.score > (scored[1]?.score ?? 0));
        if (best && unique && (scored.length === 1 || best.score >= 2)) {
          const to = best.key;
          renamed.add(to);
          renamed.add(`-${gone}`);
          push({
            kind: 'field_renamed',
            pointer: `${pointer}/${escapePointer(gone)}`,
            expected: gone,
            actual: to,
            summary: `${pointer}/${gone} is now named ${to}.`,
          });
          walk(v[to], goneSchema, `${pointer}/${escapePointer(to)}`);
        }
      }
      for (const gone of removed) {
        if (renamed.has(`-${gone}`)) continue;
        push({
          kind: 'field_removed',
          pointer: `${pointer}/${escapePointer(gone)}`,
          expected: gone,
          summary: `${pointer}/${gone}, present in every captured response, is missing.`,
        });
      }
      for (const k of added) {
        if (renamed.has(k)) continue;
        push({
          kind: 'field_added',
          pointer: `${pointer}/${escapePointer(k)}`,
          actual: jsonType(v[k]),
          summary: `${pointer}/${k} is new (${jsonType(v[k])}).`,
        });
      }
      for (const [k, child] of Object.entries(v)) {
        if (k in properties) walk(child, properties[k] as Schema, `${pointer}/${escapePointer(k)}`);
      }
      return;
    }
    if (Array.isArray(v)) {
      // A tuple checks each position against its own schema; items past them against `items`, if any.
      const positions = Array.isArray(chosen.prefixItems) ? (chosen.prefixItems as unknown[]) : [];
      const items = chosen.items;
      const minItems = typeof chosen.minItems === 'number' ? chosen.minItems : 0;
      for (let i = v.length; i < Math.min(minItems, positions.length); i++)
        push({
          kind: 'field_removed',
          pointer: `${pointer}/${i}`,
          expected: `position ${i}`,
          summary: `${pointer || 'the body'} had at least ${minItems} positions in every captured response and now has ${v.length}.`,
        });
      v.slice(0, maxItems).forEach((item, i) => {
        const own = i < positions.length ? positions[i] : items;
        if (isObject(own)) walk(item, own as Schema, `${pointer}/${i}`);
      });
    }
  };
  walk(value, schema, '');
  return drifts;
}
