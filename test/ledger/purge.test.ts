/**
 * `purgeAccount` and `ledgertap purge` on both backends: a full purge leaves nothing of the account and
 * touches no other account; partial purges by kind, source and time; dry runs and the refusal without
 * --yes change nothing; one audit entry with counts and no data; consents revoked and kept; sync
 * checkpoints removed so a later sync re-reads.
 */
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import type { PurgeReport } from '../../ledger/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { backends, useLedger } from './backends.js';
import { T0, balance, deposit, trade } from './fixtures.js';

const HOUR = 3_600_000;

describe.each(backends)('purge on $name', (backend) => {
  // A CLI test closes the store while the CLI runs; a failure there leaves it closed already.
  const ledger = useLedger(backend, { closeMayFail: true });

  /** Two accounts with records of three kinds, sightings of two sources, a match, a conflict, CSV logs, checkpoints and consents. */
  async function seed(): Promise<void> {
    for (const account of ['main', 'bob']) {
      await ledger.store.putRecords([
        trade(1, { account }),
        trade(2, { account }),
        trade(50, { account }),
        deposit('d1', 'BTC', '1', { account }),
        balance('spot', 'BTC', '1', { account }),
      ]);
      // The CSV route saw trade 1 and deposit d1 too (deposit d1 only via CSV for a second copy below).
      await ledger.store.addRecordSource({ account, kind: 'trade', id: 'BNBBTC:1' }, 'csv', { line: 3 });
      await ledger.store.putRecords([deposit('d2', 'ETH', '2', { account, source: 'csv' })]);
      const fileId = await ledger.store.startImportFile({
        account,
        path: '/x/trades.csv',
        sha256: 'ab',
        size: 10,
      });
      await ledger.store.addMatch({
        account,
        kind: 'trade',
        recordId: 'BNBBTC:1',
        source: 'csv',
        rule: 'exact',
        importFileId: fileId,
        line: 3,
        row: { Pair: 'BNBBTC' },
      });
      await ledger.store.addQuarantine({
        account,
        importFileId: fileId,
        file: '/x/trades.csv',
        line: 9,
        row: { Pair: '??' },
        reason: 'unknown pair',
      });
      await ledger.store.finishImportFile(fileId, {
        status: 'done',
        rowsRead: 2,
        recordsImported: 1,
        duplicates: 0,
        grouped: 0,
        quarantined: 1,
      });
      // A conflict: the web route says trade 2 had another price.
      await ledger.store.putRecords([trade(2, { account, source: 'web', price: '0.02', quoteQty: '0.02' })]);
      await ledger.store.transaction(async (tx) => {
        await tx.setCheckpoint(`binance:${account}:trades:BNBBTC`, { fromId: '51' });
        await tx.setCheckpoint(`binance:${account}:deposits`, { from: T0 });
        await tx.setCheckpoint(`binance:${account}:meta:first-activity`, T0);
      });
      await ledger.store.grantConsent({
        account,
        holder: `${account} holder`,
        scope: 'read',
        expiresAt: Date.UTC(2099, 0, 1),
        grantedAt: T0,
      });
    }
  }

  async function snapshot(account: string): Promise<Record<string, unknown>> {
    return {
      records: (await ledger.store.queryRecords({ account })).map((r) => [
        r.record.kind,
        r.record.id,
        r.sources,
      ]),
      matches: (await ledger.store.listMatches({ account })).length,
      conflicts: (await ledger.store.listConflicts({ account })).length,
      quarantine: (await ledger.store.listQuarantine({ account })).length,
      imports: (await ledger.store.listImportFiles({ account })).length,
      checkpoints: (await ledger.store.listCheckpoints(`binance:${account}:`)).map((c) => c.stream),
      consents: (await ledger.store.listConsents({ account })).map((c) => c.revokedAt),
    };
  }

  it('a full purge removes everything of the account, revokes its consents, and leaves other accounts alone', async () => {
    await seed();
    const bobBefore = await snapshot('bob');
    const before = await snapshot('main');
    expect((before['records'] as unknown[]).length).toBe(6);
    expect(before).toMatchObject({ matches: 1, conflicts: 1, quarantine: 1, imports: 1 });

    const report = await ledger.store.purgeAccount({ account: 'main' });
    expect(report).toMatchObject({
      account: 'main',
      full: true,
      dryRun: false,
      records: { trade: 3, transfer: 2, balance: 1 },
      recordsTotal: 6,
      sightings: 8,
      matches: 1,
      conflicts: 1,
      quarantine: 1,
      importFiles: 1,
    });
    expect(report.checkpoints).toEqual([
      'binance:main:deposits',
      'binance:main:meta:first-activity',
      'binance:main:trades:BNBBTC',
    ]);
    expect(report.consentsRevoked).toHaveLength(1);

    const after = await snapshot('main');
    expect(after).toMatchObject({
      records: [],
      matches: 0,
      conflicts: 0,
      quarantine: 0,
      imports: 0,
      checkpoints: [],
    });
    // The consent is kept as evidence, revoked at the purge.
    const consents = await ledger.store.listConsents({ account: 'main' });
    expect(consents).toHaveLength(1);
    expect(consents[0]?.revokedAt).not.toBeNull();
    expect(await ledger.store.activeConsent('main', 'read', Date.now())).toBeUndefined();
    expect(await ledger.store.countRecords({ account: 'main' })).toBe(0);
    expect(await ledger.store.getSightings('main', 'trade', 'BNBBTC:1')).toEqual([]);
    expect(await snapshot('bob')).toEqual(bobBefore);
  });

  it('writes exactly one audit entry with counts and never record data', async () => {
    await seed();
    const auditBefore = (await ledger.store.listAudit({ account: 'main' })).length;
    const report = await ledger.store.purgeAccount({ account: 'main' });
    const entries = await ledger.store.listAudit({ account: 'main' });
    expect(entries).toHaveLength(auditBefore + 1);
    const entry = entries[entries.length - 1];
    expect(entry?.id).toBe(report.auditId);
    expect(entry).toMatchObject({ route: 'ledger', method: 'PURGE', endpoint: 'purge', records: 6 });
    expect(entry?.params).toMatchObject({
      reason: 'purge',
      full: true,
      removed: { records: { trade: 3, transfer: 2, balance: 1 }, matches: 1, checkpoints: 3 },
      consentsRevoked: report.consentsRevoked,
    });
    const text = JSON.stringify(entry);
    for (const secretish of ['BNBBTC', '0.01', 'Pair', 'unknown pair', '/x/trades.csv', 'holder']) {
      expect(text).not.toContain(secretish);
    }
    await ledger.store.close();
    const dump = await ledger.db.dump();
    // Nothing of main's records remains anywhere in the database (bob's are there).
    expect(dump).not.toMatch(/"account":"main","kind"/);
    ledger.store = await openLedger(ledger.db.location);
  });

  it('--kind removes only that kind, with its matches and conflicts, and the checkpoints of its streams', async () => {
    await seed();
    const report = await ledger.store.purgeAccount({ account: 'main', kinds: ['trade'] });
    expect(report).toMatchObject({ records: { trade: 3 }, recordsTotal: 3, matches: 1, conflicts: 1 });
    expect(report.checkpoints).toEqual(['binance:main:trades:BNBBTC']);
    expect(report.consentsRevoked).toEqual([]);
    const after = await snapshot('main');
    expect(after['records']).toEqual([
      ['balance', 'spot:BTC', ['api']],
      ['transfer', 'deposit:d1', ['api']],
      ['transfer', 'deposit:d2', ['csv']],
    ]);
    expect(after).toMatchObject({
      matches: 0,
      conflicts: 0,
      // The CSV provenance and the other streams' checkpoints stay; the consent stays active.
      quarantine: 1,
      imports: 1,
      checkpoints: ['binance:main:deposits', 'binance:main:meta:first-activity'],
      consents: [null],
    });
    expect(await ledger.store.countRecords({ account: 'bob', kind: 'trade' })).toBe(3);
  });

  it("--source removes only that source's sightings and the records it alone saw", async () => {
    await seed();
    const report = await ledger.store.purgeAccount({ account: 'main', source: 'csv' });
    // deposit d2 was seen only by CSV: it goes; trade 1 keeps its api sighting.
    expect(report).toMatchObject({ records: { transfer: 1 }, recordsTotal: 1, sightings: 2, matches: 1 });
    expect(report.quarantine).toBe(1);
    expect(report.importFiles).toBe(1);
    expect(report.checkpoints).toEqual([]);
    const after = await snapshot('main');
    expect(after['records']).toEqual([
      ['balance', 'spot:BTC', ['api']],
      ['trade', 'BNBBTC:1', ['api']],
      ['trade', 'BNBBTC:2', ['api', 'web']],
      ['trade', 'BNBBTC:50', ['api']],
      ['transfer', 'deposit:d1', ['api']],
    ]);
    expect(after).toMatchObject({ matches: 0, conflicts: 1, quarantine: 0, imports: 0 });
    expect((await ledger.store.getRecord('main', 'trade', 'BNBBTC:1'))?.primarySource).toBe('api');
  });

  it('--source web drops the web sighting and its conflict, and re-homes a record whose primary was web', async () => {
    await seed();
    await ledger.store.putRecords([deposit('w1', 'BNB', '3', { source: 'web' })]);
    await ledger.store.addRecordSource({ account: 'main', kind: 'transfer', id: 'deposit:w1' }, 'csv');
    const report = await ledger.store.purgeAccount({ account: 'main', source: 'web' });
    expect(report).toMatchObject({ recordsTotal: 0, sightings: 2, conflicts: 1, importFiles: 0 });
    const w1 = await ledger.store.getRecord('main', 'transfer', 'deposit:w1');
    expect(w1?.sources).toEqual(['csv']);
    expect(w1?.primarySource).toBe('csv');
    expect((await ledger.store.getRecord('main', 'trade', 'BNBBTC:2'))?.sources).toEqual(['api']);
    expect(await ledger.store.listConflicts({ account: 'main' })).toEqual([]);
  });

  it('--before removes only older records and keeps the checkpoints', async () => {
    await seed();
    const report = await ledger.store.purgeAccount({
      account: 'main',
      kinds: ['trade'],
      before: T0 + 10 * HOUR,
    });
    expect(report).toMatchObject({ records: { trade: 2 }, recordsTotal: 2, checkpoints: [] });
    expect(
      (await ledger.store.queryRecords({ account: 'main', kind: 'trade' })).map((r) => r.record.id),
    ).toEqual(['BNBBTC:50']);
    expect((await ledger.store.listCheckpoints('binance:main:trades')).length).toBe(1);
  });

  it('a dry run counts exactly what the real purge then removes, and changes nothing', async () => {
    await seed();
    const before = await snapshot('main');
    const auditBefore = await ledger.store.listAudit({});
    const dry = await ledger.store.purgeAccount({ account: 'main', dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.auditId).toBeUndefined();
    expect(await snapshot('main')).toEqual(before);
    expect(await ledger.store.listAudit({})).toEqual(auditBefore);
    const real = await ledger.store.purgeAccount({ account: 'main' });
    const strip = (r: PurgeReport): Partial<PurgeReport> => ({ ...r, dryRun: false, auditId: 0 });
    expect(strip(real)).toEqual(strip(dry));
  });

  it('an unknown account is refused with a clear error', async () => {
    await seed();
    await expect(ledger.store.purgeAccount({ account: 'nobody' })).rejects.toMatchObject({
      code: 'ledger.no_such_account',
      exitCode: 2,
    });
    // Labels are case-sensitive: MAIN is not main.
    await expect(ledger.store.purgeAccount({ account: 'MAIN' })).rejects.toMatchObject({ exitCode: 2 });
  });

  it('never touches an account whose label extends the purged one, nor trusts a hostile label', async () => {
    await seed();
    await ledger.store.putRecords([trade(7, { account: 'main:x' })]);
    await ledger.store.setCheckpoint('binance:main:x:trades:BNBBTC', { fromId: '8' });
    const report = await ledger.store.purgeAccount({ account: 'main' });
    expect(report.checkpoints).not.toContain('binance:main:x:trades:BNBBTC');
    expect(await ledger.store.getCheckpoint('binance:main:x:trades:BNBBTC')).toEqual({ fromId: '8' });
    expect(await ledger.store.countRecords({ account: 'main:x' })).toBe(1);
    const hostile = "bob'; DROP TABLE records; --";
    await expect(ledger.store.purgeAccount({ account: hostile })).rejects.toMatchObject({ exitCode: 2 });
    await expect(ledger.store.purgeAccount({ account: 'b%' })).rejects.toMatchObject({ exitCode: 2 });
    expect(await ledger.store.countRecords({ account: 'bob' })).toBe(6);
  });

  it('a sync after a purge finds no checkpoint and re-reads; a second purge removes nothing more', async () => {
    await seed();
    await ledger.store.purgeAccount({ account: 'main', kinds: ['transfer'] });
    expect(await ledger.store.getCheckpoint('binance:main:deposits')).toBeUndefined();
    expect(await ledger.store.getCheckpoint('binance:main:trades:BNBBTC')).toEqual({ fromId: '51' });
    expect(await ledger.store.getCheckpoint('binance:bob:deposits')).toEqual({ from: T0 });
    const again = await ledger.store.purgeAccount({ account: 'main', kinds: ['transfer'] });
    expect(again.recordsTotal).toBe(0);
  });

  describe('the CLI', () => {
    const base = (): string[] => ['purge', '--db', ledger.db.location, '--account', 'main'];

    it('refuses without --yes (exit 2), saying what it would remove, and changes nothing', async () => {
      await seed();
      const before = await snapshot('main');
      await ledger.store.close();
      const refused = await runCliInProcess(base());
      expect(refused.code).toBe(2);
      expect(refused.stdout).toContain('would remove 6 records');
      expect(refused.stdout).toMatch(/trade: 3/);
      expect(refused.stderr).toContain('--yes');
      const json = await runCliInProcess(['--json', ...base(), '--kind', 'trade']);
      expect(json.code).toBe(2);
      expect(json.stderr).toContain('--yes');
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, done: false, records: { trade: 3 } });
      const dry = await runCliInProcess([...base(), '--dry-run', '--yes']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('would remove 6 records');
      ledger.store = await openLedger(ledger.db.location);
      expect(await snapshot('main')).toEqual(before);
    });

    it('purges with --yes (exit 0), and the filters reach the store', async () => {
      await seed();
      await ledger.store.close();
      const partial = await runCliInProcess([
        '--json',
        ...base(),
        '--kind',
        'trade',
        '--kind',
        'balance',
        '--before',
        '2024-01-02',
        '--yes',
      ]);
      expect(partial.code).toBe(0);
      expect(JSON.parse(partial.stdout)).toMatchObject({
        ok: true,
        done: true,
        records: { trade: 2 },
        recordsTotal: 2,
        filters: { kinds: ['balance', 'trade'], before: '2024-01-02T00:00:00.000Z' },
      });
      const full = await runCliInProcess([...base(), '--yes']);
      expect(full.code).toBe(0);
      expect(full.stdout).toContain('removed 4 records');
      expect(full.stdout).toContain('consents revoked');
      ledger.store = await openLedger(ledger.db.location);
      expect(await ledger.store.countRecords({ account: 'main' })).toBe(0);
      expect(await ledger.store.countRecords({ account: 'bob' })).toBe(6);
    });

    it('bad input exits 2 with a message naming the flag', async () => {
      await seed();
      await ledger.store.close();
      const cases: [string[], RegExp][] = [
        [['purge', '--db', ledger.db.location, '--account', 'nobody', '--yes'], /no account "nobody"/],
        [[...base(), '--kind', 'trades', '--yes'], /--kind "trades" is not a record kind/],
        [[...base(), '--source', 'ftp', '--yes'], /--source "ftp" is not a source/],
        [[...base(), '--before', 'yesterday-ish', '--yes'], /--before "yesterday-ish"/],
        [['purge', '--db', ledger.db.location, '--yes'], /account/],
      ];
      for (const [args, message] of cases) {
        const result = await runCliInProcess(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr + result.stdout).toMatch(message);
      }
      ledger.store = await openLedger(ledger.db.location);
      expect(await ledger.store.countRecords({ account: 'main' })).toBe(6);
    });
  });
});
