/**
 * Headed capture, the holder's own path: a real Chromium window on a virtual X display (Xvfb), no
 * autopilot. The test plays the holder: it logs in through the page, advances the guide with the banner's
 * Next button and with Enter in the terminal, and closes the window. Headless tests cannot show that the
 * window, the banner in it and the manual controls work, so this runs the browser exactly as a user does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createHarSink,
  findBrowser,
  hostFilter,
  parseGuide,
  runBrowserCapture,
  type BrowserCaptureResult,
} from '../../capture/index.js';
import { validateHar, type HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { SITE_GUIDE, startTestSite, type TestSite } from './site.js';

const tempDir = useTempDirs('ledgertap-headed-');
const GUIDE = SITE_GUIDE;

let xvfb: ChildProcess | undefined;
const previousDisplay = process.env.DISPLAY;

/** Starts Xvfb on a display it chooses itself (`-displayfd`), so parallel runs never collide. */
async function startXvfb(): Promise<string> {
  const binary = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find((p) => existsSync(p));
  if (!binary) {
    throw new Error(
      'Xvfb is not installed: the headed capture test needs a virtual display (apt-get install xvfb; .ci/run installs it).',
    );
  }
  const child = spawn(binary, ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  xvfb = child;
  const fd3 = child.stdio[3] as Readable;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start in 15 s: ${stderr}`)), 15_000);
    fd3.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}): ${stderr}`));
    });
  });
}

beforeAll(async () => {
  process.env.DISPLAY = await startXvfb();
});
afterAll(() => {
  xvfb?.kill('SIGTERM');
  if (previousDisplay === undefined) delete process.env.DISPLAY;
  else process.env.DISPLAY = previousDisplay;
});

let site: TestSite;
beforeEach(async () => {
  site = await startTestSite();
});
afterEach(async () => {
  await site.close();
});

/** Polls until `get` returns a value (the capture hands over its context asynchronously). */
async function until<T>(get: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Session {
  page: Page;
  steps: string[];
  input: PassThrough;
  done: Promise<BrowserCaptureResult>;
  out: string;
  closeSink: () => Promise<unknown>;
}

async function startHeaded(): Promise<Session> {
  const out = join(await tempDir(), 'headed.har');
  const guide = await parseGuide(GUIDE, 'test guide');
  const sink = await createHarSink({ out, guide: guide.name });
  const steps: string[] = [];
  const input = new PassThrough();
  let context: BrowserContext | undefined;
  const done = runBrowserCapture({
    url: site.url,
    sink,
    guide,
    hosts: hostFilter(undefined, site.url),
    browserPath: findBrowser(undefined),
    headless: false,
    input,
    onContext: (c) => (context = c),
    onStep: (s) => steps.push(s.id),
  });
  // A launch failure must surface as itself, not as a timeout below.
  done.catch(() => undefined);
  const page = await until(() => context?.pages()[0], 'the browser window');
  await until(() => (steps.includes('login') ? true : undefined), 'the first step');
  await page.waitForURL('**/login');
  return { page, steps, input, done, out, closeSink: () => sink.close() };
}

/** The banner's button (in an open shadow root, which Playwright's CSS locators pierce). */
const bannerButton = (page: Page, label: string) =>
  page.locator('#__ledgertap_banner button', { hasText: label }).first();

describe('headed browser capture (a real window on a virtual display)', () => {
  it('the holder logs in, advances with the banner and with Enter, and finishes the guide', async () => {
    const s = await startHeaded();
    // A real window: not the headless browser, with browser chrome around the page.
    const ua = await s.page.evaluate<string>('navigator.userAgent');
    expect(ua).not.toContain('HeadlessChrome');
    const chromeHeight = await s.page.evaluate<number>('window.outerHeight - window.innerHeight');
    expect(chromeHeight).toBeGreaterThan(0);
    // The banner shows the step in the page.
    await bannerButton(s.page, 'Next').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await s.page.locator('#__ledgertap_banner').getByText('Log in').first().isVisible()).toBe(true);

    // The holder logs in by hand.
    await s.page.fill('input[name=email]', site.user);
    await s.page.fill('input[name=password]', site.password);
    await s.page.click('button[type=submit]');
    await s.page.waitForURL('**/dashboard');

    // Next in the banner: the guide moves on and opens the step's page.
    await bannerButton(s.page, 'Next').click();
    await until(() => (s.steps.includes('earn') ? true : undefined), 'the earn step');
    await s.page.waitForURL('**/earn');
    // Enter in the terminal.
    s.input.write('\n');
    await until(() => (s.steps.includes('p2p') ? true : undefined), 'the p2p step');
    await s.page.waitForURL('**/p2p/orders');
    await bannerButton(s.page, 'Finish').waitFor({ state: 'visible', timeout: 10_000 });
    await bannerButton(s.page, 'Finish').click();

    expect((await s.done).reason).toBe('guide-finished');
    await s.closeSink();
    expect(s.steps).toEqual(['login', 'earn', 'p2p']);
    const text = await readFile(s.out, 'utf8');
    const har = JSON.parse(text) as HarFile;
    expect((await validateHar(s.out)).deviations).toEqual([]);
    const seen = har.log.entries.map(
      (e) => `${e._step} ${e.request.method} ${new URL(e.request.url).pathname}`,
    );
    expect(seen).toContain('login POST /bapi/accounts/v1/public/login');
    expect(seen).toContain('earn POST /bapi/earn/v1/private/positions');
    expect(seen).toContain('p2p POST /bapi/c2c/v1/private/c2c/order-match/order-list');
    // Typed by hand, still redacted; the recorded requests are the headed browser's.
    expect(text).not.toContain(site.password);
    const login = har.log.entries.find((e) => e.request.url.endsWith('/public/login'))!;
    const agent = login.request.headers.find((h) => h.name.toLowerCase() === 'user-agent')?.value ?? '';
    expect(agent).toContain('Chrome/');
    expect(agent).not.toContain('HeadlessChrome');
  });

  it('closing the window ends the capture with what was recorded, as a valid HAR', async () => {
    const s = await startHeaded();
    await s.page.fill('input[name=email]', site.user);
    await s.page.fill('input[name=password]', site.password);
    await s.page.click('button[type=submit]');
    await s.page.waitForURL('**/dashboard');
    await s.page.close();
    expect((await s.done).reason).toBe('browser-closed');
    await s.closeSink();
    expect((await validateHar(s.out)).deviations).toEqual([]);
    const har = JSON.parse(await readFile(s.out, 'utf8')) as HarFile;
    expect(har.log.entries.some((e) => e.request.url.endsWith('/public/login'))).toBe(true);
    expect(har.log.entries.every((e) => e._step === 'login')).toBe(true);
  });
});
