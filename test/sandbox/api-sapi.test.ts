/**
 * /sapi read endpoints (CONTRACT.md 4.7-4.20): windows (-6021), required params, paging styles,
 * envelopes, type drift, history limits (6 months, last 100 dust, after 2020-12-01).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { errorOf, signed, start } from './signed-client.js';

const DAY = 86_400_000;
let sandbox: SandboxHandle;
type Row = Record<string, unknown>;

beforeAll(async () => {
  sandbox = await start({
    profile: 'medium',
    seed: 5,
    quirks: { lockedDatesAsStrings: true, autoInvestListEnvelope: true },
  });
});
afterAll(async () => sandbox.close());

/** Walks [from, now] in windows of `span`, calling `fetchWindow` for each. */
async function walk(
  from: number,
  span: number,
  fetchWindow: (start: number, end: number) => Promise<Row[]>,
): Promise<Row[]> {
  const out: Row[] = [];
  for (let s = from; s <= Date.now(); s += span + 1)
    out.push(...(await fetchWindow(s, Math.min(s + span, Date.now()))));
  return out;
}

describe('capital deposit and withdraw history', () => {
  it('90-day windows with offset paging return every deposit; a wider window is -6021', async () => {
    const wide = await signed(sandbox, '/sapi/v1/capital/deposit/hisrec', {
      startTime: Date.now() - 90 * DAY,
      endTime: Date.now(),
    });
    expect(errorOf(wide)).toEqual({ code: -6021, msg: 'Query time range too large' });
    const got = await walk(sandbox.account.createdAt, 90 * DAY - 1, async (startTime, endTime) => {
      const rows: Row[] = [];
      for (let offset = 0; ; offset += 50) {
        const r = await signed(sandbox, '/sapi/v1/capital/deposit/hisrec', {
          startTime,
          endTime,
          offset,
          limit: 50,
        });
        const page = r.json as Row[];
        rows.push(...page);
        if (page.length < 50) break;
      }
      return rows;
    });
    expect(got.map((d) => d.id).sort()).toEqual(sandbox.account.deposits.map((d) => d.raw.id).sort());
    expect(got.some((d) => d.transferType === 1 && String(d.txId).startsWith('Internal transfer'))).toBe(
      true,
    );
    expect(typeof got[0]!.id).toBe('string');
  });

  it('withdraw history: applyTime strings, UID weight per second, 7-day window with withdrawOrderId', async () => {
    const r = await signed(sandbox, '/sapi/v1/capital/withdraw/history', {
      startTime: Date.now() - 89 * DAY,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-sapi-used-uid-weight-1s')).toBe('18000');
    for (const w of r.json as Row[]) expect(w.applyTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const narrow = await signed(sandbox, '/sapi/v1/capital/withdraw/history', {
      withdrawOrderId: 'x',
      startTime: Date.now() - 8 * DAY,
      endTime: Date.now(),
    });
    expect(errorOf(narrow).code).toBe(-6021);
  });
});

describe('convert tradeFlow', () => {
  it('requires both bounds, at most 30 days; orderId beyond 2^53 arrives as an exact JSON number', async () => {
    expect(
      errorOf(await signed(sandbox, '/sapi/v1/convert/tradeFlow', { startTime: Date.now() - DAY })).code,
    ).toBe(-1102);
    expect(
      errorOf(
        await signed(sandbox, '/sapi/v1/convert/tradeFlow', {
          startTime: Date.now() - 31 * DAY,
          endTime: Date.now(),
        }),
      ).code,
    ).toBe(-6021);
    const convert = sandbox.account.converts.find((c) => c.raw.createTime > sandbox.account.createdAt)!.raw;
    const r = await signed(sandbox, '/sapi/v1/convert/tradeFlow', {
      startTime: convert.createTime,
      endTime: convert.createTime + 30 * DAY,
      limit: 1,
    });
    // The two rejected calls above were charged too: weight is counted before validation.
    expect(r.headers.get('x-sapi-used-uid-weight-1m')).toBe('9000');
    const body = r.json as { list: Row[]; moreData: boolean };
    expect(r.text).toContain(`"orderId":${convert.orderId.toString()}`);
    expect(body.list[0]!.orderId).toBe(convert.orderId.toString());
    expect(typeof body.moreData).toBe('boolean');
  });
});

describe('dust log', () => {
  it('returns only the last 100 conversions and none before 2020-12-01', async () => {
    const r = await signed(sandbox, '/sapi/v1/asset/dribblet');
    const body = r.json as { total: number; userAssetDribblets: Row[] };
    expect(body.total).toBe(body.userAssetDribblets.length);
    expect(body.total).toBeLessThanOrEqual(100);
    expect(sandbox.account.dribblets.length).toBeGreaterThan(100);
    for (const d of body.userAssetDribblets)
      expect(d.operateTime as number).toBeGreaterThanOrEqual(Date.UTC(2020, 11, 1));
  });
});

describe('Simple Earn', () => {
  it('positions page with current/size; locked dates as strings under the drift flag', async () => {
    const r = await signed(sandbox, '/sapi/v1/simple-earn/locked/position', { size: 100 });
    expect(r.headers.get('x-sapi-used-ip-weight-1m')).toBe('150');
    const body = r.json as { rows: Row[]; total: number };
    expect(body.total).toBe(sandbox.account.lockedPositions.length);
    for (const p of body.rows) expect(typeof p.purchaseTime).toBe('string');
    expect(errorOf(await signed(sandbox, '/sapi/v1/simple-earn/flexible/position', { size: 101 })).code).toBe(
      -1130,
    );
  });

  it('history: 30-day windows, -6021 beyond; rewards filter by type, default ALL', async () => {
    const wide = await signed(sandbox, '/sapi/v1/simple-earn/flexible/history/rewardsRecord', {
      startTime: Date.now() - 31 * DAY,
      endTime: Date.now(),
    });
    expect(errorOf(wide).code).toBe(-6021);
    const all = await signed(sandbox, '/sapi/v1/simple-earn/flexible/history/rewardsRecord', { size: 100 });
    const realtime = await signed(sandbox, '/sapi/v1/simple-earn/flexible/history/rewardsRecord', {
      size: 100,
      type: 'REALTIME',
    });
    const a = all.json as { rows: Row[]; total: number };
    const b = realtime.json as { rows: Row[]; total: number };
    expect(a.total).toBeGreaterThan(0);
    expect(b.total).toBeLessThanOrEqual(a.total);
    expect(b.rows.every((x) => x.type === 'REALTIME')).toBe(true);
    const expected = sandbox.account.flexibleRewards.filter(
      (e) => e.raw.time >= Date.now() - 30 * DAY,
    ).length;
    expect(a.total).toBe(expected);
  });
});

describe('Auto-Invest', () => {
  it('plan list needs planType; history uses the {total,list} envelope under the flag', async () => {
    expect(errorOf(await signed(sandbox, '/sapi/v1/lending/auto-invest/plan/list')).code).toBe(-1102);
    const plans = await signed(sandbox, '/sapi/v1/lending/auto-invest/plan/list', { planType: 'SINGLE' });
    const list = (plans.json as { plans: Row[] }).plans;
    expect(list.length).toBeGreaterThan(0);
    expect(list[0]!.editAllowed === 'true' || list[0]!.editAllowed === 'false').toBe(true);
    const t = sandbox.account.autoInvestExecutions.at(-1)!.raw.transactionDateTime;
    const h = await signed(sandbox, '/sapi/v1/lending/auto-invest/history/list', {
      startTime: t - 29 * DAY,
      endTime: t,
      size: 100,
    });
    const body = h.json as { total: number; list: Row[] };
    expect(body.total).toBeGreaterThan(0);
    expect(body.list[0]!.flexibleUsed).toBe('false');
  });

  it('the bare-array envelope and `plan` name under the other flag', async () => {
    const s = await start({ quirks: { autoInvestListEnvelope: false } });
    try {
      const plans = await signed(s, '/sapi/v1/lending/auto-invest/plan/list', { planType: 'SINGLE' });
      expect(Array.isArray((plans.json as { plan: unknown }).plan)).toBe(true);
      const h = await signed(s, '/sapi/v1/lending/auto-invest/history/list');
      expect(Array.isArray(h.json)).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('P2P, fiat, dividends, universal transfers', () => {
  it('P2P: tradeType required, 30-day windows, nothing older than 6 months, code "000000" envelope', async () => {
    expect(errorOf(await signed(sandbox, '/sapi/v1/c2c/orderMatch/listUserOrderHistory')).code).toBe(-1102);
    let seen = 0;
    for (const tradeType of ['BUY', 'SELL']) {
      const rows = await walk(Date.now() - 400 * DAY, 30 * DAY, async (startTimestamp, endTimestamp) => {
        const r = await signed(sandbox, '/sapi/v1/c2c/orderMatch/listUserOrderHistory', {
          tradeType,
          startTimestamp,
          endTimestamp,
          rows: 100,
        });
        const body = r.json as { code: string; success: boolean; data: Row[]; total: number };
        expect(body.code).toBe('000000');
        return body.data;
      });
      for (const row of rows) expect(row.createTime as number).toBeGreaterThan(Date.now() - 183 * DAY);
      seen += rows.length;
    }
    const recent = sandbox.account.c2cOrders.filter((e) => e.routes.api).length;
    const old = sandbox.account.c2cOrders.filter((e) => !e.routes.api).length;
    expect(old).toBeGreaterThan(0);
    expect(seen).toBe(recent);
  });

  it('fiat: transactionType required, beginTime, payments omit data when total is 0', async () => {
    expect(errorOf(await signed(sandbox, '/sapi/v1/fiat/payments')).code).toBe(-1102);
    const empty = await signed(sandbox, '/sapi/v1/fiat/payments', {
      transactionType: 0,
      beginTime: 1_000,
      endTime: 2_000,
    });
    expect(empty.json).toEqual({ code: '000000', message: 'success', success: true, total: 0 });
    const all = await signed(sandbox, '/sapi/v1/fiat/payments', {
      transactionType: 0,
      beginTime: sandbox.account.createdAt,
      rows: 500,
    });
    expect((all.json as { total: number }).total).toBe(
      sandbox.account.fiatPayments.filter((p) => p.transactionType === 0).length,
    );
    const orders = await signed(sandbox, '/sapi/v1/fiat/orders', {
      transactionType: 0,
      beginTime: sandbox.account.createdAt,
      rows: 500,
    });
    expect(orders.headers.get('x-sapi-used-uid-weight-1m')).toBe('45000');
  });

  it('assetDividend: 180-day windows, limit up to 500', async () => {
    expect(
      errorOf(
        await signed(sandbox, '/sapi/v1/asset/assetDividend', {
          startTime: Date.now() - 181 * DAY,
          endTime: Date.now(),
        }),
      ).code,
    ).toBe(-6021);
    const r = await signed(sandbox, '/sapi/v1/asset/assetDividend', { limit: 500 });
    const body = r.json as { rows: Row[]; total: number };
    expect(body.rows.length).toBe(Math.min(500, body.total));
    expect(errorOf(await signed(sandbox, '/sapi/v1/asset/assetDividend', { limit: 501 })).code).toBe(-1130);
  });

  it('universal transfers: type required, last 6 months only', async () => {
    expect(errorOf(await signed(sandbox, '/sapi/v1/asset/transfer')).code).toBe(-1102);
    expect(errorOf(await signed(sandbox, '/sapi/v1/asset/transfer', { type: 'NOT_A_TYPE' })).code).toBe(
      -1130,
    );
    const none = await signed(sandbox, '/sapi/v1/asset/transfer', { type: 'MAIN_UMFUTURE' });
    expect(none.json).toEqual({ rows: [], total: 0 });
    const old = await signed(sandbox, '/sapi/v1/asset/transfer', {
      type: 'MAIN_FUNDING',
      startTime: sandbox.account.createdAt,
      size: 100,
    });
    const rows = ((old.json as { rows?: Row[] }).rows ?? []) as Row[];
    for (const row of rows) expect(row.timestamp as number).toBeGreaterThan(Date.now() - 183 * DAY);
  });

  it('isolated-margin types: the symbol of each isolated side is required and selects its rows', async () => {
    const required: Array<[string, Record<string, string>, string]> = [
      ['MAIN_ISOLATED_MARGIN', {}, 'toSymbol'],
      ['ISOLATED_MARGIN_MAIN', {}, 'fromSymbol'],
      ['MARGIN_ISOLATEDMARGIN', {}, 'toSymbol'],
      ['ISOLATEDMARGIN_MARGIN', {}, 'fromSymbol'],
      ['ISOLATEDMARGIN_ISOLATEDMARGIN', { fromSymbol: 'BTCUSDT' }, 'toSymbol'],
      ['ISOLATEDMARGIN_ISOLATEDMARGIN', { toSymbol: 'BTCUSDT' }, 'fromSymbol'],
    ];
    for (const [type, extra, missing] of required)
      expect(errorOf(await signed(sandbox, '/sapi/v1/asset/transfer', { type, ...extra }))).toEqual({
        code: -1102,
        msg: `Mandatory parameter '${missing}' was not sent, was empty/null, or malformed.`,
      });

    const isolated = sandbox.account.universalTransfers.filter((e) => e.fromSymbol || e.toSymbol);
    const types = new Set(isolated.map((e) => e.raw.type));
    for (const t of [
      'MAIN_ISOLATED_MARGIN',
      'ISOLATED_MARGIN_MAIN',
      'MARGIN_ISOLATEDMARGIN',
      'ISOLATEDMARGIN_MARGIN',
      'ISOLATEDMARGIN_ISOLATEDMARGIN',
    ])
      expect(types.has(t), t).toBe(true);
    const listed = sandbox.account.symbols.filter((s) => s.listed).map((s) => s.symbol);
    for (const e of isolated) {
      const window = { startTime: e.raw.timestamp - DAY, endTime: e.raw.timestamp + DAY, size: 100 };
      const symbols = {
        ...(e.fromSymbol ? { fromSymbol: e.fromSymbol } : {}),
        ...(e.toSymbol ? { toSymbol: e.toSymbol } : {}),
      };
      const hit = (
        await signed(sandbox, '/sapi/v1/asset/transfer', { type: e.raw.type, ...symbols, ...window })
      ).json as { rows: Row[]; total: number };
      expect(hit.rows.map((r) => r.tranId)).toContain(e.raw.tranId);
      // Rows carry no symbol (the swagger's row shape).
      for (const r of hit.rows)
        expect(Object.keys(r).sort()).toEqual(['amount', 'asset', 'status', 'timestamp', 'tranId', 'type']);
      // Another isolated account on either side: not its rows.
      const other = listed.find((s) => s !== e.fromSymbol && s !== e.toSymbol)!;
      for (const side of Object.keys(symbols)) {
        const miss = (
          await signed(sandbox, '/sapi/v1/asset/transfer', {
            type: e.raw.type,
            ...symbols,
            [side]: other,
            ...window,
          })
        ).json as { rows: Row[] };
        expect(miss.rows.map((r) => r.tranId)).not.toContain(e.raw.tranId);
      }
    }
    // Older than 6 months is out of reach for these types too (the round trips are within it).
    for (const e of isolated) expect(e.raw.timestamp).toBeGreaterThan(Date.now() - 182 * DAY);
  });

  it('account status, funding and user assets', async () => {
    expect((await signed(sandbox, '/sapi/v1/account/status')).json).toEqual({ data: 'Normal' });
    const funding = await signed(sandbox, '/sapi/v1/asset/get-funding-asset', {}, { body: {} });
    expect((funding.json as Row[]).length).toBe(sandbox.account.funding.length);
    const user = await signed(sandbox, '/sapi/v3/asset/getUserAsset', {}, { body: { asset: 'BTC' } });
    expect((user.json as Row[]).every((x) => x.asset === 'BTC')).toBe(true);
  });
});
