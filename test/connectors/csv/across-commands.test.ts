/**
 * The transaction history ("statement") and the trade exports imported in separate commands, in either
 * order, end where one command ends: the statement's grouped trade is folded into the fills the trade
 * export stores (the match recorded), nothing is counted twice, and reconcile is clean. Units on SQLite
 * and (with LEDGERTAP_TEST_PG) PostgreSQL, then through the CLI, then against the sandbox's exports.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsvFile } from '../../../connectors/index.js';
import { balanceEffects, openLedger, sumEffectsByAsset, type LedgerStore } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS } from './backends.js';
import { writeCsv } from './statements.js';
import { compareWithTruth, ledgerRecords, useSandboxExports } from './truth-compare.js';

const tempDir = useTempDirs('ledgertap-csv-across-');

const STATEMENT = [
  'UTC_Time,Account,Operation,Coin,Change,Remark',
  '2022-01-01 10:00:00,Spot,Deposit,BTC,1,',
  '2022-01-01 10:00:00,Spot,Deposit,ETH,50,',
  // Two fills of one order in one second: the statement shows one Buy/Buy/Fee group.
  '2022-01-02 10:00:00,Spot,Buy,ETH,2,',
  '2022-01-02 10:00:00,Spot,Buy,BTC,-0.15,',
  '2022-01-02 10:00:00,Spot,Fee,ETH,-0.002,',
  // One fill whose price the statement can only approximate (rounded quoteQty / qty).
  '2022-01-03 11:00:00,Spot,Sell,ETH,-30,',
  '2022-01-03 11:00:00,Spot,Sell,BTC,0.03703703,',
  '2022-01-03 11:00:00,Spot,Fee,BTC,-0.00003703,',
];

const TRADES = [
  'Date(UTC),Pair,Side,Price,Executed,Amount,Fee',
  '2022-01-02 10:00:00,ETHBTC,BUY,0.075,1.5ETH,0.1125BTC,0.0015ETH',
  '2022-01-02 10:00:00,ETHBTC,BUY,0.075,0.5ETH,0.0375BTC,0.0005ETH',
  '2022-01-03 11:00:00,ETHBTC,SELL,0.0012345678,30ETH,0.03703703BTC,0.00003703BTC',
];

/** What the history sums to, whatever the order: 1 BTC and 50 ETH in, 2 ETH bought, 30 ETH sold. */
const TOTALS = { BTC: '0.887', ETH: '21.998' };

async function totals(store: LedgerStore): Promise<Record<string, string>> {
  const records = (await store.queryRecords({ account: 'main' })).map((s) => s.record);
  return Object.fromEntries(sumEffectsByAsset(records.flatMap((r) => balanceEffects(r))));
}

/** The ledger's trades as (symbol, side, qty, price) and every trade match as (rule, csvId kind). */
async function shape(store: LedgerStore): Promise<{ trades: string[]; matches: string[] }> {
  const trades = (await store.queryRecords({ kind: 'trade' }))
    .map((s) => s.record as Extract<AccountRecord, { kind: 'trade' }>)
    .map((t) => `${t.id} ${t.qty}@${t.price} fee ${t.fee}`)
    .sort();
  const matches = (await store.listMatches({ kind: 'trade' }))
    .map((m) => `${m.recordId} ${m.rule} ${String(m.details?.['csvId'])}`)
    .sort();
  return { trades, matches };
}

