import { readFile, writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { analyzeLogs } from '../../analyzers/index.js';
import {
  buildProtocolModel,
  loadProtocolModel,
  mergeJsonSchemas,
  mergeProtocolModels,
  renderOpenApi,
  renderTypeScript,
  saveProtocolModel,
  toOpenApi,
  validateOpenApi,
  validateProtocolModel,
  type ProtocolModel,
} from '../../model/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { entry } from '../analyzers/build.js';
import { fixture, fixtureDir } from '../analyzers/fixtures.js';

const tempDir = useTempDirs();

/** Just enough of an OpenAPI document for the assertions (a missing key fails the test on access). */
type OpenApiOperation = Record<string, unknown> & { security?: unknown; parameters: unknown[] };
interface OpenApiDoc {
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, OpenApiOperation>>;
}
const names = ['templates', 'auth-session', 'pagination', 'rpc'];

function modelOf(files: string[]): ProtocolModel {
  const result = analyzeLogs(files.map((f) => fixture(f).log));
  return buildProtocolModel(result, {
    captures: files.map((f) => ({ file: `${f}.har`, entries: fixture(f).log.entries.length })),
    generator: { name: 'ledgertap', version: 'test' },
  });
}

async function golden(name: string, actual: string): Promise<void> {
  const path = `${fixtureDir}golden/${name}`;
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(path, actual);
  expect(actual).toBe(await readFile(path, 'utf8'));
}

describe('ProtocolModel', () => {
  const model = modelOf(names);

  it('validates against schemas/protocol-model.schema.json, and a broken one does not', () => {
    expect(validateProtocolModel(model)).toEqual([]);
    expect(validateProtocolModel({ ...model, operations: [{ id: 1 }] })).not.toEqual([]);
  });

  // model/io.ts compiles the schema without checking it against the JSON Schema meta-schema (a fixed
  // cost of every analyze run): the check is here instead.
  it('has a schema that is itself a valid JSON Schema 2020-12', async () => {
    const schema = JSON.parse(
      await readFile(new URL('../../schemas/protocol-model.schema.json', import.meta.url), 'utf8'),
    ) as object;
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
  });

  it('saves atomically and loads back identical', async () => {
    const dir = await tempDir();
    await saveProtocolModel(`${dir}/m.json`, model);
    expect(await loadProtocolModel(`${dir}/m.json`)).toEqual(JSON.parse(JSON.stringify(model)));
  });

  it('refuses files that are not models with a clear error', async () => {
    const dir = await tempDir();
    await writeFile(`${dir}/bad.json`, '{"formatVersion": 2}');
    await expect(loadProtocolModel(`${dir}/bad.json`)).rejects.toMatchObject({ code: 'input.bad_model' });
    await writeFile(`${dir}/notjson.json`, '{');
    await expect(loadProtocolModel(`${dir}/notjson.json`)).rejects.toMatchObject({ code: 'input.bad_model' });
    await expect(loadProtocolModel(`${dir}/missing.json`)).rejects.toMatchObject({ code: 'input.not_found' });
  });

  it('merging models analyzed apart gives the operations of analyzing them together', () => {
    const merged = mergeProtocolModels(names.map((n) => modelOf([n])));
    expect(validateProtocolModel(merged)).toEqual([]);
    const ids = (m: ProtocolModel) =>
      m.operations.map((o) => `${o.method} ${o.pathTemplate} ${o.rpc?.name ?? ''}`).sort();
    expect(ids(merged)).toEqual(ids(model));
    expect(merged.captures.map((c) => c.file)).toEqual(names.map((n) => `${n}.har`));
    // Evidence of the second model now points at capture 1.
    expect(merged.auth.credentials.find((c) => c.id === 'cookie:sid')?.evidence[0]?.capture).toBe(1);
  });

  it('merging a model with itself doubles the samples and keeps the schemas', () => {
    const one = modelOf(['templates']);
    const twice = mergeProtocolModels([one, one]);
    expect(twice.operations).toHaveLength(one.operations.length);
    expect(twice.operations[0]?.samples).toBe((one.operations[0]?.samples ?? 0) * 2);
    expect(twice.operations[0]?.responses[0]?.bodies[0]?.schema).toEqual(
      one.operations[0]?.responses[0]?.bodies[0]?.schema,
    );
  });

  it('mergeJsonSchemas is a union', () => {
    expect(
      mergeJsonSchemas(
        { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
        { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] },
      ),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'string' } },
    });
    expect(mergeJsonSchemas({ type: 'integer' }, { type: 'number' })).toEqual({ type: 'number' });
    expect(mergeJsonSchemas({ type: 'string' }, { type: 'boolean' })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'boolean' }],
    });
  });
});

