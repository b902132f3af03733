import { once } from 'node:events';
import { request as httpRequest, createServer } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { generateCACertificate } from 'mockttp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHarSink,
  ensureCa,
  hostFilter,
  parseGuide,
  startProxyCapture,
  type ProxyCapture,
} from '../../capture/index.js';
import type { HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-proxy-');

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
  },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const connectReq = httpRequest({
    host: '127.0.0.1',
    port: proxyPort,
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
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (d: string) => (body += d));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
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
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const upstreamPort = (upstream.address() as AddressInfo).port;

    const out = join(dir, 'app.har');
    const guide = await parseGuide(
      'name: app\ntitle: App\nsteps:\n  - {id: login, title: Log in, do: Log in}\n  - {id: orders, title: Orders, do: Open orders}\n',
      'g',
    );
    const sink = await createHarSink({ out, guide: 'app', consentId: '7', account: 'acct' });
    capture = await startProxyCapture({
      sink,
      ca,
      hosts: hostFilter(['localhost']),
      port: 0,
      guide,
      upstreamCAs: [serverCert.cert],
    });

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
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const ca = (await ensureCa({ LEDGERTAP_CONFIG_DIR: join(dir, 'config') }))!;
      const sink = await createHarSink({ out: join(dir, 'x.har') });
      const guide = await parseGuide('name: g\ntitle: G\nsteps: [{id: a, title: A, do: A}]', 'g');
      await expect(
        startProxyCapture({ sink, ca, hosts: hostFilter(['localhost']), port, guide }),
      ).rejects.toMatchObject({ code: 'capture.port_in_use', exitCode: 3 });
      await sink.close();
      const har = JSON.parse(await readFile(join(dir, 'x.har'), 'utf8')) as HarFile;
      expect(har.log.entries).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});
