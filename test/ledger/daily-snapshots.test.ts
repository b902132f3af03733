/**
 * `reconcile --daily-snapshots` against the sandbox through the CLI: the month's SPOT snapshots (read
 * once, audited) agree with a complete ledger day by day; a trade deleted from the ledger makes every
 * day from its own on differ by exactly that trade's amounts, named per day and asset. SQLite and
 * PostgreSQL.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecimalTotals } from '../../core/index.js';
import { balanceEffects, openLedger, reconcileSpotSnapshots } from '../../ledger/index.js';
import { generateSandboxAccount } from '../../sandbox/index.js';
import type { SnapshotReconcileReport } from '../../ledger/index.js';
import type { Trade } from '../../schemas/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import type { PgSchema } from '../helpers/pg.js';
import { sqlBackends, type SqlBackend } from '../helpers/sql-backends.js';
import { useTempDirs } from '../helpers/tmp.js';
import { deposit, trade } from './fixtures.js';
import { TEST_WINDOW_MS, syncFixture, type SyncFixture } from '../connectors/binance/harness.js';

const tmp = useTempDirs('ledgertap-snapshots-');
const open: SyncFixture[] = [];
const schemas: PgSchema[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
  await Promise.all(schemas.splice(0).map((s) => s.drop()));
});

type Backend = SqlBackend;
const backends = sqlBackends(tmp, schemas, 'lt_snap');

const DAY = 86_400_000;

/**
 * A tiny account with trades in the month the snapshots cover: the generator lays its history out
 * relative to the day it is generated for, so the seed is chosen for today (the sandbox's `asOf`).
 */
function seedWithRecentTrades(asOf: number): number {
  for (let seed = 1; seed < 200; seed++) {
    const a = generateSandboxAccount({ seed, profile: 'tiny', asOf });
    for (let i = 0; i < a.trades.count; i++) {
      const t = a.trades.time[i] as number;
      if (t > asOf - 28 * DAY && t < asOf - 2 * DAY) return seed;
    }
  }
  throw new Error('no seed with trades in the last month');
}

/** A ledger with the account's whole history: the sync, plus the statement for what the API no longer reaches. */
async function completeLedger(backend: Backend): Promise<SyncFixture> {
  const asOf = Math.floor(Date.now() / DAY) * DAY;
  const f = await syncFixture(await backend.location(), { asOf, seed: seedWithRecentTrades(asOf) });
  open.push(f);
  const sync = await f.sync();
  expect(sync.code, sync.stderr).toBe(0);
  const res = await fetch(`${f.sandbox.adminUrl}/export/transaction-history.csv`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')![1]!;
  const path = join(await tmp(), name);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  const imp = await runCliInProcess(['import', 'csv', path, '--db', f.db]);
  expect(imp.code, imp.stderr).toBe(0);
  return f;
}

function reconcileArgs(f: SyncFixture, ...extra: string[]): string[] {
  return [
    'reconcile',
    '--db',
    f.db,
    '--account',
    'main',
    '--daily-snapshots',
    '--base-url',
    f.sandbox.baseUrl,
    '--limit-window-ms',
    String(TEST_WINDOW_MS),
    ...extra,
  ];
}

describe.each(backends)('reconcile --daily-snapshots on $name', (backend) => {
  it('a complete ledger agrees with every daily snapshot of the month; a deleted trade shows from its day on, by its amounts', async () => {
    const f = await completeLedger(backend);
    const clean = await runCliInProcess(reconcileArgs(f, '--json'), { env: f.env });
    const report = JSON.parse(clean.stdout) as { ok: boolean; dailySnapshots: SnapshotReconcileReport };
    const snaps = report.dailySnapshots;
    expect(snaps.days.length).toBeGreaterThanOrEqual(28);
    expect(snaps.days.filter((d) => d.differences.length > 0)).toEqual([]);
    expect(snaps.daysWithDifferences).toBe(0);
    expect(clean.code, clean.stdout).toBe(0);
    for (const d of snaps.days) {
      expect(d.assets).toBeGreaterThan(0);
      // 23:59:59 UTC of each day, one a day.
      expect(new Date(d.time).toISOString()).toBe(`${d.day}T23:59:59.000Z`);
    }

    // The snapshots are read once (weight 2400) under the consent, and audited.
    const store = await openLedger(f.db, { create: false });
    const audit = (await store.listAudit({ account: 'main' })).filter((a) =>
      a.endpoint.includes('accountSnapshot'),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ weight: 2400, status: 200 });
    expect(JSON.stringify(audit)).not.toContain(f.env['BINANCE_API_SECRET']!);

    // A trade of the month, not on its last day, deleted from the ledger.
    const first = snaps.days[0]!.time;
    const last = snaps.days[snaps.days.length - 1]!.time;
    const trades = (
      await store.queryRecords({ account: 'main', kind: 'trade', since: first + 1, until: last - 86_400_000 })
    )
      .map((s) => s.record as Trade)
      .filter((t) => t.time > first && t.time <= last - 86_400_000);
    await store.close();
    expect(trades.length).toBeGreaterThan(0);
    const gone = trades[Math.floor(trades.length / 2)]!;
    await backend.sql(f.db, `DELETE FROM record_sources WHERE kind = 'trade' AND id = '${gone.id}'`);
    await backend.sql(f.db, `DELETE FROM records WHERE kind = 'trade' AND id = '${gone.id}'`);
    const missing = new DecimalTotals();
    for (const e of balanceEffects(gone)) missing.add(e.asset, e.delta);
    const want = Object.entries(missing.toObject())
      .filter(([, v]) => v !== '0')
      .map(([asset, difference]) => ({ asset, difference }));

    const after = await runCliInProcess(reconcileArgs(f, '--json'), { env: f.env });
    expect(after.code).toBe(1);
    const days = (JSON.parse(after.stdout) as { ok: boolean; dailySnapshots: SnapshotReconcileReport })
      .dailySnapshots.days;
    const tradeDay = new Date(gone.time).toISOString().slice(0, 10);
    for (const d of days) {
      const got = d.differences.map((x) => ({ asset: x.asset, difference: x.difference }));
      if (d.time < gone.time) expect(got, d.day).toEqual([]);
      else expect(got, d.day).toEqual(want);
      if (d.day === tradeDay) expect(d.differences.every((x) => x.changed)).toBe(true);
      else expect(d.differences.every((x) => !x.changed)).toBe(true);
    }
    expect(days.filter((d) => d.differences.length > 0)[0]!.day).toBe(tradeDay);

    // The text report names the day and the assets, with the spot movements around it.
    const text = await runCliInProcess(reconcileArgs(f), { env: f.env });
    expect(text.code).toBe(1);
    for (const { asset, difference } of want)
      expect(text.stdout).toContain(`${tradeDay} ${asset}: difference ${difference}`);
    expect(text.stdout).toMatch(
      /daily spot snapshots: \d+ days \(.* each as of 23:59:59\.000Z\), \d+ with a difference/,
    );
  });
});

