/**
 * Real captures from public repositories (test/fixtures/har-public/, origins in its README) through the
 * public surface: the `ledgertap` CLI and the package exports. The expectations are the labels of
 * bench/quality/recorded.ts (from the APIs' own descriptions), so a regression in an analyzer shows here.
 * Auth: a GitHub App installation token and an Auth0 client-credentials token (JupiterOne's redacted
 * Polly.JS recordings), a double-submit CSRF token (Kofax TotalAgility, Firefox and Fiddler exports), a
 * vSphere session call, a Salesforce refresh-token grant; Linear GraphQL and Snipe-IT offset/limit paging.
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
    id: string;
    method: string;
    origin: string;
    originVariables?: Record<string, string[]>;
    pathTemplate: string;
    responses: { status: number; bodies: { schema: unknown }[] }[];
  }[];
  auth: {
    credentials: {
      id: string;
      kind: string;
      consumers: string[];
      issuedBy: { via: string; name: string; operationId?: string; linkedBy: string }[];
      derivedFrom?: { credential: string; transform: string; linkedBy: string };
    }[];
    calls: { role: string; operationId: string; credentials: string[] }[];
  };
  pagination: { operationId: string; style: string }[];
}

/** Producer and entry count of each recorded file, as `ledgertap har inspect` prints them. */
const inspected: Record<string, [RegExp, number]> = {
  'kofax-totalagility-firefox77.har': [/producer: Firefox 77\.0\.1/, 1],
  'kofax-totalagility-fiddler.har': [/producer: Fiddler/, 1],
  'j1-github-app-installation-token.har': [/producer: Polly\.JS 5\.1\.1/, 3],
  'j1-auth0-fetch-users.har': [/producer: Polly\.JS 6\.0\.5/, 2],
  'j1-auth0-users-pages-0-3.har': [/producer: Polly\.JS 6\.0\.6/, 5],
  'j1-vsphere-session.har': [/producer: Polly\.JS 6\.0\.5/, 2],
  'j1-salesforce-refresh-users-3.har': [/producer: Polly\.JS 6\.0\.5/, 3],
  'j1-salesforce-refresh-invalid.har': [/producer: Polly\.JS 6\.0\.5/, 2],
  'j1-linear-graphql-2.har': [/producer: Polly\.JS 6\.0\.6/, 2],
  'j1-snipeit-offset-limit.har': [/producer: Polly\.JS 5\.1\.1/, 2],
  'j1-github-graphql-members.har': [/producer: Polly\.JS 4\.3\.0/, 3],
  'j1-gitlab-group-projects.har': [/producer: Polly\.JS 4\.1\.0/, 2],
};

async function analyzeCli(name: string): Promise<ModelJson> {
  const dir = await tempDir();
  const spec = recordedSpecs.find((s) => s.name === name);
  const r = await runCliInProcess(['analyze', ...(spec?.files ?? []).map(path), '--out', 'model.json'], {
    cwd: dir,
  });
  expect(r.stderr).not.toMatch(/internal error/i);
  expect(r.code).toBe(0);
  const model = JSON.parse(await readFile(`${dir}/model.json`, 'utf8')) as ModelJson;
  expect(validateProtocolModel(model)).toEqual([]);
  return model;
}

const routeOf = (model: ModelJson, operationId: string | undefined): string | undefined => {
  const op = model.operations.find((o) => o.id === operationId);
  return op ? `${op.method} ${op.pathTemplate}` : undefined;
};

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
    const [producer, count] = inspected[f] ?? [/producer: Polly\.JS/, 0];
    expect(inspect.stdout).toMatch(producer);
    expect(inspect.stdout).toMatch(count ? new RegExp(`entries: ${count}\\b`) : /entries: [12]\b/);
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
    const model = await analyzeCli('jsonph-polly');
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
    const model = await analyzeCli('github-polly');
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

