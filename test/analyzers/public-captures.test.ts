/**
 * Real captures from public repositories (test/fixtures/har-public/, origins in its README) through the
 * public surface: the `ledgertap` CLI and the package exports. The expectations are the labels of
 * bench/quality/recorded.ts (from the APIs' own descriptions), so a regression in an analyzer shows here.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { analyzeLogs, readHar, validateProtocolModel, type HarEntry } from '../../index.js';
import { publicFixtureDir, recordedCaptures, recordedSpecs } from '../../bench/quality/recorded.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
const files = recordedSpecs.flatMap((s) => s.files);
const path = (f: string) => `${publicFixtureDir}${f}`;

interface ModelJson {
  operations: {
    method: string;
    pathTemplate: string;
    responses: { status: number; bodies: { schema: unknown }[] }[];
  }[];
  auth: { credentials: { id: string }[] };
  pagination: unknown[];
}

async function entriesOf(list: string[]): Promise<HarEntry[]> {
  const out: HarEntry[] = [];
  for (const f of list) {
    const reader = await readHar(path(f));
    for await (const e of reader.entries()) out.push(e);
  }
  return out;
}

describe('public captures: ledgertap har validate / inspect', () => {
  it.each(files)('%s reads without a crash', async (f) => {
    const inspect = await runCliInProcess(['har', 'inspect', path(f)]);
    expect(inspect.stderr).not.toMatch(/internal error/i);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/producer: Polly\.JS/);
    expect(inspect.stdout).toMatch(/entries: [12]\b/);
    const validate = await runCliInProcess(['har', 'validate', path(f)]);
    expect(validate.stderr).not.toMatch(/internal error/i);
    expect([0, 1]).toContain(validate.code);
  });

  it('counts the array-valued headers Polly.JS 1.x wrote (coerced, not fatal)', async () => {
    const r = await runCliInProcess(['har', 'inspect', path('pollyjs-jsonplaceholder-node-fetch.har')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/invalid_header/);
  });
});

describe('public captures: ledgertap analyze', () => {
  it('JSONPlaceholder (Polly.JS): the documented resources, named after their collection, no credential', async () => {
    const dir = await tempDir();
    const spec = recordedSpecs.find((s) => s.name === 'jsonph-polly');
    const r = await runCliInProcess(['analyze', ...(spec?.files ?? []).map(path), '--out', 'model.json'], {
      cwd: dir,
    });
    expect(r.stderr).not.toMatch(/internal error/i);
    expect(r.code).toBe(0);
    const model = JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as ModelJson;
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /posts/{postId}',
      'GET /users/{userId}',
    ]);
    // Cloudflare's `__cfduid` Set-Cookie is not a credential: nothing sends it back.
    expect(model.auth.credentials).toEqual([]);
    expect(model.pagination).toEqual([]);
    // Every recording of /posts/1 (plain text and Polly's gzip hex chunks, decoded) gives the post's schema.
    const post = model.operations.find((o) => o.pathTemplate === '/posts/{postId}');
    const schema = post?.responses[0]?.bodies[0]?.schema as { anyOf?: { type?: string }[] } | undefined;
    const object = schema?.anyOf?.find((v) => v.type === 'object') ?? schema;
    expect(object).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['userId', 'id', 'title', 'body']) as unknown,
      properties: { userId: { type: 'integer' }, id: { type: 'integer' }, title: { type: 'string' } },
    });
  });

  it('GitHub REST (Polly.JS): unauthenticated reads, one endpoint per path, no credential', async () => {
    const dir = await tempDir();
    const spec = recordedSpecs.find((s) => s.name === 'github-polly');
    const r = await runCliInProcess(['analyze', ...(spec?.files ?? []).map(path), '--out', 'model.json'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const model = JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as ModelJson;
    expect(validateProtocolModel(model)).toEqual([]);
    expect(model.operations.every((o) => o.method === 'GET')).toBe(true);
    expect(model.auth.credentials).toEqual([]);
    expect(model.pagination).toEqual([]);
  });

  // Polly.JS keeps gzip-encoded bodies as a JSON array of hex chunks (`content._isBinary`); the reader
  // decodes them, so the echoed login in the bodies templates the two user siblings.
  it('GitHub REST (Polly.JS): /users/{username} and /repos/{owner}/{repo} as the OpenAPI defines them', async () => {
    const spec = recordedSpecs.find((s) => s.name === 'github-polly');
    const r = analyzeLogs([{ entries: await entriesOf(spec?.files ?? []) }]);
    expect(r.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /repos/{login}/{name}',
      'GET /users/{login}',
    ]);
  });
});

describe('public captures: Polly.JS hex-chunk bodies', () => {
  // Polly.JS 1.x keeps a gzip body as a JSON array of hex chunks; the reader decodes them, so the schema of
  // /posts/{postId} has no `array of hex strings` variant that the API never sent.
  it('the schema of /posts/{postId} has no array variant', async () => {
    const spec = recordedSpecs.find((s) => s.name === 'jsonph-polly');
    const r = analyzeLogs([{ entries: await entriesOf(spec?.files ?? []) }]);
    const post = r.operations.find((o) => o.pathTemplate === '/posts/{postId}');
    expect(JSON.stringify(post?.responses[0]?.bodies[0]?.schema)).not.toMatch(/"array"/);
  });
});

describe('public captures: package exports', () => {
  it('every recorded capture analyzes into a valid model through analyzeLogs', async () => {
    for (const c of await recordedCaptures()) {
      const r = analyzeLogs([{ entries: c.entries }]);
      expect(r.operations.length).toBeGreaterThan(0);
      expect(r.auth.credentials.map((x) => x.id)).toEqual(c.labels.credentials);
      expect(r.pagination).toEqual([]);
    }
  });
});
