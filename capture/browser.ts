/**
 * Browser capture: launches the system Chromium through playwright-core, records every page's traffic
 * of the allowed hosts over CDP into the sink, and walks the guide (terminal Enter, in-page Next, or an
 * autopilot). Ends when the guide is done, the holder closes the browser, or the signal fires (Ctrl-C);
 * in every case the recorder is flushed so the sink can close a valid HAR.
 */
import type { Readable } from 'node:stream';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CaptureError, createLogger } from '../core/index.js';
import { runSandboxAutopilot, runScript, type Autopilot } from './autopilot.js';
import { BANNER_SCRIPT } from './banner.js';
import { CdpRecorder } from './cdp-recorder.js';
import { ServiceWorkerRecorder } from './service-worker-recorder.js';
import { CHROMIUM_FLAGS } from './find-browser.js';
import { stepUrl, type Guide } from './guide.js';
import { GuideRunner, type StepState } from './guide-runner.js';
import type { HostFilter } from './hosts.js';
import type { HarSink } from './sink.js';

const log = createLogger('capture:browser');

/** Options of {@link runBrowserCapture}. */
export interface BrowserCaptureOptions {
  /** Where the session starts (also the base for relative step URLs). */
  url: string;
  sink: HarSink;
  guide: Guide;
  hosts: HostFilter;
  /** The Chromium executable (see findBrowser). */
  browserPath: string;
  /** Default false: the holder sees and drives the browser. */
  headless?: boolean;
  /** A persistent profile: the login survives between captures. Default: a fresh temporary profile. */
  profileDir?: string;
  autopilot?: Autopilot;
  /** Lines on this stream (Enter) advance the guide. */
  input?: Readable;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Called when a step starts (the terminal prints it). */
  onStep?: (state: StepState) => void;
  /** Called with the browser context once it is set up (embedders and tests drive pages through it). */
  onContext?: (context: BrowserContext) => void;
  /** Timeout of each navigation, ms (default 30000). */
  navigationTimeoutMs?: number;
}

/** How the session ended. */
export interface BrowserCaptureResult {
  reason: 'guide-finished' | 'interrupted' | 'browser-closed';
}

