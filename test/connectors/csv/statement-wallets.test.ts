/**
 * Statement `Account` values become the wallet names the API side uses (`margin`, `isolated_margin`,
 * `umfuture`, `cmfuture`, …) in every kind that carries a wallet, so per-wallet views agree across
 * routes; a ledger the previous release filled with the squeezed names heals on re-import, without a
 * second copy. Through the CLI on SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL, plus the mapping as a unit.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walletOf } from '../../../connectors/binance/csv/operations.js';
import { walletsOfTransferType } from '../../../connectors/binance/normalize.js';
import { ledgerView, type IncomingRecord, type LedgerStore } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, FIXTURES, useBackendLedger } from './backends.js';

const tempDir = useTempDirs('ledgertap-csv-wallets-');
const FILE = 'statement-unmodeled.csv';
const utc = (d: number, h = 0, mi = 0, s = 0): number => Date.UTC(2022, 2, d, h, mi, s);

describe('statement accounts as API wallet names', () => {
  it.each([
    ['Spot', 'spot'],
    ['Funding', 'funding'],
    ['Cross Margin', 'margin'],
    ['CrossMargin', 'margin'],
    ['Margin', 'margin'],
    ['Isolated Margin', 'isolated_margin'],
    ['USDT-Futures', 'umfuture'],
    ['USDⓈ-M Futures', 'umfuture'],
    ['UM Futures', 'umfuture'],
    ['Coin-M Futures', 'cmfuture'],
    ['COIN-Futures', 'cmfuture'],
    ['Options', 'option'],
    ['Portfolio Margin', 'portfolio_margin'],
    ['Card', 'card'],
    ['Mining Account', 'miningaccount'],
  ])('%s → %s', (account, wallet) => {
    expect(walletOf(account)).toBe(wallet);
  });

  it('the names are those of the universal-transfer types', () => {
    const api = new Set(
      [
        'MAIN_MARGIN',
        'MAIN_UMFUTURE',
        'MAIN_CMFUTURE',
        'MAIN_OPTION',
        'MAIN_PORTFOLIO_MARGIN',
        'MAIN_FUNDING',
      ]
        .map((t) => walletsOfTransferType(t)![1])
        .concat(walletsOfTransferType('MAIN_ISOLATED_MARGIN')![1]),
    );
    for (const account of [
      'Cross Margin',
      'USDT-Futures',
      'Coin-M Futures',
      'Options',
      'Portfolio Margin',
      'Funding',
      'Isolated Margin',
    ])
      expect(api).toContain(walletOf(account));
  });
});

async function walletsStored(store: LedgerStore): Promise<string[]> {
  const out: string[] = [];
  for (const s of await store.queryRecords({ account: 'main' })) {
    const r = s.record as AccountRecord & Record<string, unknown>;
    for (const f of ['wallet', 'fromWallet', 'toWallet'])
      if (typeof r[f] === 'string') out.push(r[f] as string);
  }
  return [...new Set(out)].sort();
}

for (const backend of BACKENDS) {
  describe(`statement wallets through the CLI on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it('transfers and balance changes name the wallets as the API does; the ledger view and export agree', async () => {
      const dir = await tempDir();
      const file = join(dir, FILE);
      await copyFile(join(FIXTURES, FILE), file);
      const { store, location } = await openLedgerIn(dir);
      const out = await runCliInProcess(['import', 'csv', file, '--db', location]);
      expect(out.code, out.stderr).toBe(0);
      expect(await walletsStored(store)).toEqual([
        'card',
        'funding',
        'isolated_margin',
        'margin',
        'spot',
        'umfuture',
      ]);
      const transfers = (await store.queryRecords({ account: 'main', kind: 'transfer' }))
        .map((s) => s.record as AccountRecord & Record<string, unknown>)
        .filter((r) => r['type'] === 'wallet_transfer')
        .map((r) => [r['fromWallet'], r['toWallet']]);
      expect(transfers.sort()).toEqual([
        ['margin', 'spot'],
        ['spot', 'funding'],
        ['spot', 'margin'],
      ]);
      const views = new Set<string>();
      for await (const row of ledgerView(store, { account: 'main' })) views.add(row.wallet);
      expect([...views].sort()).toEqual(['card', 'funding', 'isolated_margin', 'margin', 'spot', 'umfuture']);
      const exp = await runCliInProcess([
        'export',
        '--db',
        location,
        '--format',
        'csv',
        '--kind',
        'balance_change',
      ]);
      expect(exp.stdout).not.toMatch(/crossmargin|usdtfutures|isolatedmargin/);
    });

    it('a ledger the previous release filled (squeezed names) heals on re-import: same records, new names, no second copy', async () => {
      const dir = await tempDir();
      const file = join(dir, FILE);
      await copyFile(join(FIXTURES, FILE), file);
      const { store, location } = await openLedgerIn(dir);
      // What the previous release stored for some of the rows.
      const legacy = [
        {
          kind: 'balance_change',
          id: `margin:stmt:USDT:${utc(6, 11, 5)}:500`,
          time: utc(6, 11, 5),
          category: 'margin',
          operation: 'Margin Loan',
          wallet: 'crossmargin',
          asset: 'USDT',
          amount: '500',
        },
        {
          kind: 'balance_change',
          id: `futures:stmt:USDT:${utc(8)}:12.34`,
          time: utc(8),
          category: 'futures',
          operation: 'Realized Profit and Loss',
          wallet: 'usdtfutures',
          asset: 'USDT',
          amount: '12.34',
        },
        {
          kind: 'transfer',
          id: `wallet:stmt:USDT:${utc(6, 11)}:100`,
          time: utc(6, 11),
          direction: 'internal',
          type: 'wallet_transfer',
          asset: 'USDT',
          amount: '100',
          fee: '0',
          status: 'completed',
          fromWallet: 'spot',
          toWallet: 'crossmargin',
        },
      ].map((r) => ({ ...r, account: 'main', source: 'csv' }) as IncomingRecord);
      await store.putRecords(legacy);
      // Before the re-import the views already read the old names as the API's.
      const before = new Set<string>();
      for await (const row of ledgerView(store, { account: 'main' })) before.add(row.wallet);
      expect([...before].sort()).toEqual(['margin', 'spot', 'umfuture']);

      const out = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(out.code, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout).files[0]).toMatchObject({ recordsImported: 14, duplicates: 3 });
      expect(await walletsStored(store)).not.toContain('crossmargin');
      expect(await walletsStored(store)).not.toContain('usdtfutures');
      // The same count as a fresh import of the file: 1 deposit, 3 wallet transfers, 13 balance changes.
      expect(await store.countRecords({ account: 'main' })).toBe(17);
      for (const r of legacy) {
        const s = await store.getRecord('main', r.kind, r.id);
        expect(s?.record).toMatchObject(r.kind === 'transfer' ? { toWallet: 'margin' } : {});
        if (r.kind === 'balance_change')
          expect((s?.record as { wallet: string }).wallet).toBe(
            r.id.startsWith('margin') ? 'margin' : 'umfuture',
          );
      }
    });
  });
}
