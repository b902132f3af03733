/**
 * The cookies of a persistent browser profile (the one `capture browser --profile-dir` logged in with),
 * so replay reuses the holder's login without ever seeing the password. Opens the profile headless,
 * reads the cookie store through Playwright, and closes it.
 */
import { chromium } from 'playwright-core';
import { CaptureError } from '../core/index.js';
import { CHROMIUM_FLAGS, findBrowser } from './find-browser.js';

/** A cookie of the profile: epoch-ms expiry, undefined for session cookies. */
export interface ProfileCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires?: number;
}

export async function profileCookies(
  profileDir: string,
  options: { browser?: string; env: NodeJS.ProcessEnv },
): Promise<ProfileCookie[]> {
  const executablePath = findBrowser(options.browser, options.env);
  let context;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
  } catch (error) {
    throw new CaptureError(
      'profile_unavailable',
      `${profileDir}: cannot open the browser profile (${(error as Error).message.split('\n')[0]}).`,
      {
        hint: 'Close any browser using this profile, or capture again with --profile-dir.',
      },
    );
  }
  try {
    return (await context.cookies()).map((c) => ({
      name: c.name,
      value: c.value,
      domain: c.domain.replace(/^\./, ''),
      path: c.path,
      ...(c.expires > 0 ? { expires: c.expires * 1000 } : {}),
    }));
  } finally {
    await context.close();
  }
}
