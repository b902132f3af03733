/**
 * Query and header parameters as observed: how often each name was seen, its value schema and a few
 * redacted examples; merged when templating makes routes one; modelled as ParameterModel. Shared by the
 * HTTP endpoints and the WebSocket handshakes.
 */
import type { AnalyzeContext } from './context.js';
import { mergeSchemaAcc, newSchemaAcc, observeValue, toJsonSchema, type SchemaAcc } from './schema-infer.js';
import { isCredentialName, redactExample } from './shapes.js';
import type { ParameterModel } from './types.js';

export interface ParamStats {
  seen: number;
  acc: SchemaAcc;
  examples: string[];
  /**
   * The last value given an example: the same value again makes the same example, already kept, so
   * `redactExample` (a few regex tests) is skipped for a parameter that repeats (`limit=50` on every page).
   */
  lastExampleOf?: string;
}

/**
 * Counts one value of a parameter. `maxParams` bounds the names tracked; `coerce` turns the raw string
 * into the value the schema sees (callers differ in which strings they read as numbers).
 */
export function observeParam(
  map: Map<string, ParamStats>,
  name: string,
  value: string,
  ctx: AnalyzeContext,
  maxParams: number,
  coerce: (value: string) => unknown,
): void {
  let p = map.get(name);
  if (!p) {
    if (map.size >= maxParams) return;
    p = { seen: 0, acc: newSchemaAcc(), examples: [] };
    map.set(name, p);
  }
  p.seen++;
  observeValue(p.acc, coerce(value), ctx);
  if (p.examples.length < 3 && value !== p.lastExampleOf) {
    p.lastExampleOf = value;
    const ex = redactExample(value, name);
    if (!p.examples.includes(ex)) p.examples.push(ex);
  }
}

/** Counts a request's query parameters; a name repeated in one query counts once, by its first value. */
export function observeQuery(
  map: Map<string, ParamStats>,
  query: readonly [string, string][],
  ctx: AnalyzeContext,
  maxParams: number,
  coerce: (value: string) => unknown,
): void {
  const seen = new Set<string>();
  for (const [k, v] of query) {
    if (seen.has(k)) continue;
    seen.add(k);
    observeParam(map, k, v, ctx, maxParams, coerce);
  }
}

export function mergeParamMaps(
  dst: Map<string, ParamStats>,
  src: Map<string, ParamStats>,
  ctx: AnalyzeContext,
): void {
  for (const [k, p] of src) {
    const mine = dst.get(k);
    if (!mine) dst.set(k, p);
    else {
      mine.seen += p.seen;
      mergeSchemaAcc(mine.acc, p.acc, ctx);
      for (const e of p.examples)
        if (mine.examples.length < 3 && !mine.examples.includes(e)) mine.examples.push(e);
    }
  }
}

/** The parameters by name; `samples` is how many requests (or connections) could have carried each. */
export function paramModels(
  map: Map<string, ParamStats>,
  where: 'query' | 'header',
  samples: number,
): ParameterModel[] {
  return [...map]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([name, p]) => {
      const m: ParameterModel = {
        name,
        in: where,
        required: p.seen >= samples,
        schema: toJsonSchema(p.acc, { name }),
        seen: p.seen,
        presence: Math.round((p.seen / samples) * 1000) / 1000,
        examples: p.examples,
      };
      if (isCredentialName(name)) m.credential = true;
      return m;
    });
}