describe('public captures with credentials: ledgertap analyze', () => {
  it('GitHub App (JupiterOne, redacted): the installation-token call issues the Authorization the GraphQL call sends', async () => {
    const model = await analyzeCli('github-app-j1');
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'POST /app/installations/{installationId}/access_tokens',
      'POST /graphql',
    ]);
    expect(model.auth.credentials.map((c) => c.id)).toEqual(['authorization:authorization']);
    const auth = model.auth.credentials[0];
    // Both values are `[REDACTED]`: the link is by the issuing field's name (`token`) and by order.
    expect(auth?.issuedBy.map((i) => [i.via, i.name, i.linkedBy, routeOf(model, i.operationId)])).toEqual([
      ['json-field', 'token', 'name', 'POST /app/installations/{installationId}/access_tokens'],
    ]);
    expect(auth?.consumers.map((id) => routeOf(model, id))).toContain('POST /graphql');
    // The second recording's members query binds its cursor to `after: $membersWithRole` and its answer
    // carries `pageInfo` (one page, `hasNextPage: false`): declared, over the bound variable.
    expect(
      model.pagination.map((p) => [
        routeOf(model, p.operationId),
        p.style,
        (p as { parameters?: string[] }).parameters,
      ]),
    ).toEqual([['POST /graphql', 'graphql-pageinfo', ['membersWithRole']]]);
  });

  it('Auth0 (JupiterOne, redacted): /oauth/token issues the bearer token; /api/v2/users pages by page and per_page', async () => {
    const model = await analyzeCli('auth0-j1');
    // Two tenants in two regions (two recordings, two hosts): one templated origin, each route once.
    expect(model.operations.map((o) => `${o.method} ${o.origin}${o.pathTemplate}`).sort()).toEqual([
      'GET https://{tenant}.{region}.auth0.com/api/v2/users',
      'POST https://{tenant}.{region}.auth0.com/oauth/token',
    ]);
    expect(model.operations[0]?.originVariables).toEqual({
      region: ['au', 'us'],
      tenant: ['dev-1twhdvfgiaaimlwz', 'dev-kyq64v8831k21hfm'],
    });
    // Auth0's `did`, `did_compat` and `__cf_bm` cookies are never sent back; `auth0-client` is telemetry.
    expect(model.auth.credentials.map((c) => c.id)).toEqual(['authorization:authorization']);
    const auth = model.auth.credentials[0];
    expect(auth?.issuedBy.map((i) => [i.via, i.name, routeOf(model, i.operationId)])).toContainEqual([
      'json-field',
      'access_token',
      'POST /oauth/token',
    ]);
    expect(new Set(auth?.consumers.map((id) => routeOf(model, id)))).toEqual(new Set(['GET /api/v2/users']));
    expect(model.auth.calls.map((c) => [c.role, routeOf(model, c.operationId)])).toContainEqual([
      'login',
      'POST /oauth/token',
    ]);
    expect(new Set(model.pagination.map((p) => `${routeOf(model, p.operationId)} ${p.style}`))).toEqual(
      new Set(['GET /api/v2/users page-size']),
    );
  });

  it('Kofax TotalAgility (Firefox and Fiddler): a WCF route kept literal, a session cookie and a double-submit CSRF token', async () => {
    const model = await analyzeCli('kofax-csrf');
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`)).toEqual([
      'POST /agility.server.web/Services/SDK/ServerService.svc/json/GetNavigationMenu2',
    ]);
    expect(model.auth.credentials.map((c) => [c.id, c.kind])).toEqual([
      ['cookie:CSRFDesignerToken', 'csrf'],
      ['cookie:SESSION_ID', 'session'],
      ['header:csrfdesignertoken', 'csrf'],
    ]);
    // The header repeats the cookie's value in both exports (two different tokens): double-submit.
    expect(model.auth.credentials.find((c) => c.id === 'header:csrfdesignertoken')?.derivedFrom).toEqual({
      credential: 'cookie:CSRFDesignerToken',
      transform: 'identity (double-submit cookie)',
      linkedBy: 'value',
    });
    // Nothing in the capture issues them: no login call, no Set-Cookie.
    expect(model.auth.credentials.every((c) => c.issuedBy.length === 0)).toBe(true);
    expect(model.pagination).toEqual([]);
  });
});

describe('public captures: session, refresh, GraphQL and offset paging (JupiterOne, redacted)', () => {
  it('vSphere: POST /api/session answers the session id the next call sends as vmware-api-session-id', async () => {
    const model = await analyzeCli('vsphere-session');
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /rest/appliance/system/version',
      'POST /api/session',
    ]);
    expect(model.auth.credentials.map((c) => [c.id, c.kind])).toEqual([
      ['authorization:authorization', 'token'],
      ['header:vmware-api-session-id', 'session'],
    ]);
    const session = model.auth.credentials.find((c) => c.id === 'header:vmware-api-session-id');
    // Both values are `[REDACTED]`: linked by the header's name, the response header to the request header.
    expect(session?.issuedBy.map((i) => [i.via, i.name, i.linkedBy, routeOf(model, i.operationId)])).toEqual([
      ['header', 'vmware-api-session-id', 'name', 'POST /api/session'],
    ]);
    expect(session?.consumers.map((id) => routeOf(model, id))).toEqual([
      'GET /rest/appliance/system/version',
    ]);
    // The Basic credentials go to the session call only.
    const basic = model.auth.credentials.find((c) => c.id === 'authorization:authorization');
    expect(basic?.consumers.map((id) => routeOf(model, id))).toEqual(['POST /api/session']);
    expect(model.auth.calls.map((c) => [c.role, routeOf(model, c.operationId)])).toContainEqual([
      'login',
      'POST /api/session',
    ]);
    expect(model.pagination).toEqual([]);
  });

  it('Salesforce: a 401, the refresh-token grant, the retry with the new bearer token; User joins UserRole as {sobject}', async () => {
    const model = await analyzeCli('salesforce-j1');
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /services/data/v50.0/sobjects/{sobject}/describe',
      'POST /services/oauth2/token',
    ]);
    expect(model.auth.credentials.map((c) => [c.id, c.kind])).toEqual([
      ['authorization:authorization', 'token'],
      ['body:client_secret', 'secret'],
      ['body:refresh_token', 'refresh-token'],
    ]);
    const auth = model.auth.credentials.find((c) => c.id === 'authorization:authorization');
    expect(auth?.issuedBy.map((i) => [i.via, i.name, routeOf(model, i.operationId)])).toEqual([
      ['json-field', 'access_token', 'POST /services/oauth2/token'],
    ]);
    expect(auth?.consumers.map((id) => routeOf(model, id))).toEqual([
      'GET /services/data/v50.0/sobjects/{sobject}/describe',
    ]);
    expect(model.auth.calls.map((c) => [c.role, routeOf(model, c.operationId)])).toContainEqual([
      'refresh',
      'POST /services/oauth2/token',
    ]);
    // The refresh token and client secret sent in the form body: nothing in the capture issued them.
    for (const id of ['body:client_secret', 'body:refresh_token'])
      expect(model.auth.credentials.find((c) => c.id === id)?.issuedBy).toEqual([]);
    expect(model.pagination).toEqual([]);
  });

  it('Linear GraphQL: one endpoint, the API key, Relay pageInfo declared by the query on a first page', async () => {
    const model = await analyzeCli('linear-graphql');
    expect([...new Set(model.operations.map((o) => `${o.method} ${o.pathTemplate}`))]).toEqual([
      'POST /graphql',
    ]);
    expect(model.auth.credentials.map((c) => c.id)).toEqual(['authorization:authorization']);
    // Cloudflare's `__cf_bm` and `_cfuvid` are set and never sent back.
    expect(model.auth.credentials[0]?.issuedBy).toEqual([]);
    expect(model.pagination.map((p) => [routeOf(model, p.operationId), p.style])).toEqual([
      ['POST /graphql', 'graphql-pageinfo'],
    ]);
    const page = model.pagination[0] as unknown as {
      parameters: string[];
      observed: boolean;
      hasMoreField?: string;
    };
    expect(page).toMatchObject({
      parameters: ['after', 'before', 'first', 'last'],
      observed: false,
      hasMoreField: 'data.teams.pageInfo.hasNextPage',
    });
  });

  it('Snipe-IT: offset/limit on both listings, the bearer API key, the session cookie it sets is not a credential', async () => {
    const model = await analyzeCli('snipeit-offset');
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /api/v1/locations',
      'GET /api/v1/users',
    ]);
    expect(model.auth.credentials.map((c) => c.id)).toEqual(['authorization:authorization']);
    expect(model.pagination.map((p) => [routeOf(model, p.operationId), p.style]).sort()).toEqual([
      ['GET /api/v1/locations', 'offset-limit'],
      ['GET /api/v1/users', 'offset-limit'],
    ]);
  });
});

describe('public captures: GitLab with a vendor token header', () => {
  it('GitLab: /groups and /groups/{id}/projects paged by page/per_page, the Private-Token header', async () => {
    const model = await analyzeCli('gitlab-j1');
    expect(model.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /api/v4/groups',
      'GET /api/v4/groups/{groupId}/projects',
    ]);
    // `Private-Token` has no `x-` prefix; Cloudflare's `__cfduid` is set and never sent back.
    expect(model.auth.credentials.map((c) => [c.id, c.consumers.length])).toEqual([
      ['header:private-token', 2],
    ]);
    expect(model.pagination.map((p) => [routeOf(model, p.operationId), p.style]).sort()).toEqual([
      ['GET /api/v4/groups', 'page-size'],
      ['GET /api/v4/groups/{groupId}/projects', 'page-size'],
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
      const byId = new Map(r.operations.map((o) => [o.id, o]));
      const key = (id: string | undefined): string => {
        const op = id ? byId.get(id) : undefined;
        return op ? `${op.method} ${op.pathTemplate.replace(/\{[^}]*\}/g, '{}')}` : '?';
      };
      expect([...new Set(r.operations.map((o) => key(o.id)))].sort(), c.name).toEqual(
        [...c.labels.templates].sort(),
      );
      expect(
        r.auth.credentials.map((x) => x.id),
        c.name,
      ).toEqual(c.labels.credentials);
      const flows = r.auth.credentials.flatMap((x) =>
        x.issuedBy.map((i) => `${x.id} <- ${key(i.operationId)}`),
      );
      expect(flows, c.name).toEqual(c.labels.flows);
      expect([...new Set(r.pagination.map((p) => `${key(p.operationId)} ${p.style}`))], c.name).toEqual(
        c.labels.pagination,
      );
    }
  });
});
