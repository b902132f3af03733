/**
 * Cursors: round trips for ids of any characters, hostile input refused as `server.bad_cursor`, byte-wise
 * order as the ledger sorts, and the pager's suspended streams (resumed, expired, evicted) over a real ledger.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import { RecordPager, decodeRecordCursor, encodeRecordCursor } from '../../server/index.js';
import { useTempDirs } from '../helpers/tmp.js';
import { putAll, syntheticTrade } from './helpers.js';

const tempDir = useTempDirs('ledgertap-server-cursor-');

describe('record cursors', () => {
  it.each(['BNBBTC:1', 'a b/c?d=e&f#g', 'ü😀:\u2028', 'x'.repeat(512)])('round-trip id %#', (id) => {
    const cursor = encodeRecordCursor({ kind: 'trade', id });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRecordCursor(cursor)).toEqual({ kind: 'trade', id });
  });

  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['another version', b64([2, 'trade', 'x'])],
    ['unknown kind', b64([1, 'trades', 'x'])],
    ['empty id', b64([1, 'trade', ''])],
    ['id too long', b64([1, 'trade', 'x'.repeat(513)])],
    ['an object', b64({ kind: 'trade', id: 'x' })],
    ['huge', 'A'.repeat(100_000)],
  ])('refuses %s', (_name, cursor) => {
    expect(() => decodeRecordCursor(cursor)).toThrow(
      expect.objectContaining({ code: 'server.bad_cursor', status: 400 }),
    );
  });
});

describe('RecordPager', () => {
  it('resumes, expires idle streams and evicts the least recently used, never losing a record', async () => {
    const store = await openLedger(join(await tempDir(), 'ledger.db'));
    try {
      // Ids whose byte order differs from their numeric order, and from UTF-16 order (astral vs U+FF00).
      const records = [
        ...Array.from({ length: 250 }, (_, i) => syntheticTrade(i + 1)),
        { ...syntheticTrade(9001), id: 'BNBBTC:\uff01' },
        { ...syntheticTrade(9002), id: 'BNBBTC:\u{1f600}' },
      ];
      await putAll(store, records);
      let now = 0;
      const pager = new RecordPager(store, { maxSuspended: 1, idleMs: 1000, now: () => now });
      const expected = (await store.queryRecords({ account: 'main' })).map((s) => s.record.id);
      const read = async (limit: number, between: () => void): Promise<string[]> => {
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await pager.page({ account: 'main' }, limit, cursor);
          ids.push(...page.records.map((s) => s.record.id));
          cursor = page.next;
          between();
        } while (cursor);
        return ids;
      };
      expect(await read(40, () => undefined)).toEqual(expected);
      expect(pager.stats).toEqual({ resumed: 6, reopened: 0 });
      // Every stream expires between pages: each page reopens, same result.
      expect(await read(40, () => (now += 5000))).toEqual(expected);
      expect(pager.stats.reopened).toBe(6);
      // Two readers interleaved with room for one suspended stream: one is always evicted.
      const a = await pager.page({ account: 'main' }, 10, undefined);
      const b = await pager.page({ account: 'main', kinds: ['trade'] }, 10, undefined);
      const a2 = await pager.page({ account: 'main' }, 10, a.next);
      const b2 = await pager.page({ account: 'main', kinds: ['trade'] }, 10, b.next);
      expect(a2.records.map((s) => s.record.id)).toEqual(expected.slice(10, 20));
      expect(b2.records.map((s) => s.record.id)).toEqual(expected.slice(10, 20));
      expect(expected.slice(-2)).toEqual(['BNBBTC:\uff01', 'BNBBTC:\u{1f600}']);
      await pager.close();
    } finally {
      await store.close();
    }
  });
});
