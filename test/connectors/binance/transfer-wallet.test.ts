/**
 * Deposits and withdrawals count in the wallet they name (API `walletType`, the statement's `Account`):
 * after a sync the ledger's per-wallet balances are the sandbox's truth per wallet, spot and funding; a
 * ledger an earlier release filled without the wallet is healed by the next sync or statement import;
 * the statement's copies carry the wallet, and the de-duplication of API and CSV copies fills it in,
 * never flips it. SQLite and PostgreSQL.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecimalTotals } from '../../../core/index.js';
import { balanceEffects, ledgerView, openLedger } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import type { PgSchema } from '../../helpers/pg.js';
import { sqlBackends, type SqlBackend } from '../../helpers/sql-backends.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { apiTruth, diffRecords, ledgerRecords, syncFixture, type SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-wallet-');
const open: SyncFixture[] = [];
const schemas: PgSchema[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
  await Promise.all(schemas.splice(0).map((s) => s.drop()));
});

type Rec = AccountRecord & Record<string, unknown>;

type Backend = SqlBackend;
const backends = sqlBackends(tmp, schemas, 'lt_wallet');

async function fixture(backend: Backend): Promise<SyncFixture> {
  const f = await syncFixture(await backend.location());
  open.push(f);
  return f;
}

async function truthOf(f: SyncFixture): Promise<Rec[]> {
  const text = await (await fetch(`${f.sandbox.adminUrl}/truth`)).text();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Rec);
}

/** The truth's final balances (free + locked) of one wallet, zeros dropped. */
function truthBalances(truth: Rec[], wallet: string): Record<string, string> {
  const totals = new DecimalTotals();
  for (const r of truth) {
    if (r.kind !== 'balance' || r.wallet !== wallet) continue;
    totals.add(r.asset, r.free);
    totals.add(r.asset, r.locked);
  }
  return nonZero(totals);
}

function nonZero(totals: DecimalTotals): Record<string, string> {
  return Object.fromEntries(Object.entries(totals.toObject()).filter(([, v]) => v !== '0'));
}

/**
 * The ledger view summed in one wallet, plus the history the API cannot reach (the truth's records
 * without the `api` route: universal transfers and P2P orders older than the API keeps, delisted pairs):
 * what the wallet holds if the ledger's per-wallet view is right.
 */
async function walletBalances(
  db: string,
  truth: Rec[],
  wallet: string,
  withStatement = false,
): Promise<Record<string, string>> {
  const totals = new DecimalTotals();
  const store = await openLedger(db, { create: false });
  try {
    for await (const row of ledgerView(store, { account: 'main' }))
      if (row.wallet === wallet) totals.add(row.asset, row.delta);
  } finally {
    await store.close();
  }
  // A ledger that imported the statement holds that history already.
  for (const t of withStatement ? [] : truth) {
    if ((t.routes ?? []).includes('api')) continue;
    for (const e of balanceEffects(t)) if (e.wallet === wallet) totals.add(e.asset, e.delta);
  }
  return nonZero(totals);
}

async function transfer(db: string, id: string): Promise<Rec | undefined> {
  const store = await openLedger(db, { create: false });
  try {
    return (await store.getRecord('main', 'transfer', id))?.record as Rec | undefined;
  } finally {
    await store.close();
  }
}

async function downloadStatement(f: SyncFixture, dir: string): Promise<string> {
  const res = await fetch(`${f.sandbox.adminUrl}/export/transaction-history.csv`);
  expect(res.status).toBe(200);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')![1]!;
  const path = join(dir, name);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return path;
}

/** What an earlier release stored: deposits and withdrawals without `wallet`. */
const STRIP_WALLETS = `UPDATE records SET data = replace(replace(data, ',"wallet":"spot"', ''), ',"wallet":"funding"', '')
  WHERE kind = 'transfer' AND (id LIKE 'deposit:%' OR id LIKE 'withdrawal:%')`;

