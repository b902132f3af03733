/**
 * The sandbox's Transaction History writes an Auto-Invest execution's trading fee as a `Transaction Fee`
 * row of its own in the recent period (the source debit then net of it) and folds it into the source
 * debit before, as real statements do in different periods. Checked second by second against what the
 * signed API answers (`/sapi/v1/lending/auto-invest/history/list`: `sourceAssetAmount`, `transactionFee`,
 * `transactionFeeUnit`), with a plain CSV parser (no importer code). The `small` profile (seed 7) runs a
 * portfolio plan across the boundary, so both styles hold single and portfolio runs.
 */
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../../sandbox/index.js';
import { signed, start } from '../signed-client.js';

const DAY = 86_400_000;

interface ApiExecution {
  transactionDateTime: number;
  transactionStatus: string;
  planType: string;
  sourceAsset: string;
  sourceAssetAmount: string;
  targetAsset: string;
  targetAssetAmount: string;
  transactionFee: string;
  transactionFeeUnit: string;
}

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await start({ seed: 7, profile: 'small', limitWindowMs: 1000 });
});
afterAll(async () => {
  await sandbox?.close();
});

/** Every execution the API lists, walked in 30-day windows from the oldest plan's creation. */
async function apiExecutions(): Promise<ApiExecution[]> {
  const out: ApiExecution[] = [];
  const from = Math.min(...sandbox.account.autoInvestPlans.map((p) => p.raw.creationDateTime));
  for (let startTime = from; startTime < Date.now(); startTime += 30 * DAY) {
    for (let current = 1; ; current++) {
      const r = await signed(sandbox, '/sapi/v1/lending/auto-invest/history/list', {
        startTime,
        endTime: startTime + 30 * DAY - 1,
        current,
        size: 100,
      });
      expect(r.status, r.text).toBe(200);
      const body = r.json as unknown as ApiExecution[] | { list: ApiExecution[] };
      const list = Array.isArray(body) ? body : body.list;
      out.push(...list.map((x) => ({ ...x, transactionDateTime: Number(x.transactionDateTime) })));
      if (list.length < 100) break;
    }
  }
  return out;
}

const second = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');

describe('sandbox statement: Auto-Invest fee rows', () => {
  it('writes the fee as its own row in the recent period and folds it into the debit before, as the API has it', async () => {
    const res = await fetch(`${sandbox.adminUrl}/export/transaction-history.csv?variant=2021`);
    expect(res.status).toBe(200);
    const [header, ...rows] = parse((await res.text()).replace(/^\ufeff/, ''), {
      relax_column_count: true,
    }) as string[][];
    const col = (name: string): number => header!.indexOf(name);
    const [time, op, coin, change] = ['UTC_Time', 'Operation', 'Coin', 'Change'].map(col) as number[];

    const executions = (await apiExecutions()).filter((x) => x.transactionStatus === 'SUCCESS');
    const bySecond = new Map<string, ApiExecution[]>();
    for (const x of executions) {
      const s = second(x.transactionDateTime);
      bySecond.set(s, [...(bySecond.get(s) ?? []), x]);
    }
    const styles = { feeRows: [] as string[], folded: [] as string[] };
    const portfolio = { feeRows: 0, folded: 0 };
    for (const [s, runs] of bySecond) {
      const at = rows.map((r, i) => ({ r, i })).filter(({ r }) => r[time!] === s);
      const ai = at.filter(({ r }) => r[op!] === 'Auto-Invest Transaction');
      const fees = at.filter(
        ({ r }) => r[op!] === 'Transaction Fee' && r[coin!] === runs[0]!.transactionFeeUnit,
      );
      const sum = (xs: string[]): string => xs.reduce((a, b) => a.plus(b), new Decimal(0)).toString();
      const debits = sum(ai.filter(({ r }) => r[coin!] === runs[0]!.sourceAsset).map(({ r }) => r[change!]!));
      // Each target credited with what the API says it bought.
      for (const x of runs) {
        const credit = ai.find(({ r }) => r[coin!] === x.targetAsset);
        expect(
          credit && new Decimal(credit.r[change!]!).eq(x.targetAssetAmount),
          `${s} ${x.targetAsset}`,
        ).toBe(true);
      }
      const spent = sum(runs.map((x) => x.sourceAssetAmount));
      const fee = sum(runs.map((x) => x.transactionFee));
      if (fees.length > 0) {
        // One fee row per execution, right after its credit; the debits net of the fees.
        expect(fees.length, s).toBe(runs.length);
        expect(new Decimal(debits).negated().toString(), s).toBe(spent);
        expect(new Decimal(sum(fees.map(({ r }) => r[change!]!))).negated().toString(), s).toBe(fee);
        for (const { i } of fees) expect(rows[i - 1]![op!], s).toBe('Auto-Invest Transaction');
        styles.feeRows.push(s);
        if (runs.length > 1) portfolio.feeRows++;
      } else {
        expect(new Decimal(debits).negated().toString(), s).toBe(new Decimal(spent).plus(fee).toString());
        styles.folded.push(s);
        if (runs.length > 1) portfolio.folded++;
      }
    }
    // Both styles, single and portfolio runs in each; the fee rows are the recent period.
    expect(styles.feeRows.length).toBeGreaterThan(10);
    expect(styles.folded.length).toBeGreaterThan(10);
    expect(portfolio.feeRows).toBeGreaterThan(0);
    expect(portfolio.folded).toBeGreaterThan(0);
    expect(styles.folded.sort().at(-1)! < styles.feeRows.sort()[0]!).toBe(true);
    // Every Transaction Fee row of the statement in an Auto-Invest second is one of these.
    const aiSeconds = new Set(bySecond.keys());
    const feeRowsThere = rows.filter((r) => r[op!] === 'Transaction Fee' && aiSeconds.has(r[time!]!));
    expect(feeRowsThere.length).toBe(
      [...bySecond].filter(([s]) => styles.feeRows.includes(s)).reduce((n, [, runs]) => n + runs.length, 0),
    );
  });
});
