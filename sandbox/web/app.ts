/**
 * The sandbox exchange's web app: a node:http request handler that serves the login page, the private
 * pages and their `/bapi/...` JSON endpoints from one generated account. `startSandbox` mounts it at
 * `webUrl`; tests can mount it on their own server.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonLossless, systemClock, type Clock } from '../../core/index.js';
import type { SandboxAccount } from '../data/model.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { sendData, sendError, WEB_CODES, WebApiError } from './envelope.js';
import { findRoute, WEB_API_PATHS, WebViews, type WebApiVersion } from './endpoints.js';
import { renderPage } from './pages.js';
import type { Params } from './paging.js';
import {
  clearedCookies,
  CSRF_HEADER,
  csrfHeaderFor,
  parseCookies,
  SESSION_COOKIE,
  SessionStore,
  sessionCookies,
  type IssuedSession,
} from './sessions.js';

/** Options of {@link createWebApp}; all but `account` optional. */
export interface WebAppOptions {
  /** The generated account the pages show (the same one the signed API and the truth serve). */
  account: SandboxAccount;
  /** Private API version (`--web-api-version`; default 1). See sandbox/web/README.md for what 2 changes. */
  webApiVersion?: WebApiVersion;
  /** Login email (default `holder-<seed>@sandbox.ledgertap.test`). */
  email?: string;
  /** Login password (default derived from the seed: fixed per seed). */
  password?: string;
  /** Require the 6-digit second factor after the password (default true). */
  twoFactor?: boolean;
  /** The second-factor code (default derived from the seed: fixed per seed). */
  twoFactorCode?: string;
  /** Session lifetime (default 15 minutes). Requests after it answer `100001005` until refreshed. */
  sessionTtlMs?: number;
  /** How long after expiry a refresh is still accepted (default 24 hours). */
  refreshWindowMs?: number;
  /** Time source for expiry (default the system clock). */
  clock?: Clock;
  /**
   * The sandbox state's session registry (`SandboxState.sessions`, listed by `GET /__sandbox/sessions`):
   * every token issued is added, keyed by token, and kept after rotation or logout with `detail.state`
   * saying which, because a leaked old token is still a leak.
   */
  sessionRegistry?: Map<string, RegisteredWebSession>;
}

/** A registry entry (the shape of the sandbox state's `WebSession`). */
export interface RegisteredWebSession {
  token: string;
  user: string;
  createdAt: number;
  expiresAt: number;
  detail?: Record<string, unknown>;
}

/** The web app's login credentials (what `/__sandbox/credentials` reports). */
export interface WebCredentials {
  email: string;
  password: string;
  /** Absent when the second factor is off. */
  twoFactorCode?: string;
}

/** A mounted web app. */
export interface WebApp {
  /** Handles one request (any path under webUrl). Never throws; answers 404 for paths it does not serve. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  readonly credentials: WebCredentials;
  readonly webApiVersion: WebApiVersion;
  /** Every session token issued so far (copies), for `GET /__sandbox/sessions`. */
  sessions(): IssuedSession[];
}

const MAX_BODY_BYTES = 64 * 1024;

function seedHash(seed: number, purpose: string): string {
  return createHash('sha256').update(`ledgertap-sandbox-web:${purpose}:${seed}`).digest('hex');
}

