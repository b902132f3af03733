/**
 * Autopilots drive the browser for unattended captures: a script of actions (goto, fill, click, wait,
 * press, next-step) from a YAML/JSON file, or the built-in `sandbox` autopilot that logs in to the sandbox
 * web app and walks every step of its guide. ledgertap never types a holder's password: only the sandbox
 * autopilot types a password, the sandbox's own test credential.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileReason } from './file-reason.js';
import type { Locator, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { CaptureError, ConfigError, InputError, createLogger } from '../core/index.js';
import type { GuideRunner } from './guide-runner.js';

const log = createLogger('capture:autopilot');

/** One scripted action. Values may be `${env:NAME}` to read the environment. */
export type AutopilotAction =
  | { goto: string }
  | { fill: { selector: string; value: string } }
  | { click: string }
  | { press: { selector?: string; key: string } }
  | {
      wait: {
        selector?: string;
        url?: string;
        ms?: number;
        load?: 'load' | 'domcontentloaded' | 'networkidle';
      };
    }
  | { 'next-step': string | true | null };

/** A parsed autopilot: a script, or the built-in sandbox one. */
export type Autopilot =
  | { kind: 'script'; source: string; actions: AutopilotAction[] }
  | { kind: 'sandbox'; credentials: SandboxLogin };

/** The sandbox web login. */
export interface SandboxLogin {
  user: string;
  password: string;
  /** A TOTP secret (base32) or a fixed code, when the sandbox asks for a second factor. */
  totpSecret?: string;
  otp?: string;
}

const ACTION_KEYS = ['goto', 'fill', 'click', 'press', 'wait', 'next-step'];

/** Reads an autopilot script; each action is checked so a typo fails before the browser starts. */
export async function loadAutopilotScript(path: string): Promise<Autopilot> {
  let data: unknown;
  try {
    data = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new InputError(
      'autopilot_invalid',
      `${path}: cannot read the autopilot script: ${fileReason(error)}.`,
      {
        hint: 'Give a YAML or JSON file with a list of actions (goto, fill, click, press, wait, next-step).',
        cause: error,
      },
    );
  }
  const list = Array.isArray(data) ? data : (data as { actions?: unknown } | null)?.actions;
  if (!Array.isArray(list)) {
    throw new InputError(
      'autopilot_invalid',
      `${path}: expected a list of actions or an object with "actions".`,
      {
        hint: 'Write for example: actions: [{goto: /login}, {click: "button[type=submit]"}, {next-step: true}].',
      },
    );
  }
  list.forEach((action, i) => {
    const keys = action && typeof action === 'object' ? Object.keys(action as object) : [];
    if (keys.length !== 1 || !ACTION_KEYS.includes(keys[0] as string)) {
      throw new InputError(
        'autopilot_invalid',
        `${path}: action ${i}: expected exactly one of ${ACTION_KEYS.join(', ')}.`,
        {
          hint: 'Fix the action.',
        },
      );
    }
  });
  return { kind: 'script', source: path, actions: list as AutopilotAction[] };
}

function expand(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{env:([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined)
      throw new ConfigError('autopilot_env', `autopilot: environment variable ${name} is not set.`, {
        hint: `Set ${name}.`,
      });
    return v;
  });
}

/** Runs a script; `next-step` advances the guide (and waits for its navigation). */
export async function runScript(
  actions: readonly AutopilotAction[],
  page: Page,
  runner: GuideRunner,
  base: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  for (const action of actions) {
    log('action %o', Object.keys(action)[0]);
    if ('goto' in action)
      await page.goto(new URL(expand(action.goto, env), base).toString(), { waitUntil: 'load' });
    else if ('fill' in action) await page.fill(action.fill.selector, expand(action.fill.value, env));
    else if ('click' in action) await page.click(action.click);
    else if ('press' in action) {
      if (action.press.selector) await page.press(action.press.selector, action.press.key);
      else await page.keyboard.press(action.press.key);
    } else if ('wait' in action) {
      const w = action.wait;
      if (w.selector) await page.waitForSelector(w.selector);
      if (w.url) await page.waitForURL(w.url);
      if (w.load) await page.waitForLoadState(w.load);
      if (w.ms) await page.waitForTimeout(w.ms);
    } else if ('next-step' in action) {
      const target = action['next-step'];
      await (typeof target === 'string' ? runner.goTo(target) : runner.next());
    }
  }
  // A script that ends before the guide does finishes the session.
  while (!runner.finished) await runner.next();
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret, for the sandbox's second factor. */
export function totp(secretBase32: string, nowMs: number = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/[=\s]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v >= 0) bits += v.toString(2).padStart(5, '0');
  }
  const bytes = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 30000)));
  const mac = createHmac('sha1', bytes).update(counter).digest();
  const offset = (mac[mac.length - 1] as number) & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

