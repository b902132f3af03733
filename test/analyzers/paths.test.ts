import { describe, expect, it } from 'vitest';
import { analyzeLogs, resolveAnalyzeOptions } from '../../analyzers/index.js';
import { isWordFileName, PathTrie } from '../../analyzers/paths.js';
import { isLocale } from '../../analyzers/shapes.js';
import { entry, har } from './build.js';

describe('path templates: server files named in words stay literal', () => {
  it.each([
    ['ServerService.svc', true],
    ['Default.aspx', true],
    ['GetUser.php', true],
    ['index.html', true],
    ['WebResource.axd', true],
    ['a1B2c3D4e5.json', false],
    ['QXZ7TPLKRW.svc', false],
    ['ServerService', false],
  ])('%s is a word-named file: %s', (segment, expected) => {
    expect(isWordFileName(segment)).toBe(expected);
  });

  // Kofax TotalAgility (test/fixtures/har-public/kofax-totalagility-*.har): the WCF service file's dot and
  // PascalCase humps made it look like an opaque id, so one call became `/SDK/{sDKId}/json/...`.
  it('keeps a WCF service file literal in a single-call capture', () => {
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://tenant.example.test/agility.server.web/Services/SDK/ServerService.svc/json/GetNavigationMenu2',
          requestBody: { sessionId: '' },
          response: { d: { Name: 'WorkspaceMenu' } },
        }),
      ]).log,
    ]);
    expect(r.operations.map((o) => `${o.method} ${o.pathTemplate}`)).toEqual([
      'POST /agility.server.web/Services/SDK/ServerService.svc/json/GetNavigationMenu2',
    ]);
  });

  it('still templates opaque ids that happen to end in an extension-like suffix', () => {
    const r = analyzeLogs([
      har([
        entry({ url: 'https://files.example.test/blobs/a8Xk2Pq9Zr7Lm.json', response: { ok: true } }),
        entry({ url: 'https://files.example.test/blobs/Q3wE9rT5yU1iO.json', response: { ok: true } }),
      ]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate)).toEqual(['/blobs/{blobId}']);
  });
});

