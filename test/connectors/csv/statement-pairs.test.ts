/**
 * Statement legs that an earlier release counted twice or set aside, seen on the sandbox's `small`
 * profile: a trade of a pair listed "the other way round" (`BTCBNB`, BTC the base) whose legs the quote
 * heuristic spelled `BNBBTC`, so it never met the API's fills; and a portfolio Auto-Invest plan's
 * executions (one per target, all in one second) kept in quarantine. Each in both orders (API first,
 * statement first), and the heal of a ledger the earlier release filled. On SQLite and (with
 * LEDGERTAP_TEST_PG) PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { importCsvFile, mergeCsvCopies } from '../../../connectors/index.js';
import { csvFingerprint } from '../../../connectors/binance/csv/relink.js';
import type { IncomingRecord } from '../../../ledger/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import {
  BTCBNB_SELL_FILLS,
  BTCBNB_SELL_ROWS,
  BTCBNB_SELL_T,
  btcbnbSellFill,
  earlierQuarantine,
  writeCsv,
} from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-pairs-');

const HEADER = 'UTC_Time,Account,Operation,Coin,Change,Remark';

/** A portfolio plan's weekly run: USDT → BTC and USDT → ETH in one second (the source leg is share + fee). */
const AI_ROWS = [
  '2023-05-08 08:00:00,Spot,Auto-Invest Transaction,USDT,-25.025,',
  '2023-05-08 08:00:00,Spot,Auto-Invest Transaction,BTC,0.0009,',
  '2023-05-08 08:00:00,Spot,Auto-Invest Transaction,USDT,-25.025,',
  '2023-05-08 08:00:00,Spot,Auto-Invest Transaction,ETH,0.013,',
];
const AI_T = Date.UTC(2023, 4, 8, 8);
function execution(id: string, target: string, amount: string): IncomingRecord {
  return {
    kind: 'autoinvest_execution',
    id,
    account: 'main',
    time: AI_T + 250,
    source: 'api',
    planId: '1251',
    planType: 'PORTFOLIO',
    sourceAsset: 'USDT',
    sourceAssetAmount: '25',
    targetAsset: target,
    targetAssetAmount: amount,
    executionPrice: '1',
    fee: '0.025',
    feeAsset: 'USDT',
    status: 'success',
    executionType: 'RECURRING',
  } as IncomingRecord;
}
const EXECUTIONS = [execution('1112', 'BTC', '0.0009'), execution('1113', 'ETH', '0.013')];

