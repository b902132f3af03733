/**
 * Quality against a labelled set in two groups, printed apart and then together:
 *  - recorded (bench/quality/recorded.ts): real captures copied from public repositories into
 *    test/fixtures/har-public/ (GitHub REST and JSONPlaceholder by Polly.JS; a GitHub App token call and
 *    Auth0 token + paged users by JupiterOne's Polly.JS recordings, redacted; a Kofax TotalAgility call
 *    with a double-submit CSRF token exported by Firefox and Fiddler; a vSphere session call, Salesforce
 *    refresh-token grants, Linear GraphQL and Snipe-IT offset/limit listings, again JupiterOne's
 *    recordings), labelled from the APIs' own descriptions;
 *  - synthesized (bench/quality/captures.ts: GitHub, Okta, Zoom, Stripe, Binance, built from their public
 *    docs and OpenAPI specs).
 * Scores: path-template precision and recall, acceptance of held-back response bodies by the inferred
 * schemas and rejection of mutated ones, credentials and auth-flow links found, pagination found. The same
 * scores for har-to-openapi 3.0.1 (attemptToParameterizeUrl, observed requiredness, OpenAPI 3.1) on the
 * same captures, in the same run.
 *
 *   npx tsx bench/quality.ts            # all captures
 *   npx tsx bench/quality.ts --only zoom
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { generateSpecs } from 'har-to-openapi';
import { analyzeLogs } from '../analyzers/index.js';
import { harResponseBody, type HarEntry } from '../har/index.js';
import { labelledCaptures, type LabelledCapture } from './quality/captures.js';
import { recordedCaptures } from './quality/recorded.js';

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

interface Inferred {
  /** `GET /users/{}` → response schema per status (application/json only). */
  ops: { key: string; method: string; regex: RegExp; schemas: Map<number, Json> }[];
  credentials: Set<string>;
  flows: Set<string>;
  pagination: Set<string>;
}

interface Scores {
  templatePrecision: number;
  templateRecall: number;
  accepted: number;
  heldOut: number;
  rejected: number;
  mutants: number;
  credentials: number;
  credentialsExpected: number;
  flows: number;
  flowsExpected: number;
  pagination: number;
  paginationExpected: number;
}

const norm = (method: string, template: string): string =>
  `${method.toUpperCase()} ${template.replace(/\{[^}]*\}/g, '{}')}`;
