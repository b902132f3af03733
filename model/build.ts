/**
 * From analyzer output to a ProtocolModel, and several models into one (captures analyzed apart, or a
 * model extended with a new capture): evidence is renumbered, operations with the same origin, method,
 * template and RPC name merge, their schemas merged structurally.
 */
import type { AnalysisResult } from '../analyzers/index.js';
import type {
  ProtocolBody,
  ProtocolCapture,
  ProtocolCredential,
  ProtocolEvidence,
  ProtocolModel,
  ProtocolOperation,
  ProtocolResponse,
} from './types.js';
import { setOwn } from '../core/index.js';
import { buildWebSockets, mergeWebSockets, shiftWebSocket } from './websocket.js';

export const MODEL_FORMAT_VERSION = 1 as const;

export interface BuildModelOptions {
  /** The captures analyzed, in the order given to the session (evidence `capture` indexes them). */
  captures: ProtocolCapture[];
  /** Generator name and version recorded in the model. Default `ledgertap` and `0.0.0`. */
  generator?: { name: string; version: string };
}

export function buildProtocolModel(result: AnalysisResult, options: BuildModelOptions): ProtocolModel {
  const websockets = buildWebSockets(result);
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    generator: options.generator ?? { name: 'ledgertap', version: '0.0.0' },
    captures: options.captures,
    operations: result.operations as ProtocolOperation[],
    auth: result.auth as ProtocolModel['auth'],
    pagination: result.pagination as ProtocolModel['pagination'],
    noise: result.noise as ProtocolModel['noise'],
    findings: result.findings as ProtocolModel['findings'],
    warnings: result.warnings as ProtocolModel['warnings'],
    ...(websockets ? { websockets } : {}),
    stats: { ...result.stats },
  };
}

type Json = { [key: string]: unknown };

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typesOf(s: Json): string[] {
  return Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
}

/** Merges two JSON Schemas of the same value: union of what either accepts (properties, types, enums). */
export function mergeJsonSchemas(a: Json, b: Json): Json {
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  if (Object.keys(a).length === 0 || Object.keys(b).length === 0) return {};
  const ta = typesOf(a);
  const tb = typesOf(b);
  const nullable = ta.includes('null') || tb.includes('null');
  const ka = ta.filter((t) => t !== 'null');
  const kb = tb.filter((t) => t !== 'null');
  if (ka.length === 1 && kb.length === 1 && !a.anyOf && !b.anyOf) {
    const [x] = ka;
    const [y] = kb;
    if (x === y || (x === 'integer' && y === 'number') || (x === 'number' && y === 'integer')) {
      const kind = x === y ? (x as string) : 'number';
      const out: Json = { type: nullable ? [kind, 'null'] : kind };
      if (a.format && a.format === b.format) out.format = a.format;
      if (Array.isArray(a.enum) && Array.isArray(b.enum)) {
        const e = [...new Set([...(a.enum as unknown[]), ...(b.enum as unknown[])])];
        if (e.length <= 12) out.enum = e;
      }
      if (kind === 'object') {
        if (isObj(a.additionalProperties) || isObj(b.additionalProperties)) {
          const pa = isObj(a.additionalProperties) ? a.additionalProperties : {};
          const pb = isObj(b.additionalProperties) ? b.additionalProperties : {};
          out.additionalProperties = mergeJsonSchemas(pa, pb);
        } else {
          const props: Json = {};
          const pa = isObj(a.properties) ? a.properties : {};
          const pb = isObj(b.properties) ? b.properties : {};
          for (const k of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) {
            const x1 = pa[k];
            const y1 = pb[k];
            setOwn(props, k, isObj(x1) && isObj(y1) ? mergeJsonSchemas(x1, y1) : (x1 ?? y1));
          }
          out.properties = props;
          const ra = Array.isArray(a.required) ? (a.required as string[]) : [];
          const rb = new Set(Array.isArray(b.required) ? (b.required as string[]) : []);
          const req = ra.filter((k) => rb.has(k));
          if (req.length > 0) out.required = req;
        }
      }
      if (kind === 'array') Object.assign(out, mergeArraySchemas(a, b));
      return out;
    }
  }
  const variants: Json[] = [];
  for (const s of [a, b]) {
    if (Array.isArray(s.anyOf)) variants.push(...(s.anyOf as Json[]));
    else variants.push(s);
  }
  const seen = new Set<string>();
  return {
    anyOf: variants.filter((v) =>
      seen.has(JSON.stringify(v)) ? false : (seen.add(JSON.stringify(v)), true),
    ),
  };
}

