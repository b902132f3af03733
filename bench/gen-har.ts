/**
 * Generates a large, realistic HAR for bench/har-read.ts: Chrome-shaped entries on *.example.test hosts,
 * JSON API responses (escaped inside content.text, as real HARs have them), JSON POST bodies, base64
 * images, redirects, 4xx/5xx. Deterministic (seeded), streamed to disk through createHarWriter.
 *
 *   npx tsx bench/gen-har.ts [--size MB] [--out FILE]     (default 520 MB, /tmp/ledgertap-bench/bench-520.har)
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHarWriter, type HarEntry } from '../har/index.js';

/** A small deterministic PRNG (mulberry32), so every run writes the same file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTS = [
  'api.example.test',
  'www.example.test',
  'static.example.test',
  'auth.example.test',
  'ws.example.test',
  '[::1]:8443',
];
const PATHS = [
  '/api/v3/account',
  '/api/v3/myTrades',
  '/api/v3/allOrders',
  '/sapi/v1/capital/deposit/hisrec',
  '/bapi/asset/v2/private/asset-overview',
  '/sapi/v1/asset/assetDividend',
  '/api/v3/ticker/price',
];

function jsonBody(random: () => number, rows: number): string {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < rows; i++) {
    out.push({
      symbol: ['BTCUSDT', 'ETHUSDT', 'BNBBTC', 'SOLUSDT'][i % 4],
      id: 2_000_000_000 + Math.floor(random() * 1e9),
      orderId: `${9_007_199_254_740_993n + BigInt(i)}`,
      price: (random() * 60000).toFixed(8),
      qty: (random() * 3).toFixed(8),
      quoteQty: (random() * 1000).toFixed(8),
      commission: (random() / 100).toFixed(8),
      commissionAsset: 'BNB',
      time: 1_700_000_000_000 + i * 1000,
      isBuyer: random() > 0.5,
      isMaker: random() > 0.5,
      note: 'quoted "text" with \\ backslashes and ünïcödé',
    });
  }
  return JSON.stringify(out);
}

function headers(
  random: () => number,
  host: string,
  extra: [string, string][],
): { name: string; value: string }[] {
  const h: [string, string][] = [
    [':authority', host],
    [':method', 'GET'],
    [':path', '/'],
    [':scheme', 'https'],
    ['accept', 'application/json, text/plain, */*'],
    ['accept-encoding', 'gzip, deflate, br'],
    ['accept-language', 'en-US,en;q=0.9'],
    [
      'user-agent',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    ],
    ['x-request-id', Math.floor(random() * 1e16).toString(16)],
    ...extra,
  ];
  return h.map(([name, value]) => ({ name, value }));
}

/** Builds entry number `i`. */
export function makeEntry(random: () => number, i: number, bodies: string[], image: string): HarEntry {
  const host = HOSTS[i % HOSTS.length]!;
  const kind = random();
  const started = new Date(Date.UTC(2026, 0, 1) + i * 137).toISOString();
  const post = kind < 0.2;
  const isImage = kind > 0.9;
  const path = isImage ? `/img/${i}.png` : PATHS[i % PATHS.length]!;
  const url = `https://${host}${path}?timestamp=${1_700_000_000_000 + i}&recvWindow=5000&signature=${'ab'.repeat(32)}`;
  const status = kind > 0.97 ? 500 : kind > 0.93 && !isImage ? 404 : 200;
  const body = isImage ? image : bodies[i % bodies.length]!;
  const entry: HarEntry = {
    startedDateTime: started,
    time: Math.round(random() * 300 * 1000) / 1000,
    request: {
      method: post ? 'POST' : 'GET',
      url,
      httpVersion: 'http/2.0',
      headers: headers(random, host, post ? [['content-type', 'application/json']] : []),
      queryString: [
        { name: 'timestamp', value: String(1_700_000_000_000 + i) },
        { name: 'recvWindow', value: '5000' },
      ],
      cookies: [
        {
          name: 'session',
          value: 'redacted-' + (i % 97),
          path: '/',
          domain: '.example.test',
          expires: null,
          httpOnly: true,
          secure: true,
        },
      ],
      headersSize: -1,
      bodySize: post ? 64 : 0,
      ...(post
        ? {
            postData: {
              mimeType: 'application/json',
              text: JSON.stringify({ page: i % 50, limit: 500, startTime: 1_700_000_000_000 }),
            },
          }
        : {}),
    },
    response: {
      status,
      statusText: status === 200 ? '' : status === 404 ? 'Not Found' : 'Internal Server Error',
      httpVersion: 'http/2.0',
      headers: [
        { name: 'content-type', value: isImage ? 'image/png' : 'application/json;charset=UTF-8' },
        { name: 'date', value: new Date(Date.parse(started)).toUTCString() },
        { name: 'x-mbx-used-weight-1m', value: String(i % 1200) },
        { name: 'strict-transport-security', value: 'max-age=31536000; includeSubdomains' },
      ],
      cookies: [],
      content: isImage
        ? { size: Buffer.byteLength(image, 'base64'), mimeType: 'image/png', text: image, encoding: 'base64' }
        : { size: Buffer.byteLength(body), mimeType: 'application/json', text: body },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
      _transferSize: 1200,
      _error: null,
    },
    cache: {},
    timings: {
      blocked: 0.5,
      dns: -1,
      ssl: -1,
      connect: -1,
      send: 0.1,
      wait: 40.2,
      receive: 1.3,
      _blocked_queueing: 0.3,
    },
    serverIPAddress: host.startsWith('[') ? '[::1]' : '192.0.2.10',
    _initiator: { type: 'script' },
    _priority: 'High',
    _resourceType: isImage ? 'image' : 'fetch',
    connection: String(443 + (i % 5)),
    pageref: `page_${1 + Math.floor(i / 5000)}`,
  };
  return entry;
}

/** Writes a HAR of at least `megabytes` MB (10^6 bytes) to `out`; returns its size and entry count. */
export async function generateHar(
  out: string,
  megabytes: number,
): Promise<{ bytes: number; entries: number }> {
  await mkdir(dirname(out), { recursive: true });
  const random = rng(20260101);
  const bodies = Array.from({ length: 64 }, (_, k) => jsonBody(random, 1 + ((k * 7) % 24)));
  const image = Buffer.from(Array.from({ length: 6000 }, () => Math.floor(random() * 256))).toString(
    'base64',
  );
  const writer = await createHarWriter(out, {
    creator: { name: 'WebInspector', version: '537.36' },
    overwritePartial: true,
  });
  const target = megabytes * 1_000_000;
  let written = 0;
  let i = 0;
  let pages = 0;
  try {
    while (written < target) {
      const entry = makeEntry(random, i, bodies, image);
      // Roughly what the writer adds per entry: the JSON plus separators and indentation.
      written += JSON.stringify(entry).length + 8;
      await writer.write(entry);
      if (i % 5000 === 0) {
        pages++;
        writer.addPage({
          startedDateTime: entry.startedDateTime,
          id: `page_${pages}`,
          title: `https://www.example.test/page/${pages}`,
          pageTimings: { onContentLoad: 512.3, onLoad: 1024.7 },
        });
      }
      i++;
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { bytes: (await stat(out)).size, entries: i };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const size = Number(flag('--size') ?? 520);
  const out = flag('--out') ?? `/tmp/ledgertap-bench/bench-${size}.har`;
  const t0 = performance.now();
  const result = await generateHar(out, size);
  console.log(
    `wrote ${out}: ${(result.bytes / 1e6).toFixed(1)} MB, ${result.entries} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
