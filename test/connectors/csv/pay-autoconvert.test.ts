/**
 * Binance Pay/send and automatic-conversion statement rows (stablecoin auto-conversion, leveraged token
 * redemption) are `balance_change` records of categories `pay` and `auto_conversion`, one per row; a pair
 * of opposite send rows of two of the holder's wallets in one second is a wallet transfer (matched to the
 * universal transfer a sync stored, never counted twice). Rows an earlier release quarantined as
 * `not_modeled:send`/`not_modeled:auto_conversion` are marked resolved by what holds them now. Through the
 * CLI on SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { csvOperationMeaning } from '../../../connectors/index.js';
import type { IncomingRecord, LedgerStore } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { importCli } from './cli-import.js';
import { earlierQuarantine, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-pay-');
const utc = (d: number, h = 0, mi = 0, s = 0): number => Date.UTC(2022, 4, d, h, mi, s);
const HEADER = 'UTC_Time,Account,Operation,Coin,Change,Remark';
const ROWS = [
  '2022-05-01 09:00:00,Spot,Deposit,USDT,200,',
  '2022-05-02 10:00:00,Spot,Deposit,USDC,100,',
  '2022-05-02 10:00:05,Spot,Stablecoins Auto-Conversion,USDC,-100,',
  '2022-05-02 10:00:05,Spot,Stablecoins Auto-Conversion,BUSD,100,',
  '2022-05-03 12:00:00,Funding,Binance Pay,USDT,-25,Pay to merchant',
  '2022-05-04 08:00:00,Funding,Send,USDT,10,',
  '2022-05-05 09:00:00,Spot,transfer_out,USDT,-50,',
  '2022-05-05 09:00:00,Funding,transfer_in,USDT,50,',
  '2022-05-06 09:00:00,Spot,Deposit,BTCUP,2,',
  '2022-05-07 09:00:00,Spot,Leverage Token Redemption,BTCUP,-2,',
  '2022-05-07 09:00:00,Spot,Leverage Token Redemption,USDT,30,',
];
/** Spot USDT 200 − 50 + 30, funding USDT −25 + 10 + 50, the auto-converted USDC as BUSD. */
const BALANCES: IncomingRecord[] = [
  { id: 'spot:USDT', wallet: 'spot', asset: 'USDT', free: '180' },
  { id: 'funding:USDT', wallet: 'funding', asset: 'USDT', free: '35' },
  { id: 'spot:BUSD', wallet: 'spot', asset: 'BUSD', free: '100' },
].map(
  (b) =>
    ({ ...b, kind: 'balance', account: 'main', time: utc(31), source: 'api', locked: '0' }) as IncomingRecord,
);
const CHANGES = [
  ['auto_conversion', 'Stablecoins Auto-Conversion', 'spot', 'BUSD', '100', utc(2, 10, 0, 5)],
  ['auto_conversion', 'Stablecoins Auto-Conversion', 'spot', 'USDC', '-100', utc(2, 10, 0, 5)],
  ['pay', 'Binance Pay', 'funding', 'USDT', '-25', utc(3, 12)],
  ['pay', 'Send', 'funding', 'USDT', '10', utc(4, 8)],
  ['auto_conversion', 'Leverage Token Redemption', 'spot', 'BTCUP', '-2', utc(7, 9)],
  ['auto_conversion', 'Leverage Token Redemption', 'spot', 'USDT', '30', utc(7, 9)],
].map(([category, operation, wallet, asset, amount, time]) => [
  `${category}:stmt:${asset}:${time}:${amount}`,
  category,
  operation,
  wallet,
  asset,
  amount,
]);

async function statement(): Promise<string> {
  return writeCsv(await tempDir(), 'statement.csv', [HEADER, ...ROWS]);
}

async function changes(store: LedgerStore): Promise<unknown[]> {
  return (await store.queryRecords({ account: 'main', kind: 'balance_change' }))
    .map((s) => s.record as AccountRecord & Record<string, unknown>)
    .map((r) => [r.id, r['category'], r['operation'], r['wallet'], r['asset'], r['amount']])
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
}

