import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import { entry, har } from './build.js';
import { analyzeFixture } from './fixtures.js';

const templates = (name: string): string[] =>
  analyzeFixture(name).operations.map((o) => `${o.method} ${o.pathTemplate}`);

describe('path templates (templates.har)', () => {
  const result = analyzeFixture('templates');
  const byTemplate = new Map(result.operations.map((o) => [o.pathTemplate, o]));

  it('templates every id shape and names parameters from their context', () => {
    expect(templates('templates')).toEqual(
      expect.arrayContaining([
        'GET /v1/users/{userId}',
        'GET /v1/users/{userId}/repos',
        'GET /v1/orders/{orderId}',
        'GET /api/v1/users/{userId}/factors',
        'GET /v1/reports/daily/{date}',
        'GET /v3/ticker/{symbol}',
      ]),
    );
  });

  it('keeps a static route apart from its parameterized siblings', () => {
    expect(byTemplate.get('/v1/users/me')?.samples).toBe(1);
    expect(byTemplate.get('/v1/users/{userId}')?.samples).toBe(3);
  });

  it('never templates versions', () => {
    expect(byTemplate.has('/v2/status')).toBe(true);
    expect(byTemplate.has('/v3/status')).toBe(true);
  });

  it('templates slugs by sibling evidence and by values echoed in responses', () => {
    expect(byTemplate.get('/v1/teams/{team}/members')?.parameters[0]?.reason).toMatch(/sibling/);
    const repo = [...byTemplate.keys()].find((t) => t.startsWith('/v1/repos/'));
    expect(repo).toBe('/v1/repos/{login}/{name}/issues');
    expect(byTemplate.get(repo as string)?.parameters[0]?.reason).toMatch(/echoed/);
  });

  it('gives a confidence per template, highest for UUIDs', () => {
    const uuid = byTemplate.get('/v1/orders/{orderId}')?.confidence ?? 0;
    const words = byTemplate.get('/v1/teams/{team}/members')?.confidence ?? 1;
    expect(uuid).toBeGreaterThan(0.9);
    expect(words).toBeLessThan(uuid);
  });

  it('does not merge different collections that happen to be siblings (optic#907)', () => {
    // items, meetings, events and logs answer with different shapes: they are routes, not values.
    const t = templates('pagination');
    expect(t).toEqual(
      expect.arrayContaining(['GET /v1/items', 'GET /v1/meetings', 'GET /v1/events', 'GET /v1/logs']),
    );
    expect(t.some((x) => x.includes('{'))).toBe(false);
  });

  it('parameters carry types, presence and redacted examples', () => {
    const r = analyzeLogs([
      har([
        entry({ url: 'https://api.example.test/v1/search?q=a&limit=10&email=holder%40example.test' }),
        entry({ url: 'https://api.example.test/v1/search?q=b&limit=20' }),
      ]).log,
    ]);
    const op = r.operations[0];
    const limit = op?.parameters.find((p) => p.name === 'limit');
    const email = op?.parameters.find((p) => p.name === 'email');
    expect(limit).toMatchObject({ in: 'query', required: true, presence: 1, schema: { type: 'integer' } });
    expect(email).toMatchObject({ required: false, presence: 0.5, examples: ['[redacted]'] });
  });
});

describe('RPC over one URL (rpc.har)', () => {
  it('splits GraphQL operations, JSON-RPC methods and ?action= switches into operations', () => {
    const ops = analyzeFixture('rpc').operations;
    const names = ops.map((o) => `${o.rpc?.kind}:${o.rpc?.name}:${o.classification.effect}`);
    expect(names.sort()).toEqual([
      'action:cancelOrder:write',
      'action:getPrices:read',
      'graphql:AddStar:write',
      'graphql:Viewer:read',
      'jsonrpc:eth_getBalance:read',
      'jsonrpc:eth_sendRawTransaction:write',
    ]);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
  });
});

describe('noise (noise.har)', () => {
  it('sets static assets, analytics, telemetry and CDNs aside and lists them', () => {
    const r = analyzeFixture('noise');
    expect(r.operations.map((o) => o.pathTemplate)).toEqual(['/v1/account']);
    expect(r.noise.map((n) => `${n.reason} ${n.origin}`).sort()).toEqual([
      'analytics https://www.google-analytics.com',
      'cdn https://cdn.example.test',
      'static-asset https://www.example.test',
      'telemetry https://o1.ingest.sentry.io',
    ]);
    expect(r.stats.noiseEntries).toBe(6);
  });
});

describe('classification', () => {
  it('marks writes unsafe to replay and reads safe, with the surface from the guide step', () => {
    const r = analyzeLogs([
      har([
        entry({ url: 'https://api.example.test/v1/orders', step: 'orders' }),
        entry({ method: 'DELETE', url: 'https://api.example.test/v1/orders/5' }),
        entry({ method: 'POST', url: 'https://api.example.test/v1/orders/query', requestBody: { page: 1 } }),
        entry({
          method: 'POST',
          url: 'https://api.example.test/v1/withdraw/apply',
          requestBody: { amount: '1' },
        }),
      ]).log,
    ]);
    const by = new Map(r.operations.map((o) => [`${o.method} ${o.pathTemplate}`, o]));
    expect(by.get('GET /v1/orders')?.classification).toMatchObject({ effect: 'read', unsafeToReplay: false });
    expect(by.get('GET /v1/orders')?.surface).toBe('orders');
    expect(by.get('DELETE /v1/orders/{orderId}')?.classification.unsafeToReplay).toBe(true);
    expect(by.get('POST /v1/orders/query')?.classification.effect).toBe('read');
    expect(by.get('POST /v1/withdraw/apply')?.classification).toMatchObject({
      effect: 'write',
      unsafeToReplay: true,
    });
    expect(by.get('POST /v1/withdraw/apply')?.surface).toBe('withdraw/apply');
  });
});

describe('evidence', () => {
  it('points findings at entries and JSON Pointers', () => {
    const r = analyzeFixture('templates');
    const f = r.findings.find(
      (x) => x.kind === 'endpoint.template' && x.operationId === 'get_v1_orders_orderId',
    );
    expect(f?.evidence[0]).toMatchObject({ capture: 0, pointer: '/request/url' });
    expect(f?.summary).toMatch(/\{orderId\}/);
    expect(f?.confidence).toBeGreaterThan(0.9);
  });
});

describe('parameter names from echoed values', () => {
  it('does not name a segment after a foreign key that merely shares its value (JSONPlaceholder /posts/1)', () => {
    // Recorded JSONPlaceholder answers: a post carries `userId: 1, id: 1`, so the value 1 echoes as
    // `userId` too; under /posts/ it identifies a post.
    const r = analyzeLogs([
      har([
        entry({
          url: 'https://jsonplaceholder.example.test/posts/1',
          response: { userId: 1, id: 1, title: 't', body: 'b' },
        }),
        entry({
          url: 'https://jsonplaceholder.example.test/users/1',
          response: { id: 1, name: 'Leanne Graham', username: 'Bret' },
        }),
      ]).log,
    ]);
    expect(r.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /posts/{postId}',
      'GET /users/{userId}',
    ]);
  });

  it('keeps an echoed name that matches the collection (`/orders/{orderId}`)', () => {
    const r = analyzeLogs([
      har([entry({ url: 'https://shop.example.test/orders/ord-7f3a9', response: { orderId: 'ord-7f3a9' } })])
        .log,
    ]);
    expect(r.operations[0]?.pathTemplate).toBe('/orders/{orderId}');
  });
});
