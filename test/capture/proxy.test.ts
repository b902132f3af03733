import { once } from 'node:events';
import { request as httpRequest, createServer, type IncomingMessage } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { readFile, stat } from 'node:fs/promises';
import { connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { generateCACertificate } from 'mockttp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientAllowList,
  createHarSink,
  ensureCa,
  hostFilter,
  parseGuide,
  startProxyCapture,
  type CaptureCa,
  type Guide,
  type HarSink,
  type ProxyCapture,
  type ProxyCaptureOptions,
} from '../../capture/index.js';
import type { HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-proxy-');

/** Hands `response`'s status and its whole body (as text) to `resolve` once it ends. */
function readResponse(
  response: IncomingMessage,
  resolve: (result: { status: number; body: string }) => void,
): void {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (d: string) => (body += d));
  response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
}

/** Listens on 127.0.0.1, on a free port: resolves with the port. */
async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const ONE_STEP_GUIDE = 'name: g\ntitle: G\nsteps: [{id: a, title: A, do: A}]';

/** What most proxy tests start from: the capture CA under `dir`, a sink writing `out`, a one-step guide. */
async function proxyParts(
  dir: string,
  out = join(dir, 'x.har'),
): Promise<{ ca: CaptureCa; sink: HarSink; guide: Guide }> {
  const ca = (await ensureCa({ LEDGERTAP_CONFIG_DIR: join(dir, 'config') }))!;
  const sink = await createHarSink({ out });
  const guide = await parseGuide(ONE_STEP_GUIDE, 'g');
  return { ca, sink, guide };
}

/** A proxy capture intercepting `localhost` on a free port (unless `options` says otherwise). */
function proxyForLocalhost(
  options: Omit<ProxyCaptureOptions, 'hosts' | 'port'> & { port?: number },
): Promise<ProxyCapture> {
  return startProxyCapture({ hosts: hostFilter(['localhost']), port: 0, ...options });
}

/** An HTTPS request through an HTTP CONNECT proxy, trusting `ca`. */
async function viaProxy(
  proxyPort: number,
  url: string,
  options: {
    ca: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    insecure?: boolean;
    /** The client's own address (another loopback address simulates a different machine). */
    localAddress?: string;
  },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const connectReq = httpRequest({
    host: '127.0.0.1',
    port: proxyPort,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    method: 'CONNECT',
    path: `${target.hostname}:${target.port}`,
  });
  connectReq.end();
  const [res, socket] = (await once(connectReq, 'connect')) as [{ statusCode: number }, Socket];
  expect(res.statusCode).toBe(200);
  const isIp = /^[\d.]+$/.test(target.hostname);
  const secure = tlsConnect({
    socket,
    ca: options.ca,
    ...(isIp ? {} : { servername: target.hostname }),
    rejectUnauthorized: !options.insecure,
  });
  await once(secure, 'secureConnect');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        method: options.method ?? 'GET',
        path: target.pathname + target.search,
        headers: { host: target.host, ...options.headers },
        createConnection: () => secure,
      },
      (response) => readResponse(response, resolve),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let upstream: HttpsServer | undefined;
let capture: ProxyCapture | undefined;
afterEach(async () => {
  await capture?.stop();
  upstream?.closeAllConnections();
  upstream?.close();
  capture = undefined;
  upstream = undefined;
});

