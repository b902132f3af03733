/**
 * Test harness for the sandbox web app: the app mounted on a real node:http server on 127.0.0.1:0, and a
 * minimal cookie-jar HTTP client written from the web app's spec (sandbox/web/README.md), not from any
 * client code: it derives `csrftoken` as md5 of the `cr00` cookie itself.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateAccount } from '../../../sandbox/data/generate.js';
import type { SandboxAccount } from '../../../sandbox/data/model.js';
import {
  createSandboxWebApp,
  type SandboxWebApp,
  type SandboxWebAppOptions,
} from '../../../sandbox/web/index.js';

const accounts = new Map<string, SandboxAccount>();

/** A tiny account, generated once per (seed, asOf) per test file. */
export function tinyAccount(seed = 7): SandboxAccount {
  const asOf = Date.UTC(2026, 10, 1);
  const key = `${seed}:${asOf}`;
  let account = accounts.get(key);
  if (!account) {
    account = generateAccount({ seed, profile: 'tiny', asOf });
    accounts.set(key, account);
  }
  return account;
}

export interface RunningWeb {
  url: string;
  app: SandboxWebApp;
  account: SandboxAccount;
  server: Server;
  close(): Promise<void>;
}

export async function startWeb(options: Partial<SandboxWebAppOptions> = {}): Promise<RunningWeb> {
  const account = options.account ?? tinyAccount();
  const app = createSandboxWebApp({ ...options, account });
  const server = createServer((req, res) => app.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    account,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** A parsed Set-Cookie line. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: string[];
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  return {
    name: pair.slice(0, eq),
    value: pair.slice(eq + 1),
    attributes: attrs.map((a) => a.toLowerCase()),
  };
}

/** The JSON envelope every `/bapi` answer uses. */
export interface Envelope {
  code: string;
  message: string | null;
  messageDetail: string | null;
  data: unknown;
  total?: number;
  success: boolean;
}

/** A browser-like client: a cookie jar and the CSRF derivation. */
export class WebClient {
  readonly jar = new Map<string, string>();
  lastSetCookies: SetCookie[] = [];

  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The CSRF header the page script sends: md5 of the cr00 cookie. */
  csrf(): string | undefined {
    const v = this.jar.get('cr00');
    return v === undefined ? undefined : md5(v);
  }

  async raw(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; csrf?: string | null } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { clienttype: 'web', ...(init.headers ?? {}) };
    if (this.jar.size) headers['cookie'] = this.cookieHeader();
    const csrf = init.csrf === undefined ? this.csrf() : init.csrf;
    if (csrf !== null && csrf !== undefined) headers['csrftoken'] = csrf;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: init.body, redirect: 'manual' });
    this.lastSetCookies = res.headers.getSetCookie().map(parseSetCookie);
    for (const c of this.lastSetCookies) {
      if (c.attributes.includes('max-age=0')) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return res;
  }

  async post(
    path: string,
    body: unknown = {},
    init: { csrf?: string | null } = {},
  ): Promise<{ status: number; body: Envelope; text: string }> {
    const res = await this.raw('POST', path, { body: JSON.stringify(body), ...init });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Envelope, text };
  }

  async get(
    path: string,
    query: Record<string, string | number> = {},
  ): Promise<{ status: number; body: Envelope; text: string }> {
    const qs = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const res = await this.raw('GET', qs ? `${path}?${qs}` : path);
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Envelope, text };
  }

  /** Logs in with password and (when asked) the second factor. */
  async login(email: string, password: string, code?: string): Promise<void> {
    const first = await this.post('/bapi/accounts/v2/public/authcenter/login', { email, password });
    if (!first.body.success) throw new Error(`login failed: ${first.text}`);
    const data = first.body.data as { needSecurityVerify: boolean; verifyToken?: string };
    if (!data.needSecurityVerify) return;
    const second = await this.post('/bapi/accounts/v1/public/authcenter/security/verify', {
      verifyToken: data.verifyToken,
      code,
    });
    if (!second.body.success) throw new Error(`2FA failed: ${second.text}`);
  }
}

/** A logged-in client for a running web app. */
export async function loggedIn(web: RunningWeb): Promise<WebClient> {
  const client = new WebClient(web.url);
  const c = web.app.credentials;
  await client.login(c.email, c.password, c.twoFactorCode);
  return client;
}
