/**
 * De-duplication: the same file twice, overlapping exports, the same history in two header generations,
 * and CSV rows meeting records an API sync stored first (natural keys, TXIDs with the `Internal transfer`
 * prefix, fee-inclusive withdrawals, statement legs confirming several fills), every match recorded and
 * every source remembered. On SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { importCsvFile } from '../../../connectors/index.js';
import type { IncomingRecord } from '../../../ledger/index.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { apiDeposit, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-dedupe-');
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number =>
  Date.UTC(y, mo - 1, d, h, mi, s);

const HEADER = 'UTC_Time,Account,Operation,Coin,Change,Remark';
const ROWS = [
  '2022-01-01 10:00:00,Spot,Deposit,BTC,1,',
  '2022-01-02 10:00:00,Spot,Buy,ETH,2,',
  '2022-01-02 10:00:00,Spot,Buy,BTC,-0.15,',
  '2022-01-02 10:00:00,Spot,Fee,ETH,-0.002,',
  '2022-01-03 10:00:00,Spot,Savings Interest,ETH,0.0001,',
  '2022-01-04 10:00:00,Spot,Mystery Bonus,ETH,0.5,',
  '2022-01-05 10:00:00,Spot,Withdraw,BTC,-0.5005,Withdraw fee is included',
];

for (const backend of BACKENDS) {
  describe(`CSV de-duplication on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('the same file twice adds nothing (records, quarantine)', async () => {
      const dir = await tempDir();
      const open = await openLedgerIn(dir);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...ROWS]);
      const first = await importCsvFile(open.store, file);
      expect(first).toMatchObject({
        rowsRead: 7,
        recordsImported: 4,
        duplicates: 0,
        grouped: 3,
        quarantined: 1,
      });
      const second = await importCsvFile(open.store, file);
      expect(second).toMatchObject({ rowsRead: 7, recordsImported: 0, duplicates: 4, quarantined: 1 });
      expect(await open.store.countRecords({})).toBe(4);
      expect(await open.store.listQuarantine({})).toHaveLength(1);
      expect(await open.store.listImportFiles({})).toHaveLength(2);
    });

    it('overlapping exports, and the same history in the 2025 generation, add nothing twice', async () => {
      const dir = await tempDir();
      const open = await openLedgerIn(dir);
      const a = await writeCsv(dir, 'a.csv', [HEADER, ...ROWS.slice(0, 4)]);
      const b = await writeCsv(dir, 'b.csv', [HEADER, ...ROWS.slice(1)]);
      await importCsvFile(open.store, a);
      const rb = await importCsvFile(open.store, b);
      expect(rb).toMatchObject({ recordsImported: 2, duplicates: 1 });
      // The same rows as a 2025 export in UTC+2: local times, two-digit years, zone only in the name.
      const local = ROWS.map((r) => {
        const [t, ...rest] = r.split(',');
        const ms = Date.parse(`${t!.replace(' ', 'T')}Z`) + 2 * 3600_000;
        const d = new Date(ms).toISOString();
        return ['9', `${d.slice(2, 10)} ${d.slice(11, 19)}`, ...rest].join(',');
      });
      const c = await writeCsv(dir, 'Binance-Transaction-History-202201060000(UTC+2).csv', [
        '\ufeffUser ID,Time,Account,Operation,Coin,Change,Remark',
        ...local,
      ]);
      const rc = await importCsvFile(open.store, c);
      expect(rc).toMatchObject({ recordsImported: 0, duplicates: 4, timeZone: 'UTC+2' });
      expect(await open.store.countRecords({})).toBe(4);
    });

    it('CSV after an API sync adds only what the API lacked, records every match, remembers both sources', async () => {
      const dir = await tempDir();
      const open = await openLedgerIn(dir);
      const api: IncomingRecord[] = [
        // Two fills of one order in the second the statement shows as one Buy/Buy/Fee group.
        {
          kind: 'trade',
          id: 'ETHBTC:101',
          account: 'main',
          time: utc(2022, 1, 2, 10) + 120,
          source: 'api',
          symbol: 'ETHBTC',
          baseAsset: 'ETH',
          quoteAsset: 'BTC',
          tradeId: '101',
          orderId: '9',
          side: 'buy',
          price: '0.075',
          qty: '1.5',
          quoteQty: '0.1125',
          fee: '0.0015',
          feeAsset: 'ETH',
          isMaker: false,
        },
        {
          kind: 'trade',
          id: 'ETHBTC:102',
          account: 'main',
          time: utc(2022, 1, 2, 10) + 480,
          source: 'api',
          symbol: 'ETHBTC',
          baseAsset: 'ETH',
          quoteAsset: 'BTC',
          tradeId: '102',
          orderId: '9',
          side: 'buy',
          price: '0.075',
          qty: '0.5',
          quoteQty: '0.0375',
          fee: '0.0005',
          feeAsset: 'ETH',
          isMaker: false,
        },
        // The statement's withdrawal change is amount + fee.
        {
          kind: 'transfer',
          id: 'withdrawal:w1',
          account: 'main',
          time: utc(2022, 1, 5, 10) + 300,
          source: 'api',
          direction: 'out',
          type: 'withdrawal',
          asset: 'BTC',
          amount: '0.5',
          fee: '0.0005',
          txId: 'abc',
          internal: false,
          status: 'completed',
        },
        // An internal deposit stored with the prefix (as versions before the normalization kept it); the export
        // writes `Internal transfer <id>`: they still match.
        apiDeposit(999, { txId: 'Internal transfer 777', internal: true }),
      ];
      await open.store.putRecords(api);
      const statement = await writeCsv(dir, 'statement.csv', [HEADER, ...ROWS]);
      const report = await importCsvFile(open.store, statement);
      // Deposit, trade (2 fills), withdrawal matched; interest is new; the unknown operation quarantined.
      expect(report).toMatchObject({ recordsImported: 1, duplicates: 3, matched: 3, quarantined: 1 });
      expect(await open.store.countRecords({})).toBe(5);
      for (const id of ['ETHBTC:101', 'ETHBTC:102', 'withdrawal:w1', 'deposit:d1']) {
        const kind = id.startsWith('ETHBTC') ? 'trade' : 'transfer';
        expect((await open.store.getRecord('main', kind, id))?.sources, id).toEqual(['api', 'csv']);
      }
      const matches = await open.store.listMatches({});
      expect(matches.map((m) => [m.recordId, m.rule]).sort()).toEqual(
        [
          ['ETHBTC:101', 'statement-legs-fills'],
          ['ETHBTC:102', 'statement-legs-fills'],
          ['deposit:d1', 'asset-amount-time'],
          ['withdrawal:w1', 'asset-amount-time-fee-inclusive'],
        ].sort(),
      );
      // The deposit export names the same deposit by its TXID with the prefix: matched, nothing added.
      const deposits = await writeCsv(dir, 'Binance-Deposit-History.csv', [
        'Date(UTC),Coin,Network,Amount,TransactionFee,Address,TXID,SourceAddress,PaymentID,Status',
        '2022-01-01 10:00:00,BTC,BTC,1,0,bc1q,Internal transfer 777,,,Completed',
      ]);
      const rd = await importCsvFile(open.store, deposits);
      expect(rd).toMatchObject({ recordsImported: 0, duplicates: 1, matched: 1 });
      // Its network and address fill what the stored copy lacked.
      expect((await open.store.getRecord('main', 'transfer', 'deposit:d1'))?.record).toMatchObject({
        network: 'BTC',
        address: 'bc1q',
      });
      // Importing both again changes nothing.
      await importCsvFile(open.store, statement);
      await importCsvFile(open.store, deposits);
      expect(await open.store.countRecords({})).toBe(5);
      expect(await open.store.listMatches({})).toHaveLength(5);
    });

    it('identical fills in one second stay two records; a later export with one of them matches one, not both', async () => {
      const dir = await tempDir();
      const open = await openLedgerIn(dir);
      const header = 'Date(UTC),Pair,Side,Price,Executed,Amount,Fee';
      const row = '2021-06-01 12:00:00,BTCUSDT,BUY,100,1BTC,100USDT,0.001BTC';
      await importCsvFile(open.store, await writeCsv(dir, 'trades.csv', [header, row, row]));
      expect(await open.store.countRecords({ kind: 'trade' })).toBe(2);
      const r = await importCsvFile(open.store, await writeCsv(dir, 'trades-again.csv', [header, row]));
      expect(r).toMatchObject({ recordsImported: 0, duplicates: 1 });
      expect(await open.store.countRecords({ kind: 'trade' })).toBe(2);
    });
  });
}
