/**
 * Login, second factor, cookies, CSRF, expiry, refresh rotation and logout of the sandbox web app, over
 * plain HTTP (no browser), from the web app's spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/index.js';
import {
  sandboxWebCredentials,
  WEB_API_PATHS,
  type SandboxRegisteredWebSession,
} from '../../../sandbox/web/index.js';
import { loggedIn, md5, startWeb, WebClient, type RunningWeb } from './web-harness.js';

const LOGIN = WEB_API_PATHS.login;
const VERIFY = WEB_API_PATHS.verify;
const DATA = WEB_API_PATHS.earnPositions;

describe('sandbox web app: login and second factor', () => {
  let web: RunningWeb;
  beforeAll(async () => {
    web = await startWeb();
  });
  afterAll(() => web.close());

  it('has fixed per-seed credentials with a 6-digit code', () => {
    const c = web.app.credentials;
    expect(c).toEqual(sandboxWebCredentials(web.account.seed));
    expect(c.twoFactorCode).toMatch(/^\d{6}$/);
    expect(sandboxWebCredentials(web.account.seed + 1).password).not.toBe(c.password);
  });

  it('asks for the second factor after a correct password, then sets HttpOnly session cookies', async () => {
    const client = new WebClient(web.url);
    const c = web.app.credentials;
    const first = await client.post(LOGIN, { email: c.email, password: c.password });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ code: '000000', success: true, data: { needSecurityVerify: true } });
    expect(client.lastSetCookies).toEqual([]); // no session before the second factor
    const verifyToken = (first.body.data as { verifyToken: string }).verifyToken;
    const second = await client.post(VERIFY, { verifyToken, code: c.twoFactorCode });
    expect(second.body).toMatchObject({ code: '000000', success: true });
    const cookies = new Map(client.lastSetCookies.map((k) => [k.name, k]));
    expect(cookies.get('p20t')?.attributes).toContain('httponly');
    expect(cookies.get('p20t')?.value).toMatch(/^web\.[0-9a-f]{64}$/);
    expect(cookies.get('cr00')?.attributes).not.toContain('httponly'); // the page script must read it
    expect(cookies.get('cr00')?.value).toMatch(/^[0-9a-f]{32}$/);
    for (const k of cookies.values()) expect(k.attributes).toContain('path=/');
    const data = await client.post(DATA, { page: 1, rows: 5 });
    expect(data.body.code).toBe('000000');
    // The verify token is single use.
    const again = await client.post(VERIFY, { verifyToken, code: c.twoFactorCode });
    expect(again.body).toMatchObject({ code: '001004', success: false, data: null });
  });

  it('accepts the email case-insensitively', async () => {
    const client = new WebClient(web.url);
    const c = web.app.credentials;
    await client.login(c.email.toUpperCase(), c.password, c.twoFactorCode);
    expect(client.jar.has('p20t')).toBe(true);
  });

  it.each([
    ['wrong password', (e: string, p: string) => ({ email: e, password: `${p}x` })],
    ['wrong email', (e: string, p: string) => ({ email: `x${e}`, password: p })],
    ['empty password', (e: string) => ({ email: e, password: '' })],
    ['password as a number', (e: string) => ({ email: e, password: 123456 })],
  ])('refuses a %s without setting cookies', async (_name, body) => {
    const client = new WebClient(web.url);
    const c = web.app.credentials;
    const res = await client.post(LOGIN, body(c.email, c.password));
    expect(res.body.success).toBe(false);
    expect(res.body.code).not.toBe('000000');
    expect(res.body.data).toBeNull();
    expect(res.body.message).toBeTruthy();
    expect(client.lastSetCookies).toEqual([]);
  });

  it('refuses a wrong code, and drops the login after 5 wrong codes', async () => {
    const client = new WebClient(web.url);
    const c = web.app.credentials;
    const first = await client.post(LOGIN, { email: c.email, password: c.password });
    const verifyToken = (first.body.data as { verifyToken: string }).verifyToken;
    const wrong = c.twoFactorCode === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) {
      const res = await client.post(VERIFY, { verifyToken, code: wrong });
      expect(res.body.code).toBe('001003');
    }
    const fifth = await client.post(VERIFY, { verifyToken, code: wrong });
    expect(fifth.body.code).toBe('001005');
    const late = await client.post(VERIFY, { verifyToken, code: c.twoFactorCode });
    expect(late.body.code).toBe('001004');
    expect(client.jar.has('p20t')).toBe(false);
  });

  it('logs in with the password alone when the second factor is off', async () => {
    const plain = await startWeb({ twoFactor: false, email: 'me@example.test', password: 'pw-123' });
    try {
      expect(plain.app.credentials.twoFactorCode).toBeUndefined();
      const client = new WebClient(plain.url);
      const res = await client.post(LOGIN, { email: 'me@example.test', password: 'pw-123' });
      expect(res.body.data).toMatchObject({ needSecurityVerify: false });
      expect(client.jar.has('p20t')).toBe(true);
    } finally {
      await plain.close();
    }
  });

  it('rejects malformed, non-object and oversized bodies with an envelope', async () => {
    const client = new WebClient(web.url);
    const bad = await client.raw('POST', LOGIN, { body: '{"email":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: '000002', success: false });
    const arr = await client.raw('POST', LOGIN, { body: '[1,2]' });
    expect((await arr.json()) as unknown).toMatchObject({ code: '000002' });
    const huge = await client.raw('POST', LOGIN, {
      body: JSON.stringify({ email: 'a'.repeat(200_000), password: 'x' }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: '000413', success: false });
    expect(client.jar.has('p20t')).toBe(false);
    const get = await client.raw('GET', LOGIN);
    expect(get.status).toBe(405);
  });
});

describe('sandbox web app: CSRF', () => {
  let web: RunningWeb;
  beforeAll(async () => {
    web = await startWeb();
  });
  afterAll(() => web.close());

  it('requires csrftoken = md5(cr00 cookie) on every private call', async () => {
    const client = await loggedIn(web);
    const ok = await client.post(DATA, {});
    expect(ok.status).toBe(200);
    const missing = await client.post(DATA, {}, { csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ code: '100001003', success: false, data: null });
    const raw = await client.post(DATA, {}, { csrf: client.jar.get('cr00') as string });
    expect(raw.status).toBe(403); // the cookie itself is not the header: it must be hashed
    const wrong = await client.post(DATA, {}, { csrf: md5('something else') });
    expect(wrong.status).toBe(403);
    const upper = await client.post(DATA, {}, { csrf: (client.csrf() as string).toUpperCase() });
    expect(upper.status).toBe(200); // hex case does not matter
  });

  it("refuses another session's CSRF cookie and header", async () => {
    const a = await loggedIn(web);
    const b = await loggedIn(web);
    const mixed = new WebClient(web.url);
    mixed.jar.set('p20t', a.jar.get('p20t') as string);
    mixed.jar.set('cr00', b.jar.get('cr00') as string);
    const res = await mixed.post(DATA, {});
    expect(res.status).toBe(403);
  });

  it('answers 401 without a session, whatever the CSRF header', async () => {
    const anon = new WebClient(web.url);
    const res = await anon.post(DATA, {}, { csrf: md5('x') });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: '100002001', success: false });
    const forged = new WebClient(web.url);
    forged.jar.set('p20t', `web.${'0'.repeat(64)}`);
    forged.jar.set('cr00', 'abc');
    expect((await forged.post(DATA, {})).status).toBe(401);
  });
});

describe('sandbox web app: wrong passwords', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 12));
  let web: RunningWeb;
  beforeAll(async () => {
    web = await startWeb({ clock });
  });
  afterAll(() => web.close());

  it('locks the login for 15 minutes after 5 wrong passwords, even for the right one, then lets it in', async () => {
    const client = new WebClient(web.url);
    const c = web.app.credentials;
    for (let i = 0; i < 5; i++) {
      const res = await client.post(LOGIN, { email: c.email, password: `wrong-${i}` });
      expect(res.body.code).toBe('001002');
    }
    const locked = await client.post(LOGIN, { email: c.email.toUpperCase(), password: c.password });
    expect(locked.body).toMatchObject({ code: '001005', success: false });
    expect(String(locked.body.message)).toMatch(/Try again in 15 minute/);
    clock.advance(14 * 60_000);
    expect((await client.post(LOGIN, { email: c.email, password: c.password })).body.code).toBe('001005');
    clock.advance(61_000);
    const open = await client.post(LOGIN, { email: c.email, password: c.password });
    expect(open.body.code).toBe('000000');
    // A success clears the count: one more wrong password is just a wrong password.
    expect((await client.post(LOGIN, { email: c.email, password: 'nope' })).body.code).toBe('001002');
  });
});

describe('sandbox web app: expiry, refresh, logout, session registry', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 12));
  const registry = new Map<string, SandboxRegisteredWebSession>();
  let web: RunningWeb;
  beforeAll(async () => {
    web = await startWeb({
      clock,
      sessionTtlMs: 60_000,
      refreshWindowMs: 600_000,
      sessionRegistry: registry,
    });
  });
  afterAll(() => web.close());

  it('expires a session after its TTL; refresh rotates the token and the old one stops working', async () => {
    const client = await loggedIn(web);
    const oldToken = client.jar.get('p20t') as string;
    const oldCsrf = client.jar.get('cr00') as string;
    expect((await client.post(DATA, {})).status).toBe(200);
    clock.advance(60_000);
    const expired = await client.post(DATA, {});
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: '100001005', success: false });

    const refreshed = await client.post(WEB_API_PATHS.refresh, {});
    expect(refreshed.body).toMatchObject({ code: '000000', success: true });
    const newToken = client.jar.get('p20t') as string;
    expect(newToken).not.toBe(oldToken);
    expect(client.jar.get('cr00')).not.toBe(oldCsrf);
    expect(client.lastSetCookies.find((k) => k.name === 'p20t')?.attributes).toContain('httponly');
    expect((await client.post(DATA, {})).status).toBe(200);

    const stale = new WebClient(web.url);
    stale.jar.set('p20t', oldToken);
    stale.jar.set('cr00', oldCsrf);
    const old = await stale.post(DATA, {});
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('100002001');
    expect((await stale.post(WEB_API_PATHS.refresh, {})).status).toBe(401); // a rotated token cannot refresh again

    expect(registry.get(oldToken)?.detail).toMatchObject({ state: 'rotated' });
    expect(registry.get(newToken)?.detail).toMatchObject({ state: 'active', replaces: oldToken });
  });

  it('refuses a refresh after the refresh window', async () => {
    const client = await loggedIn(web);
    clock.advance(60_000 + 600_000);
    const res = await client.post(WEB_API_PATHS.refresh, {});
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('100001005');
  });

  it('logs out an expired session (inside the refresh window)', async () => {
    const client = await loggedIn(web);
    const token = client.jar.get('p20t') as string;
    clock.advance(61_000);
    const out = await client.post(WEB_API_PATHS.logout, {});
    expect(out.body).toMatchObject({ code: '000000', data: true });
    expect(registry.get(token)?.detail).toMatchObject({ state: 'revoked' });
    const stale = new WebClient(web.url);
    stale.jar.set('p20t', token);
    stale.jar.set('cr00', registry.get(token)?.detail?.['csrfCookie'] as string);
    expect((await stale.post(WEB_API_PATHS.refresh, {})).body.code).toBe('100002001');
  });

  it('refresh needs the CSRF header too', async () => {
    const client = await loggedIn(web);
    const res = await client.post(WEB_API_PATHS.refresh, {}, { csrf: null });
    expect(res.status).toBe(403);
  });

  it('logout revokes the token and clears the cookies', async () => {
    const client = await loggedIn(web);
    const token = client.jar.get('p20t') as string;
    const cr00 = client.jar.get('cr00') as string;
    const out = await client.post(WEB_API_PATHS.logout, {});
    expect(out.body).toMatchObject({ code: '000000', success: true, data: true });
    const cleared = new Map(client.lastSetCookies.map((k) => [k.name, k]));
    expect(cleared.get('p20t')?.attributes).toContain('max-age=0');
    expect(cleared.get('cr00')?.attributes).toContain('max-age=0');
    const replay = new WebClient(web.url);
    replay.jar.set('p20t', token);
    replay.jar.set('cr00', cr00);
    expect((await replay.post(DATA, {})).status).toBe(401);
    expect(registry.get(token)?.detail).toMatchObject({ state: 'revoked' });
  });

  it('lists every token it issued, with the CSRF derivation', () => {
    const listed = web.app.sessions();
    expect(listed.length).toBeGreaterThanOrEqual(5);
    expect(new Set(listed.map((s) => s.token)).size).toBe(listed.length);
    for (const s of listed) {
      expect(registry.get(s.token)).toMatchObject({
        token: s.token,
        user: web.app.credentials.email,
        createdAt: s.issuedAt,
        expiresAt: s.expiresAt,
      });
      expect(registry.get(s.token)?.detail?.['csrfHeader']).toBe(md5(s.csrfCookie));
    }
  });
});

describe('sandbox web app: pages', () => {
  let web: RunningWeb;
  beforeAll(async () => {
    web = await startWeb();
  });
  afterAll(() => web.close());

  it('redirects private pages to the login page without a session cookie', async () => {
    const anon = new WebClient(web.url);
    const res = await anon.raw('GET', '/my/orders/p2p?x=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/my/orders/p2p?x=1')}`);
    const login = await anon.raw('GET', '/login');
    expect(login.status).toBe(200);
    const html = await login.text();
    for (const id of ['login-email', 'login-password', 'login-submit', 'twofa-code', 'twofa-submit'])
      expect(html).toContain(`data-testid="${id}"`);
  });

  it('serves each page with its nav and table to a logged-in client, and 404 for others', async () => {
    const client = await loggedIn(web);
    for (const path of [
      '/my/earn',
      '/my/earn/rewards',
      '/my/orders/p2p',
      '/my/orders/convert',
      '/my/wallet/transaction-history',
      '/my/orders/trade-history',
      '/my/wallet/dust-log',
    ]) {
      const res = await client.raw('GET', path);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html).toContain('data-testid="data-table"');
      expect(html).toContain('data-testid="next-page"');
      expect(html).toContain('data-testid="nav-trades"');
      expect(html).toContain('data-testid="nav-dust"');
    }
    expect((await client.raw('GET', '/my/nothing')).status).toBe(404);
    expect((await client.raw('GET', '/static/app.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await client.raw('POST', '/my/earn', { body: '{}' })).status).toBe(405);
  });
});
