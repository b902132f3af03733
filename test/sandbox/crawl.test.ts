/**
 * A whole-account crawl of the /sapi history surfaces through the signed API, walking each endpoint's
 * windows and pages as CONTRACT.md documents them; the ids it collects equal, kind by kind, the truth
 * records whose routes include `api` (and nothing the API must not reach leaks out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxTruthRecords, type SandboxHandle, type SandboxTruthRecord } from '../../sandbox/index.js';
import { signed, start } from './signed-client.js';

const DAY = 86_400_000;
type Row = Record<string, unknown>;
let sandbox: SandboxHandle;
let truth: SandboxTruthRecord[];

beforeAll(async () => {
  // Windows of 10 ms: the crawl is never rate-limited, so it can walk 8 years of 30-day windows quickly.
  sandbox = await start({ profile: 'small', seed: 31, limitWindowMs: 10 });
  truth = [...sandboxTruthRecords(sandbox.account)];
});
afterAll(async () => sandbox.close());

function expectedIds(kind: string, prefix = ''): string[] {
  return truth
    .filter((r) => r.kind === kind && r.routes.includes('api') && r.id.startsWith(prefix))
    .map((r) => r.id)
    .sort();
}

/** Calls `fetchWindow` over [from, now] in windows of `span` ms. */
async function windows(
  span: number,
  fetchWindow: (start: number, end: number) => Promise<Row[]>,
): Promise<Row[]> {
  const out: Row[] = [];
  const now = Date.now();
  for (let s = sandbox.account.createdAt - DAY; s <= now; s += span + 1)
    out.push(...(await fetchWindow(s, Math.min(s + span, now))));
  return out;
}

async function get(path: string, params: Record<string, string | number>): Promise<unknown> {
  const r = await signed(sandbox, path, params);
  expect(r.status, `${path} ${JSON.stringify(params)}: ${r.text.slice(0, 200)}`).toBe(200);
  return r.json;
}

/** current/size paging inside one window, until `total` is reached. */
async function rowsPaged(path: string, params: Record<string, string | number>): Promise<Row[]> {
  const rows: Row[] = [];
  for (let current = 1; ; current++) {
    const body = (await get(path, { ...params, current, size: 100 })) as { rows: Row[]; total: number };
    rows.push(...body.rows);
    if (rows.length >= body.total || body.rows.length === 0) return rows;
  }
}

const sorted = (ids: string[]): string[] => [...ids].sort();

