import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import { entry, har } from './build.js';
import { analyzeFixture } from './fixtures.js';

describe('auth flow of a whole session (auth-session.har)', () => {
  const r = analyzeFixture('auth-session');
  const cred = (id: string) => r.auth.credentials.find((c) => c.id === id);
  const call = (role: string) => r.auth.calls.find((c) => c.role === role);

  it('links the bearer token to the JSON field that issued it, with its lifetime', () => {
    expect(cred('authorization:authorization')).toMatchObject({
      kind: 'jwt',
      class: 'per-session',
      consumers: ['get_v1_me'],
      lifetime: { seconds: 900, source: 'expires_in' },
    });
    expect(cred('authorization:authorization')?.issuedBy[0]).toMatchObject({
      via: 'json-field',
      name: 'access_token',
      operationId: 'post_v1_session',
      linkedBy: 'value',
      evidence: [{ entry: 1, pointer: '/response/content/text', bodyPointer: '/access_token' }],
    });
  });

  it('finds rotation by the refresh call', () => {
    expect(cred('authorization:authorization')?.rotatedBy).toEqual(['post_v1_oauth_refresh']);
    expect(call('refresh')).toMatchObject({ operationId: 'post_v1_oauth_refresh' });
    expect(call('refresh')?.credentials).toContain('authorization:authorization');
  });

  it('links the session cookie to its Set-Cookie with its Max-Age', () => {
    expect(cred('cookie:sid')).toMatchObject({
      kind: 'session',
      lifetime: { seconds: 1209600, source: 'max-age' },
      issuedBy: [{ via: 'set-cookie', operationId: 'post_v1_session' }],
    });
  });

  it('finds the CSRF bootstrap in an HTML meta tag and the login and logout calls', () => {
    expect(cred('header:x-csrf-token')?.issuedBy.map((i) => i.via)).toEqual([
      'html-meta',
      'html-hidden-input',
    ]);
    expect(call('csrf-bootstrap')).toMatchObject({
      operationId: 'get_login',
      credentials: ['header:x-csrf-token'],
    });
    expect(call('login')).toMatchObject({ operationId: 'post_v1_session' });
    expect(call('login')?.credentials).toEqual(
      expect.arrayContaining(['cookie:sid', 'authorization:authorization']),
    );
    expect(call('logout')).toMatchObject({ operationId: 'post_v1_logout', credentials: ['cookie:sid'] });
  });

  it('never puts a secret value in a summary', () => {
    const text = JSON.stringify(r.findings.map((f) => f.summary));
    for (const secret of ['hunter2', 's-7c6b5a4f3e2d1c0b', 'rt-0a1b2c3d4e5f6a7b', 'c5rf-9f8e7d6c5b4a', 'eyJ'])
      expect(text).not.toContain(secret);
  });
});

describe('a pre-redacted capture (auth-redacted.har)', () => {
  const r = analyzeFixture('auth-redacted');
  it('still gets a structural flow from names and order', () => {
    const bearer = r.auth.credentials.find((c) => c.id === 'authorization:authorization');
    expect(bearer?.redacted).toBe(true);
    expect(bearer?.issuedBy[0]).toMatchObject({
      name: 'access_token',
      operationId: 'post_oauth_token',
      linkedBy: 'name',
    });
    expect(r.auth.calls.find((c) => c.role === 'login')?.operationId).toBe('post_oauth_token');
  });
  it('pairs a double-submit CSRF header with its cookie by name', () => {
    expect(r.auth.credentials.find((c) => c.id === 'header:x-xsrf-token')?.derivedFrom).toMatchObject({
      credential: 'cookie:XSRF-TOKEN',
      linkedBy: 'name',
    });
  });
});

