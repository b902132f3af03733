/**
 * seekSince (connectors/binance/reads/seek.ts): the first row at or after a time in an id walk, over a
 * fake page source with the exchange's semantics (rows with id >= fromId ascending, or the most recent).
 */
import { describe, expect, it } from 'vitest';
import { seekSince } from '../../../connectors/binance/reads/seek.js';
import type { JsonObject } from '../../../connectors/binance/values.js';

function source(rows: Array<{ id: number; time: number }>, limit: number) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetch: async (fromId: bigint | undefined): Promise<JsonObject[]> => {
      calls++;
      if (fromId === undefined) return rows.slice(-limit);
      return rows.filter((r) => BigInt(r.id) >= fromId).slice(0, limit);
    },
  };
}

const opts = (since: number, limit: number, fetch: (f: bigint | undefined) => Promise<JsonObject[]>) => ({
  since,
  limit,
  fetch,
  id: (r: JsonObject) => BigInt(r['id'] as number),
  time: (r: JsonObject) => r['time'] as number,
});

describe('seekSince', () => {
  // 5000 rows, sparse ids (step 7..), times uneven.
  const rows = Array.from({ length: 5000 }, (_, i) => ({
    id: 1000 + i * 7 + (i % 3),
    time: 1e12 + i * i * 10,
  }));
  it.each([
    ['before everything', 0],
    ['at the first row', rows[0]!.time],
    ['in the middle', rows[2345]!.time - 1],
    ['exactly a row', rows[3999]!.time],
    ['in the last page', rows[4500]!.time],
    ['after everything', rows[4999]!.time + 1],
  ])('%s: finds the first row at/after since in a few requests', async (_name, since) => {
    const s = source(rows, 100);
    const r = await seekSince(opts(since, 100, s.fetch));
    const first = rows.find((x) => x.time >= since);
    expect(r.rows[0]?.['id']).toBe(first?.id);
    expect(r.rows.every((x) => (x['time'] as number) >= since)).toBe(true);
    expect(r.firstId).toBe(BigInt(first ? first.id : rows.at(-1)!.id + 1));
    // log2(5000 / 100) + 2 or so, never a walk of 50 pages.
    expect(s.calls).toBeLessThanOrEqual(16);
    if (r.rows.length > 0) {
      const last = r.rows.at(-1)!['id'] as number;
      expect(r.next).toBe(BigInt(last) + 1n);
    }
  });

  it('an empty history: one request, next 0', async () => {
    const s = source([], 100);
    const r = await seekSince(opts(5, 100, s.fetch));
    expect(r).toMatchObject({ rows: [], next: 0n, done: true });
    expect(s.calls).toBe(1);
  });

  it('a history shorter than a page: one request', async () => {
    const short = rows.slice(0, 50);
    const s = source(short, 100);
    const r = await seekSince(opts(short[20]!.time, 100, s.fetch));
    expect(r.rows.length).toBe(30);
    expect(r.done).toBe(true);
    expect(s.calls).toBe(1);
  });
});
