/**
 * `ledgertap analyze --openapi/--types` on captures whose names collide or need care: the OpenAPI
 * document stays valid (operationIds unique, path keys that say what was requested), and the .d.ts
 * compiles with every distinct type kept distinct.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { analyzeLogs } from '../../analyzers/index.js';
import type { HarEntry } from '../../har/index.js';
import {
  buildProtocolModel,
  renderTypeScript,
  toOpenApi,
  validateOpenApi,
  type ProtocolModel,
} from '../../model/index.js';
import { entry, har } from '../analyzers/build.js';
import { fixture } from '../analyzers/fixtures.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

type Operation = { operationId?: string; parameters?: { name: string; in: string }[] };
interface Doc {
  paths: Record<string, Record<string, Operation>>;
}

/** Analyzes the entries through the CLI; returns the OpenAPI document, the .d.ts and the model. */
async function analyze(
  entries: HarEntry[],
): Promise<{ doc: Doc; types: string; model: ProtocolModel; dir: string }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'h.har'), JSON.stringify(har(entries)));
  const r = await runCliInProcess(
    ['analyze', 'h.har', '--out', 'model.json', '--openapi', 'api.yaml', '--types', 'api.d.ts'],
    { cwd: dir },
  );
  expect(r.code, r.stderr).toBe(0);
  return {
    doc: parseYaml(await readFile(join(dir, 'api.yaml'), 'utf8')) as Doc,
    types: await readFile(join(dir, 'api.d.ts'), 'utf8'),
    model: JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ProtocolModel,
    dir,
  };
}

function operationIds(doc: Doc): string[] {
  return Object.values(doc.paths).flatMap((item) =>
    Object.entries(item)
      .filter(([k]) => k !== 'servers' && k !== 'parameters')
      .map(([, op]) => op.operationId as string),
  );
}

const gql = (origin: string, name: string): HarEntry =>
  entry({
    method: 'POST',
    url: `${origin}/graphql`,
    requestBody: { operationName: name, query: `query ${name} { x }` },
    response: { data: { x: 1 } },
  });

describe('OpenAPI operationIds', () => {
  it('the same GraphQL URL on two origins gives two combined operations with two ids', async () => {
    const { doc } = await analyze([
      gql('https://api.example.test', 'GetA'),
      gql('https://api.example.test', 'GetB'),
      gql('https://admin.example.test', 'GetA'),
      gql('https://admin.example.test', 'GetC'),
    ]);
    const ids = operationIds(doc);
    expect(ids.filter((id) => id.startsWith('post_graphql_rpc')).sort()).toEqual([
      'post_graphql_rpc',
      'post_graphql_rpc_2',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('validateOpenApi rejects two operations with one id, naming where', async () => {
    const op = { operationId: 'same', responses: { '200': { description: 'ok' } } };
    const doc = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: { '/a': { get: op }, '/b': { post: op } },
    };
    expect(await validateOpenApi(doc)).toEqual([
      '/paths/~1b/post/operationId "same" is also the id of /paths/~1a/get',
    ]);
    expect(await validateOpenApi({ ...doc, paths: { '/a': { get: op } } })).toEqual([]);
  });

  it('an operation whose own id is the combined one keeps it; the combined one moves aside', async () => {
    const { model } = await analyze([
      gql('https://api.example.test', 'GetA'),
      gql('https://api.example.test', 'GetB'),
    ]);
    const combined = toOpenApi({
      ...model,
      operations: [
        ...model.operations,
        {
          ...(model.operations[0] as ProtocolModel['operations'][number]),
          id: 'post_graphql_rpc',
          pathTemplate: '/other',
          rpc: undefined,
        },
      ],
    }) as unknown as Doc;
    expect(combined.paths['/other']?.post?.operationId).toBe('post_graphql_rpc');
    expect(combined.paths['/graphql']?.post?.operationId).toBe('post_graphql_rpc_2');
    expect(await validateOpenApi(combined as never)).toEqual([]);
  });
});

describe('OpenAPI paths that differ only in parameter names', () => {
  it('/items/{date} (PUT) and /items/{itemId} (GET, DELETE) are one path item with one parameter name', async () => {
    const A = 'https://api.example.test';
    const { doc } = await analyze([
      ...[1, 2, 3].map((i) => entry({ url: `${A}/items/${i}`, response: { id: i } })),
      ...['a1b2c3d4e5f6a7b8', 'b1b2c3d4e5f6a7b8', 'c1b2c3d4e5f6a7b8'].map((i) =>
        entry({ method: 'DELETE', url: `${A}/items/${i}`, response: { ok: 1 } }),
      ),
      ...['2026-01-01', '2026-01-02'].map((d) =>
        entry({ method: 'PUT', url: `${A}/items/${d}`, requestBody: { a: 1 }, response: { ok: 1 } }),
      ),
    ]);
    const keys = Object.keys(doc.paths);
    expect(keys).toHaveLength(1);
    const key = keys[0] as string;
    const name = /\{([^{}]+)\}/.exec(key)?.[1];
    const item = doc.paths[key] as Record<string, Operation>;
    expect(Object.keys(item).sort()).toEqual(['delete', 'get', 'put']);
    for (const op of Object.values(item)) expect(op.parameters?.[0]).toMatchObject({ name, in: 'path' });
  });

  it('validateOpenApi rejects two such paths', async () => {
    const param = (name: string): Record<string, unknown> => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    });
    const op = (name: string, id: string): Record<string, unknown> => ({
      operationId: id,
      parameters: [param(name)],
      responses: { '200': { description: 'ok' } },
    });
    const doc = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: { '/items/{itemId}': { get: op('itemId', 'a') }, '/items/{date}': { put: op('date', 'b') } },
    };
    expect(await validateOpenApi(doc)).toEqual([
      '/paths: /items/{date} and /items/{itemId} are one path with other parameter names',
    ]);
  });
});

