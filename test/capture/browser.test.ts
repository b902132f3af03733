import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createHarSink,
  findBrowser,
  hostFilter,
  parseGuide,
  runBrowserCapture,
} from '../../capture/index.js';
import { validateHar, type HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { scriptedCapture } from './scripted-capture.js';
import { startTestSite, startThirdParty, type TestSite } from './site.js';

const tempDir = useTempDirs('ledgertap-capture-');
const GUIDE = `name: test-site
title: Test site
steps:
  - { id: login, title: Log in, do: Log in., url: /login }
  - { id: earn, title: Earn, do: Look at Earn., url: /earn, surfaces: [earn_positions] }
  - { id: p2p, title: P2P, do: Look at P2P orders., url: /p2p/orders, surfaces: [p2p_orders] }
`;

let site: TestSite;
let third: Awaited<ReturnType<typeof startThirdParty>>;
beforeEach(async () => {
  third = await startThirdParty();
  site = await startTestSite({ thirdPartyUrl: third.url });
});
afterEach(async () => {
  await site.close();
  await third.close();
});

describe('browser capture against a real site with login, cookies and a derived CSRF header', () => {
  it('records every step with bodies, redacts secrets, and records the md5 CSRF relation', async () => {
    const dir = await tempDir();
    const out = join(dir, 'session.har');
    const guide = await parseGuide(GUIDE, 'test guide');
    const sink = await createHarSink({ out, guide: guide.name, consentId: 'consent-1', account: 'acct' });
    const steps: string[] = [];
    const result = await runBrowserCapture({
      url: site.url,
      sink,
      guide,
      hosts: hostFilter(undefined, site.url),
      browserPath: findBrowser(undefined),
      headless: true,
      autopilot: { kind: 'sandbox', credentials: { user: site.user, password: site.password } },
      onStep: (s) => steps.push(s.id),
    });
    const summary = await sink.close();
    expect(result.reason).toBe('guide-finished');
    expect(steps).toEqual(['login', 'earn', 'p2p']);
    expect(summary.skippedHosts).toHaveProperty('localhost');
    expect(third.hits()).toBeGreaterThan(0);

    const text = await readFile(out, 'utf8');
    const har = JSON.parse(text) as HarFile;
    expect(har.log.pages?.map((p) => p.id)).toEqual(['login', 'earn', 'p2p']);
    expect(har.log._ledgertap).toMatchObject({ consentId: 'consent-1', account: 'acct', guide: 'test-site' });
    const urls = har.log.entries.map(
      (e) => `${e._step} ${e.request.method} ${new URL(e.request.url).pathname}`,
    );
    expect(urls).toContain('login POST /bapi/accounts/v1/public/login');
    expect(urls).toContain('earn POST /bapi/earn/v1/private/positions');
    expect(urls).toContain('p2p POST /bapi/c2c/v1/private/c2c/order-match/order-list');
    expect(har.log.entries.every((e) => e._source === 'browser' && e.pageref === e._step)).toBe(true);
    // Paged through: page 1..3 of the P2P list; bodies kept with big ids intact.
    const p2p = har.log.entries.filter((e) => e.request.url.includes('order-list'));
    expect(p2p.length).toBe(3);
    expect(p2p[0]!.response.content.text).toContain('"orderNumber":940708407462087195');
    expect(p2p[0]!.request.postData?.text).toBe('{"page":1,"rows":2}');
    expect(p2p[0]!.response.content.text).not.toContain('Trader 0');

    // No secret anywhere: password, session tokens, CSRF cookie values.
    expect(text).not.toContain(site.password);
    expect(site.sessions.length).toBeGreaterThan(0);
    for (const s of [...site.sessions, ...site.csrfCookies]) expect(text).not.toContain(s);
    expect(text).not.toContain(site.user);

    // Real cookie headers (from the ExtraInfo events) were recorded, redacted.
    const api = p2p[0]!;
    expect(api.request.headers.find((h) => h.name.toLowerCase() === 'cookie')?.value).toMatch(
      /p20t=\[redacted:cookie:[0-9a-f]{16}\]/,
    );
    const loginEntry = har.log.entries.find((e) => e.request.url.endsWith('/public/login'))!;
    expect(loginEntry.response.content.text).toMatch(/"token":"\[redacted:token:[0-9a-f]{16}\]"/);
    expect(loginEntry.request.postData?.text).toMatch(/"password":"\[redacted:password:/);
    const relations = har.log._ledgertap?.relations ?? [];
    expect(relations).toContainEqual(expect.objectContaining({ type: 'derived', transform: 'md5' }));
    expect(relations).toContainEqual(expect.objectContaining({ type: 'issued' }));
    // The key file is beside the HAR, owner-only.
    const { stat } = await import('node:fs/promises');
    expect((await stat(`${out}.key`)).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('runs a scripted autopilot (goto, fill, click, wait, next-step)', async () => {
    const dir = await tempDir();
    const out = join(dir, 'scripted.har');
    const script = join(dir, 'pilot.yaml');
    await writeFile(
      script,
      `actions:
  - fill: { selector: 'input[name=email]', value: '\${env:T_USER}' }
  - fill: { selector: 'input[name=password]', value: '\${env:T_PASS}' }
  - click: 'button[type=submit]'
  - wait: { url: '**/dashboard' }
  - next-step: earn
  - wait: { load: networkidle }
`,
    );
    const guide = await parseGuide(GUIDE, 'test guide');
    const sink = await createHarSink({ out, guide: guide.name });
    await scriptedCapture({
      url: site.url,
      sink,
      guide,
      script,
      env: { T_USER: site.user, T_PASS: site.password },
    });
    await sink.close();
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    const earn = har.log.entries.filter((e) => e._step === 'earn' && e.request.url.includes('/private/'));
    expect(earn.length).toBeGreaterThan(0);
    expect(earn[0]!.response.status).toBe(200);
  });
});

describe('--profile-dir', () => {
  it('keeps the login between captures', async () => {
    const dir = await tempDir();
    const profileDir = join(dir, 'profile');
    const guide = await parseGuide(GUIDE, 'test guide');
    const first = await createHarSink({ out: join(dir, 'first.har'), keyFile: false });
    await runBrowserCapture({
      url: site.url,
      sink: first,
      guide,
      hosts: hostFilter(undefined, site.url),
      browserPath: findBrowser(undefined),
      headless: true,
      profileDir,
      autopilot: { kind: 'sandbox', credentials: { user: site.user, password: site.password } },
    });
    await first.close();
    // Second capture: no login step, straight to a private page.
    const second = await createHarSink({ out: join(dir, 'second.har'), keyFile: false });
    const onlyEarn = await parseGuide(
      'name: t\ntitle: T\nsteps:\n  - {id: earn, title: Earn, do: Look., url: /earn}\n',
      'g',
    );
    await runBrowserCapture({
      url: site.url,
      sink: second,
      guide: onlyEarn,
      hosts: hostFilter(undefined, site.url),
      browserPath: findBrowser(undefined),
      headless: true,
      profileDir,
      autopilot: { kind: 'script', source: 'inline', actions: [{ wait: { load: 'networkidle' } }] },
    });
    await second.close();
    const har = JSON.parse(await readFile(join(dir, 'second.har'), 'utf8')) as HarFile;
    const earn = har.log.entries.filter((e) => e.request.url.includes('/private/'));
    expect(earn.length).toBeGreaterThan(0);
    expect(earn[0]!.response.status).toBe(200);
    expect(har.log.entries.some((e) => e.request.url.endsWith('/public/login'))).toBe(false);
  });
});

describe('WebSocket and service worker traffic', () => {
  /** Captures one guide step at `path` until the page says it is ready; the HAR as text and parsed. */
  async function captureStep(
    id: string,
    path: string,
    settleMs = 0,
  ): Promise<{ out: string; text: string; har: HarFile }> {
    const out = join(await tempDir(), `${id}.har`);
    const guide = await parseGuide(
      `name: t\ntitle: T\nsteps:\n  - {id: ${id}, title: ${id}, do: Look., url: '${path}'}\n`,
      'g',
    );
    const sink = await createHarSink({ out, keyFile: false });
    await runBrowserCapture({
      url: site.url,
      sink,
      guide,
      hosts: hostFilter(['127.0.0.1']),
      browserPath: findBrowser(undefined),
      headless: true,
      autopilot: {
        kind: 'script',
        source: 'inline',
        actions: [
          { wait: { selector: 'body[data-state="ready"]' } },
          ...(settleMs > 0 ? [{ wait: { ms: settleMs } }] : []),
        ],
      },
    });
    await sink.close();
    const text = await readFile(out, 'utf8');
    return { out, text, har: JSON.parse(text) as HarFile };
  }

  it("records a service worker's own requests, tagged with the worker, redacted", async () => {
    const { out, text, har } = await captureStep('sw', '/sw-page');
    const fromWorker = har.log.entries.filter((e) => e._serviceWorker !== undefined);
    const sync = fromWorker.find((e) => e.request.url.endsWith('/api/sw-sync?since=1'));
    expect(sync).toBeDefined();
    expect(sync!._serviceWorker).toBe(`${site.url}/sw.js`);
    expect(sync!.request.method).toBe('POST');
    expect(JSON.parse(sync!.request.postData!.text!)).toEqual({ queue: [1, 2] });
    expect(JSON.parse(sync!.response.content.text!)).toEqual({ synced: 2 });
    expect(sync!.response.status).toBe(200);
    expect(sync!._step).toBe('sw');
    expect(sync!.request.headers.find((h) => h.name === 'x-sw-token')?.value).toMatch(/^\[redacted:/);
    expect(text).not.toContain('swTok_abcdef0123456789abcd');
    // The page's own requests stay with the page recorder: nothing is recorded twice.
    const urls = har.log.entries.map((e) => `${e.request.method} ${e.request.url}`);
    expect(urls.filter((u) => u.endsWith('/api/sw-sync?since=1'))).toHaveLength(1);
    expect(urls.filter((u) => u.endsWith('/sw-page'))).toHaveLength(1);
    expect(JSON.stringify((await validateHar(out)).deviations)).toBe('[]');
  });

  it('records the upgrade with its frames as _webSocketMessages, redacted', async () => {
    const { getLocal } = await import('mockttp');
    const ws = getLocal();
    await ws.start();
    await ws.forAnyWebSocket().thenEcho();
    try {
      const { text, har } = await captureStep('ws', `/ws?port=${ws.port}`, 300);
      const upgrade = har.log.entries.find((e) => e._webSocketMessages !== undefined);
      expect(upgrade?.request.url).toBe(`ws://127.0.0.1:${ws.port}/stream`);
      expect(upgrade?.response.status).toBe(101);
      expect(upgrade?._webSocketMessages?.map((m) => m.type)).toEqual(['send', 'receive']);
      // Frame times are epoch seconds (as DevTools writes them), at or after the handshake.
      const started = Date.parse(upgrade!.startedDateTime) / 1000;
      for (const m of upgrade!._webSocketMessages!) {
        expect(m.time).toBeGreaterThanOrEqual(started - 0.001);
        expect(m.time).toBeLessThan(started + 30);
      }
      expect(upgrade?._webSocketMessages?.[0]?.data).toContain('"accessToken":"[redacted:token:');
      expect(text).not.toContain('wsTok_0123456789abcdef0123');
    } finally {
      await ws.stop();
    }
  });
});
