/**
 * Endpoints: one operation per (origin, path template, method, RPC name), with its parameters (path,
 * query, header), request bodies per media type and responses per status and media type, each body's
 * JSON Schema merged over every sample. Classification and surface are attached here from classify.ts.
 */
import type { Analyzer, FinishInput, RouteRef } from './analyzer.js';
import { evidenceAt } from './analyzer.js';
import type { AnalyzeContext } from './context.js';
import type { Observation, ParsedBody } from './observe.js';
import { mergeParamMaps, observeParam, observeQuery, paramModels, type ParamStats } from './param-stats.js';
import { groupRoutes, idBinder } from './route-groups.js';
import { tenantOrigins, variablesOf } from './tenants.js';
import {
  hitDepthCap,
  mergeSchemaAcc,
  newSchemaAcc,
  observeValue,
  toJsonSchema,
  type SchemaAcc,
} from './schema-infer.js';
import { classifyOperation, surfaceOf } from './classify.js';
import { camelIdentifier, redactExample } from './shapes.js';
import { isWebSocketObservation } from './websocket-frames.js';
import type {
  BodyModel,
  Evidence,
  OperationModel,
  ParameterModel,
  ResponseModel,
  RpcModel,
} from './types.js';

/** Request headers every client sends: not parameters of the API. */
const STANDARD_REQUEST_HEADERS = new Set(
  (
    'accept accept-encoding accept-language cache-control connection content-length content-type cookie host ' +
    'origin pragma referer user-agent sec-ch-ua sec-ch-ua-mobile sec-ch-ua-platform sec-fetch-dest sec-fetch-mode ' +
    'sec-fetch-site sec-fetch-user sec-gpc upgrade-insecure-requests dnt te priority if-none-match if-modified-since ' +
    ':authority :method :path :scheme x-requested-with purpose x-forwarded-for x-forwarded-proto via ' +
    'sec-ch-ua-arch sec-ch-ua-bitness sec-ch-ua-full-version sec-ch-ua-full-version-list sec-ch-ua-model ' +
    'sec-ch-ua-platform-version sec-ch-ua-wow64 sec-websocket-key sec-websocket-version sec-websocket-extensions upgrade'
  ).split(' '),
);
const STANDARD_RESPONSE_HEADERS =
  /^(date|server|content-|connection|keep-alive|vary|etag|last-modified|cache-control|expires|pragma|age|accept-ranges|access-control-|strict-transport|x-content-type|x-frame|x-xss|referrer-policy|permissions-policy|cross-origin-|alt-svc|transfer-encoding|set-cookie|report-to|nel|cf-|x-cache|x-amz-cf|via|timing-allow|server-timing|expect-ct|x-served-by|x-timer|location)/;

interface OpState {
  method: string;
  origin: string;
  node: number;
  rpc?: RpcModel;
  samples: number;
  reservoir: Evidence[];
  steps: Map<string, number>;
  query: Map<string, ParamStats>;
  /** Matrix parameters by name (`;jsessionid=`, `;color=`), and the segment each was first seen on. */
  matrix: Map<string, ParamStats>;
  matrixSegments: Map<string, number>;
  headers: Map<string, ParamStats>;
  requestBodies: Map<string, { acc: SchemaAcc; samples: number }>;
  responses: Map<
    number,
    {
      samples: number;
      bodies: Map<string, { acc: SchemaAcc; samples: number }>;
      headers: Map<string, number>;
    }
  >;
  hasRequestBody: boolean;
}

function coerce(value: string): unknown {
  if (/^-?\d{1,15}$/.test(value)) return Number(value);
  if (/^-?\d+\.\d+$/.test(value) && value.length <= 17) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** The schema-relevant value of a parsed body. */
function bodyValue(body: ParsedBody): { value: unknown } | undefined {
  switch (body.kind) {
    case 'json':
      return { value: body.value };
    case 'form':
      return { value: Object.fromEntries(body.fields.map(([k, v]) => [k, coerce(v)])) };
    case 'multipart':
      return {
        value: {
          ...Object.fromEntries(body.fields.map(([k, v]) => [k, coerce(v)])),
          ...Object.fromEntries(body.files.map((f) => [f, '(binary)'])),
        },
      };
    default:
      return undefined;
  }
}

function bodyModels(map: Map<string, { acc: SchemaAcc; samples: number }>): BodyModel[] {
  return [...map]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([mediaType, b]) => ({
      mediaType,
      schema: b.acc.count > 0 ? toJsonSchema(b.acc) : {},
      samples: b.samples,
    }));
}

