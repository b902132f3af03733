/**
 * The web app mounted in the real sandbox (startSandbox mounts `sandboxWebRoute()` by default): it uses the
 * sandbox's login, version and account, the second-factor code is in `/__sandbox/credentials` before any
 * web request, and every session token it issues is listed by `/__sandbox/sessions`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../sandbox/index.js';
import { sandboxWebRoute, WEB_API_PATHS, webTwoFactorCodeFor } from '../../../sandbox/web/index.js';
import { WebClient } from './web-harness.js';

describe('sandbox web app mounted in startSandbox', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: 11,
      profile: 'tiny',
      asOf: Date.UTC(2026, 10, 1),
      webApiVersion: 2,
    });
  });
  afterAll(() => sandbox?.close());

  it('logs in with the sandbox credentials and registers the session for /__sandbox/sessions', async () => {
    const creds = (await (await fetch(`${sandbox.adminUrl}/credentials`)).json()) as Record<string, string>;
    expect(creds['webUser']).toBe(sandbox.webUser);
    expect(creds['webTwoFactorCode']).toBe(webTwoFactorCodeFor(11));
    const page = await fetch(`${sandbox.webUrl}/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"apiVersion":2');

    const client = new WebClient(sandbox.webUrl);
    await client.login(sandbox.webUser, sandbox.webPassword, creds['webTwoFactorCode']);
    const token = client.jar.get('p20t') as string;
    const convert = await client.post(WEB_API_PATHS.convertHistoryV2, { page: 1, rows: 5 });
    expect(convert.body).toMatchObject({ code: '000000', success: true });
    await client.post(WEB_API_PATHS.refresh, {});
    const rotated = client.jar.get('p20t') as string;

    const listed = (await (await fetch(`${sandbox.adminUrl}/sessions`)).json()) as {
      sessions: Array<{ token: string; detail?: { state?: string } }>;
    };
    const byToken = new Map(listed.sessions.map((s) => [s.token, s]));
    expect(byToken.get(token)?.detail?.state).toBe('rotated');
    expect(byToken.get(rotated)?.detail?.state).toBe('active');
  });

  it('an explicit sandboxWebRoute() publishes the code on its first request', async () => {
    const other = await startSandbox({
      seed: 12,
      profile: 'tiny',
      asOf: Date.UTC(2026, 10, 1),
      webApp: sandboxWebRoute({ sessionTtlMs: 1000 }),
    });
    try {
      expect((await fetch(`${other.webUrl}/login`)).status).toBe(200);
      const creds = (await (await fetch(`${other.adminUrl}/credentials`)).json()) as Record<string, string>;
      expect(creds['webTwoFactorCode']).toBe(webTwoFactorCodeFor(12));
      const client = new WebClient(other.webUrl);
      await client.login(other.webUser, other.webPassword, creds['webTwoFactorCode']);
      expect((await client.post(WEB_API_PATHS.earnPositions, {})).body.code).toBe('000000');
    } finally {
      await other.close();
    }
  });
});
