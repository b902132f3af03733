import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import { isWordFileName } from '../../analyzers/paths.js';
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
