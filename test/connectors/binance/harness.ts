/**
 * Shared set-up of the sync tests: a sandbox started in-process on port 0, a fresh SQLite ledger with a
 * read consent, the CLI run in-process (or spawned), and the comparison of the ledger with the sandbox's
 * truth: every record whose routes include `api`, ignoring source, raw, routes and account.
 */
import { join } from 'node:path';
import { openLedger } from '../../../ledger/index.js';
import type { LedgerStore } from '../../../ledger/index.js';
import { startSandbox } from '../../../sandbox/index.js';
import type { SandboxHandle, SandboxOptions } from '../../../sandbox/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import type { CliResult } from '../../helpers/cli.js';

export interface SyncFixture {
  sandbox: SandboxHandle;
  db: string;
  env: NodeJS.ProcessEnv;
  /** `sync binance` arguments for this sandbox and ledger (add more after). */
  args(...extra: string[]): string[];
  sync(...extra: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

/** A short rate-limit "minute" keeps the tests fast while still exercising the limiter. */
export const TEST_WINDOW_MS = 1000;

/** `dir` is a temp folder for an SQLite ledger, or a `postgres://…?schema=` URL. */
export async function syncFixture(
  dir: string,
  options: SandboxOptions = {},
  grant = true,
): Promise<SyncFixture> {
  const sandbox = await startSandbox({ limitWindowMs: TEST_WINDOW_MS, profile: 'tiny', ...options });
  const db = /^postgres(ql)?:\/\//.test(dir) ? dir : join(dir, 'ledger.db');
  const store = await openLedger(db);
  if (grant)
    await store.grantConsent({
      account: 'main',
      holder: 'Test Holder',
      scope: 'read',
      expiresAt: Date.now() + 86_400_000,
    });
  await store.close();
  const env: NodeJS.ProcessEnv = { BINANCE_API_KEY: sandbox.apiKey, BINANCE_API_SECRET: sandbox.apiSecret };
  const args = (...extra: string[]): string[] => [
    'sync',
    'binance',
    '--db',
    db,
    '--base-url',
    sandbox.baseUrl,
    '--limit-window-ms',
    String(options.limitWindowMs ?? TEST_WINDOW_MS),
    ...extra,
  ];
  return {
    sandbox,
    db,
    env,
    args,
    sync: (...extra) => runCliInProcess(args(...extra), { env }),
    close: () => sandbox.close(),
  };
}

/** A record without the fields a comparison with the truth ignores, as canonical JSON. */
export function comparable(record: Record<string, unknown>): string {
  const { source: _s, raw: _r, routes: _routes, account: _a, ...rest } = record;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(rest).sort()) sorted[key] = rest[key];
  return JSON.stringify(sorted);
}

/** The truth's api-reachable records, keyed by kind and id. */
export async function apiTruth(sandbox: SandboxHandle): Promise<Map<string, string>> {
  const text = await (await fetch(`${sandbox.adminUrl}/truth`)).text();
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown> & { routes: string[]; kind: string; id: string };
    if (!r.routes.includes('api')) continue;
    out.set(`${r.kind}|${r.id}`, comparable(r));
  }
  return out;
}

/** Every record of the ledger's account, keyed by kind and id. */
export async function ledgerRecords(db: string, account = 'main'): Promise<Map<string, string>> {
  const store: LedgerStore = await openLedger(db, { create: false });
  try {
    const out = new Map<string, string>();
    for await (const stored of store.iterateRecords({ account })) {
      const r = stored.record as unknown as Record<string, unknown> & { kind: string; id: string };
      out.set(`${r.kind}|${r.id}`, comparable(r));
    }
    return out;
  } finally {
    await store.close();
  }
}

/** The differences between two record maps, for a readable assertion. */
export function diffRecords(
  expected: Map<string, string>,
  actual: Map<string, string>,
): { missing: string[]; extra: string[]; different: string[] } {
  const missing: string[] = [];
  const extra: string[] = [];
  const different: string[] = [];
  for (const [key, value] of expected) {
    const got = actual.get(key);
    if (got === undefined) missing.push(key);
    else if (got !== value) different.push(`${key}\n  want ${value}\n  got  ${got}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) extra.push(key);
  return { missing: missing.slice(0, 20), extra: extra.slice(0, 20), different: different.slice(0, 10) };
}