describe('proxy capture', () => {
  it('records HTTPS exchanges of allowed hosts through the MITM, redacted, and passes others through unrecorded', async () => {
    const dir = await tempDir();
    const env = { LEDGERTAP_CONFIG_DIR: join(dir, 'config') };
    const ca = (await ensureCa(env))!;
    expect(ca.created).toBe(true);
    expect((await stat(ca.keyPath)).mode & 0o777).toBe(0o600);
    expect((await ensureCa(env))!.created).toBe(false);

    // The app's server: a real HTTPS server on 127.0.0.1 with a self-signed certificate for localhost,
    // made with the same CA tooling; the proxy is told to trust it as an upstream CA.
    const serverCert = await generateCACertificate({ subject: { commonName: 'localhost' } });
    upstream = createHttpsServer({ key: serverCert.key, cert: serverCert.cert }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url === '/api/login' && req.method === 'POST' && body.includes('Secret-Pass-1')) {
          res.writeHead(200, {
            'content-type': 'application/json',
            'set-cookie': 'sid=s3ss10n-value-0001; Path=/; HttpOnly',
          });
          res.end(
            '{"code":"000000","data":{"accessToken":"tok_0123456789abcdef0123456789abcdef"},"success":true}',
          );
        } else if (req.url?.startsWith('/api/orders')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            '{"code":"000000","data":[{"orderId":940708407462087195,"amount":"1.5"}],"total":1,"success":true}',
          );
        } else {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('not recorded');
        }
      });
    });
    const upstreamPort = await listenOnLoopback(upstream);

    const out = join(dir, 'app.har');
    const guide = await parseGuide(
      'name: app\ntitle: App\nsteps:\n  - {id: login, title: Log in, do: Log in}\n  - {id: orders, title: Orders, do: Open orders}\n',
      'g',
    );
    const sink = await createHarSink({ out, guide: 'app', consentId: '7', account: 'acct' });
    capture = await proxyForLocalhost({ sink, ca, guide, upstreamCAs: [serverCert.cert] });

    const login = await viaProxy(capture.port, `https://localhost:${upstreamPort}/api/login`, {
      ca: ca.cert,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":"h@mail.example","password":"Secret-Pass-1"}',
    });
    expect(login.status).toBe(200);
    await capture.runner.next();
    const orders = await viaProxy(capture.port, `https://localhost:${upstreamPort}/api/orders?page=1`, {
      ca: ca.cert,
      headers: {
        cookie: 'sid=s3ss10n-value-0001',
        authorization: 'Bearer tok_0123456789abcdef0123456789abcdef',
      },
    });
    expect(orders.body).toContain('940708407462087195');
    // 127.0.0.1 is not in the list: the TLS tunnel passes through untouched (the upstream's own certificate).
    const outside = await viaProxy(capture.port, `https://127.0.0.1:${upstreamPort}/outside`, {
      ca: serverCert.cert,
      insecure: true,
    });
    expect(outside.body).toBe('not recorded');

    await capture.stop();
    const summary = await sink.close();
    expect(summary.entries).toBe(2);
    expect(summary.skippedHosts).toHaveProperty('127.0.0.1');
    const text = await readFile(out, 'utf8');
    const har = JSON.parse(text) as HarFile;
    expect(
      har.log.entries.map((e) => [e._step, e._source, e.request.method, new URL(e.request.url).pathname]),
    ).toEqual([
      ['login', 'proxy', 'POST', '/api/login'],
      ['orders', 'proxy', 'GET', '/api/orders'],
    ]);
    expect(har.log.entries[1]!.response.content.text).toContain('"orderId":940708407462087195');
    for (const secret of [
      'Secret-Pass-1',
      's3ss10n-value-0001',
      'tok_0123456789abcdef0123456789abcdef',
      'h@mail.example',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('/outside');
    const relations = har.log._ledgertap?.relations ?? [];
    expect(relations.filter((r) => r.type === 'issued').length).toBeGreaterThanOrEqual(2);
  });

  it('fails clearly when the port is in use', async () => {
    const dir = await tempDir();
    const blocker = createServer();
    const port = await listenOnLoopback(blocker);
    try {
      const { ca, sink, guide } = await proxyParts(dir);
      await expect(proxyForLocalhost({ sink, ca, guide, port })).rejects.toMatchObject({
        code: 'capture.port_in_use',
        exitCode: 3,
      });
      await sink.close();
      const har = JSON.parse(await readFile(join(dir, 'x.har'), 'utf8')) as HarFile;
      expect(har.log.entries).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});

/** A plain-HTTP proxy request (absolute URL) from `localAddress`. */
function plainViaProxy(
  proxyPort: number,
  url: string,
  localAddress?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        headers: { host: new URL(url).host },
        ...(localAddress ? { localAddress } : {}),
      },
      (response) => readResponse(response, resolve),
    );
    req.on('error', reject);
    req.end();
  });
}

