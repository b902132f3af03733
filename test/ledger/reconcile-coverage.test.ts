/**
 * Reconcile compares only the wallets the balance snapshots cover (spot, funding, Earn; card spending
 * counts with them). Holdings moved to margin, futures or an isolated-margin account, and a loan not yet
 * repaid, are no gap: those wallets are listed with their history sums, not checked. A real gap in a
 * covered wallet still exits 1. Through reconcileAccount, the CLI (text and JSON) and serve, on both stores.
 */
import { describe, expect, it } from 'vitest';
import { coveredBySnapshots, reconcileAccount, type IncomingRecord } from '../../ledger/index.js';
import { startLedgerServer } from '../../server/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { call, expectSchema } from '../server/helpers.js';
import { backends, useLedger } from './backends.js';
import { balance, balanceChange, deposit, walletTransfer } from './fixtures.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';

/** 1000 USDT and 1 BTC deposited; 300 USDT to USDⓈ-M futures, 0.2 BTC to isolated margin, 500 USDT borrowed on cross margin. */
const HISTORY: IncomingRecord[] = [
  deposit('1', 'USDT', '1000'),
  deposit('2', 'BTC', '1'),
  walletTransfer('11', 'USDT', '300', 'MAIN_UMFUTURE', 'spot', 'umfuture'),
  walletTransfer('12', 'BTC', '0.2', 'MAIN_ISOLATED_MARGIN', 'spot', 'isolated_margin:BTCUSDT'),
  balanceChange('margin:stmt:USDT:1:500', 'USDT', '500', {
    category: 'margin',
    operation: 'Margin Loan',
    wallet: 'margin',
  }),
  // Card spending draws on spot: counted with it.
  balanceChange('card:stmt:USDT:2:-12.5', 'USDT', '-12.5'),
  balance('spot', 'USDT', '687.5'),
  balance('spot', 'BTC', '0.8'),
];

const UNCOVERED = [
  { wallet: 'isolated_margin:BTCUSDT', assets: [{ asset: 'BTC', history: '0.2' }] },
  { wallet: 'margin', assets: [{ asset: 'USDT', history: '500' }] },
  { wallet: 'umfuture', assets: [{ asset: 'USDT', history: '300' }] },
];

describe('coveredBySnapshots', () => {
  it.each([
    ['spot', true],
    ['funding', true],
    ['earn_flexible', true],
    ['earn_locked', true],
    ['earn', true],
    ['card', true],
    ['margin', false],
    ['isolated_margin', false],
    ['isolated_margin:BTCUSDT', false],
    ['umfuture', false],
    ['cmfuture', false],
    ['option', false],
  ])('%s: %s', (wallet, covered) => {
    expect(coveredBySnapshots(wallet)).toBe(covered);
  });
});

describe.each(backends)('reconcile against what the snapshots cover, on $name', (backend) => {
  const ledger = useLedger(backend, { closeMayFail: true });

  it('margin, futures and isolated-margin holdings are no gap: listed, not checked (API, CLI text and JSON, serve)', async () => {
    await ledger.store.putRecords(HISTORY);
    const report = await reconcileAccount(ledger.store, 'main');
    expect(report.gaps).toEqual([]);
    expect(report.assets.map((a) => [a.asset, a.history, a.balance])).toEqual([
      ['BTC', '0.8', '0.8'],
      ['USDT', '687.5', '687.5'],
    ]);
    expect(report.uncovered).toEqual(UNCOVERED);

    const json = await runCliInProcess(['reconcile', '--db', ledger.db.location, '--json']);
    expect(json.code, json.stdout + json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).accounts[0]).toMatchObject({ gaps: [], uncovered: UNCOVERED });
    const text = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toContain('account main: 2 assets, 0 with a gap');
    expect(text.stdout).toContain(
      'not covered by any balance snapshot: isolated_margin:BTCUSDT, margin, umfuture — history sums shown, not checked',
    );
    expect(text.stdout).toContain('umfuture: USDT 300');

    const server = await startLedgerServer(ledger.store, { token: TOKEN });
    try {
      const res = await call(`${server.url}/v1/accounts/main/reconcile`, { token: TOKEN });
      expect(res.status, res.text).toBe(200);
      expectSchema('ReconcileReport', res.json);
      expect(res.json).toMatchObject({ gaps: [], uncovered: UNCOVERED });
    } finally {
      await server.close();
    }
  });

  it('a real gap in a covered wallet still exits 1, with the uncovered wallets listed beside it', async () => {
    await ledger.store.putRecords([...HISTORY, balance('funding', 'USDT', '40')]);
    const report = await reconcileAccount(ledger.store, 'main');
    expect(report.gaps.map((g) => [g.asset, g.gap])).toEqual([['USDT', '40']]);
    expect(report.uncovered).toEqual(UNCOVERED);
    const text = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('USDT: gap 40');
    expect(text.stdout).toContain('not covered by any balance snapshot');
  });

  it('an account with nothing outside the snapshots lists no uncovered wallet', async () => {
    await ledger.store.putRecords([deposit('1', 'USDT', '5'), balance('spot', 'USDT', '5')]);
    expect((await reconcileAccount(ledger.store, 'main')).uncovered).toEqual([]);
    const text = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('not covered');
  });
});