export async function runBrowserCapture(options: BrowserCaptureOptions): Promise<BrowserCaptureResult> {
  const { sink, guide } = options;
  const launchOptions = {
    executablePath: options.browserPath,
    headless: options.headless ?? false,
    args: CHROMIUM_FLAGS,
    ignoreDefaultArgs: ['--enable-automation'],
    timeout: 30_000,
  };
  let browser: Browser | undefined;
  let context: BrowserContext;
  try {
    if (options.profileDir) {
      context = await chromium.launchPersistentContext(options.profileDir, {
        ...launchOptions,
        viewport: null,
      });
    } else {
      browser = await chromium.launch(launchOptions);
      context = await browser.newContext({ viewport: null });
    }
  } catch (error) {
    const first = (error as Error).message.split('\n').find((l) => l.trim() !== '') ?? '';
    const noDisplay = /display|x server|ozone/i.test((error as Error).message) && !options.headless;
    throw new CaptureError(
      'browser_launch',
      `${options.browserPath}: the browser did not start (${first.trim()}).`,
      {
        hint: noDisplay
          ? 'There is no display: pass --headless (with --autopilot) or run where a desktop session is available.'
          : 'Check --browser / LEDGERTAP_BROWSER points at a working Chromium or Chrome, and that --profile-dir is not in use by another browser.',
        cause: error,
      },
    );
  }

  const recorders = new Set<CdpRecorder>();
  // A service worker's own requests are not in any page's CDP session; Playwright reports them per context.
  const workers = new ServiceWorkerRecorder(context, sink, options.hosts);
  let failure: unknown;
  // One attachment per page; callers await the same promise, so nothing navigates before Network.enable.
  const attached = new WeakMap<Page, Promise<void>>();
  const attach = (page: Page): Promise<void> => {
    let done = attached.get(page);
    if (!done) {
      done = attachNow(page);
      attached.set(page, done);
    }
    return done;
  };
  const attachNow = async (page: Page): Promise<void> => {
    try {
      const session = await context.newCDPSession(page);
      const recorder = new CdpRecorder(session, sink, options.hosts, (error) => {
        failure ??= error;
        stop?.('failed');
      });
      recorders.add(recorder);
      await recorder.start();
    } catch (error) {
      log('cannot attach to a page: %s', (error as Error).message);
    }
  };

  let stop: ((reason: 'interrupted' | 'browser-closed' | 'failed') => void) | undefined;
  const stopped = new Promise<'interrupted' | 'browser-closed' | 'failed'>((resolve) => (stop = resolve));

  let mainPage: Page | undefined;
  const onStep = async (state: StepState, step: Guide['steps'][number]): Promise<void> => {
    options.onStep?.(state);
    for (const page of context.pages()) {
      await page
        .evaluate(`window.__ledgertapRender && window.__ledgertapRender(${JSON.stringify(state)})`)
        .catch(() => undefined);
    }
    const target = stepUrl(step, options.url);
    if (target && mainPage && !mainPage.isClosed()) {
      try {
        await mainPage.goto(target, { waitUntil: 'load', timeout: options.navigationTimeoutMs ?? 30_000 });
      } catch (error) {
        if (state.index === 0) throw unreachable(target, error);
        log('step %s: navigation to %s failed: %s', state.id, target, (error as Error).message);
      }
    }
  };
  const runner = new GuideRunner(guide, sink, onStep);

  try {
    await context.exposeBinding('ledgertapState', () => (runner.finished ? null : (runner.state ?? null)));
    await context.exposeBinding('ledgertapNext', () => void runner.next());
    // The banner is for a holder at the screen; an autopilot has none, and the banner must not cover
    // the controls it clicks.
    if (!options.autopilot) await context.addInitScript(BANNER_SCRIPT);
    context.on('page', (page) => void attach(page));
    context.on('close', () => stop?.('browser-closed'));
    browser?.on('disconnected', () => stop?.('browser-closed'));

    mainPage = context.pages()[0] ?? (await context.newPage());
    options.onContext?.(context);
    for (const page of context.pages()) await attach(page);
    mainPage.on('close', () => {
      if (context.pages().length === 0) stop?.('browser-closed');
    });

    const onAbort = (): void => stop?.('interrupted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    // The start page, then the first step (which may navigate to its own URL).
    const firstHasUrl = Boolean(stepUrl(guide.steps[0], options.url));
    if (!firstHasUrl) {
      try {
        await mainPage.goto(options.url, {
          waitUntil: 'load',
          timeout: options.navigationTimeoutMs ?? 30_000,
        });
      } catch (error) {
        throw unreachable(options.url, error);
      }
    }

    let driver: Promise<void>;
    const env = options.env ?? process.env;
    if (options.autopilot?.kind === 'sandbox') {
      driver = runSandboxAutopilot(mainPage, runner, options.autopilot.credentials);
    } else if (options.autopilot?.kind === 'script') {
      await runner.next();
      driver = runScript(options.autopilot.actions, mainPage, runner, options.url, env);
    } else {
      await runner.next();
      driver = runner.done;
    }
    const stopListening = options.input && !options.autopilot ? runner.listen(options.input) : undefined;
    const driverDone = driver.then(
      async () => {
        await runner.done;
        return 'guide-finished' as const;
      },
      (error: unknown) => {
        if (error instanceof CaptureError) throw error;
        const first = (error as Error).message.split('\n')[0] ?? String(error);
        throw new CaptureError(
          'autopilot_failed',
          `autopilot: step "${runner.state?.id ?? '?'}" failed: ${first}`,
          {
            hint: 'The page did not behave as the autopilot expects; run without --headless to watch it, or with --verbose for details.',
            cause: error,
          },
        );
      },
    );
    // After Ctrl-C or a closed browser the autopilot fails on its closed page: that is expected.
    driverDone.catch(() => undefined);
    const outcome = await Promise.race([driverDone, stopped]);
    stopListening?.();
    if (outcome === 'failed') throw failure;
    // Let responses that are still arriving finish (bounded), then write what is open as it stands.
    if (outcome === 'guide-finished')
      await mainPage.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
    return { reason: outcome === 'guide-finished' ? 'guide-finished' : outcome };
  } finally {
    await Promise.all([...recorders, workers].map((r) => r.flush().catch(() => undefined)));
    await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (failure && !(failure instanceof CaptureError)) log('recorder error: %s', (failure as Error).message);
  }
}

function unreachable(url: string, error: unknown): CaptureError {
  const message = (error as Error).message.split('\n')[0] ?? '';
  const net = /net::[A-Z_]+/.exec(message)?.[0];
  return new CaptureError('unreachable', `${url}: cannot load it (${net ?? message}).`, {
    hint: 'Check the URL and that the site is up; the HAR keeps what was recorded so far.',
    cause: error,
  });
}
