/**
 * startSandbox: generates (or takes) an account and serves it: the signed API on `baseUrl`, the web app
 * slot on `webUrl` (a placeholder page until a web app is plugged in), the admin surface on
 * `adminUrl` (`<baseUrl>/__sandbox`, also reachable on the web port).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { EnvironmentError, isErrnoException, UsageError } from '../core/index.js';
import { AdminRoutes, ADMIN_PREFIX } from './admin/admin.js';
import { buildIndex } from './api/context.js';
import { FaultInjector, parseFaults, type FaultSpec } from './api/faults.js';
import { parseWebFaults, WebFaults } from './web/faults.js';
import { createKey, KEY_TYPES, parsePermissions, PERMISSION_FLAGS, type KeyType } from './api/keys.js';
import { RateLimiter } from './api/limits.js';
import { ApiRouter } from './api/router.js';
import { generateAccount } from './data/generate.js';
import { dataDownloadExports } from './exports/index.js';
import type { ProfileName, QuirkFlags, SandboxAccount } from './data/model.js';
import { SandboxState, type SandboxExportHandler } from './state.js';
import { sandboxWebRoute, webTwoFactorCodeFor } from './web/index.js';

/** What a web app (or any extra route) receives besides the request. */
export interface SandboxRouteContext {
  account: SandboxAccount;
  state: SandboxState;
  url: URL;
  /** The sandbox's URLs (known once both ports are bound). */
  urls: { baseUrl: string; webUrl: string; adminUrl: string };
}

/** Handles a request; resolves true when it answered, false to fall through. */
export type SandboxRouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: SandboxRouteContext,
) => boolean | Promise<boolean>;

/** An extra route on the API port (checked before /api and /sapi). */
export interface SandboxExtraRoute {
  method: string;
  path: string | RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, ctx: SandboxRouteContext) => void | Promise<void>;
}

/** Options of {@link startSandbox}; all optional. */
export interface SandboxOptions {
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** API port (default 0: any free port). */
  port?: number;
  /** Web app port (default 0: any free port). */
  webPort?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  profile?: ProfileName;
  /** Snapshot time of the generated account (default: the start of the current UTC day). */
  asOf?: number;
  /** A pre-generated account (benchmarks reuse one across runs); seed/profile/asOf are then ignored. */
  account?: SandboxAccount;
  /** Override the per-seed quirk flags (locked dates as strings, auto-invest envelope). */
  quirks?: Partial<QuirkFlags>;
  /** API key type (default hmac). */
  keyType?: KeyType;
  /** Key permissions besides reading (`trade`, `withdraw`, `transfer`, `margin`, …); default read-only. */
  keyPermissions?: string[];
  /** Write Ed25519/RSA PEM files (mode 600) into a temp dir, removed on close (default false). */
  writeKeyFiles?: boolean;
  /** Fault spec (see api/faults.ts for the grammar) or a parsed one. */
  faults?: string | FaultSpec;
  /** Fault spec for the web app (web/faults.ts: the same grammar, without 418) or a parsed one. */
  webFaults?: string | FaultSpec;
  /** Server clock = real clock + this (default 0). */
  clockSkewMs?: number;
  /** Length of a nominal 1-minute rate-limit window in ms (default 60000); every window scales with it. */
  limitWindowMs?: number;
  /**
   * RAW_REQUESTS per (scaled) 5-minute window, enforced on /api and advertised by exchangeInfo (default
   * 300,000, CONTRACT.md 3.1): tests lower it to see a client stay under it.
   */
  rawRequestsLimit?: number;
  /** Which web API generation the web app serves (default 1). */
  webApiVersion?: 1 | 2;
  /** Web login (defaults: `holder@sandbox.test` and a random password). */
  webUser?: string;
  webPassword?: string;
  /**
   * The web app on the web port: default the sandbox web app (sandbox/web, login with a second factor
   * published in the credentials); another handler replaces it; `false` serves a placeholder page.
   */
  webApp?: SandboxRouteHandler | false;
  /** Extra routes on the API port. */
  extraRoutes?: SandboxExtraRoute[];
  /**
   * CSV export handlers by kind (`/__sandbox/export/<kind>.csv`): default every Data Download Center
   * export of sandbox/exports; given handlers are added (and replace same-named ones); `false` registers none.
   */
  exports?: Record<string, SandboxExportHandler> | false;
}

