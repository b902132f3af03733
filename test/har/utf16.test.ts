/**
 * UTF-16 HAR files (Fiddler and PowerShell write them: little- or big-endian, usually with a byte order
 * mark) are converted to UTF-8 while streaming (har/source.ts), plain or gzip'd, with a `utf16_file`
 * warning; a UTF-16 file cut short is salvaged like any truncated HAR. Units and the CLI.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readHar, readHarFile } from '../../har/index.js';
import { Utf16ToUtf8, detectUtf16 } from '../../har/source.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { collect, harText } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-utf16-');

/** `text` as UTF-16 bytes, little- or big-endian, with or without a byte order mark. */
function utf16(text: string, order: 'le' | 'be', bom = true): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  return order === 'le' ? le : Buffer.from(le).swap16();
}

/** A HAR with astral characters (surrogate pairs) and CRLF line ends, as Windows tools write it. */
function windowsHar(n: number): string {
  return harText(n).text.replaceAll('ünï €', 'ünï € 😀𝄞').replaceAll('\n', '\r\n');
}

describe('UTF-16 HAR files', () => {
  it.each([
    ['le', true, false],
    ['be', true, false],
    ['le', false, false],
    ['be', false, false],
    ['le', true, true],
    ['be', true, true],
  ] as const)(
    '%s, byte order mark %s, gzip %s: the same entries as UTF-8, one warning',
    async (order, bom, gz) => {
      const dir = await tempDir();
      const text = windowsHar(25);
      const utf8 = join(dir, 'utf8.har');
      await writeFile(utf8, text);
      const file = join(dir, `utf16${gz ? '.har.gz' : '.har'}`);
      const bytes = utf16(text, order, bom);
      await writeFile(file, gz ? gzipSync(bytes) : bytes);
      const want = await readHarFile(utf8);
      // Small odd-sized reads (zlib's least is 64): code units, surrogate pairs and the mark split across chunks.
      for (const chunkSize of [gz ? 65 : 7, 1024 * 1024]) {
        const got = await readHarFile(file, { chunkSize });
        expect(got.log.entries).toEqual(want.log.entries);
        expect(got.log.entries[3]!.response.content.text).toContain('😀𝄞');
        expect(got.warnings.count('utf16_file')).toBe(1);
        expect(got.warnings.count('bom')).toBe(0);
        expect(got.warnings.count('file_not_utf8')).toBe(0);
        expect(got.stats.truncated).toBe(false);
      }
      const reader = await readHar(file);
      expect(reader.compression).toBe(gz ? 'gzip' : 'none');
      await reader.drain();
      expect(reader.warnings.list().find((w) => w.kind === 'utf16_file')?.examples[0]?.detail).toBe(
        `utf-16${order}`,
      );
    },
  );

  it('a UTF-16 file cut short (mid-entry, mid-code-unit): every complete entry, truncated', async () => {
    const dir = await tempDir();
    const { text, entryEnds } = harText(10);
    for (const [order, gz] of [
      ['le', false],
      ['be', false],
      ['le', true],
    ] as const) {
      const bytes = utf16(text, order);
      // Cut inside entry 7, at an odd byte (half a code unit).
      const cut = 2 + 2 * (entryEnds[6]! + 40) + 1;
      const file = join(dir, `cut-${order}${gz ? '.har.gz' : '.har'}`);
      const part = bytes.subarray(0, cut);
      await writeFile(file, gz ? gzipSync(part).subarray(0, -8) : part);
      const got = await readHarFile(file, { chunkSize: 64 });
      expect(got.log.entries, `${order} gzip ${gz}`).toHaveLength(7);
      expect(got.stats.truncated).toBe(true);
      expect(got.warnings.count('truncated')).toBe(1);
      expect(got.warnings.count('utf16_file')).toBe(1);
    }
  });

  it("UTF-8 files go through untouched (no warning), gzip'd ones through the pass-through", async () => {
    const dir = await tempDir();
    const text = harText(3).text;
    for (const [name, content] of [
      ['plain.har', Buffer.from(text)],
      ['plain.har.gz', gzipSync(text)],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, content);
      const reader = await readHar(file);
      expect((await collect(reader.entries())).length).toBe(3);
      expect(reader.warnings.count('utf16_file')).toBe(0);
      expect(reader.stats.bytes).toBe(Buffer.byteLength(text));
    }
  });

  it('the converter streams: it holds at most a chunk or two, whatever the file size', async () => {
    // 64 MiB of UTF-16 in 64 KiB chunks (odd-sized, so code units straddle them).
    const text = '{"a":"ü😀"}'.padEnd(32_768, ' ');
    const unit = utf16(text, 'le', false);
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 1024; i++) yield unit.subarray(i % 2, unit.length - ((i + 1) % 2));
      })(),
    );
    const converter = new Utf16ToUtf8();
    let out = 0;
    let held = 0;
    for await (const chunk of source.pipe(converter) as AsyncIterable<Buffer>) {
      out += chunk.length;
      held = Math.max(held, converter.readableLength + converter.writableLength);
    }
    expect(converter.encoding).toBe('utf-16le');
    expect(out).toBeGreaterThan(30 * 1024 * 1024);
    expect(held).toBeLessThanOrEqual(4 * unit.length);
  });

  it('detects the encoding from the first bytes', () => {
    expect(detectUtf16(Buffer.from([0xff, 0xfe, 0x7b, 0]))).toBe('utf-16le');
    expect(detectUtf16(Buffer.from([0xfe, 0xff, 0, 0x7b]))).toBe('utf-16be');
    expect(detectUtf16(Buffer.from('{\0"\0', 'latin1'))).toBe('utf-16le');
    expect(detectUtf16(Buffer.from('\0\r\0\n', 'latin1'))).toBe('utf-16be');
    expect(detectUtf16(Buffer.from('{"lo'))).toBeUndefined();
    expect(detectUtf16(Buffer.from([0xff, 0xfe, 0, 0]))).toBeUndefined();
    expect(detectUtf16(Buffer.from([0xef, 0xbb, 0xbf, 0x7b]))).toBeUndefined();
  });

  it('ledgertap har inspect and validate read a UTF-16 file and report the conversion', async () => {
    const dir = await tempDir();
    const file = join(dir, 'fiddler-export.har');
    await writeFile(file, utf16(windowsHar(4), 'le'));
    const r = await runCliInProcess(['har', 'inspect', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { entries: number; warnings: { kind: string; count: number }[] };
    expect(summary.entries).toBe(4);
    expect(summary.warnings.find((w) => w.kind === 'utf16_file')?.count).toBe(1);
    const merged = join(dir, 'utf8.har');
    const m = await runCliInProcess(['har', 'merge', file, '--out', merged]);
    expect(m.code, m.stderr).toBe(0);
    expect((await readHarFile(merged)).warnings.count('utf16_file')).toBe(0);
    expect((await readHarFile(merged)).log.entries).toHaveLength(4);
  });
});
