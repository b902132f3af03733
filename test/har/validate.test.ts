import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarWriter, validateHar } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { fixture, harText, makeEntry } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-validate-');

describe('validateHar (strict HAR 1.2)', () => {
  it('a HAR written by createHarWriter is valid', async () => {
    const dir = await tempDir();
    const out = join(dir, 'ok.har');
    const writer = await createHarWriter(out, { creator: { name: 'ledgertap', version: '1' } });
    for (let i = 0; i < 3; i++) await writer.write(makeEntry(i));
    writer.addPage({
      startedDateTime: '2026-01-05T10:00:00.000Z',
      id: 'page_1',
      title: 'p',
      pageTimings: {},
    });
    await writer.close();
    const result = await validateHar(out);
    expect(result.deviations).toEqual([]);
    expect(result).toMatchObject({ valid: true, entries: 3, deviationCount: 0 });
  });

  it('reports each deviation with a JSON Pointer', async () => {
    const result = await validateHar(fixture('missing-fields.har'));
    expect(result.valid).toBe(false);
    const pointers = result.deviations.map((d) => d.pointer);
    expect(pointers).toContain('/log/entries/0/request/cookies');
    expect(pointers).toContain('/log/entries/0/timings');
    expect(pointers).toContain('/log/entries/0/time');
    expect(pointers).toContain('/log/entries/1/time');
    expect(pointers).toContain('/log/entries/1/request/headers/0/value');
    expect(pointers).toContain('/log/entries/1/response/status');
    expect(pointers).toContain('/log/entries/1/response/redirectURL');
    expect(pointers).toContain('/log/entries/1/timings/send');
    expect(result.deviations.find((d) => d.pointer === '/log/entries/0/request/cookies')!.message).toMatch(
      /required/,
    );
    // The quirks the reader would repair are listed beside them.
    expect(result.warnings.map((w) => w.kind)).toContain('missing_cookies');
  });

  it('non-standard fields without "_" are deviations (postData.encoding in Charles exports)', async () => {
    const result = await validateHar(fixture('charles.har'));
    const d = result.deviations.find((x) => x.pointer === '/log/entries/0/request/postData')!;
    expect(d.message).toContain('"encoding"');
    expect(d.keyword).toBe('additionalProperties');
  });

  it('log-level deviations point into /log', async () => {
    const dir = await tempDir();
    const file = join(dir, 'header.har');
    await writeFile(file, '{"log":{"version":"9","entries":[],"pages":[{"id":"p"}]}}');
    const result = await validateHar(file);
    const pointers = result.deviations.map((d) => d.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining([
        '/log/version',
        '/log/creator',
        '/log/pages/0/title',
        '/log/pages/0/startedDateTime',
      ]),
    );
  });

  it('truncated files and unparseable entries are deviations', async () => {
    const dir = await tempDir();
    const file = join(dir, 'cut.har');
    const { text } = harText(3);
    await writeFile(file, text.slice(0, text.length - 40));
    const result = await validateHar(file);
    expect(result.valid).toBe(false);
    expect(result.deviations.some((d) => d.keyword === 'file' && /ends at byte/.test(d.message))).toBe(true);
    const broken = await validateHar(fixture('broken-entries.har'));
    expect(broken.deviations.map((d) => d.pointer)).toEqual(
      expect.arrayContaining(['/log/entries/1', '/log/entries/2']),
    );
  });

  it('caps the list but counts every deviation', async () => {
    const result = await validateHar(fixture('missing-fields.har'), { maxDeviations: 2 });
    expect(result.deviations).toHaveLength(2);
    expect(result.deviationCount).toBeGreaterThan(2);
  });
});