function pick(obj: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) if (typeof obj[n] === 'string' && obj[n] !== '') return obj[n] as string;
  return undefined;
}

/**
 * The sandbox web login: from `<admin>/__sandbox/credentials` when an admin URL is known, else from
 * LEDGERTAP_WEB_USER / LEDGERTAP_WEB_PASSWORD (and LEDGERTAP_WEB_TOTP for a second-factor secret).
 */
export async function sandboxCredentials(
  adminUrl: string | undefined,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<SandboxLogin> {
  if (adminUrl) {
    const url = new URL('/__sandbox/credentials', adminUrl).toString();
    let body: Record<string, unknown>;
    try {
      const res = await fetch(url, signal ? { signal } : {});
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = (await res.json()) as Record<string, unknown>;
    } catch (error) {
      throw new CaptureError(
        'sandbox_credentials',
        `${url}: cannot read the sandbox web credentials (${(error as Error).message}).`,
        {
          hint: 'Check --sandbox-admin / LEDGERTAP_SANDBOX_ADMIN (the sandbox prints its admin URL), or set LEDGERTAP_WEB_USER and LEDGERTAP_WEB_PASSWORD.',
          cause: error,
        },
      );
    }
    const web = (typeof body['web'] === 'object' && body['web'] !== null ? body['web'] : body) as Record<
      string,
      unknown
    >;
    const user = pick(web, ['email', 'user', 'username', 'webUser', 'login']);
    const password = pick(web, ['password', 'webPassword']);
    if (!user || !password) {
      throw new CaptureError('sandbox_credentials', `${url}: the answer has no user and password fields.`, {
        hint: 'Set LEDGERTAP_WEB_USER and LEDGERTAP_WEB_PASSWORD instead.',
      });
    }
    const totpSecret = pick(web, ['totpSecret', 'totp', 'otpSecret', 'twoFactorSecret']);
    const otp = pick(web, ['otp', 'code', 'twoFactorCode', 'webTwoFactorCode']);
    return { user, password, ...(totpSecret ? { totpSecret } : {}), ...(otp ? { otp } : {}) };
  }
  const user = env['LEDGERTAP_WEB_USER'];
  const password = env['LEDGERTAP_WEB_PASSWORD'];
  if (!user || !password) {
    throw new ConfigError('sandbox_credentials', 'the sandbox autopilot needs the sandbox web login.', {
      hint: 'Pass --sandbox-admin URL (or set LEDGERTAP_SANDBOX_ADMIN), or set LEDGERTAP_WEB_USER and LEDGERTAP_WEB_PASSWORD.',
    });
  }
  const totpSecret = env['LEDGERTAP_WEB_TOTP'];
  return { user, password, ...(totpSecret ? { totpSecret } : {}) };
}

const USER_FIELD =
  '[data-testid="login-email"], input[type=email], input[name=email], input[name=username], input[name=user], input[name=login], #email, #username';
const PASSWORD_FIELD = 'input[type=password]';
const OTP_FIELD =
  '[data-testid="twofa-code"], input[autocomplete=one-time-code], input[name=otp], input[name=code], input[name=totp], input[name=twoFactorCode], #otp, #code';
const SUBMIT =
  '[data-testid="login-submit"], [data-testid="twofa-submit"], button[type=submit], input[type=submit], button:has-text("Log in"), button:has-text("Login"), button:has-text("Sign in")';
const NEXT_PAGE =
  '[data-testid=next-page]:not([disabled]), button[rel=next]:not([disabled]), a[rel=next], button[aria-label="Next page"]:not([disabled]), button[data-page=next]:not([disabled]), button.next:not([disabled])';

/** Submits the form holding `field`: its submit button when it has one, else Enter in the field. */
async function submitFormOf(page: Page, field: Locator): Promise<void> {
  const form = page.locator('form', { has: field }).first();
  const button = form.locator(SUBMIT).filter({ visible: true }).first();
  if ((await form.count()) > 0 && (await button.count()) > 0) await button.click();
  else await field.press('Enter');
}

/** Logs in on the current page when it shows a login form. */
async function login(page: Page, credentials: SandboxLogin): Promise<void> {
  const userField = page.locator(USER_FIELD).first();
  await userField.waitFor({ state: 'visible', timeout: 15_000 });
  await userField.fill(credentials.user);
  const passwordField = page.locator(PASSWORD_FIELD).first();
  await passwordField.fill(credentials.password);
  const startUrl = page.url();
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST', { timeout: 10_000 }).catch(() => undefined),
    submitFormOf(page, passwordField),
  ]);
  // A second factor, when the app asks for one; otherwise the app navigates away from the login page.
  const otpField = page.locator(OTP_FIELD).first();
  await Promise.race([
    otpField.waitFor({ state: 'visible', timeout: 10_000 }),
    page.waitForURL((u) => u.toString() !== startUrl, { timeout: 10_000 }),
  ]).catch(() => undefined);
  if (page.url() === startUrl && (await otpField.isVisible().catch(() => false))) {
    const code = credentials.otp ?? (credentials.totpSecret ? totp(credentials.totpSecret) : undefined);
    if (!code) {
      throw new CaptureError(
        'sandbox_login',
        'sandbox login asks for a second factor but the credentials carry no TOTP secret or code.',
        {
          hint: 'Set LEDGERTAP_WEB_TOTP.',
        },
      );
    }
    await otpField.fill(code);
    await Promise.all([
      page.waitForURL((u) => u.toString() !== startUrl, { timeout: 10_000 }).catch(() => undefined),
      submitFormOf(page, otpField),
    ]);
  }
  await page.waitForLoadState('networkidle').catch(() => undefined);
  if (page.url() === startUrl) {
    throw new CaptureError(
      'sandbox_login',
      `sandbox login failed: still on ${page.url()} after submitting the login.`,
      {
        hint: 'Check the sandbox web credentials (--sandbox-admin, or LEDGERTAP_WEB_USER / LEDGERTAP_WEB_PASSWORD / LEDGERTAP_WEB_TOTP).',
      },
    );
  }
}

