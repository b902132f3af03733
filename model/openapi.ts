/**
 * The OpenAPI 3.1 document of a ProtocolModel (https://spec.openapis.org/oas/v3.1.0): one path per
 * template, parameters with their schemas and redacted examples, request and response bodies per media
 * type and status, security schemes from the credential inventory, and `x-ledgertap-*` extensions for
 * what OpenAPI cannot say (confidence, replay safety, pagination, RPC operations over one URL, auth flow).
 * Validated with @seriousme/openapi-schema-validator before it is written.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Document as YamlDocument, parse as yamlParse, visit as visitYaml } from 'yaml';
import { AnalyzeError } from '../core/index.js';
import type { ProtocolCredential, ProtocolModel, ProtocolOperation } from './types.js';
import { openApiWebSockets } from './websocket.js';

type Json = { [key: string]: unknown };

export interface OpenApiOptions {
  /** info.title. Default `API inferred by ledgertap`. */
  title?: string;
  /** info.version. Default `0.0.0-inferred`. */
  version?: string;
}

function schemeOf(c: ProtocolCredential): { name: string; scheme: Json } | undefined {
  if (
    c.class === 'per-request' ||
    ['signature', 'timestamp', 'nonce', 'password', 'refresh-token'].includes(c.kind)
  )
    return undefined;
  // Body fields, path segments and matrix parameters, and WebSocket messages have no OpenAPI security scheme.
  if (
    c.location === 'body' ||
    c.location === 'path' ||
    c.location === 'path-matrix' ||
    c.location === 'message'
  )
    return undefined;
  if (c.location === 'authorization') {
    if (c.kind === 'basic') return { name: 'basicAuth', scheme: { type: 'http', scheme: 'basic' } };
    return {
      name: 'bearerAuth',
      scheme: {
        type: 'http',
        scheme: 'bearer',
        ...(c.kind === 'jwt' || c.kind === 'bearer'
          ? { bearerFormat: c.kind === 'jwt' ? 'JWT' : 'opaque or JWT' }
          : {}),
      },
    };
  }
  const where = c.location === 'cookie' ? 'cookie' : c.location === 'query' ? 'query' : 'header';
  const name = `${where}_${c.name}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const issuer = c.issuedBy[0];
  const description = `${c.kind}, ${c.class}${issuer ? `; issued by ${issuer.operationId ?? 'an earlier call'} via ${issuer.via}` : ''}${c.lifetime ? `; lives ${c.lifetime.seconds} s (${c.lifetime.source})` : ''}.`;
  return { name, scheme: { type: 'apiKey', in: where, name: c.name, description } };
}

type Parameter = ProtocolOperation['parameters'][number];

/**
 * Whether a matrix parameter goes into the OpenAPI path as `{name}` with `style: matrix`: OpenAPI path
 * parameters are always required, so only one every sample carried; never a credential (a session id in
 * the URL is described in `x-ledgertap-auth`, as cookies are by their scheme); and never a name a
 * templated segment already uses.
 */
function inPath(p: Parameter, op: ProtocolOperation): boolean {
  return (
    p.style === 'matrix' &&
    p.required &&
    !p.credential &&
    p.segment !== undefined &&
    p.segment < op.pathTemplate.split('/').length - 1 &&
    !op.parameters.some((q) => q !== p && q.in === 'path' && q.name === p.name)
  );
}

/**
 * Literal path text as it goes in a URL. The model keeps segments decoded (`/sp ace`, `/pct%x`,
 * `/lit{brace}`); OpenAPI appends the path key to the server URL and reads every `{…}` in it as a
 * parameter, so the literal text is percent-encoded again: all but unreserved characters and the
 * sub-delimiters, `:` and `@` a segment may hold as they are (RFC 3986 section 3.3), and an encoded `/`
 * (`%2F`) stays encoded. A `;` stays: a
 * segment keeps one when it was not read as a matrix parameter (`/bikes;a}b=1/list`), sent as it is.
 */
function literalPath(text: string): string {
  // `%2F` in a segment is the encoded `/` the analyzer keeps encoded (it would split the segment).
  return text
    .split('%2F')
    .map((part) =>
      encodeURIComponent(part).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (m) => decodeURIComponent(m)),
    )
    .join('%2F');
}

/**
 * The OpenAPI path of an operation: its template with the literal text encoded, its path parameters
 * (`{userId}`, `Products({productId})`) as they are, and required matrix parameters (`/cars{color}/list`).
 */
function openApiPath(op: ProtocolOperation): string {
  const names = new Set(
    op.parameters.filter((p) => p.in === 'path' && p.style !== 'matrix').map((p) => p.name),
  );
  const parts = op.pathTemplate.split('/').map((segment) =>
    segment
      .split(/(\{[^{}]*\})/)
      .map((piece) =>
        /^\{[^{}]*\}$/.test(piece) && names.has(piece.slice(1, -1)) ? piece : literalPath(piece),
      )
      .join(''),
  );
  for (const p of op.parameters.filter((q) => inPath(q, op)))
    parts[(p.segment as number) + 1] += `{${p.name}}`;
  return parts.join('/');
}

/** A body per media type; two of one media type (from two statuses under `default`) are `anyOf`. */
function bodyContent(bodies: ProtocolOperation['requestBodies']): Json {
  const content: Json = {};
  for (const b of bodies) {
    const prev = content[b.mediaType] as { schema: Json; 'x-ledgertap-samples': number } | undefined;
    content[b.mediaType] = prev
      ? {
          schema: { anyOf: [...((prev.schema.anyOf as Json[] | undefined) ?? [prev.schema]), b.schema] },
          'x-ledgertap-samples': prev['x-ledgertap-samples'] + b.samples,
        }
      : { schema: b.schema, 'x-ledgertap-samples': b.samples };
  }
  return content;
}

/** The key of a status in an OpenAPI Responses object: the code, or `default` when it is no HTTP status. */
function statusKey(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'default';
}

function operationObject(op: ProtocolOperation, model: ProtocolModel, schemes: Map<string, string>): Json {
  const out: Json = {
    operationId: op.id,
    summary: op.rpc ? `${op.rpc.kind} ${op.rpc.name}` : `${op.method} ${op.pathTemplate}`,
    tags: [op.surface],
  };
  // Matrix parameters OpenAPI cannot place in the path (optional ones, session ids) are listed beside.
  const matrixAside = op.parameters.filter((p) => p.style === 'matrix' && !inPath(p, op));
  const params = op.parameters
    .filter(
      (p) =>
        !matrixAside.includes(p) &&
        !(p.credential && p.in !== 'path') &&
        !(p.in === 'header' && /^(authorization|cookie)$/i.test(p.name)),
    )
    .map((p) => {
      const po: Json = {
        name: p.name,
        in: p.in,
        required: p.in === 'path' ? true : p.required,
        schema: p.schema,
      };
      if (p.style === 'matrix') po.style = 'matrix';
      if (p.examples[0] !== undefined) po.example = p.examples[0];
      po['x-ledgertap-presence'] = p.presence;
      if (p.reason) po.description = `Templated: ${p.reason} (confidence ${p.confidence ?? 1}).`;
      return po;
    });
  if (params.length > 0) out.parameters = params;
  if (matrixAside.length > 0)
    out['x-ledgertap-matrix-parameters'] = matrixAside.map((p) => ({
      name: p.name,
      segment: p.segment,
      required: p.required,
      schema: p.schema,
      ...(p.examples[0] !== undefined ? { example: p.examples[0] } : {}),
      'x-ledgertap-presence': p.presence,
      ...(p.credential ? { credential: true } : {}),
    }));
  if (op.requestBodies.length > 0) out.requestBody = { content: bodyContent(op.requestBodies) };
  const responses: Json = {};
  const other = op.responses.filter((r) => statusKey(r.status) === 'default');
  for (const r of op.responses) {
    const key = statusKey(r.status);
    const ro: Json = { description: `Seen ${r.samples} time(s).` };
    if (key === 'default' && other.length > 0) {
      // Every status OpenAPI has no key for (0 for an aborted or blocked request, 600…) is one `default`:
      // its description says which, its bodies and headers are those of all of them.
      if (responses.default) continue;
      ro.description = `Seen ${other.reduce((n, x) => n + x.samples, 0)} time(s) with status ${other.map((x) => x.status).join(', ')} (no HTTP status: aborted, blocked or out of range).`;
      const bodies = other.flatMap((x) => x.bodies);
      if (bodies.length > 0) ro.content = bodyContent(bodies);
      const headers = [...new Set(other.flatMap((x) => x.headers))];
      if (headers.length > 0)
        ro.headers = Object.fromEntries(headers.map((h) => [h, { schema: { type: 'string' } }]));
      responses.default = ro;
      continue;
    }
    if (r.bodies.length > 0) ro.content = bodyContent(r.bodies);
    if (r.headers.length > 0)
      ro.headers = Object.fromEntries(r.headers.map((h) => [h, { schema: { type: 'string' } }]));
    responses[key] = ro;
  }
  if (Object.keys(responses).length === 0) responses.default = { description: 'No response was captured.' };
  out.responses = responses;
  const req: Json = {};
  for (const id of op.credentials) {
    const s = schemes.get(id);
    if (s) req[s] = [];
  }
  if (Object.keys(req).length > 0) out.security = [req];
  out['x-ledgertap-confidence'] = op.confidence;
  out['x-ledgertap-effect'] = op.classification.effect;
  out['x-ledgertap-unsafe-to-replay'] = op.classification.unsafeToReplay;
  out['x-ledgertap-samples'] = op.samples;
  const pag = model.pagination.filter((p) => p.operationId === op.id);
  if (pag.length > 0) out['x-ledgertap-pagination'] = pag.map(({ evidence: _e, operationId: _o, ...p }) => p);
  const roles = model.auth.calls.filter((c) => c.operationId === op.id).map((c) => c.role);
  if (roles.length > 0) out['x-ledgertap-auth-role'] = roles;
  if (op.rpc) out['x-ledgertap-rpc'] = op.rpc;
  return out;
}

/**
 * Combines RPC operations sharing one URL and method into one OpenAPI operation (one per method is the
 * rule). Its operationId is made from the method and path, and made unique against `ids` (every model
 * operation's id and the combined ones before it): the same GraphQL URL on two origins, or `/rpc-v1` and
 * `/rpc_v1`, would otherwise give two operations one id, which OpenAPI forbids.
 */
function combine(
  ops: ProtocolOperation[],
  model: ProtocolModel,
  schemes: Map<string, string>,
  ids: Set<string>,
): Json {
  if (ops.length === 1) return operationObject(ops[0] as ProtocolOperation, model, schemes);
  const parts = ops.map((o) => operationObject(o, model, schemes));
  const first = parts[0] as Json;
  const content: Json = {};
  for (const o of ops)
    for (const b of o.requestBodies) {
      const prev = content[b.mediaType] as { schema: { anyOf: Json[] } } | undefined;
      if (prev) prev.schema.anyOf.push({ ...b.schema, title: o.rpc?.name ?? o.id });
      else content[b.mediaType] = { schema: { anyOf: [{ ...b.schema, title: o.rpc?.name ?? o.id }] } };
    }
  const responses: Json = {};
  for (const o of ops)
    for (const r of o.responses) {
      const key = statusKey(r.status);
      const ro = (responses[key] ??= {
        description: 'Per RPC operation: see x-ledgertap-rpc-operations.',
        content: {},
      }) as { content: Json };
      for (const b of r.bodies) {
        const prev = ro.content[b.mediaType] as { schema: { anyOf: Json[] } } | undefined;
        if (prev) prev.schema.anyOf.push({ ...b.schema, title: o.rpc?.name ?? o.id });
        else ro.content[b.mediaType] = { schema: { anyOf: [{ ...b.schema, title: o.rpc?.name ?? o.id }] } };
      }
    }
  for (const r of Object.values(responses) as Json[])
    if (Object.keys(r.content as Json).length === 0) delete r.content;
  const security = parts.find((p) => p.security)?.security;
  const base = `${(ops[0] as ProtocolOperation).method.toLowerCase()}_${(ops[0] as ProtocolOperation).pathTemplate.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'root'}_rpc`;
  let operationId = base;
  for (let i = 2; ids.has(operationId); i++) operationId = `${base}_${i}`;
  ids.add(operationId);
  const out: Json = {
    operationId,
    summary: `${ops.length} RPC operations over one URL`,
    tags: first.tags,
    ...(first.parameters ? { parameters: first.parameters } : {}),
    ...(first['x-ledgertap-matrix-parameters']
      ? { 'x-ledgertap-matrix-parameters': first['x-ledgertap-matrix-parameters'] }
      : {}),
    ...(Object.keys(content).length > 0 ? { requestBody: { content } } : {}),
    responses:
      Object.keys(responses).length > 0
        ? responses
        : { default: { description: 'No response was captured.' } },
    ...(security ? { security } : {}),
    'x-ledgertap-unsafe-to-replay': ops.some((o) => o.classification.unsafeToReplay),
    'x-ledgertap-rpc-operations': parts.map((p) => ({
      operationId: p.operationId,
      rpc: p['x-ledgertap-rpc'],
      effect: p['x-ledgertap-effect'],
      unsafeToReplay: p['x-ledgertap-unsafe-to-replay'],
      samples: p['x-ledgertap-samples'],
    })),
  };
  return out;
}

/**
 * A server object; a templated origin (`https://{tenant}.us.auth0.com`) gets its variables, defaulting to
 * the first value seen, with every value seen listed.
 */