/** The default credentials of a seed (stable, so docs and tests can rely on them per seed). */
export function defaultWebCredentials(seed: number): WebCredentials {
  const code = (parseInt(seedHash(seed, 'totp').slice(0, 8), 16) % 1_000_000).toString().padStart(6, '0');
  return {
    email: `holder-${seed}@sandbox.ledgertap.test`,
    password: `Sandbox-${seedHash(seed, 'password').slice(0, 16)}`,
    twoFactorCode: code,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return; // drain the rest so the 413 answer reaches the client
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        reject(new WebApiError(413, WEB_CODES.bodyTooLarge, `Request body over ${MAX_BODY_BYTES} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function paramsOf(req: IncomingMessage, url: URL): Promise<Params> {
  if (req.method === 'GET') return Object.fromEntries(url.searchParams);
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = parseJsonLossless(text);
  } catch {
    throw new WebApiError(400, WEB_CODES.illegalParameter, 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WebApiError(400, WEB_CODES.illegalParameter, 'The request body must be a JSON object.');
  }
  return value as Params;
}

/** Creates the web app for one account. */
export function createWebApp(options: WebAppOptions): WebApp {
  const version: WebApiVersion = options.webApiVersion ?? 1;
  if (version !== 1 && version !== 2)
    throw new RangeError(`web API version must be 1 or 2, not ${String(version)}`);
  const defaults = defaultWebCredentials(options.account.seed);
  const twoFactor = options.twoFactor ?? true;
  const credentials: WebCredentials = {
    email: options.email ?? defaults.email,
    password: options.password ?? defaults.password,
    ...(twoFactor ? { twoFactorCode: options.twoFactorCode ?? (defaults.twoFactorCode as string) } : {}),
  };
  const clock = options.clock ?? systemClock;
  const store = new SessionStore({
    email: credentials.email,
    password: credentials.password,
    twoFactorCode: credentials.twoFactorCode,
    sessionTtlMs: options.sessionTtlMs ?? 15 * 60_000,
    refreshWindowMs: options.refreshWindowMs ?? 24 * 3_600_000,
    clock,
    onChange: (s) =>
      options.sessionRegistry?.set(s.token, {
        token: s.token,
        user: s.email,
        createdAt: s.issuedAt,
        expiresAt: s.expiresAt,
        detail: {
          state: s.state,
          csrfCookie: s.csrfCookie,
          csrfHeader: csrfHeaderFor(s.csrfCookie),
          refreshUntil: s.refreshUntil,
          ...(s.replaces ? { replaces: s.replaces } : {}),
        },
      }),
  });
  const views = new WebViews(options.account);

  const signedIn = (res: ServerResponse, session: IssuedSession, data: unknown): void => {
    sendData(res, data, undefined, { 'set-cookie': sessionCookies(session, clock.now()) });
  };

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const csrf = req.headers[CSRF_HEADER];
    const csrfHeader = Array.isArray(csrf) ? csrf[0] : csrf;
    const cookies = parseCookies(req.headers.cookie);
    if (path === WEB_API_PATHS.login || path === WEB_API_PATHS.verify) {
      if (method !== 'POST')
        throw new WebApiError(405, WEB_CODES.methodNotAllowed, `${path} does not accept ${method}.`);
      const params = await paramsOf(req, url);
      if (path === WEB_API_PATHS.login) {
        const result = store.login(params['email'], params['password']);
        if ('verifyToken' in result) {
          sendData(res, { needSecurityVerify: true, verifyToken: result.verifyToken, verifyType: 'GOOGLE' });
        } else {
          signedIn(res, result.session, { needSecurityVerify: false, expiresAt: result.session.expiresAt });
        }
      } else {
        const session = store.verify(params['verifyToken'], params['code']);
        signedIn(res, session, { expiresAt: session.expiresAt });
      }
      return;
    }
    if (path === WEB_API_PATHS.refresh || path === WEB_API_PATHS.logout) {
      if (method !== 'POST')
        throw new WebApiError(405, WEB_CODES.methodNotAllowed, `${path} does not accept ${method}.`);
      // An expired session (inside its refresh window) can still be refreshed or logged out.
      const session = store.authenticate(cookies, csrfHeader, true);
      await paramsOf(req, url);
      if (path === WEB_API_PATHS.refresh) {
        const next = store.refresh(session);
        signedIn(res, next, { expiresAt: next.expiresAt });
      } else {
        store.logout(session);
        sendData(res, true, undefined, { 'set-cookie': clearedCookies() });
      }
      return;
    }
    // Data endpoints: the route is resolved first so an unknown path is a 404 whether logged in or not.
    const handler = findRoute(method, path, version);
    const session = store.authenticate(cookies, csrfHeader);
    const params = await paramsOf(req, url);
    const result = handler(params, { views, version, email: session.email });
    sendData(res, result.data, result.total);
  }

  function page(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname;
    if (path === '/static/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(CLIENT_SCRIPT);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path === '/') {
      res.writeHead(302, { location: '/my/earn' });
      res.end();
      return;
    }
    const html = renderPage(path, version);
    if (html === undefined) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Not found</title><h1>Not found</h1>');
      return;
    }
    if (path !== '/login' && !parseCookies(req.headers.cookie).has(SESSION_COOKIE)) {
      // Without a session cookie the page would only bounce; the server redirects at once, as the exchange does.
      res.writeHead(302, { location: `/login?next=${encodeURIComponent(path + url.search)}` });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; script-src 'self'",
    });
    res.end(html);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    } catch {
      res.writeHead(400);
      res.end();
      return;
    }
    if (!url.pathname.startsWith('/bapi/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET' });
        res.end();
        return;
      }
      page(req, res, url);
      return;
    }
    api(req, res, url).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof WebApiError) sendError(res, error);
      else sendError(res, new WebApiError(500, WEB_CODES.serverError, 'Internal error.'));
    });
  }

  return {
    handle,
    credentials,
    webApiVersion: version,
    sessions: () => store.issued.map((s) => ({ ...s })),
  };
}
