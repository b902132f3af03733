import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../core/index.js';
import { compilePiiRules, DEFAULT_PII_RULES, EntryRedactor, redactJwt } from '../../capture/index.js';
import type { HarEntry } from '../../har/index.js';

const KEY = Buffer.alloc(32, 7);
const redactor = createRedactor(KEY);
const ph = (value: string, kind: string): string => redactor.placeholder(value, kind);

function entry(partial: {
  url?: string;
  method?: string;
  reqHeaders?: Record<string, string>;
  reqBody?: { mimeType: string; text: string };
  resHeaders?: Record<string, string>;
  resBody?: { mimeType: string; text: string };
  redirectURL?: string;
}): HarEntry {
  return {
    startedDateTime: '2026-01-01T00:00:00.000Z',
    time: 1,
    request: {
      method: partial.method ?? 'GET',
      url: partial.url ?? 'https://app.example.test/x',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries(partial.reqHeaders ?? {}).map(([name, value]) => ({ name, value })),
      queryString: [],
      ...(partial.reqBody ? { postData: partial.reqBody } : {}),
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries(partial.resHeaders ?? {}).map(([name, value]) => ({ name, value })),
      content: {
        size: 0,
        mimeType: partial.resBody?.mimeType ?? 'text/plain',
        text: partial.resBody?.text ?? '',
      },
      redirectURL: partial.redirectURL ?? '',
      headersSize: -1,
      bodySize: -1,
    },
  };
}

const newRedactor = (): EntryRedactor => new EntryRedactor(redactor, compilePiiRules(DEFAULT_PII_RULES));
const jwt = (payload: Record<string, unknown>): string =>
  `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2lnbmF0dXJlc2lnbmF0dXJlc2ln`;

const SESSION = 'sess_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const HEX = 'a'.repeat(10) + '0123456789abcdef0123456789abcdef';

describe('redaction by location (table)', () => {
  const cases: Array<{ name: string; entry: HarEntry; secret: string; expectIn: (e: HarEntry) => string }> = [
    {
      name: 'cookie header',
      entry: entry({ reqHeaders: { Cookie: `theme=dark; sid=${SESSION}` } }),
      secret: SESSION,
      expectIn: (e) => e.request.headers[0]!.value,
    },
    {
      name: 'set-cookie keeps attributes',
      entry: entry({ resHeaders: { 'Set-Cookie': `sid=${SESSION}; Path=/; HttpOnly` } }),
      secret: SESSION,
      expectIn: (e) => e.response.headers[0]!.value,
    },
    {
      name: 'authorization bearer keeps scheme',
      entry: entry({ reqHeaders: { Authorization: `Bearer ${SESSION}` } }),
      secret: SESSION,
      expectIn: (e) => e.request.headers[0]!.value,
    },
    {
      name: 'csrf header by name',
      entry: entry({ reqHeaders: { 'X-CSRF-Token': 'short-csrf-1' } }),
      secret: 'short-csrf-1',
      expectIn: (e) => e.request.headers[0]!.value,
    },
    {
      name: 'unknown header by value shape (hex)',
      entry: entry({ reqHeaders: { 'X-Trace-Thing': HEX } }),
      secret: HEX,
      expectIn: (e) => e.request.headers[0]!.value,
    },
    {
      name: 'query signature and api key',
      entry: entry({
        url: `https://api.example.test/v3/account?timestamp=1&apiKey=KEY123456&signature=${HEX}`,
      }),
      secret: HEX,
      expectIn: (e) => e.request.url,
    },
    {
      name: 'redirect target with token',
      entry: entry({ redirectURL: `https://app.example.test/cb?access_token=${SESSION}&state=1` }),
      secret: SESSION,
      expectIn: (e) => e.response.redirectURL,
    },
    {
      name: 'location header',
      entry: entry({ resHeaders: { Location: `/next?token=${SESSION}` } }),
      secret: SESSION,
      expectIn: (e) => e.response.headers[0]!.value,
    },
    {
      name: 'password in JSON request body',
      entry: entry({
        method: 'POST',
        reqBody: { mimeType: 'application/json', text: '{"email":"a@b.example","password":"hunter2!"}' },
      }),
      secret: 'hunter2!',
      expectIn: (e) => e.request.postData!.text!,
    },
    {
      name: 'password in form body',
      entry: entry({
        method: 'POST',
        reqBody: { mimeType: 'application/x-www-form-urlencoded', text: 'user=x&password=hunter%212%21' },
      }),
      secret: 'hunter!2!',
      expectIn: (e) => decodeURIComponent(e.request.postData!.text!),
    },
    {
      name: 'token in JSON response',
      entry: entry({
        resBody: {
          mimeType: 'application/json',
          text: `{"data":{"accessToken":"${SESSION}","expiresIn":3600}}`,
        },
      }),
      secret: SESSION,
      expectIn: (e) => e.response.content.text!,
    },
    {
      name: 'JWT in free text (HTML)',
      entry: entry({
        resBody: {
          mimeType: 'text/html',
          text: `<script>var t="${jwt({ sub: 'user-42', exp: 99 })}"</script>`,
        },
      }),
      secret: 'c2lnbmF0dXJlc2lnbmF0dXJlc2ln',
      expectIn: (e) => e.response.content.text!,
    },
    {
      name: 'email in a response (PII)',
      entry: entry({
        resBody: {
          mimeType: 'application/json',
          text: '{"user":{"mail":"holder@mail.example","nickName":"Holder Q"}}',
        },
      }),
      secret: 'holder@mail.example',
      expectIn: (e) => e.response.content.text!,
    },
    {
      name: 'names in a response (PII)',
      entry: entry({
        resBody: {
          mimeType: 'application/json',
          text: '{"data":[{"sellerNickname":"Crypto Kim","amount":"1.5"}]}',
        },
      }),
      secret: 'Crypto Kim',
      expectIn: (e) => e.response.content.text!,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = newRedactor().redact(c.entry, 0);
      const text = c.expectIn(out);
      expect(text).not.toContain(c.secret);
      expect(text).toMatch(/\[redacted:|\.redacted_/);
      expect(JSON.stringify(out)).not.toContain(c.secret);
      expect(out._redacted?.length).toBeGreaterThan(0);
    });
  }
});