describe("ledgertap's keyed placeholders", () => {
  // A capture redacted by ledgertap: equal values share a fingerprint whatever the kind, so a token issued
  // in a JSON field and sent under another name is still linked by value (no relation recorded here).
  const capture = (issued: string, sent: string) =>
    analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://api.example.test/v2/login',
          requestBody: { user: 'u', password: '[redacted:password:00aa11bb22cc33dd]' },
          response: { sessionKey: issued, expiresIn: 3600 },
        }),
        ...[1, 2].map(() =>
          entry({
            url: 'https://api.example.test/v2/portfolio',
            requestHeaders: { 'X-Api-Session': sent },
            response: { assets: [] },
          }),
        ),
      ]).log,
    ]);

  it('links issuance and use by fingerprint across kinds', () => {
    const r = capture('[redacted:token:0123456789abcdef]', '[redacted:header:0123456789abcdef]');
    const session = r.auth.credentials.find((c) => c.id === 'header:x-api-session');
    expect(session?.redacted).toBe(true);
    expect(session?.issuedBy).toEqual([
      expect.objectContaining({ via: 'json-field', name: 'sessionKey', linkedBy: 'value' }),
    ]);
  });

  it('does not link different fingerprints, nor bare [REDACTED] values, by value', () => {
    const other = capture('[redacted:token:0123456789abcdef]', '[redacted:header:fedcba9876543210]');
    expect(
      other.auth.credentials.find((c) => c.id === 'header:x-api-session')?.issuedBy.map((i) => i.linkedBy),
    ).not.toContain('value');
    const bare = capture('[REDACTED]', '[REDACTED]');
    expect(
      bare.auth.credentials.find((c) => c.id === 'header:x-api-session')?.issuedBy.map((i) => i.linkedBy),
    ).not.toContain('value');
  });
});

describe('derivation (auth-derived.har)', () => {
  const r = analyzeFixture('auth-derived');
  it('finds a header that is the sha256 of the session cookie', () => {
    expect(r.auth.credentials.find((c) => c.id === 'header:x-session-hash')?.derivedFrom).toEqual({
      credential: 'cookie:sid',
      transform: 'sha256',
      linkedBy: 'value',
    });
  });
  it('uses the relations capture recorded before redaction', () => {
    expect(r.auth.credentials.find((c) => c.id === 'header:csrftoken')?.derivedFrom).toEqual({
      credential: 'cookie:p20t',
      transform: 'md5',
      linkedBy: 'relation',
    });
  });
});

describe('request signing (signing.har)', () => {
  const r = analyzeFixture('signing');
  it('detects HMAC-SHA256 signing over a timestamp, with the key header', () => {
    expect(r.auth.signing).toHaveLength(1);
    expect(r.auth.signing[0]).toMatchObject({
      signature: 'signature',
      timestamp: 'timestamp',
      key: 'x-mbx-apikey',
      encoding: 'hex-64 (HMAC-SHA256)',
      operationIds: ['get_api_v3_account'],
    });
  });
  it('classes the key as a static client constant and signature and timestamp as per request', () => {
    const cls = Object.fromEntries(r.auth.credentials.map((c) => [c.id, `${c.kind}/${c.class}`]));
    expect(cls).toMatchObject({
      'header:x-mbx-apikey': 'api-key/static',
      'query:signature': 'signature/per-request',
      'query:timestamp': 'timestamp/per-request',
    });
  });
});

