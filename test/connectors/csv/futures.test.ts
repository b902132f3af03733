/**
 * The separate Futures export (`Date(UTC),type,Amount,Asset,Symbol,Transaction ID`) lands in the ledger:
 * each type a `balance_change` of category `futures` in the USDⓈ-M or COIN-M wallet (decided from the
 * symbol, else the asset), `TRANSFER` rows matched to the spot side's copy (statement twins, API universal
 * transfer), and the statement's futures rows (PnL, funding, `Fee`) matched to the export's in either order,
 * in separate commands, without counting anything twice. Through the CLI on SQLite and (with
 * LEDGERTAP_TEST_PG) PostgreSQL; bad rows fail with file and line, unknown types are quarantined.
 */
import { describe, expect, it } from 'vitest';
import { mergeCsvCopies } from '../../../connectors/index.js';
import { csvFingerprint } from '../../../connectors/binance/csv/relink.js';
import type { IncomingRecord, LedgerStore } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { importCli, walletTotals } from './cli-import.js';
import { earlierQuarantine, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-futures-');
const at = (d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(2024, 2, d, h, mi, s, ms);

const HEADER = 'Date(UTC),type,Amount,Asset,Symbol,Transaction ID';

/** One row per type; both contract families; a scientific-notation amount; rows without a symbol. */
const FUTURES = [
  HEADER,
  '2024-03-01 08:00:00,REALIZED_PNL,12.34,USDT,BTCUSDT,9001',
  '2024-03-01 08:00:00,COMMISSION,-0.0412,USDT,BTCUSDT,9002',
  '2024-03-01 08:00:00,FUNDING_FEE,-5.21E-2,USDT,ETHUSDT,9003',
  '2024-03-01 09:00:00,COMMISSION,-0.00001,BTC,BTCUSD_PERP,9004',
  '2024-03-01 09:00:00,REALIZED_PNL,0.0005,ETH,ETHUSD_240628,9005',
  // A USDⓈ-M quarterly: the `_<yymmdd>` suffix alone does not make a contract COIN-M.
  '2024-03-01 10:00:00,REALIZED_PNL,1.1,USDT,BTCUSDT_240628,9006',
  '2024-03-02 10:00:00,INSURANCE_CLEAR,-1.5,USDT,BTCUSDT,9007',
  '2024-03-02 11:00:00,WELCOME_BONUS,10,USDT,,9008',
  '2024-03-02 12:00:00,COIN_SWAP_WITHDRAW,-0.02,ETH,,9009',
  '2024-03-02 12:00:00,COIN_SWAP_DEPOSIT,0.001,BTC,,9010',
  '2024-03-03 09:00:00,TRANSFER,300,USDT,,9011',
  '2024-03-04 09:00:00,TRANSFER,-0.01,BTC,,9012',
];

type Expected = [type: string, wallet: string, basis: string, asset: string, amount: string, symbol: string];

/** The balance change each non-transfer row becomes (in file order). */
const CHANGES: Expected[] = [
  ['REALIZED_PNL', 'umfuture', 'symbol', 'USDT', '12.34', 'BTCUSDT'],
  ['COMMISSION', 'umfuture', 'symbol', 'USDT', '-0.0412', 'BTCUSDT'],
  ['FUNDING_FEE', 'umfuture', 'symbol', 'USDT', '-0.0521', 'ETHUSDT'],
  ['COMMISSION', 'cmfuture', 'symbol', 'BTC', '-0.00001', 'BTCUSD_PERP'],
  ['REALIZED_PNL', 'cmfuture', 'symbol', 'ETH', '0.0005', 'ETHUSD_240628'],
  ['REALIZED_PNL', 'umfuture', 'symbol', 'USDT', '1.1', 'BTCUSDT_240628'],
  ['INSURANCE_CLEAR', 'umfuture', 'symbol', 'USDT', '-1.5', 'BTCUSDT'],
  ['WELCOME_BONUS', 'umfuture', 'asset', 'USDT', '10', ''],
  ['COIN_SWAP_WITHDRAW', 'cmfuture', 'asset', 'ETH', '-0.02', ''],
  ['COIN_SWAP_DEPOSIT', 'cmfuture', 'asset', 'BTC', '0.001', ''],
];
const CHANGE_TIMES = [
  at(1, 8),
  at(1, 8),
  at(1, 8),
  at(1, 9),
  at(1, 9),
  at(1, 10),
  at(2, 10),
  at(2, 11),
  at(2, 12),
  at(2, 12),
];

/**
 * The transaction history of the same account: the futures rows it shares with the export (PnL, `Fee`,
 * funding, insurance; the spot↔UM transfer as twin rows), plus a funding fee the export lacks whose
 * amount equals the commission's in the same second (only the type mapping tells them apart).
 */
const STATEMENT = [
  'UTC_Time,Account,Operation,Coin,Change,Remark',
  '2024-03-01 00:00:00,Spot,Deposit,USDT,1000,',
  '2024-03-01 08:00:00,USDT-Futures,Funding Fee,USDT,-0.0412,',
  '2024-03-01 08:00:00,USDT-Futures,Realized Profit and Loss,USDT,12.34,',
  '2024-03-01 08:00:00,USDT-Futures,Fee,USDT,-0.0412,',
  '2024-03-01 08:00:00,USDT-Futures,Funding Fee,USDT,-0.0521,',
  '2024-03-01 09:00:00,Coin-M Futures,Fee,BTC,-0.00001,',
  '2024-03-01 09:00:00,Coin-M Futures,Realized Profit and Loss,ETH,0.0005,',
  '2024-03-02 10:00:00,USDT-Futures,Insurance Fund Compensation,USDT,-1.5,',
  '2024-03-03 09:00:00,Spot,Transfer Between Spot Account and UM Futures Account,USDT,-300,',
  '2024-03-03 09:00:00,USDT-Futures,Transfer Between Spot Account and UM Futures Account,USDT,300,',
];

/** The COIN-M → spot transfer as the API sync stored it (milliseconds, the exchange's tranId). */
const API_TRANSFER = {
  kind: 'transfer',
  id: 'wallet:555001',
  account: 'main',
  time: at(4, 9, 0, 0, 250),
  source: 'api',
  direction: 'internal',
  type: 'wallet_transfer',
  asset: 'BTC',
  amount: '0.01',
  fee: '0',
  status: 'completed',
  transferType: 'CMFUTURE_MAIN',
  fromWallet: 'cmfuture',
  toWallet: 'spot',
} as IncomingRecord;

/** Both files (and the API transfer) together, whatever the order: per wallet and asset. */
const TOTALS = {
  'cmfuture BTC': '-0.00901',
  'cmfuture ETH': '-0.0195',
  'spot BTC': '0.01',
  'spot USDT': '700',
  // 12.34 − 0.0412 − 0.0521 − 0.0412 (the statement-only funding fee) + 1.1 − 1.5 + 10 + 300
  'umfuture USDT': '321.8055',
};

async function records(store: LedgerStore): Promise<AccountRecord[]> {
  return (await store.queryRecords({ account: 'main' })).map((s) => s.record);
}

const count = (rs: AccountRecord[], kind: AccountRecord['kind']): number =>
  rs.filter((r) => r.kind === kind).length;

for (const backend of BACKENDS) {
  describe(`futures export through the CLI on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('each type is a futures balance change in its wallet; transfers are wallet transfers; again adds nothing', async () => {
      const dir = await tempDir();
      const file = await writeCsv(dir, 'Binance-Futures-Transaction-History.csv', FUTURES);
      const { store, location } = await openLedgerIn(dir);

      const first = await importCli(location, file);
      expect(first).toMatchObject({ rowsRead: 12, recordsImported: 12, duplicates: 0, quarantined: 0 });
      const changes = (await records(store))
        .filter((r): r is Extract<AccountRecord, { kind: 'balance_change' }> => r.kind === 'balance_change')
        .sort((a, b) => a.time - b.time || Number(a.id.split(':')[1]) - Number(b.id.split(':')[1]));
      expect(changes).toEqual(
        CHANGES.map(([type, wallet, basis, asset, amount, symbol], i) => ({
          kind: 'balance_change',
          // The Transaction ID is the natural id: a re-import meets it by id.
          id: `futures:${9001 + i}:${type}:${asset}`,
          account: 'main',
          time: CHANGE_TIMES[i],
          category: 'futures',
          operation: type,
          wallet,
          walletBasis: basis,
          asset,
          amount,
          ...(symbol ? { symbol } : {}),
          tranId: String(9001 + i),
        })),
      );
      const transfers = (await records(store)).filter((r) => r.kind === 'transfer');
      expect(transfers).toEqual([
        expect.objectContaining({
          id: 'wallet:futures:9011',
          type: 'wallet_transfer',
          direction: 'internal',
          asset: 'USDT',
          amount: '300',
          fromWallet: 'spot',
          toWallet: 'umfuture',
          transferType: 'MAIN_UMFUTURE',
        }),
        expect.objectContaining({
          id: 'wallet:futures:9012',
          asset: 'BTC',
          amount: '0.01',
          fromWallet: 'cmfuture',
          toWallet: 'spot',
          transferType: 'CMFUTURE_MAIN',
        }),
      ]);
      // The raw row, Symbol included, stays with every record.
      expect(await store.getSightings('main', 'balance_change', 'futures:9004:COMMISSION:BTC')).toEqual([
        expect.objectContaining({
          source: 'csv',
          raw: {
            'Date(UTC)': '2024-03-01 09:00:00',
            type: 'COMMISSION',
            Amount: '-0.00001',
            Asset: 'BTC',
            Symbol: 'BTCUSD_PERP',
            'Transaction ID': '9004',
          },
        }),
      ]);

      const again = await importCli(location, file);
      expect(again).toMatchObject({ recordsImported: 0, duplicates: 12, matched: 0, quarantined: 0 });
      expect(await store.countRecords({ account: 'main' })).toBe(12);
      expect(await store.listMatches({})).toEqual([]);
    });

    it('a TRANSFER row matches the API transfer and the statement twin rows it is, never a second transfer', async () => {
      const dir = await tempDir();
      const statement = await writeCsv(
        dir,
        'statement.csv',
        STATEMENT.slice(0, 2).concat(STATEMENT.slice(-2)),
      );
      const file = await writeCsv(dir, 'futures.csv', [HEADER, ...FUTURES.slice(-2)]);
      const { store, location } = await openLedgerIn(dir);
      await store.putRecords([API_TRANSFER]);

      expect(await importCli(location, statement)).toMatchObject({ recordsImported: 2, quarantined: 0 });
      expect(await importCli(location, file)).toMatchObject({
        rowsRead: 2,
        recordsImported: 0,
        duplicates: 2,
        matched: 2,
      });
      const transfers = (await records(store)).filter((r) => r.kind === 'transfer').map((r) => r.id);
      expect(transfers.sort()).toEqual([
        'deposit:stmt:USDT:' + String(at(1)) + ':1000',
        'wallet:555001',
        `wallet:stmt:USDT:${at(3, 9)}:300`,
      ]);
      const matches = (await store.listMatches({ kind: 'transfer' }))
        .map((m) => [m.recordId, m.rule, m.details?.['csvId']])
        .sort();
      expect(matches).toEqual([
        ['wallet:555001', 'futures-transfer-asset-amount-time', 'wallet:futures:9012'],
        [`wallet:stmt:USDT:${at(3, 9)}:300`, 'futures-transfer-asset-amount-time', 'wallet:futures:9011'],
      ]);
      expect((await store.getRecord('main', 'transfer', 'wallet:555001'))?.sources).toEqual(['api', 'csv']);
      // A transfer of the same amount between spot and funding is another move.
      const other = await writeCsv(dir, 'statement-funding.csv', [
        STATEMENT[0]!,
        '2024-03-05 09:00:00,Spot,Transfer Between Main and Funding Wallet,USDT,-50,',
        '2024-03-05 09:00:00,Funding,Transfer Between Main and Funding Wallet,USDT,50,',
      ]);
      await importCli(location, other);
      expect(
        await importCli(
          location,
          await writeCsv(dir, 'futures-2.csv', [HEADER, '2024-03-05 09:00:00,TRANSFER,50,USDT,,9013']),
        ),
      ).toMatchObject({ recordsImported: 1, matched: 0 });
    });

    it('a sync after the import folds the TRANSFER row into the universal transfer it stores', async () => {
      const dir = await tempDir();
      const file = await writeCsv(dir, 'futures.csv', [HEADER, FUTURES[12]!]);
      const { store, location } = await openLedgerIn(dir);
      expect(await importCli(location, file)).toMatchObject({ recordsImported: 1 });
      // What `sync` does: store the API's copy, then fold the CSV copies stored before it.
      await store.putRecords([API_TRANSFER]);
      expect(await mergeCsvCopies(store, { account: 'main' })).toMatchObject({ merged: 1 });
      const transfers = (await records(store)).filter((r) => r.kind === 'transfer');
      expect(transfers.map((r) => r.id)).toEqual(['wallet:555001']);
      expect((await store.getRecord('main', 'transfer', 'wallet:555001'))?.sources).toEqual(['api', 'csv']);
    });

    it('rows an earlier release quarantined as futures_not_modeled are resolved by importing again', async () => {
      const dir = await tempDir();
      const file = await writeCsv(dir, 'futures.csv', FUTURES.slice(0, 3));
      const { store, location } = await openLedgerIn(dir);
      const names = HEADER.split(',');
      for (const [i, line] of FUTURES.slice(1, 3).entries()) {
        const row = Object.fromEntries(line.split(',').map((v, c) => [names[c]!, v]));
        await store.addQuarantine({
          account: 'main',
          file: 'futures.csv',
          line: i + 2,
          operation: row['type']!,
          row,
          reason: 'futures_not_modeled',
          fingerprint: csvFingerprint('csv-quarantine', 'main', JSON.stringify(['futures_not_modeled', row])),
        });
      }
      expect(await importCli(location, file)).toMatchObject({
        recordsImported: 2,
        quarantined: 0,
        quarantineResolved: 2,
      });
      expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
      expect((await store.listQuarantine({ account: 'main' })).map((q) => q.resolvedAs?.id).sort()).toEqual([
        'futures:9001:REALIZED_PNL:USDT',
        'futures:9002:COMMISSION:USDT',
      ]);
    });

    it("a futures account's Fee row is the futures commission, not a leg of the spot trade in its second", async () => {
      const dir = await tempDir();
      const header = 'UTC_Time,Account,Operation,Coin,Change,Remark';
      const lines = [
        '2024-03-01 08:00:00,Spot,Buy,BTC,0.01,',
        '2024-03-01 08:00:00,Spot,Buy,USDT,-600,',
        '2024-03-01 08:00:00,Spot,Fee,BNB,-0.001,',
        '2024-03-01 08:00:00,USDT-Futures,Fee,USDT,-0.0412,',
        '2024-03-02 08:00:00,Coin-M Futures,Fee,BTC,-0.00001,',
      ];
      const statement = await writeCsv(dir, 'statement.csv', [header, ...lines]);
      const { store, location } = await openLedgerIn(dir);
      // The release before this one kept the lone COIN-M fee row as an ungrouped trade leg.
      const earlier = earlierQuarantine(header, lines[4]!, 'ungrouped_legs:trade');
      await store.addQuarantine({
        account: 'main',
        file: 'statement.csv',
        line: 6,
        operation: earlier.operation,
        row: earlier.row,
        reason: 'ungrouped_legs:trade',
        fingerprint: earlier.fingerprint,
      });
      expect(await importCli(location, statement)).toMatchObject({
        recordsImported: 3,
        quarantined: 0,
        quarantineResolved: 1,
      });
      const all = await records(store);
      expect(all.filter((r) => r.kind === 'trade')).toEqual([
        expect.objectContaining({
          symbol: 'BTCUSDT',
          side: 'buy',
          qty: '0.01',
          fee: '0.001',
          feeAsset: 'BNB',
        }),
      ]);
      expect(
        all
          .filter((r) => r.kind === 'balance_change')
          .sort((a, b) => a.time - b.time)
          .map((r) =>
            r.kind === 'balance_change' ? [r.category, r.operation, r.wallet, r.asset, r.amount] : [],
          ),
      ).toEqual([
        ['futures', 'Fee', 'umfuture', 'USDT', '-0.0412'],
        ['futures', 'Fee', 'cmfuture', 'BTC', '-0.00001'],
      ]);
      expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
    });

    it.each([
      ['statement first', ['statement', 'futures']],
      ['futures export first', ['futures', 'statement']],
    ])(
      'statement and futures export, %s, in separate commands: nothing counted twice',
      async (_name, order) => {
        const dir = await tempDir();
        const files: Record<string, string> = {
          statement: await writeCsv(dir, 'statement.csv', STATEMENT),
          futures: await writeCsv(dir, 'futures.csv', FUTURES),
        };
        const { store, location } = await openLedgerIn(dir);
        await store.putRecords([API_TRANSFER]);
        for (const f of order) expect((await importCli(location, files[f]!)).quarantined).toBe(0);

        const all = await records(store);
        // 10 export changes + the statement-only funding fee; the deposit, the UM transfer, the API's.
        expect([count(all, 'balance_change'), count(all, 'transfer'), all.length]).toEqual([11, 3, 14]);
        expect(await walletTotals(store)).toEqual(TOTALS);
        // Six statement futures rows are the export's rows (type mapped); the funding fee of the
        // commission's amount is not the commission.
        const matched = await store.listMatches({ kind: 'balance_change' });
        expect(matched).toHaveLength(6);
        // The copy imported first is the one stored; the other file's row is its recorded match.
        const storedOps = (
          await Promise.all(
            matched.map(async (m) => {
              const stored = (await store.getRecord('main', 'balance_change', m.recordId))!.record;
              return stored.kind === 'balance_change' ? stored.operation : '';
            }),
          )
        ).sort();
        expect(storedOps).toEqual(
          order[0] === 'futures'
            ? ['COMMISSION', 'COMMISSION', 'FUNDING_FEE', 'INSURANCE_CLEAR', 'REALIZED_PNL', 'REALIZED_PNL']
            : [
                'Fee',
                'Fee',
                'Funding Fee',
                'Insurance Fund Compensation',
                'Realized Profit and Loss',
                'Realized Profit and Loss',
              ],
        );
        const lone = all.filter(
          (r) => r.kind === 'balance_change' && r.operation === 'Funding Fee' && r.amount === '-0.0412',
        );
        expect(lone).toHaveLength(1);

        // Each file again, in the same order: idempotent.
        for (const f of order)
          expect(await importCli(location, files[f]!)).toMatchObject({ recordsImported: 0, quarantined: 0 });
        expect(await store.countRecords({ account: 'main' })).toBe(14);
        expect(await walletTotals(store)).toEqual(TOTALS);
        expect(await store.listMatches({ kind: 'balance_change' })).toHaveLength(6);
      },
    );

    it('an unknown type is quarantined with its file, line and type; the other rows import', async () => {
      const dir = await tempDir();
      const file = await writeCsv(dir, 'futures-unknown.csv', [
        HEADER,
        '2024-03-01 08:00:00,REALIZED_PNL,1,USDT,BTCUSDT,1',
        '2024-03-01 08:00:00,MYSTERY_PAYOUT,2.5E-1,USDT,BTCUSDT,2',
      ]);
      const { store, location } = await openLedgerIn(dir);
      const report = await importCli(location, file);
      expect(report).toMatchObject({
        recordsImported: 1,
        quarantined: 1,
        quarantineReasons: { unknown_operation: 1 },
      });
      expect(report.warnings).toEqual([
        `${file}: line 3: unknown futures type "MYSTERY_PAYOUT": the row is kept in quarantine with its amount.`,
      ]);
      const [q] = await store.listQuarantine({});
      expect(q).toMatchObject({
        file,
        line: 3,
        operation: 'MYSTERY_PAYOUT',
        reason: 'unknown_operation',
        row: expect.objectContaining({ type: 'MYSTERY_PAYOUT', netChange: '0.25' }),
      });
      // Again: the quarantine row is not written twice.
      expect(await importCli(location, file)).toMatchObject({ recordsImported: 0, quarantined: 1 });
      expect(await store.listQuarantine({})).toHaveLength(1);
    });

    it.each([
      [
        'a bad amount',
        [
          HEADER,
          '2024-03-01 08:00:00,FUNDING_FEE,-1,USDT,BTCUSDT,1',
          '2024-03-01 08:00:00,FUNDING_FEE,lots,USDT,BTCUSDT,2',
        ],
        'input.csv_bad_value',
        /bad\.csv: line 3, column 3 \(Amount\): is not an amount: "lots"/,
      ],
      [
        'a row missing its asset',
        [HEADER, '2024-03-01 08:00:00,COMMISSION,-1'],
        'input.csv_bad_value',
        /bad\.csv: line 2, column 4 \(Asset\): is empty/,
      ],
      [
        'a header missing the Amount column',
        ['Date(UTC),type,Asset,Symbol,Transaction ID', '2024-03-01 08:00:00,COMMISSION,USDT,BTCUSDT,1'],
        'input.csv_unknown_header',
        /bad\.csv: line 1: unknown header/,
      ],
    ])('%s fails naming the file and line; nothing written', async (_name, lines, code, message) => {
      const dir = await tempDir();
      await writeCsv(dir, 'bad.csv', lines);
      const { store, location } = await openLedgerIn(dir);
      const out = await runCliInProcess(['import', 'csv', 'bad.csv', '--db', location, '--json'], {
        cwd: dir,
      });
      expect(out.code).toBe(2);
      const failure = (JSON.parse(out.stdout) as { failures: { error: { code: string; message: string } }[] })
        .failures[0]!;
      expect(failure.error.code).toBe(code);
      expect(failure.error.message).toMatch(message);
      expect(await store.countRecords({})).toBe(0);
      expect(await store.listQuarantine({})).toEqual([]);
    });
  });
}