/** Position schemas of a tuple (`prefixItems`), or undefined for a list. */
function tuplePositions(s: Json): Json[] | undefined {
  return Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]).filter(isObj) : undefined;
}

/**
 * Two captures' array schemas: tuples stay tuples position by position (the shorter capture's missing
 * positions are optional); a tuple beside a list becomes a list of everything either saw.
 */
function mergeArraySchemas(a: Json, b: Json): Json {
  const pa = tuplePositions(a);
  const pb = tuplePositions(b);
  if (pa && pb) {
    const positions = Array.from({ length: Math.max(pa.length, pb.length) }, (_, i) => {
      const x = pa[i];
      const y = pb[i];
      return x && y ? mergeJsonSchemas(x, y) : ((x ?? y) as Json);
    });
    const min = Math.min(Number(a.minItems ?? 0), Number(b.minItems ?? 0));
    return { prefixItems: positions, minItems: min, 'x-tuple': true };
  }
  const parts = [a.items, b.items, ...(pa ?? []), ...(pb ?? [])].filter(isObj);
  if (parts.length === 0) return {};
  return { items: parts.slice(1).reduce((m, x) => mergeJsonSchemas(m, x), parts[0] as Json) };
}

function shiftEvidence<T extends { evidence?: ProtocolEvidence[] }>(x: T, offset: number): T {
  if (!x.evidence || offset === 0) return x;
  return { ...x, evidence: x.evidence.map((e) => ({ ...e, capture: e.capture + offset })) };
}

function mergeBodies(a: ProtocolBody[], b: ProtocolBody[]): ProtocolBody[] {
  const out = new Map(a.map((x) => [x.mediaType, { ...x }]));
  for (const x of b) {
    const mine = out.get(x.mediaType);
    if (!mine) out.set(x.mediaType, { ...x });
    else
      out.set(x.mediaType, {
        mediaType: x.mediaType,
        samples: mine.samples + x.samples,
        schema: mergeJsonSchemas(mine.schema, x.schema),
      });
  }
  return [...out.values()].sort((p, q) => p.mediaType.localeCompare(q.mediaType));
}

function opKey(o: ProtocolOperation): string {
  return `${o.origin} ${o.method} ${o.pathTemplate} ${o.rpc ? `${o.rpc.kind}:${o.rpc.name}` : ''}`;
}

/** A parameter's identity within an operation: a matrix `;id=` is not the templated `{id}`. */
function paramKey(p: ProtocolOperation['parameters'][number]): string {
  return `${p.in}:${p.style ?? ''}:${p.name}`;
}

