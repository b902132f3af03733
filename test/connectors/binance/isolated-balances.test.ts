/**
 * Isolated-margin balance snapshots: the sync's one listing call (GET /sapi/v1/margin/isolated/account)
 * stores each side of each isolated account as a `balance` of `isolated_margin:<symbol>` (free/locked as
 * listed, borrowed, interest and netAsset beside them; debtSince once debt is seen); an account a later
 * listing no longer has is zeroed, a refused listing changes nothing. Reconcile compares an isolated
 * account whose history the ledger can explain (transfers only, no borrowing ever seen) and lists a short
 * with debt as uncovered, with the reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, reconcileAccount } from '../../../ledger/index.js';
import type { ReconcileReport } from '../../../ledger/index.js';
import { generateSandboxAccount } from '../../../sandbox/index.js';
import type { SandboxAccount, SandboxExtraRoute } from '../../../sandbox/index.js';
import type { Balance } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-isolated-balances-');
const open: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

const DAY = 86_400_000;
const LISTING = '/sapi/v1/margin/isolated/account';
const ZERO = { free: '0', locked: '0', borrowed: '0', interest: '0' };

/**
 * The tiny account plus two isolated accounts on USDT pairs of assets the account never touched: ROUND
 * (120 USDT in from spot 10 days ago, 45 back 5 days ago: 75 left, nothing borrowed) and SHORT (120 USDT
 * in, the base borrowed and sold inside it: 3 owed, 171.4 USDT held).
 */
function isolatedAccount(): { account: SandboxAccount; round: string; short: string } {
  const base = generateSandboxAccount({ profile: 'tiny' });
  const [round, short] = base.symbols.filter(
    (s) =>
      s.listed &&
      s.status === 'TRADING' &&
      s.quoteAsset === 'USDT' &&
      !base.assets.includes(s.baseAsset) &&
      s.permissionSets.some((p) => p.includes('MARGIN')),
  );
  if (!round || !short)
    throw new Error('the tiny universe lacks two marginable USDT pairs of untouched assets');
  const named = new Set<string>();
  for (const e of base.universalTransfers) {
    if (e.fromSymbol) named.add(e.fromSymbol);
    if (e.toSymbol) named.add(e.toSymbol);
  }
  const transfer = (
    tranId: number,
    type: string,
    amount: string,
    daysAgo: number,
    side: { toSymbol: string } | { fromSymbol: string },
  ): SandboxAccount['universalTransfers'][number] => ({
    raw: { asset: 'USDT', amount, type, status: 'CONFIRMED', tranId, timestamp: base.asOf - daysAgo * DAY },
    routes: { api: true, web: false, csv: false },
    ...side,
  });
  const account: SandboxAccount = {
    ...base,
    universalTransfers: [
      ...base.universalTransfers,
      transfer(11_999_000_001, 'MAIN_ISOLATED_MARGIN', '120', 10, { toSymbol: round.symbol }),
      transfer(11_999_000_002, 'ISOLATED_MARGIN_MAIN', '45', 5, { fromSymbol: round.symbol }),
      transfer(11_999_000_003, 'MAIN_ISOLATED_MARGIN', '120', 10, { toSymbol: short.symbol }),
    ],
    isolatedMargin: [
      ...[...named].sort().map((symbol) => ({ symbol, enabled: true, base: ZERO, quote: ZERO })),
      { symbol: round.symbol, enabled: true, base: ZERO, quote: { ...ZERO, free: '75' } },
      {
        symbol: short.symbol,
        enabled: true,
        base: { free: '0', locked: '0', borrowed: '3', interest: '0.0002' },
        quote: { free: '171.4', locked: '0', borrowed: '0', interest: '0' },
      },
    ],
  };
  return { account, round: round.symbol, short: short.symbol };
}

async function fixture(dir: string, account: SandboxAccount, extraRoutes: SandboxExtraRoute[] = []) {
  const f = await syncFixture(dir, { account, extraRoutes });
  open.push(f);
  return f;
}

async function isolatedBalances(db: string): Promise<Map<string, Balance>> {
  const store = await openLedger(db, { create: false });
  try {
    const out = new Map<string, Balance>();
    for await (const { record } of store.iterateRecords({ account: 'main', kind: 'balance' }))
      if (record.kind === 'balance' && record.wallet.startsWith('isolated_margin:'))
        out.set(record.id, record);
    return out;
  } finally {
    await store.close();
  }
}

async function report(db: string): Promise<ReconcileReport> {
  const store = await openLedger(db, { create: false });
  try {
    return await reconcileAccount(store, 'main');
  } finally {
    await store.close();
  }
}

const refuse: SandboxExtraRoute = {
  method: 'GET',
  path: LISTING,
  handler: (_req, res) => {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: -3003, msg: 'Margin account does not exist.' }));
  },
};