describe('captured properties named like JSON Schema references', () => {
  it('$ref, $id and $schema in response bodies (an openapi.json, JSON Schema served by the API) give a valid document and types', async () => {
    const A = 'https://api.example.test';
    const { doc, dir } = await analyze([
      entry({
        url: `${A}/openapi.json`,
        response: {
          openapi: '3.0.0',
          components: { schemas: { A: { $ref: '#/components/schemas/B' } } },
          $id: 'x',
        },
      }),
      entry({
        url: `${A}/other`,
        response: { $id: 'y', $schema: 'https://json-schema.org/draft/2020-12/schema' },
      }),
    ]);
    type Schema = { properties: Record<string, unknown> };
    const schemaOf = (path: string): Schema =>
      (
        doc.paths[path]?.get as unknown as {
          responses: Record<string, { content: Record<string, { schema: Schema }> }>;
        }
      ).responses['200']?.content['application/json']?.schema as Schema;
    expect(Object.keys(schemaOf('/other').properties).sort()).toEqual(['$id', '$schema']);
    expect(Object.keys(schemaOf('/openapi.json').properties)).toContain('$id');
    expect(await validateOpenApi(doc as never)).toEqual([]);
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
  });

  it('validateOpenApi still checks real references', async () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/a': {
          get: {
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } },
              },
            },
          },
        },
      },
    };
    expect((await validateOpenApi(doc)).join('\n')).toMatch(/Can't resolve #\/components\/schemas\/Nope/);
  });
});

describe('OpenAPI responses', () => {
  it('requests that got no HTTP status (0: aborted or blocked) or one out of range are one default response, also for RPC operations over one URL', async () => {
    const A = 'https://api.example.test';
    const post = (name: string, status: number): HarEntry =>
      entry({
        method: 'POST',
        url: `${A}/graphql`,
        status,
        requestBody: { operationName: name, query: `query ${name} { x }` },
        ...(status ? { response: { data: { x: 1 } } } : {}),
      });
    const { doc } = await analyze([
      post('GetA', 200),
      post('GetA', 0),
      post('GetB', 200),
      post('GetB', 0),
      entry({ url: `${A}/x`, status: 0 }),
      entry({ url: `${A}/x`, status: 600, response: { a: 1 } }),
      entry({ url: `${A}/x`, status: 200, response: { a: 1 } }),
    ]);
    type Responses = Record<string, { description: string; content?: Record<string, unknown> }>;
    const responsesOf = (path: string, method: string): Responses =>
      (doc.paths[path]?.[method] as unknown as { responses: Responses }).responses;
    expect(Object.keys(responsesOf('/graphql', 'post')).sort()).toEqual(['200', 'default']);
    const x = responsesOf('/x', 'get');
    expect(Object.keys(x).sort()).toEqual(['200', 'default']);
    expect(x.default?.description).toBe(
      'Seen 2 time(s) with status 0, 600 (no HTTP status: aborted, blocked or out of range).',
    );
    expect(Object.keys(x.default?.content ?? {})).toEqual(['application/json']);
  });
});

