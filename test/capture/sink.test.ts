import { readdir, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarSink } from '../../capture/index.js';
import { validateHar, type HarEntry, type HarFile } from '../../har/index.js';
import { bareEntry } from '../har/fixtures.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-sink-');

/** A JSON answer from `url`, without cache and timings as a producer that cannot know them leaves it. */
function entry(body: string, url = 'https://app.example.test/api'): HarEntry {
  const e = bareEntry(url, '2026-01-01T00:00:00.000Z', 1);
  delete e.cache;
  delete e.timings;
  e.response.headers = [{ name: 'Content-Type', value: 'application/json' }];
  e.response.content = { size: body.length, mimeType: 'application/json', text: body };
  e.response.bodySize = body.length;
  return e;
}

describe('HarSink', () => {
  it('redacts the start URL kept in log._ledgertap.capture with the placeholders the entries get', async () => {
    const dir = await tempDir();
    const out = join(dir, 'cap.har');
    const token = 'magic-4f9c2a7e1b3d5f60a8c9';
    const session = '0A1B2C3D4E5F60718293A4B5C6D7E8F9';
    const start = `https://app.example.test/login;jsessionid=${session}?token=${token}&lang=en`;
    const sink = await createHarSink({ out, keyFile: false, captureInfo: { kind: 'browser', url: start } });
    await sink.add(entry('{"ok":true}', start), 'browser');
    await sink.close();
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(session);
    const har = JSON.parse(text) as HarFile;
    const kept = (har.log._ledgertap?.capture as { url?: string } | undefined)?.url;
    // The same values, the same placeholders: the start URL still reads as the entry's URL.
    expect(kept).toBe(har.log.entries[0]!.request.url);
    expect(kept).toMatch(/^https:\/\/app\.example\.test\/login;jsessionid=\[redacted:.*&lang=en$/);
  });

  it('keeps the start URL as given when redaction is off', async () => {
    const dir = await tempDir();
    const out = join(dir, 'clear.har');
    const start = 'https://app.example.test/?token=magic-4f9c2a7e1b3d5f60a8c9';
    const sink = await createHarSink({ out, redact: false, captureInfo: { url: start } });
    await sink.close();
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    expect((har.log._ledgertap?.capture as { url?: string } | undefined)?.url).toBe(start);
  });

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

  it('sweeps a secret recognised only later out of entries written before it', async () => {
    const dir = await tempDir();
    for (const name of ['late.har', 'late.har.gz']) {
      const out = join(dir, name);
      const sink = await createHarSink({ out, keyFile: false });
      // Issued in an unremarkable field, then sent back as a cookie two entries later. The JSON body
      // escapes its `/`, so the clear value sits in the file in two spellings.
      const token = 'zq81kdm2/pp0x77aa';
      await sink.add(entry(`{"data":{"t":"${token.replace('/', '\\/')}","n":1}}`), 'browser');
      await sink.add(entry(`{"echo":"${token}"}`, 'https://app.example.test/echo'), 'browser');
      const third = entry('{"ok":true}', 'https://app.example.test/me');
      third.request.headers.push({ name: 'Cookie', value: `sid=${token}` });
      await sink.add(third, 'browser');
      const summary = await sink.close();
      expect(summary).toMatchObject({ entries: 3, redacted: true });
      const raw = await readFile(out);
      const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      expect(text).not.toContain('zq81kdm2');
      const har = JSON.parse(text) as HarFile;
      const cookie = har.log.entries[2]!.request.headers.find((h) => h.name === 'Cookie')!.value;
      const placeholder = cookie.slice('sid='.length);
      expect(placeholder).toMatch(/^\[redacted:/);
      expect(JSON.parse(har.log.entries[0]!.response.content.text!)).toEqual({
        data: { t: placeholder, n: 1 },
      });
      expect(JSON.parse(har.log.entries[1]!.response.content.text!)).toEqual({ echo: placeholder });
      expect(har.log.entries[0]!._redacted).toContainEqual({ location: 'entry', kind: 'known-late' });
      expect(har.log.entries[2]!._redacted ?? []).not.toContainEqual({
        location: 'entry',
        kind: 'known-late',
      });
      expect(har.log._ledgertap).toMatchObject({ redaction: { lateSwept: 2 } });
    }
    expect((await readdir(dir)).sort()).toEqual(['late.har', 'late.har.gz']);
  });

  it('sweeps a servlet session id learned from a ;jsessionid= URL out of earlier entries, as the cookie', async () => {
    const dir = await tempDir();
    const out = join(dir, 'servlet.har');
    const sink = await createHarSink({ out, keyFile: false });
    const jsid = '9F8E7D6C5B4A39281706F5E4D3C2B1A0';
    // The page names the id in a plain attribute first; a later request carries it in its path, and
    // only after that does a Set-Cookie issue it.
    const page = entry(`<input type="hidden" value="${jsid}">`, 'https://shop.example.test/shop');
    page.response.content.mimeType = 'text/html';
    await sink.add(page, 'browser');
    await sink.add(
      entry('{"items":[]}', `https://shop.example.test/cart;jsessionid=${jsid}/items`),
      'browser',
    );
    const login = entry('{"ok":true}', 'https://shop.example.test/login');
    login.response.headers.push({ name: 'Set-Cookie', value: `JSESSIONID=${jsid}; Path=/` });
    await sink.add(login, 'browser');
    await sink.close();
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain(jsid);
    const har = JSON.parse(text) as HarFile;
    const placeholder = /jsessionid=(\[redacted:cookie:[0-9a-f]{16}\])/.exec(
      har.log.entries[1]!.request.url,
    )?.[1];
    expect(placeholder).toBeDefined();
    expect(har.log.entries[0]!.response.content.text).toBe(`<input type="hidden" value="${placeholder}">`);
    expect(har.log.entries[2]!.response.headers.find((h) => h.name === 'Set-Cookie')?.value).toBe(
      `JSESSIONID=${placeholder}; Path=/`,
    );
    expect(har.log._ledgertap).toMatchObject({ redaction: { lateSwept: 1 } });
  });

  it('renames without a second pass when every secret was known before the entries that hold it', async () => {
    const dir = await tempDir();
    const out = join(dir, 'plain.har');
    const sink = await createHarSink({ out, keyFile: false });
    const first = entry('{"ok":true}');
    first.request.headers.push({ name: 'Authorization', value: 'Bearer abcdefgh12345678' });
    await sink.add(first, 'browser');
    await sink.add(entry('{"n":2}'), 'browser');
    await sink.close();
    const har = JSON.parse(await readFile(out, 'utf8')) as HarFile;
    expect(har.log.entries).toHaveLength(2);
    expect(JSON.stringify(har)).not.toContain('abcdefgh12345678');
    expect((har.log._ledgertap as { redaction: object }).redaction).not.toHaveProperty('lateSwept');
    expect(await readdir(dir)).toEqual(['plain.har']);
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
