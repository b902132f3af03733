import { copyFile, readFile, symlink, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validateOpenApi, validateProtocolModel } from '../../model/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { fixtureDir } from './fixtures.js';
import { entry, har } from './build.js';

const tempDir = useTempDirs();
const fx = (n: string) => `${fixtureDir}${n}.har`;

describe('ledgertap analyze', () => {
  it('writes a valid model, OpenAPI YAML and TS types, and prints a summary', async () => {
    const dir = await tempDir();
    const r = await runCliInProcess(
      [
        'analyze',
        fx('auth-session'),
        fx('pagination'),
        '--out',
        'model.json',
        '--openapi',
        'api.yaml',
        '--types',
        'api.d.ts',
      ],
      { cwd: dir },
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/endpoint\(s\)/);
    expect(r.stdout).toMatch(/login post_v1_session/);
    expect(r.stdout).toMatch(/get_v1_items \(offset-limit\)/);
    const model = JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as { captures: { file: string }[] };
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.captures.map((c) => c.file)).toEqual(['auth-session.har', 'pagination.har']);
    expect(
      await validateOpenApi(parseYaml(await readFile(`${dir}/api.yaml`, 'utf8')) as Record<string, unknown>),
    ).toEqual([]);
    expect(await readFile(`${dir}/api.d.ts`, 'utf8')).toMatch(/export interface GetV1MeResponse200/);
  });

  it('a file named twice (by another path, a link) is analyzed once, with a warning', async () => {
    const dir = await tempDir();
    await symlink(fx('pagination'), `${dir}/link.har`);
    const once = await runCliInProcess(['analyze', fx('pagination'), '--out', 'once.json'], { cwd: dir });
    expect(once.code, once.stderr).toBe(0);
    const r = await runCliInProcess(
      ['analyze', fx('pagination'), 'link.har', fx('auth-session'), fx('pagination'), '--out', 'twice.json'],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('link.har: given more than once; analyzed once.');
    type Model = { captures: { file: string }[]; operations: { id: string; samples: number }[] };
    const read = async (f: string) => JSON.parse(await readFile(`${dir}/${f}`, 'utf8')) as Model;
    const twice = await read('twice.json');
    expect(twice.captures.map((c) => c.file)).toEqual(['pagination.har', 'auth-session.har']);
    const samples = (m: Model) => Object.fromEntries(m.operations.map((o) => [o.id, o.samples]));
    const alone = samples(await read('once.json'));
    expect(Object.keys(alone).length).toBeGreaterThan(0);
    for (const [id, n] of Object.entries(alone)) expect(samples(twice)[id]).toBe(n);
  });

  it('--json prints one JSON summary on stdout', async () => {
    const dir = await tempDir();
    const r = await runCliInProcess(['--json', 'analyze', fx('signing'), '--out', `${dir}/m.json`]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ ok: true, endpoints: 1, signing: 1, credentials: 3 });
  });

  it('reads gzip captures and salvages truncated ones with a warning', async () => {
    const dir = await tempDir();
    const text = JSON.stringify(
      har([
        entry({ url: 'https://api.example.test/v1/a', response: { ok: true } }),
        entry({ url: 'https://api.example.test/v1/b', response: { ok: true } }),
      ]),
    );
    await writeFile(`${dir}/c.har.gz`, gzipSync(text));
    await writeFile(`${dir}/cut.har`, text.slice(0, text.lastIndexOf('{"startedDateTime"') + 40));
    const r = await runCliInProcess(['--json', 'analyze', 'c.har.gz', 'cut.har', '--out', 'm.json'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { endpoints: number; warnings: string[] };
    expect(summary.endpoints).toBe(2);
    expect(summary.warnings.join(' ')).toMatch(/cut\.har/);
  });

  it('a capture with bytes that are not UTF-8 gives a model and a warning', async () => {
    const dir = await tempDir();
    const [before, after] = JSON.stringify(
      har([entry({ url: 'https://api.example.test/v1/name', response: { name: 'cafe' } })]),
    ).split('cafe') as [string, string];
    await writeFile(
      `${dir}/bad.har`,
      Buffer.concat([Buffer.from(`${before}caf`), Buffer.from([0xff, 0xfe]), Buffer.from(after)]),
    );
    const r = await runCliInProcess(['--json', 'analyze', 'bad.har', '--out', 'm.json'], { cwd: dir });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { endpoints: number; warnings: string[] };
    expect(summary.endpoints).toBe(1);
    expect(summary.warnings.join(' ')).toMatch(/UTF-8/);
  });

  it('a file that is not a HAR is a clear error with exit code 2, and nothing is written', async () => {
    const dir = await tempDir();
    await writeFile(`${dir}/x.har`, '{"hello": "world"}');
    const r = await runCliInProcess(['analyze', 'x.har', '--out', 'm.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.har/);
    await expect(readFile(`${dir}/m.json`)).rejects.toThrow();
  });

  it('usage errors: no --out, a missing file, a bad --max-body', async () => {
    const dir = await tempDir();
    expect((await runCliInProcess(['analyze', fx('rpc')], { cwd: dir })).code).toBe(2);
    const missing = await runCliInProcess(['--json', 'analyze', 'nope.har', '--out', 'm.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: 'input.not_found' });
    expect(
      (await runCliInProcess(['analyze', fx('rpc'), '--out', 'm.json', '--max-body', 'lots'], { cwd: dir }))
        .code,
    ).toBe(2);
  });

  it('--only-host keeps one API and sets the rest aside', async () => {
    const dir = await tempDir();
    const r = await runCliInProcess(
      ['--json', 'analyze', fx('auth-session'), '--out', 'm.json', '--only-host', 'api.example.test'],
      { cwd: dir },
    );
    const summary = JSON.parse(r.stdout) as { noiseEntries: number; endpoints: number };
    expect(summary.noiseEntries).toBe(1);
    expect(summary.endpoints).toBe(4);
  });
});

describe('ledgertap analyze --merge', () => {
  it('extends an earlier model with new captures', async () => {
    const dir = await tempDir();
    expect((await runCliInProcess(['analyze', fx('templates'), '--out', 'a.json'], { cwd: dir })).code).toBe(
      0,
    );
    const r = await runCliInProcess(
      ['--json', 'analyze', fx('rpc'), '--merge', 'a.json', '--out', 'b.json'],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const model = JSON.parse(await readFile(`${dir}/b.json`, 'utf8')) as {
      captures: { file: string }[];
      operations: unknown[];
    };
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.captures.map((c) => c.file)).toEqual(['templates.har', 'rpc.har']);
    expect(model.operations).toHaveLength(11 + 6);
  });

  it('a capture the --merge model holds already, or a copy under another name, is skipped with a warning', async () => {
    const dir = await tempDir();
    await copyFile(fx('pagination'), `${dir}/copy.har`);
    const first = await runCliInProcess(['analyze', fx('pagination'), '--out', 'a.json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    type Model = {
      captures: { file: string; fingerprint?: string }[];
      operations: { id: string; samples: number }[];
    };
    const read = async (f: string) => JSON.parse(await readFile(`${dir}/${f}`, 'utf8')) as Model;
    const a = await read('a.json');
    expect(a.captures[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const again = await runCliInProcess(
      ['analyze', 'copy.har', fx('rpc'), '--merge', 'a.json', '--out', 'b.json'],
      { cwd: dir },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      'copy.har: a.json was already inferred from this capture (as pagination.har); skipped.',
    );
    const b = await read('b.json');
    expect(validateProtocolModel(b)).toEqual([]);
    expect(b.captures.map((c) => c.file)).toEqual(['pagination.har', 'rpc.har']);
    const samples = (m: Model) => Object.fromEntries(m.operations.map((o) => [o.id, o.samples]));
    for (const [id, n] of Object.entries(samples(a))) expect(samples(b)[id]).toBe(n);

    const copies = await runCliInProcess(['analyze', fx('pagination'), 'copy.har', '--out', 'c.json'], {
      cwd: dir,
    });
    expect(copies.stderr).toContain('copy.har: the same capture as');
    expect((await read('c.json')).captures).toHaveLength(1);
  });

  it('a --merge file that is not a model fails before analysis', async () => {
    const dir = await tempDir();
    await writeFile(`${dir}/a.json`, '{}');
    const r = await runCliInProcess(['analyze', fx('rpc'), '--merge', 'a.json', '--out', 'b.json'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a protocol model/);
  });
});

describe('ledgertap analyze: WebSocket traffic', () => {
  it('summarizes WebSocket endpoints and messages, in text and --json', async () => {
    const dir = await tempDir();
    const text = await runCliInProcess(
      ['analyze', fx('websocket'), '--out', 'm.json', '--types', 'api.d.ts'],
      {
        cwd: dir,
      },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      '6 WebSocket endpoint(s), 45 message(s): ws_feed (1 kind(s)), ws_socketIo (8 kind(s)), ws_stream (7 kind(s)), ws_v1 (7 kind(s)), ws_ws (0 kind(s)), ws_ws_listenKey (3 kind(s)).',
    );
    expect(await readFile(`${dir}/api.d.ts`, 'utf8')).toContain('export type WsV1ReceiveMessage =');
    const json = await runCliInProcess(['--json', 'analyze', fx('websocket'), '--out', 'm2.json'], {
      cwd: dir,
    });
    const summary = JSON.parse(json.stdout) as {
      websocketEndpoints: number;
      websocketMessages: number;
      websockets: { id: string; kinds: string[] }[];
    };
    expect(summary.websocketEndpoints).toBe(6);
    expect(summary.websocketMessages).toBe(45);
    expect(summary.websockets.find((w) => w.id === 'ws_ws_listenKey')?.kinds).toEqual([
      'receive:executionReport',
      'receive:balanceUpdate',
      'receive:outboundAccountPosition',
    ]);
  });
});

describe('ledgertap analyze: matrix parameters and dates as versions', () => {
  it('a --merge model edited by hand so its OpenAPI cannot validate is bad input naming it, not a bug', async () => {
    const dir = await tempDir();
    expect((await runCliInProcess(['analyze', fx('templates'), '--out', 'a.json'], { cwd: dir })).code).toBe(
      0,
    );
    const model = JSON.parse(await readFile(`${dir}/a.json`, 'utf8')) as {
      operations: { responses: { bodies: { schema: unknown }[] }[] }[];
    };
    const op = model.operations.find((o) => o.responses.some((r) => r.bodies.length > 0))!;
    op.responses.find((r) => r.bodies.length > 0)!.bodies[0]!.schema = { $ref: '#/nowhere' };
    await writeFile(`${dir}/edited.json`, JSON.stringify(model));
    const r = await runCliInProcess(
      ['analyze', fx('rpc'), '--merge', 'edited.json', '--out', 'b.json', '--openapi', 'b.yaml'],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'edited.json: the OpenAPI document built with this earlier model does not validate',
    );
    expect(r.stderr).toContain('#/nowhere');
    expect(r.stderr).not.toContain('bug in ledgertap');
  });

  it('a body key named __proto__ is a property like any other, in the schema, its required list and a merge', async () => {
    const dir = await tempDir();
    const body = JSON.parse('{"__proto__": {"polluted": true}, "id": 1}') as unknown;
    const capture = (n: number) =>
      JSON.stringify(
        har([1, 2].map((i) => entry({ url: `https://api.example.test/v${n}/thing/${i}`, response: body }))),
      );
    await writeFile(`${dir}/a.har`, capture(1));
    await writeFile(`${dir}/b.har`, capture(1).replaceAll('"id":1', '"id":2'));
    expect((await runCliInProcess(['analyze', 'a.har', '--out', 'a.json'], { cwd: dir })).code).toBe(0);
    const merged = await runCliInProcess(['analyze', 'b.har', '--merge', 'a.json', '--out', 'b.json'], {
      cwd: dir,
    });
    expect(merged.code, merged.stderr).toBe(0);
    for (const file of ['a.json', 'b.json']) {
      const model = JSON.parse(await readFile(`${dir}/${file}`, 'utf8')) as {
        operations: { responses: { bodies: { schema: { properties: object; required: string[] } }[] }[] }[];
      };
      const schema = model.operations[0]!.responses[0]!.bodies[0]!.schema;
      expect(Object.keys(schema.properties).sort(), file).toEqual(['__proto__', 'id']);
      expect(schema.required.sort(), file).toEqual(['__proto__', 'id']);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('an encoded slash (%2F) stays inside its segment: one segment in the template, the OpenAPI key and replay', async () => {
    const dir = await tempDir();
    const api = 'https://repo.example.test';
    const files = ['src%2Fmain.ts', 'docs%2Findex.md', 'test%2Fa.ts', 'lib%2Fb.ts', 'bin%2Fc.ts'];
    await writeFile(
      `${dir}/repo.har`,
      JSON.stringify(
        har([
          entry({ url: `${api}/v1/readme%2Fraw/meta`, response: { ok: true } }),
          ...files.map((f) => entry({ url: `${api}/v1/files/${f}/meta`, response: { size: 1, path: f } })),
        ]),
      ),
    );
    const r = await runCliInProcess(['analyze', 'repo.har', '--out', 'model.json', '--openapi', 'api.json'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as {
      operations: { pathTemplate: string }[];
    };
    const templates = model.operations.map((o) => o.pathTemplate).sort();
    expect(templates).toHaveLength(2);
    expect(templates).toContain('/v1/readme%2Fraw/meta');
    const files0 = templates.find((t) => t.startsWith('/v1/files/'));
    expect(files0).toMatch(/^\/v1\/files\/\{[A-Za-z]+\}\/meta$/);
    const doc = JSON.parse(await readFile(`${dir}/api.json`, 'utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/readme%2Fraw/meta');
    expect(await validateOpenApi(doc as Record<string, unknown>)).toEqual([]);
  });

  it('keeps servlet sessions out of the templates and dated versions literal, in the model and the OpenAPI', async () => {
    const dir = await tempDir();
    const session = '9F8E7D6C5B4A39281706F5E4D3C2B1A0';
    const shop = 'https://shop.example.test';
    await writeFile(
      `${dir}/shop.har`,
      JSON.stringify(
        har([
          entry({
            url: `${shop}/api/2023-10-01/start`,
            responseHeaders: [['Set-Cookie', `JSESSIONID=${session}; Path=/; HttpOnly`]],
            response: { ok: true },
          }),
          entry({ url: `${shop}/api/2023-10-01/cart;jsessionid=${session}/items`, response: { items: [] } }),
          entry({
            url: `${shop}/api/2023-10-01/cart/items`,
            requestCookies: { JSESSIONID: session },
            response: { items: [] },
          }),
          entry({ url: `${shop}/api/2023-10-01/cars;color=red/list`, response: { cars: [] } }),
          entry({ url: `${shop}/api/2023-10-01/cars;color=blue/list`, response: { cars: [] } }),
        ]),
      ),
    );
    const r = await runCliInProcess(['analyze', 'shop.har', '--out', 'model.json', '--openapi', 'api.yaml'], {
      cwd: dir,
    });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const modelText = await readFile(`${dir}/model.json`, 'utf8');
    const apiText = await readFile(`${dir}/api.yaml`, 'utf8');
    const model = JSON.parse(modelText) as {
      operations: { pathTemplate: string; samples: number }[];
      auth: { credentials: { id: string; consumers: string[]; issuedBy: { name: string }[] }[] };
    };
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.operations.map((o) => `${o.pathTemplate} ${o.samples}`).sort()).toEqual([
      '/api/2023-10-01/cars/list 2',
      '/api/2023-10-01/cart/items 2',
      '/api/2023-10-01/start 1',
    ]);
    expect(model.auth.credentials.find((c) => c.id === 'path-matrix:jsessionid')).toMatchObject({
      consumers: ['get_api_2023_10_01_cart_items'],
      issuedBy: [{ name: 'JSESSIONID' }],
    });
    const api = parseYaml(apiText) as Record<string, unknown> & { paths: Record<string, unknown> };
    expect(await validateOpenApi(api)).toEqual([]);
    expect(Object.keys(api.paths).sort()).toEqual([
      '/api/2023-10-01/cars{color}/list',
      '/api/2023-10-01/cart/items',
      '/api/2023-10-01/start',
    ]);
    expect(modelText).not.toContain(session);
    expect(apiText).not.toContain(session);
  });
});
