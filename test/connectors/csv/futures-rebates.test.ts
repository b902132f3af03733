/**
 * The Futures export and the statement together, rebates and the statement-first record:
 * - a futures rebate or kickback (`REFERRAL_KICKBACK`, `COMMISSION_REBATE`; the statement's
 *   `Referral Kickback`, `Commission Rebate`, `Futures Referral Kickback` rows of a futures account) is one
 *   futures `balance_change` in its futures wallet whichever file comes first; the same label in the spot
 *   account stays a `dividend`;
 * - with the statement first, the export's row fills in the stored record's `symbol`, `walletBasis` and
 *   `tranId`, its id unchanged, and importing again changes nothing;
 * - a ledger an earlier release filled (rebates stored as dividends, an unknown label quarantined, both
 *   files counted) heals on re-import of either file.
 * Through the CLI on SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { IncomingRecord, LedgerStore } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { importCli, walletTotals, type FileReport } from './cli-import.js';
import { earlierQuarantine, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-futures-rebates-');
const at = (d: number, h = 0): number => Date.UTC(2024, 2, d, h);

const FUTURES_HEADER = 'Date(UTC),type,Amount,Asset,Symbol,Transaction ID';
const FUTURES = [
  FUTURES_HEADER,
  '2024-03-01 08:00:00,REALIZED_PNL,12.34,USDT,BTCUSDT,9001',
  '2024-03-05 10:00:00,REFERRAL_KICKBACK,0.5,USDT,BTCUSDT,9101',
  // No symbol: the wallet from the asset (USDT: USDⓈ-M), which agrees with the statement's account.
  '2024-03-05 11:00:00,COMMISSION_REBATE,0.2,USDT,,9102',
  '2024-03-06 12:00:00,REFERRAL_KICKBACK,0.00001,BTC,BTCUSD_PERP,9103',
];

const STATEMENT_HEADER = 'UTC_Time,Account,Operation,Coin,Change,Remark';
const STATEMENT_ROWS = [
  '2024-03-01 08:00:00,USDT-Futures,Realized Profit and Loss,USDT,12.34,',
  '2024-03-05 10:00:00,USDT-Futures,Referral Kickback,USDT,0.5,',
  // The spot account's own kickback of the same amount in the same second: another movement.
  '2024-03-05 10:00:00,Spot,Referral Kickback,USDT,0.5,',
  '2024-03-05 11:00:00,USDT-Futures,Commission Rebate,USDT,0.2,',
  '2024-03-06 12:00:00,Coin-M Futures,Futures Referral Kickback,BTC,0.00001,',
];
const STATEMENT = [STATEMENT_HEADER, ...STATEMENT_ROWS];

/** Whatever the order: per wallet and asset (the futures credits once, the spot kickback in spot). */
const TOTALS = {
  'cmfuture BTC': '0.00001',
  'spot USDT': '0.5',
  'umfuture USDT': '13.04',
};

async function records(store: LedgerStore): Promise<AccountRecord[]> {
  return (await store.queryRecords({ account: 'main' }))
    .map((s) => s.record)
    .sort((a, b) => a.time - b.time || (a.kind + a.id < b.kind + b.id ? -1 : 1));
}

type Change = Extract<AccountRecord, { kind: 'balance_change' }>;
const changes = (rs: AccountRecord[]): Change[] => rs.filter((r): r is Change => r.kind === 'balance_change');

/** The statement-first records after the export: the statement's ids and labels, the export's fields. */
const STATEMENT_FIRST: Partial<Change>[] = [
  {
    id: `futures:stmt:USDT:${at(1, 8)}:12.34`,
    operation: 'Realized Profit and Loss',
    wallet: 'umfuture',
    amount: '12.34',
    symbol: 'BTCUSDT',
    walletBasis: 'symbol',
    tranId: '9001',
  },
  {
    id: `futures:stmt:USDT:${at(5, 10)}:0.5`,
    operation: 'Referral Kickback',
    wallet: 'umfuture',
    amount: '0.5',
    symbol: 'BTCUSDT',
    walletBasis: 'symbol',
    tranId: '9101',
  },
  {
    id: `futures:stmt:USDT:${at(5, 11)}:0.2`,
    operation: 'Commission Rebate',
    wallet: 'umfuture',
    amount: '0.2',
    walletBasis: 'asset',
    tranId: '9102',
  },
  {
    id: `futures:stmt:BTC:${at(6, 12)}:0.00001`,
    operation: 'Futures Referral Kickback',
    wallet: 'cmfuture',
    amount: '0.00001',
    symbol: 'BTCUSD_PERP',
    walletBasis: 'symbol',
    tranId: '9103',
  },
];