describe('crawling /sapi reaches exactly the api-routed truth', () => {
  it('withdrawals (90-day windows, offset paging)', async () => {
    const rows = await windows(90 * DAY - 1, async (startTime, endTime) => {
      const out: Row[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = (await get('/sapi/v1/capital/withdraw/history', {
          startTime,
          endTime,
          offset,
          limit: 1000,
        })) as Row[];
        out.push(...page);
        if (page.length < 1000) return out;
      }
    });
    expect(sorted(rows.map((r) => `withdrawal:${r.id as string}`))).toEqual(
      expectedIds('transfer', 'withdrawal:'),
    );
  });

  it('converts (30-day windows, both bounds, moreData)', async () => {
    const rows = await windows(30 * DAY, async (startTime, endTime) => {
      const body = (await get('/sapi/v1/convert/tradeFlow', { startTime, endTime, limit: 1000 })) as {
        list: Row[];
        moreData: boolean;
      };
      expect(body.moreData).toBe(false);
      return body.list;
    });
    // Lossless parsing kept the big orderIds as exact digit strings.
    expect(sorted(rows.map((r) => String(r.orderId)))).toEqual(expectedIds('conversion'));
  });

  it('dust (one call: the last 100 after 2020-12-01)', async () => {
    const body = (await get('/sapi/v1/asset/dribblet', {})) as {
      userAssetDribblets: Array<{ userAssetDribbletDetails: Row[] }>;
    };
    const ids = body.userAssetDribblets.flatMap((g) =>
      g.userAssetDribbletDetails.map((d) => String(d.transId)),
    );
    expect(sorted(ids)).toEqual(expectedIds('dust'));
  });

  it('Simple Earn subscriptions, redemptions and rewards (30-day windows, current/size)', async () => {
    const base = '/sapi/v1/simple-earn';
    const flexSubs = await windows(30 * DAY, (startTime, endTime) =>
      rowsPaged(`${base}/flexible/history/subscriptionRecord`, { startTime, endTime }),
    );
    const lockSubs = await windows(30 * DAY, (startTime, endTime) =>
      rowsPaged(`${base}/locked/history/subscriptionRecord`, { startTime, endTime }),
    );
    expect(
      sorted([
        ...flexSubs.map((r) => `flexible:${r.purchaseId as string}`),
        ...lockSubs.map((r) => `locked:${r.purchaseId as string}`),
      ]),
    ).toEqual(expectedIds('earn_subscription'));
    const flexRed = await windows(30 * DAY, (startTime, endTime) =>
      rowsPaged(`${base}/flexible/history/redemptionRecord`, { startTime, endTime }),
    );
    const lockRed = await windows(30 * DAY, (startTime, endTime) =>
      rowsPaged(`${base}/locked/history/redemptionRecord`, { startTime, endTime }),
    );
    expect(
      sorted([
        ...flexRed.map((r) => `flexible:${r.redeemId as string}`),
        ...lockRed.map((r) => `locked:${r.redeemId as string}`),
      ]),
    ).toEqual(expectedIds('earn_redemption'));
    const flexRew = await windows(30 * DAY, (startTime, endTime) =>
      rowsPaged(`${base}/flexible/history/rewardsRecord`, { startTime, endTime, type: 'ALL' }),
    );
    const lockRew = await windows(30 * DAY, (startTime, endTime) =>
      rowsPaged(`${base}/locked/history/rewardsRecord`, { startTime, endTime }),
    );
    const ids = [
      ...flexRew.map(
        (r) =>
          `flexible:${r.type as string}:${r.asset as string}:${r.time as number}:${r.projectId as string}`,
      ),
      ...lockRew.map(
        (r) => `locked:${r.type as string}:${r.asset as string}:${r.time as number}:${String(r.positionId)}`,
      ),
    ];
    expect(sorted(ids)).toEqual(expectedIds('earn_reward'));
  });

  it('Auto-Invest executions, P2P, fiat, dividends, universal transfers', async () => {
    const ai = await windows(30 * DAY, async (startTime, endTime) => {
      const out: Row[] = [];
      for (let current = 1; ; current++) {
        const body = (await get('/sapi/v1/lending/auto-invest/history/list', {
          startTime,
          endTime,
          current,
          size: 100,
        })) as Row[] | { list: Row[] };
        const page = Array.isArray(body) ? body : body.list;
        out.push(...page);
        if (page.length < 100) return out;
      }
    });
    expect(sorted(ai.map((r) => String(r.id)))).toEqual(expectedIds('autoinvest_execution'));

    const p2p: Row[] = [];
    for (const tradeType of ['BUY', 'SELL'])
      p2p.push(
        ...(await windows(30 * DAY, async (startTimestamp, endTimestamp) => {
          const out: Row[] = [];
          for (let page = 1; ; page++) {
            const body = (await get('/sapi/v1/c2c/orderMatch/listUserOrderHistory', {
              tradeType,
              startTimestamp,
              endTimestamp,
              page,
              rows: 100,
            })) as { data: Row[] };
            out.push(...body.data);
            if (body.data.length < 100) return out;
          }
        })),
      );
    expect(sorted(p2p.map((r) => r.orderNumber as string))).toEqual(expectedIds('p2p_order'));

    const fiat: string[] = [];
    for (const [path, prefix] of [
      ['/sapi/v1/fiat/orders', 'fiat'],
      ['/sapi/v1/fiat/payments', 'payment'],
    ] as const)
      for (const transactionType of [0, 1]) {
        const body = (await get(path, {
          transactionType,
          beginTime: sandbox.account.createdAt - DAY,
          endTime: Date.now(),
          rows: 500,
        })) as { data?: Row[] };
        fiat.push(...(body.data ?? []).map((r) => `${prefix}:${r.orderNo as string}`));
      }
    expect(sorted(fiat)).toEqual(expectedIds('fiat_transfer'));

    const dividends = await windows(180 * DAY, async (startTime, endTime) => {
      const body = (await get('/sapi/v1/asset/assetDividend', { startTime, endTime, limit: 500 })) as {
        rows: Row[];
        total: number;
      };
      expect(body.rows.length).toBe(body.total);
      return body.rows;
    });
    expect(sorted(dividends.map((r) => String(r.id)))).toEqual(expectedIds('dividend'));

    const transfers: Row[] = [];
    // Isolated-margin types are asked per isolated account (fromSymbol/toSymbol, CONTRACT.md §4.20).
    const queries = new Map<string, Record<string, string>>();
    for (const e of sandbox.account.universalTransfers) {
      const q = {
        type: e.raw.type,
        ...(e.fromSymbol ? { fromSymbol: e.fromSymbol } : {}),
        ...(e.toSymbol ? { toSymbol: e.toSymbol } : {}),
      };
      queries.set(JSON.stringify(q), q);
    }
    expect([...queries.values()].some((q) => q.type === 'MAIN_ISOLATED_MARGIN')).toBe(true);
    for (const q of queries.values())
      transfers.push(
        ...(await rowsPaged('/sapi/v1/asset/transfer', {
          ...q,
          startTime: sandbox.account.createdAt,
          endTime: Date.now(),
        })),
      );
    expect(sorted(transfers.map((r) => `wallet:${r.tranId as number}`))).toEqual(
      expectedIds('transfer', 'wallet:'),
    );
  });
});

