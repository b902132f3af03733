/**
 * Capture overhead: page-load time of the sandbox web app's pages with capture (CDP recorder + redacting
 * HAR sink writing to disk) versus without, in the same run, same browser, same logged-in account.
 * The sandbox runs in a child process (`ledgertap sandbox`). Each round loads every page once per mode, alternating which mode goes first to cancel warm-up bias.
 * Load time = navigation start to the page's ready marker (body[data-state="ready"]: data fetched and rendered).
 *
 *   npx tsx bench/capture.ts               # 5 rounds
 *   npx tsx bench/capture.ts --rounds 2    # small (CI)
 *
 * Target (issue 5): overhead under 20 % (ratio < 1.20).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_FLAGS, CdpRecorder, createHarSink, findBrowser, hostFilter } from '../capture/index.js';
import { WEB_PAGES, WEB_SELECTORS } from '../sandbox/index.js';
import { cliCommand } from '../test/helpers/cli.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? '5');
/** `--no-hold`: measure without holding data responses for their bodies (see CdpRecorder). */
const holdBodies = !args.includes('--no-hold');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function login(
  page: Page,
  webUrl: string,
  user: string,
  password: string,
  code: string | undefined,
): Promise<void> {
  await page.goto(new URL('/login', webUrl).toString());
  await page.fill(WEB_SELECTORS.login.email, user);
  await page.fill(WEB_SELECTORS.login.password, password);
  await page.click(WEB_SELECTORS.login.submit);
  if (code) {
    await page.waitForSelector(WEB_SELECTORS.twoFactor.code, { state: 'visible' });
    await page.fill(WEB_SELECTORS.twoFactor.code, code);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.endsWith('/login')),
      page.click(WEB_SELECTORS.twoFactor.submit),
    ]);
  }
  await page.waitForSelector(WEB_SELECTORS.page.ready);
}

async function loadMs(page: Page, url: string): Promise<number> {
  const start = performance.now();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector(WEB_SELECTORS.page.ready, { timeout: 30_000 });
  return performance.now() - start;
}

// The sandbox runs in its own process, as a real server would: capture work in this process must not
// slow the server down and count as capture overhead.
const { command, args: cliArgs } = cliCommand();
const child = spawn(command, [...cliArgs, 'sandbox', '--seed', '7', '--profile', 'tiny'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [firstLine] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const sandbox = JSON.parse(firstLine) as {
  webUrl: string;
  webUser: string;
  webPassword: string;
  webTwoFactorCode?: string;
};
const dir = await mkdtemp(join(tmpdir(), 'ledgertap-bench-capture-'));
const browser = await chromium.launch({
  executablePath: findBrowser(undefined),
  headless: true,
  args: CHROMIUM_FLAGS,
});
try {
  const out = join(dir, 'bench.har');
  const sink = await createHarSink({ out, keyFile: false, guide: 'bench' });
  sink.startStep('bench', 'benchmark');
  const plain: BrowserContext = await browser.newContext();
  const captured: BrowserContext = await browser.newContext();
  const plainPage = await plain.newPage();
  const capturedPage = await captured.newPage();
  const recorder = new CdpRecorder(
    await captured.newCDPSession(capturedPage),
    sink,
    hostFilter(undefined, sandbox.webUrl),
    (e) => {
      throw e;
    },
    { holdBodies },
  );
  await recorder.start();
  for (const page of [plainPage, capturedPage])
    await login(page, sandbox.webUrl, sandbox.webUser, sandbox.webPassword, sandbox.webTwoFactorCode);

  const pages = WEB_PAGES.filter((p) => p.nav).map((p) => new URL(p.path, sandbox.webUrl).toString());
  const times = { plain: [] as number[], captured: [] as number[] };
  for (let round = 0; round < rounds; round += 1) {
    for (const url of pages) {
      const order = round % 2 === 0 ? (['plain', 'captured'] as const) : (['captured', 'plain'] as const);
      for (const mode of order)
        times[mode].push(await loadMs(mode === 'plain' ? plainPage : capturedPage, url));
    }
  }
  await recorder.flush();
  const summary = await sink.close();
  const size = (await stat(out)).size;
  const p = median(times.plain);
  const c = median(times.captured);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  console.log(
    `capture overhead on the sandbox web app: ${rounds} rounds × ${pages.length} pages (load to ready marker)`,
  );
  console.log(`  without capture: median ${p.toFixed(1)} ms/page, total ${sum(times.plain).toFixed(0)} ms`);
  console.log(
    `  with capture:    median ${c.toFixed(1)} ms/page, total ${sum(times.captured).toFixed(0)} ms (${summary.entries} entries, ${(size / 1024).toFixed(0)} KB HAR)`,
  );
  console.log(
    `  ratio (median):  ${(c / p).toFixed(3)}  (total: ${(sum(times.captured) / sum(times.plain)).toFixed(3)})  target < 1.20 → ${c / p < 1.2 ? 'met' : 'NOT met'}`,
  );
} finally {
  await browser.close();
  child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
