/**
 * The acceptance test: real headless Chromium against the sandbox web app, driven by the
 * built-in sandbox autopilot through the CLI.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateHar, type HarFile } from '../../har/index.js';
import { startSandbox, type SandboxHandle } from '../../sandbox/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { captureBrowserArgs, consentGrantArgs } from './cli-args.js';

const tempDir = useTempDirs('ledgertap-capture-sandbox-');

let sandbox: SandboxHandle;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, profile: 'tiny' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('capture browser --autopilot sandbox against the sandbox web app', () => {
  it('logs in, visits every guide step, and writes a valid redacted HAR with the private endpoints by step', async () => {
    const dir = await tempDir();
    const db = join(dir, 'ledger.sqlite');
    const grant = await runCliInProcess(consentGrantArgs({ db, account: 'main', holder: 'Sandbox Holder' }));
    expect(grant.code, grant.stderr).toBe(0);
    const out = join(dir, 'sandbox.har');
    const r = await runCliInProcess(
      captureBrowserArgs(
        { url: sandbox.webUrl, out, guide: 'sandbox', consent: { db, account: 'main' } },
        '--autopilot',
        'sandbox',
        '--sandbox-admin',
        sandbox.adminUrl,
      ),
      { env: { LEDGERTAP_BROWSER: '', LEDGERTAP_WEB_USER: '', LEDGERTAP_WEB_PASSWORD: '' } },
    );
    expect(r.code, r.stderr).toBe(0);

    const validation = await validateHar(out);
    expect(JSON.stringify(validation.deviations)).toBe('[]');
    const text = await readFile(out, 'utf8');
    const har = JSON.parse(text) as HarFile;
    const steps = ['login', 'earn', 'earn-rewards', 'p2p', 'convert', 'transactions', 'trades'];
    expect(har.log.pages?.map((p) => p.id)).toEqual(steps);
    expect(har.log._ledgertap).toMatchObject({
      guide: 'sandbox',
      account: 'main',
      consentId: expect.any(String),
    });

    // Every data step called at least one private endpoint, answered with a body, tagged with that step.
    const priv = har.log.entries.filter(
      (e) => /\/bapi\/|\/exchange-api\//.test(e.request.url) && /private/.test(e.request.url),
    );
    for (const step of steps.slice(1)) {
      const calls = priv.filter((e) => e._step === step);
      expect(calls.length, `private calls in step ${step}`).toBeGreaterThan(0);
      expect(
        calls.some(
          (e) => e.response.status === 200 && (e.response.content.text ?? '').includes('"code":"000000"'),
        ),
        step,
      ).toBe(true);
    }

    // No password, session token, CSRF value or API secret anywhere in the file.
    const creds = (await (await fetch(new URL('/__sandbox/credentials', sandbox.adminUrl))).json()) as Record<
      string,
      unknown
    >;
    const sessions = (await (await fetch(new URL('/__sandbox/sessions', sandbox.adminUrl))).json()) as {
      sessions: Array<{ token: string; detail?: { csrfCookie?: string; csrfHeader?: string } }>;
    };
    expect(sessions.sessions.length).toBeGreaterThan(0);
    const secrets = [
      sandbox.webPassword,
      sandbox.apiSecret,
      sandbox.webUser,
      ...sessions.sessions.flatMap((s) => [s.token, s.detail?.csrfCookie, s.detail?.csrfHeader]),
    ].filter((s): s is string => typeof s === 'string' && s.length >= 6);
    expect(String(creds['webPassword'] ?? sandbox.webPassword)).toBe(sandbox.webPassword);
    for (const secret of secrets)
      expect(text.includes(secret), `secret ${secret.slice(0, 4)}… in the HAR`).toBe(false);

    // The CSRF header is md5 of a cookie: recorded as a relation before both were redacted.
    const relations = har.log._ledgertap?.relations ?? [];
    expect(relations).toContainEqual(expect.objectContaining({ type: 'derived', transform: 'md5' }));
    expect(relations.some((rel) => rel.type === 'issued')).toBe(true);
  }, 180_000);
});
