import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarSink } from '../../capture/index.js';
import { validateHar, type HarEntry, type HarFile } from '../../har/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-sink-');

function entry(body: string, url = 'https://app.example.test/api'): HarEntry {
  return {
    startedDateTime: '2026-01-01T00:00:00.000Z',
    time: 1,
    request: {
      method: 'GET',
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [],
      queryString: [],
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [{ name: 'Content-Type', value: 'application/json' }],
      content: { size: body.length, mimeType: 'application/json', text: body },
      redirectURL: '',
      headersSize: -1,
      bodySize: body.length,
    },
  };
}

describe('HarSink', () => {
  it('caps bodies (_truncated), tags steps and sources, and still redacts a cut JSON body', async () => {
    const dir = await tempDir();
    const out = join(dir, 'cap.har');
    const sink = await createHarSink({
      out,
      maxBodySize: 4096,
      keyFile: false,
      guide: 'g',
      consentId: '3',
      account: 'a',
    });
    sink.startStep('s1', 'Step one');
    const secret = 'secret-token-value-123456';
    const big = `{"password":"${secret}","rows":[${Array.from({ length: 2000 }, (_, i) => `{"i":${i},"v":"é${i}"}`).join(',')}]}`;
    await sink.add(entry(big), 'proxy');
    sink.startStep('s2', 'Step two');
    await sink.add(entry('{"ok":true}'), 'browser');
    const summary = await sink.close();
    expect(summary).toMatchObject({ entries: 2, pages: 2 });
    expect(JSON.stringify((await validateHar(out)).deviations)).toBe('[]');
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain(secret);
    const har = JSON.parse(text) as HarFile;
    const [a, b] = har.log.entries;
    expect(a!._truncated).toBe(true);
    expect(Buffer.byteLength(a!.response.content.text!)).toBeLessThanOrEqual(4096 + 64);
    expect(a).toMatchObject({ _step: 's1', pageref: 's1', _source: 'proxy' });
    expect(b).toMatchObject({ _step: 's2', pageref: 's2', _source: 'browser' });
    expect(b!._truncated).toBeUndefined();
    expect(har.log._ledgertap).toMatchObject({
      consentId: '3',
      account: 'a',
      guide: 'g',
      redaction: { enabled: true, keyDiscarded: true },
    });
  });

  it('serializes concurrent adds and is safe to close twice', async () => {
    const dir = await tempDir();
    const out = join(dir, 'many.har');
    const sink = await createHarSink({ out, keyFile: false });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        sink.add(entry(`{"i":${i}}`, `https://app.example.test/api/${i}`), 'proxy'),
      ),
    );
    const [s1, s2] = await Promise.all([sink.close(), sink.close()]);
    expect(s1).toBe(s2);
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    expect(har.log.entries.map((e) => e.request.url)).toEqual(
      Array.from({ length: 200 }, (_, i) => `https://app.example.test/api/${i}`),
    );
  });

  it('refuses a path it cannot write with a clear code', async () => {
    await expect(createHarSink({ out: '/proc/version/x.har', keyFile: false })).rejects.toMatchObject({
      exitCode: expect.any(Number),
    });
    const dir = await tempDir();
    await expect(createHarSink({ out: join(dir, 'missing-dir', 'x.har') })).rejects.toMatchObject({
      code: expect.stringMatching(/^capture\./),
    });
  });
});
