/**
 * A servlet-style site that rewrites its links with the session (`/cart;jsessionid=…/items`) after a
 * `Set-Cookie: JSESSIONID=…`, captured by a real Chromium and through the proxy: the session value must be
 * nowhere in the HAR, the placeholder in the URL must equal the cookie's, and the analyzer must still read
 * the redacted pair as the matrix credential the cookie issued.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import {
  createHarSink,
  ensureCa,
  hostFilter,
  parseGuide,
  startProxyCapture,
  type ProxyCapture,
} from '../../capture/index.js';
import { validateHar, type HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { scriptedCapture } from './scripted-capture.js';

const tempDir = useTempDirs('ledgertap-servlet-');

interface ServletSite {
  url: string;
  /** Session ids issued so far. */
  sessions: string[];
  close(): Promise<void>;
}

/** `/shop` issues JSESSIONID and links to the cart through URL rewriting; only that rewritten URL answers. */
async function startServletSite(): Promise<ServletSite> {
  const sessions: string[] = [];
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? '/';
    if (raw === '/shop') {
      const id = randomBytes(16).toString('hex').toUpperCase();
      sessions.push(id);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': `JSESSIONID=${id}; Path=/; HttpOnly`,
      });
      res.end(
        `<!doctype html><html><body><a id="cart" href="/cart;jsessionid=${id}/items">Cart</a></body></html>`,
      );
      return;
    }
    if (raw === '/checkout' && sessions.length > 0) {
      res.writeHead(302, { location: `/cart;jsessionid=${sessions.at(-1)}/items` });
      res.end();
      return;
    }
    const m = /^\/cart;jsessionid=([0-9A-F]{32})\/(items|items\.json)$/.exec(raw);
    if (!m || !sessions.includes(m[1] as string)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no session');
      return;
    }
    if (m[2] === 'items') {
      // The cart page loads its data from a sibling URL: that request's Referer carries the session too.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><body><div id="out"></div><script>fetch('/cart;jsessionid=${m[1]}/items.json').then(r=>r.json()).then(j=>{document.getElementById('out').textContent=JSON.stringify(j)})</script></body></html>`,
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: [{ sku: 'A1', qty: 2 }], self: `/cart;jsessionid=${m[1]}/items.json` }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What both capture paths must produce: no session in clear, equal placeholders, the analyzer's link. */
async function expectRedactedServletSession(out: string, site: ServletSite): Promise<void> {
  const text = await readFile(out, 'utf8');
  expect(site.sessions.length).toBeGreaterThan(0);
  for (const s of site.sessions) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(s.toLowerCase());
  }
  const har = JSON.parse(text) as HarFile;
  expect((await validateHar(out)).deviations).toEqual([]);
  const shop = har.log.entries.find((e) => new URL(e.request.url).pathname === '/shop');
  const setCookie = shop?.response.headers.find((h) => h.name.toLowerCase() === 'set-cookie')?.value ?? '';
  const placeholder = /^JSESSIONID=(\[redacted:cookie:[0-9a-f]{16}\]);/.exec(setCookie)?.[1];
  expect(placeholder).toBeDefined();
  const cart = har.log.entries.find((e) => e.request.url.endsWith('/items'));
  expect(cart?.request.url).toMatch(new RegExp(`/cart;jsessionid=${escape(placeholder!)}/items$`));
  expect(shop?.response.content.text).toContain(`href="/cart;jsessionid=${placeholder}/items"`);

  const result = analyzeLogs([har.log]);
  const op = result.operations.find((o) => o.pathTemplate === '/cart/items');
  expect(op?.parameters.find((p) => p.name === 'jsessionid')).toMatchObject({
    in: 'path',
    style: 'matrix',
    segment: 0,
    credential: true,
  });
  expect(result.auth.credentials.find((c) => c.id === 'path-matrix:jsessionid')).toMatchObject({
    location: 'path-matrix',
    kind: 'session',
    // Redacted values are linked by name and by the relation capture recorded, not by value.
    issuedBy: expect.arrayContaining([
      expect.objectContaining({ via: 'set-cookie', name: 'JSESSIONID', operationId: 'get_shop' }),
    ]) as unknown,
  });
}

function escape(text: string): string {
  return text.replace(/[[\]\\.*+?^${}()|]/g, '\\$&');
}

let site: ServletSite | undefined;
let proxy: ProxyCapture | undefined;
afterEach(async () => {
  await proxy?.stop();
  await site?.close();
  proxy = undefined;
  site = undefined;
});

describe('a servlet session id in the URL path', () => {
  it('is redacted as the cookie in a browser capture: URL, Referer, HTML links and JSON bodies', async () => {
    site = await startServletSite();
    const dir = await tempDir();
    const out = join(dir, 'servlet.har');
    const script = join(dir, 'pilot.yaml');
    await writeFile(script, `actions:\n  - click: '#cart'\n  - wait: { load: networkidle }\n`);
    const guide = await parseGuide(
      'name: shop\ntitle: Shop\nsteps: [{id: cart, title: Cart, do: Open the cart., url: /shop}]',
      'shop guide',
    );
    const sink = await createHarSink({ out, guide: guide.name });
    await scriptedCapture({ url: `${site.url}/shop`, sink, guide, script });
    await sink.close();
    await expectRedactedServletSession(out, site);
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    const data = har.log.entries.find((e) => e.request.url.endsWith('/items.json'));
    expect(data?.response.status).toBe(200);
    const referer = data?.request.headers.find((h) => h.name.toLowerCase() === 'referer')?.value;
    expect(referer).toMatch(/\/cart;jsessionid=\[redacted:cookie:[0-9a-f]{16}\]\/items$/);
    expect(JSON.parse(data!.response.content.text!)).toMatchObject({
      self: expect.stringMatching(
        /^\/cart;jsessionid=\[redacted:cookie:[0-9a-f]{16}\]\/items\.json$/,
      ) as unknown,
    });
  });

  it('is redacted as the cookie in a proxy capture, the redirect target included', async () => {
    site = await startServletSite();
    const dir = await tempDir();
    const out = join(dir, 'proxied.har');
    const ca = (await ensureCa({ LEDGERTAP_CONFIG_DIR: join(dir, 'config') }))!;
    const guide = await parseGuide('name: g\ntitle: G\nsteps: [{id: a, title: A, do: A}]', 'g');
    const sink = await createHarSink({ out });
    proxy = await startProxyCapture({ sink, ca, guide, hosts: hostFilter(['localhost']), port: 0 });
    // A plain-HTTP client of the proxy (absolute-form request target), as a phone's app would be.
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: proxy!.port, path: `${site!.url}${path}`, headers },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const shop = await get('/shop');
    expect(shop.status).toBe(200);
    const id = site.sessions[0]!;
    const cart = `/cart;jsessionid=${id}/items`;
    expect((await get(cart)).status).toBe(200);
    const data = await get(`${cart}.json`, { referer: `${site.url}${cart}` });
    expect(JSON.parse(data.body)).toMatchObject({ self: `${cart}.json` });
    expect((await get('/checkout')).headers.location).toBe(cart);
    await proxy.stop();
    proxy = undefined;
    await sink.close();
    await expectRedactedServletSession(out, site);
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    const checkout = har.log.entries.find((e) => e.request.url.endsWith('/checkout'));
    const location = checkout?.response.headers.find((h) => h.name.toLowerCase() === 'location')?.value;
    expect(location).toMatch(/^\/cart;jsessionid=\[redacted:cookie:[0-9a-f]{16}\]\/items$/);
    expect(checkout?.response.redirectURL).toBe(`${site.url}${location}`);
  });
});
