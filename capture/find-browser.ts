/**
 * Finds the system Chromium: `--browser PATH`, then LEDGERTAP_BROWSER, then the usual install paths,
 * then Playwright's browser cache. ledgertap never downloads a browser.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CaptureError } from '../core/index.js';

const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Chromium builds in Playwright's cache (PLAYWRIGHT_BROWSERS_PATH or the platform default). */
function playwrightCacheCandidates(env: NodeJS.ProcessEnv): string[] {
  const roots = [
    env['PLAYWRIGHT_BROWSERS_PATH'],
    join(homedir(), '.cache', 'ms-playwright'),
    join(homedir(), 'Library', 'Caches', 'ms-playwright'),
  ].filter((r): r is string => typeof r === 'string' && r !== '' && r !== '0');
  const out: string[] = [];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const dir of readdirSync(root)
      .filter((d) => d.startsWith('chromium'))
      .sort()
      .reverse()) {
      out.push(join(root, dir, 'chrome-linux', 'chrome'), join(root, dir, 'chrome-linux64', 'chrome'));
    }
  }
  return out;
}

/** The browser executable to launch, or a CaptureError (exit 3) saying how to install one. */
export function findBrowser(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = explicit ?? env['LEDGERTAP_BROWSER'];
  if (given) {
    if (!existsSync(given) || !executable(given)) {
      throw new CaptureError(
        'browser_not_found',
        `${given}: no executable browser there (from ${explicit ? '--browser' : 'LEDGERTAP_BROWSER'}).`,
        {
          hint: 'Give the path of a Chromium or Chrome executable, or install one (sudo apt-get install chromium).',
        },
      );
    }
    return given;
  }
  for (const path of [...USUAL_PATHS, ...playwrightCacheCandidates(env)]) {
    if (existsSync(path) && executable(path)) return path;
  }
  throw new CaptureError(
    'browser_not_found',
    'no Chromium or Chrome found (looked at --browser, LEDGERTAP_BROWSER, /usr/bin/chromium, /usr/bin/google-chrome, /snap/bin/chromium and the Playwright cache).',
    {
      hint: 'Install one (sudo apt-get install chromium) or pass --browser PATH.',
    },
  );
}

/** The flags every launch uses: quiet, reproducible, no background traffic polluting the capture. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
