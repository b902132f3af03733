/**
 * End to end: download every Data Download Center export of a sandbox account over HTTP, import them all
 * through the CLI, and compare the ledger with `/__sandbox/truth` for the records the exports reach.
 * Then import them again (nothing added) and in the other order (the same ledger).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS } from './backends.js';
import { compareWithTruth, EXPORT_KINDS, ledgerRecords, useSandboxExports } from './truth-compare.js';

const sandbox = useSandboxExports();

const tempDir = useTempDirs('ledgertap-csv-e2e-');

describe.each(BACKENDS.filter((b) => b.name === 'postgres'))(
  'sandbox CSV exports imported end to end on $name',
  (backend) => {
    it('every export imported gives exactly the truth for what the exports reach', async () => {
      const dir = await tempDir();
      const files = [];
      for (const kind of EXPORT_KINDS) files.push(await sandbox.download(dir, kind));
      const opened = await backend.open(dir);
      await opened.store.close();
      try {
        const out = await runCliInProcess(['import', 'csv', ...files, '--db', opened.location, '--json']);
        expect(out.code, out.stderr).toBe(0);
        const result = compareWithTruth(sandbox.truth, await ledgerRecords(opened.location));
        expect(result.missing).toEqual([]);
        expect(result.extra).toEqual([]);
      } finally {
        await opened.drop();
      }
    });
  },
);

describe('sandbox CSV exports imported end to end', () => {
  it('every export imported gives exactly the truth for what the exports reach; a second import adds nothing', async () => {
    const dir = await tempDir();
    const files = [];
    for (const kind of EXPORT_KINDS) files.push(await sandbox.download(dir, kind));
    const db = join(dir, 'ledger.db');
    const first = await runCliInProcess(['import', 'csv', ...files, '--db', db, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as {
      files: { variant: string; quarantineReasons: Record<string, number> }[];
    };
    expect(report.files).toHaveLength(EXPORT_KINDS.length);
    const records = await ledgerRecords(db);
    const result = compareWithTruth(sandbox.truth, records);
    expect(result.missing).toEqual([]);
    expect(result.extra).toEqual([]);
    // Every history kind the exports carry was compared.
    expect(Object.keys(result.compared).sort()).toEqual(
      [
        'autoinvest_execution',
        'conversion',
        'dividend',
        'dust',
        'earn_redemption',
        'earn_reward',
        'earn_subscription',
        'fiat_transfer',
        'order',
        'p2p_order',
        'trade',
        'transfer',
      ].sort(),
    );

    const again = await runCliInProcess(['import', 'csv', ...files, '--db', db, '--json']);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as { files: { recordsImported: number }[] };
    expect(second.files.map((f) => f.recordsImported)).toEqual(EXPORT_KINDS.map(() => 0));
    expect((await ledgerRecords(db)).length).toBe(records.length);
  });

  it('other header generations and quirks of the same account import to the same ledger', async () => {
    const dir = await tempDir();
    const files = [
      await sandbox.download(dir, 'transaction-history', '?variant=2025&tz=UTC%2B2'),
      await sandbox.download(dir, 'spot-trade-history', '?variant=2020&delimiter=semicolon'),
      await sandbox.download(dir, 'spot-order-history'),
      await sandbox.download(dir, 'deposit-history', '?variant=2025&tz=UTC%2B5:30'),
      await sandbox.download(dir, 'withdrawal-history', '?variant=2025&tz=UTC-6'),
      await sandbox.download(dir, 'fiat-deposit-history', '?variant=2023&tz=UTC%2B1'),
      await sandbox.download(dir, 'fiat-withdrawal-history', '?quoting=excel'),
      await sandbox.download(dir, 'convert-history', '?variant=2021&encoding=utf-16le'),
      await sandbox.download(dir, 'earn-rewards', '?quoting=all&bom=1'),
      await sandbox.download(dir, 'auto-invest-history'),
      await sandbox.download(dir, 'p2p-history', '?tz=UTC%2B3'),
    ];
    const db = join(dir, 'ledger.db');
    const out = await runCliInProcess(['import', 'csv', ...files, '--db', db, '--json']);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const result = compareWithTruth(sandbox.truth, await ledgerRecords(db));
    expect(result.missing).toEqual([]);
    expect(result.extra).toEqual([]);
  });

  it('overlapping date ranges of every export add nothing twice', async () => {
    const dir = await tempDir();
    const times = sandbox.truth
      .filter((t) => t.kind !== 'balance' && t.kind !== 'earn_position')
      .map((t) => t.time)
      .sort((a, b) => a - b);
    const mid = times[Math.floor(times.length / 2)]!;
    const overlap = 60 * 86_400_000;
    const files = [];
    for (const kind of EXPORT_KINDS) {
      const a = join(dir, 'early');
      const b = join(dir, 'late');
      await mkdir(a, { recursive: true });
      await mkdir(b, { recursive: true });
      files.push(await sandbox.download(a, kind, `?to=${mid + overlap}`));
      files.push(await sandbox.download(b, kind, `?from=${mid - overlap}`));
    }
    const db = join(dir, 'ledger.db');
    const out = await runCliInProcess(['import', 'csv', ...files, '--db', db, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as { files: { duplicates: number }[] };
    // The overlap was really there: the later files met records the earlier ones stored.
    expect(report.files.reduce((n, f) => n + f.duplicates, 0)).toBeGreaterThan(0);
    const result = compareWithTruth(sandbox.truth, await ledgerRecords(db));
    expect(result.missing).toEqual([]);
    expect(result.extra).toEqual([]);
  });

  it('the transaction history alone confirms what the dedicated exports stored, whatever the order of the files on the command line', async () => {
    const dir = await tempDir();
    const statement = await sandbox.download(dir, 'transaction-history', '?variant=2019');
    const others = [];
    for (const kind of EXPORT_KINDS.slice(1)) others.push(await sandbox.download(dir, kind));
    const db = join(dir, 'ledger.db');
    const out = await runCliInProcess(['import', 'csv', statement, ...others, '--db', db, '--json']);
    expect(out.code).toBe(0);
    const result = compareWithTruth(sandbox.truth, await ledgerRecords(db));
    expect(result.missing).toEqual([]);
    expect(result.extra).toEqual([]);
  });
});
