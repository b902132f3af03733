/**
 * The reader's `elideLarge`: an entry over maxEntryBytes is read with its largest parts left out (a huge
 * body, the frames of a long WebSocket session past the budget) instead of being dropped, at every chunk
 * boundary, and the analysis of such a capture still finds the endpoint and says what was left out.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnalysisSession } from '../../analyzers/index.js';
import { readHar, type HarEntry } from '../../har/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { collect } from './fixtures.js';

const tempDir = useTempDirs();

const entry = (url: string, text: string, extra: Record<string, unknown> = {}) => ({
  startedDateTime: '2026-01-05T10:00:00Z',
  time: 1,
  request: { method: 'GET', url },
  response: { status: 200, content: { size: text.length, mimeType: 'application/json', text } },
  ...extra,
});

const harOf = (entries: unknown[]) => ({
  log: { version: '1.2', creator: { name: 't', version: '1' }, entries },
});

/** A WebSocket entry with `n` frames; frame data holds quotes and backslashes so escapes cross chunk edges. */
function socketEntry(n: number): Record<string, unknown> {
  const frames = Array.from({ length: n }, (_, i) => ({
    type: i % 2 === 0 ? 'receive' : 'send',
    time: 1_767_607_200 + i / 10,
    opcode: 1,
    data: JSON.stringify({ e: i % 2 === 0 ? 'trade' : 'ping', i, note: 'say \\"hi\\" \\\\ ok' }),
  }));
  return {
    ...entry('wss://stream.example.test/ws/feed', ''),
    response: { status: 101, content: { size: 0, mimeType: 'x-unknown' } },
    _resourceType: 'websocket',
    _webSocketMessages: frames,
  };
}

