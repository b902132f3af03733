/**
 * Auto-Invest executions whose trading fee the Transaction History writes as rows of their own (`Transaction
 * Fee`, or `Fee` in the older labels), beside an execution of an earlier period whose source debit includes
 * the fee. Each fee row goes to its execution (single runs and a portfolio run of two targets bought in
 * one second), which then carries the amount spent net of the fee and the fee, field for field as the
 * API's copy (normalized by the sync's own normalizer); nothing is quarantined or counted twice, whichever
 * order the file runs in and whichever of statement and API comes first; a ledger an earlier release filled
 * (fee rows quarantined, copies without their fee) heals on re-import. Through the CLI, on SQLite and
 * (with LEDGERTAP_TEST_PG) PostgreSQL. Then the sandbox's own statement (both periods) imported alone.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDecimals } from '../../../core/index.js';
import { binanceNormalize, mergeCsvCopies } from '../../../connectors/index.js';
import type { IncomingRecord, LedgerStore } from '../../../ledger/index.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { importCli, walletTotals } from './cli-import.js';
import { earlierQuarantine, writeCsv } from './statements.js';
import { csvKey, ledgerRecords, useSandboxExports } from './truth-compare.js';

const tempDir = useTempDirs('ledgertap-csv-ai-fees-');

const HEADER = 'UTC_Time,Account,Operation,Coin,Change,Remark';
const AI = 'Auto-Invest Transaction';
/** An execution of the earlier period: the fee (0.05) folded into the source debit, no fee row. */
const FOLDED = [`2023-04-24 08:00:00,Spot,${AI},USDT,-50.05,`, `2023-04-24 08:00:00,Spot,${AI},BTC,0.0019,`];
/** A single-target run: debit net of the fee, the fee row after its legs. */
const SINGLE = [
  `2023-05-01 08:00:00,Spot,${AI},USDT,-50,`,
  `2023-05-01 08:00:00,Spot,${AI},BTC,0.0018,`,
  '2023-05-01 08:00:00,Spot,Transaction Fee,USDT,-0.05,',
];
/** A portfolio run (25 USDT to BTC, 20 to ETH) in one second, each execution's fee row after its legs. */
const PORTFOLIO = [
  `2023-05-08 08:00:00,Spot,${AI},USDT,-25,`,
  `2023-05-08 08:00:00,Spot,${AI},BTC,0.0009,`,
  '2023-05-08 08:00:00,Spot,Transaction Fee,USDT,-0.025,',
  `2023-05-08 08:00:00,Spot,${AI},USDT,-20,`,
  `2023-05-08 08:00:00,Spot,${AI},ETH,0.013,`,
  '2023-05-08 08:00:00,Spot,Transaction Fee,USDT,-0.02,',
];
const FEE_ROWS = [SINGLE[2]!, PORTFOLIO[2]!, PORTFOLIO[5]!];

/** The same statement laid out as the exports do: oldest first, newest first, fee rows apart in old labels. */
const LAYOUTS: [string, string[]][] = [
  ['oldest first', [...FOLDED, ...SINGLE, ...PORTFOLIO]],
  ['newest first', [...FOLDED, ...SINGLE, ...PORTFOLIO].reverse()],
  [
    'fee rows after all legs of their second, labelled `Fee`',
    [
      ...FOLDED,
      ...SINGLE,
      ...[0, 1, 3, 4].map((i) => PORTFOLIO[i]!),
      '2023-05-08 08:00:00,Spot,Fee,USDT,-0.02,',
      '2023-05-08 08:00:00,Spot,Fee,USDT,-0.025,',
    ],
  ],
];

/** The rows `/sapi/v1/lending/auto-invest/history/list` returns for these executions. */
function apiRow(
  id: number,
  time: number,
  planType: string,
  target: string,
  units: string,
  spent: string,
  fee: string,
) {
  return {
    id,
    targetAsset: target,
    planType,
    planName: planType === 'PORTFOLIO' ? 'Big Two' : target,
    planId: planType === 'PORTFOLIO' ? 1251 : 1234,
    transactionDateTime: time + 250,
    transactionStatus: 'SUCCESS',
    failedType: '',
    sourceAsset: 'USDT',
    sourceAssetAmount: spent,
    targetAssetAmount: units,
    sourceWallet: 'SPOT_WALLET',
    flexibleUsed: 'false',
    transactionFee: fee,
    transactionFeeUnit: 'USDT',
    executionPrice: '1',
    executionType: 'RECURRING',
    subscriptionCycle: 'WEEKLY',
  };
}
/** The seconds of the folded, single and portfolio runs; one per execution, in time and target order. */
const TIMES = [
  Date.UTC(2023, 3, 24, 8),
  Date.UTC(2023, 4, 1, 8),
  Date.UTC(2023, 4, 8, 8),
  Date.UTC(2023, 4, 8, 8),
];
const API = [
  apiRow(2001, TIMES[0]!, 'SINGLE', 'BTC', '0.0019', '50', '0.05'),
  apiRow(2002, TIMES[1]!, 'SINGLE', 'BTC', '0.0018', '50', '0.05'),
  apiRow(2003, TIMES[2]!, 'PORTFOLIO', 'BTC', '0.0009', '25', '0.025'),
  apiRow(2004, TIMES[3]!, 'PORTFOLIO', 'ETH', '0.013', '20', '0.02'),
].map((r) => binanceNormalize.autoInvestExecution(r, 'main') as unknown as IncomingRecord);