describe.each(backends)('deposit and withdrawal wallets on $name', (backend) => {
  it('a sync counts each deposit and withdrawal in its wallet: spot and funding equal the truth per wallet', async () => {
    const f = await fixture(backend);
    const r = await f.sync('--json');
    expect(r.code, r.stderr).toBe(0);
    const truth = await truthOf(f);
    // The sandbox credits some deposits to the Funding wallet (`walletType: 1`).
    const fundingDeposits = truth.filter(
      (t) =>
        t.kind === 'transfer' && t.type === 'deposit' && t.status === 'completed' && t.wallet === 'funding',
    );
    expect(fundingDeposits.length).toBeGreaterThan(0);
    for (const d of fundingDeposits) expect((await transfer(f.db, d.id))?.['wallet']).toBe('funding');
    expect(diffRecords(await apiTruth(f.sandbox), await ledgerRecords(f.db))).toEqual({
      missing: [],
      extra: [],
      different: [],
    });
    for (const wallet of ['spot', 'funding'])
      expect(await walletBalances(f.db, truth, wallet), wallet).toEqual(truthBalances(truth, wallet));
  });

  it('a ledger filled without wallets (an earlier release) is healed by the next sync', async () => {
    const f = await fixture(backend);
    expect((await f.sync()).code).toBe(0);
    const truth = await truthOf(f);
    await backend.sql(f.db, STRIP_WALLETS);
    const deposit = truth.find(
      (t) => t.kind === 'transfer' && t.type === 'deposit' && t.wallet === 'funding',
    )!;
    expect((await transfer(f.db, deposit.id))?.['wallet']).toBeUndefined();
    // As before this release: the Funding deposit is a spot gain and a funding shortfall.
    expect(await walletBalances(f.db, truth, 'funding')).not.toEqual(truthBalances(truth, 'funding'));

    const again = await f.sync('--json');
    expect(again.code, again.stderr).toBe(0);
    expect((await transfer(f.db, deposit.id))?.['wallet']).toBe('funding');
    expect(diffRecords(await apiTruth(f.sandbox), await ledgerRecords(f.db))).toEqual({
      missing: [],
      extra: [],
      different: [],
    });
    for (const wallet of ['spot', 'funding'])
      expect(await walletBalances(f.db, truth, wallet), wallet).toEqual(truthBalances(truth, wallet));
    // Healed once: a third sync changes nothing.
    const third = JSON.parse((await f.sync('--json')).stdout) as { records: Record<string, number> };
    expect(third.records['updated'] ?? 0).toBe(0);
    expect(third.records['enriched'] ?? 0).toBe(0);
  });

  it("the statement's Account is the wallet: import then sync keeps it, an API copy without one takes it, one with one keeps its own", async () => {
    const f = await fixture(backend);
    const dir = await tmp();
    const statement = await downloadStatement(f, dir);
    const truth = await truthOf(f);
    const fundingDeposit = truth.find(
      (t) =>
        t.kind === 'transfer' && t.type === 'deposit' && t.status === 'completed' && t.wallet === 'funding',
    )!;

    // CSV only: the statement's copies carry the wallet of their row.
    const imp = await runCliInProcess(['import', 'csv', statement, '--db', f.db, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const store = await openLedger(f.db, { create: false });
    const csvCopies = (await store.queryRecords({ account: 'main', kind: 'transfer' }))
      .map((s) => s.record as Rec)
      .filter((t) => t.type === 'deposit' || t.type === 'withdrawal');
    await store.close();
    const csvFunding = csvCopies.find(
      (t) => t.type === 'deposit' && t.asset === fundingDeposit.asset && t.amount === fundingDeposit.amount,
    );
    expect(csvFunding?.['wallet']).toBe('funding');
    expect(csvCopies.filter((t) => t['wallet'] === 'spot').length).toBeGreaterThan(0);
    expect(csvCopies.every((t) => t['wallet'] === 'spot' || t['wallet'] === 'funding')).toBe(true);

    // Then the sync: the statement copy is folded into the API's, which has the same wallet.
    expect((await f.sync()).code).toBe(0);
    expect(await transfer(f.db, csvFunding!.id)).toBeUndefined();
    expect((await transfer(f.db, fundingDeposit.id))?.['wallet']).toBe('funding');

    // An earlier release's API copy, no wallet and its raw row without `walletType` (an older API):
    // importing the statement again fills it in from the matched row.
    await backend.sql(f.db, STRIP_WALLETS);
    await backend.sql(
      f.db,
      `UPDATE record_sources SET raw = replace(replace(raw, '"walletType":1,', ''), '"walletType":0,', '') WHERE kind = 'transfer'`,
    );
    expect((await transfer(f.db, fundingDeposit.id))?.['wallet']).toBeUndefined();
    const imp2 = await runCliInProcess(['import', 'csv', statement, '--db', f.db, '--json']);
    expect(imp2.code, imp2.stderr).toBe(0);
    expect((await transfer(f.db, fundingDeposit.id))?.['wallet']).toBe('funding');
    for (const wallet of ['spot', 'funding'])
      expect(await walletBalances(f.db, truth, wallet, true), wallet).toEqual(truthBalances(truth, wallet));

    // Fill in, never flip: a copy that names its wallet keeps it whatever the statement says.
    await backend.sql(
      f.db,
      `UPDATE records SET data = replace(data, ',"wallet":"funding"', ',"wallet":"spot"') WHERE kind = 'transfer' AND id = '${fundingDeposit.id}'`,
    );
    const imp3 = await runCliInProcess(['import', 'csv', statement, '--db', f.db, '--json']);
    expect(imp3.code, imp3.stderr).toBe(0);
    expect((await transfer(f.db, fundingDeposit.id))?.['wallet']).toBe('spot');
  });
});
