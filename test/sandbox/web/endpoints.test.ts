/**
 * Every private endpoint of the web app over plain HTTP: the envelope, page/rows paging with `total`,
 * filters, parameter errors, unknown paths and methods. Written from sandbox/web/README.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_API_PATHS } from '../../../sandbox/web/index.js';
import { loggedIn, startWeb, type Envelope, type RunningWeb, type WebClient } from './web-harness.js';

type Row = Record<string, unknown>;

interface ListSpec {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  maxRows: number;
  timeField: string;
  /** Names of the time-bound params. */
  bounds: [string, string];
  /** Fields every row has, with their JSON type. */
  fields: Record<string, 'string' | 'number' | 'boolean'>;
  /** A field whose value identifies the row. */
  key: (row: Row) => string;
}

const LISTS: ListSpec[] = [
  {
    name: 'trade history',
    method: 'POST',
    path: WEB_API_PATHS.tradeHistory,
    maxRows: 1000,
    timeField: 'time',
    bounds: ['startTime', 'endTime'],
    fields: {
      id: 'number',
      tradeId: 'number',
      orderId: 'number',
      time: 'number',
      symbol: 'string',
      baseAsset: 'string',
      quoteAsset: 'string',
      side: 'string',
      price: 'string',
      qty: 'string',
      totalQuota: 'string',
      fee: 'string',
      feeAsset: 'string',
      realPnl: 'string',
      activeBuy: 'boolean',
    },
    key: (r) => `${String(r['symbol'])}:${String(r['tradeId'])}`,
  },
  {
    name: 'convert history (v1, GET)',
    method: 'GET',
    path: WEB_API_PATHS.convertHistoryV1,
    maxRows: 100,
    timeField: 'createTimestamp',
    bounds: ['startTime', 'endTime'],
    fields: {
      orderId: 'string',
      quoteId: 'string',
      orderStatus: 'string',
      fromCoin: 'string',
      fromCoinAmount: 'string',
      toCoin: 'string',
      toCoinAmount: 'string',
      quotePrice: 'string',
      inversePrice: 'string',
      spreadCoin: 'string',
      spreadAmount: 'string',
      createTimestamp: 'number',
      updateTimestamp: 'number',
      walletType: 'string',
      tradeMode: 'string',
    },
    key: (r) => String(r['orderId']),
  },
  {
    name: 'P2P history',
    method: 'POST',
    path: WEB_API_PATHS.p2pHistory,
    maxRows: 100,
    timeField: 'createTime',
    bounds: ['startDate', 'endDate'],
    fields: {
      orderNumber: 'string',
      advNo: 'string',
      tradeType: 'string',
      asset: 'string',
      fiatUnit: 'string',
      amount: 'string',
      totalPrice: 'string',
      price: 'string',
      commission: 'string',
      orderStatus: 'string',
      createTime: 'number',
      advertisementRole: 'string',
    },
    key: (r) => String(r['orderNumber']),
  },
  {
    name: 'Earn reward history',
    method: 'POST',
    path: WEB_API_PATHS.earnRewards,
    maxRows: 100,
    timeField: 'time',
    bounds: ['startTime', 'endTime'],
    fields: {
      time: 'number',
      productType: 'string',
      productId: 'string',
      asset: 'string',
      amount: 'string',
      rewardType: 'string',
    },
    key: (r) =>
      `${String(r['productType'])}:${String(r['rewardType'])}:${String(r['asset'])}:${String(r['time'])}:${String(r['positionId'] ?? r['productId'])}`,
  },
  {
    name: 'transaction history',
    method: 'POST',
    path: WEB_API_PATHS.transactionHistory,
    maxRows: 100,
    timeField: 'time',
    bounds: ['startTime', 'endTime'],
    fields: {
      id: 'string',
      time: 'number',
      account: 'string',
      operation: 'string',
      coin: 'string',
      change: 'string',
      remark: 'string',
    },
    key: (r) => String(r['id']),
  },
  {
    name: 'dust log',
    method: 'POST',
    path: WEB_API_PATHS.dustLog,
    maxRows: 100,
    timeField: 'operateTime',
    bounds: ['startTime', 'endTime'],
    fields: {
      tranId: 'number',
      operateTime: 'number',
      targetAsset: 'string',
      fromAssets: 'string',
      totalTransferedAmount: 'string',
      totalServiceChargeAmount: 'string',
    },
    key: (r) => String(r['tranId']),
  },
];

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