/** A raw TCP connection from `localAddress` that writes `data`: resolves with what came back and how it ended. */
async function rawExchange(
  port: number,
  localAddress: string,
  data: string,
): Promise<{ received: string; error?: string }> {
  const socket = netConnect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  socket.on('connect', () => socket.write(data));
  return new Promise((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ received, error: error.code ?? 'error' }));
    socket.on('close', () => resolve({ received }));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

describe('proxy client allow-list', () => {
  it('proxies and records an allowed client; refuses a disallowed one at the connection and records nothing of it', async () => {
    const dir = await tempDir();
    const serverCert = await generateCACertificate({ subject: { commonName: 'localhost' } });
    const seen: string[] = [];
    upstream = createHttpsServer({ key: serverCert.key, cert: serverCert.cert }, (req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"path":${JSON.stringify(req.url)}}`);
    });
    const upstreamPort = await listenOnLoopback(upstream);
    const plainSeen: string[] = [];
    const plain = createServer((req, res) => {
      plainSeen.push(req.url ?? '');
      res.end('plain ok');
    });
    const plainPort = await listenOnLoopback(plain);

    const out = join(dir, 'app.har');
    const { ca, sink, guide } = await proxyParts(dir, out);
    const refusedFrom: string[] = [];
    try {
      capture = await proxyForLocalhost({
        sink,
        ca,
        guide,
        upstreamCAs: [serverCert.cert],
        allowClients: clientAllowList(['127.0.0.1/32']),
        onRefused: (address) => refusedFrom.push(address),
      });

      // Allowed (127.0.0.1): intercepted, recorded; a plain-HTTP request is proxied too.
      const ok = await viaProxy(capture.port, `https://localhost:${upstreamPort}/api/allowed`, {
        ca: ca.cert,
        localAddress: '127.0.0.1',
      });
      expect(ok).toEqual({ status: 200, body: '{"path":"/api/allowed"}' });
      const okPlain = await plainViaProxy(capture.port, `http://localhost:${plainPort}/plain-allowed`);
      expect(okPlain.body).toBe('plain ok');

      // Disallowed (127.0.0.2): the intercepted host, a pass-through TLS host, and plain HTTP all fail,
      // and the proxy never answers a byte (not even the CONNECT 200).
      await expect(
        viaProxy(capture.port, `https://localhost:${upstreamPort}/api/stolen`, {
          ca: ca.cert,
          localAddress: '127.0.0.2',
        }),
      ).rejects.toThrow();
      await expect(
        viaProxy(capture.port, `https://127.0.0.1:${upstreamPort}/passthrough-stolen`, {
          ca: serverCert.cert,
          insecure: true,
          localAddress: '127.0.0.2',
        }),
      ).rejects.toThrow();
      await expect(
        plainViaProxy(capture.port, `http://localhost:${plainPort}/plain-stolen`, '127.0.0.2'),
      ).rejects.toThrow();
      const raw = await rawExchange(
        capture.port,
        '127.0.0.2',
        `CONNECT localhost:${upstreamPort} HTTP/1.1\r\nHost: localhost:${upstreamPort}\r\n\r\n`,
      );
      expect(raw.received).toBe('');
      expect(capture.refused).toBeGreaterThanOrEqual(4);
      expect(refusedFrom).toEqual(['127.0.0.2']);

      await capture.stop();
      const summary = await sink.close();
      expect(summary.entries).toBe(2);
      expect(Object.keys(summary.skippedHosts)).toEqual([]);
      const text = await readFile(out, 'utf8');
      const har = JSON.parse(text) as HarFile;
      expect(har.log.entries.map((e) => new URL(e.request.url).pathname)).toEqual([
        '/api/allowed',
        '/plain-allowed',
      ]);
      expect(text).not.toContain('stolen');
      expect(seen).toEqual(['/api/allowed']);
      expect(plainSeen).toEqual(['/plain-allowed']);
    } finally {
      plain.close();
    }
  });

  it('listens on loopback only by default, so nothing off the machine can even connect', async () => {
    const dir = await tempDir();
    const { ca, sink, guide } = await proxyParts(dir);
    capture = await proxyForLocalhost({ sink, ca, guide });
    expect(capture.address).toBe('127.0.0.1');
    // Another loopback address is still loopback: allowed by the default list.
    const r = await rawExchange(
      capture.port,
      '127.0.0.2',
      'GET http://localhost:1/ HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n',
    );
    expect(r.received).toMatch(/^HTTP\/1\.1 /);
    expect(capture.refused).toBe(0);
    await capture.stop();
    await sink.close();
  });

  it('listens on every interface when clients beyond this machine are allowed, or on the given host', async () => {
    const dir = await tempDir();
    const { ca, sink, guide } = await proxyParts(dir);
    const lan = clientAllowList(['127.0.0.1', '192.168.0.0/16']);
    capture = await proxyForLocalhost({ sink, ca, guide, allowClients: lan });
    expect(['::', '0.0.0.0']).toContain(capture.address);
    await capture.stop();
    capture = await proxyForLocalhost({ sink, ca, guide, allowClients: lan, host: '127.0.0.1' });
    expect(capture.address).toBe('127.0.0.1');
    await capture.stop();
    await sink.close();
  });

  it('binds the given host: a bad one fails with a clear error', async () => {
    const dir = await tempDir();
    const { ca, sink, guide } = await proxyParts(dir);
    // 192.0.2.1 (TEST-NET-1) is not an address of this machine.
    await expect(proxyForLocalhost({ sink, ca, guide, host: '192.0.2.1' })).rejects.toMatchObject({
      code: 'capture.proxy_start',
      exitCode: 3,
    });
    await sink.close();
  });
});