function mergeOperation(a: ProtocolOperation, b: ProtocolOperation): ProtocolOperation {
  const samples = a.samples + b.samples;
  const params = new Map(a.parameters.map((p) => [paramKey(p), { ...p }]));
  for (const p of b.parameters) {
    const k = paramKey(p);
    const mine = params.get(k);
    if (!mine)
      params.set(k, { ...p, required: false, presence: Math.round((p.seen / samples) * 1000) / 1000 });
    else {
      const seen = mine.seen + p.seen;
      params.set(k, {
        ...mine,
        seen,
        presence: Math.round((seen / samples) * 1000) / 1000,
        required: mine.required && p.required,
        schema: mergeJsonSchemas(mine.schema, p.schema),
        examples: [...new Set([...mine.examples, ...p.examples])].slice(0, 3),
      });
    }
  }
  // A templated path parameter is in every request of its template; a matrix parameter need not be.
  for (const [k, p] of params)
    if (!b.parameters.some((q) => paramKey(q) === k) && (p.in !== 'path' || p.style === 'matrix'))
      params.set(k, { ...p, required: false, presence: Math.round((p.seen / samples) * 1000) / 1000 });
  const responses = new Map<number, ProtocolResponse>(a.responses.map((r) => [r.status, { ...r }]));
  for (const r of b.responses) {
    const mine = responses.get(r.status);
    if (!mine) responses.set(r.status, r);
    else
      responses.set(r.status, {
        status: r.status,
        samples: mine.samples + r.samples,
        bodies: mergeBodies(mine.bodies, r.bodies),
        headers: mine.headers.filter((h) => r.headers.includes(h)),
      });
  }
  const variables = mergeOriginVariables(a.originVariables, b.originVariables);
  return {
    ...a,
    ...(variables ? { originVariables: variables } : {}),
    samples,
    confidence: Math.min(a.confidence, b.confidence),
    parameters: [...params.values()],
    requestBodies: mergeBodies(a.requestBodies, b.requestBodies),
    responses: [...responses.values()].sort((x, y) => x.status - y.status),
    steps: [...new Set([...a.steps, ...b.steps])],
    credentials: [...new Set([...a.credentials, ...b.credentials])].sort(),
    evidence: [...a.evidence, ...b.evidence].slice(0, Math.max(a.evidence.length, 8)),
    classification:
      a.classification.effect === 'write' || b.classification.effect === 'read'
        ? a.classification
        : b.classification,
  };
}

function mergeOriginVariables(
  a: Record<string, string[] | undefined> | undefined,
  b: Record<string, string[] | undefined> | undefined,
): Record<string, string[]> | undefined {
  if (!a && !b) return undefined;
  const out: Record<string, string[]> = {};
  for (const [name, values] of [...Object.entries(a ?? {}), ...Object.entries(b ?? {})])
    out[name] = [...new Set([...(out[name] ?? []), ...(values ?? [])])].sort();
  return out;
}

function mergeCredential(a: ProtocolCredential, b: ProtocolCredential): ProtocolCredential {
  const out: ProtocolCredential = {
    ...a,
    uses: a.uses + b.uses,
    distinctValues: a.distinctValues + b.distinctValues,
    redacted: a.redacted || b.redacted,
    issuedBy: [...a.issuedBy, ...b.issuedBy].slice(0, 5),
    consumers: [...new Set([...a.consumers, ...b.consumers])].sort(),
    rotatedBy: [...new Set([...a.rotatedBy, ...b.rotatedBy])].sort(),
    evidence: [...a.evidence, ...b.evidence].slice(0, 3),
    confidence: Math.max(a.confidence, b.confidence),
    class:
      a.class === b.class
        ? a.class
        : a.class === 'unknown'
          ? b.class
          : b.class === 'unknown'
            ? a.class
            : a.class,
  };
  if (!out.lifetime && b.lifetime) out.lifetime = b.lifetime;
  if (!out.derivedFrom && b.derivedFrom) out.derivedFrom = b.derivedFrom;
  return out;
}

/**
 * Merges models inferred apart into one. Operation ids of later models that name the same operation are
 * mapped to the first model's id; ids that clash for different operations get a numeric suffix.
 */