describe('what redaction keeps', () => {
  it('keeps large ids, amounts and non-secret fields exactly', () => {
    const text =
      '{"code":"000000","data":[{"orderId":940708407462087195,"amount":"0.00000001","side":"BUY"}],"total":1,"success":true}';
    const out = newRedactor().redact(entry({ resBody: { mimeType: 'application/json', text } }), 0);
    expect(out.response.content.text).toBe(text);
    expect(out._redacted).toBeUndefined();
  });

  it('keeps the auth scheme, and equal values give equal placeholders across locations', () => {
    const r = newRedactor();
    const a = r.redact(
      entry({ resBody: { mimeType: 'application/json', text: `{"token":"${SESSION}"}` } }),
      0,
    );
    const b = r.redact(entry({ reqHeaders: { Authorization: `Bearer ${SESSION}` } }), 1);
    const placeholder = ph(SESSION, 'token');
    expect(a.response.content.text).toContain(placeholder);
    expect(b.request.headers[0]!.value).toBe(`Bearer ${ph(SESSION, 'authorization')}`);
    expect(placeholder.slice(-17)).toBe(ph(SESSION, 'authorization').slice(-17));
  });

  it('re-encodes a JWT keeping alg/exp/iat/scope and redacting identifiers and the signature', () => {
    const token = jwt({
      sub: 'user-42',
      email: 'x@y.example',
      exp: 1700000000,
      iat: 1690000000,
      scope: 'read',
    });
    const out = redactJwt(token, redactor)!;
    const [h, p, s] = out.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ exp: 1700000000, iat: 1690000000, scope: 'read' });
    expect(String(claims['sub'])).toMatch(/^\[redacted:jwt-claim:/);
    expect(out).not.toContain('user-42');
    expect(s).toMatch(/^redacted_[0-9a-f]{16}$/);
  });

  it('user rules extend the PII set', () => {
    const r = new EntryRedactor(
      redactor,
      compilePiiRules([...DEFAULT_PII_RULES, { kind: 'customer', name: '^customerRef$' }]),
    );
    const out = r.redact(
      entry({ resBody: { mimeType: 'application/json', text: '{"customerRef":"CR-778899"}' } }),
      0,
    );
    expect(out.response.content.text).toContain('[redacted:pii-customer:');
  });

  it('rejects a bad rule with a clear code', () => {
    expect(() => compilePiiRules([{ kind: 'x', name: '(' }], 'rules.yaml')).toThrow(
      expect.objectContaining({ code: 'input.redact_rules' }),
    );
  });
});

