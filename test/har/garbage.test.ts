import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readHar, readHarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { fixture, harText } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-garbage-');

const utf16 = (s: string, bom: boolean): Buffer =>
  Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(s, 'utf16le')]);

/** Files that are not HARs: each gets a HarError naming the file and saying what it looks like. */
const garbage: { name: string; content: Buffer | string; code: string; says: RegExp }[] = [
  { name: 'empty.har', content: '', code: 'har.empty', says: /empty file/ },
  { name: 'blank.har', content: '  \n\t\n', code: 'har.empty', says: /empty/ },
  {
    name: 'page.har',
    content: '<!DOCTYPE html><html><body>Sign in</body></html>',
    code: 'har.not_har',
    says: /an HTML page/,
  },
  { name: 'feed.har', content: '<?xml version="1.0"?><rss/>', code: 'har.not_har', says: /an XML document/ },
  { name: 'array.har', content: '[{"request":{}}]', code: 'har.not_har', says: /a JSON array/ },
  { name: 'number.har', content: '42', code: 'har.not_har', says: /JSON value that is not an object/ },
  {
    name: 'text.har',
    content: 'GET / HTTP/1.1\nHost: a.example.test\n',
    code: 'har.not_har',
    says: /text that is not JSON/,
  },
  {
    name: 'binary.har',
    content: Buffer.from([0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x7f, 0x80]),
    code: 'har.not_har',
    says: /binary data/,
  },
  {
    name: 'archive.har',
    content: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]),
    code: 'har.not_har',
    says: /ZIP archive/,
  },
  // UTF-16 is converted (test/har/utf16.test.ts); UTF-16 that is not a HAR is still said to be what it is.
  {
    name: 'utf16-html.har',
    content: utf16('<html><body>Sign in</body></html>', true),
    code: 'har.not_har',
    says: /an HTML page/,
  },
  {
    name: 'utf16-array.har',
    content: utf16('[{"request":{}}]', true),
    code: 'har.not_har',
    says: /a JSON array/,
  },
  {
    name: 'nolog.har',
    content: '{"version":"1.2","entries":[]}',
    code: 'har.not_har',
    says: /without "log" \(its keys: version, entries\)/,
  },
  {
    name: 'noentries.har',
    content: '{"log":{"version":"1.2","creator":{"name":"x","version":"1"}}}',
    code: 'har.not_har',
    says: /"log" has no "entries" array \(its keys: version, creator\)/,
  },
  { name: 'gz-html.har.gz', content: gzipSync('<html></html>'), code: 'har.not_har', says: /an HTML page/ },
];

