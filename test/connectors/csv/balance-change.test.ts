/**
 * Statement rows the model has no specific kind for (card spending, margin loans and repayments, futures
 * PnL, funding fees, insurance fund, asset recovery) become `balance_change` records, and P2P legs are
 * matched to the P2P orders a sync stored (recorded as matches) or kept as `balance_change` of category
 * `p2p`, folded into their order when it arrives later. Through the CLI (import, reconcile, export) and
 * serve, on SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL; then a ledger an earlier release filled
 * (schema version 2, those rows quarantined) upgraded by importing again.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvOperationMeaning } from '../../../connectors/index.js';
import { openLedger, type IncomingRecord, type LedgerStore } from '../../../ledger/index.js';
import { MIGRATIONS, migrate } from '../../../ledger/migrations.js';
import { openPostgresDriver } from '../../../ledger/postgres.js';
import { openSqliteDriver } from '../../../ledger/sqlite.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { startLedgerServer } from '../../../server/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { backends as ledgerBackends } from '../../ledger/backends.js';
import { call, expectSchema } from '../../server/helpers.js';
import { BACKENDS, FIXTURES, useBackendLedger } from './backends.js';
import { earlierQuarantine, P2P_BUY_WITH_FEE, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-change-');
const utc = (d: number, h = 0, mi = 0, s = 0): number => Date.UTC(2022, 2, d, h, mi, s);
const FILE = 'statement-unmodeled.csv';
const TOKEN = 'test-token-0123456789abcdefghijklmnop';

describe('statement operations with no specific kind', () => {
  it.each([
    ['Binance Card Spending', 'card'],
    ['Margin Loan', 'margin'],
    ['margin repayment', 'margin'],
    ['Isolated Margin Loan', 'margin'],
    ['Isolated Margin Repayment', 'margin'],
    ['Cross Margin Liquidation - Repayment', 'margin'],
    ['Realize profit and loss', 'futures'],
    ['Realized Profit and Loss', 'futures'],
    ['Funding Fee', 'futures'],
    ['Insurance Fund Compensation', 'futures'],
    ['Insurance Fund Refund', 'futures'],
    ['Asset Recovery', 'adjustment'],
    ['Leveraged Coin Consolidation', 'adjustment'],
    ['Liquid Swap Add/Add', 'swap'],
    ['Liquid Swap Sell/Sell', 'swap'],
    ['Swap Farming Transaction', 'swap'],
    ['P2P Trading', 'p2p'],
    ['C2C Buy', 'p2p'],
  ])('%s → balance_change %s', (label, change) => {
    expect(csvOperationMeaning(label)?.change).toBe(change);
  });

  it('leaves modeled and unknown operations alone', () => {
    expect(csvOperationMeaning('Binance Card Cashback')).toEqual({ category: 'distribution' });
    expect(csvOperationMeaning('Liquid Swap Add')).toEqual({
      category: 'earn_subscription',
      product: 'locked',
    });
    expect(csvOperationMeaning('Deposit')?.change).toBeUndefined();
    expect(csvOperationMeaning('Margin Interest Of Mystery')).toBeUndefined();
  });
});

/** The P2P orders the API sync stored: a sale released 10 minutes after it was created, a buy with a fee. */
const API_P2P: IncomingRecord[] = [
  {
    kind: 'p2p_order',
    id: '20220303115000000001',
    account: 'main',
    time: utc(3, 11, 50),
    source: 'api',
    side: 'sell',
    asset: 'USDT',
    fiat: 'EUR',
    amount: '200',
    totalPrice: '182',
    unitPrice: '0.91',
    fee: '0',
    status: 'completed',
  } as IncomingRecord,
  P2P_BUY_WITH_FEE,
];

/**
 * What the statement's history sums to in the wallets the balance snapshots cover (the holder's spot,
 * funding and card balances at the end of it): 1000 deposited − 200 + 150 + 80 (P2P) − 23.9 (card). The
 * futures wallet's 15.7358 and the margin wallets' loans (repaid) are in no snapshot.
 */
const BALANCES: IncomingRecord[] = [
  { asset: 'USDT', free: '1006.1' },
  { asset: 'BNB', free: '0.05' },
].map(
  (b) =>
    ({
      kind: 'balance',
      id: `spot:${b.asset}`,
      account: 'main',
      time: utc(31),
      source: 'api',
      wallet: 'spot',
      asset: b.asset,
      free: b.free,
      locked: '0',
    }) as IncomingRecord,
);

