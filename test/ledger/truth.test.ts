/**
 * The ledger against the sandbox's truth (the normalized model as the stand-in exchange derives it):
 * every truth record validates, stores and exports back byte-for-byte in the truth's shape and order,
 * and reconcile is clean on the full truth and names the missing surface when records are withheld.
 */
import { describe, expect, it } from 'vitest';
import { checkAccountRecord, exportLedger, reconcile } from '../../ledger/index.js';
import type { IncomingRecord } from '../../ledger/index.js';
import { generateSandboxAccount, sandboxTruthRecords } from '../../sandbox/index.js';
import type { AccountRecord } from '../../schemas/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { backends, useLedger } from './backends.js';

const byKindThenId = (a: AccountRecord, b: AccountRecord): number =>
  a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

function truth(seed: number): AccountRecord[] {
  const account = generateSandboxAccount({ profile: 'tiny', seed, asOf: Date.UTC(2026, 0, 1) });
  return [...sandboxTruthRecords(account)].map(({ routes: _routes, ...record }) => record as AccountRecord);
}

const asIncoming = (records: AccountRecord[]): IncomingRecord[] =>
  records.map((r) => ({ ...r, source: 'api' }) as IncomingRecord);

describe.each(backends)('sandbox truth through the ledger on $name', (backend) => {
  const ledger = useLedger(backend, { closeMayFail: true });
  const records = truth(7);

  it('validates, stores and exports every truth record unchanged, sorted by kind then id', async () => {
    expect(records.length).toBeGreaterThan(500);
    expect(records.map(checkAccountRecord).filter(Boolean)).toEqual([]);
    await ledger.store.putRecords(asIncoming(records));
    const lines: string[] = [];
    for await (const line of exportLedger(ledger.store, { format: 'jsonl' })) lines.push(line);
    expect(lines.map((l) => JSON.parse(l) as AccountRecord)).toEqual([...records].sort(byKindThenId));
    const cli = await runCliInProcess([
      'export',
      '--db',
      ledger.db.location,
      '--format',
      'jsonl',
      '--kind',
      'trade',
    ]);
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim().split('\n')).toEqual(lines.filter((l) => l.startsWith('{"kind":"trade"')));
  });

  it('reconciles the full truth without a gap', async () => {
    await ledger.store.putRecords(asIncoming(records));
    const [report] = await reconcile(ledger.store);
    expect(report?.hasBalances).toBe(true);
    expect(report?.gaps).toEqual([]);
    const cli = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(cli.code).toBe(0);
  });

  it('names the missing surface when a surface was not synced', async () => {
    const withoutRewards = records.filter((r) => r.kind !== 'earn_reward');
    expect(withoutRewards.length).toBeLessThan(records.length);
    await ledger.store.putRecords(asIncoming(withoutRewards));
    const [report] = await reconcile(ledger.store);
    expect(report?.gaps.length).toBeGreaterThan(0);
    for (const gap of report?.gaps ?? []) {
      expect(gap.gap.startsWith('-')).toBe(false);
      expect(gap.hints.map((h) => h.surface)).toContain('earn_reward');
    }
    const cli = await runCliInProcess(['reconcile', '--db', ledger.db.location]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('likely: earn_reward');
  });

  it('a missing withdrawal shows as a negative gap of amount plus fee', async () => {
    const missing = records.find(
      (r) => r.kind === 'transfer' && r.type === 'withdrawal' && r.status === 'completed',
    );
    expect(missing).toBeDefined();
    if (missing?.kind !== 'transfer') return;
    await ledger.store.putRecords(asIncoming(records.filter((r) => r !== missing)));
    const [report] = await reconcile(ledger.store);
    const gaps = report?.gaps ?? [];
    expect(gaps.map((g) => g.asset)).toEqual([missing.asset]);
    const { addDecimals } = await import('../../core/index.js');
    expect(gaps[0]?.gap).toBe(`-${addDecimals(missing.amount, missing.fee)}`);
    expect(gaps[0]?.hints.map((h) => h.surface)).toContain('transfer');
  });
});