function serverOf(url: string, model: ProtocolModel): Json {
  const seen = new Map<string, Set<string>>();
  for (const op of model.operations) {
    if (op.origin !== url) continue;
    for (const [name, values] of Object.entries(op.originVariables ?? {})) {
      const set = seen.get(name) ?? new Set<string>();
      for (const v of values ?? []) set.add(v);
      seen.set(name, set);
    }
  }
  if (seen.size === 0) return { url };
  const variables: Json = {};
  for (const [name, values] of [...seen].sort((a, b) => a[0].localeCompare(b[0]))) {
    const sorted = [...values].sort();
    variables[name] = { default: sorted[0], 'x-ledgertap-seen': sorted };
  }
  return { url, variables };
}

/** A path key with its parameters' names left out: `/items/{}`. */
function templateShape(path: string): string {
  return path.replace(/\{[^{}]*\}/g, '{}');
}

/**
 * The operation with the path parameters of `from` renamed, in order, to those of `to` (the same path
 * but for the names): `/items/{date}` read as `/items/{itemId}`. Its summary keeps the captured template.
 */
function withPathNames(op: ProtocolOperation, from: string, to: string): ProtocolOperation {
  const names = (path: string): string[] => [...path.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] as string);
  const target = names(to);
  const rename = new Map(names(from).map((n, i) => [n, target[i] as string]));
  return {
    ...op,
    parameters: op.parameters.map((p) =>
      p.in === 'path' && rename.has(p.name) ? { ...p, name: rename.get(p.name) as string } : p,
    ),
  };
}