for (const backend of BACKENDS) {
  describe(`statement pairs and Auto-Invest legs on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('a trade of a pair listed base-first (BTCBNB) meets its API fills: counted once, spelled as listed', async () => {
      const dir = await tempDir();
      const { store, location } = await openLedgerIn(dir);
      await store.putRecords(BTCBNB_SELL_FILLS);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...BTCBNB_SELL_ROWS]);
      const out = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(out.code, out.stderr).toBe(0);
      const trades = await store.queryRecords({ account: 'main', kind: 'trade' });
      expect(trades.map((t) => t.record.id).sort()).toEqual(['BTCBNB:4095537', 'BTCBNB:4095553']);
      for (const t of trades) expect(t.sources.sort()).toEqual(['api', 'csv']);
      expect((await store.listMatches({ account: 'main' })).map((m) => m.recordId).sort()).toEqual([
        'BTCBNB:4095537',
        'BTCBNB:4095553',
      ]);
    });

    it('a statement imported before any fill is known is folded into them later, whatever its spelling', async () => {
      const dir = await tempDir();
      const { store } = await openLedgerIn(dir);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...BTCBNB_SELL_ROWS]);
      // Nothing names the pair yet: the heuristic's spelling (the release before this one did the same).
      await importCsvFile(store, file);
      const alone = await store.queryRecords({ account: 'main', kind: 'trade' });
      expect(alone.map((t) => t.record.id)).toEqual([`BNBBTC:stmt:${BTCBNB_SELL_T}:buy:2.4`]);
      // The sync stores the fills and folds the statement's copy into them.
      await store.putRecords(BTCBNB_SELL_FILLS);
      expect((await mergeCsvCopies(store, { account: 'main' })).merged).toBe(1);
      const trades = await store.queryRecords({ account: 'main', kind: 'trade' });
      expect(trades.map((t) => t.record.id).sort()).toEqual(['BTCBNB:4095537', 'BTCBNB:4095553']);
    });

    it('a ledger an earlier release left with the stray BNBBTC copy beside the fills heals on re-import', async () => {
      const dir = await tempDir();
      const { store } = await openLedgerIn(dir);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...BTCBNB_SELL_ROWS]);
      await importCsvFile(store, file);
      // The fills arrived without a fold (an earlier release's sync): both copies stand.
      await store.putRecords(BTCBNB_SELL_FILLS);
      expect(await store.queryRecords({ account: 'main', kind: 'trade' })).toHaveLength(3);
      // The import alone (no merge after it) replaces the stray copy and matches the fills.
      const report = await importCsvFile(store, file);
      expect(report.recordsImported).toBe(0);
      const trades = await store.queryRecords({ account: 'main', kind: 'trade' });
      expect(trades.map((t) => t.record.id).sort()).toEqual(['BTCBNB:4095537', 'BTCBNB:4095553']);
      for (const t of trades) expect(t.sources.sort()).toEqual(['api', 'csv']);
      // Importing once more changes nothing.
      await importCsvFile(store, file);
      expect(await store.queryRecords({ account: 'main', kind: 'trade' })).toHaveLength(2);
    });

    it('with both spellings traded (BNBBTC too), the stray copy still heals on re-import and new legs meet their fills', async () => {
      const dir = await tempDir();
      const { store } = await openLedgerIn(dir);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...BTCBNB_SELL_ROWS]);
      await importCsvFile(store, file);
      // The account also traded BNBBTC (a day before): the legs alone cannot say which pair this was.
      const other = {
        ...btcbnbSellFill('900', -86_400_000, '3', '0.03', '0.003'),
        id: 'BNBBTC:900',
        symbol: 'BNBBTC',
        baseAsset: 'BNB',
        quoteAsset: 'BTC',
        side: 'buy',
        price: '0.01',
      } as IncomingRecord;
      await store.putRecords([other, ...BTCBNB_SELL_FILLS]);
      expect(await store.queryRecords({ account: 'main', kind: 'trade' })).toHaveLength(4);
      const report = await importCsvFile(store, file);
      expect(report.recordsImported).toBe(0);
      expect(report.matched).toBe(1);
      const trades = await store.queryRecords({ account: 'main', kind: 'trade' });
      expect(trades.map((t) => t.record.id).sort()).toEqual([
        'BNBBTC:900',
        'BTCBNB:4095537',
        'BTCBNB:4095553',
      ]);
      // A fresh ledger with both spellings: the statement meets the BTCBNB fills directly.
      const dir2 = await tempDir();
      const second = await backend.open(dir2);
      const fresh = second.store;
      try {
        await fresh.putRecords([other, ...BTCBNB_SELL_FILLS]);
        const r = await importCsvFile(fresh, file);
        expect([r.recordsImported, r.matched]).toEqual([0, 1]);
        expect(await fresh.queryRecords({ account: 'main', kind: 'trade' })).toHaveLength(3);
      } finally {
        await fresh.close();
        await second.drop();
      }
    });

    it("a portfolio plan's executions of one second are one record each, matched to the API's in either order", async () => {
      const dir = await tempDir();
      const { store } = await openLedgerIn(dir);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...AI_ROWS]);
      // Statement alone: two executions, nothing in quarantine.
      const first = await importCsvFile(store, file);
      expect(first.quarantined).toBe(0);
      const alone = await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' });
      expect(
        alone.map((a) => {
          const r = a.record as unknown as Record<string, unknown>;
          return [r['sourceAsset'], r['sourceAssetAmount'], r['targetAsset'], r['targetAssetAmount']];
        }),
      ).toEqual(
        expect.arrayContaining([
          ['USDT', '25.025', 'BTC', '0.0009'],
          ['USDT', '25.025', 'ETH', '0.013'],
        ]),
      );
      expect(alone).toHaveLength(2);
      // Then the API's copies: folded into them.
      await store.putRecords(EXECUTIONS);
      expect((await mergeCsvCopies(store, { account: 'main' })).merged).toBe(2);
      const after = await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' });
      expect(after.map((a) => a.record.id).sort()).toEqual(['1112', '1113']);
      // API first (here: already there), statement again: matched, nothing added.
      const again = await importCsvFile(store, file);
      expect(again.recordsImported).toBe(0);
      expect(again.matched).toBe(2);
      expect(await store.queryRecords({ account: 'main', kind: 'autoinvest_execution' })).toHaveLength(2);
      expect(await store.listQuarantine({ account: 'main' })).toEqual([]);
    });

    it('the quarantine rows an earlier release kept for those legs are resolved by the executions', async () => {
      const dir = await tempDir();
      const { store } = await openLedgerIn(dir);
      await store.putRecords(EXECUTIONS);
      const file = await writeCsv(dir, 'statement.csv', [HEADER, ...AI_ROWS]);
      // The earlier import's quarantine rows: the second of two identical rows has a numbered fingerprint.
      for (const [i, line] of AI_ROWS.entries()) {
        const q = earlierQuarantine(HEADER, line, 'ungrouped_legs:auto_invest');
        const n = AI_ROWS.slice(0, i).filter((l) => l === line).length + 1;
        const key = JSON.stringify(['ungrouped_legs:auto_invest', q.row]);
        await store.addQuarantine({
          account: 'main',
          file: 'statement.csv',
          line: i + 2,
          operation: q.operation,
          row: q.row,
          reason: 'ungrouped_legs:auto_invest',
          fingerprint: n === 1 ? q.fingerprint : csvFingerprint('csv-quarantine', 'main', `${key}#${n}`),
        });
      }
      const report = await importCsvFile(store, file);
      expect(report.quarantined).toBe(0);
      expect(report.quarantineResolved).toBe(4);
      expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
      const resolved = await store.listQuarantine({ account: 'main' });
      expect(resolved.map((q) => q.resolvedAs?.id).sort()).toEqual(['1112', '1112', '1113', '1113']);
    });
  });
}
