/**
 * bench/sync: a full `sync binance` of a sandbox account at the real rate limits, scaled by the
 * sandbox's --limit-window-ms (every window, and our limiter's, is that many ms instead of a minute).
 *
 *   npx tsx bench/sync.ts [--profile tiny|small|medium|large] [--limit-window-ms 1000] [--seed 1] [--skip-naive]
 *
 * Prints, for our evidence-based symbol discovery and for a naive client that probes every listed symbol
 * (the same planner with `discovery: 'naive'`), measured in the same run against the same account:
 * total weight per limit family, requests, 429s, wall time, records, and the ratio of weight to the
 * sandbox's minimum (what a perfect client that knows where every record is would spend).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinanceClient, loadCredentials, syncBinance } from '../connectors/index.js';
import type { SyncSummary } from '../connectors/index.js';
import { openLedger } from '../ledger/index.js';
import { generateSandboxAccount, sandboxTruthRecords, startSandbox } from '../sandbox/index.js';
import type { SandboxAccount } from '../sandbox/index.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

const profile = flag('--profile', flag('--size', 'large')) as 'tiny' | 'small' | 'medium' | 'large';
const limitWindowMs = Number(flag('--limit-window-ms', '1000'));
const seed = Number(flag('--seed', '1'));
const skipNaive = process.argv.includes('--skip-naive');

interface Run {
  label: string;
  wallMs: number;
  summary: SyncSummary;
  weightByLimit: Record<string, number>;
  minimumByLimit: Record<string, number>;
  requests: number;
  /** Requests and weight per endpoint, and the minimum's calls and weight per endpoint. */
  byEndpoint: Record<string, { requests: number; weight: number }>;
  minimumByEndpoint: Record<string, { calls: number; weight: number }>;
  status429: number;
  banned418: number;
  records: number;
}

