/**
 * What the CSV tests do through the public surface again and again: import one file with
 * `ledgertap import csv … --json` (which must succeed) and read its report, and sum the ledger's balance
 * effects per wallet.
 */
import { expect } from 'vitest';
import { addDecimals } from '../../../core/index.js';
import { balanceEffects, type LedgerStore } from '../../../ledger/index.js';
import { runCliInProcess } from '../../helpers/cli.js';

/** One file's entry of the import's JSON report (the fields the tests read). */
export interface FileReport {
  recordsImported: number;
  duplicates: number;
  matched: number;
  quarantined: number;
  quarantineResolved: number;
  quarantineReasons: Record<string, number>;
  warnings: string[];
}

/** The import's whole JSON report: each file's, and the merge run after them (the fields the tests read). */
export interface ImportReport {
  files: FileReport[];
  merged: { merged: number };
}

/** Imports `file` into the ledger at `location` through the CLI; the whole report. */
export async function importCliReport(location: string, file: string): Promise<ImportReport> {
  const out = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
  expect(out.code, out.stderr + out.stdout).toBe(0);
  return JSON.parse(out.stdout) as ImportReport;
}

/** Imports `file` into the ledger at `location` through the CLI; its file's report. */
export async function importCli(location: string, file: string): Promise<FileReport> {
  return (await importCliReport(location, file)).files[0]!;
}

/** Sum of every record's balance effects, per `wallet asset`, zeros left out. */
export async function walletTotals(store: LedgerStore): Promise<Record<string, string>> {
  const sums = new Map<string, string>();
  for (const { record } of await store.queryRecords({ account: 'main' }))
    for (const e of balanceEffects(record)) {
      const key = `${e.wallet} ${e.asset}`;
      sums.set(key, addDecimals(sums.get(key) ?? '0', e.delta));
    }
  return Object.fromEntries([...sums].filter(([, v]) => v !== '0').sort(([a], [b]) => (a < b ? -1 : 1)));
}