/** The unmatched and unmodeled rows as the ledger must hold them. */
const CHANGES = [
  ['p2p', 'P2P Trading', 'funding', 'USDT', '80', utc(5, 8)],
  ['margin', 'Margin Loan', 'margin', 'USDT', '500', utc(6, 11, 5)],
  ['margin', 'Margin Repayment', 'margin', 'USDT', '-500', utc(7, 11, 5)],
  ['margin', 'Isolated Margin Loan', 'isolated_margin', 'BTC', '0.01', utc(7, 11, 10)],
  ['margin', 'Isolated Margin Repayment', 'isolated_margin', 'BTC', '-0.01', utc(7, 11, 20)],
  ['futures', 'Realized Profit and Loss', 'umfuture', 'USDT', '12.34', utc(8)],
  ['futures', 'Funding Fee', 'umfuture', 'USDT', '-0.0521', utc(8)],
  ['futures', 'Funding Fee', 'umfuture', 'USDT', '-0.0521', utc(8, 8)],
  ['card', 'Binance Card Spending', 'card', 'USDT', '-23.9', utc(9, 18, 45, 12)],
  ['adjustment', 'Asset Recovery', 'spot', 'BNB', '0.05', utc(10, 9)],
  ['futures', 'Insurance Fund Compensation', 'umfuture', 'USDT', '3.5', utc(11, 9)],
].map((row) => {
  const [category, operation, wallet, asset, amount] = row as string[];
  const time = row[5] as number;
  return {
    kind: 'balance_change',
    id: `${category}:stmt:${asset}:${time}:${amount}`,
    account: 'main',
    time,
    category,
    operation,
    wallet,
    asset,
    amount,
  };
});

async function balanceChanges(store: LedgerStore): Promise<Record<string, unknown>[]> {
  return (await store.queryRecords({ account: 'main', kind: 'balance_change' }))
    .map((s) => s.record as AccountRecord & Record<string, unknown>)
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
}

const sortById = <T extends { id: unknown }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));

