/**
 * bench/serve: records per second the normalized API serves while a client pages through every record
 * (limit 1000, bearer auth, JSON parsed by the client), on an SQLite ledger. Baseline, measured in the same
 * run: reading the same records straight from the ledger API (`iterateRecords`) and serializing each as
 * the API does. Also the first page of a cold cursor (its stream gone, so it is reopened and read past).
 *
 *   npx tsx bench/serve.ts [--size 100000] [--limit 1000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../ledger/index.js';
import type { IncomingRecord } from '../ledger/index.js';
import { startLedgerServer } from '../server/index.js';
import { benchTrade } from './trades.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const size = Number(flag('--size') ?? 100_000);
const limit = Number(flag('--limit') ?? 1000);
const TOKEN = 'bench-token-0123456789abcdefghijkl';

function record(n: number): IncomingRecord {
  return benchTrade(n, `BNBBTC:${String(n).padStart(9, '0')}`, {
    side: n % 3 ? 'buy' : 'sell',
    price: '0.0123',
    qty: '1.5',
    quoteQty: '0.01845',
    fee: '0.0015',
    feeAsset: 'BNB',
    isMaker: n % 2 === 0,
  });
}

const rate = (n: number, ms: number): string =>
  `${Math.round((n / ms) * 1000).toLocaleString('en-US')} records/s`;

const dir = await mkdtemp(join(tmpdir(), 'ledgertap-bench-serve-'));
try {
  const store = await openLedger(join(dir, 'ledger.db'));
  const fillStart = performance.now();
  for (let i = 0; i < size; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, size - i) }, (_, j) => record(i + j + 1));
    await store.transaction(async (tx) => void (await tx.putRecords(batch)));
  }
  console.log(
    `filled ${size.toLocaleString('en-US')} trades in ${(performance.now() - fillStart).toFixed(0)} ms`,
  );

  // Baseline: the ledger API itself, serialized as the server does.
  let t = performance.now();
  let n = 0;
  let bytes = 0;
  for await (const stored of store.iterateRecords({ account: 'main' })) {
    bytes += JSON.stringify(stored.record).length;
    n++;
  }
  const baseline = performance.now() - t;
  if (n !== size) throw new Error(`baseline read ${n}, expected ${size}`);

  const server = await startLedgerServer(store, { token: TOKEN });
  t = performance.now();
  let served = 0;
  let pages = 0;
  let next: string | null = `/v1/accounts/main/records?limit=${limit}`;
  while (next) {
    const res = await fetch(`${server.url}${next}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { records: unknown[]; next: string | null };
    served += page.records.length;
    next = page.next;
    pages++;
  }
  const api = performance.now() - t;
  if (served !== size) throw new Error(`served ${served}, expected ${size}`);

  // A cursor from the middle on a fresh server: one keyset range read, like every page.
  const cold = await startLedgerServer(store, { token: TOKEN });
  const mid = Buffer.from(JSON.stringify([1, 'trade', record(Math.floor(size / 2)).id])).toString(
    'base64url',
  );
  t = performance.now();
  const res = await fetch(`${cold.url}/v1/accounts/main/records?limit=${limit}&cursor=${mid}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  await res.json();
  const coldMs = performance.now() - t;

  await cold.close();
  await server.close();
  await store.close();
  console.log(
    `records: ${size.toLocaleString('en-US')} trades, ${(bytes / 1e6).toFixed(1)} MB of JSON, pages of ${limit}`,
  );
  console.log(`  baseline iterateRecords + JSON   ${baseline.toFixed(0)} ms  (${rate(size, baseline)})`);
  console.log(
    `  GET …/records, ${pages} pages        ${api.toFixed(0)} ms  (${rate(size, api)})  ratio ${(api / baseline).toFixed(2)}x baseline time`,
  );
  console.log(`  cold cursor at the middle, 1 page ${coldMs.toFixed(0)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