describe('Pay/send and automatic conversions are balance changes', () => {
  it.each([
    ['Binance Pay', 'send', 'pay'],
    ['Send', 'send', 'pay'],
    ['C2C Transfer', 'send', 'pay'],
    ['Stablecoins Auto-Conversion', 'auto_conversion', 'auto_conversion'],
    ['Leverage Token Redemption', 'auto_conversion', 'auto_conversion'],
  ])('%s', (label, category, change) => {
    expect(csvOperationMeaning(label)).toMatchObject({ category, change });
  });
});

for (const backend of BACKENDS) {
  describe(`Pay/send and automatic conversions through the CLI on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('nothing quarantined; each row counted once; reconcile clean; again adds nothing', async () => {
      const file = await statement();
      const { store, location } = await openLedgerIn(await tempDir());
      await store.putRecords(BALANCES);
      expect(await importCli(location, file)).toMatchObject({
        rowsRead: 11,
        // 3 deposits, 1 wallet transfer, 6 balance changes
        recordsImported: 10,
        quarantined: 0,
      });
      expect(await changes(store)).toEqual(
        [...CHANGES].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
      );
      const moves = (await store.queryRecords({ account: 'main', kind: 'transfer' }))
        .map((s) => s.record as AccountRecord & Record<string, unknown>)
        .filter((r) => r['type'] === 'wallet_transfer')
        .map((r) => [r['asset'], r['amount'], r['fromWallet'], r['toWallet']]);
      expect(moves).toEqual([['USDT', '50', 'spot', 'funding']]);
      const rec = await runCliInProcess(['reconcile', '--db', location, '--json']);
      expect(rec.code, rec.stdout).toBe(0);
      expect(JSON.parse(rec.stdout).accounts[0]).toMatchObject({ gaps: [], uncovered: [] });
      expect(await importCli(location, file)).toMatchObject({ recordsImported: 0, quarantined: 0 });
      expect(await store.countRecords({ account: 'main' })).toBe(3 + 10);
    });

    it('the own-wallet send pair is the universal transfer a sync stored: matched, not counted twice', async () => {
      const file = await statement();
      const { store, location } = await openLedgerIn(await tempDir());
      await store.putRecords([
        ...BALANCES,
        {
          kind: 'transfer',
          id: 'wallet:777',
          account: 'main',
          time: utc(5, 9) + 412,
          source: 'api',
          direction: 'internal',
          type: 'wallet_transfer',
          asset: 'USDT',
          amount: '50',
          fee: '0',
          status: 'completed',
          transferType: 'MAIN_FUNDING',
          fromWallet: 'spot',
          toWallet: 'funding',
        } as IncomingRecord,
      ]);
      expect(await importCli(location, file)).toMatchObject({ recordsImported: 9, matched: 1 });
      const rec = await runCliInProcess(['reconcile', '--db', location, '--json']);
      expect(rec.code, rec.stdout).toBe(0);
      expect(JSON.parse(rec.stdout).accounts[0].gaps).toEqual([]);
    });

    it('rows an earlier release quarantined as not modeled are resolved by the records now holding them', async () => {
      const file = await statement();
      const { store, location } = await openLedgerIn(await tempDir());
      const quarantined = [
        [3, 'not_modeled:auto_conversion'],
        [4, 'not_modeled:auto_conversion'],
        [5, 'not_modeled:send'],
        [6, 'not_modeled:send'],
        [7, 'not_modeled:send'],
        [8, 'not_modeled:send'],
      ] as const;
      for (const [index, reason] of quarantined) {
        const { operation, row, fingerprint } = earlierQuarantine(HEADER, ROWS[index - 1]!, reason);
        await store.addQuarantine({
          account: 'main',
          file: 'statement.csv',
          line: index + 1,
          operation,
          row,
          reason,
          fingerprint,
        });
      }
      expect(await importCli(location, file)).toMatchObject({ quarantined: 0, quarantineResolved: 6 });
      expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
      const kinds = (await store.listQuarantine({ account: 'main' })).map((q) => q.resolvedAs?.kind);
      expect(kinds.sort()).toEqual([
        'balance_change',
        'balance_change',
        'balance_change',
        'balance_change',
        'transfer',
        'transfer',
      ]);
    });
  });
}