describe('OpenAPI security schemes', () => {
  it('two cookies whose names differ only in characters a scheme name cannot hold get a scheme each', async () => {
    const A = 'https://api.example.test';
    const { doc } = await analyze([
      entry({
        method: 'POST',
        url: `${A}/login`,
        requestBody: { user: 'u', password: 'p' },
        response: { ok: true },
        responseHeaders: [
          ['Set-Cookie', 'sid!x=abc123456789abcdef; Path=/'],
          ['Set-Cookie', 'sid#x=zzz987654321fedcba; Path=/'],
        ],
      }),
      entry({ url: `${A}/me`, requestCookies: { 'sid!x': 'abc123456789abcdef' }, response: { me: 1 } }),
      entry({ url: `${A}/you`, requestCookies: { 'sid#x': 'zzz987654321fedcba' }, response: { me: 1 } }),
    ]);
    const full = doc as unknown as Doc & {
      components: { securitySchemes: Record<string, { name?: string }> };
    };
    const cookieOf = (path: string): string | undefined => {
      const security = (full.paths[path]?.get as { security?: Record<string, unknown>[] }).security;
      const scheme = Object.keys(security?.[0] ?? {})[0] ?? '';
      return full.components.securitySchemes[scheme]?.name;
    };
    expect(cookieOf('/me')).toBe('sid!x');
    expect(cookieOf('/you')).toBe('sid#x');
  });
});

describe('OpenAPI path keys', () => {
  it('encode literal text the model keeps decoded (braces, spaces, %, unicode, |, <), keep parameters, and validate', async () => {
    const A = 'https://api.example.test';
    const { doc } = await analyze([
      entry({ url: `${A}/lit%7Bbrace%7D/q`, response: { ok: 1 } }),
      entry({ url: `${A}/sp%20ace/%C3%BCn%C3%AF`, response: { ok: 1 } }),
      entry({ url: `${A}/pct%25x`, response: { ok: 1 } }),
      entry({ url: `${A}/bikes;a}b=1/list`, response: { ok: 1 } }),
      entry({ url: `${A}/x%7Cy%3Cscript%3E/a:b@c,d=e&f+$`, response: { ok: 1 } }),
      ...[1001, 1002, 1003].map((id) =>
        entry({ url: `${A}/users/${id}?userId=${id + 1}`, response: { a: 1 } }),
      ),
      ...[1, 2, 3].map((id) => entry({ url: `${A}/odata/Products(${id})`, response: { ID: id } })),
    ]);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/bikes;a%7Db=1/list',
      '/lit%7Bbrace%7D/q',
      '/odata/Products({productId})',
      '/pct%25x',
      '/sp%20ace/%C3%BCn%C3%AF',
      '/users/{userId}',
      '/x%7Cy%3Cscript%3E/a:b@c,d=e&f+$',
    ]);
    // The same name in the path and the query: two parameters (OpenAPI tells them apart by `in`).
    expect(doc.paths['/users/{userId}']?.get?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:userId',
      'query:userId',
    ]);
    expect(doc.paths['/lit%7Bbrace%7D/q']?.get?.parameters).toBeUndefined();
  });

  it('validateOpenApi rejects a {name} in a path key that no path parameter fills, and a path parameter the key lacks', async () => {
    const get = { responses: { '200': { description: 'ok' } } };
    const base = { openapi: '3.1.0', info: { title: 't', version: '1' } };
    expect(await validateOpenApi({ ...base, paths: { '/lit{brace}/q': { get } } })).toEqual([
      '/paths/~1lit{brace}~1q/get has no path parameter for {brace} in its path',
    ]);
    const param = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
    expect(
      await validateOpenApi({ ...base, paths: { '/a': { get: { ...get, parameters: [param] } } } }),
    ).toEqual(['/paths/~1a/get has a path parameter id its path lacks']);
    expect(await validateOpenApi({ ...base, paths: { '/a/{id}': { parameters: [param], get } } })).toEqual(
      [],
    );
    // A parameter given by reference is not taken for a missing one.
    expect(
      await validateOpenApi({
        ...base,
        paths: { '/a/{id}': { parameters: [{ $ref: '#/components/parameters/id' }], get } },
        components: { parameters: { id: param } },
      }),
    ).toEqual([]);
  });
});

