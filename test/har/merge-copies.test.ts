/**
 * `ledgertap har merge` of captures that overlap: ledgertap's own captures write their pages after the
 * entries, so a page id two captures share must be known to clash before the first entry is written; and
 * an entry two inputs both hold (one file given twice, a merge merged again with one of its inputs) is
 * written once, with the relations that named it kept once.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarWriter, readHarFile } from '../../har/index.js';
import type { HarEntry } from '../../har/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { makeEntry } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-merge-copies-');

/** An entry at `second` seconds after the fixtures' epoch, on a URL naming its capture, on `page_1`. */
function at(second: number, name: string): HarEntry {
  return { ...makeEntry(second, `https://api.example.test/${name}/${second}`), pageref: 'page_1' };
}

/** A capture as ledgertap writes one: entries first, then its page `page_1` titled `title`, then relations. */
async function capture(
  path: string,
  entries: HarEntry[],
  title: string,
  relations: unknown[] = [],
): Promise<void> {
  const writer = await createHarWriter(path, { creator: { name: 'ledgertap', version: '0' } });
  for (const entry of entries) await writer.write(entry);
  writer.addPage({ startedDateTime: '2026-01-05T10:00:00.000Z', id: 'page_1', title, pageTimings: {} });
  writer.setExtension('_ledgertap', { account: 'main', relations });
  await writer.close();
}

interface MergeJson {
  read: number;
  written: number;
  duplicates: number;
  pages: number;
}

async function merge(out: string, ...args: string[]): Promise<MergeJson> {
  const r = await runCliInProcess(['har', 'merge', ...args, '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as MergeJson;
}

const RELATION = { type: 'issued', from: 'cookie:sid', to: 'header:x-csrf', entryIndex: 1 };

describe('har merge of overlapping captures', () => {
  it('pages written after the entries: a clashing page id is renamed and its entries follow it', async () => {
    const dir = await tempDir();
    const a = join(dir, 'login.har');
    const b = join(dir, 'p2p.har');
    await capture(a, [at(0, 'a'), at(2, 'a')], 'login');
    await capture(b, [at(1, 'b'), at(3, 'b')], 'p2p');
    const out = join(dir, 'merged.har');
    expect(await merge(out, a, b)).toMatchObject({ read: 4, written: 4, duplicates: 0, pages: 2 });
    const { log } = await readHarFile(out);
    const titles = new Map(log.pages.map((p) => [p.id, p.title]));
    expect(log.entries.map((e) => [e.request.url.split('/')[3], titles.get(e.pageref ?? '')])).toEqual([
      ['a', 'login'],
      ['b', 'p2p'],
      ['a', 'login'],
      ['b', 'p2p'],
    ]);
    expect(new Set(log.entries.map((e) => e.pageref))).toEqual(new Set(['page_1', 'page_1~2']));
  });

  it('one file given twice is written once: same page, each entry and relation once; --keep-duplicates writes both', async () => {
    const dir = await tempDir();
    const a = join(dir, 'a.har');
    await capture(a, [at(0, 'a'), at(1, 'a'), at(2, 'a')], 'login', [RELATION]);
    const out = join(dir, 'twice.har');
    const text = await runCliInProcess(['har', 'merge', a, a, '--out', out]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('read 6 entries, wrote 3 entries and 1 pages');
    expect(text.stdout).toContain(`3 of 3 entries of ${a} dropped: exact copies`);
    const { log } = await readHarFile(out);
    expect(log.entries.map((e) => e.request.url)).toEqual(
      [0, 1, 2].map((s) => `https://api.example.test/a/${s}`),
    );
    expect(log.pages.map((p) => p.id)).toEqual(['page_1']);
    expect(log.entries.every((e) => e.pageref === 'page_1')).toBe(true);
    const meta = log._ledgertap as { relations: unknown[]; merged: { inputs: unknown[] } };
    expect(meta.relations).toEqual([RELATION]);
    expect(meta.merged.inputs).toEqual([
      { file: a, entries: 3 },
      { file: a, entries: 3, duplicatesDropped: 3 },
    ]);

    const both = join(dir, 'both.har');
    const kept = await runCliInProcess(['har', 'merge', a, a, '--out', both, '--keep-duplicates', '--json']);
    expect(JSON.parse(kept.stdout)).toMatchObject({ read: 6, written: 6, duplicates: 0, pages: 1 });
  });

  it('a merge merged again with one of its inputs adds only what is new; copies inside one input are kept', async () => {
    const dir = await tempDir();
    const a = join(dir, 'a.har');
    const b = join(dir, 'b.har');
    // The same request written twice by one producer: merge does not second-guess a single capture.
    const twice = at(1, 'b');
    await capture(a, [at(0, 'a'), at(2, 'a')], 'login', [RELATION]);
    await capture(b, [twice, twice, at(3, 'b')], 'p2p');
    const ab = join(dir, 'ab.har');
    expect(await merge(ab, a, b)).toMatchObject({ read: 5, written: 5, duplicates: 0 });
    const again = join(dir, 'again.har');
    expect(await merge(again, ab, a)).toMatchObject({ read: 7, written: 5, duplicates: 2, pages: 2 });
    const { log } = await readHarFile(again);
    expect(log.entries.map((e) => e.request.url.split('/').slice(3).join('/'))).toEqual([
      'a/0',
      'b/1',
      'b/1',
      'a/2',
      'b/3',
    ]);
    // The relation named a's entry 1 (a/2): in ab.har it is entry 3, and a's dropped copy points there too.
    expect((log._ledgertap as { relations: unknown[] }).relations).toEqual([{ ...RELATION, entryIndex: 3 }]);
  });
});
