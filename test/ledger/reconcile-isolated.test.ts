/**
 * Reconcile and isolated-margin wallets with a balance snapshot (`isolated_margin:<symbol>` balances from
 * the sync's listing): compared with their history (transfers in and out) when the ledger knows of no
 * borrowing and nothing unexplained moved; else listed as uncovered with the reason. A gap in a checked
 * isolated wallet exits 1. On both stores, through reconcileAccount, the CLI and serve.
 */
import { describe, expect, it } from 'vitest';
import { reconcileAccount, type IncomingRecord } from '../../ledger/index.js';
import { startLedgerServer } from '../../server/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { call, expectSchema } from '../server/helpers.js';
import { backends, useLedger } from './backends.js';
import { balance, balanceChange, deposit, walletTransfer } from './fixtures.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const W = 'isolated_margin:BTCUSDT';

function isolated(asset: string, free: string, over: Record<string, unknown> = {}): IncomingRecord {
  return balance(W, asset, free, { borrowed: '0', interest: '0', netAsset: free, ...over });
}

/** 1 BTC deposited, 0.5 to the isolated account, 0.2 back: 0.3 there. */
const ROUND_TRIP: IncomingRecord[] = [
  deposit('1', 'BTC', '1'),
  walletTransfer('11', 'BTC', '0.5', 'MAIN_ISOLATED_MARGIN', 'spot', W),
  walletTransfer('12', 'BTC', '0.2', 'ISOLATED_MARGIN_MAIN', W, 'spot', { time: 5_000_000_000_000 }),
  balance('spot', 'BTC', '0.7'),
];

describe.each(backends)('reconcile of isolated-margin wallets, on $name', (backend) => {
  const ledger = useLedger(backend, { closeMayFail: true });

  it('round-trip transfers and a snapshot without debt: checked, no gap (API, CLI, serve)', async () => {
    await ledger.store.putRecords([...ROUND_TRIP, isolated('BTC', '0.3')]);
    const report = await reconcileAccount(ledger.store, 'main');
    expect(report.gaps).toEqual([]);
    expect(report.uncovered).toEqual([]);
    expect(report.isolated).toEqual([
      { wallet: W, assets: [{ asset: 'BTC', history: '0.3', balance: '0.3', gap: '0' }] },
    ]);
    // The isolated balance is not spot's: the covered BTC stays 0.7 against 0.7.
    expect(report.assets).toEqual([{ asset: 'BTC', history: '0.7', balance: '0.7', gap: '0', hints: [] }]);
    const text = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toContain(`${W}: ok`);
    const server = await startLedgerServer(ledger.store, { token: TOKEN });
    try {
      const res = await call(`${server.url}/v1/accounts/main/reconcile`, { token: TOKEN });
      expect(res.status, res.text).toBe(200);
      expectSchema('ReconcileReport', res.json);
    } finally {
      await server.close();
    }
  });

  it('a checked isolated wallet that differs is a gap: exit 1', async () => {
    await ledger.store.putRecords([...ROUND_TRIP, isolated('BTC', '0.25')]);
    const report = await reconcileAccount(ledger.store, 'main');
    expect(report.isolated[0]!.assets).toEqual([
      { asset: 'BTC', history: '0.3', balance: '0.25', gap: '-0.05' },
    ]);
    const text = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('BTC: gap -0.05 (balance 0.25, history 0.3)');
  });

  it.each([
    [
      'debt now',
      [isolated('BTC', '0.3', { borrowed: '0.1', interest: '0.001', netAsset: '0.199' })],
      /^borrowing: BTC borrowed 0\.1, interest 0\.001 now/,
    ],
    [
      'debt seen in an earlier snapshot',
      [isolated('BTC', '0.3', { debtSince: 4_000_000_000_000 })],
      /^borrowing seen since 2096-/,
    ],
    [
      'the statement lists isolated-margin movements of its asset',
      [
        isolated('BTC', '0.3'),
        balanceChange('margin:stmt:BTC:9:0.1', 'BTC', '0.1', {
          category: 'margin',
          operation: 'Isolated Margin Loan',
          wallet: 'isolated_margin',
        }),
      ],
      /^the transaction history lists isolated-margin movements of BTC/,
    ],
    [
      'more left than entered',
      [
        isolated('BTC', '0'),
        walletTransfer('13', 'BTC', '0.4', 'ISOLATED_MARGIN_MAIN', W, 'spot', { time: 5_000_000_000_001 }),
      ],
      /^more BTC left the account than the ledger's transfers brought in/,
    ],
  ])('%s: uncovered, with the reason, never a gap', async (_, extra, reason) => {
    await ledger.store.putRecords([...ROUND_TRIP, ...(extra as IncomingRecord[])]);
    const report = await reconcileAccount(ledger.store, 'main');
    expect(report.isolated).toEqual([]);
    const u = report.uncovered.find((w) => w.wallet === W);
    expect(u?.reason).toMatch(reason);
    expect(u?.assets[0]).toMatchObject({ asset: 'BTC', balance: expect.any(String) });
    const json = await runCliInProcess(['reconcile', '--db', ledger.db.location, '--json']);
    expect(
      JSON.parse(json.stdout).accounts[0].uncovered.find((w: { wallet: string }) => w.wallet === W).reason,
    ).toMatch(reason);
    const text = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(text.stdout).toContain('not checked: ');
  });
});