describe('relations recorded before redaction', () => {
  it('finds CSRF header = md5(cookie), the issuing response, and identity across names', () => {
    const r = newRedactor();
    const csrfCookie = 'cookie-value-for-csrf-0001';
    const md5 = createHash('md5').update(csrfCookie).digest('hex');
    r.redact(entry({ resHeaders: { 'Set-Cookie': `cr00=${csrfCookie}; Path=/` } }), 0);
    r.redact(entry({ reqHeaders: { Cookie: `cr00=${csrfCookie}`, csrftoken: md5 } }), 1);
    const rel = r.tracker.relations;
    expect(rel).toContainEqual(
      expect.objectContaining({ type: 'issued', to: redactor.fingerprint(csrfCookie), entryIndex: 0 }),
    );
    expect(rel).toContainEqual(
      expect.objectContaining({
        type: 'derived',
        transform: 'md5',
        from: redactor.fingerprint(csrfCookie),
        to: redactor.fingerprint(md5),
      }),
    );
  });

  it('finds a derivation when the derived value is seen first', () => {
    const r = newRedactor();
    const v = 'abcdefghijklmnop-secret';
    const b64 = Buffer.from(v).toString('base64');
    r.redact(entry({ reqHeaders: { 'X-Auth-Token': b64 } }), 0);
    r.redact(entry({ reqHeaders: { Cookie: `s=${v}` } }), 1);
    expect(r.tracker.relations).toContainEqual(
      expect.objectContaining({
        transform: 'base64',
        from: redactor.fingerprint(v),
        to: redactor.fingerprint(b64),
      }),
    );
  });

  it('finds an hmac-sha256 signature keyed by an earlier secret', () => {
    const r = newRedactor();
    const secret = 'S3cr3tKeyS3cr3tKeyS3cr3tKey0001';
    r.redact(entry({ resBody: { mimeType: 'application/json', text: `{"apiSecret":"${secret}"}` } }), 0);
    const query = 'symbol=BTCUSDT&timestamp=1700000000000';
    const sig = createHmac('sha256', secret).update(query).digest('hex');
    r.redact(entry({ url: `https://api.example.test/api/v3/myTrades?${query}&signature=${sig}` }), 1);
    expect(r.tracker.relations).toContainEqual(
      expect.objectContaining({
        transform: 'hmac-sha256',
        from: redactor.fingerprint(secret),
        to: redactor.fingerprint(sig),
      }),
    );
  });

  it('sweeps a known secret out of a later HTML body', () => {
    const r = newRedactor();
    r.redact(entry({ reqHeaders: { Cookie: 'sid=plainsessionvalue1' } }), 0);
    const out = r.redact(
      entry({ resBody: { mimeType: 'text/html', text: '<meta name="s" content="plainsessionvalue1">' } }),
      1,
    );
    expect(out.response.content.text).not.toContain('plainsessionvalue1');
  });
});

describe('ids are not secrets', () => {
  it('keeps hex transaction ids and quote ids in bodies and URLs, but not in unknown headers', () => {
    const txId = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef0123456789abcdef01234567';
    const out = new EntryRedactor(redactor, compilePiiRules(DEFAULT_PII_RULES)).redact(
      entry({
        url: `https://app.example.test/tx/${txId}?txId=${txId}`,
        resBody: {
          mimeType: 'application/json',
          text: `{"data":[{"txId":"${txId}","quoteId":"f3b91c525b2644c7bc1e1cd31b6e1aa6"}]}`,
        },
      }),
      0,
    );
    expect(out.request.url).toBe(`https://app.example.test/tx/${txId}?txId=${txId}`);
    expect(out.response.content.text).toContain(txId);
    expect(out.response.content.text).toContain('f3b91c525b2644c7bc1e1cd31b6e1aa6');
  });

  it('still redacts long hex/base64 by shape under names that are not ids, and URL-only secret names', () => {
    const blob = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A0NTY3';
    const out = new EntryRedactor(redactor, compilePiiRules(DEFAULT_PII_RULES)).redact(
      entry({
        url: 'https://app.example.test/cb?code=AUTHCODE-123&key=AIzaKeyValue&state=xyz',
        resBody: { mimeType: 'application/json', text: `{"data":{"blob":"${blob}"}}` },
      }),
      0,
    );
    expect(out.response.content.text).not.toContain(blob);
    expect(out.request.url).not.toContain('AUTHCODE-123');
    expect(out.request.url).not.toContain('AIzaKeyValue');
    expect(out.request.url).toContain('state=xyz');
  });
});

