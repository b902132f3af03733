import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createHarWriter, readHar, readHarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { collect, makeEntry } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-writer-');
const creator = { name: 'ledgertap', version: '0.0.0-test' };

describe('createHarWriter', () => {
  it('round-trips entries, pages added while recording, and extensions (header and late)', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out.har');
    const writer = await createHarWriter(out, {
      creator,
      browser: { name: 'chromium', version: '120' },
      comment: 'test capture',
      extensions: { _ledgertap: { consentId: 'c-1', guide: 'binance-web' } },
      bufferBytes: 100,
    });
    expect(existsSync(out)).toBe(false);
    expect(existsSync(writer.partialPath)).toBe(true);
    const entries = Array.from({ length: 25 }, (_, i) => makeEntry(i));
    for (const [i, e] of entries.entries()) {
      if (i === 10)
        writer.addPage({
          startedDateTime: e.startedDateTime,
          id: 'page_1',
          title: 'Account',
          pageTimings: {},
        });
      await writer.write(e);
    }
    writer.setExtension('_summary', { entries: 25 });
    expect(await writer.close()).toBe(out);
    expect(existsSync(writer.partialPath)).toBe(false);
    const parsed = JSON.parse(await readFile(out, 'utf8')) as {
      log: Record<string, unknown> & { entries: unknown[] };
    };
    expect(parsed.log.entries).toEqual(entries);
    expect(parsed.log['pages']).toEqual([
      { startedDateTime: entries[10]!.startedDateTime, id: 'page_1', title: 'Account', pageTimings: {} },
    ]);
    expect(parsed.log['_ledgertap']).toEqual({ consentId: 'c-1', guide: 'binance-web' });
    expect(parsed.log['_summary']).toEqual({ entries: 25 });
    const { log, warnings } = await readHarFile(out);
    expect(log.entries).toHaveLength(25);
    expect(log.browser).toEqual({ name: 'chromium', version: '120' });
    expect(warnings.total('warning')).toBe(0);
  });

  it('an empty log is a valid HAR', async () => {
    const dir = await tempDir();
    const out = join(dir, 'empty.har');
    const writer = await createHarWriter(out, { creator });
    await writer.close();
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({
      log: { version: '1.2', creator, entries: [] },
    });
  });

  it('abort removes the partial file and leaves an existing target untouched', async () => {
    const dir = await tempDir();
    const out = join(dir, 'keep.har');
    await writeFile(out, 'previous');
    const writer = await createHarWriter(out, { creator });
    await writer.write(makeEntry(0));
    await writer.abort();
    expect(existsSync(writer.partialPath)).toBe(false);
    expect(await readFile(out, 'utf8')).toBe('previous');
    await expect(writer.write(makeEntry(1))).rejects.toMatchObject({ code: 'har.writer_closed' });
  });

  it('a crash after checkpoint leaves a .partial that the reader salvages', async () => {
    const dir = await tempDir();
    const out = join(dir, 'crash.har');
    const writer = await createHarWriter(out, { creator });
    for (let i = 0; i < 7; i++) await writer.write(makeEntry(i));
    await writer.checkpoint();
    // No close: as if the process died here. The partial file is what a crash leaves.
    const reader = await readHar(writer.partialPath);
    expect(await collect(reader.entries())).toHaveLength(7);
    expect(reader.stats.truncated).toBe(true);
    expect(reader.log.creator).toEqual(creator);
    await writer.abort();
  });

  it('a crash after checkpoint of a gzip output leaves a decodable .partial', async () => {
    const dir = await tempDir();
    const out = join(dir, 'crash.har.gz');
    const writer = await createHarWriter(out, { creator });
    for (let i = 0; i < 5; i++) await writer.write(makeEntry(i));
    await writer.checkpoint();
    const reader = await readHar(writer.partialPath);
    expect(reader.compression).toBe('gzip');
    expect(await collect(reader.entries())).toHaveLength(5);
    await writer.abort();
  });

  it('refuses to overwrite a .partial left by an earlier run unless told to', async () => {
    const dir = await tempDir();
    const out = join(dir, 'again.har');
    await writeFile(`${out}.partial`, '{"log":{"entries":[');
    await expect(createHarWriter(out, { creator })).rejects.toMatchObject({ code: 'har.partial_exists' });
    const writer = await createHarWriter(out, { creator, overwritePartial: true });
    await writer.close();
    expect(existsSync(out)).toBe(true);
  });

  it('gzip when the path ends in .gz, and mode 0o600', async () => {
    const dir = await tempDir();
    const out = join(dir, 'secret.har.gz');
    const writer = await createHarWriter(out, { creator, mode: 0o600 });
    await writer.write(makeEntry(0));
    await writer.close();
    const raw = await readFile(out);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(JSON.parse(gunzipSync(raw).toString('utf8')).log.entries).toHaveLength(1);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });
});
