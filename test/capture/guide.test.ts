import { PassThrough } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SHIPPED_GUIDES,
  createHarSink,
  defaultGuide,
  findBrowser,
  hostFilter,
  loadGuide,
  parseGuide,
  runBrowserCapture,
  siteOf,
} from '../../capture/index.js';
import type { HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { startTestSite, type TestSite } from './site.js';

const tempDir = useTempDirs('ledgertap-guide-');

describe('guides', () => {
  it("steps say what to do, not how to advance: the CLI adds 'Press Enter' when someone is there to press it", async () => {
    const steps = [
      ...defaultGuide('https://app.example.test/').steps,
      ...(await Promise.all(SHIPPED_GUIDES.map((n) => loadGuide(n)))).flatMap((g) => g.steps),
    ];
    expect(steps.length).toBeGreaterThan(5);
    for (const step of steps) expect(step.do).not.toMatch(/press enter/i);
  });

  it('every shipped guide validates against schemas/guide.schema.json', async () => {
    for (const name of SHIPPED_GUIDES) {
      const guide = await loadGuide(name);
      expect(guide.name).toBe(name);
      expect(guide.steps.length).toBeGreaterThan(3);
    }
    const binance = await loadGuide('binance-web');
    const surfaces = binance.steps.flatMap((s) => s.surfaces ?? []);
    for (const s of [
      'earn_positions',
      'earn_rewards',
      'p2p_orders',
      'conversions',
      'autoinvest_executions',
      'transfers',
    ])
      expect(surfaces).toContain(s);
    expect(
      binance.steps.every(
        (s) => !s.url || (s.url.startsWith('https://') && siteOf(new URL(s.url).hostname) === 'binance.com'),
      ),
    ).toBe(true);
  });

  const bad: Array<[string, string, string]> = [
    ['not YAML', 'name: [unclosed', 'not valid YAML'],
    ['missing steps', 'name: x\ntitle: X\n', "must have required property 'steps'"],
    ['empty steps', 'name: x\ntitle: X\nsteps: []\n', '/steps'],
    ['unknown field', 'name: x\ntitle: X\nsteps: [{id: a, title: A, do: A, colour: red}]\n', 'colour'],
    ['bad id', 'name: x\ntitle: X\nsteps: [{id: "A B", title: A, do: A}]\n', '/steps/0/id'],
    [
      'duplicate id',
      'name: x\ntitle: X\nsteps: [{id: a, title: A, do: A}, {id: a, title: B, do: B}]\n',
      'duplicate step id',
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects a guide with ${what}`, async () => {
      await expect(parseGuide(text, 'bad.yaml')).rejects.toMatchObject({
        code: 'input.guide_invalid',
        message: expect.stringContaining(message),
      });
    });
  }

  it('an unknown shipped guide name lists the shipped ones', async () => {
    await expect(loadGuide('nope')).rejects.toMatchObject({
      code: 'input.guide_not_found',
      message: expect.stringContaining('binance-web'),
    });
  });
});

describe('hosts', () => {
  const cases: Array<[string, string[] | undefined, string, boolean]> = [
    ['https://www.binance.com/en', undefined, 'www.binance.com', true],
    ['https://www.binance.com/en', undefined, 'p2p.binance.com', true],
    ['https://www.binance.com/en', undefined, 'bin.bnbstatic.com', false],
    ['https://www.binance.com/en', undefined, 'fonts.gstatic.com', false],
    ['https://www.binance.com/en', undefined, 'notbinance.com', false],
    ['https://shop.example.co.uk/', undefined, 'api.example.co.uk', true],
    ['https://shop.example.co.uk/', undefined, 'other.co.uk', false],
    ['http://127.0.0.1:8080/', undefined, '127.0.0.1', true],
    ['http://127.0.0.1:8080/', undefined, 'localhost', false],
    ['https://x.test/', ['binance.com', '*.bnbstatic.com'], 'bin.bnbstatic.com', true],
    ['https://x.test/', ['binance.com'], 'x.test', false],
  ];
  for (const [url, list, host, allowed] of cases) {
    it(`${list ? list.join(',') : url}: ${host} ${allowed ? 'recorded' : 'skipped'}`, () => {
      expect(hostFilter(list, url).allows(host)).toBe(allowed);
    });
  }
});

describe('a holder-driven session (no autopilot)', () => {
  let site: TestSite;
  beforeEach(async () => {
    site = await startTestSite();
  });
  afterEach(async () => {
    await site.close();
  });

  it('advances on Enter in the terminal and on the in-page Next button, with the banner showing the step', async () => {
    const dir = await tempDir();
    const out = join(dir, 'manual.har');
    const guide = await parseGuide(
      `name: manual\ntitle: M\nsteps:\n  - {id: one, title: First step, do: Look., url: /login}\n  - {id: two, title: Second step, do: Look again., url: /login?again=1}\n  - {id: three, title: Third step, do: Done., url: /login?third=1}\n`,
      'g',
    );
    const sink = await createHarSink({ out, keyFile: false });
    const input = new PassThrough();
    let context: BrowserContext | undefined;
    const banners: string[] = [];
    const run = runBrowserCapture({
      url: site.url,
      sink,
      guide,
      hosts: hostFilter(undefined, site.url),
      browserPath: findBrowser(undefined),
      headless: true,
      input,
      onContext: (c) => (context = c),
      onStep: (s) => {
        if (s.index === 1) {
          // Step two: the holder clicks Next in the page.
          void (async () => {
            const page = context!.pages()[0]!;
            const next = page.locator('#__ledgertap_banner button', { hasText: 'Next' });
            await next.waitFor({ timeout: 10_000 });
            await page.waitForFunction(
              `document.getElementById('__ledgertap_banner')?.shadowRoot?.textContent?.includes('Second step')`,
            );
            banners.push((await page.locator('#__ledgertap_banner').textContent()) ?? '');
            banners.push(
              await page.evaluate<string>(
                `document.getElementById('__ledgertap_banner')?.shadowRoot?.textContent ?? ''`,
              ),
            );
            await next.click();
          })();
        }
        if (s.index === 2) setTimeout(() => input.write('\n'), 300);
      },
    });
    // Step one: the holder presses Enter once the page is there.
    setTimeout(() => input.write('\n'), 1500);
    const result = await run;
    await sink.close();
    expect(result.reason).toBe('guide-finished');
    expect(banners.join(' ')).toContain('step 2/3: Second step');
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    expect(har.log.pages?.map((p) => p.id)).toEqual(['one', 'two', 'three']);
    expect(new Set(har.log.entries.map((e) => e._step))).toEqual(new Set(['one', 'two', 'three']));
  });
});
