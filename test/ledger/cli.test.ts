/**
 * The ledger verbs through the CLI (consent, audit, export, reconcile) on both backends, with their exit
 * codes, and the bad inputs a user can give --db.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { openLedger } from '../../ledger/index.js';
import { csvField } from '../../ledger/export.js';
import { cliCommand, runCliInProcess, spawnCli } from '../helpers/cli.js';
import { TEST_PG_URL } from '../helpers/pg.js';
import { backends } from './backends.js';
import type { BackendInstance } from './backends.js';
import { balance, deposit, dividend, trade, withdrawal } from './fixtures.js';

/**
 * The argv of a `consent grant` that would succeed but for what a test puts wrong: holder A, read scope,
 * into the ledger at `db`; `flags` go before --holder (an --account under test).
 */
function grantArgs(db: string, expires = '2099-01-01', flags: string[] = []): string[] {
  return ['consent', 'grant', '--db', db, ...flags, '--holder', 'A', '--scope', 'read', '--expires', expires];
}

describe.each(backends)('ledger verbs on $name', (backend) => {
  let db: BackendInstance;
  beforeEach(async () => {
    db = await backend.create();
  });
  afterEach(async () => {
    await db.cleanup();
  });

  async function seed(fn: (store: Awaited<ReturnType<typeof openLedger>>) => Promise<void>): Promise<void> {
    const store = await openLedger(db.location);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  /** `export` from this backend's ledger with `flags`. */
  function exportCli(...flags: string[]): ReturnType<typeof runCliInProcess> {
    return runCliInProcess(['export', '--db', db.location, ...flags]);
  }

  it('consent grant, list, revoke', async () => {
    const granted = await runCliInProcess([
      '--json',
      'consent',
      'grant',
      '--db',
      db.location,
      '--account',
      'alice',
      '--holder',
      'Alice Example',
      '--scope',
      'read',
      '--expires',
      '2099-01-01',
    ]);
    expect(granted.code).toBe(0);
    const consent = JSON.parse(granted.stdout) as { id: number; state: string; expiresAt: string };
    expect(consent).toMatchObject({ state: 'active', expiresAt: '2099-01-01T00:00:00.000Z' });
    const list = await runCliInProcess(['consent', 'list', '--db', db.location]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`#${consent.id}  account alice  holder "Alice Example"  scope read`);
    expect(list.stdout).toContain('active');
    const revoked = await runCliInProcess(['consent', 'revoke', String(consent.id), '--db', db.location]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('revoked');
    const listJson = await runCliInProcess([
      '--json',
      'consent',
      'list',
      '--db',
      db.location,
      '--account',
      'alice',
    ]);
    expect((JSON.parse(listJson.stdout) as { state: string }[])[0]?.state).toBe('revoked');
  });

  it.each([
    [['--scope', 'write', '--expires', '2099-01-01'], 'usage.bad_scope'],
    [['--scope', 'read', '--expires', '2001-01-01'], 'usage.expired'],
    [['--scope', 'read', '--expires', 'next tuesday'], 'usage.bad_time'],
  ])('consent grant refuses %j with exit 2', async (flags, code) => {
    const r = await runCliInProcess([
      '--json',
      'consent',
      'grant',
      '--db',
      db.location,
      '--holder',
      'A',
      ...flags,
    ]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: code });
  });

  it('consent revoke of an unknown or malformed id exits 2', async () => {
    await seed(async () => undefined);
    expect((await runCliInProcess(['consent', 'revoke', '77', '--db', db.location])).code).toBe(2);
    expect((await runCliInProcess(['consent', 'revoke', 'abc', '--db', db.location])).code).toBe(2);
    expect(
      (
        await runCliInProcess([
          'consent',
          'grant',
          '--db',
          db.location,
          '--scope',
          'read',
          '--expires',
          '2099-01-01',
        ])
      ).code,
    ).toBe(2);
  });

  it('audit shows requests, filtered, without secrets', async () => {
    await seed(async (store) => {
      const c = await store.grantConsent({
        account: 'main',
        holder: 'Ann',
        scope: 'read',
        expiresAt: Date.now() + 1e9,
      });
      await store.appendAudit({
        at: Date.UTC(2026, 0, 1),
        account: 'main',
        consentId: c.id,
        route: 'api',
        method: 'GET',
        endpoint: '/api/v3/account?timestamp=1&signature=abcdef0123',
        status: 200,
        weight: 20,
        records: 42,
        durationMs: 12,
      });
      await store.appendAudit({
        at: Date.UTC(2026, 0, 2),
        account: 'bob',
        route: 'api',
        method: 'GET',
        endpoint: '/sapi/v1/capital/deposit/hisrec',
        params: { startTime: 1 },
        status: 429,
        weight: 1,
        durationMs: 3,
      });
    });
    const all = await runCliInProcess(['audit', '--db', db.location]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^2026-01-01T00:00:00.000Z {2}main {2}consent#\d+ {2}api {2}GET \/api\/v3\/account {2}200 {2}weight=20 {2}records=42 {2}12ms$/,
    );
    expect(all.stdout).not.toContain('abcdef0123');
    const bob = await runCliInProcess(['--json', 'audit', '--db', db.location, '--account', 'bob']);
    expect(JSON.parse(bob.stdout)).toMatchObject([
      { account: 'bob', status: 429, params: { startTime: 1 }, at: '2026-01-02T00:00:00.000Z' },
    ]);
    const since = await runCliInProcess(['--json', 'audit', '--db', db.location, '--since', '2026-01-02']);
    expect((JSON.parse(since.stdout) as unknown[]).length).toBe(1);
    expect((await runCliInProcess(['audit', '--db', db.location, '--since', 'yesterday'])).code).toBe(2);
  });

  it('export csv: a cell a spreadsheet would run as a formula gets a leading quote; numbers and --no-spreadsheet-guard are left as stored', async () => {
    const infos = ['=HYPERLINK("http://x.test","claim")', '+cmd|calc', '-2+3', '@SUM(A1)', 'Launchpool'];
    await seed(async (store) => {
      await store.putRecords(infos.map((info, i) => dividend(String(i + 1), 'BNB', '0.1', { info })));
    });
    const cells = (stdout: string): string[] =>
      stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => (parseCsv(line) as string[][])[0]![6]!);
    const guarded = await exportCli('--format', 'csv', '--kind', 'dividend');
    expect(guarded.code, guarded.stderr).toBe(0);
    expect(cells(guarded.stdout)).toEqual([
      `'=HYPERLINK("http://x.test","claim")`,
      "'+cmd|calc",
      "'-2+3",
      "'@SUM(A1)",
      'Launchpool',
    ]);
    expect(guarded.stdout).toContain(',0.1,');
    const exact = await exportCli('--format', 'csv', '--kind', 'dividend', '--no-spreadsheet-guard');
    expect(cells(exact.stdout)).toEqual(infos);
    // JSON Lines carry values as stored: a program reads them, not a spreadsheet.
    const jsonl = await exportCli('--format', 'jsonl', '--kind', 'dividend');
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { info: string }).info),
    ).toEqual(infos);
  });

  it('csvField leaves signed numbers alone and guards only text', () => {
    expect(csvField('-0.5', true)).toBe('-0.5');
    expect(csvField('+1e-8', true)).toBe('+1e-8');
    expect(csvField(-3, true)).toBe('-3');
    expect(csvField('-', true)).toBe("'-");
    expect(csvField('\tx', true)).toBe("'\tx");
    expect(csvField('=1+1', false)).toBe('=1+1');
  });

  it('export prints jsonl and csv in truth shape, sorted by kind then id; --with-raw adds the sources', async () => {
    await seed(async (store) => {
      await store.putRecords([
        trade(2),
        trade(10),
        deposit('d1', 'BTC', '1'),
        dividend('5', 'BNB', '0.1', { info: 'Launchpool, "BNB" vault' }),
      ]);
      await store.putRecords([trade(2, { source: 'csv', raw: { Pair: 'BNBBTC' } })]);
    });
    const jsonl = await exportCli('--format', 'jsonl');
    expect(jsonl.code).toBe(0);
    const rows = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => `${String(r['kind'])}/${String(r['id'])}`)).toEqual([
      'dividend/5',
      'trade/BNBBTC:10',
      'trade/BNBBTC:2',
      'transfer/deposit:d1',
    ]);
    expect(rows.every((r) => !('source' in r) && !('raw' in r))).toBe(true);
    const csv = await exportCli('--format', 'csv', '--kind', 'dividend');
    expect(csv.stdout).toBe(
      'kind,id,account,time,asset,amount,info,tranId,direction\n' +
        `dividend,5,main,${Date.UTC(2024, 0, 1) + 7 * 3_600_000},BNB,0.1,"Launchpool, ""BNB"" vault",77,in\n`,
    );
    const raw = await exportCli('--format', 'jsonl', '--kind', 'trade', '--with-raw');
    const first = JSON.parse(raw.stdout.split('\n')[1] ?? '{}') as Record<string, unknown>;
    expect(first).toMatchObject({ id: 'BNBBTC:2', source: 'api', sources: ['api', 'csv'], raw: { id: 2 } });
    const mixed = await exportCli('--format', 'csv', '--kind', 'p2p_order');
    expect(mixed.stdout.split('\n')[0]?.startsWith('kind,id,account,time,')).toBe(true);
    expect(mixed.stdout.trim().split('\n')).toHaveLength(1);
    // A typo in --account is refused naming the known accounts, not an empty export that exits 0.
    for (const verb of [['export', '--format', 'csv'], ['reconcile'], ['audit']]) {
      const typo = await runCliInProcess([...verb, '--db', db.location, '--account', 'Mian']);
      expect(typo.code, verb[0]).toBe(2);
      expect(typo.stderr, verb[0]).toContain('--account "Mian": not in this ledger. Known accounts: "main"');
      expect(typo.stdout, verb[0]).toBe('');
    }
  });

  it('export --time-format iso writes every time field as ISO 8601 (CSV and JSONL); epoch stays the default', async () => {
    const completed = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
    await seed(async (store) => {
      await store.putRecords([
        deposit('d1', 'BTC', '1', { completeTime: completed }),
        dividend('5', 'BNB', '0.1'),
      ]);
    });
    const dividendAt = Date.UTC(2024, 0, 1) + 7 * 3_600_000;
    const csv = await exportCli('--format', 'csv', '--kind', 'dividend', '--time-format', 'iso');
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[1]).toBe(
      `dividend,5,main,${new Date(dividendAt).toISOString()},BNB,0.1,BNB Vault,77,in`,
    );
    const jsonl = await exportCli('--format', 'jsonl', '--kind', 'transfer', '--time-format', 'iso');
    const row = JSON.parse(jsonl.stdout.trim()) as Record<string, unknown>;
    expect(row['completeTime']).toBe('2024-01-02T03:04:05.006Z');
    expect(typeof row['time']).toBe('string');
    expect(Date.parse(String(row['time']))).toBeGreaterThan(0);
    // The default is the normalized model's shape: integers, as the normalized API serves them.
    const plain = await exportCli('--format', 'jsonl', '--kind', 'transfer');
    expect(JSON.parse(plain.stdout.trim())).toMatchObject({
      completeTime: completed,
      time: Date.parse(String(row['time'])),
    });
    const bad = await exportCli('--format', 'csv', '--time-format', 'unix');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--time-format "unix" is not a time format.');
  });

  it('export refuses a bad format or kind with exit 2', async () => {
    await seed(async () => undefined);
    expect((await exportCli('--format', 'xml')).code).toBe(2);
    expect((await exportCli('--format', 'csv', '--kind', 'margin')).code).toBe(2);
    expect((await exportCli()).code).toBe(2);
  });

  it('reconcile exits 0 when clean and 1 with each gap and its likely surface', async () => {
    await seed(async (store) => {
      await store.putRecords([
        deposit('d1', 'BTC', '1'),
        withdrawal('w1', 'BTC', '0.2', '0.0005'),
        balance('spot', 'BTC', '0.7995'),
      ]);
    });
    const clean = await runCliInProcess(['reconcile', '--db', db.location]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('0 with a gap');
    await seed(async (store) => {
      await store.putRecords([balance('spot', 'ETH', '2'), balance('spot', 'BTC', '0.8')]);
    });
    const gaps = await runCliInProcess(['reconcile', '--db', db.location]);
    expect(gaps.code).toBe(1);
    expect(gaps.stdout).toContain('BTC: gap 0.0005');
    expect(gaps.stdout).toContain('ETH: gap 2');
    expect(gaps.stdout).toContain('likely: transfer');
    await seed(async (store) => {
      await store.putRecords([deposit('d1', 'BTC', '1.5', { source: 'csv' })]);
    });
    const withConflicts = await runCliInProcess(['reconcile', '--db', db.location, '--conflicts']);
    expect(withConflicts.stdout).toContain('1 unresolved source conflicts');
    expect(withConflicts.stdout).toMatch(/#\d+ main transfer deposit:d1: amount: stored "1", csv says "1.5"/);
    const json = await runCliInProcess(['--json', 'reconcile', '--db', db.location, '--account', 'main']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      accounts: { gaps: { asset: string; gap: string }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.accounts[0]?.gaps.map((g) => [g.asset, g.gap])).toEqual([
      ['BTC', '0.0005'],
      ['ETH', '2'],
    ]);
  });
});

describe('bad --db input', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgertap-baddb-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a text file, a binary file, a truncated SQLite header and a directory exit 2 and stay untouched', async () => {
    const cases: [string, string | Buffer][] = [
      ['notes.txt', 'hello, this is not a database\n'],
      ['random.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))],
      ['truncated.db', 'SQLite format'],
    ];
    for (const [name, bytes] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      for (const args of [
        ['export', '--format', 'jsonl'],
        ['consent', 'grant', '--holder', 'A', '--scope', 'read', '--expires', '2099-01-01'],
      ]) {
        const r = await runCliInProcess([...args, '--db', path]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('not a ledger database');
        expect(r.stderr).not.toContain('    at ');
      }
    }
    await mkdir(join(dir, 'folder'));
    const r = await runCliInProcess(['audit', '--db', join(dir, 'folder')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a directory');
  });

  it("another application's SQLite database is refused, not migrated", async () => {
    const path = join(dir, 'other.sqlite');
    const other = new Database(path);
    other.exec('CREATE TABLE contacts (name TEXT)');
    other.close();
    const r = await runCliInProcess(grantArgs(path));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a ledgertap ledger');
    const check = new Database(path, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    check.close();
    expect(tables).toEqual([{ name: 'contacts' }]);
  });

  it('a missing ledger for a reading verb exits 2 instead of creating one; no --db at all exits 2', async () => {
    const r = await runCliInProcess(['reconcile', '--db', join(dir, 'typo.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such ledger');
    const none = await runCliInProcess(['audit'], { env: { LEDGERTAP_DB: '' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--db');
  });

  it('a ledger path in a folder that does not exist exits 2 naming the folder, no stack', async () => {
    const path = join(dir, 'no-such-folder', 'ledger.db');
    const r = await runCliInProcess(grantArgs(path));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the folder ${join(dir, 'no-such-folder')} does not exist`);
    expect(r.stderr).not.toContain('    at ');
  });

  it('a writable ledger in a folder the user cannot write exits 2 naming the folder, no stack', async () => {
    const folder = join(dir, 'locked');
    await mkdir(folder);
    const path = join(folder, 'ledger.db');
    const seeded = await openLedger(path);
    await seeded.close();
    await chmod(path, 0o666);
    await chmod(folder, 0o555);
    await chmod(dir, 0o755);
    // root ignores folder permissions: run the CLI as nobody then, as a holder without root would meet it.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const { command, args } = cliCommand();
    const r = spawnSync(command, [...args, ...grantArgs(path)], {
      encoding: 'utf8',
      cwd: folder,
      env: { ...process.env, HOME: dir },
      ...asNobody,
    });
    await chmod(folder, 0o755);
    expect(r.stderr).toContain(`cannot write in the ledger's folder ${folder}`);
    expect(r.stderr).not.toContain('    at ');
    expect(r.status).toBe(2);
  });

  it('consent grant refuses an empty or padded account label', async () => {
    const path = join(dir, 'labels.db');
    for (const account of ['', ' main']) {
      const r = await runCliInProcess(grantArgs(path, '2099-01-01', ['--account', account]));
      expect(r.code, JSON.stringify(account)).toBe(2);
      expect(r.stderr).toContain(`account label ${JSON.stringify(account)} is empty or padded`);
    }
  });

  it('consent grant refuses a day the month does not have instead of rolling it over', async () => {
    const path = join(dir, 'dates.db');
    const r = await runCliInProcess(grantArgs(path, '2099-02-30'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--expires "2099-02-30" is not a date or time');
  });

  it('LEDGERTAP_DB stands in for --db', async () => {
    const path = join(dir, 'env.db');
    const r = await runCliInProcess(
      ['consent', 'grant', '--holder', 'A', '--scope', 'capture', '--expires', '2099-01-01'],
      { env: { LEDGERTAP_DB: path } },
    );
    expect(r.code).toBe(0);
    expect((await runCliInProcess(['consent', 'list'], { env: { LEDGERTAP_DB: path } })).stdout).toContain(
      'scope capture',
    );
  });

  it('an unreachable PostgreSQL, or a database that does not exist, exits 3 with the password masked', async () => {
    const refused = await runCliInProcess(['audit', '--db', 'postgres://user:hunter2@127.0.0.1:1/ledger']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('cannot connect to PostgreSQL (connection refused)');
    expect(refused.stderr).not.toContain('hunter2');
    const url = new URL(TEST_PG_URL);
    url.pathname = '/ledgertap_no_such_database';
    const missing = await runCliInProcess(['audit', '--db', url.toString()]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('database does not exist');
  });

  it('as a real process: exit codes survive (reconcile with a gap 1, unreachable PostgreSQL 3)', async () => {
    const path = join(dir, 'proc.db');
    const store = await openLedger(path);
    await store.putRecords([balance('spot', 'BTC', '1')]);
    await store.close();
    const gap = await spawnCli(['reconcile', '--db', path]);
    expect(gap.code).toBe(1);
    expect(gap.stdout).toContain('BTC: gap 1');
    const down = await spawnCli(['export', '--format', 'jsonl', '--db', 'postgres://postgres@127.0.0.1:1/x']);
    expect(down.code).toBe(3);
  });
});
