/**
 * A record the CSV import or the merge after it removes hands its match rows to the record that holds its
 * event now, in the same transaction, through `ledgertap import csv`:
 * - a CSV copy folded into the API's copy (the statement's row matched to the deposit export's copy first);
 * - a futures rebate an earlier release stored as a spot `dividend`, retired by the Futures export;
 * - a statement trade stored under the heuristic's spelling, replaced when its fills are known;
 * - rows an earlier release left pointing at a removed copy, repaired by the next import (moved to the
 *   record whose match names the copy, else removed and audited), and shown by `reconcile` until then.
 * No row is left pointing at nothing, none is doubled by importing the files again. SQLite and (with
 * LEDGERTAP_TEST_PG) PostgreSQL.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { csvFingerprint } from '../../../connectors/binance/csv/relink.js';
import type { IncomingRecord, LedgerStore, RecordMatch } from '../../../ledger/index.js';
import type { AccountKind } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { importCli, importCliReport } from './cli-import.js';
import { apiDeposit, BTCBNB_SELL_FILLS, BTCBNB_SELL_ROWS, BTCBNB_SELL_T, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-match-successors-');

const STATEMENT_HEADER = 'UTC_Time,Account,Operation,Coin,Change,Remark';
const FUTURES_HEADER = 'Date(UTC),type,Amount,Asset,Symbol,Transaction ID';

/** Writes the deposit export holding the 1 BTC deposit of 2022-01-01 10:00 (TXID 0xfeed) into `dir`. */
function depositExport(dir: string): Promise<string> {
  return writeCsv(dir, 'Binance-Deposit-History.csv', [
    'Date(UTC),Coin,Network,Amount,TransactionFee,Address,TXID,SourceAddress,PaymentID,Status',
    '2022-01-01 10:00:00,BTC,BTC,1,0,bc1q,0xfeed,,,Completed',
  ]);
}

/** Each match row as `kind recordId csvId`, sorted. */
async function pointers(store: LedgerStore, kind?: AccountKind): Promise<string[]> {
  return (await store.listMatches({ account: 'main', ...(kind ? { kind } : {}) }))
    .map((m) => `${m.kind} ${m.recordId} ${String(m.details?.['csvId'])}`)
    .sort();
}

/** A match row an earlier import wrote for a stored copy, with the importer's fingerprint. */
async function earlierMatch(
  store: LedgerStore,
  kind: AccountKind,
  recordId: string,
  csvId: string,
): Promise<void> {
  await store.addMatch({
    account: 'main',
    kind,
    recordId,
    source: 'csv',
    rule: 'earlier-release',
    row: { note: csvId },
    details: { csvId },
    fingerprint: csvFingerprint('csv-match', 'main', kind, recordId, csvId),
  });
}

