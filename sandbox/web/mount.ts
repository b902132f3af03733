/**
 * The web app as a `startSandbox({ webApp })` route handler: created on the first request from the
 * running sandbox's state (its account, `--web-api-version`, web login and clock skew), registering every
 * session it issues in `state.sessions` (listed by `GET /__sandbox/sessions`) and publishing the
 * second-factor code as `webTwoFactorCode` beside the login in `state.credentials` (so
 * `GET /__sandbox/credentials` reports it to the autopilot). Since the code is fixed per seed
 * ({@link webTwoFactorCodeFor}), a server can publish it at start, before any web request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../../core/index.js';
import type { SandboxAccount } from '../data/model.js';
import { createWebApp, defaultWebCredentials, type RegisteredWebSession, type WebApp } from './app.js';

/** The part of the sandbox's route context the web app uses (structural, so the server owns its types). */
export interface WebRouteContext {
  account: SandboxAccount;
  state: {
    readonly webApiVersion: 1 | 2;
    readonly sessions: Map<string, RegisteredWebSession>;
    readonly credentials: { webUser: string; webPassword: string; webTwoFactorCode?: string };
    now(): number;
  };
}

/** Options of {@link sandboxWebRoute}; all optional. */
export interface SandboxWebRouteOptions {
  /** Require the 6-digit second factor (default true; the code is fixed per seed). */
  twoFactor?: boolean;
  /** Session lifetime (default 15 minutes). */
  sessionTtlMs?: number;
  /** Refresh window after expiry (default 24 hours). */
  refreshWindowMs?: number;
}

/** The second-factor code the web app uses for an account seed. */
export function webTwoFactorCodeFor(seed: number): string {
  return defaultWebCredentials(seed).twoFactorCode as string;
}

/** A `webApp` handler for startSandbox: answers every path of the web port (true), 404s included. */
export function sandboxWebRoute(
  options: SandboxWebRouteOptions = {},
): (req: IncomingMessage, res: ServerResponse, ctx: WebRouteContext) => boolean {
  let app: WebApp | undefined;
  return (req, res, ctx) => {
    if (!app) {
      const { state } = ctx;
      const twoFactor = options.twoFactor ?? true;
      // The server may publish the code itself at start (it is a function of the seed); otherwise it is
      // published here, on the web app's first request.
      const code =
        state.credentials.webTwoFactorCode ??
        (defaultWebCredentials(ctx.account.seed).twoFactorCode as string);
      app = createWebApp({
        account: ctx.account,
        webApiVersion: state.webApiVersion,
        email: state.credentials.webUser,
        password: state.credentials.webPassword,
        twoFactor,
        ...(twoFactor ? { twoFactorCode: code } : {}),
        ...(options.sessionTtlMs !== undefined ? { sessionTtlMs: options.sessionTtlMs } : {}),
        ...(options.refreshWindowMs !== undefined ? { refreshWindowMs: options.refreshWindowMs } : {}),
        clock: { now: () => state.now(), sleep: systemClock.sleep },
        sessionRegistry: state.sessions,
      });
      if (twoFactor) state.credentials.webTwoFactorCode = code;
    }
    app.handle(req, res);
    return true;
  };
}