describe('clientAllowList', () => {
  it('matches IPv4, IPv6, IPv4-mapped IPv6 and zoned link-local addresses against CIDR ranges', () => {
    const list = clientAllowList(['192.168.1.0/24', '10.1.2.3', 'fe80::/10', 'fd12:3456::/32']);
    expect(list.ranges).toEqual(['192.168.1.0/24', '10.1.2.3/32', 'fe80::/10', 'fd12:3456::/32']);
    expect(list.allows('192.168.1.77')).toBe(true);
    expect(list.allows('::ffff:192.168.1.77')).toBe(true);
    expect(list.allows('192.168.2.1')).toBe(false);
    expect(list.allows('10.1.2.3')).toBe(true);
    expect(list.allows('10.1.2.4')).toBe(false);
    expect(list.allows('fe80::1%wlan0')).toBe(true);
    expect(list.allows('fd12:3456::9')).toBe(true);
    expect(list.allows('fd12:3457::9')).toBe(false);
    expect(list.allows('127.0.0.1')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows('')).toBe(false);
    expect(list.allows('not-an-ip')).toBe(false);
    expect(list.loopbackOnly).toBe(false);
  });

  it('knows when only this machine is allowed', () => {
    expect(clientAllowList(['127.0.0.0/8', '::1/128']).loopbackOnly).toBe(true);
    expect(clientAllowList(['127.0.0.1']).loopbackOnly).toBe(true);
    expect(clientAllowList(['127.0.0.0/7']).loopbackOnly).toBe(false);
    expect(clientAllowList(['::/0']).loopbackOnly).toBe(false);
    expect(clientAllowList(['127.0.0.1', '192.168.1.5']).loopbackOnly).toBe(false);
  });

  it.each([
    'phone',
    '192.168.1.300',
    '192.168.1.0/33',
    '192.168.1.0/',
    '/8',
    '10.0.0.0/8/8',
    '10.0.0.0/-1',
    'fe80::/129',
    '10.0.0.0/0x8',
    '1'.repeat(10_000),
    '',
  ])('rejects bad spec #%# with usage.bad_allow_client', (spec) => {
    expect(() => clientAllowList([spec])).toThrow(
      expect.objectContaining({ code: 'usage.bad_allow_client', exitCode: 2 }),
    );
  });
});