/**
 * Matrix parameters as path parameters of style `matrix`, with the template segment they sit on; required
 * only when every sample carried them (a servlet rewrites URLs with `;jsessionid=` only until it sees the
 * cookie come back).
 */
function matrixModels(
  map: Map<string, ParamStats>,
  segments: Map<string, number>,
  samples: number,
): ParameterModel[] {
  return paramModels(map, 'query', samples).map((p) => {
    const segment = segments.get(p.name);
    return { ...p, in: 'path', style: 'matrix', ...(segment !== undefined ? { segment } : {}) };
  });
}

/** A date literal where a version stands (`/api/2023-10-01/items`, `/v2024-01-15/x`). */
const DATED_VERSION = /^v?\d{4}-\d{2}-\d{2}$/i;

/** A dotted version segment (`v1.2`, `1.0`, `v2.1.3`). */
const DOTTED_VERSION = /^v?\d+(\.\d+){1,2}$/i;

/** `get_users_userId`, `post_graphql_GetViewer`, `get_api_2023_10_01_items`, `get_api_v1_2_items`. */
export function operationIdOf(method: string, template: string, rpc?: RpcModel): string {
  const path = template
    .split('/')
    .filter(Boolean)
    .map((s) => {
      // A key predicate (`Products({productId})`): the set, then its keys' names.
      const keyed = /^([^(){}]+)\((.*)\)$/.exec(s);
      if (keyed?.[1] && keyed[2]?.includes('{'))
        return [keyed[1], ...[...keyed[2].matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '')]
          .map((x) => camelIdentifier(x))
          .join('_');
      // A dated version keeps its spelling, as `v1` does, its date readable: `2023_10_01`, `v2024_01_15`.
      if (DATED_VERSION.test(s)) return s.toLowerCase().replace(/-/g, '_');
      // A dotted version keeps its parts apart, as a dated one does: `v1.2` → `v1_2`, `1.0` → `1_0`
      // (not `v12`, `p10`).
      if (DOTTED_VERSION.test(s)) return s.toLowerCase().replace(/\./g, '_');
      return camelIdentifier(s.replace(/[{}]/g, '')) || 'x';
    })
    .join('_');
  const base = `${method.toLowerCase()}_${path || 'root'}`;
  return rpc ? `${base}_${camelIdentifier(rpc.name.replace(/^batch:/, 'batch ')) || 'rpc'}` : base;
}

function mergeBodies(
  dst: Map<string, { acc: SchemaAcc; samples: number }>,
  src: Map<string, { acc: SchemaAcc; samples: number }>,
  ctx: AnalyzeContext,
): void {
  for (const [k, b] of src) {
    const mine = dst.get(k);
    if (!mine) dst.set(k, b);
    else {
      mine.samples += b.samples;
      mergeSchemaAcc(mine.acc, b.acc, ctx);
    }
  }
}

/** Merges the state of a route key that templating made one with another into the first. */
function mergeOpState(d: OpState, s: OpState, ctx: AnalyzeContext): void {
  for (const e of s.reservoir) if (d.reservoir.length < ctx.samplesPerOperation) d.reservoir.push(e);
  d.samples += s.samples;
  d.hasRequestBody ||= s.hasRequestBody;
  for (const [st, n] of s.steps) d.steps.set(st, (d.steps.get(st) ?? 0) + n);
  mergeParamMaps(d.query, s.query, ctx);
  mergeParamMaps(d.matrix, s.matrix, ctx);
  for (const [name, segment] of s.matrixSegments)
    if (!d.matrixSegments.has(name)) d.matrixSegments.set(name, segment);
  mergeParamMaps(d.headers, s.headers, ctx);
  mergeBodies(d.requestBodies, s.requestBodies, ctx);
  for (const [status, rr] of s.responses) {
    const mine = d.responses.get(status);
    if (!mine) d.responses.set(status, rr);
    else {
      mine.samples += rr.samples;
      for (const [h, c] of rr.headers) mine.headers.set(h, (mine.headers.get(h) ?? 0) + c);
      mergeBodies(mine.bodies, rr.bodies, ctx);
    }
  }
}

