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

/** A Chrome DevTools export: cookies with sameSite, and Chrome's `_` fields on entries, responses, timings. */
function chromeLike(): Record<string, unknown> {
  const entry = makeEntry(0) as unknown as Record<string, unknown>;
  const request = entry['request'] as Record<string, unknown>;
  const response = entry['response'] as Record<string, unknown>;
  request['cookies'] = [{ name: 'p20t', value: 'x', path: '/', domain: '.example.test', sameSite: 'Lax' }];
  response['cookies'] = [
    { name: 'a', value: '1', httpOnly: true, secure: true, sameSite: 'None', expires: null },
    { name: 'b', value: '2', sameSite: 'Strict' },
  ];
  Object.assign(entry, { _initiator: { type: 'script' }, _priority: 'High', _resourceType: 'fetch' });
  Object.assign(response, { _transferSize: 512, _error: null, _fetchedViaServiceWorker: false });
  Object.assign(entry['timings'] as object, { _blocked_queueing: 1.2, _workerStart: -1 });
  Object.assign(request, { _isLinkPreload: false });
  return {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [],
      entries: [entry],
    },
  };
}

describe('validateHar profiles', () => {
  it('strict reports Chrome cookie sameSite; lenient accepts it and counts it; "_" fields pass both', async () => {
    const dir = await tempDir();
    const file = join(dir, 'chrome-export.har');
    await writeFile(file, JSON.stringify(chromeLike()));
    const strict = await validateHar(file);
    expect(strict.profile).toBe('strict');
    expect(strict.valid).toBe(false);
    expect(strict.deviations.map((d) => [d.pointer, d.keyword])).toEqual([
      ['/log/entries/0/request/cookies/0', 'additionalProperties'],
      ['/log/entries/0/response/cookies/0', 'additionalProperties'],
      ['/log/entries/0/response/cookies/1', 'additionalProperties'],
    ]);
    expect(strict.deviations[0]!.message).toContain('"sameSite"');
    expect(strict.accepted).toEqual([]);
    const lenient = await validateHar(file, { profile: 'lenient' });
    expect(lenient).toMatchObject({ profile: 'lenient', valid: true, deviationCount: 0 });
    expect(lenient.accepted).toEqual([
      { field: 'cookie.sameSite', producers: expect.stringContaining('Chrome'), count: 3 },
    ]);
  });

  it('lenient still reports what no known producer writes, and a sameSite that is not a string', async () => {
    const dir = await tempDir();
    const har = chromeLike();
    const entry = (har['log'] as { entries: Record<string, unknown>[] }).entries[0]!;
    const request = entry['request'] as { cookies: Record<string, unknown>[] };
    request.cookies[0]!['priority'] = 'High';
    request.cookies.push({ name: 'c', value: '3', sameSite: 1 });
    entry['priority'] = 'High';
    const file = join(dir, 'odd.har');
    await writeFile(file, JSON.stringify(har));
    const lenient = await validateHar(file, { profile: 'lenient' });
    expect(lenient.valid).toBe(false);
    expect(lenient.deviations.map((d) => d.pointer).sort()).toEqual([
      '/log/entries/0',
      '/log/entries/0/request/cookies/0',
      '/log/entries/0/request/cookies/1/sameSite',
    ]);
  });

  it('lenient accepts the Charles and Insomnia extensions of the fixtures; strict does not', async () => {
    for (const [name, field] of [
      ['charles.har', 'postData.encoding'],
      ['insomnia.har', 'request.settingEncodeUrl'],
    ] as const) {
      expect((await validateHar(fixture(name))).valid, name).toBe(false);
      const lenient = await validateHar(fixture(name), { profile: 'lenient' });
      expect(lenient.deviations, name).toEqual([]);
      expect(lenient.accepted.map((a) => a.field)).toEqual([field]);
    }
  });

  it('a UTF-16 file is a deviation under strict, accepted under lenient', async () => {
    const dir = await tempDir();
    const file = join(dir, 'fiddler.har');
    await writeFile(file, Buffer.from(`\ufeff${harText(2).text}`, 'utf16le'));
    const strict = await validateHar(file);
    expect(strict.deviations).toEqual([
      { pointer: '', message: expect.stringContaining('UTF-16'), keyword: 'file' },
    ]);
    const lenient = await validateHar(file, { profile: 'lenient' });
    expect(lenient.valid).toBe(true);
    expect(lenient.accepted).toEqual([
      { field: 'file encoding UTF-16', producers: 'Fiddler, PowerShell', count: 1 },
    ]);
  });

  it('an unknown profile is a usage error', async () => {
    await expect(
      validateHar(fixture('polly.har'), { profile: 'loose' as unknown as 'strict' }),
    ).rejects.toMatchObject({ code: 'usage.bad_profile' });
  });
});