describe('files that are not HARs', () => {
  it.each(garbage)('$name: $code', async ({ name, content, code, says }) => {
    const dir = await tempDir();
    const file = join(dir, name);
    await writeFile(file, content);
    const error = await readHar(file).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; exitCode: number },
    );
    expect(error, 'should reject').toBeDefined();
    expect(error!.code).toBe(code);
    expect(error!.message).toContain(file);
    expect(error!.message).toMatch(says);
    expect(error!.exitCode).toBe(2);
  });

  it('a missing file and a directory: input errors naming the path', async () => {
    const dir = await tempDir();
    await expect(readHar(join(dir, 'nope.har'))).rejects.toMatchObject({ code: 'input.not_found' });
    await mkdir(join(dir, 'folder.har'));
    await expect(readHar(join(dir, 'folder.har'))).rejects.toMatchObject({ code: 'input.is_directory' });
  });

  it('an "entries" array outside log, or a log.entries that is not an array, is not taken for the entries', async () => {
    const dir = await tempDir();
    const decoy = join(dir, 'decoy.har');
    await writeFile(
      decoy,
      '{"meta":{"entries":[{"x":1}],"log":{"entries":[{"y":2}]}},"log":{"version":"1.2","creator":{"name":"c","version":"1"},"x":{"entries":[3]},"entries":[{"startedDateTime":"2026-01-05T10:00:00Z","time":1,"request":{"method":"GET","url":"https://a.example.test/"},"response":{"status":200,"content":{"size":0,"mimeType":"","text":"{\\"log\\":{\\"entries\\":[1,2]}}"}}}]}}',
    );
    const { log } = await readHarFile(decoy);
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]!.request.url).toBe('https://a.example.test/');
    expect((log as unknown as Record<string, unknown>)['x']).toEqual({ entries: [3] });
    const notArray = join(dir, 'object-entries.har');
    await writeFile(notArray, '{"log":{"version":"1.2","entries":{"0":{}}}}');
    await expect(readHar(notArray)).rejects.toMatchObject({ code: 'har.not_har' });
    const empty = join(dir, 'empty-entries.har');
    await writeFile(empty, '{"log":{"entries":[]}}');
    const none = await readHarFile(empty);
    expect(none.log.entries).toEqual([]);
    expect(none.warnings.count('missing_creator')).toBe(1);
  });

  it('data after the HAR object is ignored with a warning', async () => {
    const dir = await tempDir();
    const file = join(dir, 'trailing.har');
    await writeFile(file, harText(2).text + '\n{"log":{}}\n');
    const { log, warnings } = await readHarFile(file);
    expect(log.entries).toHaveLength(2);
    expect(warnings.count('trailing_data')).toBe(1);
  });

  it('raw bytes that are not UTF-8 inside an entry: decoded with U+FFFD and counted', async () => {
    const dir = await tempDir();
    const file = join(dir, 'latin1.har');
    const text = harText(1).text.replace('"ünï €', '"caf\u00e9');
    await writeFile(file, Buffer.from(text, 'latin1'));
    const { log, warnings } = await readHarFile(file);
    expect(log.entries).toHaveLength(1);
    expect(warnings.count('file_not_utf8')).toBe(1);
  });
});

describe('compressed HAR files', () => {
  it('gzip detected by magic bytes, with or without the .gz extension', async () => {
    const dir = await tempDir();
    const { text } = harText(5);
    for (const name of ['a.har.gz', 'disguised.har']) {
      const file = join(dir, name);
      await writeFile(file, gzipSync(text));
      const reader = await readHar(file);
      expect(reader.compression).toBe('gzip');
      let n = 0;
      for await (const _ of reader.entries()) n++;
      expect(n).toBe(5);
      expect(reader.stats.bytes).toBe(Buffer.byteLength(text));
    }
  });

  it('zlib (mitmproxy .zhar) detected by its header', async () => {
    const dir = await tempDir();
    const file = join(dir, 'dump.zhar');
    await copyFile(fixture('mitmproxy-har-dump.zhar'), file);
    const { log } = await readHarFile(file);
    expect(log.entries).toHaveLength(2);
    const other = join(dir, 'deflated.har');
    await writeFile(other, deflateSync(harText(3).text));
    const reader = await readHar(other);
    expect(reader.compression).toBe('zlib');
  });

  it('a gzip file whose data is corrupt mid-way: what came before is read, with warnings', async () => {
    const dir = await tempDir();
    const gz = gzipSync(harText(200).text, { level: 1 });
    const damaged = Buffer.from(gz);
    for (let i = Math.floor(gz.length / 2); i < Math.floor(gz.length / 2) + 64; i++)
      damaged[i] = 0xff ^ damaged[i]!;
    const file = join(dir, 'damaged.har.gz');
    await writeFile(file, damaged);
    const reader = await readHar(file, { chunkSize: 1024 });
    let n = 0;
    for await (const _ of reader.entries()) n++;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(200);
    expect(
      reader.warnings.count('compressed_data_corrupt') + reader.warnings.count('unparseable_entry'),
    ).toBeGreaterThan(0);
    expect(reader.stats.truncated || reader.warnings.count('unparseable_entry') > 0).toBe(true);
  });
});
