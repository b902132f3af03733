import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import { splitMatrix } from '../../analyzers/matrix-params.js';
import { buildProtocolModel, toOpenApi, validateOpenApi, validateProtocolModel } from '../../model/index.js';
import { entry, har } from './build.js';

const SESSION = '0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D';
const shop = 'https://shop.example.test';

describe('splitMatrix', () => {
  it.each([
    ['cart;jsessionid=0A1B', { base: 'cart', pairs: [['jsessionid', '0A1B']], dropped: 0 }],
    [
      'cars;color=red;year=2012',
      {
        base: 'cars',
        pairs: [
          ['color', 'red'],
          ['year', '2012'],
        ],
        dropped: 0,
      },
    ],
    [';jsessionid=0A1B', { base: '', pairs: [['jsessionid', '0A1B']], dropped: 0 }],
    ['list;colors=red,green', { base: 'list', pairs: [['colors', 'red,green']], dropped: 0 }],
    // A `;` that does not open name=value pairs keeps the segment whole.
    ['a;b', undefined],
    ['cart;jsessionid=1;flag', undefined],
    ['plain', undefined],
  ])('%s', (segment, expected) => {
    expect(splitMatrix(segment)).toEqual(expected);
  });

  it('splits a flood of pairs off too, keeping 16 and counting the rest', () => {
    const flood = `cart${Array.from({ length: 100_000 }, (_, i) => `;k${i}=v${i}`).join('')}`;
    const split = splitMatrix(flood);
    expect(split?.base).toBe('cart');
    expect(split?.pairs).toHaveLength(16);
    expect(split?.pairs[15]).toEqual(['k15', 'v15']);
    expect(split?.dropped).toBe(99_984);
    const r = analyzeLogs([
      har([entry({ url: `https://shop.example.test/${flood}/items`, response: { ok: true } })]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate)).toEqual(['/cart/items']);
  });
});

describe('servlet session ids as matrix parameters', () => {
  // Tomcat's URL rewriting: the first answer sets the cookie and rewrites links with `;jsessionid=`; later
  // requests carry the cookie instead.
  const result = analyzeLogs([
    har([
      entry({
        method: 'POST',
        url: `${shop}/login`,
        requestBody: { user: 'holder', password: 'pw' },
        responseHeaders: [['Set-Cookie', `JSESSIONID=${SESSION}; Path=/; HttpOnly`]],
        response: { ok: true },
      }),
      entry({ url: `${shop}/cart;jsessionid=${SESSION}/items?x=1`, response: { items: [] } }),
      entry({
        url: `${shop}/cart/items?x=2`,
        requestCookies: { JSESSIONID: SESSION },
        response: { items: [] },
      }),
      entry({ url: `${shop}/cart/summary;jsessionid=${SESSION}`, response: { total: 1 } }),
    ]).log,
  ]);
  const op = (id: string) => result.operations.find((o) => o.id === id);

  it('keeps the segment literal and one route with its siblings that carry none', () => {
    expect(result.operations.map((o) => `${o.method} ${o.pathTemplate}`).sort()).toEqual([
      'GET /cart/items',
      'GET /cart/summary',
      'POST /login',
    ]);
    expect(op('get_cart_items')?.samples).toBe(2);
  });

  it('records the pair as an optional matrix parameter of the operation, its value redacted', () => {
    expect(op('get_cart_items')?.parameters.find((p) => p.name === 'jsessionid')).toMatchObject({
      in: 'path',
      style: 'matrix',
      segment: 0,
      required: false,
      seen: 1,
      presence: 0.5,
      examples: ['[redacted]'],
      credential: true,
    });
    expect(op('get_cart_summary')?.parameters.find((p) => p.name === 'jsessionid')).toMatchObject({
      segment: 1,
      required: true,
    });
  });

  it('inventories the session id as a credential issued by the JSESSIONID cookie, consumed where it is sent', () => {
    const cred = result.auth.credentials.find((c) => c.id === 'path-matrix:jsessionid');
    expect(cred).toMatchObject({
      location: 'path-matrix',
      kind: 'session',
      uses: 2,
      consumers: ['get_cart_items', 'get_cart_summary'],
      issuedBy: [{ via: 'set-cookie', name: 'JSESSIONID', operationId: 'post_login', linkedBy: 'value' }],
    });
    expect(op('get_cart_summary')?.credentials).toContain('path-matrix:jsessionid');
  });

  it('never writes the session value into the model or the OpenAPI document, which stay valid', async () => {
    const model = buildProtocolModel(result, { captures: [{ file: 'shop.har', entries: 4 }] });
    expect(validateProtocolModel(model)).toEqual([]);
    const doc = toOpenApi(model);
    expect(await validateOpenApi(doc)).toEqual([]);
    expect(JSON.stringify(model)).not.toContain(SESSION);
    expect(JSON.stringify(doc)).not.toContain(SESSION);
    // A session id is no API parameter: listed beside the operation, not in its path.
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(paths).sort()).toEqual(['/cart/items', '/cart/summary', '/login']);
    expect(paths['/cart/summary']?.get?.['x-ledgertap-matrix-parameters']).toEqual([
      {
        name: 'jsessionid',
        segment: 1,
        required: true,
        schema: expect.any(Object) as unknown,
        example: '[redacted]',
        'x-ledgertap-presence': 1,
        credential: true,
      },
    ]);
  });

  it.each(['sid', 'phpsessid', 'PHPSESSID'])('a ;%s= pair is a session credential too', (name) => {
    const r = analyzeLogs([
      har([
        entry({ url: `${shop}/account;${name}=${SESSION}/orders`, response: { orders: [] } }),
        entry({ url: `${shop}/account;${name}=${SESSION}/profile`, response: { name: 'x' } }),
      ]).log,
    ]);
    expect(r.operations.map((o) => o.pathTemplate).sort()).toEqual(['/account/orders', '/account/profile']);
    expect(r.auth.credentials.find((c) => c.id === `path-matrix:${name}`)).toMatchObject({
      kind: 'session',
      uses: 2,
    });
    expect(r.operations[0]?.parameters[0]?.examples).toEqual(['[redacted]']);
  });

  it('attaches a pair after a trailing slash to the segment before it, and reads an escaped ; as data', () => {
    const r = analyzeLogs([
      har([
        entry({ url: `${shop}/app/;jsessionid=${SESSION}`, response: { ok: true } }),
        entry({ url: `${shop}/notes/a%3Bb=c`, response: { ok: true } }),
        entry({
          url: `${shop}/static/app.js;jsessionid=${SESSION}`,
          responseText: 'x',
          responseMime: 'text/javascript',
        }),
      ]).log,
    ]);
    const app = r.operations.find((o) => o.pathTemplate === '/app');
    expect(app?.parameters).toMatchObject([{ name: 'jsessionid', style: 'matrix', segment: 0 }]);
    expect(r.operations.map((o) => o.pathTemplate)).toContain('/notes/a;b=c');
    expect(r.noise.map((n) => n.reason)).toContain('static-asset');
  });
});