/** Builds the OpenAPI 3.1 document (a plain object). */
export function toOpenApi(model: ProtocolModel, options: OpenApiOptions = {}): Json {
  const origins = [...new Set(model.operations.map((o) => o.origin))].sort();
  const securitySchemes: Json = {};
  const schemes = new Map<string, string>();
  // A scheme's name is made from the cookie, header or query name with other characters as `_`, so two
  // names (`sid!x`, `sid#x`) can give one: the second gets `_2`, not the first's scheme. Two credentials
  // that are one scheme (the same header, cookie or query name) share it.
  const sameScheme = (a: Json, b: Json): boolean =>
    JSON.stringify({ ...a, description: undefined }) === JSON.stringify({ ...b, description: undefined });
  for (const c of model.auth.credentials) {
    const s = schemeOf(c);
    if (!s || c.consumers.length === 0) continue;
    let name = s.name;
    for (let i = 2; securitySchemes[name] && !sameScheme(securitySchemes[name] as Json, s.scheme); i++)
      name = `${s.name}_${i}`;
    securitySchemes[name] ??= s.scheme;
    schemes.set(c.id, name);
  }
  const byPath = new Map<string, Map<string, ProtocolOperation[]>>();
  const conflicts: string[] = [];
  const pathOrigin = new Map<string, string>();
  // Two templates that differ only in their parameters' names (`/items/{itemId}` for GET, `/items/{date}`
  // for PUT) are one path to OpenAPI, which forbids both: the later one takes the first one's names.
  const byShape = new Map<string, string>();
  for (const captured of model.operations) {
    let op = captured;
    let path = openApiPath(op);
    const first = byShape.get(templateShape(path));
    if (first !== undefined && first !== path) {
      op = withPathNames(op, path, first);
      path = first;
    }
    let key = path;
    // The same template on two origins: the second keeps its own path item, told apart by a server.
    if (pathOrigin.has(key) && pathOrigin.get(key) !== op.origin) {
      key = `${path}${path.endsWith('/') ? '' : '/'}`;
      if (pathOrigin.has(key) && pathOrigin.get(key) !== op.origin) {
        conflicts.push(`${op.origin}${op.pathTemplate}`);
        continue;
      }
    }
    pathOrigin.set(key, op.origin);
    if (!byShape.has(templateShape(key))) byShape.set(templateShape(key), key);
    const methods = byPath.get(key) ?? new Map<string, ProtocolOperation[]>();
    const list = methods.get(op.method.toLowerCase()) ?? [];
    list.push(op);
    methods.set(op.method.toLowerCase(), list);
    byPath.set(key, methods);
  }
  const STANDARD = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  const ids = new Set(model.operations.map((o) => o.id));
  const paths: Json = {};
  for (const key of [...byPath.keys()].sort()) {
    const item: Json = {};
    const methods = byPath.get(key) as Map<string, ProtocolOperation[]>;
    for (const [m, ops] of [...methods].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (!STANDARD.has(m)) {
        // OpenAPI 3.1 has no slot for other methods (PROPFIND, QUERY…): listed, not dropped (har-to-openapi#8).
        item[`x-ledgertap-method-${m}`] = combine(ops, model, schemes, ids);
        continue;
      }
      item[m] = combine(ops, model, schemes, ids);
    }
    if (origins.length > 1) item.servers = [serverOf(pathOrigin.get(key) as string, model)];
    paths[key] = item;
  }
  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'API inferred by ledgertap',
      version: options.version ?? '0.0.0-inferred',
      description: `Inferred from ${model.captures.length} capture(s), ${model.stats.analyzedEntries} API request(s); ${model.stats.noiseEntries} noise request(s) set aside. Schemas are merged over every sample; x-ledgertap-* extensions carry confidence, replay safety, pagination and the auth flow.`,
    },
    servers: origins.length > 0 ? origins.map((url) => serverOf(url, model)) : [{ url: '/' }],
    paths,
    components: { securitySchemes },
    'x-ledgertap-auth': {
      calls: model.auth.calls.map(({ evidence: _e, ...c }) => c),
      signing: model.auth.signing.map(({ evidence: _e, ...s }) => s),
      credentials: model.auth.credentials.map((c) => ({
        id: c.id,
        kind: c.kind,
        class: c.class,
        issuedBy: c.issuedBy.map((i) => ({
          via: i.via,
          name: i.name,
          operationId: i.operationId,
          linkedBy: i.linkedBy,
        })),
        ...(c.lifetime ? { lifetime: c.lifetime } : {}),
        ...(c.derivedFrom ? { derivedFrom: c.derivedFrom } : {}),
        rotatedBy: c.rotatedBy,
      })),
    },
    'x-ledgertap-noise': model.noise,
  };
  if (conflicts.length > 0) doc['x-ledgertap-conflicts'] = conflicts;
  const websockets = openApiWebSockets(model);
  if (websockets) doc['x-websockets'] = websockets;
  return JSON.parse(JSON.stringify(doc)) as Json;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * What the OpenAPI 3.1 text requires and its JSON Schema cannot check: every operationId unique in the
 * document (section 4.8.10.1), every `{name}` in a path key a path parameter of each of its
 * operations and each path parameter in the key (section 4.8.8.1), and no two path keys that differ only
 * in their parameters' names (section 4.8.8.2).
 */