describe('OpenAPI 3.1', () => {
  const model = modelOf(names);

  it('is valid for the OpenAPI validator and matches the golden file', async () => {
    const doc = toOpenApi(model);
    expect(await validateOpenApi(doc)).toEqual([]);
    await golden('openapi.yaml', await renderOpenApi(model, 'api.yaml'));
  });

  // The validator is compiled without ajv's optimization pass (a fixed cost per run): it must still
  // reject what the OpenAPI schema rejects, and say where.
  it('rejects a broken document, naming where', async () => {
    const doc = toOpenApi(model) as Record<string, unknown>;
    const noInfo = { ...doc };
    delete noInfo.info;
    expect((await validateOpenApi(noInfo as never)).join('\n')).toMatch(/info/);
    const badPaths = { ...doc, paths: { 'no-slash': {} } };
    expect(await validateOpenApi(badPaths as never)).not.toEqual([]);
    const badResponse = {
      ...doc,
      paths: { '/x': { get: { responses: { '200': { description: 5 } } } } },
    };
    expect((await validateOpenApi(badResponse as never)).join('\n')).toMatch(/\/paths\/~1x\/get/);
  });

  it('gives a templated (multi-tenant) origin its server variables, merged across models, and stays valid', async () => {
    const base = model.operations[0] as ProtocolModel['operations'][number];
    const tenant = (origin: string, values: Record<string, string[]>): ProtocolModel => ({
      ...model,
      operations: [{ ...base, origin, originVariables: values }],
    });
    const merged = mergeProtocolModels([
      tenant('https://{tenant}.okta.com', { tenant: ['globex'] }),
      tenant('https://{tenant}.okta.com', { tenant: ['acme'] }),
    ]);
    expect(merged.operations.map((o) => o.originVariables)).toEqual([{ tenant: ['acme', 'globex'] }]);
    const doc = toOpenApi(merged) as unknown as { servers: unknown[] };
    expect(doc.servers).toEqual([
      {
        url: 'https://{tenant}.okta.com',
        variables: { tenant: { default: 'acme', 'x-ledgertap-seen': ['acme', 'globex'] } },
      },
    ]);
    expect(await validateOpenApi(doc as never)).toEqual([]);
  });

  it('writes JSON for other extensions, equal to the YAML', async () => {
    const json = JSON.parse(await renderOpenApi(model, 'api.json')) as unknown;
    expect(json).toEqual(parseYaml(await renderOpenApi(model, 'api.yml')));
  });

  it('has security schemes from the credentials, RPC operations combined per URL, and replay safety', () => {
    const doc = toOpenApi(model) as unknown as OpenApiDoc;
    const op = (path: string, method: string): OpenApiOperation => {
      const found = doc.paths[path]?.[method];
      if (!found) throw new Error(`no ${method} ${path} in the document`);
      return found;
    };
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      cookie_sid: { type: 'apiKey', in: 'cookie', name: 'sid' },
    });
    expect(op('/v1/me', 'get').security).toEqual([{ bearerAuth: [], cookie_sid: [] }]);
    expect(
      (op('/graphql', 'post')['x-ledgertap-rpc-operations'] as { rpc: { name: string } }[])
        .map((o) => o.rpc.name)
        .sort(),
    ).toEqual(['AddStar', 'Repos', 'Viewer']);
    expect(op('/v1/users/{userId}', 'get').parameters[0]).toMatchObject({
      name: 'userId',
      in: 'path',
      required: true,
      schema: { type: 'integer' },
    });
    expect(op('/v1/logout', 'post')['x-ledgertap-unsafe-to-replay']).toBe(true);
    expect((op('/v1/items', 'get')['x-ledgertap-pagination'] as unknown[])[0]).toMatchObject({
      style: 'offset-limit',
    });
    expect(JSON.stringify(doc)).not.toContain('hunter2');
  });
});

describe('TypeScript types', () => {
  it('compile from the inferred schemas and match the golden file', async () => {
    const ts = await renderTypeScript(modelOf(names));
    expect(ts).toContain('export interface GetV1UsersUserIdResponse200');
    await golden('api.d.ts', ts);
  });
});

describe('matrix parameters across models', () => {
  const carsModel = (urls: string[]): ProtocolModel =>
    buildProtocolModel(analyzeLogs([{ entries: urls.map((url) => entry({ url, response: {} })) }]), {
      captures: [{ file: 'cars.har', entries: urls.length }],
    });

  it('a matrix parameter one capture lacks becomes optional, and leaves the OpenAPI path', async () => {
    const withColor = carsModel(['https://cars.example.test/cars;color=red/list']);
    const without = carsModel(['https://cars.example.test/cars/list']);
    expect(toOpenApi(withColor).paths).toHaveProperty(['/cars{color}/list']);
    const merged = mergeProtocolModels([withColor, without]);
    expect(validateProtocolModel(merged)).toEqual([]);
    expect(merged.operations[0]?.parameters).toMatchObject([
      { name: 'color', in: 'path', style: 'matrix', required: false, presence: 0.5 },
    ]);
    const doc = toOpenApi(merged);
    expect(await validateOpenApi(doc)).toEqual([]);
    expect(Object.keys(doc.paths as object)).toEqual(['/cars/list']);
  });
});