const toRegex = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split(/\{[^}]*\}/)
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}/?$`,
  );

function ours(train: HarEntry[]): Inferred {
  const r = analyzeLogs([{ entries: train }]);
  const byId = new Map(r.operations.map((o) => [o.id, o]));
  const ops = r.operations.map((o) => ({
    key: norm(o.method, o.pathTemplate),
    method: o.method,
    regex: toRegex(o.pathTemplate),
    schemas: new Map(
      o.responses.flatMap((res) =>
        res.bodies
          .filter((b) => b.mediaType.includes('json'))
          .map((b) => [res.status, b.schema as Json] as [number, Json]),
      ),
    ),
  }));
  const flows = new Set<string>();
  for (const c of r.auth.credentials) {
    for (const i of c.issuedBy) {
      const op = i.operationId ? byId.get(i.operationId) : undefined;
      if (op) flows.add(`${c.id} <- ${norm(op.method, op.pathTemplate)}`);
    }
  }
  const pagination = new Set(
    r.pagination.map((p) => {
      const op = byId.get(p.operationId);
      return op ? `${norm(op.method, op.pathTemplate)} ${p.style}` : '';
    }),
  );
  return { ops, credentials: new Set(r.auth.credentials.map((c) => c.id)), flows, pagination };
}

async function h2o(train: HarEntry[]): Promise<Inferred> {
  const specs = await generateSpecs(
    { log: { version: '1.2', creator: { name: 'bench', version: '1' }, entries: train } } as never,
    {
      attemptToParameterizeUrl: true,
      requiredness: 'observed',
      openapiVersion: '3.1.0',
      relaxedMethods: true,
    },
  );
  const ops: Inferred['ops'] = [];
  const credentials = new Set<string>();
  for (const { spec } of specs) {
    for (const [path, item] of Object.entries((spec.paths ?? {}) as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !('responses' in op)) continue;
        const schemas = new Map<number, Json>();
        for (const [status, res] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
          const content = (res.content ?? {}) as Record<string, { schema?: Json }>;
          const json = Object.entries(content).find(([mt]) => mt.includes('json'))?.[1]?.schema;
          if (json) schemas.set(Number(status), json);
        }
        ops.push({ key: norm(method, path), method: method.toUpperCase(), regex: toRegex(path), schemas });
      }
    }
    const schemes = ((spec.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>;
    for (const s of Object.values(schemes)) {
      const name = String(s.name ?? '').toLowerCase();
      if (s.type === 'http' || name === 'authorization') credentials.add('authorization:authorization');
      else if (s.type === 'apiKey')
        credentials.add(
          `${s.in === 'query' ? 'query' : s.in === 'cookie' ? 'cookie' : 'header'}:${s.in === 'header' ? name : String(s.name)}`,
        );
    }
  }
  return { ops, credentials, flows: new Set(), pagination: new Set() };
}

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('decimal-string', /^-?\d+(\.\d+)?$/);
  ajv.addFormat('integer-string', /^-?\d+$/);
  ajv.addFormat('jwt', /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
  ajv.addFormat('hex', /^[0-9a-fA-F]+$/);
  ajv.addFormat('base64', /^[A-Za-z0-9+/]+={0,2}$/);
  ajv.addFormat('epoch-millis', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= 1e12 && n < 4.2e12,
  });
  ajv.addFormat('epoch-seconds', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= 1e9 && n < 4.2e9,
  });
  return ajv;
}

/** Formats a schema uses that ajv does not know are accepted as is (har-to-openapi writes `format: integer`). */
function registerUnknownFormats(ajv: Ajv2020, schema: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  for (const [k, v] of Object.entries(schema as Json)) {
    if (k === 'format' && typeof v === 'string' && !ajv.formats[v]) ajv.addFormat(v, true);
    else registerUnknownFormats(ajv, v);
  }
}

function mutants(body: unknown): unknown[] {
  const out: unknown[] = [];
  const flip = (v: unknown): unknown =>
    typeof v === 'string'
      ? 12345
      : typeof v === 'number'
        ? 'not-a-number'
        : typeof v === 'boolean'
          ? 'yes'
          : Array.isArray(v)
            ? { not: 'an array' }
            : v && typeof v === 'object'
              ? ['not', 'an', 'object']
              : 'was-null';
  out.push(flip(body));
  const target = Array.isArray(body) ? body[0] : body;
  if (target && typeof target === 'object' && !Array.isArray(target)) {
    const key = Object.keys(target).find((k) => (target as Json)[k] !== null);
    if (key) {
      const changed = { ...(target as Json), [key]: flip((target as Json)[key]) };
      out.push(Array.isArray(body) ? [changed, ...body.slice(1)] : changed);
      const { [key]: _dropped, ...without } = target as Json;
      out.push(Array.isArray(body) ? [without, ...body.slice(1)] : without);
    }
  }
  return out;
}

/** The JSON a held-back response carried (the reader has already decoded Polly.JS hex-chunk bodies). */
function truthBody(entry: HarEntry): unknown {
  const text = harResponseBody(entry)?.text;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function score(capture: LabelledCapture, inferred: Inferred, held: HarEntry[]): Scores {
  const found = new Set(inferred.ops.map((o) => o.key));
  const expected = new Set(capture.labels.templates);
  const hit = [...found].filter((k) => expected.has(k)).length;
  const ajv = makeAjv();
  let accepted = 0;
  let heldOut = 0;
  let rejected = 0;
  let mutantCount = 0;
  for (const entry of held) {
    const body = truthBody(entry);
    if (body === undefined) continue;
    const path = new URL(entry.request.url).pathname;
    const op = inferred.ops.find((o) => o.method === entry.request.method && o.regex.test(path));
    const schema = op?.schemas.get(entry.response.status);
    heldOut++;
    const ms = mutants(body);
    mutantCount += ms.length;
    if (!schema) continue;
    registerUnknownFormats(ajv, schema);
    let validate;
    try {
      validate = ajv.compile(schema);
    } catch {
      continue;
    }
    if (validate(body)) accepted++;
    for (const m of ms) if (!validate(m)) rejected++;
  }
  const count = (want: string[], have: Set<string>) => want.filter((x) => have.has(x)).length;
  return {
    templatePrecision: found.size ? hit / found.size : 0,
    templateRecall: expected.size ? hit / expected.size : 1,
    accepted,
    heldOut,
    rejected,
    mutants: mutantCount,
    credentials: count(capture.labels.credentials, inferred.credentials),
    credentialsExpected: capture.labels.credentials.length,
    flows: count(capture.labels.flows, inferred.flows),
    flowsExpected: capture.labels.flows.length,
    pagination: count(capture.labels.pagination, inferred.pagination),
    paginationExpected: capture.labels.pagination.length,
  };
}

const pct = (n: number): string => `${(n * 100).toFixed(0)}%`.padStart(5);

function line(name: string, tool: string, s: Scores): string {
  return `${name.padEnd(16)} ${tool.padEnd(15)} ${pct(s.templatePrecision)} ${pct(s.templateRecall)}   ${`${s.accepted}/${s.heldOut}`.padStart(6)}  ${`${s.rejected}/${s.mutants}`.padStart(7)}   ${`${s.credentials}/${s.credentialsExpected}`.padStart(5)}  ${`${s.flows}/${s.flowsExpected}`.padStart(5)}  ${`${s.pagination}/${s.paginationExpected}`.padStart(5)}`;
}

function sum(all: Scores[]): Scores {
  const t = all.reduce(
    (a, s) => ({
      ...a,
      accepted: a.accepted + s.accepted,
      heldOut: a.heldOut + s.heldOut,
      rejected: a.rejected + s.rejected,
      mutants: a.mutants + s.mutants,
      credentials: a.credentials + s.credentials,
      credentialsExpected: a.credentialsExpected + s.credentialsExpected,
      flows: a.flows + s.flows,
      flowsExpected: a.flowsExpected + s.flowsExpected,
      pagination: a.pagination + s.pagination,
      paginationExpected: a.paginationExpected + s.paginationExpected,
    }),
    {
      templatePrecision: 0,
      templateRecall: 0,
      accepted: 0,
      heldOut: 0,
      rejected: 0,
      mutants: 0,
      credentials: 0,
      credentialsExpected: 0,
      flows: 0,
      flowsExpected: 0,
      pagination: 0,
      paginationExpected: 0,
    },
  );
  t.templatePrecision = all.reduce((a, s) => a + s.templatePrecision, 0) / all.length;
  t.templateRecall = all.reduce((a, s) => a + s.templateRecall, 0) / all.length;
  return t;
}

const ratio = (x: number, y: number): string => (y === 0 ? (x === 0 ? '=' : '∞') : `${(x / y).toFixed(2)}×`);

async function runGroup(
  group: string,
  captures: LabelledCapture[],
  totals: Record<string, Scores[]>,
): Promise<void> {
  if (captures.length === 0) return;
  console.log(`\n[${group}]`);
  console.log('capture          tool            tmpl-P tmpl-R  accepted  rejected  creds  flows  pages');
  const mine: Record<string, Scores[]> = { ledgertap: [], 'har-to-openapi': [] };
  for (const capture of captures) {
    // Every fourth entry is held back: the schemas must accept it without having seen it.
    const train = capture.entries.filter((_, i) => i % 4 !== 3);
    const held = capture.entries.filter((_, i) => i % 4 === 3);
    for (const [tool, infer] of [
      ['ledgertap', async (t: HarEntry[]) => ours(t)],
      ['har-to-openapi', h2o],
    ] as const) {
      const s = score(capture, await infer(train), held);
      mine[tool]?.push(s);
      totals[tool]?.push(s);
      console.log(line(capture.name, tool, s));
    }
  }
  console.log(line(`${group} mean`.slice(0, 16), 'ledgertap', sum(mine.ledgertap ?? [])));
  console.log(line(`${group} mean`.slice(0, 16), 'har-to-openapi', sum(mine['har-to-openapi'] ?? [])));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const keep = (c: LabelledCapture) => !only || c.name.includes(only);
  const totals: Record<string, Scores[]> = { ledgertap: [], 'har-to-openapi': [] };
  await runGroup('recorded', (await recordedCaptures()).filter(keep), totals);
  await runGroup('synthesized', labelledCaptures().filter(keep), totals);
  console.log('\n[all]');
  const a = sum(totals.ledgertap ?? []);
  const b = sum(totals['har-to-openapi'] ?? []);
  console.log(line('TOTAL (mean P/R)', 'ledgertap', a));
  console.log(line('TOTAL (mean P/R)', 'har-to-openapi', b));
  console.log(
    `\nratio ledgertap / har-to-openapi: template recall ${ratio(a.templateRecall, b.templateRecall)}, precision ${ratio(a.templatePrecision, b.templatePrecision)}, accepted ${ratio(a.accepted, b.accepted)}, mutants rejected ${ratio(a.rejected, b.rejected)}, credentials ${ratio(a.credentials, b.credentials)}, auth-flow links ${a.flows} vs ${b.flows}, pagination ${a.pagination} vs ${b.pagination}`,
  );
}

await main();