/** Deletes a record (and its sightings) by SQL, leaving its match rows: what an earlier release did. */
async function removeBehindTheStore(
  backend: 'sqlite' | 'postgres',
  location: string,
  id: string,
): Promise<void> {
  const statements = [
    `DELETE FROM record_sources WHERE id = '${id}'`,
    `DELETE FROM records WHERE id = '${id}'`,
  ];
  if (backend === 'sqlite') {
    const db = new Database(location);
    try {
      for (const s of statements) db.prepare(s).run();
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** Audit entries of removed match rows. */
async function matchRemovals(store: LedgerStore): Promise<Record<string, unknown>[]> {
  return (await store.listAudit({ account: 'main' }))
    .filter((a) => a.endpoint === 'record_matches')
    .map((a) => a.params);
}

/** The importer's fingerprint of each row at the record it points at now (a moved row takes it too). */
function expectImporterFingerprints(matches: RecordMatch[]): void {
  for (const m of matches)
    expect(m.fingerprint, `${m.recordId} ${String(m.details?.['csvId'])}`).toBe(
      csvFingerprint('csv-match', 'main', m.kind, m.recordId, m.details?.['csvId']),
    );
}

for (const backend of BACKENDS) {
  describe(`match rows follow a removed record on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('a CSV copy folded into the API copy hands it the statement row matched to it; re-imports add nothing', async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      const deposits = await depositExport(dir);
      const statement = await writeCsv(dir, 'statement.csv', [
        STATEMENT_HEADER,
        '2022-01-01 10:00:00,Spot,Deposit,BTC,1,',
      ]);
      await importCli(location, deposits);
      const [copy] = await store.queryRecords({ account: 'main', kind: 'transfer' });
      expect(await importCli(location, statement)).toMatchObject({ recordsImported: 0, matched: 1 });
      const statementId = (await store.listMatches({ account: 'main' }))[0]!.details!['csvId'] as string;
      expect(await pointers(store)).toEqual([`transfer ${copy!.record.id} ${statementId}`]);

      // The sync's copy of the deposit arrives; the next import folds the CSV copy into it.
      await store.putRecords([apiDeposit(700, { network: 'BTC', address: 'bc1q', txId: '0xfeed' })]);
      expect(await importCliReport(location, deposits)).toMatchObject({ merged: { merged: 1 } });
      expect(
        (await store.queryRecords({ account: 'main', kind: 'transfer' })).map((s) => s.record.id),
      ).toEqual(['deposit:d1']);
      const folded = [`transfer deposit:d1 ${copy!.record.id}`, `transfer deposit:d1 ${statementId}`].sort();
      expect(await pointers(store)).toEqual(folded);
      expectImporterFingerprints(await store.listMatches({ account: 'main' }));
      expect(await store.listDanglingMatches()).toEqual([]);
      expect(await matchRemovals(store)).toEqual([]);

      // Both files again: each row meets the API's copy and is known already.
      for (const f of [statement, deposits, statement])
        expect(await importCli(location, f)).toMatchObject({ recordsImported: 0 });
      expect(await pointers(store)).toEqual(folded);
    });

    it("a futures rebate's dividend retired by the Futures export hands its match rows to the futures record", async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      const t = Date.UTC(2024, 2, 5, 10);
      const line = '2024-03-05 10:00:00,USDT-Futures,Referral Kickback,USDT,0.5,';
      // What an earlier release stored for the statement's row, and a row it matched to that dividend.
      const dividendId = `stmt:${t}:USDT:0.5`;
      await store.putRecords([
        {
          kind: 'dividend',
          id: dividendId,
          account: 'main',
          time: t,
          source: 'csv',
          raw: Object.fromEntries(STATEMENT_HEADER.split(',').map((k, i) => [k, line.split(',')[i]!])),
          asset: 'USDT',
          amount: '0.5',
          info: 'Referral Kickback',
          direction: 'in',
        } as IncomingRecord,
      ]);
      await earlierMatch(store, 'dividend', dividendId, 'earlier:kickback');

      const futures = await writeCsv(dir, 'futures.csv', [
        FUTURES_HEADER,
        '2024-03-05 10:00:00,REFERRAL_KICKBACK,0.5,USDT,BTCUSDT,9101',
      ]);
      expect(await importCli(location, futures)).toMatchObject({ recordsImported: 1 });
      const holder = 'futures:9101:REFERRAL_KICKBACK:USDT';
      expect(
        (await store.queryRecords({ account: 'main' })).map((s) => `${s.record.kind} ${s.record.id}`),
      ).toEqual([`balance_change ${holder}`]);
      expect(await pointers(store)).toEqual([`balance_change ${holder} earlier:kickback`]);
      expectImporterFingerprints(await store.listMatches({ account: 'main' }));
      expect(await matchRemovals(store)).toEqual([]);

      // The statement then matches its row to the same record; again, nothing is added.
      const statement = await writeCsv(dir, 'statement.csv', [STATEMENT_HEADER, line]);
      expect(await importCli(location, statement)).toMatchObject({ recordsImported: 0, matched: 1 });
      const after = await pointers(store);
      expect(after).toHaveLength(2);
      expect(after.every((p) => p.startsWith(`balance_change ${holder} `))).toBe(true);
      for (const f of [futures, statement]) await importCli(location, f);
      expect(await pointers(store)).toEqual(after);
      expect(await store.listDanglingMatches()).toEqual([]);
    });

    it('a statement trade stored under the old spelling, replaced once its fills are known, hands its rows to the first fill', async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      const statement = await writeCsv(dir, 'statement.csv', [STATEMENT_HEADER, ...BTCBNB_SELL_ROWS]);
      // Nothing names the pair: the heuristic's spelling, as the release before this one stored it.
      await importCli(location, statement);
      const legacy = `BNBBTC:stmt:${BTCBNB_SELL_T}:buy:2.4`;
      expect((await store.queryRecords({ account: 'main', kind: 'trade' })).map((s) => s.record.id)).toEqual([
        legacy,
      ]);
      await earlierMatch(store, 'trade', legacy, 'earlier:trade');
      // The fills arrive without a fold (an earlier release's sync): both copies stand.
      await store.putRecords(BTCBNB_SELL_FILLS);

      expect(await importCli(location, statement)).toMatchObject({ recordsImported: 0 });
      expect((await store.queryRecords({ account: 'main', kind: 'trade' })).map((s) => s.record.id)).toEqual([
        'BTCBNB:4095537',
        'BTCBNB:4095553',
      ]);
      const rows = await pointers(store);
      expect(rows.filter((p) => p.endsWith(' earlier:trade'))).toEqual([
        'trade BTCBNB:4095537 earlier:trade',
      ]);
      expect(rows.every((p) => !p.includes(legacy + ' '))).toBe(true);
      expectImporterFingerprints(await store.listMatches({ account: 'main' }));
      expect(await store.listDanglingMatches()).toEqual([]);
      await importCli(location, statement);
      expect(await pointers(store)).toEqual(rows);
    });

    it('rows an earlier release left dangling are shown by reconcile, then moved or removed (audited) by the next import', async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      const deposits = await depositExport(dir);
      await importCli(location, deposits);
      const [copy] = await store.queryRecords({ account: 'main', kind: 'transfer' });
      const copyId = copy!.record.id;
      // An earlier release folded the copy into the API's deposit (its match names the copy) and left the
      // copy's own match behind; another row still points at a copy removed without a trace.
      await store.putRecords([apiDeposit(700, { txId: '0xfeed' })]);
      await earlierMatch(store, 'transfer', 'deposit:d1', copyId);
      await earlierMatch(store, 'transfer', copyId, 'earlier:statement');
      await earlierMatch(store, 'transfer', 'deposit:gone', 'earlier:orphan');
      // The earlier release's removal: the copy went, its match rows stayed.
      await removeBehindTheStore(backend.name, location, copyId);
      expect((await store.listDanglingMatches()).map((m) => m.details?.['csvId'])).toEqual([
        'earlier:statement',
        'earlier:orphan',
      ]);
      const rec = await runCliInProcess(['reconcile', '--db', location, '--account', 'main']);
      expect(rec.stdout).toContain('2 match rows point at records the ledger no longer holds');
      const json = await runCliInProcess(['reconcile', '--db', location, '--account', 'main', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ accounts: [{ account: 'main', danglingMatches: 2 }] });

      const out = await runCliInProcess(['import', 'csv', deposits, '--db', location]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(
        'repaired 2 match rows an earlier release left pointing at removed records: 1 moved',
      );
      expect(await pointers(store)).toEqual(
        [`transfer deposit:d1 ${copyId}`, 'transfer deposit:d1 earlier:statement'].sort(),
      );
      expect(await store.listDanglingMatches()).toEqual([]);
      const removals = await matchRemovals(store);
      expect(removals).toEqual([
        expect.objectContaining({
          reason: 'dangling',
          count: 1,
          matches: [expect.objectContaining({ recordId: 'deposit:gone', csvId: 'earlier:orphan' })],
        }),
      ]);
      const clean = await runCliInProcess(['reconcile', '--db', location, '--account', 'main']);
      expect(clean.stdout).not.toContain('match rows point at');
      // Idempotent: the next import finds nothing to repair.
      const again = await runCliInProcess(['import', 'csv', deposits, '--db', location]);
      expect(again.stdout).not.toContain('repaired');
      expect(await matchRemovals(store)).toHaveLength(1);
    });
  });
}