export const endpointsAnalyzer: Analyzer = {
  name: 'endpoints',
  description: 'operations, path templates, parameters and body schemas merged over all samples',
  create(ctx) {
    const ops = new Map<string, OpState>();
    const seen = { n: 0 };
    const reservoirAdd = (s: OpState, e: Evidence): void => {
      // Algorithm R: every sample has the same chance to be kept.
      if (s.reservoir.length < ctx.samplesPerOperation) s.reservoir.push(e);
      else {
        const j = Math.floor(ctx.random() * s.samples);
        if (j < ctx.samplesPerOperation) s.reservoir[j] = e;
      }
    };
    return {
      observe(obs: Observation, route: RouteRef | undefined) {
        // A WebSocket upgrade is a WebSocket endpoint (websocket.ts), not an HTTP operation.
        if (!route || isWebSocketObservation(obs)) return;
        seen.n++;
        let s = ops.get(route.key);
        if (!s) {
          s = {
            method: obs.method,
            origin: obs.origin,
            node: route.node,
            samples: 0,
            reservoir: [],
            steps: new Map(),
            query: new Map(),
            matrix: new Map(),
            matrixSegments: new Map(),
            headers: new Map(),
            requestBodies: new Map(),
            responses: new Map(),
            hasRequestBody: false,
          };
          if (obs.rpc) s.rpc = obs.rpc;
          ops.set(route.key, s);
        }
        s.samples++;
        reservoirAdd(s, evidenceAt(obs, ''));
        if (obs.step && (s.steps.size < 20 || s.steps.has(obs.step)))
          s.steps.set(obs.step, (s.steps.get(obs.step) ?? 0) + 1);
        observeQuery(s.query, obs.query, ctx, 200, coerce);
        if (obs.matrix) {
          observeQuery(
            s.matrix,
            obs.matrix.map((m) => [m.name, m.value]),
            ctx,
            50,
            coerce,
          );
          for (const m of obs.matrix)
            if (m.segment >= 0 && s.matrix.has(m.name) && !s.matrixSegments.has(m.name))
              s.matrixSegments.set(m.name, m.segment);
        }
        for (const [k, v] of obs.requestHeaders) {
          if (STANDARD_REQUEST_HEADERS.has(k) || k.startsWith(':')) continue;
          observeParam(s.headers, k, v, ctx, 200, coerce);
        }
        const rb = bodyValue(obs.requestBody);
        if (rb) {
          s.hasRequestBody = true;
          const mt = obs.requestMediaType || 'application/octet-stream';
          let b = s.requestBodies.get(mt);
          if (!b) s.requestBodies.set(mt, (b = { acc: newSchemaAcc(), samples: 0 }));
          b.samples++;
          observeValue(b.acc, rb.value, ctx);
        } else if (obs.requestBody.kind !== 'none') s.hasRequestBody = true;
        let r = s.responses.get(obs.status);
        if (!r) {
          if (s.responses.size >= 50) return;
          s.responses.set(obs.status, (r = { samples: 0, bodies: new Map(), headers: new Map() }));
        }
        r.samples++;
        for (const h of obs.responseHeaders) {
          const k = h.name.toLowerCase();
          if (STANDARD_RESPONSE_HEADERS.test(k) || (r.headers.size >= 50 && !r.headers.has(k))) continue;
          r.headers.set(k, (r.headers.get(k) ?? 0) + 1);
        }
        const body = obs.responseBody;
        const mt = obs.responseMediaType || 'application/octet-stream';
        if (body.kind !== 'none') {
          let b = r.bodies.get(mt);
          if (!b) {
            if (r.bodies.size >= 10) return;
            r.bodies.set(mt, (b = { acc: newSchemaAcc(), samples: 0 }));
          }
          b.samples++;
          const v = bodyValue(body);
          if (v) observeValue(b.acc, v.value, ctx);
        }
      },
      finish(input: FinishInput) {
        // Hosts of one multi-tenant API (`a.us.auth0.com`, `b.us.auth0.com`) become one templated origin.
        const perOrigin = new Map<string, Set<string>>();
        for (const s of ops.values()) {
          const set = perOrigin.get(s.origin) ?? new Set<string>();
          set.add(`${s.method} ${input.resolvePath(s.node).template}`);
          perOrigin.set(s.origin, set);
        }
        const tenants = tenantOrigins(perOrigin);
        const originOf = (origin: string): string => tenants.get(origin)?.origin ?? origin;
        // Keys that templating merged (`/users/alice`, `/users/bob` → `/users/{user}`) become one operation.
        const merged = groupRoutes(
          ops,
          input,
          (s, resolved) =>
            `${originOf(s.origin)} ${s.method} ${resolved.template} ${s.rpc ? `${s.rpc.kind}:${s.rpc.name}` : ''}`,
          (d, s) => mergeOpState(d, s, ctx),
        );
        const bindId = idBinder(input);
        const operations: OperationModel[] = [];
        const sorted = merged.sort((a, b) =>
          a.template.template === b.template.template
            ? a.state.method.localeCompare(b.state.method) ||
              originOf(a.state.origin).localeCompare(originOf(b.state.origin))
            : a.template.template.localeCompare(b.template.template),
        );
        for (const { state: s, keys, template } of sorted) {
          const id = bindId(operationIdOf(s.method, template.template, s.rpc), keys);
          const pathParams: ParameterModel[] = template.params.map((p) => ({
            name: p.name,
            in: 'path',
            required: true,
            schema:
              p.class === 'int'
                ? { type: 'integer' }
                : p.class === 'uuid'
                  ? { type: 'string', format: 'uuid' }
                  : p.class === 'date'
                    ? { type: 'string', format: 'date' }
                    : { type: 'string' },
            seen: s.samples,
            presence: 1,
            examples: p.values.slice(0, 3).map((v) => redactExample(v)),
            reason: p.reason,
            confidence: p.confidence,
          }));
          const responses: ResponseModel[] = [...s.responses]
            .sort((a, b) => a[0] - b[0])
            .map(([status, r]) => ({
              status,
              samples: r.samples,
              bodies: bodyModels(r.bodies),
              headers: [...r.headers]
                .filter(([, c]) => c >= r.samples)
                .map(([h]) => h)
                .sort(),
            }));
          const steps = [...s.steps].sort((a, b) => b[1] - a[1]).map(([st]) => st);
          const originVariables = variablesOf(keys.map((k) => tenants.get(ops.get(k)?.origin ?? '')));
          const op: OperationModel = {
            id,
            method: s.method,
            origin: originOf(s.origin),
            ...(originVariables ? { originVariables } : {}),
            pathTemplate: template.template,
            samples: s.samples,
            confidence: template.confidence,
            parameters: [
              ...pathParams,
              ...matrixModels(s.matrix, s.matrixSegments, s.samples),
              ...paramModels(s.query, 'query', s.samples),
              ...paramModels(s.headers, 'header', s.samples),
            ],
            requestBodies: bodyModels(s.requestBodies),
            responses,
            classification: classifyOperation({
              method: s.method,
              pathTemplate: template.template,
              ...(s.rpc ? { rpc: s.rpc } : {}),
              hasRequestBody: s.hasRequestBody,
            }),
            surface: surfaceOf(template.template, steps),
            steps,
            credentials: [],
            evidence: [...s.reservoir].sort((a, b) => a.capture - b.capture || a.entry - b.entry),
          };
          if (s.rpc) op.rpc = s.rpc;
          operations.push(op);
          const deep = [
            ...s.requestBodies.values(),
            ...[...s.responses.values()].flatMap((r) => [...r.bodies.values()]),
          ].some((b) => hitDepthCap(b.acc));
          if (deep) {
            input.warn({
              code: 'body.depth_cap',
              message: `${id}: a body nests deeper than ${ctx.maxDepth} levels; its schema is open below that depth.`,
              evidence: op.evidence.slice(0, 1),
            });
          }
        }
        input.operations.push(...operations);
        const findings = operations
          .filter((o) => o.pathTemplate.includes('{'))
          .map((o) => ({
            kind: 'endpoint.template',
            summary: `${o.method} ${o.pathTemplate} on ${o.origin} is one operation over ${o.samples} request(s): ${o.parameters
              .filter((p) => p.in === 'path' && p.style !== 'matrix')
              .map((p) => `{${p.name}} (${p.reason})`)
              .join(', ')}.`,
            evidence: o.evidence.slice(0, 3).map((e) => ({ ...e, pointer: '/request/url' })),
            confidence: o.confidence,
            operationId: o.id,
          }));
        const rpcFindings = operations
          .filter((o) => o.rpc)
          .map((o) => ({
            kind: 'endpoint.rpc',
            summary: `${o.method} ${o.pathTemplate} carries the ${o.rpc?.kind} operation ${o.rpc?.name}, kept as its own operation.`,
            evidence: o.evidence.slice(0, 3).map((e) => ({ ...e, pointer: '/request/postData/text' })),
            confidence: 0.9,
            operationId: o.id,
          }));
        return { operations: [], findings: [...findings, ...rpcFindings] };
      },
    };
  },
};