for (const backend of BACKENDS) {
  describe(`statement and trade exports in separate imports on ${backend.name}`, () => {
    let opened: { store: LedgerStore; drop(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const o of opened) {
        await o.store.close();
        await o.drop();
      }
      opened = [];
    });

    it('statement first, then the trade export: the statement trades fold into the fills, matches recorded', async () => {
      const dir = await tempDir();
      const statement = await writeCsv(dir, 'statement.csv', STATEMENT);
      const trades = await writeCsv(dir, 'Binance-Spot-Trade-History.csv', TRADES);
      const one = await backend.open(dir);
      const two = await backend.open(dir);
      opened.push(one, two);

      // The reference: the trade export, then the statement (the order one command uses).
      await importCsvFile(one.store, trades);
      await importCsvFile(one.store, statement);

      const first = await importCsvFile(two.store, statement);
      expect(first).toMatchObject({ recordsImported: 4, folded: 0 });
      expect(await totals(two.store)).toEqual(TOTALS);
      const second = await importCsvFile(two.store, trades);
      // Both statement trades (one of two fills, one of one) gave way to the export's three fills.
      expect(second).toMatchObject({ recordsImported: 3, duplicates: 0, folded: 2 });
      expect(await totals(two.store)).toEqual(TOTALS);
      expect(await totals(one.store)).toEqual(TOTALS);
      expect(await shape(two.store)).toEqual(await shape(one.store));
      expect(await two.store.countRecords({})).toBe(await one.store.countRecords({}));
      const matches = await two.store.listMatches({ kind: 'trade' });
      expect(matches.map((m) => m.rule)).toEqual(Array(3).fill('statement-legs-fills'));
      // The statement's rows are kept with each match (the evidence of the folded copy).
      expect(matches.every((m) => m.row !== undefined)).toBe(true);
      expect(matches.find((m) => m.details?.['parts'] === 2)).toBeDefined();

      // Importing either file again changes nothing (no new record, no new match).
      const again = await importCsvFile(two.store, statement);
      expect(again).toMatchObject({ recordsImported: 0, folded: 0 });
      const again2 = await importCsvFile(two.store, trades);
      expect(again2).toMatchObject({ recordsImported: 0, folded: 0 });
      expect(await shape(two.store)).toEqual(await shape(one.store));
      expect(await totals(two.store)).toEqual(TOTALS);
    });

    it('a ledger an older release left double counted heals when the trade export is imported again', async () => {
      const dir = await tempDir();
      const statement = await writeCsv(dir, 'statement.csv', STATEMENT);
      const trades = await writeCsv(dir, 'Binance-Spot-Trade-History.csv', TRADES);
      const ref = await backend.open(dir);
      const old = await backend.open(dir);
      opened.push(ref, old);
      await importCsvFile(ref.store, trades);
      await importCsvFile(ref.store, statement);
      // What the previous release stored for statement-then-trades: both copies of each fill.
      await importCsvFile(old.store, statement);
      const fills = await ref.store.queryRecords({ kind: 'trade' });
      await old.store.putRecords(
        await Promise.all(
          fills.map(async (f) => ({
            ...f.record,
            source: 'csv' as const,
            raw: (await ref.store.getSightings('main', 'trade', f.record.id))[0]!.raw!,
          })),
        ),
      );
      expect(await totals(old.store)).not.toEqual(TOTALS);
      const again = await importCsvFile(old.store, trades);
      expect(again).toMatchObject({ recordsImported: 0, duplicates: 3, folded: 2 });
      expect(await totals(old.store)).toEqual(TOTALS);
      expect(await shape(old.store)).toEqual(await shape(ref.store));
    });

    it('the trade export first, then the statement: confirmed, nothing added', async () => {
      const dir = await tempDir();
      const o = await backend.open(dir);
      opened.push(o);
      await importCsvFile(o.store, await writeCsv(dir, 'Binance-Spot-Trade-History.csv', TRADES));
      const r = await importCsvFile(o.store, await writeCsv(dir, 'statement.csv', STATEMENT));
      expect(r).toMatchObject({ recordsImported: 2, duplicates: 2, matched: 2 });
      expect(await totals(o.store)).toEqual(TOTALS);
    });

    it('a trade export that holds only part of a statement group folds nothing (as in one command)', async () => {
      const dir = await tempDir();
      const a = await backend.open(dir);
      const b = await backend.open(dir);
      opened.push(a, b);
      const statement = await writeCsv(dir, 'statement.csv', STATEMENT.slice(0, 6));
      const partial = await writeCsv(dir, 'Binance-Spot-Trade-History.csv', TRADES.slice(0, 2));
      await importCsvFile(a.store, statement);
      const r = await importCsvFile(a.store, partial);
      expect(r).toMatchObject({ recordsImported: 1, folded: 0 });
      await importCsvFile(b.store, partial);
      await importCsvFile(b.store, statement);
      expect(await totals(a.store)).toEqual(await totals(b.store));
      expect(await a.store.countRecords({})).toBe(await b.store.countRecords({}));
    });
  });
}

