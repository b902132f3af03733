/**
 * A small web app for replay tests (a real HTTP server on port 0): a login that sets a session cookie and
 * a CSRF seed cookie, private calls that require the header `x-csrf-token = md5(csrf_seed)`, a refresh
 * that rotates the session, and a paged list. Version 2 changes the API the way front ends do: a field
 * renamed, a field added, a field's type changed, an endpoint moved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AppServer {
  url: string;
  version: 1 | 2;
  sessions: Set<string>;
  /**
   * Transient faults served, in order, to the next private read calls (login and refresh are never
   * faulted): `reset` drops the connection, `cut` sends half a body, `502` a gateway page, `429` a
   * rate limit with `Retry-After: 1`.
   */
  faults: ('reset' | 'cut' | '502' | '429')[];
  /** Requests per path, faulted ones included. */
  hits: Map<string, number>;
  /** When set, a login is answered 200 with fresh cookies but the session is never kept: it has expired by the next call. */
  dropSessions: boolean;
  close(): Promise<void>;
}

const USER = { email: 'holder@app.example.test', password: 'correct horse battery staple' };
export const APP_USER = USER;

const ORDERS = Array.from({ length: 23 }, (_, i) => ({
  orderId: 1000 + i,
  asset: i % 2 ? 'BTC' : 'ETH',
  amount: `${(i + 1) * 0.5}`,
  time: 1_700_000_000_000 + i * 60_000,
}));

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k) out[k] = v.join('=');
  }
  return out;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

export async function startAppServer(version: 1 | 2 = 1): Promise<AppServer> {
  const sessions = new Set<string>();
  const seeds = new Map<string, string>();
  const state = { version } as { version: 1 | 2 };
  const authorized = (req: IncomingMessage): boolean => {
    const c = cookies(req);
    const sid = c['sid'];
    const seed = sid ? seeds.get(sid) : undefined;
    return Boolean(
      sid &&
      sessions.has(sid) &&
      seed &&
      req.headers['x-csrf-token'] === createHash('md5').update(seed).digest('hex'),
    );
  };
  const issue = (res: ServerResponse, value: unknown): void => {
    const sid = randomBytes(16).toString('hex');
    const seed = randomBytes(12).toString('hex');
    if (!flags.dropSessions) sessions.add(sid);
    seeds.set(sid, seed);
    send(res, 200, value, { 'set-cookie': [`sid=${sid}; Path=/; HttpOnly`, `csrf_seed=${seed}; Path=/`] });
  };
  const faults: AppServer['faults'] = [];
  const hits = new Map<string, number>();
  const flags = { dropSessions: false };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
      const fault = /^\/api\/(login|refresh)$/.test(url.pathname) ? undefined : faults.shift();
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
        res.write('{"ok":true,"data":[{"orderId":1');
        return void res.socket?.destroy();
      }
      if (fault === '502') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
        return;
      }
      if (fault === '429') return send(res, 429, { ok: false }, { 'retry-after': '1' });
      const mePath = state.version === 1 ? '/api/me' : '/api/v2/me';
      if (req.method === 'POST' && url.pathname === '/api/login') {
        const b = await body(req);
        if (b.email === USER.email && b.password === USER.password) issue(res, { ok: true });
        else send(res, 401, { ok: false, message: 'bad credentials' });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/refresh') {
        const old = cookies(req)['sid'];
        if (!old || !sessions.has(old)) return send(res, 401, { ok: false });
        sessions.delete(old);
        issue(res, { ok: true, expires_in: 600 });
        return;
      }
      if (!authorized(req))
        return send(res, [mePath, '/api/orders/list', '/api/balances'].includes(url.pathname) ? 403 : 404, {
          ok: false,
          message: 'forbidden',
        });
      if (req.method === 'GET' && url.pathname === mePath)
        return send(res, 200, { user: { id: 42, email: USER.email } });
      if (req.method === 'GET' && url.pathname === '/api/balances')
        return send(res, 200, { balances: [{ asset: 'BTC', free: '0.5' }] });
      if (req.method === 'POST' && url.pathname === '/api/orders/list') {
        const b = await body(req);
        const page = Number(b.page ?? 1);
        const rows = Number(b.rows ?? 10);
        const slice = ORDERS.slice((page - 1) * rows, page * rows).map((o) =>
          state.version === 1
            ? o
            : { orderId: o.orderId, coin: o.asset, amount: Number(o.amount), time: o.time, fee: '0' },
        );
        return send(res, 200, { code: '000000', data: slice, total: ORDERS.length, success: true });
      }
      send(res, 404, { ok: false, message: 'not found' });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get version() {
      return state.version;
    },
    set version(v: 1 | 2) {
      state.version = v;
    },
    sessions,
    faults,
    hits,
    get dropSessions() {
      return flags.dropSessions;
    },
    set dropSessions(v: boolean) {
      flags.dropSessions = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
