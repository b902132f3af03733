/**
 * Match rows follow their record, on both backends:
 * - `removeRecord(key, { replacedBy })` moves the removed record's match rows to its successor in the same
 *   transaction (rolled back with it), with the fingerprint the caller gives them there; a row the
 *   successor already has (the same CSV copy, or the same fingerprint once moved) is merged, never doubled;
 * - without a successor the rows are removed and one audit entry names them;
 * - `repairMatches` heals rows an earlier release left dangling (deleted by SQL here): moved to the record
 *   whose own match names the removed copy, else removed and audited; a second run changes nothing;
 *   `listDanglingMatches` and `reconcile` show them before, none after.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { reconcileAccount } from '../../ledger/index.js';
import type { MatchInput, RecordMatch } from '../../ledger/index.js';
import { queryPg } from '../helpers/pg.js';
import { backends, useLedger, type Backend } from './backends.js';
import { deposit, trade } from './fixtures.js';

/** What the CSV importer writes for a CSV copy matched to a record (its own scheme, for the test). */
const fp = (kind: string, recordId: string, csvId: string): string => `fp:${kind}:${recordId}:${csvId}`;
const refingerprint = (m: RecordMatch): string | undefined =>
  typeof m.details?.['csvId'] === 'string' ? fp(m.kind, m.recordId, m.details['csvId']) : undefined;

function match(recordId: string, csvId: string, over: Partial<MatchInput> = {}): MatchInput {
  return {
    account: 'main',
    kind: 'trade',
    recordId,
    source: 'csv',
    rule: 'statement-legs-fills',
    line: Number(csvId.replace(/\D/g, '') || 1),
    row: { csv: csvId },
    details: { csvId },
    fingerprint: fp('trade', recordId, csvId),
    ...over,
  };
}

/** Where each match row points, with its fingerprint: what the tests compare. */
async function pointers(list: () => Promise<RecordMatch[]>): Promise<string[]> {
  return (await list())
    .map((m) => `${m.kind} ${m.recordId} ${String(m.details?.['csvId'])} ${m.fingerprint}`)
    .sort();
}

/** Runs one statement on the ledger's database behind the store's back (an earlier release's removal). */
async function sql(backend: Backend, location: string, statement: string): Promise<void> {
  if (backend.name === 'sqlite') {
    const db = new Database(location);
    try {
      db.prepare(statement).run();
    } finally {
      db.close();
    }
  } else await queryPg(new URL(location).searchParams.get('schema')!, statement);
}

