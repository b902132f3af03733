/**
 * The keyset cursor of record queries (`RecordQuery.after`), on both backends: pages in the ledger's
 * byte order over several kinds and accounts, stable while records are added and removed between pages,
 * with every other filter kept; the queries are index range reads.
 */
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { isLedgertapError } from '../../core/index.js';
import { openLedger } from '../../ledger/index.js';
import type { LedgerStore, RecordQuery } from '../../ledger/index.js';
import type { AccountKind } from '../../schemas/index.js';
import { backends, useLedger } from './backends.js';
import { T0, conversion, deposit, dividend, trade } from './fixtures.js';

/** Walks a query page by page with `after`, calling `between` after each page; returns "kind|id" keys. */
async function walk(
  store: LedgerStore,
  query: RecordQuery,
  limit: number,
  between: (page: number, last: { kind: AccountKind; id: string }) => Promise<void> = async () => undefined,
): Promise<string[]> {
  const keys: string[] = [];
  let after: { kind: AccountKind; id: string } | undefined;
  for (let page = 0; ; page++) {
    const rows = await store.queryRecords({ ...query, ...(after ? { after } : {}), limit });
    expect(rows.length).toBeLessThanOrEqual(limit);
    keys.push(...rows.map((s) => `${s.record.kind}|${s.record.id}`));
    if (rows.length < limit) return keys;
    const last = rows[rows.length - 1]!.record;
    after = { kind: last.kind, id: last.id };
    await between(page, after);
    if (page > 10_000) throw new Error('paging does not end');
  }
}

describe.each(backends)('keyset paging of records on $name', (backend) => {
  const ledger = useLedger(backend);

  beforeEach(async () => {
    await ledger.store.putRecords([
      ...Array.from({ length: 60 }, (_, i) => trade(i + 1)),
      // Byte order differs from UTF-16 order here (astral vs U+FF01): both backends sort bytes.
      trade(900, { id: 'BNBBTC:\uff01' }),
      trade(901, { id: 'BNBBTC:\u{1f600}' }),
      ...Array.from({ length: 25 }, (_, i) => deposit(`d${i}`, 'BTC', '1', { time: T0 + i })),
      ...Array.from({ length: 15 }, (_, i) => dividend(`v${i}`, 'BNB', '1', { time: T0 + i })),
      conversion('77'),
      ...Array.from({ length: 10 }, (_, i) => trade(i + 1, { account: 'other' })),
    ]);
  });

  it.each([1, 7, 25, 1000])('pages of %i give exactly the full ordered query', async (limit) => {
    for (const query of [
      { account: 'main' },
      { account: 'main', kind: ['trade', 'conversion', 'dividend'] as AccountKind[] },
      { account: 'main', kind: 'transfer' as const },
      {
        account: 'main',
        kind: ['trade', 'transfer'] as AccountKind[],
        since: T0 + 5,
        until: T0 + 30 * 3_600_000,
      },
    ] satisfies RecordQuery[]) {
      const full = (await ledger.store.queryRecords(query)).map((s) => `${s.record.kind}|${s.record.id}`);
      expect(full.length).toBeGreaterThan(0);
      expect(await walk(ledger.store, query, limit), JSON.stringify(query)).toEqual(full);
    }
  });

  it('starts strictly after the key, in byte order, also for a key that is not stored', async () => {
    const after = await ledger.store.queryRecords({
      account: 'main',
      kind: 'trade',
      after: { kind: 'trade', id: 'BNBBTC:8' },
    });
    expect(after.map((s) => s.record.id)).toEqual(['BNBBTC:9', 'BNBBTC:\uff01', 'BNBBTC:\u{1f600}']);
    // A kind before every kind asked for: everything; a kind after them all: nothing.
    const counts: [RecordQuery, number][] = [
      [{ account: 'main', kind: 'trade', after: { kind: 'balance', id: 'z' } }, 62],
      [{ account: 'main', kind: 'dividend', after: { kind: 'trade', id: '' } }, 0],
      [{ account: 'main', after: { kind: 'trade', id: 'BNBBTC:\uff01' } }, 1 + 25],
    ];
    for (const [query, n] of counts)
      expect(await ledger.store.countRecords(query), JSON.stringify(query)).toBe(n);
    const streamed: string[] = [];
    for await (const s of ledger.store.iterateRecords({
      account: 'main',
      after: { kind: 'dividend', id: 'v8' },
    }))
      streamed.push(`${s.record.kind}|${s.record.id}`);
    expect(streamed).toEqual(
      (await ledger.store.queryRecords({ account: 'main' }))
        .map((s) => `${s.record.kind}|${s.record.id}`)
        .filter((k) => k > 'dividend|v8'),
    );
    await expect(
      ledger.store.queryRecords({ after: { kind: 'trade' } as unknown as { kind: AccountKind; id: string } }),
    ).rejects.toSatisfy((e: unknown) => isLedgertapError(e) && e.code === 'ledger.bad_query');
  });

  it('is stable while records are inserted and removed between page requests', async () => {
    const before = (await ledger.store.queryRecords({ account: 'main' })).map(
      (s) => `${s.record.kind}|${s.record.id}`,
    );
    let removed = '';
    const keys = await walk(ledger.store, { account: 'main' }, 10, async (page, last) => {
      if (page === 0) {
        // One before the cursor (never served), ones after it in this and a later kind (served once each),
        // another account's (never served), and the cursor's own record removed.
        await ledger.store.putRecords([
          conversion('1'),
          trade(99),
          deposit('zz', 'BTC', '1'),
          trade(61, { account: 'other' }),
        ]);
        await ledger.store.removeRecord({ account: 'main', kind: last.kind, id: last.id });
        removed = `${last.kind}|${last.id}`;
      }
      if (page === 3)
        await ledger.store.putRecords([deposit('a0', 'BTC', '1'), trade(98, { account: 'main' })]);
    });
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain(removed);
    expect(keys).not.toContain('conversion|1');
    expect(keys).toContain('trade|BNBBTC:99');
    expect(keys).toContain('transfer|deposit:zz');
    expect(keys).toContain('transfer|deposit:a0');
    // Every record there when paging began, in order, once; the rest are the ones added after the cursor.
    expect(keys.filter((k) => before.includes(k))).toEqual(before);
    expect(keys.length).toBe(before.length + 4);
  });

  it.runIf(backend.name === 'sqlite')('reads one index range per page (SQLite query plan)', async () => {
    await ledger.store.close();
    const sqlite = new Database(ledger.db.location, { readonly: true });
    try {
      const plan = (sql: string): string =>
        (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
          .map((r) => r.detail)
          .join(' | ');
      expect(
        plan(
          "SELECT data FROM records r WHERE r.account = 'main' AND (r.kind, r.id) > ('trade', 'x') ORDER BY r.kind, r.id, r.account LIMIT 10",
        ),
      ).toMatch(/SEARCH r USING INDEX \S+ \(account=\? AND \(kind,id\)>\(\?,\?\)\)/);
      expect(
        plan(
          "SELECT data FROM records r WHERE r.account = 'main' AND r.kind = 'trade' AND r.id > 'x' ORDER BY r.kind, r.id, r.account LIMIT 10",
        ),
      ).toMatch(/SEARCH r USING INDEX \S+ \(account=\? AND kind=\? AND id>\?\)/);
    } finally {
      sqlite.close();
      ledger.store = await openLedger(ledger.db.location);
    }
  });
});
