import { describe, expect, it } from 'vitest';
import {
  CookieJar,
  DEFAULT_RETRY,
  TRANSIENT_STATUS,
  applyTransform,
  countItems,
  findDrift,
  nextPage,
  parseCookieFile,
  retryAfterMs,
  retryDelayMs,
} from '../../replay/index.js';
import { authFlowDiagram, protocolReport, renderHtml, renderMarkdown } from '../../reports/index.js';
import type { ProtocolCredential, ProtocolModel, ProtocolOperation } from '../../model/index.js';

const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    asset: { type: 'string', enum: ['BTC', 'ETH'] },
    amount: { type: 'string' },
    note: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    byAsset: { type: 'object', additionalProperties: { type: 'string' }, 'x-map': 'dynamic keys' },
    value: {
      anyOf: [
        { type: 'string' },
        { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] },
      ],
    },
  },
  required: ['id', 'asset', 'amount'],
};

describe('findDrift', () => {
  it.each([
    [
      'nothing changed',
      { id: 1, asset: 'BTC', amount: '1', note: null, tags: ['a'], byAsset: { BTC: '1' } },
      [],
    ],
    ['optional fields absent', { id: 1, asset: 'BTC', amount: '1' }, []],
    ['a field added', { id: 1, asset: 'BTC', amount: '1', fee: '0' }, ['field_added /fee']],
    ['a required field gone', { id: 1, amount: '1' }, ['field_removed /asset']],
    [
      'a renamed field (value from its enum)',
      { id: 1, coin: 'ETH', amount: '1', fee: '0' },
      ['field_renamed /asset', 'field_added /fee'],
    ],
    ['a type changed', { id: 1, asset: 'BTC', amount: 1.5 }, ['type_changed /amount']],
    ['an integer where a string was', { id: '1', asset: 'BTC', amount: '1' }, ['type_changed /id']],
    ['an array item changed', { id: 1, asset: 'BTC', amount: '1', tags: ['a', 2] }, ['type_changed /tags/1']],
    [
      'a map value changed, new keys are fine',
      { id: 1, asset: 'BTC', amount: '1', byAsset: { BTC: '1', NEW: 2 } },
      ['type_changed /byAsset/NEW'],
    ],
    [
      'inside an anyOf variant, one field for another in its place',
      { id: 1, asset: 'BTC', amount: '1', value: { y: 1 } },
      ['field_renamed /value/x'],
    ],
    ['the whole body changed kind', [1, 2], ['type_changed ']],
  ])('%s', (_name, value, expected) => {
    expect(findDrift(value, orderSchema).map((d) => `${d.kind} ${d.pointer}`)).toEqual(expected);
  });

  it('reports a repeated drift in array items once', () => {
    const schema = { type: 'array', items: orderSchema };
    const drifts = findDrift(
      [
        { id: 1, asset: 'BTC', amount: 1 },
        { id: 2, asset: 'ETH', amount: 2 },
      ],
      schema,
    );
    expect(drifts.map((d) => d.pointer)).toEqual(['/0/amount']);
  });
});

