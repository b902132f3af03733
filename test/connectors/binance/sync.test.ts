/**
 * The sync against the sandbox, through the CLI: the ledger equals the truth for every record the API
 * can reach; a rerun adds nothing and costs little; faults and clock skew change nothing; keys that can
 * trade or withdraw are refused; no secret lands anywhere.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, reconcileAccount } from '../../../ledger/index.js';
import { freshPgSchema } from '../../helpers/pg.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { apiTruth, diffRecords, ledgerRecords, syncFixture } from './harness.js';
import type { SyncFixture } from './harness.js';

const tmp = useTempDirs('ledgertap-sync-');
const open: SyncFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

async function fixture(...args: Parameters<typeof syncFixture>): Promise<SyncFixture> {
  const f = await syncFixture(...args);
  open.push(f);
  return f;
}

async function expectEqualsTruth(f: SyncFixture): Promise<void> {
  const diff = diffRecords(await apiTruth(f.sandbox), await ledgerRecords(f.db));
  expect(diff).toEqual({ missing: [], extra: [], different: [] });
}

async function stats(
  f: SyncFixture,
): Promise<{ requests: number; rateLimited429: number; faultsInjected: Record<string, number> }> {
  return (await (await fetch(`${f.sandbox.adminUrl}/stats`)).json()) as never;
}

describe('sync binance against the sandbox', () => {
  it('tiny: equals the truth; a rerun adds nothing and costs little; every request is audited without secrets', async () => {
    const f = await fixture(await tmp());
    const first = await f.sync('--json');
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { records: Record<string, number>; requests: number };
    expect(summary.records['inserted']).toBeGreaterThan(100);
    await expectEqualsTruth(f);

    const second = await f.sync('--json');
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout) as {
      records: Record<string, number>;
      requests: number;
      weight: number;
    };
    expect(again.records['inserted'] ?? 0).toBe(0);
    expect(again.records['updated'] ?? 0).toBe(0);
    expect(again.requests).toBeLessThan(summary.requests / 2);
    await expectEqualsTruth(f);

    const store = await openLedger(f.db, { create: false });
    try {
      const audit = await store.listAudit({ account: 'main' });
      expect(audit.length).toBe(summary.requests + again.requests);
      expect(audit.every((a) => a.route === 'api' && a.consentId !== undefined)).toBe(true);
      expect(
        audit.some((a) => a.endpoint === '/api/v3/myTrades' && (a.records ?? 0) > 0 && a.weight === 20),
      ).toBe(true);
      const text = JSON.stringify(audit);
      expect(text).not.toContain('signature');
      expect(text).not.toContain(f.sandbox.apiSecret);
    } finally {
      await store.close();
    }
    const bytes = (await readFile(f.db)).toString('latin1');
    for (const secret of [f.sandbox.apiSecret]) {
      expect(bytes).not.toContain(secret);
      for (const out of [first.stdout, first.stderr, second.stdout, second.stderr])
        expect(out).not.toContain(secret);
    }
  });

  it('a balance the exchange no longer lists becomes zero on the next sync', async () => {
    const f = await fixture(await tmp());
    expect((await f.sync('--surfaces', 'balances')).code).toBe(0);
    const store = await openLedger(f.db, { create: false });
    try {
      await store.putRecords([
        {
          kind: 'balance',
          id: 'funding:GONE',
          account: 'main',
          time: 1,
          source: 'api',
          raw: {},
          wallet: 'funding',
          asset: 'GONE',
          free: '5',
          locked: '1',
        },
      ]);
    } finally {
      await store.close();
    }
    expect((await f.sync('--surfaces', 'balances')).code).toBe(0);
    const after = await openLedger(f.db, { create: false });
    try {
      const gone = await after.getRecord('main', 'balance', 'funding:GONE');
      expect(gone?.record).toMatchObject({ free: '0', locked: '0' });
      expect(gone!.record.time).toBeGreaterThan(1);
    } finally {
      await after.close();
    }
  });

  it('an Earn position that left the position list is closed with amount 0, its history kept', async () => {
    const f = await fixture(await tmp());
    expect((await f.sync('--surfaces', 'balances,earn')).code).toBe(0);
    const account = f.sandbox.account;
    const gone = account.flexiblePositions.pop();
    const goneLocked = account.lockedPositions.pop();
    expect(gone).toBeTruthy();
    const store = await openLedger(f.db, { create: false });
    const flexId = `flexible:${gone!.raw.productId}`;
    const ids = [flexId, ...(goneLocked ? [`locked:${String(goneLocked.raw.positionId)}`] : [])];
    let history: number;
    try {
      const before = await store.getRecord('main', 'earn_position', flexId);
      expect((before?.record as { amount: string }).amount).not.toBe('0');
      history = await store.countRecords({ account: 'main', kind: 'earn_subscription' });
      expect(history).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    const again = await f.sync('--surfaces', 'balances', '--json');
    expect(again.code, again.stderr).toBe(0);
    const after = await openLedger(f.db, { create: false });
    try {
      for (const id of ids) {
        const closed = await after.getRecord('main', 'earn_position', id);
        expect(closed?.record, id).toMatchObject({ amount: '0', status: 'CLOSED', canRedeem: false });
      }
      expect(await after.countRecords({ account: 'main', kind: 'earn_subscription' })).toBe(history);
      // The other positions are untouched.
      const open = account.flexiblePositions[0];
      if (open) {
        const still = await after.getRecord('main', 'earn_position', `flexible:${open.raw.productId}`);
        expect((still?.record as { amount: string }).amount).not.toBe('0');
      }
    } finally {
      await after.close();
    }
    // A third sync does not write the closed positions again.
    const third = await f.sync('--surfaces', 'balances', '--json');
    expect((JSON.parse(third.stdout) as { records: Record<string, number> }).records['updated'] ?? 0).toBe(0);
  });

  it('into PostgreSQL: equals the truth, and a rerun adds nothing', async () => {
    const pgSchema = freshPgSchema('lt_sync');
    try {
      const f = await fixture(pgSchema.url);
      const first = await f.sync();
      expect(first.code, first.stderr).toBe(0);
      await expectEqualsTruth(f);
      const second = await f.sync('--json');
      expect(second.code, second.stderr).toBe(0);
      expect(
        (JSON.parse(second.stdout) as { records: Record<string, number> }).records['inserted'] ?? 0,
      ).toBe(0);
      await expectEqualsTruth(f);
    } finally {
      await pgSchema.drop();
    }
  });

  it('small: equals the truth, and reconcile finds only what the API cannot reach', async () => {
    const f = await fixture(await tmp(), { profile: 'small', seed: 7 });
    const r = await f.sync();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/unreachable by the API|traded of/);
    await expectEqualsTruth(f);

    // The same truth records, all of them reachable by the API, in a second ledger: its reconcile gaps are
    // exactly what the API cannot see; ours must be the same.
    const text = await (await fetch(`${f.sandbox.adminUrl}/truth`)).text();
    const truthDb = join(await tmp(), 'truth.db');
    const truthStore = await openLedger(truthDb);
    const ours = await openLedger(f.db, { create: false });
    try {
      const batch = [];
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const { routes, ...rec } = JSON.parse(line) as { routes: string[] } & Record<string, unknown>;
        if (routes.includes('api')) batch.push({ ...rec, source: 'api' as const });
      }
      for (let i = 0; i < batch.length; i += 2000)
        await truthStore.putRecords(batch.slice(i, i + 2000) as never);
      const expected = await reconcileAccount(truthStore, 'main');
      const actual = await reconcileAccount(ours, 'main');
      expect(actual.gaps.map((g) => [g.asset, g.gap])).toEqual(expected.gaps.map((g) => [g.asset, g.gap]));
    } finally {
      await truthStore.close();
      await ours.close();
    }
  });

  it('with faults (429s, 5xx, resets, truncated bodies, latency) the result is the same', async () => {
    const f = await fixture(await tmp(), {
      faults: '429:0.03,5xx:0.04,reset:0.03,truncate:0.03,403:0.01,latency:0-10',
    });
    const r = await f.sync('--json');
    expect(r.code, r.stderr).toBe(0);
    const s = await stats(f);
    expect(Object.values(s.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    const summary = JSON.parse(r.stdout) as { retries: number };
    expect(summary.retries).toBeGreaterThan(0);
    await expectEqualsTruth(f);
  });

  it.each([3000, -3000])('with the server clock skewed by %i ms the result is the same', async (skew) => {
    const f = await fixture(await tmp(), { clockSkewMs: skew });
    const r = await f.sync('--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { clock: { offsetMs: number } };
    expect(Math.abs(summary.clock.offsetMs - skew)).toBeLessThan(200);
    await expectEqualsTruth(f);
  });

  it('refuses to run without an active read consent', async () => {
    const f = await fixture(await tmp(), {}, false);
    const r = await f.sync();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('consent');
    expect((await stats(f)).requests).toBe(0);
  });

  it.each([
    [['trade'], 'Enable Spot & Margin Trading'],
    [['withdraw'], 'Enable Withdrawals'],
    [['transfer', 'futures'], 'Permits Universal Transfer'],
  ])('refuses a key with %j, naming the permission to switch off', async (permissions, label) => {
    const f = await fixture(await tmp(), { keyPermissions: permissions });
    const r = await f.sync();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(label);
    expect(r.stderr).toContain('--allow-unsafe-key');
    const store = await openLedger(f.db, { create: false });
    try {
      expect(await store.countRecords({ account: 'main' })).toBe(0);
      expect((await store.listAudit()).map((a) => a.endpoint)).toContain('/sapi/v1/account/apiRestrictions');
    } finally {
      await store.close();
    }
  });

  it('a secret that does not belong to the key is bad input (exit 2) naming the fix; nothing stored', async () => {
    const f = await fixture(await tmp());
    const { runCliInProcess } = await import('../../helpers/cli.js');
    const r = await runCliInProcess(f.args('--surfaces', 'balances'), {
      env: { ...f.env, BINANCE_API_SECRET: 'not-the-secret-of-this-key' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('check that the secret (or private key file) belongs to this API key');
    expect(r.stderr).not.toContain('not-the-secret-of-this-key');
    expect(r.stderr).not.toMatch(/\bat .*\.[jt]s:\d+/);
    const store = await openLedger(f.db, { create: false });
    try {
      expect(await store.countRecords({ account: 'main' })).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a --since in the future is refused (exit 2) before any request', async () => {
    const f = await fixture(await tmp());
    const r = await f.sync('--since', '2999-01-01');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--since 2999-01-01 is in the future: nothing would be read.');
    expect((await stats(f)).requests).toBe(0);
  });

  it('--allow-unsafe-key proceeds, warning loudly on stderr', async () => {
    const f = await fixture(await tmp(), { keyPermissions: ['trade', 'withdraw'] });
    const r = await f.sync('--allow-unsafe-key', '--surfaces', 'balances');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: THIS API KEY CAN ENABLE WITHDRAWALS/);
  });

  it('stops cleanly on an IP ban (418) with the ban end time, exit 3, and resumes later', async () => {
    const f = await fixture(await tmp(), { faults: '418@request=12' });
    const r = await f.sync();
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/banned this IP until \d{4}-\d\d-\d\dT/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it.each(['ed25519', 'rsa'] as const)(
    'signs with an %s key file (mode 600) and refuses it when others can read it',
    async (keyType) => {
      const f = await fixture(await tmp(), { keyType, writeKeyFiles: true });
      const keyFile = f.sandbox.keyFiles!.privateKey;
      const env = { BINANCE_API_KEY: f.sandbox.apiKey, BINANCE_API_SECRET: '' };
      const { runCliInProcess } = await import('../../helpers/cli.js');
      const ok = await runCliInProcess(
        [...f.args('--surfaces', 'balances,deposits'), '--key-file', keyFile],
        {
          env,
        },
      );
      expect(ok.code, ok.stderr).toBe(0);
      const { chmod } = await import('node:fs/promises');
      await chmod(keyFile, 0o640);
      const refused = await runCliInProcess([...f.args('--surfaces', 'balances'), '--key-file', keyFile], {
        env,
      });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('chmod 600');
    },
  );

  it('as a real process with --verbose debug logs, never prints the secret or a signature', async () => {
    const f = await fixture(await tmp());
    const { spawnCli } = await import('../../helpers/cli.js');
    const r = await spawnCli([...f.args('--surfaces', 'balances,deposits'), '--verbose'], {
      env: { ...f.env, DEBUG: 'ledgertap:*' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('ledgertap:connectors:binance:http');
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(f.sandbox.apiSecret);
      expect(out).not.toContain(f.sandbox.apiKey);
      expect(out).not.toContain('signature=');
    }
  });

  it('--since limits the windowed histories; a later full sync fills in the rest', async () => {
    const f = await fixture(await tmp());
    const truth = await apiTruth(f.sandbox);
    const times = [...truth.values()]
      .map((v) => (JSON.parse(v) as { time: number }).time)
      .sort((a, b) => a - b);
    const since = times[Math.floor(times.length / 2)]!;
    const r = await f.sync('--since', String(since), '--surfaces', 'deposits,withdrawals,convert,dividends');
    expect(r.code, r.stderr).toBe(0);
    const partial = await ledgerRecords(f.db);
    expect(partial.size).toBeGreaterThan(0);
    for (const v of partial.values())
      expect((JSON.parse(v) as { time: number }).time).toBeGreaterThanOrEqual(since);
    expect((await f.sync()).code).toBe(0);
    await expectEqualsTruth(f);
  });

  it('convert and Earn walk from the latest of the product launch, --since and the first activity', async () => {
    const CONVERT_LAUNCH = Date.UTC(2020, 0, 1);
    const SAVINGS_LAUNCH = Date.UTC(2019, 6, 1);
    const firstStart = async (db: string, endpoint: string): Promise<number> => {
      const store = await openLedger(db, { create: false });
      try {
        const starts = (await store.listAudit({ account: 'main' }))
          .filter((a) => a.endpoint === endpoint)
          .map((a) => Number((a.params as { startTime?: number }).startTime));
        expect(starts.length, endpoint).toBeGreaterThan(0);
        return Math.min(...starts);
      } finally {
        await store.close();
      }
    };
    // --since before the products existed: no window before their launch is paid for.
    const f = await fixture(await tmp());
    const early = await f.sync('--since', '2017-08-01', '--surfaces', 'deposits,convert,earn', '--json');
    expect(early.code, early.stderr).toBe(0);
    expect(await firstStart(f.db, '/sapi/v1/convert/tradeFlow')).toBe(CONVERT_LAUNCH);
    expect(await firstStart(f.db, '/sapi/v1/simple-earn/flexible/history/subscriptionRecord')).toBe(
      SAVINGS_LAUNCH,
    );
    // Without --since: from the account's first activity when the account is younger than the product.
    const g = await fixture(await tmp());
    const full = await g.sync('--surfaces', 'deposits,convert,earn', '--json');
    expect(full.code, full.stderr).toBe(0);
    const first = (JSON.parse(full.stdout) as { firstActivity: number }).firstActivity;
    expect(await firstStart(g.db, '/sapi/v1/convert/tradeFlow')).toBe(Math.max(CONVERT_LAUNCH, first));
    // --since after the first activity: from --since.
    const since = Date.UTC(2024, 0, 1);
    const h = await fixture(await tmp());
    const late = await h.sync('--since', '2024-01-01', '--surfaces', 'deposits,convert,earn', '--json');
    expect(late.code, late.stderr).toBe(0);
    expect(await firstStart(h.db, '/sapi/v1/convert/tradeFlow')).toBeGreaterThanOrEqual(since);
  });

  it('reads the isolated-margin transfers per isolated account, with the symbols it asked for', async () => {
    const f = await fixture(await tmp());
    const truth = await apiTruth(f.sandbox);
    const isolated = [...truth].filter(([, v]) => v.includes('isolated_margin:'));
    const types = new Set(isolated.map(([, v]) => (JSON.parse(v) as { transferType: string }).transferType));
    expect([...types].sort()).toEqual([
      'ISOLATEDMARGIN_ISOLATEDMARGIN',
      'ISOLATEDMARGIN_MARGIN',
      'ISOLATED_MARGIN_MAIN',
      'MAIN_ISOLATED_MARGIN',
      'MARGIN_ISOLATEDMARGIN',
    ]);
    const accounts = new Set<string>();
    for (const [, v] of isolated) {
      const r = JSON.parse(v) as { fromWallet: string; toWallet: string };
      for (const w of [r.fromWallet, r.toWallet])
        if (w.startsWith('isolated_margin:')) accounts.add(w.slice('isolated_margin:'.length));
    }
    const r = await f.sync('--surfaces', 'balances,deposits,transfers', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      discovery: { isolatedCandidates: number; isolatedPairProbes: number; isolatedAccounts: string[] };
    };
    expect(summary.discovery.isolatedAccounts).toEqual([...accounts].sort());
    expect(summary.discovery.isolatedCandidates).toBeGreaterThan(0);
    expect(summary.discovery.isolatedPairProbes).toBeGreaterThan(0);
    const ledger = await ledgerRecords(f.db);
    for (const [key, v] of isolated) expect(ledger.get(key), key).toBe(v);

    const store = await openLedger(f.db, { create: false });
    try {
      const calls = (await store.listAudit({ account: 'main' })).filter(
        (a) => a.endpoint === '/sapi/v1/asset/transfer' && /ISOLATED/.test(String(a.params['type'])),
      );
      // Every isolated-margin query names its isolated account(s); about 4 per candidate plus the pairs.
      for (const a of calls) {
        const t = String(a.params['type']);
        if (t.startsWith('ISOLATED')) expect(a.params['fromSymbol'], t).toBeTruthy();
        if (t.endsWith('ISOLATEDMARGIN') || t.endsWith('ISOLATED_MARGIN'))
          expect(a.params['toSymbol'], t).toBeTruthy();
      }
      expect(calls.length).toBe(
        4 * summary.discovery.isolatedCandidates + summary.discovery.isolatedPairProbes,
      );
    } finally {
      await store.close();
    }
  });

  it('reads the orders of a symbol whose only orders were canceled or expired unfilled', async () => {
    const f = await fixture(await tmp());
    const truth = await apiTruth(f.sandbox);
    const traded = new Set<string>();
    const orders = new Map<string, { symbol: string; status: string }>();
    for (const [key, v] of truth) {
      const r = JSON.parse(v) as { symbol?: string; status?: string };
      if (key.startsWith('trade|')) traded.add(r.symbol!);
      if (key.startsWith('order|')) orders.set(key, r as { symbol: string; status: string });
    }
    const onlyUnfilled = [...orders].filter(([, o]) => !traded.has(o.symbol) && o.status !== 'NEW');
    expect(onlyUnfilled.length).toBeGreaterThan(0);
    expect(onlyUnfilled.every(([, o]) => o.status === 'CANCELED' || o.status === 'EXPIRED')).toBe(true);
    const r = await f.sync('--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { discovery: { orderProbes: number } };
    expect(summary.discovery.orderProbes).toBeGreaterThan(0);
    const ledger = await ledgerRecords(f.db);
    for (const [key, o] of onlyUnfilled) expect(ledger.get(key), `${key} ${o.symbol}`).toBe(truth.get(key));
  });

  it('--since: trades and orders start at since; a full sync fills the gap; a rerun adds nothing', async () => {
    const f = await fixture(await tmp());
    const truth = await apiTruth(f.sandbox);
    const times = [...truth]
      .filter(([k]) => k.startsWith('trade|'))
      .map(([, v]) => (JSON.parse(v) as { time: number }).time)
      .sort((a, b) => a - b);
    const since = times[Math.floor(times.length / 2)]!;
    const r = await f.sync('--since', String(since), '--json');
    expect(r.code, r.stderr).toBe(0);
    const partial = await ledgerRecords(f.db);
    let trades = 0;
    for (const [key, v] of partial) {
      const rec = JSON.parse(v) as { time: number; status?: string };
      if (key.startsWith('trade|')) {
        trades++;
        expect(rec.time, key).toBeGreaterThanOrEqual(since);
      }
      // An order placed before since is read only when it is open now (the account's state).
      if (key.startsWith('order|') && rec.status !== 'NEW')
        expect(rec.time, key).toBeGreaterThanOrEqual(since);
    }
    // Every trade and order at/after since is there, exactly.
    for (const [key, v] of truth) {
      if (!key.startsWith('trade|') && !key.startsWith('order|')) continue;
      if ((JSON.parse(v) as { time: number }).time >= since) expect(partial.get(key), key).toBe(v);
    }
    expect(trades).toBe(times.filter((t) => t >= since).length);
    const full = await f.sync('--json');
    expect(full.code, full.stderr).toBe(0);
    await expectEqualsTruth(f);
    const again = await f.sync('--json');
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as { records: Record<string, number> };
    expect(summary.records['inserted'] ?? 0).toBe(0);
    expect(summary.records['updated'] ?? 0).toBe(0);
    await expectEqualsTruth(f);
  });

  it('rejects bad flags with usage errors', async () => {
    const f = await fixture(await tmp());
    const { runCliInProcess } = await import('../../helpers/cli.js');
    for (const extra of [
      ['--surfaces', 'nope'],
      ['--recv-window', '70000'],
      ['--since', 'yesterday'],
      ['--discovery', 'magic'],
    ]) {
      const r = await runCliInProcess(f.args(...extra), { env: f.env });
      expect(r.code, extra.join(' ')).toBe(2);
    }
    const noKey = await runCliInProcess(f.args(), { env: { BINANCE_API_KEY: '', BINANCE_API_SECRET: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('BINANCE_API_KEY');
  });
});