/** The TypeScript compiler's errors on a .d.ts file (strict), as text. */
function typeErrors(file: string): string[] {
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: [] });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The body of `export interface Name { … }` in the .d.ts (undefined when there is none). */
function body(types: string, name: string): string | undefined {
  return new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(types)?.[1];
}

describe('TypeScript types', () => {
  it('two operations whose ids read the same in PascalCase keep their types apart and paired', async () => {
    const A = 'https://api.example.test';
    const { types, model, dir } = await analyze([
      entry({ url: `${A}/a/b`, response: { fromAB: 1 } }),
      entry({ url: `${A}/aB?y=1`, response: { fromCamel: 1 } }),
    ]);
    expect(model.operations.map((o) => o.id).sort()).toEqual(['get_aB', 'get_a_b']);
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
    // One stem per operation: the one with a query parameter has its Params beside its own response.
    const stems = ['GetAB', 'GetAB_2'];
    const camel = stems.find((s) => body(types, `${s}Response200`)?.includes('fromCamel'));
    const slash = stems.find((s) => body(types, `${s}Response200`)?.includes('fromAB'));
    expect([camel, slash].sort()).toEqual(stems);
    expect(body(types, `${camel}Params`)).toBe('  y: number;');
    expect(body(types, `${slash}Params`)).toBeUndefined();
  });

  it('a second JSON body of one status is Response200_2, not Response2002 (a status that does not exist)', async () => {
    const A = 'https://api.example.test';
    const { types, dir } = await analyze([
      entry({ url: `${A}/x`, response: { a: 1 } }),
      entry({ url: `${A}/x`, response: { b: 1 }, responseMime: 'application/problem+json' }),
    ]);
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
    expect(body(types, 'GetXResponse200')).toContain('a: number;');
    expect(body(types, 'GetXResponse200_2')).toContain('b: number;');
    expect(types).not.toContain('Response2002');
  });

  it('a name in both the path and the query gives a PathParams and a QueryParams type, neither lost', async () => {
    const { types, dir } = await analyze(
      [1001, 1002, 1003].map((id) =>
        entry({ url: `https://api.example.test/users/${id}?userId=u${id}`, response: { a: 1 } }),
      ),
    );
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
    expect(body(types, 'GetUsersUserIdPathParams')).toBe('  userId: number;');
    expect(body(types, 'GetUsersUserIdQueryParams')).toBe('  userId: string;');
    expect(types).not.toContain('GetUsersUserIdParams');
  });

  it('property names that are not identifiers, reserved words and deep nesting compile', async () => {
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < 30; i++) deep = { [`level${i}`]: deep };
    const { types, dir } = await analyze([
      entry({
        url: 'https://api.example.test/odd',
        response: { 'a-b': 1, '1x': 2, '': 3, constructor: 'c', class: 4, ünï: 5, 'x*/y': 6, deep },
      }),
    ]);
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
    const odd = body(types, 'GetOddResponse200') ?? '';
    for (const key of [
      '"a-b": number;',
      '"1x": number;',
      '"": number;',
      'constructor: string;',
      'class: number;',
    ])
      expect(odd).toContain(key);
  });

  it('a __proto__ property is kept as a property', async () => {
    const base = buildProtocolModel(
      analyzeLogs([har([entry({ url: 'https://api.example.test/p', response: { a: 1 } })]).log]),
      {
        captures: [{ file: 'p.har', entries: 1 }],
      },
    );
    const body0 = base.operations[0]?.responses[0]?.bodies[0];
    if (!body0) throw new Error('no response body');
    body0.schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"string"},"a":{"type":"integer"}},"required":["__proto__"]}',
    ) as typeof body0.schema;
    expect(body(await renderTypeScript(base), 'GetPResponse200')).toContain('__proto__: string;');
  });

  it('a WebSocket URL path holding */ does not end the comment of its union (the .d.ts compiles)', async () => {
    const dir = await tempDir();
    const capture = JSON.stringify(fixture('websocket')).replaceAll(
      'wss://stream.example.test:9443/stream',
      'wss://stream.example.test:9443/st*/ream',
    );
    await writeFile(join(dir, 'ws.har'), capture);
    const r = await runCliInProcess(['analyze', 'ws.har', '--out', 'model.json', '--types', 'api.d.ts'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const types = await readFile(join(dir, 'api.d.ts'), 'utf8');
    expect(types).toContain('/** Every message received from wss://stream.example.test:9443/st* /ream. */');
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
  });

  it("a WebSocket kind named message does not take the name of its endpoint's union", async () => {
    const model = buildProtocolModel(analyzeLogs([fixture('websocket').log]), {
      captures: [{ file: 'websocket.har', entries: 1 }],
    });
    const stream = model.websockets?.find((w) => w.id === 'ws_stream');
    const trade = stream?.kinds.find((k) => k.direction === 'receive' && k.name === 'trade');
    if (!trade) throw new Error('no trade kind in the fixture');
    trade.name = 'message';
    const dir = await tempDir();
    await writeFile(join(dir, 'api.d.ts'), await renderTypeScript(model));
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
    const types = await readFile(join(dir, 'api.d.ts'), 'utf8');
    expect(types).toMatch(/export type WsStreamReceiveMessage = WsStreamReceiveMessage_2 \| /);
    expect(types).toContain('export interface WsStreamReceiveMessage_2 {');
  });
});