describe('cookies', () => {
  it('reads Playwright storage state, JSON arrays and Netscape files, and rejects anything else', () => {
    expect(
      parseCookieFile('{"cookies":[{"name":"sid","value":"a","domain":".x.test","path":"/","expires":-1}]}'),
    ).toEqual([{ name: 'sid', value: 'a', domain: 'x.test', path: '/' }]);
    expect(parseCookieFile('[{"name":"a","value":"1"}]')).toEqual([{ name: 'a', value: '1' }]);
    expect(
      parseCookieFile('# Netscape HTTP Cookie File\n#HttpOnly_.x.test\tTRUE\t/\tTRUE\t4102444800\tsid\tv1\n'),
    ).toEqual([{ name: 'sid', value: 'v1', domain: 'x.test', path: '/', expires: 4102444800000 }]);
    expect(parseCookieFile('<html>')).toBeUndefined();
    expect(parseCookieFile('{"cookies":[{"name":1}]}')).toBeUndefined();
  });

  it('matches domains and paths, follows rotation and expiry', () => {
    let now = 1000;
    const jar = new CookieJar([{ name: 'sid', value: 'old', domain: 'app.x.test' }], () => now);
    const url = new URL('https://app.x.test/api/me');
    expect(jar.header(url)).toBe('sid=old');
    expect(jar.header(new URL('https://other.test/'))).toBeUndefined();
    jar.applySetCookie(url, ['sid=new; Path=/; HttpOnly', 'short=1; Max-Age=1', 'gone=x; Max-Age=0']);
    expect(jar.valueOf('SID', url)).toBe('new');
    expect(jar.valueOf('short', url)).toBe('1');
    expect(jar.valueOf('gone', url)).toBeUndefined();
    now += 2000;
    expect(jar.valueOf('short', url)).toBeUndefined();
  });

  it('derives header values as capture recorded them', () => {
    expect(applyTransform('md5', 'abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(applyTransform('identity (double-submit cookie)', 'abc')).toBe('abc');
    expect(applyTransform('base64', 'abc')).toBe('YWJj');
    expect(applyTransform('hmac-sha256', 'abc')).toBeUndefined();
  });
});

describe('paging', () => {
  const page = {
    operationId: 'op',
    style: 'page-size' as const,
    parameters: ['page', 'rows'],
    observed: true,
    confidence: 0.9,
    evidence: [],
  };
  it('advances page/size in a JSON body until a short page', () => {
    const req = { url: new URL('https://x.test/list'), body: '{"page":1,"rows":2}' };
    const next = nextPage(page, req, { data: [1, 2], total: 5 }, 2);
    expect(next?.body).toBe('{"page":2,"rows":2}');
    expect(nextPage(page, req, { data: [1], total: 5 }, 5)).toBeUndefined();
    expect(nextPage(page, req, { data: [] }, 2)).toBeUndefined();
  });
  it('takes a cursor from the response', () => {
    const cursor = { ...page, style: 'cursor' as const, parameters: ['after'], cursorSource: '/next' };
    const next = nextPage(
      cursor,
      { url: new URL('https://x.test/list?after=a') },
      { items: [1], next: 'b' },
      1,
    );
    expect(next?.url.searchParams.get('after')).toBe('b');
    expect(
      nextPage(cursor, { url: new URL('https://x.test/list?after=a') }, { items: [1], next: null }, 1),
    ).toBeUndefined();
  });
  it('counts the items of a page', () => {
    expect(countItems({ code: '0', data: { list: [1, 2, 3] } })).toBe(3);
    expect(countItems('x')).toBe(0);
  });
});

describe('reports', () => {
  /** An operation of origin https://x.test with one response status 200, seen in capture 0 at `entry`. */
  const operation = (
    o: Pick<
      ProtocolOperation,
      | 'id'
      | 'method'
      | 'pathTemplate'
      | 'samples'
      | 'confidence'
      | 'classification'
      | 'surface'
      | 'credentials'
    > & { entry: number },
  ): ProtocolOperation => ({
    id: o.id,
    method: o.method,
    origin: 'https://x.test',
    pathTemplate: o.pathTemplate,
    samples: o.samples,
    confidence: o.confidence,
    parameters: [],
    requestBodies: [],
    responses: [{ status: 200, samples: o.samples, bodies: [], headers: [] }],
    classification: o.classification,
    surface: o.surface,
    steps: [],
    credentials: o.credentials,
    evidence: [{ capture: 0, entry: o.entry, pointer: '' }],
  });
  /** A per-session credential, seen twice with one value, consumed by get_me alone. */
  const credential = (
    c: Pick<ProtocolCredential, 'id' | 'name' | 'location' | 'kind' | 'issuedBy'> &
      Partial<Pick<ProtocolCredential, 'derivedFrom'>>,
  ): ProtocolCredential => ({
    id: c.id,
    name: c.name,
    location: c.location,
    kind: c.kind,
    class: 'per-session',
    distinctValues: 1,
    uses: 2,
    redacted: true,
    consumers: ['get_me'],
    rotatedBy: [],
    confidence: 0.9,
    evidence: [],
    issuedBy: c.issuedBy,
    ...(c.derivedFrom ? { derivedFrom: c.derivedFrom } : {}),
  });
  const model: ProtocolModel = {
    formatVersion: 1,
    generator: { name: 'ledgertap', version: '0' },
    captures: [{ file: 's.har', entries: 3 }],
    operations: [
      operation({
        id: 'post_login',
        method: 'POST',
        pathTemplate: '/login',
        samples: 1,
        confidence: 1,
        classification: { effect: 'write', unsafeToReplay: true, reason: 'POST', confidence: 1 },
        surface: 'auth',
        credentials: [],
        entry: 0,
      }),
      operation({
        id: 'get_me',
        method: 'GET',
        pathTemplate: '/users/{userId}',
        samples: 2,
        confidence: 0.9,
        classification: { effect: 'read', unsafeToReplay: false, reason: 'GET', confidence: 1 },
        surface: 'users',
        credentials: ['cookie:sid', 'header:x-csrf'],
        entry: 1,
      }),
    ],
    auth: {
      credentials: [
        credential({
          id: 'cookie:sid',
          name: 'sid',
          location: 'cookie',
          kind: 'session',
          issuedBy: [
            { via: 'set-cookie', operationId: 'post_login', name: 'sid', linkedBy: 'value', evidence: [] },
          ],
        }),
        credential({
          id: 'header:x-csrf',
          name: 'x-csrf',
          location: 'header',
          kind: 'csrf',
          issuedBy: [],
          derivedFrom: { credential: 'cookie:sid', transform: 'md5', linkedBy: 'relation' },
        }),
      ],
      calls: [
        {
          role: 'login',
          operationId: 'post_login',
          credentials: ['cookie:sid'],
          confidence: 0.9,
          evidence: [{ capture: 0, entry: 0, pointer: '' }],
        },
      ],
      signing: [],
    },
    pagination: [],
    noise: [{ origin: 'https://cdn.x.test', reason: 'cdn', entries: 4, examplePaths: ['/a.js'] }],
    findings: [
      {
        kind: 'auth.credential',
        summary: 'cookie sid <script> is issued by post_login.',
        evidence: [],
        confidence: 0.9,
      },
    ],
    warnings: [],
    stats: { captures: 1, entries: 7, analyzedEntries: 3, noiseEntries: 4, bodyBytes: 10 },
  };

  it('renders the model as Markdown with the flow, and as HTML that escapes what the capture held', () => {
    const doc = protocolReport(model);
    const md = renderMarkdown(doc);
    expect(md).toContain('| `x-csrf` | header | csrf | per-session |');
    expect(md).toContain('md5 of cookie:sid (by relation)');
    expect(md).toContain('2 operations (1 reads, 1 writes)');
    expect(authFlowDiagram(model)).toContain('Note over Client: x-csrf = md5(cookie:sid)');
    expect(authFlowDiagram(model)).toContain('Server-->>Client: issues sid');
    const html = renderHtml(doc);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('backs off exponentially with equal jitter, capped, and honours a bounded Retry-After', () => {
    const p = DEFAULT_RETRY;
    expect([0, 1, 2, 3, 10].map((a) => retryDelayMs(a, undefined, p, () => 0))).toEqual([
      125, 250, 500, 1000, 2000,
    ]);
    expect([0, 1, 2, 3, 10].map((a) => retryDelayMs(a, undefined, p, () => 1))).toEqual([
      250, 500, 1000, 2000, 4000,
    ]);
    expect(retryDelayMs(0, 1500, p)).toBe(1500);
    expect(retryDelayMs(0, 3_600_000, p)).toBe(p.maxRetryAfterMs);
    expect([...TRANSIENT_STATUS].sort()).toEqual([429, 500, 502, 503, 504]);
  });
});
