/**
 * A HAR larger than the test machine would want to load whole, generated in the test: read with bounded
 * memory growth and the exact entry count. (Speed is measured in bench/har-read.ts, not here.)
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHar } from '../../har/index.js';
import { generateHar } from '../../bench/gen-har.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-har-large-');

describe('a 300 MB HAR', () => {
  it('streams in bounded memory with the exact entry count', async () => {
    const dir = await tempDir();
    const file = join(dir, 'large.har');
    const made = await generateHar(file, 300);
    expect((await stat(file)).size).toBeGreaterThan(300_000_000);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const reader = await readHar(file);
    let n = 0;
    let lastHost = '';
    for await (const entry of reader.entries()) {
      n++;
      lastHost = entry.request.url;
      if ((n & 1023) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(n).toBe(made.entries);
    expect(lastHost).toMatch(/^https:\/\//);
    expect(reader.log.pages.length).toBeGreaterThan(1);
    expect(reader.stats.truncated).toBe(false);
    // Growth while reading 300 MB stays far below the file size (a whole-file parse needs well over 1 GB).
    expect(peak - before).toBeLessThan(160 * 1024 * 1024);
  }, 120_000);
});