/** Spot: the four executions' debits and fees, and what they bought. */
const TOTALS = { 'spot BTC': '0.0046', 'spot ETH': '0.013', 'spot USDT': '-145.145' };

type Fields = [string, string, string, string, string | undefined, string | undefined];
/** The fields the statement carries, in time and target order. */
async function executions(store: LedgerStore): Promise<Fields[]> {
  const stored = await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' });
  return stored
    .map((s) => s.record as unknown as Record<string, string> & { time: number })
    .sort((a, b) => a.time - b.time || (a['targetAsset']! < b['targetAsset']! ? -1 : 1))
    .map((r) => [
      r['sourceAsset']!,
      r['sourceAssetAmount']!,
      r['targetAsset']!,
      r['targetAssetAmount']!,
      r['fee'],
      r['feeAsset'],
    ]);
}

/** What the statement alone gives: the fee-row executions as the API has them, the folded one fee-inclusive. */
const FROM_STATEMENT: Fields[] = [
  ['USDT', '50.05', 'BTC', '0.0019', undefined, undefined],
  ['USDT', '50', 'BTC', '0.0018', '0.05', 'USDT'],
  ['USDT', '25', 'BTC', '0.0009', '0.025', 'USDT'],
  ['USDT', '20', 'ETH', '0.013', '0.02', 'USDT'],
];