describe('balances and positions through the API equal the truth snapshot', () => {
  it('spot (without LD* mirrors), funding, Earn flexible and locked', async () => {
    const got = new Map<string, string>();
    const add = (wallet: string, asset: string, free: string, locked = '0'): void => {
      const canon = (x: string): string =>
        (x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x).replace(/^$/, '0');
      if (canon(free) === '0' && canon(locked) === '0') return;
      got.set(`${wallet}:${asset}`, `${canon(free)}|${canon(locked)}`);
    };
    const account = (await get('/api/v3/account', { omitZeroBalances: 'true' })) as {
      balances: Array<{ asset: string; free: string; locked: string }>;
    };
    const mirrors = new Map<string, string>();
    for (const b of account.balances) {
      if (b.asset.startsWith('LD') && b.asset !== 'LDO') mirrors.set(b.asset.slice(2), b.free);
      else add('spot', b.asset, b.free, b.locked);
    }
    const funding = (await signed(sandbox, '/sapi/v1/asset/get-funding-asset', {}, { body: {} }))
      .json as Array<{ asset: string; free: string }>;
    for (const f of funding) add('funding', f.asset, f.free);
    const flex = await rowsPaged('/sapi/v1/simple-earn/flexible/position', {});
    for (const p of flex) {
      add('earn_flexible', p.asset as string, p.totalAmount as string);
      // The LD mirror in spot equals the flexible position.
      expect(mirrors.get(p.asset as string)).toBe(p.totalAmount);
    }
    expect(mirrors.size).toBe(flex.length);
    const lockedTotals = new Map<string, number>();
    const locked = await rowsPaged('/sapi/v1/simple-earn/locked/position', {});
    for (const p of locked)
      lockedTotals.set(
        p.asset as string,
        (lockedTotals.get(p.asset as string) ?? 0) + Math.round(Number(p.amount) * 1e8),
      );
    for (const [asset, units] of lockedTotals) add('earn_locked', asset, (units / 1e8).toFixed(8));
    const expected = new Map(
      truth
        .filter((r): r is Extract<SandboxTruthRecord, { kind: 'balance' }> => r.kind === 'balance')
        .map((r) => [r.id, `${r.free}|${r.locked}`]),
    );
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));
    const positions = truth
      .filter((r) => r.kind === 'earn_position')
      .map((r) => r.id)
      .sort();
    expect(
      sorted([
        ...flex.map((p) => `flexible:${p.productId as string}`),
        ...locked.map((p) => `locked:${String(p.positionId)}`),
      ]),
    ).toEqual(positions);
  });
});
