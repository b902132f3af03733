/**
 * GET /sapi/v1/accountSnapshot (CONTRACT.md 4.21): the parameter rules and errors, the [SWG] shape, and
 * SPOT snapshots that agree with the account's history: each day's balances equal the sum of the spot
 * effects of the truth's records up to that instant, computed by the ledger's own balance rules (an
 * implementation independent of the sandbox's), and the newest equals /api/v3/account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDecimals, canonicalDecimal } from '../../core/index.js';
import { balanceEffects } from '../../ledger/index.js';
import type { AccountRecord } from '../../schemas/index.js';
import type { SandboxHandle } from '../../sandbox/index.js';
import { spotBalancesAt } from '../../sandbox/data/spot-history.js';
import { errorOf, signed as signedNow, start, type Reply } from './signed-client.js';

const PATH = '/sapi/v1/accountSnapshot';
const DAY = 86_400_000;

interface SpotSnapshot {
  data: { balances: Array<{ asset: string; free: string; locked: string }>; totalAssetOfBtc: string };
  type: string;
  updateTime: number;
}
type SnapshotBody = { code: number; msg: string; snapshotVos: SpotSnapshot[] };

/** A "minute" of 100 ms: 2400 of the endpoint's 12000 per window, so each call gets a window of its own. */
const WINDOW_MS = 100;

/** A signed call at the start of a fresh rate-limit window. */
async function signed(...args: Parameters<typeof signedNow>): Promise<Reply> {
  await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 2));
  return signedNow(...args);
}

let s: SandboxHandle;
beforeAll(async () => {
  // The default asOf (today 00:00 UTC): the last month of the account is recent history.
  s = await start({ profile: 'small', limitWindowMs: WINDOW_MS });
});
afterAll(() => s.close());

describe('accountSnapshot', () => {
  it('rejects bad parameters as the contract says', async () => {
    const now = Date.now();
    const code = async (params: Record<string, string | number>): Promise<number> =>
      errorOf(await signed(s, PATH, params)).code;
    expect(await code({})).toBe(-1102);
    expect(await code({ type: 'EARN' })).toBe(-1130);
    expect(await code({ type: 'SPOT', limit: 6 })).toBe(-1130);
    expect(await code({ type: 'SPOT', limit: 31 })).toBe(-1130);
    // "The query time period must be less than 30 days".
    expect(await code({ type: 'SPOT', startTime: now - 30 * DAY, endTime: now })).toBe(-6021);
    const ok = await signed(s, PATH, { type: 'SPOT', startTime: now - 30 * DAY + 1, endTime: now });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-sapi-used-ip-weight-1m')).toBe('2400');
  });

  it('by default: the last 7 days, one snapshot at 23:59:59 UTC of each, oldest first', async () => {
    const body = (await signed(s, PATH, { type: 'SPOT' })).json as unknown as SnapshotBody;
    expect(body.code).toBe(200);
    expect(body.msg).toBe('');
    const yesterdayEnd = Math.floor(Date.now() / DAY) * DAY - 1000;
    expect(body.snapshotVos.map((v) => v.updateTime)).toEqual(
      Array.from({ length: 7 }, (_, i) => yesterdayEnd - (6 - i) * DAY),
    );
    for (const v of body.snapshotVos) {
      expect(v.type).toBe('spot');
      expect(v.data.totalAssetOfBtc).toMatch(/^\d+\.\d{8}$/);
      expect(Number(v.data.totalAssetOfBtc)).toBeGreaterThan(0);
    }
    // MARGIN and FUTURES: the account has neither, and gets an empty list.
    for (const type of ['MARGIN', 'FUTURES'])
      expect((await signed(s, PATH, { type })).json).toEqual({ code: 200, msg: '', snapshotVos: [] });
  });

  it('limit and the last month: startTime gives the oldest snapshots from it, never older than a month', async () => {
    const now = Date.now();
    const from = (await signed(s, PATH, { type: 'SPOT', startTime: now - 29 * DAY, limit: 10 }))
      .json as unknown as SnapshotBody;
    expect(from.snapshotVos).toHaveLength(10);
    expect(from.snapshotVos[0]!.updateTime).toBeGreaterThanOrEqual(now - 29 * DAY);
    expect(from.snapshotVos[0]!.updateTime).toBeLessThan(now - 28 * DAY);
    const old = (await signed(s, PATH, { type: 'SPOT', startTime: now - 60 * DAY, endTime: now - 35 * DAY }))
      .json as unknown as SnapshotBody;
    expect(old.snapshotVos).toEqual([]);
  });

  it('each day equals the history up to it (ledger balance rules over the truth); the newest equals the account', async () => {
    const now = Date.now();
    const body = (
      await signed(s, PATH, { type: 'SPOT', startTime: now - 30 * DAY + 1, endTime: now, limit: 30 })
    ).json as unknown as SnapshotBody;
    expect(body.snapshotVos.length).toBeGreaterThanOrEqual(29);
    const records = (await (await fetch(`${s.adminUrl}/truth`)).text())
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as AccountRecord & { time?: number });
    // The model's deposit record does not say which wallet it credited (the ledger credits spot); the raw
    // row's walletType does: Funding deposits are not in a SPOT snapshot.
    const fundingDeposits = new Set(
      s.account.deposits.filter((d) => d.raw.walletType === 1).map((d) => `deposit:${d.raw.id}`),
    );
    expect(fundingDeposits.size).toBeGreaterThan(0);
    const distinct = new Set<string>();
    // Snapshots come oldest first: add the records' spot effects in time order up to each one.
    const ordered = records
      .filter((r) => r.time !== undefined && !fundingDeposits.has(r.id))
      .sort((a, b) => a.time! - b.time!);
    const expected = new Map<string, string>();
    let next = 0;
    for (const v of body.snapshotVos) {
      for (; next < ordered.length && ordered[next]!.time! <= v.updateTime; next++)
        for (const e of balanceEffects(ordered[next]!))
          if (e.wallet === 'spot') expected.set(e.asset, addDecimals(expected.get(e.asset) ?? '0', e.delta));
      const want = [...expected]
        .map(([a, d]) => [a, canonicalDecimal(d)])
        .filter(([, d]) => d !== '0')
        .sort(([a], [b]) => (a! < b! ? -1 : 1));
      const got = v.data.balances.map((b) => [b.asset, canonicalDecimal(addDecimals(b.free, b.locked))]);
      expect(got, new Date(v.updateTime).toISOString()).toEqual(want);
      distinct.add(JSON.stringify(got));
    }
    // The month saw activity: a test over identical days would prove little.
    expect(distinct.size).toBeGreaterThan(1);
    const account = (await signed(s, '/api/v3/account', { omitZeroBalances: 'true' })).json as unknown as {
      balances: Array<{ asset: string; free: string; locked: string }>;
    };
    const newest = body.snapshotVos.at(-1)!.data.balances;
    expect(newest.map((b) => [b.asset, canonicalDecimal(b.free), canonicalDecimal(b.locked)])).toEqual(
      account.balances
        .filter((b) => !b.asset.startsWith('LD') || b.asset === 'LDO')
        .map((b) => [b.asset, canonicalDecimal(b.free), canonicalDecimal(b.locked)])
        .sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
  });

  it('undoing every record from the final balances leaves nothing before the account existed', () => {
    const before = spotBalancesAt(s.account, [s.account.createdAt - 1]).get(s.account.createdAt - 1)!;
    expect([...before]).toEqual([]);
  });
});
