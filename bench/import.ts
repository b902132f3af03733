/**
 * bench/import: rows per second and peak RSS importing a generated transaction history (the statement,
 * mostly trade legs) into SQLite and PostgreSQL, against a plain csv-parse read of the same file measured
 * in the same run as the baseline. Each phase runs in its own process so its peak RSS is its own.
 *
 *   npx tsx bench/import.ts                    # 1,000,000 rows, SQLite (+ PostgreSQL when LEDGERTAP_TEST_PG is set)
 *   npx tsx bench/import.ts --rows 20000       # small, for CI
 *   npx tsx bench/import.ts --pg postgres://postgres@127.0.0.1:5432/postgres
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import pg from 'pg';
import { importCsvFile } from '../connectors/index.js';
import { openLedger } from '../ledger/index.js';

interface PhaseResult {
  phase: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  records?: number;
  quarantined?: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ASSETS = ['BTC', 'ETH', 'BNB', 'SOL', 'ADA', 'XRP', 'DOT', 'LINK'];
const QUOTES = ['USDT', 'BTC', 'EUR'];

/** A deterministic statement of about `rows` rows: trades (3 legs), deposits, interest, distributions. */
async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const write = (line: string): Promise<void> | void => {
    if (!out.write(line)) return new Promise((resolve) => out.once('drain', () => resolve()));
  };
  await write('User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n');
  let t = Date.UTC(2019, 0, 1);
  let n = 0;
  while (n < rows) {
    t += 1000 * (3 + Math.floor(rnd() * 600));
    const time = new Date(t).toISOString().slice(0, 19).replace('T', ' ');
    const base = ASSETS[Math.floor(rnd() * ASSETS.length)]!;
    const quote = QUOTES[Math.floor(rnd() * QUOTES.length)]!;
    const r = rnd();
    let chunk: string;
    if (r < 0.8 && base !== quote) {
      const qty = (rnd() * 10).toFixed(8);
      const cost = (rnd() * 1000).toFixed(8);
      const buy = rnd() < 0.5;
      chunk =
        `1,${time},Spot,${buy ? 'Buy' : 'Sell'},${base},${buy ? '' : '-'}${qty},\n` +
        `1,${time},Spot,${buy ? 'Buy' : 'Sell'},${quote},${buy ? '-' : ''}${cost},\n` +
        `1,${time},Spot,Fee,BNB,-${(rnd() / 1000).toFixed(8)},\n`;
      n += 3;
    } else if (r < 0.9) {
      chunk = `1,${time},Earn,Simple Earn Flexible Interest,${base},${(rnd() / 100).toExponential(3)},\n`;
      n += 1;
    } else if (r < 0.97) {
      chunk = `1,${time},Spot,Deposit,${base},${(rnd() * 5).toFixed(8)},\n`;
      n += 1;
    } else {
      chunk = `1,${time},Spot,Distribution,${base},${(rnd() / 10).toFixed(8)},airdrop\n`;
      n += 1;
    }
    const p = write(chunk);
    if (p) await p;
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

async function phase(name: string, file: string, db: string | undefined): Promise<PhaseResult> {
  const started = process.hrtime.bigint();
  let rows = 0;
  let records: number | undefined;
  let quarantined: number | undefined;
  if (name === 'csv-parse') {
    const parser = createReadStream(file).pipe(parse({ relax_column_count: true }));
    for await (const _ of parser) rows++;
    rows -= 1;
  } else {
    const store = await openLedger(db!);
    try {
      const report = await importCsvFile(store, file, { batchSize: 5000 });
      rows = report.rowsRead;
      records = report.recordsImported;
      quarantined = report.quarantined;
    } finally {
      await store.close();
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    phase: name,
    rows,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(rows / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(records !== undefined ? { records, quarantined } : {}),
  };
}

async function freshPgDatabase(url: string): Promise<{ location: string; drop: () => Promise<void> }> {
  const name = `ledgertap_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    location: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function runChild(name: string, file: string, db?: string): PhaseResult {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', self, '--phase', name, '--file', file, ...(db ? ['--db', db] : [])],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as PhaseResult;
}

async function main(): Promise<void> {
  const phaseName = arg('phase');
  if (phaseName === 'generate') {
    await generate(arg('file')!, Number(arg('rows') ?? 1_000_000));
    return;
  }
  if (phaseName) {
    console.log(JSON.stringify(await phase(phaseName, arg('file')!, arg('db'))));
    return;
  }
  const rows = Number(arg('rows') ?? 1_000_000);
  const pgUrl = arg('pg') ?? process.env['LEDGERTAP_TEST_PG'];
  const dir = await mkdtemp(join(tmpdir(), 'ledgertap-bench-import-'));
  try {
    const file = join(dir, 'statement.csv');
    await generate(file, rows);
    const size = (await stat(file)).size;
    console.log(
      `bench/import: ${rows.toLocaleString('en')} rows, ${(size / 1e6).toFixed(1)} MB transaction history`,
    );
    const results: PhaseResult[] = [runChild('csv-parse', file)];
    results.push(runChild('sqlite', file, join(dir, 'ledger.db')));
    if (pgUrl) {
      const pgdb = await freshPgDatabase(pgUrl);
      try {
        results.push(runChild('postgres', file, pgdb.location));
      } finally {
        await pgdb.drop();
      }
    } else {
      console.log('(PostgreSQL skipped: pass --pg URL or set LEDGERTAP_TEST_PG)');
    }
    const baseline = results[0]!;
    console.log('phase       rows/s      seconds  peak RSS  vs csv-parse');
    for (const r of results) {
      const ratio = r === baseline ? '1.00' : (r.rowsPerSecond / baseline.rowsPerSecond).toFixed(3);
      console.log(
        `${r.phase.padEnd(10)} ${String(r.rowsPerSecond).padStart(9)}  ${String(r.seconds).padStart(9)}  ${String(r.peakRssMb).padStart(5)} MB  ${ratio}x${r.records !== undefined ? `  (${r.records} records, ${r.quarantined} quarantined)` : ''}`,
      );
    }
    console.log(JSON.stringify({ rows, bytes: size, results }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
