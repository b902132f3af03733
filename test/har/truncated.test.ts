import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readHar } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { collect, harText } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-trunc-');

async function salvage(file: string, chunkSize = 97) {
  const reader = await readHar(file, { chunkSize });
  const entries = await collect(reader.entries());
  return { reader, entries };
}

describe('truncated HAR files', () => {
  it('cut at many offsets: every complete entry is salvaged, with the byte where the file ends', async () => {
    const dir = await tempDir();
    const { text, entryEnds } = harText(6);
    const bytes = Buffer.from(text);
    const logStart = text.indexOf('"log": {') + '"log": {'.length;
    const file = join(dir, 'cut.har');
    const complete = bytes.length - 1; // the root's closing brace
    let checked = 0;
    for (let cut = 1; cut < bytes.length; cut += 7) {
      await writeFile(file, bytes.subarray(0, cut));
      if (cut < logStart) {
        await expect(readHar(file), `cut ${cut}`).rejects.toMatchObject({ code: 'har.truncated' });
        continue;
      }
      const { reader, entries } = await salvage(file);
      const expected = entryEnds.filter((end) => end <= cut).length;
      expect(entries.length, `cut at byte ${cut}`).toBe(expected);
      if (cut < complete) {
        expect(reader.stats.truncated, `cut ${cut}`).toBe(true);
        const warning = reader.warnings.list().find((w) => w.kind === 'truncated')!;
        expect(warning.examples[0]!.byteOffset).toBe(cut);
        expect(warning.examples[0]!.detail).toContain(`ends at byte ${cut}`);
        expect(warning.examples[0]!.detail).toContain(`${expected} complete entries salvaged`);
      }
      // The header before the entries survives any cut after it.
      if (cut > text.indexOf('"entries"')) expect(reader.log.creator.name).toBe('test');
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('cut inside an entry names where that entry starts', async () => {
    const dir = await tempDir();
    const { text, entryEnds } = harText(3);
    const file = join(dir, 'mid.har');
    const cut = entryEnds[1]! + 50;
    await writeFile(file, text.slice(0, cut));
    const { reader, entries } = await salvage(file);
    expect(entries).toHaveLength(2);
    const detail = reader.warnings.list().find((w) => w.kind === 'truncated')!.examples[0]!.detail!;
    expect(detail).toMatch(/the entry starting at byte \d+ is incomplete/);
  });

  it('pages written after the entries: complete pages are salvaged when the cut falls among them', async () => {
    const dir = await tempDir();
    const { text } = harText(2, true);
    const file = join(dir, 'pages.har');
    // Cut after the pages array, inside the trailing comment.
    const cut = text.indexOf('"comment"') + 5;
    await writeFile(file, text.slice(0, cut));
    const { reader, entries } = await salvage(file);
    expect(entries).toHaveLength(2);
    expect(reader.log.pages.map((p) => p.id)).toEqual(['page_1']);
  });

  it('a gzip file cut short: salvaged the same way', async () => {
    const dir = await tempDir();
    const { text } = harText(40);
    const gz = gzipSync(text);
    const file = join(dir, 'cut.har.gz');
    await writeFile(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const { reader, entries } = await salvage(file, 4096);
    expect(reader.compression).toBe('gzip');
    expect(reader.stats.truncated).toBe(true);
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.length).toBeLessThan(40);
    const detail = reader.warnings.list().find((w) => w.kind === 'truncated')!.examples[0]!.detail!;
    expect(detail).toContain('(decompressed)');
  });
});