async function run(label: string, account: SandboxAccount, discovery: 'evidence' | 'naive'): Promise<Run> {
  const sandbox = await startSandbox({ account, limitWindowMs });
  const dir = mkdtempSync(join(tmpdir(), 'ledgertap-bench-sync-'));
  const store = await openLedger(join(dir, 'ledger.db'));
  try {
    const consent = await store.grantConsent({
      account: 'main',
      holder: 'Bench',
      scope: 'read',
      expiresAt: Date.now() + 86_400_000,
    });
    const client = new BinanceClient({
      baseUrl: sandbox.baseUrl,
      credentials: loadCredentials({
        env: { BINANCE_API_KEY: sandbox.apiKey, BINANCE_API_SECRET: sandbox.apiSecret },
      }),
      minuteMs: limitWindowMs,
    });
    const started = Date.now();
    const summary = await syncBinance({ store, client, account: 'main', consentId: consent.id, discovery });
    const wallMs = Date.now() - started;
    const stats = (await (await fetch(`${sandbox.adminUrl}/stats`)).json()) as {
      requests: number;
      rateLimited429: number;
      banned418: number;
      weightByLimit: Record<string, number>;
      minimumWeight: {
        byLimit: Record<string, number>;
        surfaces: Array<{ endpoint: string; calls: number; weight: number }>;
      };
      byEndpoint: Record<string, { requests: number; weight: number }>;
    };
    if (process.argv.includes('--endpoints')) {
      const min = new Map(stats.minimumWeight.surfaces.map((m) => [m.endpoint, m]));
      console.log(`\n${label}: per endpoint (requests/weight vs the minimum's calls/weight)`);
      for (const [ep, e] of Object.entries(stats.byEndpoint).sort((a, b) => b[1].weight - a[1].weight)) {
        const m = min.get(ep);
        console.log(
          `  ${ep.padEnd(62)} ${String(e.requests).padStart(6)} ${String(e.weight).padStart(10)}   ${m ? `${String(m.calls).padStart(6)} ${String(m.weight).padStart(10)}` : ''}`,
        );
      }
    }
    return {
      label,
      wallMs,
      summary,
      weightByLimit: stats.weightByLimit,
      minimumByLimit: stats.minimumWeight.byLimit,
      requests: stats.requests,
      byEndpoint: stats.byEndpoint,
      // Several surfaces can share an endpoint (fiat deposits and withdrawals): add them up.
      minimumByEndpoint: stats.minimumWeight.surfaces.reduce<Run['minimumByEndpoint']>((acc, m) => {
        const e = (acc[m.endpoint] ??= { calls: 0, weight: 0 });
        e.calls += m.calls;
        e.weight += m.weight;
        return acc;
      }, {}),
      status429: stats.rateLimited429,
      banned418: stats.banned418,
      records: await store.countRecords({ account: 'main' }),
    };
  } finally {
    await store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
const fmt = (n: number): string => n.toLocaleString('en-US');

console.log(
  `bench/sync: profile ${profile}, seed ${seed}, limit window ${limitWindowMs} ms (1 minute of real limits)`,
);
const genStart = Date.now();
const account = generateSandboxAccount({ seed, profile });
let apiRecords = 0;
for (const r of sandboxTruthRecords(account)) if (r.routes.includes('api')) apiRecords++;
console.log(
  `generated the account in ${((Date.now() - genStart) / 1000).toFixed(1)} s: ${fmt(apiRecords)} records reachable by the API`,
);

const runs: Run[] = [await run('evidence discovery (ours)', account, 'evidence')];
if (!skipNaive) runs.push(await run('naive: probe every listed symbol', account, 'naive'));

for (const r of runs) {
  const families = [...new Set([...Object.keys(r.weightByLimit), ...Object.keys(r.minimumByLimit)])].sort();
  console.log(`\n${r.label}`);
  console.log(
    `  wall time        ${(r.wallMs / 1000).toFixed(1)} s (waited ${(r.summary.limitWaitedMs / 1000).toFixed(1)} s on limits)`,
  );
  console.log(
    `  requests         ${fmt(r.requests)} (429s ${r.status429}, 418s ${r.banned418}, retries ${r.summary.retries})`,
  );
  console.log(`  records          ${fmt(r.records)} of ${fmt(apiRecords)} reachable`);
  console.log(
    `  symbols          ${r.summary.discovery.candidates} probed, ${r.summary.discovery.symbolsWithTrades} traded, ${r.summary.discovery.listedSymbols} listed, ${r.summary.discovery.unreachableSymbols.length} unreachable`,
  );
  for (const f of families) {
    const used = r.weightByLimit[f] ?? 0;
    const min = r.minimumByLimit[f] ?? 0;
    console.log(
      `  weight ${f.padEnd(11)} ${fmt(used).padStart(12)}  minimum ${fmt(min).padStart(12)}  ratio ${min ? (used / min).toFixed(3) : '-'}`,
    );
  }
  const total = sum(r.weightByLimit);
  const minTotal = sum(r.minimumByLimit);
  console.log(
    `  weight total      ${fmt(total).padStart(12)}  minimum ${fmt(minTotal).padStart(12)}  ratio ${(total / minTotal).toFixed(3)}`,
  );
}
if (runs.length === 2) {
  const [ours, naive] = runs as [Run, Run];
  // The symbol walk (exchangeInfo + myTrades + allOrders) is where discovery differs; every other surface
  // is the same for both clients, and the /sapi withdraw-history weight dominates the totals.
  const walk = ['GET /api/v3/exchangeInfo', 'GET /api/v3/myTrades', 'GET /api/v3/allOrders'];
  const walkOf = (r: Run, key: 'requests' | 'weight'): number =>
    walk.reduce((a, ep) => a + (r.byEndpoint[ep]?.[key] ?? 0), 0);
  const walkMin = (key: 'calls' | 'weight'): number =>
    walk.reduce((a, ep) => a + (ours.minimumByEndpoint[ep]?.[key] ?? 0), 0);
  const rows: Array<[string, number, number, number]> = [
    [
      'symbols probed',
      ours.summary.discovery.candidates,
      naive.summary.discovery.candidates,
      ours.summary.discovery.symbolsWithTrades,
    ],
    ['symbol-walk requests', walkOf(ours, 'requests'), walkOf(naive, 'requests'), walkMin('calls')],
    ['symbol-walk weight', walkOf(ours, 'weight'), walkOf(naive, 'weight'), walkMin('weight')],
    [
      '/api weight (api-ip)',
      ours.weightByLimit['api-ip'] ?? 0,
      naive.weightByLimit['api-ip'] ?? 0,
      ours.minimumByLimit['api-ip'] ?? 0,
    ],
    [
      'requests (all)',
      ours.requests,
      naive.requests,
      sum(Object.fromEntries(Object.values(ours.minimumByEndpoint).map((m, i) => [i, m.calls]))),
    ],
    ['weight total', sum(ours.weightByLimit), sum(naive.weightByLimit), sum(ours.minimumByLimit)],
  ];
  const ratio = (a: number, b: number): string => (b ? `${(a / b).toFixed(3)}x` : '-');
  console.log(
    `\nours vs naive, same account, same run (${ours.summary.discovery.listedSymbols} listed symbols, ${ours.summary.discovery.symbolsWithTrades} traded)`,
  );
  console.log(
    `  ${''.padEnd(22)} ${'ours'.padStart(11)} ${'naive'.padStart(11)} ${'minimum'.padStart(11)} ${'ours/min'.padStart(9)} ${'naive/min'.padStart(9)} ${'ours/naive'.padStart(10)}`,
  );
  for (const [name, a, b, m] of rows)
    console.log(
      `  ${name.padEnd(22)} ${fmt(a).padStart(11)} ${fmt(b).padStart(11)} ${fmt(m).padStart(11)} ${ratio(a, m).padStart(9)} ${ratio(b, m).padStart(9)} ${ratio(a, b).padStart(10)}`,
    );
  console.log(
    `  ${'wall time (s)'.padEnd(22)} ${(ours.wallMs / 1000).toFixed(1).padStart(11)} ${(naive.wallMs / 1000).toFixed(1).padStart(11)} ${'-'.padStart(11)} ${'-'.padStart(9)} ${'-'.padStart(9)} ${ratio(ours.wallMs, naive.wallMs).padStart(10)}`,
  );
}
