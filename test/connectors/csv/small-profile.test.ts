/**
 * The sandbox's `small` profile (seed 7) has what `tiny` lacks: a pair the account traded in both
 * spellings (ETHBNB and BNBETH, so the statement's legs alone cannot name it) and a portfolio Auto-Invest
 * plan (two targets bought in the same second). A full sync, then every export imported: no statement
 * trade left beside its fills, no Auto-Invest leg in quarantine, reconcile clean, and every record the
 * truth's (by id, exact; or, for records only the exports reach, by the fields the exports carry).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { comparable, syncFixture } from '../binance/harness.js';
import { csvKey, EXPORT_KINDS } from './truth-compare.js';

const tempDir = useTempDirs('ledgertap-csv-small-');

type Rec = AccountRecord & Record<string, unknown>;

/** Same second, and every field both copies carry equal (the exports carry no client order id, type, …). */
function sameContent(t: Rec, r: Rec): boolean {
  if (Math.floor(t.time / 1000) !== Math.floor(r.time / 1000)) return false;
  const skip = new Set(['time', 'source', 'raw', 'routes', 'account']);
  return Object.keys(t).every(
    (k) => skip.has(k) || !(k in r) || JSON.stringify(t[k]) === JSON.stringify(r[k]),
  );
}

describe('sandbox small profile: sync, then every export', () => {
  it(
    'counts each trade and Auto-Invest execution once and equals the truth',
    { timeout: 180_000 },
    async () => {
      const dir = await tempDir();
      const f = await syncFixture(dir, { seed: 7, profile: 'small' });
      try {
        const truth = (await (await fetch(`${f.sandbox.adminUrl}/truth`)).text())
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as Rec);
        const sync = await f.sync();
        expect(sync.code, sync.stderr).toBe(0);
        await mkdir(join(dir, 'csv'));
        const files: string[] = [];
        for (const kind of EXPORT_KINDS) {
          const res = await fetch(`${f.sandbox.adminUrl}/export/${kind}.csv`);
          const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')![1]!;
          await writeFile(join(dir, 'csv', name), Buffer.from(await res.arrayBuffer()));
          files.push(join(dir, 'csv', name));
        }
        const imp = await runCliInProcess(['import', 'csv', ...files, '--db', f.db, '--json']);
        expect(imp.code, imp.stderr).toBe(0);

        const store = await openLedger(f.db, { create: false });
        let records: Rec[];
        try {
          records = (await store.queryRecords({ account: 'main' })).map((s) => s.record as Rec);
          expect(await store.listQuarantine({ account: 'main', unresolved: true })).toEqual([]);
        } finally {
          await store.close();
        }
        // The profile has what the fixes are about.
        const symbols = new Set(records.filter((r) => r.kind === 'trade').map((r) => r['symbol']));
        expect(symbols.has('ETHBNB') && symbols.has('BNBETH')).toBe(true);
        expect(truth.some((t) => t.kind === 'autoinvest_execution' && t['planType'] === 'PORTFOLIO')).toBe(
          true,
        );
        // No statement trade stands beside fills of its second.
        const fillSeconds = new Set(
          records
            .filter((r) => r.kind === 'trade' && !r.id.includes(':stmt:'))
            .map((r) => Math.floor(r.time / 1000)),
        );
        expect(
          records.filter(
            (r) =>
              r.kind === 'trade' && r.id.includes(':stmt:') && fillSeconds.has(Math.floor(r.time / 1000)),
          ),
        ).toEqual([]);

        // Every ledger record is a truth record: by id and exact, else by the fields the exports carry.
        const byId = new Map(truth.map((t) => [`${t.kind}|${t.id}`, t]));
        const byContent = new Map<string, number>();
        const claimed = new Set<string>();
        const different: string[] = [];
        const rest: Rec[] = [];
        for (const r of records) {
          const t = byId.get(`${r.kind}|${r.id}`);
          if (!t) {
            rest.push(r);
            continue;
          }
          claimed.add(`${r.kind}|${r.id}`);
          // A record only the exports reach: to the second, on the fields the exports carry.
          const same = (t.routes ?? []).includes('api') ? comparable(r) === comparable(t) : sameContent(t, r);
          if (!same) different.push(`${r.kind}|${r.id}`);
        }
        for (const t of truth) {
          const k = csvKey(t);
          if (k && !claimed.has(`${t.kind}|${t.id}`)) byContent.set(k, (byContent.get(k) ?? 0) + 1);
        }
        const extra: string[] = [];
        for (const r of rest) {
          const k = csvKey(r);
          const n = k ? (byContent.get(k) ?? 0) : 0;
          if (n === 0) extra.push(`${r.kind}|${r.id}`);
          else byContent.set(k!, n - 1);
        }
        expect(different.slice(0, 10)).toEqual([]);
        expect(extra.slice(0, 10)).toEqual([]);

        const rc = await runCliInProcess(['reconcile', '--db', f.db, '--account', 'main', '--json']);
        expect(rc.code, rc.stdout).toBe(0);
      } finally {
        await f.close();
      }
    },
  );
});