for (const backend of BACKENDS) {
  describe(`statement balance changes through the CLI on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('after an API sync: P2P legs match the orders, the rest are balance changes; again adds nothing; reconcile clean; export and serve list them', async () => {
      const dir = await tempDir();
      const file = join(dir, FILE);
      await copyFile(join(FIXTURES, FILE), file);
      const { store, location } = await openLedgerIn(dir);
      await store.putRecords([...API_P2P, ...BALANCES]);

      const first = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(first.code, first.stderr).toBe(0);
      const report = (JSON.parse(first.stdout) as { files: Record<string, unknown>[] }).files[0]!;
      expect(report).toMatchObject({
        rowsRead: 21,
        // deposit, 3 wallet transfers, 11 balance changes
        recordsImported: 15,
        duplicates: 2,
        matched: 2,
        quarantined: 0,
        quarantineReasons: {},
      });
      expect(await balanceChanges(store)).toEqual(
        sortById(CHANGES).sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1)),
      );
      // Each P2P leg is its order, recorded as a match; the order remembers the statement's rows.
      const matches = await store.listMatches({ kind: 'p2p_order' });
      expect(matches.map((m) => [m.recordId, m.rule, m.details?.['csvId']]).sort()).toEqual([
        ['20220303115000000001', 'statement-p2p-order', `p2p:stmt:USDT:${utc(3, 12)}:-200`],
        ['20220304152958000002', 'statement-p2p-order', `p2p:stmt:USDT:${utc(4, 15, 30)}:150`],
      ]);
      for (const p of API_P2P)
        expect((await store.getRecord('main', 'p2p_order', p.id))?.sources).toEqual(['api', 'csv']);

      const again = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { files: Record<string, unknown>[] }).files[0]).toMatchObject({
        recordsImported: 0,
        duplicates: 17,
        quarantined: 0,
      });
      expect(await store.countRecords({ account: 'main' })).toBe(2 + 2 + 15);
      expect(await store.listMatches({ kind: 'p2p_order' })).toHaveLength(2);

      const rec = await runCliInProcess(['reconcile', '--db', location, '--json']);
      expect(rec.code, rec.stdout + rec.stderr).toBe(0);
      const reconciled = (
        JSON.parse(rec.stdout) as {
          accounts: { gaps: unknown[]; assets: { asset: string; history: string }[] }[];
        }
      ).accounts;
      expect(reconciled[0]?.gaps).toEqual([]);
      expect(reconciled[0]?.assets.map((a) => [a.asset, a.history])).toEqual([
        ['BNB', '0.05'],
        ['USDT', '1006.1'],
      ]);
      // The wallets no snapshot covers: shown, not checked (borrowed and repaid in full; futures PnL held).
      expect((reconciled[0] as unknown as { uncovered: unknown }).uncovered).toEqual([
        { wallet: 'isolated_margin', assets: [{ asset: 'BTC', history: '0' }] },
        { wallet: 'margin', assets: [{ asset: 'USDT', history: '0' }] },
        { wallet: 'umfuture', assets: [{ asset: 'USDT', history: '15.7358' }] },
      ]);
      const text = await runCliInProcess(['reconcile', '--db', location]);
      expect(text.code, text.stdout).toBe(0);
      expect(text.stdout).toContain(
        'not covered by any balance snapshot: isolated_margin, margin, umfuture — history sums shown, not checked',
      );
      expect(text.stdout).toContain('umfuture: USDT 15.7358');

      const exp = await runCliInProcess([
        'export',
        '--db',
        location,
        '--format',
        'jsonl',
        '--kind',
        'balance_change',
      ]);
      expect(exp.code, exp.stderr).toBe(0);
      const exported = exp.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string });
      expect(exported).toEqual(sortById(CHANGES));

      const server = await startLedgerServer(store, { token: TOKEN });
      try {
        const res = await call(`${server.url}/v1/accounts/main/records?kind=balance_change`, {
          token: TOKEN,
        });
        expect(res.status, res.text).toBe(200);
        expectSchema('RecordPage', res.json);
        expect((res.json as { records: unknown[] }).records).toEqual(sortById(CHANGES));
        const ledger = await call(`${server.url}/v1/accounts/main/ledger?asset=USDT&limit=500`, {
          token: TOKEN,
        });
        expectSchema('LedgerPage', ledger.json);
        const rows = (ledger.json as { rows: { kind: string; balance: string }[] }).rows;
        expect(rows.filter((r) => r.kind === 'balance_change')).toHaveLength(8);
        // The ledger view sums every wallet (spot, funding, card, margin and futures).
        expect(rows[rows.length - 1]?.balance).toBe('1021.8358');
        const recon = await call(`${server.url}/v1/accounts/main/reconcile`, { token: TOKEN });
        expectSchema('ReconcileReport', recon.json);
        expect(recon.json).toMatchObject({ gaps: [], p2pLegsCovered: 0 });
      } finally {
        await server.close();
      }
    });

    it('before the sync: legs kept as p2p balance changes, counted once when the orders arrive, folded by the next import', async () => {
      const dir = await tempDir();
      const file = join(dir, FILE);
      await copyFile(join(FIXTURES, FILE), file);
      const { store, location } = await openLedgerIn(dir);
      const first = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(first.code, first.stderr).toBe(0);
      const p2p = (await balanceChanges(store)).filter((r) => r['category'] === 'p2p');
      expect(p2p.map((r) => [r['amount'], r['wallet']])).toEqual([
        ['-200', 'funding'],
        ['150', 'funding'],
        ['80', 'funding'],
      ]);
      // The sync stores the orders: both views count each trade once before anything is folded.
      await store.putRecords([...API_P2P, ...BALANCES]);
      const rec = await runCliInProcess(['reconcile', '--db', location, '--json']);
      expect(rec.code, rec.stdout).toBe(0);
      expect(JSON.parse(rec.stdout).accounts[0]).toMatchObject({ gaps: [], p2pLegsCovered: 2 });

      // The next import (of anything) folds the legs into their orders, matches recorded.
      const again = await runCliInProcess(['import', 'csv', file, '--db', location]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('folded 2 statement P2P legs into the P2P orders stored since');
      expect((await balanceChanges(store)).filter((r) => r['category'] === 'p2p')).toHaveLength(1);
      const matches = await store.listMatches({ kind: 'p2p_order' });
      expect(matches.map((m) => m.recordId).sort()).toEqual(API_P2P.map((p) => p.id).sort());
      // Importing once more adds no record and no match.
      const third = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(
        (JSON.parse(third.stdout) as { files: { recordsImported: number }[] }).files[0]?.recordsImported,
      ).toBe(0);
      expect(await store.listMatches({ kind: 'p2p_order' })).toHaveLength(2);
      expect(await store.countRecords({ account: 'main' })).toBe(2 + 2 + 15);
      const after = await runCliInProcess(['reconcile', '--db', location, '--json']);
      expect(JSON.parse(after.stdout).accounts[0]).toMatchObject({ gaps: [], p2pLegsCovered: 0 });
    });
  });
}

describe.each(ledgerBackends)('a ledger an earlier release filled, upgraded on $name', (backend) => {
  it('rows it quarantined as not modeled become records; their quarantine rows are marked resolved, unknown ones stay open', async () => {
    const db = await backend.create();
    try {
      const dir = await tempDir();
      const header = 'UTC_Time,Account,Operation,Coin,Change,Remark';
      const rows = [
        '2022-03-09 18:45:12,Card,Binance Card Spending,USDT,-23.9,',
        '2022-03-05 08:00:00,Funding,P2P Trading,USDT,80,',
        '2022-03-08 00:00:00,USDT-Futures,Funding Fee,USDT,-0.0521,',
        '2022-03-12 09:00:00,Spot,Brand New Binance Feature,USDT,-1,',
      ];
      const file = await writeCsv(dir, 'statement.csv', [header, ...rows]);
      // The previous release: schema version 2, the rows quarantined as its importer wrote them.
      const old =
        backend.name === 'sqlite' ? openSqliteDriver(db.location) : await openPostgresDriver(db.location);
      try {
        expect(await migrate(old, 1_000, MIGRATIONS.slice(0, 2))).toBe(2);
        const quarantine = (line: number, reason: string): Promise<number> => {
          const { operation, row, fingerprint } = earlierQuarantine(header, rows[line - 2]!, reason);
          return old.conn.run(
            'INSERT INTO quarantine (account, file, line, operation, row_data, reason, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            [
              'main',
              'statement.csv',
              line,
              operation,
              JSON.stringify(row),
              reason,
              fingerprint,
              Date.UTC(2025, 0, 1),
            ],
          );
        };
        await quarantine(2, 'not_modeled:unmodeled');
        await quarantine(3, 'not_modeled:p2p');
        await quarantine(4, 'not_modeled:unmodeled');
        await quarantine(5, 'unknown_operation');
      } finally {
        await old.close();
      }

      const out = await runCliInProcess(['import', 'csv', file, '--db', db.location, '--json']);
      expect(out.code, out.stderr).toBe(0);
      expect((JSON.parse(out.stdout) as { files: Record<string, unknown>[] }).files[0]).toMatchObject({
        recordsImported: 3,
        quarantined: 1,
        quarantineResolved: 3,
      });
      const store = await openLedger(db.location, { create: false });
      try {
        expect(await store.schemaVersion()).toBe(3);
        const all = await store.listQuarantine({ account: 'main' });
        expect(all).toHaveLength(4);
        expect(all.map((q) => [q.reason, q.resolvedAs?.kind, q.resolvedAs?.id])).toEqual([
          ['not_modeled:unmodeled', 'balance_change', `card:stmt:USDT:${utc(9, 18, 45, 12)}:-23.9`],
          ['not_modeled:p2p', 'balance_change', `p2p:stmt:USDT:${utc(5, 8)}:80`],
          ['not_modeled:unmodeled', 'balance_change', `futures:stmt:USDT:${utc(8)}:-0.0521`],
          ['unknown_operation', undefined, undefined],
        ]);
        const open = await store.listQuarantine({ account: 'main', unresolved: true });
        expect(open.map((q) => q.operation)).toEqual(['Brand New Binance Feature']);
      } finally {
        await store.close();
      }
      // Again: nothing new, nothing resolved twice.
      const again = await runCliInProcess(['import', 'csv', file, '--db', db.location, '--json']);
      expect((JSON.parse(again.stdout) as { files: Record<string, unknown>[] }).files[0]).toMatchObject({
        recordsImported: 0,
        quarantineResolved: 0,
      });
    } finally {
      await db.cleanup();
    }
  });
});