describe('reader: elideLarge', () => {
  it('keeps an entry whose body is over the string cap, without the body, at every chunk size', async () => {
    const file = join(await tempDir(), 'big-body.har');
    const big = JSON.stringify({ data: 'z'.repeat(150_000), quote: 'a "q" \\ b' });
    await writeFile(
      file,
      JSON.stringify(
        harOf([
          entry('https://a.example.test/big', big, { comment: 'after the body' }),
          entry('https://a.example.test/small', '{"ok":true}'),
        ]),
      ),
    );
    for (const chunkSize of [1000, 4093, 65_536, 1024 * 1024]) {
      const reader = await readHar(file, { chunkSize, maxEntryBytes: 100_000, elideLarge: true });
      const entries = await collect(reader.entries());
      expect(entries.map((e) => e.request.url)).toEqual([
        'https://a.example.test/big',
        'https://a.example.test/small',
      ]);
      const [first, second] = entries as [HarEntry, HarEntry];
      {
        expect(first.response.content.text).toBeUndefined();
        // The byte count is of the body's JSON text as written in the file (escapes included).
        expect(first._elided).toEqual([
          { pointer: '/response/content/text', bytes: JSON.stringify(big).length - 2 },
        ]);
        expect(first.comment).toBe('after the body');
        const w = reader.warnings.list().find((x) => x.kind === 'entry_elided')!;
        expect(w.count).toBe(1);
        expect(w.examples[0]).toMatchObject({ entry: 0, pointer: '/log/entries/0' });
      }
      expect(second.response.content.text).toBe('{"ok":true}');
      expect(second._elided).toBeUndefined();
    }
  });

  it('without elideLarge an oversized entry is still skipped (tools that write entries back)', async () => {
    const file = join(await tempDir(), 'big-body.har');
    await writeFile(file, JSON.stringify(harOf([entry('https://a.example.test/big', 'y'.repeat(300_000))])));
    const reader = await readHar(file, { chunkSize: 4096, maxEntryBytes: 100_000 });
    expect(await collect(reader.entries())).toEqual([]);
    expect(reader.warnings.list().map((w) => w.kind)).toContain('entry_too_large');
  });

  it('thins the frames of a long WebSocket session across the whole session, within the budget', async () => {
    const file = join(await tempDir(), 'socket.har');
    const n = 6000;
    const original = socketEntry(n);
    await writeFile(file, JSON.stringify(harOf([original, entry('https://a.example.test/after', '[]')])));
    const size = JSON.stringify(original).length;
    const maxEntryBytes = 400_000;
    expect(size).toBeGreaterThan(maxEntryBytes);
    for (const chunkSize of [997, 8192, 1024 * 1024]) {
      const reader = await readHar(file, { chunkSize, maxEntryBytes, elideLarge: true });
      const entries = await collect(reader.entries());
      expect(entries).toHaveLength(2);
      const socket = entries[0]!;
      const frames = socket._webSocketMessages!;
      const cut = socket._elided!;
      expect(cut).toHaveLength(1);
      expect(cut[0]!.pointer).toBe('/_webSocketMessages');
      // Nothing lost unaccounted: kept + left out = every frame, and the kept ones are whole and in order.
      expect(frames.length + cut[0]!.items!).toBe(n);
      const kept = frames.map((f) => (JSON.parse(f.data!) as { i: number }).i);
      expect(kept).toEqual([...kept].sort((a, b) => a - b));
      expect(
        frames.every((f, k) => f.data === (original._webSocketMessages as typeof frames)[kept[k]!]!.data),
      ).toBe(true);
      // All of the start, then a sample reaching to the end of the session.
      expect(kept.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(kept[kept.length - 1]!).toBeGreaterThan(n * 0.9);
      // The bytes left out are the file's bytes between kept frames, commas included.
      const keptBytes = JSON.stringify(frames).length;
      const allBytes = JSON.stringify(original._webSocketMessages).length;
      expect(keptBytes + cut[0]!.bytes).toBe(allBytes);
      expect(keptBytes).toBeLessThanOrEqual(maxEntryBytes / 2 + 200);
      expect(entries[1]!.request.url).toBe('https://a.example.test/after');
    }
  });

  it('the analysis still sees an oversized entry: its endpoint, a too-large body, thinned frames', async () => {
    const dir = await tempDir();
    const file = join(dir, 'mixed.har');
    await writeFile(
      file,
      JSON.stringify(
        harOf([
          entry('https://api.example.test/v1/export', JSON.stringify({ rows: 'x'.repeat(200_000) })),
          entry('https://api.example.test/v1/export', JSON.stringify({ rows: 'small' })),
          socketEntry(6000),
          {
            ...socketEntry(2),
            _webSocketMessages: [
              {
                type: 'receive',
                time: 1_767_607_200,
                opcode: 1,
                data: JSON.stringify({ e: 'snapshot', d: 'y'.repeat(60_000) }),
              },
            ],
          },
        ]),
      ),
    );
    const reader = await readHar(file, { chunkSize: 4096, maxEntryBytes: 150_000, elideLarge: true });
    const session = createAnalysisSession();
    session.beginCapture(reader.log);
    for await (const r of reader.records()) session.observe(r.entry, r.index);
    const result = session.finish();
    const codes = result.warnings.map((w) => w.code);
    expect(codes).toContain('body.too-large');
    expect(codes).toContain('websocket.frames_thinned');
    // One frame over the string cap: its data was left out, so it is counted as too large, not malformed.
    expect(codes).toContain('websocket.frame_too_large');
    expect(codes).not.toContain('websocket.malformed');
    const tooLarge = result.warnings.find((w) => w.code === 'body.too-large')!;
    expect(tooLarge.evidence?.[0]).toMatchObject({ entry: 0, pointer: '/response/content/text' });
  });

  it('`ledgertap analyze` keeps the endpoint of an entry over the cap and warns', async () => {
    const dir = await tempDir();
    const file = join(dir, 'huge.har');
    // 70 MB: over the default 64 MB entry cap, so this is the CLI's own default path.
    const body = JSON.stringify({ blob: 'q'.repeat(70 * 1024 * 1024) });
    await writeFile(file, JSON.stringify(harOf([entry('https://api.example.test/v1/dump', body)])));
    const out = join(dir, 'model.json');
    const r = await runCliInProcess(['--json', 'analyze', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, endpoints: 1 });
    const model = JSON.parse(await readFile(out, 'utf8')) as {
      operations: { pathTemplate: string }[];
      warnings: { code: string }[];
    };
    expect(model.operations.map((o) => o.pathTemplate)).toEqual(['/v1/dump']);
    expect(model.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining(['har.entry_elided', 'body.too-large']),
    );
  });
});