describe('path templates: a segment hundreds of characters long', () => {
  it('is a value from one sample up, not a route of its own', () => {
    const blob = 'abc-def_'.repeat(150_000);
    const r = analyzeLogs([
      har([
        entry({ url: `https://api.example.test/files/${blob}/meta`, response: { ok: 1 } }),
        entry({ url: 'https://api.example.test/files/recent/meta', response: { ok: 1 } }),
      ]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate).sort()).toEqual([
      '/files/recent/meta',
      '/files/{fileId}/meta',
    ]);
  });
});

describe('capitalised vocabulary words beside echoed values', () => {
  // Salesforce `/sobjects/{sObject}/describe` (recorded in test/fixtures/har-public/j1-salesforce-*.har):
  // `UserRole` is echoed as the body's `name`; `User` is a vocabulary word, but capitalised like its sibling.
  const describe = (name: string, status = 200) =>
    entry({
      url: `https://org.example.test/services/data/v50.0/sobjects/${name}/describe`,
      status,
      response: status === 200 ? { name, label: name, fields: [] } : [{ errorCode: 'INVALID_SESSION_ID' }],
    });

  it('joins a capitalised vocabulary word to the echoed sibling parameter', () => {
    const r = analyzeLogs([har([describe('UserRole'), describe('User', 401)]).log]);
    expect(r.operations.map((o) => `${o.method} ${o.pathTemplate}`)).toEqual([
      'GET /services/data/v50.0/sobjects/{sobject}/describe',
    ]);
  });

  it('keeps a lower-case vocabulary word literal beside echoed ids', () => {
    const r = analyzeLogs([
      har([
        entry({ url: 'https://api.example.test/teams/Platform/members', response: { id: 'Platform' } }),
        entry({ url: 'https://api.example.test/teams/user/members', response: [{ id: 'x' }] }),
      ]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate).sort()).toEqual([
      '/teams/user/members',
      '/teams/{team}/members',
    ]);
  });
});

describe('path templates: language tags', () => {
  it.each([
    ['en', true],
    ['de-DE', true],
    ['pt_BR', true],
    ['zh-Hans', true],
    ['zh-Hans-CN', true],
    ['en-us', true],
    ['xx', false],
    ['api', false],
    ['users', false],
    ['v1', false],
    ['my-id', false],
  ])('%s is a language tag: %s', (segment, expected) => {
    expect(isLocale(segment)).toBe(expected);
  });

  it('makes the same pages in several languages one {locale} route, at the first segment too', () => {
    const r = analyzeLogs([
      har([
        ...['en-US', 'de-DE', 'fr'].flatMap((l) => [
          entry({ url: `https://shop.example.test/${l}/products`, response: { products: [] } }),
          entry({ url: `https://shop.example.test/${l}/cart`, response: { cart: [] } }),
        ]),
        entry({ url: 'https://shop.example.test/api/session', response: { ok: true } }),
        entry({ url: 'https://shop.example.test/help/faq', response: { ok: true } }),
      ]).log,
    ]);
    const templates = r.operations.map((o) => o.pathTemplate).sort();
    expect(templates).toEqual(['/api/session', '/help/faq', '/{locale}/cart', '/{locale}/products']);
    const param = r.operations
      .find((o) => o.pathTemplate === '/{locale}/cart')!
      .parameters.find((p) => p.in === 'path');
    expect(param?.name).toBe('locale');
  });

  it('a single language, or tags leading to unrelated pages, stay literal', () => {
    const r = analyzeLogs([
      har([
        entry({ url: 'https://a.example.test/en/my/wallet', response: { ok: true } }),
        entry({ url: 'https://a.example.test/en/markets', response: { ok: true } }),
        entry({ url: 'https://b.example.test/de/impressum', response: { ok: true } }),
        entry({ url: 'https://b.example.test/fr/mentions', response: { ok: true } }),
      ]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate).sort()).toEqual([
      '/de/impressum',
      '/en/markets',
      '/en/my/wallet',
      '/fr/mentions',
    ]);
  });
});

describe('path templates: a date as an API version', () => {
  const templates = (urls: string[], query = '') =>
    analyzeLogs([
      har(urls.map((u) => entry({ url: `https://api.example.test${u}${query}`, response: { ok: true } })))
        .log,
    ])
      .operations.map((o) => o.pathTemplate)
      .sort();

  it.each([
    // Before the resource segments, right after an API word, with one value across the routes under it.
    [
      ['/api/2023-10-01/items', '/api/2023-10-01/items/5', '/api/2023-10-01/users'],
      ['/api/2023-10-01/items', '/api/2023-10-01/items/{itemId}', '/api/2023-10-01/users'],
    ],
    // At the first segment.
    [
      ['/2023-10-01/things', '/2023-10-01/things/7'],
      ['/2023-10-01/things', '/2023-10-01/things/{thingId}'],
    ],
    // Before several routes, under a plain word.
    [
      ['/shop/2024-02-29/orders', '/shop/2024-02-29/carts'],
      ['/shop/2024-02-29/carts', '/shop/2024-02-29/orders'],
    ],
    // A `v`-prefixed date is a version wherever it stands, like `v1`.
    [
      ['/v2024-01-15/things', '/v2024-01-15/things/7'],
      ['/v2024-01-15/things', '/v2024-01-15/things/{thingId}'],
    ],
  ])('%j stays literal: %j', (urls, expected) => {
    expect(templates(urls)).toEqual(expected);
  });

  it.each([
    // A dated version keeps its spelling in the operation id, as `v1` does, its date readable.
    [
      ['/api/v1/items', '/api/v1/items/5'],
      ['get_api_v1_items', 'get_api_v1_items_itemId'],
    ],
    [
      ['/api/2023-10-01/items', '/api/2023-10-01/items/5'],
      ['get_api_2023_10_01_items', 'get_api_2023_10_01_items_itemId'],
    ],
    [
      ['/2023-10-01/things', '/2023-10-01/things/7'],
      ['get_2023_10_01_things', 'get_2023_10_01_things_thingId'],
    ],
    [
      ['/v2024-01-15/things', '/v2024-01-15/things/7'],
      ['get_v2024_01_15_things', 'get_v2024_01_15_things_thingId'],
    ],
    // Dates that vary are a parameter, named as before.
    [['/reports/2023-10-01', '/reports/2023-10-02', '/reports/2023-10-03'], ['get_reports_date']],
    // Dotted versions keep their parts apart: not `v12`, `p10`.
    [
      ['/api/v1.2/items', '/api/v1.2/items/5'],
      ['get_api_v1_2_items', 'get_api_v1_2_items_itemId'],
    ],
    [['/1.0/status'], ['get_1_0_status']],
  ])('%j: operation ids %j', (urls, expected) => {
    const ids = analyzeLogs([
      har(urls.map((u) => entry({ url: `https://api.example.test${u}`, response: { ok: true } }))).log,
    ]).operations.map((o) => o.id);
    expect(ids.sort()).toEqual(expected);
  });

  it.each([
    // The value varies in an id position.
    [['/reports/2023-10-01', '/reports/2023-10-02', '/reports/2023-10-03'], ['/reports/{date}']],
    // A date at the end of a path is the resource, even alone.
    [['/reports/2023-10-01'], ['/reports/{date}']],
    [['/reports/2023-10-01/summary'], ['/reports/{date}/summary']],
    // Under an id, a date is never a version.
    [
      ['/users/42/2023-10-01/log', '/users/42/2023-10-01/stats'],
      ['/users/{userId}/{date}/log', '/users/{userId}/{date}/stats'],
    ],
    // A version date keeps its place; a date further on that varies is a value.
    [['/api/2023-10-01/days/2023-10-05', '/api/2023-10-01/days/2023-10-06'], ['/api/2023-10-01/days/{date}']],
  ])('%j becomes %j', (urls, expected) => {
    expect(templates(urls)).toEqual(expected);
  });

  it('two API versions by date in one capture are one {date} parameter', () => {
    expect(templates(['/api/2023-10-01/items', '/api/2024-05-01/items'])).toEqual(['/api/{date}/items']);
  });

  it('leaves an Azure-style api-version a query parameter', () => {
    const r = analyzeLogs([
      har([
        entry({
          url: 'https://mgmt.example.test/subscriptions/list?api-version=2023-10-01',
          response: { value: [] },
        }),
      ]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate)).toEqual(['/subscriptions/list']);
    expect(r.operations[0]?.parameters).toMatchObject([
      { name: 'api-version', in: 'query', examples: ['2023-10-01'] },
    ]);
  });

  it('keeps at most one date literal per place while reading, however many days a capture spans', () => {
    const days = Array.from({ length: 60 }, (_, i) =>
      new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const trie = new PathTrie(resolveAnalyzeOptions({}));
    for (const d of days) trie.insert('https://api.example.test', ['v1', 'reports', d, 'totals']);
    // root, v1, reports, {date}, totals, and the first day's literal (merged into {date} by the second).
    expect(trie.nodeCount()).toBe(6);
    const r = analyzeLogs([
      har(
        days.map((d) =>
          entry({ url: `https://api.example.test/v1/reports/${d}/totals`, response: { ok: true } }),
        ),
      ).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate)).toEqual(['/v1/reports/{date}/totals']);
    expect(r.operations[0]?.parameters[0]).toMatchObject({ name: 'date', schema: { format: 'date' } });
    expect(r.operations[0]?.samples).toBe(60);
  });
});