/** The export-first records: the export's ids and types. */
const EXPORT_FIRST: [id: string, wallet: string, amount: string][] = [
  ['futures:9001:REALIZED_PNL:USDT', 'umfuture', '12.34'],
  ['futures:9101:REFERRAL_KICKBACK:USDT', 'umfuture', '0.5'],
  ['futures:9102:COMMISSION_REBATE:USDT', 'umfuture', '0.2'],
  ['futures:9103:REFERRAL_KICKBACK:BTC', 'cmfuture', '0.00001'],
];

/** The spot kickback: a dividend, numbered after the futures row of its second as every release did. */
const SPOT_DIVIDEND = `stmt:${at(5, 10)}:USDT:0.5#2`;

for (const backend of BACKENDS) {
  describe(`futures rebates and statement-first records on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it.each([
      ['statement first', ['statement', 'futures']],
      ['futures export first', ['futures', 'statement']],
    ])(
      '%s, in separate commands: one futures record per rebate, nothing counted twice',
      async (_n, order) => {
        const dir = await tempDir();
        const files: Record<string, string> = {
          statement: await writeCsv(dir, 'statement.csv', STATEMENT),
          futures: await writeCsv(dir, 'futures.csv', FUTURES),
        };
        const { store, location } = await openLedgerIn(dir);
        const first = await importCli(location, files[order[0]!]!);
        const second = await importCli(location, files[order[1]!]!);
        expect([first.quarantined, second.quarantined]).toEqual([0, 0]);
        // The second file's four futures rows are the first's records (the spot kickback is its own).
        expect(second).toMatchObject({ recordsImported: order[1] === 'statement' ? 1 : 0, matched: 4 });

        const all = await records(store);
        expect(all.map((r) => r.kind).sort()).toEqual([
          'balance_change',
          'balance_change',
          'balance_change',
          'balance_change',
          'dividend',
        ]);
        expect(all.filter((r) => r.kind === 'dividend')).toEqual([
          expect.objectContaining({
            id: SPOT_DIVIDEND,
            asset: 'USDT',
            amount: '0.5',
            info: 'Referral Kickback',
          }),
        ]);
        expect(await walletTotals(store)).toEqual(TOTALS);
        const stored = changes(all);
        expect(stored.every((c) => c.category === 'futures')).toBe(true);
        if (order[0] === 'statement') {
          // Each stored record keeps its id and label, and holds what only the export knows.
          expect(stored).toEqual(STATEMENT_FIRST.map((c) => expect.objectContaining(c)));
          expect(stored[2]).not.toHaveProperty('symbol');
        } else {
          expect(stored.map((c) => [c.id, c.wallet, c.amount])).toEqual(EXPORT_FIRST);
          expect(stored.map((c) => c.tranId)).toEqual(['9001', '9101', '9102', '9103']);
        }
        const matches = await store.listMatches({ kind: 'balance_change' });
        expect(matches.map((m) => m.recordId).sort()).toEqual(stored.map((c) => c.id).sort());
        for (const c of stored)
          expect((await store.getRecord('main', 'balance_change', c.id))?.sources).toEqual(['csv']);

        // Both files again, either order: nothing added, removed or changed.
        const before = await records(store);
        for (const f of [...order, ...[...order].reverse()])
          expect(await importCli(location, files[f]!)).toMatchObject({ recordsImported: 0, quarantined: 0 });
        expect(await records(store)).toEqual(before);
        expect(await store.listMatches({ kind: 'balance_change' })).toHaveLength(4);
        expect(await walletTotals(store)).toEqual(TOTALS);
      },
    );

    it('statement first: a rebate whose export row decides another wallet gets its tranId, not the basis', async () => {
      const dir = await tempDir();
      // A BTC rebate in the USDⓈ-M wallet (multi-asset mode); the export, with no symbol, would say COIN-M.
      const statement = await writeCsv(dir, 'statement.csv', [
        STATEMENT_HEADER,
        '2024-03-07 09:00:00,USDT-Futures,Commission Rebate,BTC,0.00002,',
      ]);
      const futures = await writeCsv(dir, 'futures.csv', [
        FUTURES_HEADER,
        '2024-03-07 09:00:00,COMMISSION_REBATE,0.00002,BTC,,9201',
      ]);
      const { store, location } = await openLedgerIn(dir);
      await importCli(location, statement);
      expect(await importCli(location, futures)).toMatchObject({ recordsImported: 0, matched: 1 });
      const [only, ...rest] = await records(store);
      expect(rest).toEqual([]);
      expect(only).toEqual({
        kind: 'balance_change',
        id: `futures:stmt:BTC:${at(7, 9)}:0.00002`,
        account: 'main',
        time: at(7, 9),
        category: 'futures',
        operation: 'Commission Rebate',
        wallet: 'umfuture',
        asset: 'BTC',
        amount: '0.00002',
        tranId: '9201',
      });
    });

    it('a rebate label the earlier release did not know, in the spot account, is a dividend resolving its quarantine row', async () => {
      const dir = await tempDir();
      const line = '2024-03-08 09:00:00,Spot,API Rebate,USDT,0.3,';
      const statement = await writeCsv(dir, 'statement.csv', [STATEMENT_HEADER, line]);
      const { store, location } = await openLedgerIn(dir);
      const earlier = earlierQuarantine(STATEMENT_HEADER, line, 'unknown_operation');
      await store.addQuarantine({
        account: 'main',
        file: 'statement.csv',
        line: 2,
        operation: earlier.operation,
        row: earlier.row,
        reason: 'unknown_operation',
        fingerprint: earlier.fingerprint,
      });
      expect(await importCli(location, statement)).toMatchObject({
        recordsImported: 1,
        quarantined: 0,
        quarantineResolved: 1,
      });
      const id = `stmt:${at(8, 9)}:USDT:0.3`;
      expect(await records(store)).toEqual([
        expect.objectContaining({ kind: 'dividend', id, amount: '0.3', info: 'API Rebate', direction: 'in' }),
      ]);
      expect((await store.listQuarantine({ account: 'main' })).map((q) => q.resolvedAs)).toEqual([
        { kind: 'dividend', id },
      ]);
      expect(await walletTotals(store)).toEqual({ 'spot USDT': '0.3' });
    });

    /**
     * What an earlier release left: the statement's futures rebate rows as dividends (the futures row of
     * its second numbered first), its `Futures Referral Kickback` row quarantined as unknown, and (when
     * the Futures export was imported with the release before this one) the export's copies beside them.
     */
    async function earlierLedger(store: LedgerStore, withExportCopies: boolean): Promise<void> {
      const names = STATEMENT_HEADER.split(',');
      const raw = (line: string): Record<string, string> =>
        Object.fromEntries(line.split(',').map((v, i) => [names[i]!, v]));
      const dividend = (line: string, id: string): IncomingRecord => {
        const row = raw(line);
        return {
          kind: 'dividend',
          id,
          account: 'main',
          time: Date.parse(`${row['UTC_Time']!.replace(' ', 'T')}Z`),
          source: 'csv',
          raw: row,
          asset: row['Coin']!,
          amount: row['Change']!,
          info: row['Operation']!,
          direction: 'in',
        } as IncomingRecord;
      };
      // The statement's PnL row: its own record, or (the export imported first) a match of the export's.
      const pnl = {
        kind: 'balance_change',
        id: `futures:stmt:USDT:${at(1, 8)}:12.34`,
        account: 'main',
        time: at(1, 8),
        source: 'csv',
        raw: raw(STATEMENT_ROWS[0]!),
        category: 'futures',
        operation: 'Realized Profit and Loss',
        wallet: 'umfuture',
        asset: 'USDT',
        amount: '12.34',
      } as IncomingRecord;
      await store.putRecords([
        ...(withExportCopies ? [] : [pnl]),
        dividend(STATEMENT_ROWS[1]!, `stmt:${at(5, 10)}:USDT:0.5`),
        dividend(STATEMENT_ROWS[2]!, SPOT_DIVIDEND),
        dividend(STATEMENT_ROWS[3]!, `stmt:${at(5, 11)}:USDT:0.2`),
      ]);
      const unknown = earlierQuarantine(STATEMENT_HEADER, STATEMENT_ROWS[4]!, 'unknown_operation');
      await store.addQuarantine({
        account: 'main',
        file: 'statement.csv',
        line: 6,
        operation: unknown.operation,
        row: unknown.row,
        reason: 'unknown_operation',
        fingerprint: unknown.fingerprint,
      });
      // A quarantine row an earlier import resolved with the futures kickback's dividend.
      await store.addQuarantine({
        account: 'main',
        file: 'old.csv',
        line: 2,
        row: { note: 'resolved by the dividend' },
        reason: 'not_modeled:distribution',
        fingerprint: 'old-resolved',
      });
      await store.resolveQuarantine({
        account: 'main',
        fingerprint: 'old-resolved',
        kind: 'dividend',
        recordId: `stmt:${at(5, 10)}:USDT:0.5`,
      });
      if (withExportCopies) {
        // The release before this one: the export's rows as futures balance changes, no tranId field.
        await store.putRecords(
          EXPORT_FIRST.map(([id, wallet, amount], i) => {
            const [, , type, asset] = id.split(':');
            const line = FUTURES[i + 1]!.split(',');
            return {
              kind: 'balance_change',
              id,
              account: 'main',
              time: Date.parse(`${line[0]!.replace(' ', 'T')}Z`),
              source: 'csv',
              raw: Object.fromEntries(FUTURES_HEADER.split(',').map((n, c) => [n, line[c]!])),
              category: 'futures',
              operation: type,
              wallet,
              walletBasis: line[4] ? 'symbol' : 'asset',
              asset,
              amount,
              ...(line[4] ? { symbol: line[4] } : {}),
            } as IncomingRecord;
          }),
        );
      }
    }

    it.each([
      ['the statement again', false, ['statement', 'futures']],
      ['the futures export', false, ['futures', 'statement']],
      ['the statement again, both files counted before', true, ['statement']],
      ['the futures export again, both files counted before', true, ['futures', 'statement']],
    ])('a ledger an earlier release filled heals by importing %s', async (_n, withExportCopies, order) => {
      const dir = await tempDir();
      const files: Record<string, string> = {
        statement: await writeCsv(dir, 'statement.csv', STATEMENT),
        futures: await writeCsv(dir, 'futures.csv', FUTURES),
      };
      const { store, location } = await openLedgerIn(dir);
      await earlierLedger(store, withExportCopies as boolean);
      // Before: the futures rebates count in spot as dividends (and twice with the export's copies).
      expect(await walletTotals(store)).not.toEqual(TOTALS);

      const reports: FileReport[] = [];
      for (const f of order as string[]) reports.push(await importCli(location, files[f]!));
      expect(reports.every((r) => r.quarantined === 0)).toBe(true);

      const all = await records(store);
      // The futures rebates' dividends are gone; the spot kickback's stays under its id.
      expect(all.filter((r) => r.kind === 'dividend').map((r) => r.id)).toEqual([SPOT_DIVIDEND]);
      expect(changes(all)).toHaveLength(4);
      expect(await walletTotals(store)).toEqual(TOTALS);
      // The unknown label's row and the row the dividend held are resolved by the futures records.
      expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
      const resolved = await store.listQuarantine({ account: 'main' });
      const holders = new Set(changes(all).map((c) => c.id));
      expect(resolved).toHaveLength(2);
      for (const q of resolved) {
        expect(q.resolvedAs?.kind).toBe('balance_change');
        expect(holders.has(q.resolvedAs!.id)).toBe(true);
      }
      const kickback = changes(all).find((c) => c.asset === 'USDT' && c.amount === '0.5')!;
      expect(resolved.find((q) => q.fingerprint === 'old-resolved')?.resolvedAs?.id).toBe(kickback.id);

      // Both files again (the export's own records from the release before this one gain their
      // tranId), then once more: nothing changes.
      for (const f of ['statement', 'futures'])
        expect(await importCli(location, files[f]!)).toMatchObject({ recordsImported: 0, quarantined: 0 });
      expect(await walletTotals(store)).toEqual(TOTALS);
      expect(changes(await records(store)).every((c) => c.tranId !== undefined)).toBe(true);
      const before = await records(store);
      for (const f of ['statement', 'futures', 'statement'])
        expect(await importCli(location, files[f]!)).toMatchObject({ recordsImported: 0, quarantined: 0 });
      expect(await records(store)).toEqual(before);
      expect(await walletTotals(store)).toEqual(TOTALS);
    });
  });
}