export function mergeProtocolModels(models: ProtocolModel[]): ProtocolModel {
  if (models.length === 0) throw new RangeError('mergeProtocolModels: no models');
  const [first, ...rest] = models as [ProtocolModel, ...ProtocolModel[]];
  let out: ProtocolModel = structuredClone(first);
  for (const m of rest) {
    const offset = out.captures.length;
    const byKey = new Map(out.operations.map((o) => [opKey(o), o]));
    const ids = new Set(out.operations.map((o) => o.id));
    const rename = new Map<string, string>();
    for (const o0 of m.operations) {
      const o = shiftEvidence(o0, offset);
      const mine = byKey.get(opKey(o));
      if (mine) {
        rename.set(o.id, mine.id);
        const merged = mergeOperation(mine, o);
        out.operations[out.operations.indexOf(mine)] = merged;
        byKey.set(opKey(o), merged);
      } else {
        let id = o.id;
        for (let i = 2; ids.has(id); i++) id = `${o.id}_${i}`;
        ids.add(id);
        rename.set(o.id, id);
        const added = { ...o, id };
        out.operations.push(added);
        byKey.set(opKey(o), added);
      }
    }
    const websockets = mergeWebSockets(
      out.websockets,
      m.websockets?.map((w) => shiftWebSocket(w, offset)),
      rename,
      new Set([...ids, ...(out.websockets ?? []).map((w) => w.id)]),
      mergeJsonSchemas,
    );
    const rn = (id: string): string => rename.get(id) ?? id;
    const creds = new Map(out.auth.credentials.map((c) => [c.id, c]));
    for (const c0 of m.auth.credentials) {
      const c = {
        ...shiftEvidence(c0, offset),
        consumers: c0.consumers.map(rn),
        rotatedBy: c0.rotatedBy.map(rn),
        issuedBy: c0.issuedBy.map((i) => ({
          ...shiftEvidence(i, offset),
          ...(i.operationId ? { operationId: rn(i.operationId) } : {}),
        })),
      };
      const mine = creds.get(c.id);
      creds.set(c.id, mine ? mergeCredential(mine, c) : c);
    }
    const calls = new Map(out.auth.calls.map((c) => [`${c.role}:${c.operationId}`, c]));
    for (const c of m.auth.calls) {
      const x = { ...shiftEvidence(c, offset), operationId: rn(c.operationId) };
      if (!calls.has(`${x.role}:${x.operationId}`)) calls.set(`${x.role}:${x.operationId}`, x);
    }
    const pag = new Map(out.pagination.map((p) => [`${p.operationId}|${p.style}`, p]));
    for (const p of m.pagination) {
      const x = { ...shiftEvidence(p, offset), operationId: rn(p.operationId) };
      const mine = pag.get(`${x.operationId}|${x.style}`);
      if (!mine || (!mine.observed && x.observed)) pag.set(`${x.operationId}|${x.style}`, x);
    }
    const noise = new Map(out.noise.map((n) => [`${n.origin} ${n.reason}`, { ...n }]));
    for (const n of m.noise) {
      const mine = noise.get(`${n.origin} ${n.reason}`);
      if (mine) mine.entries += n.entries;
      else noise.set(`${n.origin} ${n.reason}`, { ...n });
    }
    out = {
      ...out,
      captures: [...out.captures, ...m.captures],
      auth: {
        credentials: [...creds.values()].sort((a, b) => a.id.localeCompare(b.id)),
        calls: [...calls.values()],
        signing: [
          ...out.auth.signing,
          ...m.auth.signing.map((s) => ({
            ...shiftEvidence(s, offset),
            operationIds: s.operationIds.map(rn),
          })),
        ],
      },
      pagination: [...pag.values()],
      noise: [...noise.values()],
      findings: [
        ...out.findings,
        ...m.findings.map((f) => ({
          ...shiftEvidence(f, offset),
          ...(f.operationId ? { operationId: rn(f.operationId) } : {}),
        })),
      ],
      warnings: [...out.warnings, ...m.warnings.map((w) => shiftEvidence(w, offset))],
      ...(websockets ? { websockets } : {}),
      stats: {
        captures: out.stats.captures + m.stats.captures,
        entries: out.stats.entries + m.stats.entries,
        analyzedEntries: out.stats.analyzedEntries + m.stats.analyzedEntries,
        noiseEntries: out.stats.noiseEntries + m.stats.noiseEntries,
        bodyBytes: out.stats.bodyBytes + m.stats.bodyBytes,
      },
    };
  }
  return out;
}
