/**
 * CSV and the signed API together, against the sandbox: import every export then sync (then fold the
 * CSV copies into the API's), and sync then import, both end exactly where a plain sync plus the
 * records only the exports reach would: every API record with its exact fields (and the csv source
 * beside api), each CSV-only record once, nothing twice; reconcile is clean.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeCsvCopies } from '../../../connectors/index.js';
import { openLedger } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { comparable, syncFixture, type SyncFixture } from '../binance/harness.js';
import { csvKey, csvReachable, EXPORT_KINDS } from './truth-compare.js';

const tempDir = useTempDirs('ledgertap-csv-sync-');

type Rec = AccountRecord & Record<string, unknown>;

async function downloadAll(f: SyncFixture, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const kind of EXPORT_KINDS) {
    const res = await fetch(`${f.sandbox.adminUrl}/export/${kind}.csv`);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')![1]!;
    await writeFile(join(dir, name), Buffer.from(await res.arrayBuffer()));
    files.push(join(dir, name));
  }
  return files;
}

async function records(db: string): Promise<{ rec: Rec; sources: string[] }[]> {
  const store = await openLedger(db, { create: false });
  try {
    return (await store.queryRecords({ account: 'main' })).map((s) => ({
      rec: s.record as Rec,
      sources: s.sources,
    }));
  } finally {
    await store.close();
  }
}

/** The ledger must be the sync's records (exact) plus, once each, the truth records only the exports reach. */
async function expectSyncPlusCsvOnly(db: string, syncOnly: Map<string, string>, truth: Rec[]): Promise<void> {
  const got = await records(db);
  const byKey = new Map(got.map((g) => [`${g.rec.kind}|${g.rec.id}`, g]));
  const different: string[] = [];
  for (const [key, want] of syncOnly) {
    const g = byKey.get(key);
    if (!g) different.push(`missing ${key}`);
    else if (comparable(g.rec) !== want)
      different.push(`${key}\n  want ${want}\n  got  ${comparable(g.rec)}`);
  }
  expect(different.slice(0, 10)).toEqual([]);
  const rest = got.filter((g) => !syncOnly.has(`${g.rec.kind}|${g.rec.id}`));
  // Only the exports reach these: records the API cannot (old history, delisted pairs, dust, P2P older than it keeps …).
  const apiKeys = new Set([...syncOnly.keys()]);
  const want = new Map<string, number>();
  for (const t of truth) {
    if (!csvReachable(t) || apiKeys.has(`${t.kind}|${t.id}`)) continue;
    const k = csvKey(t);
    if (k) want.set(k, (want.get(k) ?? 0) + 1);
  }
  const extra: string[] = [];
  for (const g of rest) {
    const k = csvKey(g.rec);
    const n = k ? (want.get(k) ?? 0) : 0;
    if (!k || n === 0) extra.push(`${g.rec.kind}|${g.rec.id} ${k}`);
    else if (n === 1) want.delete(k);
    else want.set(k, n - 1);
  }
  expect(extra.slice(0, 10)).toEqual([]);
  expect([...want.keys()].slice(0, 10)).toEqual([]);
}

describe('CSV import and API sync in either order', () => {
  it('import then sync, and sync then import, give the sync plus what only the exports reach; reconcile is clean', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'ref'));
    const f = await syncFixture(join(dir, 'ref'), { seed: 11 });
    try {
      const truthText = await (await fetch(`${f.sandbox.adminUrl}/truth`)).text();
      const truth = truthText
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Rec);
      const files = await downloadAll(f, join(dir, 'csv'));

      // The reference: a plain sync.
      const ref = await f.sync();
      expect(ref.code, ref.stderr).toBe(0);
      const syncOnly = new Map(
        (await records(f.db)).map((g) => [`${g.rec.kind}|${g.rec.id}`, comparable(g.rec)]),
      );
      expect(syncOnly.size).toBeGreaterThan(100);

      // Sync then import: the import adds only what the API lacked.
      const syncFirst = join(dir, 'sync-first.db');
      await copyFile(f.db, syncFirst);
      const imp = await runCliInProcess(['import', 'csv', ...files, '--db', syncFirst, '--json']);
      expect(imp.code, imp.stderr).toBe(0);
      await expectSyncPlusCsvOnly(syncFirst, syncOnly, truth);
      for (const g of await records(syncFirst)) {
        if (
          syncOnly.has(`${g.rec.kind}|${g.rec.id}`) &&
          ['trade', 'transfer', 'p2p_order'].includes(g.rec.kind)
        ) {
          expect(g.sources, `${g.rec.kind}|${g.rec.id}`).toContain('api');
        }
      }
      const recon1 = await runCliInProcess(['reconcile', '--db', syncFirst, '--account', 'main', '--json']);
      expect(recon1.code, recon1.stdout).toBe(0);

      // Import then sync: the sync's records arrive beside the CSV copies, which fold into them.
      const importFirst = join(dir, 'import-first.db');
      const store = await openLedger(importFirst);
      await store.grantConsent({
        account: 'main',
        holder: 'Test Holder',
        scope: 'read',
        expiresAt: Date.now() + 86_400_000,
      });
      await store.close();
      const imp2 = await runCliInProcess(['import', 'csv', ...files, '--db', importFirst, '--json']);
      expect(imp2.code, imp2.stderr).toBe(0);
      const sync2 = await runCliInProcess(
        f.args().map((a) => (a === f.db ? importFirst : a)),
        { env: f.env },
      );
      expect(sync2.code, sync2.stderr).toBe(0);
      // The sync folds the CSV copies into the API's records itself; nothing is left to merge after it.
      expect(sync2.stderr).toMatch(/folded \d+ CSV copies/);
      const merge = await openLedger(importFirst);
      const merged = await mergeCsvCopies(merge, { account: 'main' });
      await merge.close();
      expect(merged.merged).toBe(0);
      await expectSyncPlusCsvOnly(importFirst, syncOnly, truth);
      const recon2 = await runCliInProcess(['reconcile', '--db', importFirst, '--account', 'main', '--json']);
      expect(recon2.code, recon2.stdout).toBe(0);
      // Importing again after all that adds nothing.
      const again = await runCliInProcess(['import', 'csv', ...files, '--db', importFirst, '--json']);
      expect(
        (JSON.parse(again.stdout) as { files: { recordsImported: number }[] }).files.map(
          (x) => x.recordsImported,
        ),
      ).toEqual(EXPORT_KINDS.map(() => 0));
    } finally {
      await f.close();
    }
  });
});