describe('sandbox web app: private endpoints', () => {
  let web: RunningWeb;
  let client: WebClient;
  beforeAll(async () => {
    web = await startWeb();
    client = await loggedIn(web);
  });
  afterAll(() => web.close());

  const call = (
    spec: ListSpec,
    params: Record<string, string | number>,
  ): Promise<{ status: number; body: Envelope; text: string }> =>
    spec.method === 'GET' ? client.get(spec.path, params) : client.post(spec.path, params);

  describe.each(LISTS)('$name', (spec) => {
    it('answers the success envelope with typed rows, newest first', async () => {
      const { status, body } = await call(spec, { page: 1, rows: 50 });
      expect(status).toBe(200);
      expect(Object.keys(body)).toEqual(['code', 'message', 'messageDetail', 'data', 'total', 'success']);
      expect(body).toMatchObject({ code: '000000', message: null, messageDetail: null, success: true });
      const rows = body.data as Row[];
      expect(rows.length).toBeGreaterThan(0);
      expect(body.total).toBeGreaterThanOrEqual(rows.length);
      for (const row of rows) {
        for (const [field, type] of Object.entries(spec.fields))
          expect(typeof row[field], `${field}`).toBe(type);
        for (const [field, type] of Object.entries(spec.fields)) {
          if (
            type === 'string' &&
            /amount|price|qty|fee|change|commission|quota|rewards|pnl/i.test(field) &&
            field !== 'feeAsset'
          ) {
            expect(row[field] as string, field).toMatch(DECIMAL);
          }
        }
      }
      const times = rows.map((r) => r[spec.timeField] as number);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(times.every((t) => Number.isInteger(t) && t > Date.UTC(2015, 0, 1))).toBe(true);
    });

    it('pages with page/rows: pages are disjoint, cover total, and past the end is empty', async () => {
      const first = await call(spec, { page: 1, rows: spec.maxRows });
      const total = first.body.total as number;
      const all: string[] = [];
      const rows = Math.min(spec.maxRows, Math.max(1, Math.ceil(total / 4)));
      for (let page = 1; (page - 1) * rows < total; page++) {
        const res = await call(spec, { page, rows });
        expect(res.body.total).toBe(total);
        all.push(...(res.body.data as Row[]).map(spec.key));
      }
      expect(all.length).toBe(total);
      expect(new Set(all).size).toBe(total);
      const past = await call(spec, { page: Math.ceil(total / rows) + 1, rows });
      expect(past.body).toMatchObject({ code: '000000', data: [], total });
      // Default page size is 10.
      const dflt = await call(spec, {});
      expect((dflt.body.data as Row[]).length).toBe(Math.min(10, total));
    });

    it('filters by the time window (bounds inclusive)', async () => {
      const all = (await call(spec, { page: 1, rows: spec.maxRows })).body.data as Row[];
      const times = all.map((r) => r[spec.timeField] as number).sort((a, b) => a - b);
      const from = times[Math.floor(times.length / 4)] as number;
      const to = times[Math.floor((times.length * 3) / 4)] as number;
      const res = await call(spec, {
        page: 1,
        rows: spec.maxRows,
        [spec.bounds[0]]: from,
        [spec.bounds[1]]: to,
      });
      const got = res.body.data as Row[];
      expect(got.length).toBe(times.filter((t) => t >= from && t <= to).length);
      expect(res.body.total).toBe(got.length);
      const bad = await call(spec, { [spec.bounds[0]]: to + 1, [spec.bounds[1]]: from });
      if (to + 1 > from) expect(bad.body).toMatchObject({ code: '000002', success: false });
    });

    it.each([
      ['page 0', { page: 0 }],
      ['negative page', { page: -1 }],
      ['rows over the maximum', { rows: 'MAX+1' }],
      ['rows 0', { rows: 0 }],
      ['page not a number', { page: 'two' }],
      ['fractional rows', { rows: 1.5 }],
      ['start time not a number', { startTime: 'yesterday', startDate: 'yesterday' }],
    ])('rejects %s with 000002', async (_name, params) => {
      const p = Object.fromEntries(
        Object.entries(params).map(([k, v]) => [k, v === 'MAX+1' ? spec.maxRows + 1 : v]),
      ) as Record<string, string | number>;
      const res = await call(spec, p);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: '000002', success: false, data: null });
      expect(res.body.message).toMatch(/Illegal parameter/);
    });
  });

  it('trade history lists every symbol by default and filters by base, quote and direction', async () => {
    const all = (
      await client.post(WEB_API_PATHS.tradeHistory, { page: 1, rows: 1000, baseAsset: '', quoteAsset: '' })
    ).body;
    const rows = all.data as Row[];
    const symbols = new Set(rows.map((r) => r['symbol']));
    expect(symbols.size).toBeGreaterThan(3);
    const sample = rows[0] as Row;
    const base = (
      await client.post(WEB_API_PATHS.tradeHistory, { rows: 1000, baseAsset: sample['baseAsset'] as string })
    ).body.data as Row[];
    expect(base.length).toBe(rows.filter((r) => r['baseAsset'] === sample['baseAsset']).length);
    const quote = (
      await client.post(WEB_API_PATHS.tradeHistory, {
        rows: 1000,
        quoteAsset: sample['quoteAsset'] as string,
        direction: 'SELL',
      })
    ).body.data as Row[];
    expect(quote.length).toBe(
      rows.filter((r) => r['quoteAsset'] === sample['quoteAsset'] && r['side'] === 'SELL').length,
    );
    expect((await client.post(WEB_API_PATHS.tradeHistory, { direction: 'UP' })).body.code).toBe('000002');
    // Every JSON number in the answer is within 2^53 (ids the page script could not hold are strings).
    for (const r of rows)
      for (const k of ['id', 'tradeId', 'orderId', 'time']) expect(Number.isSafeInteger(r[k])).toBe(true);
  });

  it('Convert ids beyond 2^53 are strings with every digit', async () => {
    const res = await client.get(WEB_API_PATHS.convertHistoryV1, { page: 1, rows: 100 });
    for (const r of res.body.data as Row[]) {
      expect(r['orderId']).toMatch(/^\d{18,}$/);
      expect(res.text).toContain(`"orderId":"${String(r['orderId'])}"`);
    }
  });

  it('transaction history filters by coin and account', async () => {
    const all = (await client.post(WEB_API_PATHS.transactionHistory, { rows: 100 })).body;
    const total = all.total as number;
    let sum = 0;
    for (const account of ['Spot', 'Funding', 'Earn']) {
      const res = await client.post(WEB_API_PATHS.transactionHistory, { rows: 100, account });
      for (const r of res.body.data as Row[]) expect(r['account']).toBe(account);
      sum += res.body.total as number;
    }
    expect(sum).toBe(total);
    const btc = await client.post(WEB_API_PATHS.transactionHistory, { rows: 100, coin: 'BTC' });
    expect((btc.body.data as Row[]).every((r) => r['coin'] === 'BTC')).toBe(true);
    expect(btc.body.total).toBeGreaterThan(0);
    expect((await client.post(WEB_API_PATHS.transactionHistory, { account: 'Margin' })).body.code).toBe(
      '000002',
    );
  });

  it('Earn positions list flexible and locked positions; product detail answers for each', async () => {
    const res = await client.post(WEB_API_PATHS.earnPositions, { page: 1, rows: 100 });
    expect(res.body).toMatchObject({ code: '000000', success: true });
    const rows = res.body.data as Row[];
    expect(rows.some((r) => r['productType'] === 'FLEXIBLE')).toBe(true);
    for (const r of rows) {
      expect(r['amount']).toMatch(DECIMAL);
      const detail = await client.post(WEB_API_PATHS.earnProduct, { productId: r['productId'] });
      expect(detail.body).toMatchObject({
        code: '000000',
        success: true,
        data: { productId: r['productId'], productType: r['productType'], asset: r['asset'] },
      });
      expect(detail.body.total).toBeUndefined();
    }
    const flexible = await client.post(WEB_API_PATHS.earnPositions, { productType: 'FLEXIBLE', rows: 100 });
    expect((flexible.body.data as Row[]).every((r) => r['productType'] === 'FLEXIBLE')).toBe(true);
    const missing = await client.post(WEB_API_PATHS.earnProduct, { productId: 'NOPE001' });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ code: '351001', success: false, data: null });
    expect((await client.post(WEB_API_PATHS.earnProduct, {})).body.code).toBe('000002');
  });

  it('user detail masks the email', async () => {
    const res = await client.post(WEB_API_PATHS.userDetail, {});
    expect(res.body.data).toMatchObject({ userId: String(web.account.uid) });
    const email = (res.body.data as { email: string }).email;
    expect(email).toContain('***@');
    expect(email).not.toBe(web.app.credentials.email);
  });

  it.each([
    ['a page beyond 2^53 as a raw JSON number', '{"page":99999999999999999999,"rows":10}'],
    ['a page of 1e300', '{"page":1e300}'],
    ['an object as a filter', '{"baseAsset":{"$ne":""}}'],
    ['an array as a filter', '{"quoteAsset":["USDT"]}'],
    ['a 10 kB filter string', JSON.stringify({ baseAsset: 'B'.repeat(10_000) })],
    ['a boolean page', '{"page":true}'],
  ])('rejects %s with 000002 and no stack trace', async (_name, body) => {
    const res = await client.raw('POST', WEB_API_PATHS.tradeHistory, { body });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: '000002', success: false, data: null });
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('accepts numeric strings for page and rows (as query strings send them) and null as absent', async () => {
    const res = await client.raw('POST', WEB_API_PATHS.tradeHistory, {
      body: '{"page":"2","rows":"3","baseAsset":null}',
    });
    const body = (await res.json()) as Envelope;
    expect(body.code).toBe('000000');
    expect((body.data as Row[]).length).toBe(3);
  });

  it('answers 404 and 405 envelopes for unknown paths and wrong methods, even before login', async () => {
    const nf = await client.post('/bapi/capital/v1/private/nothing', {});
    expect(nf.status).toBe(404);
    expect(nf.body).toMatchObject({ code: '000404', success: false, data: null });
    const wrongMethod = await client.post(WEB_API_PATHS.convertHistoryV1, {});
    expect(wrongMethod.status).toBe(405);
    const getOnPost = await client.get(WEB_API_PATHS.tradeHistory);
    expect(getOnPost.status).toBe(405);
  });
});