describe('isolated-margin balance snapshots', () => {
  it('stores the listing as balances; a round trip reconciles, a short with debt is uncovered with its reason', async () => {
    const { account, round, short } = isolatedAccount();
    const dir = await tmp();
    const f = await fixture(dir, account);
    const r = await f.sync('--surfaces', 'balances,deposits,transfers', '--json');
    expect(r.code, r.stderr).toBe(0);
    const balances = await isolatedBalances(f.db);
    const shortBase = [...balances.values()].find(
      (b) => b.wallet === `isolated_margin:${short}` && b.borrowed === '3',
    );
    expect(shortBase).toBeDefined();
    const baseAsset = shortBase!.asset;
    expect([...balances.keys()].sort()).toEqual(
      [
        `isolated_margin:${round}:USDT`,
        `isolated_margin:${short}:${baseAsset}`,
        `isolated_margin:${short}:USDT`,
      ].sort(),
    );
    expect(balances.get(`isolated_margin:${round}:USDT`)).toMatchObject({
      wallet: `isolated_margin:${round}`,
      asset: 'USDT',
      free: '75',
      locked: '0',
      borrowed: '0',
      interest: '0',
      netAsset: '75',
    });
    expect(balances.get(`isolated_margin:${round}:USDT`)!.debtSince).toBeUndefined();
    expect(shortBase).toMatchObject({
      free: '0',
      locked: '0',
      borrowed: '3',
      interest: '0.0002',
      netAsset: '-3.0002',
    });
    expect(shortBase!.debtSince).toBe(shortBase!.time);
    expect(balances.get(`isolated_margin:${short}:USDT`)).toMatchObject({ free: '171.4', netAsset: '171.4' });

    const rep = await report(f.db);
    expect(rep.isolated).toEqual([
      {
        wallet: `isolated_margin:${round}`,
        assets: [{ asset: 'USDT', history: '75', balance: '75', gap: '0' }],
      },
    ]);
    expect(rep.uncovered.find((u) => u.wallet === `isolated_margin:${round}`)).toBeUndefined();
    const shortWallet = rep.uncovered.find((u) => u.wallet === `isolated_margin:${short}`);
    expect(shortWallet?.reason).toMatch(
      new RegExp(`^borrowing: ${baseAsset} borrowed 3, interest 0\\.0002 now`),
    );
    expect(shortWallet?.assets).toEqual(
      [
        { asset: baseAsset, history: '0', balance: '0', netAsset: '-3.0002' },
        { asset: 'USDT', history: '120', balance: '171.4', netAsset: '171.4' },
      ].sort((a, b) => (a.asset < b.asset ? -1 : 1)),
    );
    // The isolated wallets never leak into the covered assets' balances.
    expect(rep.assets.find((a) => a.asset === baseAsset)).toBeUndefined();

    const text = await runCliInProcess(['reconcile', '--db', f.db]);
    expect(text.stdout).toContain(
      `isolated_margin:${round}: ok (transfers in and out against its balance snapshot)`,
    );
    expect(text.stdout).toContain(`not checked: borrowing: ${baseAsset} borrowed 3`);

    // The next listing lacks the short's account (closed): its balances become zero, debtSince kept, and
    // the wallet stays unchecked (borrowing was seen).
    account.isolatedMargin = account.isolatedMargin!.filter((a) => a.symbol !== short);
    expect((await f.sync('--surfaces', 'balances', '--json')).code).toBe(0);
    const after = await isolatedBalances(f.db);
    expect(after.get(`isolated_margin:${short}:${baseAsset}`)).toMatchObject({
      free: '0',
      locked: '0',
      borrowed: '0',
      interest: '0',
      netAsset: '0',
      debtSince: shortBase!.debtSince,
    });
    expect(after.get(`isolated_margin:${short}:USDT`)).toMatchObject({ free: '0', netAsset: '0' });
    expect(after.get(`isolated_margin:${round}:USDT`)).toMatchObject({ free: '75' });
    const rep2 = await report(f.db);
    expect(rep2.uncovered.find((u) => u.wallet === `isolated_margin:${short}`)?.reason).toMatch(
      /^borrowing seen since .* \(repaid since\)/,
    );
    expect(rep2.isolated.map((w) => w.wallet)).toEqual([`isolated_margin:${round}`]);
  });

  it('a refused listing leaves the stored isolated balances untouched', async () => {
    const { account, round, short } = isolatedAccount();
    const dir = await tmp();
    const first = await fixture(dir, account);
    expect((await first.sync('--surfaces', 'balances,transfers', '--json')).code).toBe(0);
    const before = await isolatedBalances(first.db);
    expect(before.size).toBe(3);
    await first.close();
    open.splice(open.indexOf(first), 1);

    // The same account, the listing refused, the short's account gone from the data: nothing changes.
    account.isolatedMargin = account.isolatedMargin!.filter((a) => a.symbol !== short && a.symbol !== round);
    const second = await fixture(dir, account, [refuse]);
    const r = await second.sync('--surfaces', 'balances', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { warnings: string[] };
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toContain('the isolated-margin balances were not snapshotted');
    expect(await isolatedBalances(second.db)).toEqual(before);
  });

  it('the default sandbox (empty isolated accounts) stores no isolated balance', async () => {
    const f = await fixture(await tmp(), generateSandboxAccount({ profile: 'tiny' }));
    expect((await f.sync('--surfaces', 'balances,transfers', '--json')).code).toBe(0);
    expect((await isolatedBalances(f.db)).size).toBe(0);
  });
});
