/**
 * PostgreSQL under concurrent writers: two workers (separate connection pools, as two processes would
 * have) write overlapping records at the same time, in opposite orders so their row locks cross. No
 * duplicates, no loss, every source remembered, and a crossed lock order (a deadlock) is retried.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import type { IncomingRecord, LedgerStore } from '../../ledger/index.js';
import { freshPgSchema } from '../helpers/pg.js';
import type { PgSchema } from '../helpers/pg.js';
import { trade } from './fixtures.js';

describe('PostgreSQL concurrent writers', () => {
  let pg: PgSchema;
  let stores: LedgerStore[] = [];
  beforeEach(() => {
    pg = freshPgSchema();
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await pg.drop();
  });

  it('two workers migrating the same fresh schema at once apply each migration once', async () => {
    stores = await Promise.all([openLedger(pg.url), openLedger(pg.url), openLedger(pg.url)]);
    const versions = await Promise.all(stores.map((s) => s.schemaVersion()));
    expect(new Set(versions).size).toBe(1);
  });

  it('overlapping writes end with every record exactly once and both sources on the shared ones', async () => {
    const a = await openLedger(pg.url);
    const b = await openLedger(pg.url);
    stores = [a, b];
    // Worker A writes 1..600, worker B 301..900; 301..600 overlap.
    const batch = (from: number, to: number, source: 'api' | 'web'): IncomingRecord[] =>
      Array.from({ length: to - from + 1 }, (_, i) => trade(from + i, { source }));
    const work = async (
      store: LedgerStore,
      from: number,
      to: number,
      source: 'api' | 'web',
      reverse: boolean,
    ): Promise<number> => {
      let inserted = 0;
      const chunks: IncomingRecord[][] = [];
      for (let start = from; start <= to; start += 50)
        chunks.push(batch(start, Math.min(to, start + 49), source));
      if (reverse) chunks.reverse();
      // Two chunks per transaction, in opposite orders between the workers, so their row locks cross.
      for (let i = 0; i < chunks.length; i += 2) {
        inserted += await store.transaction(async (tx) => {
          let n = 0;
          for (const chunk of chunks.slice(i, i + 2)) n += (await tx.putRecords(chunk)).counts.inserted;
          await tx.setCheckpoint(`worker:${source}`, { chunk: i });
          return n;
        });
      }
      return inserted;
    };
    const [insertedA, insertedB] = await Promise.all([
      work(a, 1, 600, 'api', false),
      work(b, 301, 900, 'web', true),
    ]);
    expect(insertedA + insertedB).toBe(900);
    expect(await a.countRecords()).toBe(900);
    expect(await a.countRecords({ source: 'api' })).toBe(600);
    expect(await a.countRecords({ source: 'web' })).toBe(600);
    expect(await a.listConflicts()).toEqual([]);
    const shared = await a.getRecord('main', 'trade', 'BNBBTC:450');
    expect(shared?.sources).toEqual(['api', 'web']);
  });

  it('the same batch written by two workers at once is stored once', async () => {
    const a = await openLedger(pg.url);
    const b = await openLedger(pg.url);
    stores = [a, b];
    const records = Array.from({ length: 300 }, (_, i) => trade(i + 1));
    const results = await Promise.all([a.putRecords(records), b.putRecords(records)]);
    expect(results[0].counts.inserted + results[1].counts.inserted).toBe(300);
    expect(results[0].counts.unchanged + results[1].counts.unchanged).toBe(300);
    expect(await a.countRecords()).toBe(300);
  });
  it('a deadlock between two workers is retried and both transactions land', async () => {
    const a = await openLedger(pg.url);
    const b = await openLedger(pg.url);
    stores = [a, b];
    const first = [trade(1, { source: 'api' })];
    const second = [trade(2, { source: 'web' })];
    let aHolds!: () => void;
    let bHolds!: () => void;
    const aHolding = new Promise<void>((r) => (aHolds = r));
    const bHolding = new Promise<void>((r) => (bHolds = r));
    let attempts = 0;
    // A locks record 1 then wants 2; B locks 2 then wants 1: PostgreSQL aborts one as a deadlock.
    const runA = a.transaction(async (tx) => {
      attempts++;
      await tx.putRecords(first);
      aHolds();
      await bHolding;
      await tx.putRecords([trade(2, { source: 'api' })]);
      await tx.setCheckpoint('a', 1);
    });
    const runB = b.transaction(async (tx) => {
      attempts++;
      await tx.putRecords(second);
      bHolds();
      await aHolding;
      await tx.putRecords([trade(1, { source: 'web' })]);
      await tx.setCheckpoint('b', 1);
    });
    await Promise.all([runA, runB]);
    expect(attempts).toBe(3);
    expect(await a.countRecords()).toBe(2);
    expect((await a.getRecord('main', 'trade', 'BNBBTC:1'))?.sources).toEqual(['api', 'web']);
    expect((await a.getRecord('main', 'trade', 'BNBBTC:2'))?.sources).toEqual(['api', 'web']);
    expect(await a.getCheckpoint('a')).toBe(1);
    expect(await a.getCheckpoint('b')).toBe(1);
  });
});
