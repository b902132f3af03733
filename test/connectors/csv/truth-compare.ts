/**
 * Compares a ledger filled from CSV exports with the sandbox's truth. CSV exports carry no API ids for
 * most kinds (no trade id, no deposit id, no convert order id), so each kind is compared on the fields
 * its exports do carry, as a multiset: every truth record must be found once, and nothing else may be there.
 * Also the sandbox account the end-to-end tests download the exports of, and the records a ledger holds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { openLedger } from '../../../ledger/index.js';
import { startSandbox, type SandboxHandle } from '../../../sandbox/index.js';
import type { AccountRecord } from '../../../schemas/index.js';

type R = AccountRecord & Record<string, unknown>;

/** The fields CSV exports can reproduce, per kind; undefined for kinds no export carries. */
export function csvKey(r: R): string | undefined {
  // Exports write whole seconds: compare times at that precision.
  const second = Math.floor(r.time / 1000);
  const pick = (...fields: string[]): string => JSON.stringify([r.kind, second, ...fields.map((f) => r[f])]);
  switch (r.kind) {
    case 'trade':
      return pick('symbol', 'side', 'price', 'qty', 'quoteQty', 'fee', 'feeAsset');
    case 'order':
      return JSON.stringify([
        r.kind,
        r.id,
        second,
        r['symbol'],
        r['side'],
        r['status'],
        r['price'],
        r['origQty'],
        r['executedQty'],
      ]);
    case 'transfer':
      if (r['type'] === 'wallet_transfer') return pick('type', 'asset', 'amount', 'fromWallet', 'toWallet');
      return pick('type', 'asset', 'amount', 'fee', 'status', 'txId', 'network', 'address');
    case 'conversion':
      return pick('fromAsset', 'fromAmount', 'toAsset', 'toAmount', 'status');
    case 'dust':
      return pick('fromAsset', 'amount', 'toAsset', 'toAmount');
    case 'earn_subscription':
    case 'earn_redemption':
      return pick('product', 'asset', 'amount');
    case 'earn_reward':
      return pick('product', 'rewardType', 'asset', 'amount');
    case 'autoinvest_execution':
      return pick(
        'sourceAsset',
        'sourceAssetAmount',
        'targetAsset',
        'targetAssetAmount',
        'fee',
        'feeAsset',
        'status',
      );
    case 'p2p_order':
      return JSON.stringify([
        r.kind,
        r.id,
        second,
        r['side'],
        r['asset'],
        r['fiat'],
        r['amount'],
        r['totalPrice'],
        r['unitPrice'],
        r['fee'],
        r['status'],
        r['counterparty'],
      ]);
    case 'fiat_transfer':
      if (r['type'] === 'buy' || r['type'] === 'sell')
        return pick('type', 'fiatCurrency', 'cryptoAsset', 'cryptoAmount');
      return JSON.stringify([
        r.kind,
        r.id,
        second,
        r['type'],
        r['fiatCurrency'],
        r['amount'],
        r['fee'],
        r['method'],
        r['status'],
      ]);
    case 'dividend':
      return pick('asset', 'amount', 'direction');
    default:
      return undefined;
  }
}

/**
 * Which truth records a complete set of CSV exports reaches: the CSV-routed history records the exports
 * write (the statement lists only completed balance changes of kinds without their own export).
 */
export function csvReachable(t: R): boolean {
  if (!(t.routes ?? []).includes('csv')) return false;
  switch (t.kind) {
    case 'balance':
    case 'earn_position':
    case 'autoinvest_plan':
      return false;
    case 'transfer':
      return t['type'] !== 'wallet_transfer' || t['status'] === 'completed';
    case 'earn_subscription':
      return t['status'] === 'success';
    case 'earn_redemption':
      return t['status'] === 'paid';
    case 'conversion':
      return t['status'] === 'success';
    case 'fiat_transfer':
      return t['type'] === 'deposit' || t['type'] === 'withdrawal' || t['status'] === 'completed';
    default:
      return true;
  }
}

export interface CompareResult {
  missing: string[];
  extra: string[];
  compared: Record<string, number>;
}

export function compareWithTruth(truth: R[], ledger: R[]): CompareResult {
  const want = new Map<string, number>();
  const compared: Record<string, number> = {};
  for (const t of truth) {
    if (!csvReachable(t)) continue;
    const k = csvKey(t);
    if (!k) continue;
    want.set(k, (want.get(k) ?? 0) + 1);
    compared[t.kind] = (compared[t.kind] ?? 0) + 1;
  }
  const extra: string[] = [];
  for (const r of ledger) {
    const k = csvKey(r);
    if (!k) continue;
    const n = want.get(k) ?? 0;
    if (n === 0) extra.push(k);
    else if (n === 1) want.delete(k);
    else want.set(k, n - 1);
  }
  const missing = [...want].flatMap(([k, n]) => Array.from({ length: n }, () => k));
  return { missing, extra, compared };
}

/** Every Data Download Center export the sandbox serves, by the name its download URL takes. */
export const EXPORT_KINDS: readonly string[] = [
  'transaction-history',
  'spot-trade-history',
  'spot-order-history',
  'deposit-history',
  'withdrawal-history',
  'fiat-deposit-history',
  'fiat-withdrawal-history',
  'convert-history',
  'earn-rewards',
  'auto-invest-history',
  'p2p-history',
];

/** A sandbox account's exports and truth, for the tests of one file or describe block. */
export interface SandboxExports {
  /** The truth records (`/truth`); read inside a test, they arrive before the first. */
  readonly truth: R[];
  /** Downloads one Data Download Center export (`query` such as `?variant=2025`) into `dir`: its path. */
  download(dir: string, kind: string, query?: string): Promise<string>;
}

/**
 * Starts the sandbox (seed 11, tiny profile) before the tests of the enclosing block and reads its truth;
 * closes it after them.
 */
export function useSandboxExports(): SandboxExports {
  let sandbox: SandboxHandle | undefined;
  let truth: R[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 11, profile: 'tiny' } as Parameters<
      typeof startSandbox
    >[0]);
    const text = await (await fetch(`${sandbox.adminUrl}/truth`)).text();
    truth = text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as R);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  return {
    get truth() {
      return truth;
    },
    async download(dir, kind, query = '') {
      const res = await fetch(`${sandbox!.adminUrl}/export/${kind}.csv${query}`);
      expect(res.status, `${kind}${query}`).toBe(200);
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      expect(name, `${kind} file name`).toBeTruthy();
      const path = join(dir, name!);
      await writeFile(path, Buffer.from(await res.arrayBuffer()));
      return path;
    },
  };
}

/** The records of account `main` in the ledger at `db` (which must exist). */
export async function ledgerRecords(db: string): Promise<R[]> {
  const store = await openLedger(db, { create: false });
  try {
    return (await store.queryRecords({ account: 'main' })).map((s) => s.record as R);
  } finally {
    await store.close();
  }
}
