import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  harEntryHost,
  harHeader,
  harHeaders,
  harRequestBody,
  harResponseBody,
  parseHarUrl,
  readHar,
  readHarFile,
  type HarWarningKind,
} from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { collect, fixture, harText, makeEntry } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-reader-');

/** Each producer's export: entry count, creator, and the quirks it must be counted for. */
const producers: { file: string; entries: number; creator: string; quirks: HarWarningKind[] }[] = [
  {
    file: 'chrome.har',
    entries: 4,
    creator: 'WebInspector',
    quirks: [
      'http2_pseudo_header',
      'ipv6_host',
      'base64_response_body',
      'websocket_messages',
      'negative_time',
      'no_response',
      'negative_size',
      'missing_post_params',
    ],
  },
  {
    file: 'firefox.har',
    entries: 2,
    creator: 'Firefox',
    quirks: ['duplicate_header', 'base64_response_body', 'empty_response'],
  },
  {
    file: 'safari.har',
    entries: 2,
    creator: 'WebKit Web Inspector',
    quirks: ['http2_pseudo_header', 'negative_size', 'empty_response'],
  },
  {
    file: 'charles.har',
    entries: 1,
    creator: 'Charles Proxy',
    quirks: [
      'base64_request_body',
      'base64_response_body',
      'non_utf8_body',
      'missing_post_params',
      'missing_pageref',
    ],
  },
  {
    file: 'fiddler.har',
    entries: 2,
    creator: 'Fiddler',
    quirks: ['bom', 'nonstandard_method', 'duplicate_header', 'empty_response'],
  },
  {
    file: 'insomnia.har',
    entries: 1,
    creator: 'Insomnia REST Client',
    quirks: ['negative_size', 'missing_pageref'],
  },
  {
    file: 'mitmproxy-har-dump.har',
    entries: 2,
    creator: 'mitmproxy har_dump',
    quirks: ['ipv6_host', 'base64_response_body', 'missing_pageref'],
  },
  {
    file: 'mitmproxy-har-dump.zhar',
    entries: 2,
    creator: 'mitmproxy har_dump',
    quirks: ['ipv6_host', 'base64_response_body'],
  },
  {
    file: 'mitmproxy-savehar.har',
    entries: 2,
    creator: 'mitmproxy',
    quirks: ['websocket_messages', 'http2_pseudo_header', 'empty_response'],
  },
  { file: 'playwright.har', entries: 2, creator: 'Playwright', quirks: ['negative_size'] },
  { file: 'polly.har', entries: 1, creator: 'Polly.JS', quirks: ['missing_pageref'] },
  {
    file: 'httptoolkit.har',
    entries: 2,
    creator: 'HTTP Toolkit',
    quirks: ['base64_request_body', 'websocket_messages', 'empty_response'],
  },
];

describe('readHar on each producer', () => {
  it.each(producers)(
    '$file: $entries entries by $creator with its quirks counted',
    async ({ file, entries, creator, quirks }) => {
      const { log, warnings, stats } = await readHarFile(fixture(file));
      expect(log.entries).toHaveLength(entries);
      expect(log.creator.name).toBe(creator);
      expect(stats.truncated).toBe(false);
      for (const kind of quirks) expect(warnings.count(kind), kind).toBeGreaterThan(0);
      // Normalized: every array present, so downstream code never checks.
      for (const e of log.entries) {
        expect(Array.isArray(e.request.headers)).toBe(true);
        expect(Array.isArray(e.request.cookies)).toBe(true);
        expect(Array.isArray(e.request.queryString)).toBe(true);
        expect(Array.isArray(e.response.cookies)).toBe(true);
        expect(typeof e.response.content.size).toBe('number');
        expect(e.timings).toBeDefined();
      }
    },
  );
});

