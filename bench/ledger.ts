/**
 * bench/ledger: write throughput of the ledger (validation + natural-key upsert + source tracking, in
 * transactions of 5,000 with a checkpoint), a second identical pass (the idempotent re-sync), and a
 * streaming export, on SQLite and PostgreSQL. Baseline, measured in the same run: a plain multi-row
 * INSERT of the same JSON rows into a bare table with no validation, no merge and no sources.
 *
 *   npx tsx bench/ledger.ts [--size 100000] [--pg postgres://…] [--no-pg] [--no-sqlite]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { exportLedger, openLedger } from '../ledger/index.js';
import type { IncomingRecord, LedgerStore } from '../ledger/index.js';
import { benchTrade } from './trades.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const size = Number(flag('--size') ?? 100_000);
const pgUrl =
  flag('--pg') ?? process.env['LEDGERTAP_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const withPg = !args.includes('--no-pg');
const BATCH = 5_000;

function record(n: number): IncomingRecord {
  const buy = n % 3 !== 0;
  return benchTrade(n, `BNBBTC:${n}`, {
    side: buy ? 'buy' : 'sell',
    price: `0.0012${(n % 9) + 1}`,
    qty: `${(n % 50) + 1}.5`,
    quoteQty: '0.0123',
    fee: '0.00075',
    feeAsset: 'BNB',
    isMaker: n % 2 === 0,
    raw: {
      id: n,
      symbol: 'BNBBTC',
      orderId: 1_000_000 + Math.floor(n / 2),
      isBuyer: buy,
      commission: '0.00075000',
    },
  });
}

const records = Array.from({ length: size }, (_, i) => record(i + 1));
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;

async function timeLedger(store: LedgerStore): Promise<{ write: number; again: number; exportMs: number }> {
  const pass = async (): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < records.length; i += BATCH) {
      await store.transaction(async (tx) => {
        await tx.putRecords(records.slice(i, i + BATCH));
        await tx.setCheckpoint('bench', { done: i + BATCH });
      });
    }
    return performance.now() - t;
  };
  const write = await pass();
  const again = await pass();
  const t = performance.now();
  let lines = 0;
  for await (const _ of exportLedger(store, { format: 'jsonl' })) lines++;
  if (lines !== size) throw new Error(`export gave ${lines} lines, expected ${size}`);
  return { write, again, exportMs: performance.now() - t };
}

function report(
  backend: string,
  baseline: number,
  r: { write: number; again: number; exportMs: number },
): void {
  console.log(`${backend}: ${size.toLocaleString('en-US')} trades`);
  console.log(`  baseline plain INSERT      ${baseline.toFixed(0)} ms  (${rate(size, baseline)})`);
  console.log(
    `  ledger write               ${r.write.toFixed(0)} ms  (${rate(size, r.write)})  ratio ${(r.write / baseline).toFixed(2)}x baseline`,
  );
  console.log(
    `  ledger re-write (no-op)    ${r.again.toFixed(0)} ms  (${rate(size, r.again)})  ratio ${(r.again / baseline).toFixed(2)}x baseline`,
  );
  console.log(`  export jsonl (streamed)    ${r.exportMs.toFixed(0)} ms  (${rate(size, r.exportMs)})`);
}

async function sqlite(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ledgertap-bench-'));
  try {
    const base = new Database(join(dir, 'baseline.db'));
    base.pragma('journal_mode = WAL');
    base.exec(
      'CREATE TABLE t (account TEXT, kind TEXT, id TEXT, time INTEGER, data TEXT, PRIMARY KEY (account, kind, id))',
    );
    const insert = base.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
    let t = performance.now();
    for (let i = 0; i < records.length; i += BATCH) {
      base.transaction(() => {
        for (const r of records.slice(i, i + BATCH))
          insert.run(r.account, r.kind, r.id, r.time, JSON.stringify(r));
      })();
    }
    const baseline = performance.now() - t;
    base.close();
    const store = await openLedger(join(dir, 'ledger.db'));
    t = performance.now();
    const result = await timeLedger(store);
    await store.close();
    report('sqlite', baseline, result);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<void> {
  const schema = `lt_bench_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(
      `CREATE TABLE ${schema}.t (account TEXT, kind TEXT, id TEXT, time BIGINT, data TEXT, PRIMARY KEY (account, kind, id))`,
    );
    let t = performance.now();
    for (let i = 0; i < records.length; i += 500) {
      const chunk = records.slice(i, i + 500);
      const params = chunk.flatMap((r) => [r.account, r.kind, r.id, r.time, JSON.stringify(r)]);
      const values = chunk
        .map((_, j) => `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5})`)
        .join(', ');
      await client.query(`INSERT INTO ${schema}.t VALUES ${values}`, params);
    }
    const baseline = performance.now() - t;
    const url = new URL(pgUrl);
    url.searchParams.set('schema', `${schema}_ledger`);
    const store = await openLedger(url.toString());
    t = performance.now();
    const result = await timeLedger(store);
    await store.close();
    report('postgres', baseline, result);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_ledger CASCADE`);
    await client.end();
  }
}

if (!args.includes('--no-sqlite')) await sqlite();
if (withPg) await postgres();