describe('matrix parameters that are API arguments', () => {
  const result = analyzeLogs([
    har([
      entry({ url: `${shop}/cars;color=red;year=2012/list`, response: { cars: [] } }),
      entry({ url: `${shop}/cars;color=blue;year=2014/list`, response: { cars: [] } }),
      entry({ url: `${shop}/cars;color=green;year=2020/list`, response: { cars: [] } }),
    ]).log,
  ]);

  it('are typed parameters of one route, not a templated segment', () => {
    expect(result.operations.map((o) => o.pathTemplate)).toEqual(['/cars/list']);
    expect(result.operations[0]?.parameters).toMatchObject([
      { name: 'color', in: 'path', style: 'matrix', segment: 0, required: true, schema: { type: 'string' } },
      { name: 'year', in: 'path', style: 'matrix', segment: 0, required: true, schema: { type: 'integer' } },
    ]);
    expect(result.auth.credentials).toEqual([]);
  });

  it('go into the OpenAPI path with style: matrix when every request carried them', async () => {
    const doc = toOpenApi(buildProtocolModel(result, { captures: [{ file: 'cars.har', entries: 3 }] }));
    expect(await validateOpenApi(doc)).toEqual([]);
    const paths = doc.paths as Record<string, { get: { parameters: unknown[] } }>;
    expect(Object.keys(paths)).toEqual(['/cars{color}{year}/list']);
    expect(paths['/cars{color}{year}/list']?.get.parameters).toMatchObject([
      { name: 'color', in: 'path', required: true, style: 'matrix', example: 'red' },
      { name: 'year', in: 'path', required: true, style: 'matrix', example: '2012' },
    ]);
  });
});