describe('other issuers', () => {
  it('finds a token issued in a redirect parameter and a credential header', () => {
    const r = analyzeLogs([
      har([
        entry({
          url: 'https://id.example.test/authorize?client_id=app',
          status: 302,
          redirectURL: 'https://app.example.test/cb#access_token=tok-4f3e2d1c0b9a&token_type=bearer',
        }),
        entry({
          url: 'https://api.example.test/v1/me',
          requestHeaders: { Authorization: 'Bearer tok-4f3e2d1c0b9a' },
          response: { id: 1 },
          responseHeaders: [['X-CSRF-Token', 'csrf-0011223344']],
        }),
        entry({
          method: 'POST',
          url: 'https://api.example.test/v1/notes',
          requestHeaders: { Authorization: 'Bearer tok-4f3e2d1c0b9a', 'X-CSRF-Token': 'csrf-0011223344' },
          requestBody: { text: 'x' },
        }),
      ]).log,
    ]);
    const bearer = r.auth.credentials.find((c) => c.id === 'authorization:authorization');
    expect(bearer?.issuedBy[0]).toMatchObject({
      via: 'redirect-param',
      name: 'access_token',
      operationId: 'get_authorize',
      linkedBy: 'value',
    });
    const csrf = r.auth.credentials.find((c) => c.id === 'header:x-csrf-token');
    expect(csrf?.issuedBy[0]).toMatchObject({ via: 'header', operationId: 'get_v1_me' });
  });

  it('reads the lifetime of a JWT from exp and iat when nothing else says it', () => {
    const token = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ iat: 1767225600, exp: 1767229200 })).toString('base64url')}.c2ln`;
    const r = analyzeLogs([
      har([
        entry({
          url: 'https://api.example.test/v1/me',
          requestHeaders: { Authorization: `Bearer ${token}` },
        }),
      ]).log,
    ]);
    expect(r.auth.credentials[0]).toMatchObject({
      kind: 'jwt',
      lifetime: { seconds: 3600, source: 'jwt-exp' },
    });
  });
});

describe('vendor credential headers without the x- prefix', () => {
  // vSphere's session id (recorded in test/fixtures/har-public/j1-vsphere-session.har) and GitLab's
  // `Private-Token`: named like credentials, without the `x-` prefix the generic rule wanted.
  it('links vmware-api-session-id to the session call that returned it', () => {
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://vcenter.example.test/api/session',
          requestHeaders: { authorization: 'Basic dXNlcjpwYXNz' },
          status: 201,
          response: 'a5f1c0de9b7e4d2f8c3a6b1e0d9f7c2a',
          responseHeaders: [['vmware-api-session-id', 'a5f1c0de9b7e4d2f8c3a6b1e0d9f7c2a']],
        }),
        entry({
          url: 'https://vcenter.example.test/rest/appliance/system/version',
          requestHeaders: { 'vmware-api-session-id': 'a5f1c0de9b7e4d2f8c3a6b1e0d9f7c2a' },
          response: { value: { version: '8.0.0.10000' } },
        }),
      ]).log,
    ]);
    const session = r.auth.credentials.find((c) => c.id === 'header:vmware-api-session-id');
    expect(session).toMatchObject({ kind: 'session' });
    expect(session?.issuedBy.map((i) => [i.via, i.name, i.operationId])).toContainEqual([
      'header',
      'vmware-api-session-id',
      'post_api_session',
    ]);
  });

  it('counts Private-Token and Circle-Token, not Idempotency-Key or Sec-WebSocket-Key', () => {
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://gitlab.example.test/api/v4/projects',
          requestHeaders: {
            'Private-Token': 'glpat-abcdefghijklmnop',
            'Circle-Token': 'c1rcl3t0k3nc1rcl3t0k3n',
            'Idempotency-Key': '6b1e0d9f-7c2a-4d2f-8c3a-a5f1c0de9b7e',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
          response: { id: 1 },
        }),
      ]).log,
    ]);
    expect(r.auth.credentials.map((c) => c.id).sort()).toEqual([
      'header:circle-token',
      'header:private-token',
    ]);
  });

  // Tanium's API takes the session a login returns in a header named just `session`.
  it('links a bare `session` header to the login whose answer issued it', () => {
    const r = analyzeLogs([
      har([
        entry({
          method: 'POST',
          url: 'https://tanium.example.test/api/v2/session/login',
          requestBody: { username: 'ops', password: '[REDACTED]' },
          response: { data: { session: 'token-5f3a9c2e7b1d4a6f8e0c3b5d7a9f1e2c' } },
        }),
        entry({
          url: 'https://tanium.example.test/api/v2/system_status',
          requestHeaders: { session: 'token-5f3a9c2e7b1d4a6f8e0c3b5d7a9f1e2c', 'Accept-Language': 'en' },
          response: { data: [] },
        }),
      ]).log,
    ]);
    expect(r.auth.credentials.map((c) => c.id).sort()).toEqual(['body:password', 'header:session']);
    const session = r.auth.credentials.find((c) => c.id === 'header:session');
    expect(session?.issuedBy.map((i) => i.operationId)).toContain('post_api_v2_session_login');
    expect(session?.consumers).toContain('get_api_v2_systemStatus');
  });
});