for (const backend of BACKENDS) {
  describe(`Auto-Invest fee rows of the statement on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    for (const [layout, rows] of LAYOUTS) {
      it(`${layout}: one execution each with its fee; nothing quarantined; again adds nothing`, async () => {
        const dir = await tempDir();
        const { store, location } = await openLedgerIn(dir);
        const file = await writeCsv(dir, 'statement.csv', [HEADER, ...rows]);
        const report = await importCli(location, file);
        expect([report.recordsImported, report.quarantined]).toEqual([4, 0]);
        expect(await executions(store)).toEqual(FROM_STATEMENT);
        // Field for field as the API's copy where the statement has the fee rows.
        const api = API.map((a) => a as unknown as Record<string, string>);
        for (const [i, row] of FROM_STATEMENT.entries())
          if (row[4] !== undefined)
            expect(row).toEqual([
              api[i]!['sourceAsset'],
              api[i]!['sourceAssetAmount'],
              api[i]!['targetAsset'],
              api[i]!['targetAssetAmount'],
              api[i]!['fee'],
              api[i]!['feeAsset'],
            ]);
        expect(await walletTotals(store)).toEqual(TOTALS);
        expect(await store.listQuarantine({ account: 'main' })).toEqual([]);
        const again = await importCli(location, file);
        expect([again.recordsImported, again.quarantined]).toEqual([0, 0]);
        expect(await executions(store)).toEqual(FROM_STATEMENT);
      });
    }

    it('API first, then the statement: each row matched to its execution, nothing added or quarantined', async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      await store.putRecords(API);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...LAYOUTS[0]![1]]);
      const report = await importCli(location, file);
      expect([report.recordsImported, report.matched, report.quarantined]).toEqual([0, 4, 0]);
      const stored = await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' });
      expect(stored.map((s) => s.record.id).sort()).toEqual(['2001', '2002', '2003', '2004']);
      for (const s of stored) expect(s.sources.sort()).toEqual(['api', 'csv']);
      expect(await walletTotals(store)).toEqual(TOTALS);
      expect(await store.listQuarantine({ account: 'main' })).toEqual([]);
    });

    it("statement first, then the API: the statement's copies fold into the API's, counted once", async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...LAYOUTS[1]![1]]);
      expect((await importCli(location, file)).recordsImported).toBe(4);
      await store.putRecords(API);
      expect((await mergeCsvCopies(store, { account: 'main' })).merged).toBe(4);
      const stored = await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' });
      expect(stored.map((s) => s.record.id).sort()).toEqual(['2001', '2002', '2003', '2004']);
      expect(await walletTotals(store)).toEqual(TOTALS);
      // The statement again: matched, nothing added.
      const again = await importCli(location, file);
      expect([again.recordsImported, again.matched, again.quarantined]).toEqual([0, 4, 0]);
      expect(await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' })).toHaveLength(4);
      expect(await store.listQuarantine({ account: 'main' })).toEqual([]);
    });

    for (const [copy, spent] of [
      ['net of the fee (the fee rows set aside)', (net: string) => net],
      ['fee-inclusive', (net: string, fee: string) => addDecimals(net, fee)],
    ] as const) {
      it(`a ledger an earlier release left with copies ${copy} and no fee heals on re-import`, async () => {
        const dir = await tempDir();
        const { store, location } = await openLedgerIn(dir);
        const rows = LAYOUTS[0]![1];
        const file = await writeCsv(dir, 'statement.csv', [HEADER, ...rows]);
        // What the earlier release stored for these rows: the copies under the ids this one gives them,
        // without their fee, and each fee row quarantined as a trade leg with no trade.
        const earlier = FROM_STATEMENT.map(([sourceAsset, net, targetAsset, units, fee], i) => {
          const t = TIMES[i]!;
          return {
            kind: 'autoinvest_execution',
            id: `stmt:${t}:${targetAsset}:${units}`,
            account: 'main',
            time: t,
            source: 'csv',
            sourceAsset,
            sourceAssetAmount: fee ? spent(net, fee) : net,
            targetAsset,
            targetAssetAmount: units,
            status: 'success',
          } as IncomingRecord;
        });
        await store.putRecords(earlier);
        for (const line of FEE_ROWS) {
          const q = earlierQuarantine(HEADER, line, 'ungrouped_legs:trade');
          await store.addQuarantine({
            account: 'main',
            file: 'statement.csv',
            line: rows.indexOf(line) + 2,
            operation: q.operation,
            row: q.row,
            reason: 'ungrouped_legs:trade',
            fingerprint: q.fingerprint,
          });
        }
        // Not what the statement says: no fee on any copy (and, net of it, the fees missing from the balances).
        expect(await executions(store)).not.toEqual(FROM_STATEMENT);
        if (copy.startsWith('net')) expect(await walletTotals(store)).not.toEqual(TOTALS);

        const report = await importCli(location, file);
        expect([report.recordsImported, report.quarantined, report.quarantineResolved]).toEqual([0, 0, 3]);
        expect(await executions(store)).toEqual(FROM_STATEMENT);
        expect(await walletTotals(store)).toEqual(TOTALS);
        expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
        // The API's copies then fold them, counted once.
        await store.putRecords(API);
        expect((await mergeCsvCopies(store, { account: 'main' })).merged).toBe(4);
        expect(await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' })).toHaveLength(4);
        expect(await walletTotals(store)).toEqual(TOTALS);
      });
    }
  });
}

describe("the sandbox's statement alone", () => {
  const sandbox = useSandboxExports();

  it('gives each execution of the fee-row period as the truth has it, the earlier ones fee-inclusive; nothing quarantined', async () => {
    const dir = await tempDir();
    const file = await sandbox.download(dir, 'transaction-history');
    const db = join(dir, 'ledger.db');
    const report = await importCli(db, file);
    expect(report.quarantined).toBe(0);
    type R = Parameters<typeof csvKey>[0];
    const got = (await ledgerRecords(db)).filter((r) => r.kind === 'autoinvest_execution');
    const truth = sandbox.truth.filter((t) => t.kind === 'autoinvest_execution' && t['status'] === 'success');
    expect(got).toHaveLength(truth.length);
    const withFee = got.filter((r) => r['fee'] !== undefined);
    // Both periods are there.
    expect(withFee.length).toBeGreaterThan(0);
    expect(withFee.length).toBeLessThan(got.length);
    const want = new Set(truth.map((t) => csvKey(t)));
    for (const r of withFee) expect(want.has(csvKey(r)), csvKey(r)).toBe(true);
    // A fee-inclusive copy: the truth's spend plus its fee, no fee of its own.
    const folded = new Set(
      truth.map((t) =>
        csvKey({
          ...t,
          sourceAssetAmount: addDecimals(String(t['sourceAssetAmount']), String(t['fee'])),
          fee: undefined,
          feeAsset: undefined,
        } as R),
      ),
    );
    for (const r of got.filter((x) => x['fee'] === undefined))
      expect(folded.has(csvKey(r)), csvKey(r)).toBe(true);
  });
});