/** A running sandbox. */
export interface SandboxHandle {
  baseUrl: string;
  webUrl: string;
  adminUrl: string;
  apiKey: string;
  /** HMAC secret, or the PKCS#8 private key PEM for Ed25519/RSA. */
  apiSecret: string;
  keyType: KeyType;
  webUser: string;
  webPassword: string;
  /** The web login's second-factor code (when the default web app is mounted). */
  webTwoFactorCode?: string;
  keyFiles?: { privateKey: string; publicKey: string };
  account: SandboxAccount;
  state: SandboxState;
  /** Registers `/__sandbox/export/<kind>.csv`. */
  registerExport(kind: string, handler: SandboxExportHandler): void;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      if (isErrnoException(error) && (error.code === 'EADDRINUSE' || error.code === 'EACCES')) {
        reject(
          new EnvironmentError(
            error.code === 'EADDRINUSE' ? 'port_in_use' : 'port_denied',
            `sandbox: ${what} port ${port} on ${host} ${error.code === 'EADDRINUSE' ? 'is already in use' : 'cannot be bound'}.`,
            { hint: 'Choose another port, or pass --port 0 for any free port.', cause: error },
          ),
        );
      } else reject(error);
    });
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function placeholderPage(ctx: SandboxRouteContext): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ledgertap sandbox</title></head><body>
<h1>ledgertap sandbox exchange</h1>
<p>The web app is not installed in this build; the signed API is at <code>${ctx.urls.baseUrl}</code> and the admin surface at <code>${ctx.urls.adminUrl}</code>.</p>
</body></html>`;
}

/** Starts the sandbox; resolves once both ports listen. */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const host = options.host ?? '127.0.0.1';
  const keyType = options.keyType ?? 'hmac';
  if (!KEY_TYPES.includes(keyType))
    throw new UsageError('bad_key_type', `sandbox: unknown key type "${keyType}".`, {
      hint: `Use one of ${KEY_TYPES.join(', ')}.`,
    });
  for (const p of options.keyPermissions ?? []) {
    if (!(p in PERMISSION_FLAGS))
      throw new UsageError('bad_key_permission', `sandbox: unknown key permission "${p}".`, {
        hint: `Use any of ${Object.keys(PERMISSION_FLAGS).join(', ')}.`,
      });
  }
  const limitWindowMs = options.limitWindowMs ?? 60_000;
  if (!(limitWindowMs >= 10))
    throw new UsageError('bad_limit_window', `sandbox: --limit-window-ms ${limitWindowMs} is too small.`, {
      hint: 'Use 10 ms or more.',
    });
  const faults = typeof options.faults === 'object' ? options.faults : parseFaults(options.faults);
  const account =
    options.account ??
    generateAccount({
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
      ...(options.quirks ? { quirks: options.quirks } : {}),
    });
  const key = createKey(
    keyType,
    parsePermissions(options.keyPermissions ?? []),
    options.writeKeyFiles ?? false,
  );
  const webUser = options.webUser ?? 'holder@sandbox.test';
  const webPassword = options.webPassword ?? `Sbx-${randomBytes(9).toString('base64url')}`;
  const state = new SandboxState(
    account,
    buildIndex(account),
    key,
    { webUser, webPassword, apiKey: key.apiKey, apiSecret: key.apiSecret, keyType },
    options.webApiVersion ?? 1,
    options.clockSkewMs ?? 0,
  );
  if (options.exports !== false) {
    for (const [kind, handler] of Object.entries({ ...dataDownloadExports(), ...options.exports }))
      state.registerExport(kind, handler);
  }
  const webApp: SandboxRouteHandler | undefined =
    options.webApp === false ? undefined : (options.webApp ?? sandboxWebRoute());
  // The web login's second factor is fixed per seed: publish it now so /__sandbox/credentials has it at once.
  if (options.webApp === undefined) state.credentials.webTwoFactorCode = webTwoFactorCodeFor(account.seed);
  const rawRequests = options.rawRequestsLimit;
  if (rawRequests !== undefined && !(Number.isInteger(rawRequests) && rawRequests >= 1))
    throw new UsageError(
      'bad_raw_requests_limit',
      `sandbox: RAW_REQUESTS limit ${rawRequests} is not valid.`,
      {
        hint: 'Use a whole number of requests, 1 or more.',
      },
    );
  const limiter = new RateLimiter(limitWindowMs / 60_000, { ...(rawRequests ? { rawRequests } : {}) });
  const api = new ApiRouter(state, limiter, new FaultInjector(faults, account.seed));
  const webFaultSpec =
    typeof options.webFaults === 'object' ? options.webFaults : parseWebFaults(options.webFaults);
  // Every web request is counted in /__sandbox/stats; faults fire only when a spec has rules or latency.
  const webFaults = new WebFaults(webFaultSpec, account.seed, state.stats.web);
  const urls = { baseUrl: '', webUrl: '', adminUrl: '' };
  const admin = new AdminRoutes(state, limiter, () => urls);

  const fail = (res: ServerResponse, error: unknown): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        code: -1000,
        msg: `sandbox internal error: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
  };
  const parseUrl = (req: IncomingMessage): URL => new URL(req.url ?? '/', 'http://sandbox.invalid');

  const apiServer = createServer((req, res) => {
    const url = parseUrl(req);
    void (async () => {
      if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`))
        return admin.handle(req, res, url);
      for (const route of options.extraRoutes ?? []) {
        const match =
          typeof route.path === 'string' ? route.path === url.pathname : route.path.test(url.pathname);
        if (match && route.method === req.method)
          return route.handler(req, res, { account, state, url, urls });
      }
      if (api.owns(url.pathname)) return api.handle(req, res, url);
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ code: -1000, msg: 'Not found.' }));
    })().catch((error: unknown) => fail(res, error));
  });
  const webServer = createServer((req, res) => {
    const url = parseUrl(req);
    void (async () => {
      if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`))
        return admin.handle(req, res, url);
      const ctx: SandboxRouteContext = { account, state, url, urls };
      if (webFaults && (await webFaults.apply(req, res, url.pathname))) return;
      if (webApp && (await webApp(req, res, ctx))) return;
      if (url.pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html;charset=UTF-8' }).end(placeholderPage(ctx));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    })().catch((error: unknown) => fail(res, error));
  });
  // Keep-alive sockets would hold close() open; clients still reuse connections within a run.
  apiServer.keepAliveTimeout = 5_000;

  const closeAll = async (): Promise<void> => {
    await Promise.all(
      [apiServer, webServer].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s.listening) return resolve();
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    if (key.keyFiles) rmSync(dirname(key.keyFiles.privateKey), { recursive: true, force: true });
  };
  try {
    const apiPort = await listen(apiServer, options.port ?? 0, host, 'API');
    const webPort = await listen(webServer, options.webPort ?? 0, host, 'web');
    const hostText = host.includes(':') ? `[${host}]` : host;
    urls.baseUrl = `http://${hostText}:${apiPort}`;
    urls.webUrl = `http://${hostText}:${webPort}`;
    urls.adminUrl = `${urls.baseUrl}${ADMIN_PREFIX}`;
  } catch (error) {
    await closeAll();
    throw error;
  }

  return {
    ...urls,
    apiKey: key.apiKey,
    apiSecret: key.apiSecret,
    keyType,
    webUser,
    webPassword,
    ...(state.credentials.webTwoFactorCode ? { webTwoFactorCode: state.credentials.webTwoFactorCode } : {}),
    ...(key.keyFiles ? { keyFiles: key.keyFiles } : {}),
    account,
    state,
    registerExport: (kind, handler) => state.registerExport(kind, handler),
    close: closeAll,
  };
}