describe('reconcileSpotSnapshots', () => {
  it('counts a record at or before the snapshot instant that day, a later one the next day; funding deposits not at all; LD* mirrors skipped', async () => {
    const store = await openLedger(join(await tmp(), 'ledger.db'));
    try {
      const day1 = Date.UTC(2026, 9, 1, 23, 59, 59);
      const day2 = day1 + DAY;
      await store.putRecords([
        deposit('1', 'BTC', '1', { time: day1 - 3_600_000, wallet: 'spot' }),
        // Exactly the snapshot instant: that day.
        deposit('2', 'BTC', '0.5', { time: day1 }),
        // The rest of the day's last second: the next day, as the exchange's snapshot counts it.
        deposit('3', 'BTC', '0.25', { time: day1 + 500 }),
        deposit('4', 'USDT', '100', { time: day1 - 1000, wallet: 'funding' }),
        trade(1, { time: day2 - 60_000 }),
      ]);
      const effects = balanceEffects((await store.getRecord('main', 'trade', 'BNBBTC:1'))!.record);
      const next = new DecimalTotals();
      next.add('BTC', '1.75');
      for (const e of effects) next.add(e.asset, e.delta);
      const snapshots = [
        {
          time: day1,
          balances: [
            { asset: 'BTC', free: '1.5', locked: '0' },
            { asset: 'LDBTC', free: '9', locked: '0' },
          ],
        },
        {
          time: day2,
          balances: Object.entries(next.toObject())
            .filter(([, v]) => v !== '0')
            .map(([asset, total]) => ({ asset, free: total, locked: '0' })),
        },
      ];
      const clean = await reconcileSpotSnapshots(store, 'main', snapshots);
      expect(clean.days.map((d) => [d.day, d.differences])).toEqual([
        ['2026-10-01', []],
        ['2026-10-02', []],
      ]);
      // Off by the late deposit: the first day reports it with the day's movements around it.
      const late = await reconcileSpotSnapshots(store, 'main', [
        { time: day1, balances: [{ asset: 'BTC', free: '1.75', locked: '0' }] },
      ]);
      expect(late.days[0]!.differences).toEqual([
        {
          asset: 'BTC',
          snapshot: '1.75',
          ledger: '1.5',
          difference: '0.25',
          changed: true,
          around: [{ kind: 'transfer', id: 'deposit:2', time: day1, delta: '0.5' }],
        },
      ]);
    } finally {
      await store.close();
    }
  });
});
