/**
 * `ledgertap har merge` keeps the inputs' `_` log extensions: capture's `_ledgertap` (consent, guide,
 * redaction, relations written after the entries) and other producers' extensions; kept where the inputs
 * agree, per input where they collide, relations concatenated with their entry indexes moved to the
 * merged order (what only some inputs have is kept per input). `har filter` keeps extensions written after the entries too.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarWriter, readHarFile } from '../../har/index.js';
import type { HarEntry } from '../../har/index.js';
import { EntryIndexMap, mergeLogExtensions } from '../../har/merge-meta.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { makeEntry } from './fixtures.js';

const tempDir = useTempDirs('ledgertap-har-merge-ext-');

/** An entry at `second` seconds after the fixtures' epoch, on a URL naming its capture. */
function at(second: number, name: string): HarEntry {
  const e = makeEntry(second, `https://api.example.test/${name}/${second}`);
  delete e.pageref;
  return e;
}

/** A capture as ledgertap writes it: `_ledgertap` in the header, relations set after the entries. */
async function capture(
  path: string,
  seconds: number[],
  name: string,
  header: Record<`_${string}`, unknown>,
  late: Record<`_${string}`, unknown>,
): Promise<void> {
  const writer = await createHarWriter(path, {
    creator: { name: 'ledgertap', version: '0' },
    extensions: header,
  });
  for (const s of seconds) await writer.write(at(s, name));
  for (const [k, v] of Object.entries(late)) writer.setExtension(k as `_${string}`, v);
  await writer.close();
}

describe('har merge keeps the log extensions', () => {
  it('agreeing keys kept, colliding ones per input, relations concatenated and re-indexed (CLI)', async () => {
    const dir = await tempDir();
    const a = join(dir, 'login.har');
    const b = join(dir, 'p2p.har.gz');
    await capture(
      a,
      [0, 2, 4],
      'a',
      { _chromeVersion: '131', _tool: 'browser' },
      {
        _ledgertap: {
          consentId: '1',
          account: 'main',
          guide: 'binance-login',
          redaction: { enabled: true, rules: ['default'] },
          relations: [
            { type: 'issued', from: 'cookie:p20t', to: 'header:csrftoken', entryIndex: 1 },
            { type: 'derived', from: 'a', to: 'b', transform: 'md5' },
          ],
        },
      },
    );
    await capture(
      b,
      [1, 3],
      'b',
      { _chromeVersion: '131', _tool: 'proxy', _onlyB: { x: 1 } },
      {
        _ledgertap: {
          consentId: '2',
          account: 'main',
          guide: 'binance-p2p',
          redaction: { enabled: true, rules: ['default'] },
          relations: [{ type: 'issued', from: 'body:token', to: 'header:x-token', entryIndex: 0 }],
        },
      },
    );
    const out = join(dir, 'merged.har');
    const r = await runCliInProcess(['har', 'merge', a, b, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { log } = await readHarFile(out);
    expect(log.entries.map((e) => new URL(e.request.url).pathname)).toEqual([
      '/a/0',
      '/b/1',
      '/a/2',
      '/b/3',
      '/a/4',
    ]);
    // Foreign extensions: agreeing and single ones as they were; colliding ones only per input.
    expect(log['_chromeVersion']).toBe('131');
    expect(log['_onlyB']).toBeUndefined();
    expect(log['_tool']).toBeUndefined();
    const meta = log._ledgertap as Record<string, unknown>;
    expect(meta).toMatchObject({ account: 'main', redaction: { enabled: true, rules: ['default'] } });
    expect(meta['consentId']).toBeUndefined();
    expect(meta['guide']).toBeUndefined();
    expect(meta['relations']).toEqual([
      // login.har's entry 1 (/a/2) is the merged log's entry 2; p2p's entry 0 (/b/1) is entry 1.
      { type: 'issued', from: 'cookie:p20t', to: 'header:csrftoken', entryIndex: 2 },
      { type: 'derived', from: 'a', to: 'b', transform: 'md5' },
      { type: 'issued', from: 'body:token', to: 'header:x-token', entryIndex: 1 },
    ]);
    expect(meta['merged']).toEqual({
      inputs: [
        {
          file: a,
          entries: 3,
          ledgertap: { consentId: '1', guide: 'binance-login' },
          extensions: { _tool: 'browser' },
        },
        {
          file: b,
          entries: 2,
          ledgertap: { consentId: '2', guide: 'binance-p2p' },
          extensions: { _tool: 'proxy', _onlyB: { x: 1 } },
        },
      ],
    });
    const issued = (meta['relations'] as { entryIndex?: number; to: string }[]).filter(
      (x) => x.entryIndex !== undefined,
    );
    expect(issued.map((x) => new URL(log.entries[x.entryIndex!]!.request.url).pathname)).toEqual([
      '/a/2',
      '/b/1',
    ]);

    // A merge of a merge keeps the first merge's provenance under its input.
    const c = join(dir, 'more.har');
    await capture(c, [5], 'c', {}, { _ledgertap: { consentId: '3', account: 'main' } });
    const out2 = join(dir, 'merged2.har');
    expect((await runCliInProcess(['har', 'merge', out, c, '--out', out2])).code).toBe(0);
    const meta2 = (await readHarFile(out2)).log._ledgertap as Record<string, unknown>;
    expect(meta2['account']).toBe('main');
    expect((meta2['relations'] as unknown[]).length).toBe(3);
    const inputs2 = (meta2['merged'] as { inputs: Record<string, unknown>[] }).inputs;
    expect(inputs2[0]).toMatchObject({ file: out, entries: 5, merged: meta['merged'] });
    expect(inputs2[1]).toMatchObject({ file: c, entries: 1, ledgertap: { consentId: '3' } });
  });

  it('inputs without extensions give a log without them', () => {
    const empty = { version: '1.2', creator: { name: 'x', version: '1' } };
    expect(
      mergeLogExtensions(
        [
          { file: 'a', entries: 1, log: empty },
          { file: 'b', entries: 1, log: empty },
        ],
        [new EntryIndexMap(), new EntryIndexMap()],
      ),
    ).toEqual({});
  });

  it('the entry index map grows and says when an entry was not written', () => {
    const map = new EntryIndexMap();
    map.set(0, 7);
    map.set(5000, 9);
    expect([map.get(0), map.get(5000), map.get(1), map.get(-1), map.get(1e9)]).toEqual([
      7,
      9,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('har filter keeps extensions written after the entries, relations re-indexed', async () => {
    const dir = await tempDir();
    const a = join(dir, 'cap.har');
    await capture(
      a,
      [0, 1],
      'a',
      { _early: 1 },
      {
        _ledgertap: {
          consentId: '9',
          account: 'main',
          relations: [
            { type: 'issued', from: 'x', to: 'y', entryIndex: 1 },
            { type: 'issued', from: 'u', to: 'v', entryIndex: 0 },
          ],
        },
      },
    );
    const out = join(dir, 'f.har');
    const r = await runCliInProcess(['har', 'filter', a, '--out', out, '--path', '/a/1']);
    expect(r.code, r.stderr).toBe(0);
    const { log } = await readHarFile(out);
    expect(log.entries).toHaveLength(1);
    expect(log['_early']).toBe(1);
    // Entry 1 is now entry 0; entry 0 was filtered out, so its relation keeps no index.
    expect(log._ledgertap).toEqual({
      consentId: '9',
      account: 'main',
      relations: [
        { type: 'issued', from: 'x', to: 'y', entryIndex: 0 },
        { type: 'issued', from: 'u', to: 'v' },
      ],
    });
  });
});