/** Clicks "next page" until the list ends (bounded), so every page of a history is recorded. */
async function pageThrough(page: Page, ready: string | undefined): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const next = page.locator(NEXT_PAGE).filter({ visible: true }).first();
    if ((await next.count()) === 0 || !(await next.isEnabled().catch(() => false))) return;
    try {
      await Promise.all([
        page.waitForResponse(() => true, { timeout: 5000 }).catch(() => undefined),
        next.click({ timeout: 5000 }),
      ]);
    } catch (error) {
      log('paging stopped: %s', (error as Error).message.split('\n')[0]);
      return;
    }
    await page.waitForLoadState('networkidle').catch(() => undefined);
    if (ready) await page.waitForSelector(ready, { timeout: 15_000 }).catch(() => undefined);
  }
}

/** The built-in sandbox autopilot: log in at the first step, then visit and page through every step. */
export async function runSandboxAutopilot(
  page: Page,
  runner: GuideRunner,
  credentials: SandboxLogin,
): Promise<void> {
  let loggedIn = false;
  while (!runner.finished) {
    await runner.next();
    const state = runner.state;
    if (!state) break;
    const step = runner.guide.steps[state.index];
    await page.waitForLoadState('networkidle').catch(() => undefined);
    if (
      !loggedIn &&
      (await page
        .locator(PASSWORD_FIELD)
        .first()
        .isVisible()
        .catch(() => false))
    ) {
      await login(page, credentials);
      loggedIn = true;
    }
    if (step?.waitFor) await page.waitForSelector(step.waitFor, { timeout: 15_000 }).catch(() => undefined);
    await pageThrough(page, step?.waitFor);
  }
}