describe('session ids as matrix parameters of a URL path (;jsessionid=, ;sid=, ;phpsessid=)', () => {
  const JSID = '0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D';
  const shop = 'https://shop.example.test';
  const cookiePh = ph(JSID, 'cookie');

  it('masks the pair in the URL, Referer, Location, redirectURL and HTML/JSON bodies with the cookie placeholder', () => {
    const r = newRedactor();
    const login = r.redact(
      entry({ resHeaders: { 'Set-Cookie': `JSESSIONID=${JSID}; Path=/; HttpOnly` } }),
      0,
    );
    expect(login.response.headers[0]!.value).toBe(`JSESSIONID=${cookiePh}; Path=/; HttpOnly`);
    const out = r.redact(
      entry({
        url: `${shop}/cart;jsessionid=${JSID}/items?x=1`,
        reqHeaders: { Referer: `${shop}/shop;jsessionid=${JSID}` },
        resHeaders: { Location: `/checkout;jsessionid=${JSID}?step=1` },
        redirectURL: `${shop}/checkout;jsessionid=${JSID}?step=1`,
        resBody: {
          mimeType: 'application/json',
          text: `{"next":"/cart;jsessionid=${JSID}/items","abs":"${shop}/cart;jsessionid=${JSID}/items"}`,
        },
      }),
      1,
    );
    expect(out.request.url).toBe(`${shop}/cart;jsessionid=${cookiePh}/items?x=1`);
    expect(out.request.headers[0]!.value).toBe(`${shop}/shop;jsessionid=${cookiePh}`);
    expect(out.response.headers[0]!.value).toBe(`/checkout;jsessionid=${cookiePh}?step=1`);
    expect(out.response.redirectURL).toBe(`${shop}/checkout;jsessionid=${cookiePh}?step=1`);
    expect(JSON.parse(out.response.content.text!)).toEqual({
      next: `/cart;jsessionid=${cookiePh}/items`,
      abs: `${shop}/cart;jsessionid=${cookiePh}/items`,
    });
    expect(out._redacted).toContainEqual({ location: 'request.url.matrix.jsessionid', kind: 'cookie' });
  });

  it('masks a URL seen before any Set-Cookie, and the cookie issued later gets the same placeholder', () => {
    const r = newRedactor();
    // A short id too: the free-text sweep would never learn it (under 8 characters), the pair rule does.
    const first = r.redact(
      entry({
        url: `${shop}/cart;jsessionid=${JSID}/items`,
        resBody: {
          mimeType: 'text/html',
          text: `<a href="/cart;JSESSIONID=${JSID}/items">c</a><a href="/x;sid=ab12">`,
        },
      }),
      0,
    );
    expect(first.request.url).toBe(`${shop}/cart;jsessionid=${cookiePh}/items`);
    expect(first.response.content.text).toBe(
      `<a href="/cart;JSESSIONID=${cookiePh}/items">c</a><a href="/x;sid=${ph('ab12', 'cookie')}">`,
    );
    const later = r.redact(entry({ resHeaders: { 'Set-Cookie': `JSESSIONID=${JSID}; Path=/` } }), 1);
    expect(later.response.headers[0]!.value).toBe(`JSESSIONID=${cookiePh}; Path=/`);
  });

  it.each([
    ['sid', `/account;sid=${JSID}/orders`],
    ['phpsessid', `/account;phpsessid=${JSID}/orders`],
    ['PHPSESSID', `/account;PHPSESSID=${JSID}/orders`],
    ['one pair of several', `/cars;color=red;jsessionid=${JSID}/list`],
    ['a trailing pair', `/app/;jsessionid=${JSID}`],
  ])('%s', (_name, path) => {
    const out = newRedactor().redact(entry({ url: `${shop}${path}` }), 0);
    expect(out.request.url).toBe(`${shop}${path.replace(JSID, cookiePh)}`);
  });

  it('keeps argument pairs and escaped semicolons, redacts credential-named pairs by their kind, and leaves placeholders alone', () => {
    const r = newRedactor();
    const args = `${shop}/cars;color=red;year=2012/list/a%3Bsid=x`;
    expect(r.redact(entry({ url: args }), 0).request.url).toBe(args);
    expect(r.redact(entry({ url: `${shop}/feed;token=tok-9f8e7d6c/list` }), 1).request.url).toBe(
      `${shop}/feed;token=${ph('tok-9f8e7d6c', 'token')}/list`,
    );
    const redacted = `${shop}/cart;jsessionid=${cookiePh}/items`;
    const again = r.redact(entry({ url: redacted }), 2);
    expect(again.request.url).toBe(redacted);
    expect(again._redacted).toBeUndefined();
  });
});