describe('statement and trade exports in separate `ledgertap import` commands', () => {
  it('either order gives the same ledger as one command, and reconcile is clean', async () => {
    const dir = await tempDir();
    const statement = await writeCsv(dir, 'statement.csv', STATEMENT);
    const trades = await writeCsv(dir, 'Binance-Spot-Trade-History.csv', TRADES);
    const dbs: Record<string, string> = {};
    for (const [name, commands] of [
      ['one', [[statement, trades]]],
      ['statement-first', [[statement], [trades]]],
      ['trades-first', [[trades], [statement]]],
    ] as const) {
      const db = join(dir, `${name}.db`);
      dbs[name] = db;
      for (const files of commands) {
        const out = await runCliInProcess(['import', 'csv', ...files, '--db', db, '--json']);
        expect(out.code, out.stderr).toBe(0);
      }
      // The holder's balances as the exchange shows them: the history must explain them exactly.
      const store = await openLedger(db);
      await store.putRecords(
        Object.entries(TOTALS).map(([asset, free]) => ({
          kind: 'balance' as const,
          id: `spot:${asset}`,
          account: 'main',
          time: Date.UTC(2022, 1, 1),
          source: 'api' as const,
          wallet: 'spot' as const,
          asset,
          free,
          locked: '0',
        })),
      );
      await store.close();
      const recon = await runCliInProcess(['reconcile', '--db', db, '--account', 'main', '--json']);
      expect(recon.code, `${name}: ${recon.stdout}`).toBe(0);
    }
    const exported: Record<string, string> = {};
    for (const [name, db] of Object.entries(dbs)) {
      const out = await runCliInProcess(['export', '--db', db, '--format', 'jsonl']);
      expect(out.code, out.stderr).toBe(0);
      exported[name] = out.stdout;
    }
    expect(exported['statement-first']).toBe(exported['one']);
    expect(exported['trades-first']).toBe(exported['one']);
  });
});

describe('sandbox exports: the statement and the other exports in separate commands', () => {
  const sandbox = useSandboxExports();

  it('statement first or last, each order gives exactly the truth the exports reach', async () => {
    const dir = await tempDir();
    const statement = await sandbox.download(dir, 'transaction-history');
    const others = [
      await sandbox.download(dir, 'spot-trade-history'),
      await sandbox.download(dir, 'spot-order-history'),
    ];
    for (const [name, commands] of [
      ['statement-first', [[statement], others]],
      ['statement-last', [others, [statement]]],
    ] as const) {
      const db = join(dir, `${name}.db`);
      let folded = 0;
      for (const files of commands) {
        const out = await runCliInProcess(['import', 'csv', ...files, '--db', db, '--json']);
        expect(out.code, out.stderr).toBe(0);
        for (const f of (JSON.parse(out.stdout) as { files: { folded: number }[] }).files) folded += f.folded;
      }
      if (name === 'statement-first') expect(folded).toBeGreaterThan(0);
      const records = await ledgerRecords(db);
      const tradeTruth = sandbox.truth.filter((t) => t.kind === 'trade' || t.kind === 'order');
      const result = compareWithTruth(
        tradeTruth,
        records.filter((r) => r.kind === 'trade' || r.kind === 'order'),
      );
      expect(result.missing, name).toEqual([]);
      expect(result.extra, name).toEqual([]);
    }
  });
});