function semanticProblems(doc: Json): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const shapes = new Map<string, string>();
  for (const path of Object.keys((doc.paths ?? {}) as Json)) {
    const other = shapes.get(templateShape(path));
    if (other !== undefined)
      problems.push(`/paths: ${path} and ${other} are one path with other parameter names`);
    else shapes.set(templateShape(path), path);
  }
  const pathNames = (params: unknown): string[] =>
    Array.isArray(params)
      ? params.flatMap((p: Json) => (p && p.in === 'path' && typeof p.name === 'string' ? [p.name] : []))
      : [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    const inKey = [...path.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] as string);
    for (const method of METHODS) {
      const op = item?.[method] as Json | undefined;
      if (!op) continue;
      const where = `/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;
      const declared = new Set([...pathNames(item.parameters), ...pathNames(op.parameters)]);
      // A parameter given by reference (`$ref` to components) is not looked up: its name is not known here.
      const referenced = [item.parameters, op.parameters].some(
        (list) => Array.isArray(list) && list.some((p: Json) => p && typeof p.$ref === 'string'),
      );
      if (!referenced)
        for (const name of inKey)
          if (!declared.has(name)) problems.push(`${where} has no path parameter for {${name}} in its path`);
      for (const name of declared)
        if (!inKey.includes(name)) problems.push(`${where} has a path parameter ${name} its path lacks`);
      const id = op.operationId;
      if (typeof id !== 'string') continue;
      const first = seen.get(id);
      if (first) problems.push(`${where}/operationId ${JSON.stringify(id)} is also the id of ${first}`);
      else seen.set(id, where);
    }
  }
  return problems;
}

/** The keys the validator's reference check reads as references or anchors wherever they are. */
const POINTER_WORDS = new Set(['$ref', '$id', '$anchor', '$dynamicRef', '$dynamicAnchor', '$schema']);

/**
 * A copy of the document for the validator: a key that is a reference word but not a reference (its
 * value not a string: a captured property named `$ref` or `$id`, as an API serving JSON Schema or its
 * own openapi.json has) renamed, so the validator's reference check, which reads every such key in the
 * tree, does not take it for one and fail the document ("$id defined more than once", "Can't resolve").
 */
function forValidator(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(forValidator);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [
      POINTER_WORDS.has(k) && typeof v !== 'string' ? `x-ledgertap-name-${k}` : k,
      forValidator(v),
    ]),
  );
}

/** Validates an OpenAPI document; returns the problems (empty when valid). */
export async function validateOpenApi(doc: Json): Promise<string[]> {
  // A fixed cost of every run, cut: no optimization pass over the generated validator code (it simplifies
  // the code without changing what it accepts) and no check of the validator package's own OpenAPI schema
  // against the JSON Schema meta-schema (that schema ships with the package, fixed).
  const validator = new Validator({ code: { optimize: false }, validateSchema: false });
  const res = await validator.validate(forValidator(doc) as never);
  if (res.valid) return semanticProblems(doc).slice(0, 10);
  const errors = res.errors as unknown;
  if (Array.isArray(errors))
    return errors
      .slice(0, 10)
      .map((e: { instancePath?: string; message?: string }) =>
        `${e.instancePath ?? ''} ${e.message ?? ''}`.trim(),
      );
  return [String(errors)];
}

/** The document as text: YAML for `.yaml`/`.yml`, JSON otherwise. Throws when it does not validate. */
export async function renderOpenApi(
  model: ProtocolModel,
  target: string,
  options: OpenApiOptions = {},
): Promise<string> {
  const doc = toOpenApi(model, options);
  const problems = await validateOpenApi(doc);
  if (problems.length > 0) {
    throw new AnalyzeError(
      'invalid_openapi',
      `the OpenAPI document for ${target} does not validate: ${problems.slice(0, 3).join('; ')}.`,
      {
        hint: 'This is a bug in ledgertap; please report it with --verbose.',
        exitCode: 4,
        details: { problems: problems.slice(0, 3) },
      },
    );
  }
  return /\.ya?ml$/i.test(target) ? toYaml(doc) : `${JSON.stringify(doc, null, 2)}\n`;
}

/** What YAML 1.1 may read as other than a string: a boolean or null word, or a number, date or `~`. */
const YAML11_CANDIDATE = /^(?:[-+.0-9~][\w.:+~-]{0,63}|y|n|yes|no|true|false|on|off|null)$/i;

/**
 * The document as YAML that YAML 1.1 readers (PyYAML, go-yaml v2, SnakeYAML, Ruby's Psych: much of the
 * OpenAPI tooling) read as YAML 1.2 ones do. A string YAML 1.2 writes plain but 1.1 reads as something
 * else is double-quoted: a property `y` or `on` (1.1: the key true), an example `no` or `NO` (false),
 * `1_000` (1000), `1:20` (80).
 */
function toYaml(doc: Json): string {
  const yaml = new YamlDocument(doc, { aliasDuplicateObjects: false });
  visitYaml(yaml, {
    Scalar(_key, node) {
      if (
        typeof node.value === 'string' &&
        YAML11_CANDIDATE.test(node.value) &&
        yamlParse(node.value, { version: '1.1' }) !== node.value
      )
        node.type = 'QUOTE_DOUBLE';
    },
  });
  return yaml.toString({ lineWidth: 0 });
}