describe('each quirk, one at a time', () => {
  it('BOM: skipped and counted (Fiddler writes one)', async () => {
    const { log, warnings } = await readHarFile(fixture('fiddler.har'));
    expect(warnings.count('bom')).toBe(1);
    expect(log.comment).toMatch(/exported/);
  });

  it('base64 response body: decoded to its bytes', async () => {
    const { log } = await readHarFile(fixture('chrome.har'));
    const body = harResponseBody(log.entries[1]!)!;
    expect(body.base64).toBe(true);
    expect([...body.bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('Polly.JS hex-chunk bodies: decoded and decompressed; look-alike JSON and bad gzip handled', async () => {
    const dir = await tempDir();
    const json = '{"login":"octocat","id":583231}';
    const gz = gzipSync(Buffer.from(json)).toString('hex');
    const chunked = (hex: string): string => JSON.stringify([hex.slice(0, 20), hex.slice(20)]);
    // Polly 5 marks it; Polly 1 does not (then the gzip magic must match Content-Encoding).
    const marked = makeEntry(0, undefined, chunked(gz));
    Object.assign(marked.response.content, { _isBinary: true });
    marked.response.headers.push({ name: 'Content-Encoding', value: 'gzip' });
    const unmarked = makeEntry(1, undefined, chunked(gz));
    unmarked.response.headers.push({ name: 'content-encoding', value: 'gzip' });
    // A JSON API that really answers an array of hex strings, with no encoding: left alone.
    const lookalike = makeEntry(2, undefined, '["deadbeef","00ff"]');
    const broken = makeEntry(3, undefined, chunked('1f8b0800deadbeef'));
    Object.assign(broken.response.content, { _isBinary: true });
    broken.response.headers.push({ name: 'content-encoding', value: 'gzip' });
    const file = join(dir, 'polly.har');
    await writeFile(
      file,
      JSON.stringify({
        log: {
          version: '1.2',
          creator: { name: 'Polly.JS', version: '5.1.1' },
          entries: [marked, unmarked, lookalike, broken],
        },
      }),
    );
    const { log, warnings } = await readHarFile(file);
    const [a, b, c, d] = log.entries.map((e) => e.response.content);
    expect(a).toMatchObject({ text: json });
    expect(a).not.toHaveProperty('_isBinary');
    expect(a).not.toHaveProperty('encoding');
    expect(b).toMatchObject({ text: json });
    expect(c).toMatchObject({ text: '["deadbeef","00ff"]' });
    expect(d).toMatchObject({
      encoding: 'base64',
      text: Buffer.from('1f8b0800deadbeef', 'hex').toString('base64'),
    });
    expect(warnings.count('polly_binary_body')).toBe(3);
    expect(warnings.count('undecodable_binary_body')).toBe(1);
  });

  it('base64 request body (non-standard postData.encoding): decoded to its bytes', async () => {
    const { log } = await readHarFile(fixture('charles.har'));
    const body = harRequestBody(log.entries[0]!)!;
    expect([...body.bytes]).toEqual([0x00, 0x01, 0xff, 0xfe, 0x80, 0x81]);
    expect(body.isUtf8).toBe(false);
  });

  it('body that is not UTF-8: bytes kept, text decoded by its charset', async () => {
    const { log, warnings } = await readHarFile(fixture('charles.har'));
    const body = harResponseBody(log.entries[0]!)!;
    expect(body.isUtf8).toBe(false);
    expect(body.text).toBe('café');
    expect(warnings.count('non_utf8_body')).toBe(1);
  });

  it('HTTP Toolkit _content for an unrepresentable request body', async () => {
    const { log } = await readHarFile(fixture('httptoolkit.har'));
    expect([...harRequestBody(log.entries[0]!)!.bytes]).toEqual([0xff, 0xfe, 0x00, 0x01]);
  });

  it('missing postData.params, cookies, timings, cache, queryString, sizes, time: filled and counted', async () => {
    const { log, warnings } = await readHarFile(fixture('missing-fields.har'));
    const [a, b] = log.entries;
    expect(a!.request.postData!.params).toEqual([]);
    expect(a!.request.cookies).toEqual([]);
    expect(a!.request.queryString).toEqual([]);
    expect(a!.request.headersSize).toBe(-1);
    expect(a!.time).toBe(-1);
    expect(a!.timings!.send).toBe(-1);
    expect(a!.cache).toEqual({});
    expect(b!.time).toBe(17);
    expect(b!.response.status).toBe(404);
    expect(b!.request.headers[0]!.value).toBe('3');
    for (const kind of [
      'missing_post_params',
      'missing_cookies',
      'missing_timings',
      'missing_cache',
      'missing_query_string',
      'missing_headers_size',
      'missing_body_size',
      'missing_time',
      'missing_http_version',
      'missing_redirect_url',
      'coerced_type',
      'invalid_header',
      'lossy_body_text',
      'negative_timing',
    ] as const) {
      expect(warnings.count(kind), kind).toBeGreaterThan(0);
    }
    const example = warnings.list().find((w) => w.kind === 'missing_timings')!.examples[0]!;
    expect(example.pointer).toBe('/log/entries/0/timings');
  });

  it('-1 sizes, time -1 and -1 timings: kept as -1 and counted', async () => {
    const { log, warnings } = await readHarFile(fixture('chrome.har'));
    expect(log.entries[2]!.time).toBe(-1);
    expect(warnings.count('negative_time')).toBe(1);
    expect(warnings.count('negative_size')).toBeGreaterThan(0);
  });

  it('[::1] and IPv6 hosts: parsed without brackets', async () => {
    const { log } = await readHarFile(fixture('chrome.har'));
    const url = parseHarUrl(log.entries[1]!.request.url)!;
    expect(url).toMatchObject({
      host: '::1',
      ipv6: true,
      port: 3000,
      path: '/logo.png',
      authority: '[::1]:3000',
    });
    const dump = await readHarFile(fixture('mitmproxy-har-dump.har'));
    expect(harEntryHost(dump.log.entries[0]!)).toBe('2001:db8::1');
  });

  it('non-standard methods (PROPFIND, PURGE): kept and counted', async () => {
    const { log, warnings } = await readHarFile(fixture('fiddler.har'));
    expect(log.entries.map((e) => e.request.method)).toEqual(['PROPFIND', 'PURGE']);
    expect(warnings.count('nonstandard_method')).toBe(2);
    expect(warnings.list().find((w) => w.kind === 'nonstandard_method')!.examples[0]!.detail).toBe(
      'PROPFIND',
    );
  });

  it('duplicate headers: all values kept, lookup is case-insensitive and multi-valued', async () => {
    const { log } = await readHarFile(fixture('firefox.har'));
    const [login] = log.entries;
    expect(harHeaders(login!.request.headers, 'COOKIE')).toEqual(['a=1', 'b=2']);
    expect(harHeader(login!.request.headers, 'cookie', '; ')).toBe('a=1; b=2');
    expect(harHeaders(login!.response.headers, 'Set-Cookie')).toHaveLength(2);
    expect(harHeader(login!.response.headers, 'x-missing')).toBeUndefined();
  });

  it('HTTP/2 pseudo-headers: counted, and usable for the host when the url lacks one', async () => {
    const { log, warnings } = await readHarFile(fixture('chrome.har'));
    expect(warnings.count('http2_pseudo_header')).toBe(1);
    expect(harHeader(log.entries[0]!.request.headers, ':authority')).toBe('api.example.test');
    const relative = { ...log.entries[0]!, request: { ...log.entries[0]!.request, url: '/api/v3/account' } };
    expect(harEntryHost(relative)).toBe('api.example.test');
  });

  it('0-byte responses: counted, body is empty', async () => {
    const { log, warnings } = await readHarFile(fixture('httptoolkit.har'));
    expect(warnings.count('empty_response')).toBe(2);
    expect(harResponseBody(log.entries[0]!)!.bytes.length).toBe(0);
  });

  it('_webSocketMessages: kept on the entry and counted', async () => {
    const { log, warnings } = await readHarFile(fixture('mitmproxy-savehar.har'));
    expect(log.entries[1]!._webSocketMessages).toHaveLength(2);
    expect(warnings.list().find((w) => w.kind === 'websocket_messages')!.examples[0]!.detail).toBe(
      '2 frames',
    );
  });

  it('producer extensions survive (_securityDetails, _initiator, _sha1, _file)', async () => {
    const { log } = await readHarFile(fixture('playwright.har'));
    expect(log.entries[0]!['_securityDetails']).toMatchObject({ protocol: 'TLS 1.3' });
    expect(log.entries[1]!.response.content['_file']).toBe('2b4e8c.bin');
    expect(harResponseBody(log.entries[1]!)).toBeUndefined();
    expect(log.browser).toEqual({ name: 'chromium', version: '120.0.6099.28' });
  });

  it('unparseable entries and non-object elements are skipped with warnings, the rest read', async () => {
    const reader = await readHar(fixture('broken-entries.har'));
    const got: number[] = [];
    for await (const record of reader.records()) got.push(record.index);
    expect(got).toEqual([0, 3]);
    expect(reader.stats.skipped).toBe(2);
    expect(reader.warnings.count('unparseable_entry')).toBe(1);
    expect(reader.warnings.count('entry_not_object')).toBe(1);
    expect(reader.warnings.list().find((w) => w.kind === 'unparseable_entry')!.examples[0]!.pointer).toBe(
      '/log/entries/1',
    );
  });

  it('normalize: false yields entries exactly as written', async () => {
    const reader = await readHar(fixture('missing-fields.har'), { normalize: false });
    const [first] = await collect(reader.entries());
    expect(first!.request.cookies).toBeUndefined();
    expect(reader.warnings.count('missing_cookies')).toBe(0);
  });
});

describe('log metadata', () => {
  it('pages before entries: known at open', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.har');
    await writeFile(file, harText(3).text);
    const reader = await readHar(file, { chunkSize: 64 });
    expect(reader.log.pages.map((p) => p.id)).toEqual(['page_1']);
    expect(reader.done).toBe(false);
    await reader.drain();
    expect(reader.log.comment).toBe('end');
  });

  it('pages and extensions after entries: known once iteration finishes', async () => {
    // A small chunk size, so the reader is still before the pages when readHar resolves.
    const reader = await readHar(fixture('missing-fields.har'), { chunkSize: 64 });
    expect(reader.log.pages).toEqual([]);
    expect(reader.log.creator.name).toBe('hand-rolled exporter');
    let n = 0;
    for await (const _ of reader.entries()) n++;
    expect(n).toBe(2);
    expect(reader.done).toBe(true);
    expect(reader.log.pages.map((p) => p.id)).toEqual(['late_page']);
    expect(reader.log._ledgertap).toEqual({ guide: 'binance-web', redaction: { enabled: true } });
  });

  it('stops when its signal is aborted', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.har');
    await writeFile(file, harText(50).text);
    const controller = new AbortController();
    const reader = await readHar(file, { chunkSize: 256, signal: controller.signal });
    let n = 0;
    const run = (async () => {
      for await (const _ of reader.entries()) if (++n === 3) controller.abort(new Error('stop'));
    })();
    await expect(run).rejects.toThrow('stop');
    expect(n).toBeLessThan(50);
  });

  it('entries can be iterated once per readHar call', async () => {
    const reader = await readHar(fixture('polly.har'));
    await reader.drain();
    await expect(reader.drain()).rejects.toMatchObject({ code: 'har.reread' });
  });
});

describe('the byte scanner across chunk boundaries', () => {
  it('reads the same entries as JSON.parse at chunk sizes from 1 byte up', async () => {
    const dir = await tempDir();
    const file = join(dir, 'tricky.har');
    const { text } = harText(12, true);
    await writeFile(file, text);
    const expected = (JSON.parse(text) as { log: { entries: unknown[] } }).log.entries;
    for (const chunkSize of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 16, 17, 23, 31, 32, 47, 64, 100, 1000]) {
      const reader = await readHar(file, { chunkSize, normalize: false });
      const got = await collect(reader.entries());
      expect(got, `chunk size ${chunkSize}`).toEqual(expected);
      expect(reader.log.pages).toHaveLength(1);
      expect(reader.warnings.list()).toEqual([]);
    }
  });

  it('an entry holding a multi-megabyte body spanning many chunks', async () => {
    const dir = await tempDir();
    const file = join(dir, 'big-body.har');
    const body = JSON.stringify({ data: 'x\\"y'.repeat(800_000) });
    const har = {
      log: {
        version: '1.2',
        creator: { name: 't', version: '1' },
        entries: [
          {
            startedDateTime: '2026-01-05T10:00:00Z',
            time: 1,
            request: { method: 'GET', url: 'https://a.example.test/' },
            response: {
              status: 200,
              content: { size: body.length, mimeType: 'application/json', text: body },
            },
          },
        ],
      },
    };
    await writeFile(file, JSON.stringify(har));
    const { log } = await readHarFile(file, { chunkSize: 64 * 1024 });
    expect(log.entries[0]!.response.content.text).toBe(body);
  });

  it('an entry over maxEntryBytes is skipped with a warning, the next one read', async () => {
    const dir = await tempDir();
    const file = join(dir, 'oversize.har');
    const big = JSON.stringify({ data: 'z'.repeat(300_000) });
    const entry = (url: string, text: string) => ({
      startedDateTime: '2026-01-05T10:00:00Z',
      time: 1,
      request: { method: 'GET', url },
      response: { status: 200, content: { size: text.length, mimeType: 'application/json', text } },
    });
    const har = {
      log: {
        version: '1.2',
        creator: { name: 't', version: '1' },
        entries: [entry('https://a.example.test/big', big), entry('https://a.example.test/small', '{}')],
      },
    };
    await writeFile(file, JSON.stringify(har));
    for (const chunkSize of [4096, 1024 * 1024]) {
      const reader = await readHar(file, { chunkSize, maxEntryBytes: 100_000 });
      const entries = await collect(reader.entries());
      expect(entries.map((e) => e.request.url)).toEqual(['https://a.example.test/small']);
      const warning = reader.warnings.list().find((w) => w.kind === 'entry_too_large')!;
      expect(warning.examples[0]).toMatchObject({ entry: 0, pointer: '/log/entries/0' });
    }
  });
});
