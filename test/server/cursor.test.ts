/**
 * Cursors: round trips for ids of any characters, hostile input refused as `server.bad_cursor`, byte-wise
 * order as the ledger sorts, and keyset pages over a real ledger that changes between them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import { decodeRecordCursor, encodeRecordCursor, pageRecords } from '../../server/index.js';
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

describe('pageRecords', () => {
  it('pages in byte order with one keyset query per page, stable while records are added and removed', async () => {
    const store = await openLedger(join(await tempDir(), 'ledger.db'));
    try {
      // Ids whose byte order differs from their numeric order, and from UTF-16 order (astral vs U+FF00).
      const records = [
        ...Array.from({ length: 250 }, (_, i) => syntheticTrade(i * 2 + 1)),
        { ...syntheticTrade(9001), id: 'BNBBTC:\uff01' },
        { ...syntheticTrade(9002), id: 'BNBBTC:\u{1f600}' },
      ];
      await putAll(store, records);
      const expected = (await store.queryRecords({ account: 'main' })).map((s) => s.record.id);
      expect(expected.slice(-2)).toEqual(['BNBBTC:\uff01', 'BNBBTC:\u{1f600}']);
      const read = async (
        limit: number,
        between: (page: number, lastId: string) => Promise<void>,
      ): Promise<string[]> => {
        const ids: string[] = [];
        let cursor: string | undefined;
        let n = 0;
        do {
          const page = await pageRecords(store, { account: 'main' }, limit, cursor);
          expect(page.records.length).toBeLessThanOrEqual(limit);
          ids.push(...page.records.map((s) => s.record.id));
          cursor = page.next;
          await between(n++, ids[ids.length - 1] as string);
        } while (cursor);
        return ids;
      };
      expect(await read(40, async () => undefined)).toEqual(expected);
      // An exact multiple of the page size: the last full page says there is no next one.
      expect(await read(expected.length / 2, async () => undefined)).toEqual(expected);

      // Between pages: records sorting before the cursor (not served), after it (served once), the
      // cursor's own record removed (the next page still starts right after it).
      let removed = '';
      const ids = await read(50, async (page, lastId) => {
        if (page !== 1) return;
        await store.putRecords([
          { ...syntheticTrade(2), id: 'BNBBTC:100' }, // sorts at the start
          { ...syntheticTrade(4), id: 'BNBBTC:98' }, // sorts near the end
        ]);
        removed = lastId;
        await store.removeRecord({ account: 'main', kind: 'trade', id: lastId });
      });
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toContain(removed);
      expect(ids).toContain('BNBBTC:98');
      expect(ids).not.toContain('BNBBTC:100');
      // Every record there when paging began, once, plus the one added after the cursor.
      expect(ids.filter((id) => id !== 'BNBBTC:98')).toEqual(expected);
      // Filters stay applied across pages; kinds page one after the other.
      await store.putRecords([
        {
          kind: 'dividend',
          id: 'd1',
          account: 'main',
          time: Date.UTC(2025, 0, 1),
          source: 'api',
          asset: 'BNB',
          amount: '1',
          info: 'x',
          direction: 'in',
        },
      ]);
      const both: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await pageRecords(store, { account: 'main', kinds: ['trade', 'dividend'] }, 7, cursor);
        both.push(...page.records.map((s) => `${s.record.kind}:${s.record.id}`));
        cursor = page.next;
      } while (cursor);
      expect(both[0]).toBe('dividend:d1');
      expect(both.length).toBe(await store.countRecords({ account: 'main' }));
    } finally {
      await store.close();
    }
  });
});
