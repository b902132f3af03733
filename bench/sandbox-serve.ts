/**
 * Serving speed of the sandbox's signed API and truth stream: signed myTrades pages of 1000 rows per
 * second (sequential, one client, keep-alive), and truth records per second over HTTP.
 *
 *   npx tsx bench/sandbox-serve.ts [--profile small|medium|large] [--seconds N]
 *
 * Baseline (same run): signed GET /api/v3/time-sized requests (`/sapi/v1/account/status`) per second, the
 * bare cost of one signed request through the pipeline (key, timestamp, HMAC, weights).
 */
import { createHmac } from 'node:crypto';
import { startSandbox, type SandboxHandle, type SandboxModel } from '../sandbox/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const profile = arg('profile', 'small') as SandboxModel.ProfileName;
const seconds = Number(arg('seconds', '3'));

async function signedGet(s: SandboxHandle, path: string, query: string): Promise<string> {
  const q = `${query}${query ? '&' : ''}timestamp=${Date.now()}`;
  const sig = createHmac('sha256', s.apiSecret).update(q).digest('hex');
  const res = await fetch(`${s.baseUrl}${path}?${q}&signature=${sig}`, {
    headers: { 'X-MBX-APIKEY': s.apiKey },
  });
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.text();
}

async function rate(fn: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return n / seconds;
}

const t0 = performance.now();
// No rate limits in the way: windows of 10 ms.
const sandbox = await startSandbox({ profile, seed: 1, limitWindowMs: 10 });
console.log(
  `profile ${profile}: sandbox up in ${(performance.now() - t0).toFixed(0)} ms (${sandbox.account.trades.count} trades)`,
);
try {
  const base = await rate(() => signedGet(sandbox, '/sapi/v1/account/status', ''));
  const t = sandbox.account.trades;
  let busiest = 0;
  for (let s = 1; s < sandbox.account.symbols.length; s++)
    if (t.symbolStart[s + 1]! - t.symbolStart[s]! > t.symbolStart[busiest + 1]! - t.symbolStart[busiest]!)
      busiest = s;
  const symbol = sandbox.account.symbols[busiest]!.symbol;
  const firstId = t.id[t.symbolStart[busiest]!]!;
  let fromId = firstId;
  const pages = await rate(async () => {
    const body = await signedGet(sandbox, '/api/v3/myTrades', `symbol=${symbol}&fromId=${fromId}&limit=1000`);
    const rows = JSON.parse(body) as Array<{ id: number }>;
    fromId = rows.length === 1000 ? rows[999]!.id + 1 : firstId;
  });
  console.log(`  signed requests (baseline): ${base.toFixed(0)}/s`);
  console.log(
    `  myTrades pages of 1000: ${pages.toFixed(1)}/s = ${(pages * 1000).toFixed(0)} trades/s; ratio to baseline ${(pages / base).toFixed(3)}`,
  );
  const ts = performance.now();
  const res = await fetch(`${sandbox.adminUrl}/truth`);
  let lines = 0;
  let bytes = 0;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  }
  const secs = (performance.now() - ts) / 1000;
  console.log(
    `  truth over HTTP: ${lines} records, ${(bytes / 1e6).toFixed(0)} MB in ${secs.toFixed(2)} s (${(lines / secs).toFixed(0)} records/s)`,
  );
} finally {
  await sandbox.close();
}