describe('OpenAPI as YAML', () => {
  it('reads the same with a YAML 1.1 reader (PyYAML, go-yaml v2) as the JSON: y, on, NO, 1_000, 1:20, dates stay strings', async () => {
    const dir = await tempDir();
    const entries = [
      entry({
        url: 'https://api.example.test/points?country=NO&flag=on&n=1_000&t=1:20&day=2026-01-01',
        response: { x: 1, y: 2, on: true, off: 'no', yes: 'Y', '1e3': 'null' },
      }),
    ];
    await writeFile(join(dir, 'h.har'), JSON.stringify(har(entries)));
    const r = await runCliInProcess(['analyze', 'h.har', '--out', 'model.json', '--openapi', 'api.yaml'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const r2 = await runCliInProcess(['analyze', 'h.har', '--out', 'model.json', '--openapi', 'api.json'], {
      cwd: dir,
    });
    expect(r2.code, r2.stderr).toBe(0);
    const yaml = await readFile(join(dir, 'api.yaml'), 'utf8');
    const json = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as unknown;
    expect(parseYaml(yaml, { version: '1.1' })).toEqual(json);
    expect(parseYaml(yaml)).toEqual(json);
    expect(yaml).toContain('"y":');
    expect(yaml).toContain('example: "NO"');
  });
});

describe('TypeScript types from a hostile model given to --merge', () => {
  it('no $ref is read or fetched, no tsType is copied in as code, no huge tuple; the .d.ts compiles', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'secret.json'), JSON.stringify({ type: 'string', description: 'SECRET-FILE' }));
    await writeFile(
      join(dir, 'a.har'),
      JSON.stringify(har([entry({ url: 'https://api.example.test/evil', response: { a: 1 } })])),
    );
    await writeFile(
      join(dir, 'b.har'),
      JSON.stringify(har([entry({ url: 'https://api.example.test/other', response: { b: 1 } })])),
    );
    const first = await runCliInProcess(['analyze', 'a.har', '--out', 'a.json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const model = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as ProtocolModel;
    const body0 = model.operations[0]?.responses[0]?.bodies[0];
    if (!body0) throw new Error('no response body');
    body0.schema = {
      type: 'object',
      properties: {
        file: { $ref: join(dir, 'secret.json') },
        url: { $ref: 'http://127.0.0.1:9/schema.json' },
        code: { type: 'string', tsType: 'string; declare const pwned: 1' },
        tuple: { type: 'array', prefixItems: [{ type: 'string' }], minItems: 100000 },
        odd: 5,
        choice: { enum: [{ $ref: 'http://127.0.0.1:9/enum.json' }] },
      },
    } as typeof body0.schema;
    await writeFile(join(dir, 'evil.json'), JSON.stringify(model));
    const r = await runCliInProcess(
      ['analyze', 'b.har', '--merge', 'evil.json', '--out', 'm.json', '--types', 'api.d.ts'],
      { cwd: dir },
    );
    expect(r.stderr).not.toMatch(/fetch|bug in ledgertap|\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    const types = await readFile(join(dir, 'api.d.ts'), 'utf8');
    expect(types).not.toContain('SECRET-FILE');
    expect(types).not.toContain('pwned');
    expect(types.length).toBeLessThan(5000);
    expect(body(types, 'GetEvilResponse200')).toContain('tuple?: [string, ...unknown[]];');
    expect(typeErrors(join(dir, 'api.d.ts'))).toEqual([]);
  });
});
