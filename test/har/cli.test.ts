import { existsSync } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHarFile } from '../../har/index.js';
import { runCliInProcess, spawnCli } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { fixture, harText } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-cli-');

describe('ledgertap har inspect', () => {
  it('--json: producer, counts, bytes, time span, pages and warnings', async () => {
    const r = await runCliInProcess(['har', 'inspect', fixture('chrome.har'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({
      producer: { name: 'WebInspector', version: '537.36' },
      entries: 4,
      hosts: { 'api.example.test': 2, '::1': 1, 'ws.example.test': 1 },
      methods: { GET: 3, POST: 1 },
      statusClasses: { '2xx': 2, '1xx': 1, none: 1 },
      requestBodyBytes: 20,
      responseBodyBytes: 54 + 19,
      timeSpan: { start: '2026-01-05T10:00:00.120Z', end: '2026-01-05T10:00:02.012Z' },
      pages: [{ id: 'page_1', title: 'https://www.example.test/account' }],
      truncated: false,
    });
    expect((s['warnings'] as { kind: string }[]).map((w) => w.kind)).toContain('http2_pseudo_header');
  });

  it('human output for several files, gzip and zlib among them', async () => {
    const r = await runCliInProcess([
      'har',
      'inspect',
      fixture('firefox.har'),
      fixture('mitmproxy-har-dump.zhar'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('producer: Firefox 121.0 (browser Firefox 121.0)');
    expect(r.stdout).toContain('producer: mitmproxy har_dump 0.1');
    expect(r.stdout).toMatch(/mitmproxy-har-dump\.zhar \([\d.]+ B?\w*, zlib\)/);
    expect(r.stdout).toMatch(/warnings:\n/);
  });

  it('a missing file, a non-HAR and a truncated-before-log file: exit 2 with one line', async () => {
    const dir = await tempDir();
    const html = join(dir, 'page.har');
    await writeFile(html, '<!doctype html><p>login</p>');
    for (const [file, says] of [
      [join(dir, 'nope.har'), /no such file/],
      [html, /not a HAR file: it is an HTML page/],
    ] as const) {
      const r = await runCliInProcess(['har', 'inspect', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(says);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat \w/);
    }
  });
});

describe('as a real process', () => {
  it('har inspect --json prints one JSON document; a non-HAR exits 2 with one line', async () => {
    const ok = await spawnCli(['har', 'inspect', fixture('polly.har'), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ entries: 1, producer: { name: 'Polly.JS' } });
    const bad = await spawnCli(['har', 'inspect', fixture('README.md')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/README\.md: not a HAR file: it is text that is not JSON/);
  });
});

describe('ledgertap har validate', () => {
  it('exit 0 on a valid file', async () => {
    const r = await runCliInProcess(['har', 'validate', fixture('polly.har')]);
    expect(r.stdout).toContain('valid HAR 1.2 (1 entries)');
    expect(r.code).toBe(0);
  });

  it('exit 1 with every deviation and its JSON Pointer (--json too)', async () => {
    const r = await runCliInProcess(['har', 'validate', fixture('missing-fields.har')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\/log\/entries\/0\/request\/cookies\s+is required by HAR 1.2 but missing/);
    const j = await runCliInProcess(['har', 'validate', fixture('missing-fields.har'), '--json']);
    expect(j.code).toBe(1);
    const result = JSON.parse(j.stdout) as { valid: boolean; deviations: { pointer: string }[] };
    expect(result.valid).toBe(false);
    expect(result.deviations.map((d) => d.pointer)).toContain('/log/entries/1/response/status');
  });
});

describe('ledgertap har validate --lenient', () => {
  it('Chrome cookie sameSite: a deviation by default (exit 1), accepted with --lenient (exit 0)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'chrome-export.har');
    const { text } = harText(2);
    await writeFile(
      file,
      text.replaceAll('"cookies":[]', '"cookies":[{"name":"p20t","value":"x","sameSite":"Lax"}]'),
    );
    const strict = await runCliInProcess(['har', 'validate', file]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/deviation\(s\) from HAR 1\.2 in 2 entries/);
    expect(strict.stdout).toContain('"sameSite"');
    const lenient = await runCliInProcess(['har', 'validate', file, '--lenient']);
    expect(lenient.code, lenient.stdout).toBe(0);
    expect(lenient.stdout).toContain('valid HAR 1.2 (lenient) (2 entries)');
    expect(lenient.stdout).toMatch(/accepted producer extensions:\n\s+4\s+cookie\.sameSite\s+Chrome/);
    const json = await runCliInProcess(['har', 'validate', file, '--lenient', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      profile: 'lenient',
      valid: true,
      accepted: [{ field: 'cookie.sameSite', count: 4 }],
    });
    const help = await runCliInProcess(['har', 'validate', '--help']);
    expect(help.stdout).toContain('--lenient');
    expect(help.stdout).toContain('cookie.sameSite');
    expect(help.stdout).toMatch(/strict \(the default\)/);
  });
});

describe('ledgertap har merge and filter', () => {
  it('merge: all entries in time order, pages with clashing ids renamed', async () => {
    const dir = await tempDir();
    const out = join(dir, 'merged.har');
    const r = await runCliInProcess([
      'har',
      'merge',
      fixture('chrome.har'),
      fixture('safari.har'),
      fixture('playwright.har'),
      fixture('mitmproxy-har-dump.zhar'),
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 10, written: 10, pages: 3 });
    const { log } = await readHarFile(out);
    expect(log.entries).toHaveLength(10);
    const times = log.entries.map((e) => Date.parse(e.startedDateTime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(log.creator.name).toBe('ledgertap');
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('filter by host, path glob, method and status; pages kept only when used', async () => {
    const dir = await tempDir();
    const out = join(dir, 'api.har');
    const r = await runCliInProcess([
      'har',
      'filter',
      fixture('chrome.har'),
      '--out',
      out,
      '--host',
      '*.example.test',
      '--path',
      '/api/**',
      '--status',
      '2xx',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('read 4 entries, wrote 1 entries and 1 pages');
    const { log } = await readHarFile(out);
    expect(log.entries.map((e) => e.request.url)).toEqual([
      'https://api.example.test/api/v3/account?timestamp=1767607200000',
    ]);
    expect(log.creator.name).toBe('WebInspector');

    const ipv6 = join(dir, 'v6.har');
    await runCliInProcess(['har', 'filter', fixture('chrome.har'), '--out', ipv6, '--host', '[::1]']);
    expect((await readHarFile(ipv6)).log.entries).toHaveLength(1);

    const methods = join(dir, 'dav.har');
    await runCliInProcess([
      'har',
      'filter',
      fixture('fiddler.har'),
      '-o',
      methods,
      '--method',
      'propfind',
      '--path',
      '/^\\/files/',
    ]);
    expect((await readHarFile(methods)).log.entries.map((e) => e.request.method)).toEqual(['PROPFIND']);

    const none = join(dir, 'none.har');
    await runCliInProcess(['har', 'filter', fixture('chrome.har'), '-o', none, '--status', 'none']);
    expect((await readHarFile(none)).log.entries.map((e) => e.response.status)).toEqual([0]);
  });

  it('filter: a bad --status is a usage error (exit 2) and nothing is written', async () => {
    const dir = await tempDir();
    const out = join(dir, 'x.har');
    const r = await runCliInProcess(['har', 'filter', fixture('chrome.har'), '--out', out, '--status', '2x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--status 2x/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('merge and filter of an owner-only capture stay owner-only unless --mode says otherwise', async () => {
    const dir = await tempDir();
    const capture = join(dir, 'session.har');
    await writeFile(capture, await readFile(fixture('chrome.har')), { mode: 0o600 });
    await chmod(capture, 0o600);
    const open = join(dir, 'open.har');
    await writeFile(open, await readFile(fixture('safari.har')));
    await chmod(open, 0o644);
    const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
    const merged = join(dir, 'merged.har');
    expect((await runCliInProcess(['har', 'merge', open, capture, '--out', merged])).code).toBe(0);
    expect(await modeOf(merged)).toBe(0o600);
    const filtered = join(dir, 'filtered.har');
    expect(
      (await runCliInProcess(['har', 'filter', capture, '--out', filtered, '--method', 'GET'])).code,
    ).toBe(0);
    expect(await modeOf(filtered)).toBe(0o600);
    const shared = join(dir, 'shared.har');
    expect((await runCliInProcess(['har', 'merge', capture, '--out', shared, '--mode', '640'])).code).toBe(0);
    expect(await modeOf(shared)).toBe(0o640);
    const plain = join(dir, 'plain.har');
    expect((await runCliInProcess(['har', 'filter', open, '--out', plain])).code).toBe(0);
    expect(await modeOf(plain)).toBe(0o644);
  });

  it('merge: salvages a truncated input and says so', async () => {
    const dir = await tempDir();
    const cut = join(dir, 'cut.har');
    const text = await readFile(fixture('chrome.har'), 'utf8');
    await writeFile(cut, text.slice(0, text.indexOf('"_webSocketMessages"')));
    const out = join(dir, 'm.har');
    const r = await runCliInProcess(['har', 'merge', cut, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/truncated; its 3 complete entries were used/);
    expect((await readHarFile(out)).log.entries).toHaveLength(3);
  });
});