describe.each(backends)('match rows follow their record on $name', (backend) => {
  const ledger = useLedger(backend);
  const list = (): Promise<RecordMatch[]> => ledger.store.listMatches({ account: 'main' });

  it('a replaced record hands its match rows to its successor, none doubled, in the same transaction', async () => {
    const { store } = ledger;
    // The legacy copy (1) and the record that holds its event now (2, 3 for another event).
    await store.putRecords([trade(1, { source: 'csv' }), trade(2), trade(3)]);
    await store.addMatch(match('BNBBTC:1', 'stmt:a'));
    await store.addMatch(match('BNBBTC:1', 'stmt:b'));
    // The same CSV copy already matched to the successor (its fingerprint differs: another record id).
    await store.addMatch(match('BNBBTC:2', 'stmt:b'));
    // A row with the fingerprint stmt:c would take at the successor, held by another record's row.
    await store.addMatch(match('BNBBTC:1', 'stmt:c'));
    await store.addMatch(match('BNBBTC:3', 'stmt:z', { fingerprint: fp('trade', 'BNBBTC:2', 'stmt:c') }));

    // Rolled back: the rows stay where they were.
    const before = await pointers(list);
    await expect(
      store.transaction(async (tx) => {
        await tx.removeRecord(
          { account: 'main', kind: 'trade', id: 'BNBBTC:1' },
          { replacedBy: { kind: 'trade', id: 'BNBBTC:2' }, matchFingerprint: refingerprint },
        );
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await pointers(list)).toEqual(before);

    expect(
      await store.removeRecord(
        { account: 'main', kind: 'trade', id: 'BNBBTC:1' },
        { replacedBy: { kind: 'trade', id: 'BNBBTC:2' }, matchFingerprint: refingerprint },
      ),
    ).toBe(true);
    expect(await pointers(list)).toEqual(
      [
        `trade BNBBTC:2 stmt:a ${fp('trade', 'BNBBTC:2', 'stmt:a')}`,
        `trade BNBBTC:2 stmt:b ${fp('trade', 'BNBBTC:2', 'stmt:b')}`,
        `trade BNBBTC:3 stmt:z ${fp('trade', 'BNBBTC:2', 'stmt:c')}`,
      ].sort(),
    );
    // Matching stmt:a to its record again (the importer's fingerprint for the pair) adds nothing.
    expect(await store.addMatch(match('BNBBTC:2', 'stmt:a'))).toBe(false);
    expect(await store.listDanglingMatches()).toEqual([]);
    // A move is no removal: nothing audited.
    expect(await store.listAudit({ account: 'main' })).toEqual([]);
  });

  it('a record removed with no successor takes its match rows with it, named in the audit log', async () => {
    const { store } = ledger;
    await store.putRecords([deposit('d1', 'BTC', '1', { source: 'csv' }), deposit('d2', 'ETH', '2')]);
    await store.addMatch(match('deposit:d1', 'stmt:1', { kind: 'transfer', importFileId: undefined }));
    await store.addMatch(match('deposit:d2', 'stmt:2', { kind: 'transfer' }));
    expect(await store.removeRecord({ account: 'main', kind: 'transfer', id: 'deposit:d1' })).toBe(true);
    expect((await list()).map((m) => m.recordId)).toEqual(['deposit:d2']);
    const audit = await store.listAudit({ account: 'main' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      route: 'ledger',
      method: 'DELETE',
      endpoint: 'record_matches',
      params: {
        reason: 'record removed',
        count: 1,
        matches: [
          expect.objectContaining({ kind: 'transfer', recordId: 'deposit:d1', csvId: 'stmt:1', line: 1 }),
        ],
      },
    });
    // No row data in the audit log (the CSV row stays out of it).
    expect(JSON.stringify(audit[0]!.params)).not.toContain('"csv":');
  });

  it('repairs rows an earlier release left dangling: moved to the successor its matches name, else removed; idempotent', async () => {
    const { store } = ledger;
    await store.putRecords([trade(1, { source: 'csv' }), trade(2), trade(4, { source: 'csv' }), trade(5)]);
    // Statement copy 1 was folded into fill 2 (its own csv copy's match names it) by an earlier release,
    // which left the rows matched to copy 1 behind; copy 4 went with no trace of a successor.
    await store.addMatch(match('BNBBTC:2', 'BNBBTC:1'));
    await store.addMatch(match('BNBBTC:1', 'stmt:a'));
    await store.addMatch(match('BNBBTC:1', 'stmt:b'));
    await store.addMatch(match('BNBBTC:2', 'stmt:b'));
    await store.addMatch(match('BNBBTC:4', 'stmt:x'));
    await store.addMatch(match('BNBBTC:5', 'stmt:y'));
    for (const id of ['BNBBTC:1', 'BNBBTC:4']) {
      await sql(backend, ledger.db.location, `DELETE FROM record_sources WHERE id = '${id}'`);
      await sql(backend, ledger.db.location, `DELETE FROM records WHERE id = '${id}'`);
    }
    expect((await store.listDanglingMatches({ account: 'main' })).map((m) => m.details?.['csvId'])).toEqual([
      'stmt:a',
      'stmt:b',
      'stmt:x',
    ]);
    expect((await reconcileAccount(store, 'main')).danglingMatches).toBe(3);

    expect(await store.repairMatches({ account: 'main', matchFingerprint: refingerprint })).toEqual({
      moved: 1,
      merged: 1,
      removed: 1,
    });
    expect(await pointers(list)).toEqual(
      [
        `trade BNBBTC:2 BNBBTC:1 ${fp('trade', 'BNBBTC:2', 'BNBBTC:1')}`,
        `trade BNBBTC:2 stmt:a ${fp('trade', 'BNBBTC:2', 'stmt:a')}`,
        `trade BNBBTC:2 stmt:b ${fp('trade', 'BNBBTC:2', 'stmt:b')}`,
        `trade BNBBTC:5 stmt:y ${fp('trade', 'BNBBTC:5', 'stmt:y')}`,
      ].sort(),
    );
    const audit = await store.listAudit({ account: 'main' });
    expect(audit.map((a) => [a.method, a.endpoint, a.params['reason'], a.params['count']])).toEqual([
      ['DELETE', 'record_matches', 'dangling', 1],
    ]);
    expect(audit[0]!.params['matches']).toEqual([
      expect.objectContaining({ recordId: 'BNBBTC:4', csvId: 'stmt:x', rule: 'statement-legs-fills' }),
    ]);
    expect(await store.listDanglingMatches()).toEqual([]);
    expect((await reconcileAccount(store, 'main')).danglingMatches).toBe(0);

    // Again: nothing left to do, nothing written.
    const after = await pointers(list);
    expect(await store.repairMatches({ matchFingerprint: refingerprint })).toEqual({
      moved: 0,
      merged: 0,
      removed: 0,
    });
    expect(await pointers(list)).toEqual(after);
    expect(await store.listAudit({ account: 'main' })).toHaveLength(1);
  });
});
