/**
 * The web endpoints serve the same account as the truth (`/__sandbox/truth`): every truth record whose
 * routes include `web` is found through the web app with the same values, nothing else is, and the web
 * reaches records the signed API cannot (delisted symbols, P2P older than 6 months, old dust).
 * The test normalizes the web rows itself (from the web app's documented fields), not with client code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDecimals, canonicalDecimal } from '../../../core/index.js';
import { truthRecords, type TruthRecord } from '../../../sandbox/data/truth.js';
import { WEB_API_PATHS } from '../../../sandbox/web/index.js';
import { loggedIn, startWeb, tinyAccount, type RunningWeb, type WebClient } from './web-harness.js';

type Row = Record<string, unknown>;
const c = canonicalDecimal;

async function fetchAll(
  client: WebClient,
  path: string,
  method: 'GET' | 'POST',
  rows: number,
): Promise<Row[]> {
  const out: Row[] = [];
  for (let page = 1; ; page++) {
    const res =
      method === 'GET' ? await client.get(path, { page, rows }) : await client.post(path, { page, rows });
    expect(res.body.code).toBe('000000');
    out.push(...(res.body.data as Row[]));
    if (out.length >= (res.body.total as number)) return out;
  }
}

/** Truth records of a kind reachable by the web, keyed by id, with routes and bookkeeping fields dropped. */
function webTruth(truth: TruthRecord[], kind: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of truth) {
    if (r.kind !== kind || !r.routes.includes('web')) continue;
    const { routes: _r, account: _a, ...rest } = r as TruthRecord & { account: string };
    out.set(r.id, rest);
  }
  return out;
}

function pick(record: Record<string, unknown> | undefined, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, record?.[f]]));
}

describe.each([
  { seed: 7, profile: 'tiny' as const },
  { seed: 3, profile: 'small' as const },
])('sandbox web app: consistency with the truth (seed $seed, $profile)', ({ seed, profile }) => {
  let web: RunningWeb;
  let client: WebClient;
  let truth: TruthRecord[];
  beforeAll(async () => {
    const account =
      profile === 'tiny'
        ? tinyAccount(seed)
        : (await import('../../../sandbox/data/generate.js')).generateAccount({
            seed,
            profile,
            asOf: Date.UTC(2026, 10, 1),
          });
    web = await startWeb({ account });
    client = await loggedIn(web);
    truth = [...truthRecords(account)];
  });
  afterAll(() => web.close());

  it('trade history holds exactly the web trades of every symbol, delisted ones included', async () => {
    const rows = await fetchAll(client, WEB_API_PATHS.tradeHistory, 'POST', 1000);
    const expected = webTruth(truth, 'trade');
    const got = new Map<string, Record<string, unknown>>();
    for (const r of rows) {
      const side = r['side'] === 'BUY' ? 'buy' : 'sell';
      got.set(`${String(r['symbol'])}:${String(r['tradeId'])}`, {
        kind: 'trade',
        id: `${String(r['symbol'])}:${String(r['tradeId'])}`,
        time: r['time'],
        symbol: r['symbol'],
        baseAsset: r['baseAsset'],
        quoteAsset: r['quoteAsset'],
        tradeId: String(r['tradeId']),
        orderId: String(r['orderId']),
        side,
        price: c(r['price'] as string),
        qty: c(r['qty'] as string),
        quoteQty: c(r['totalQuota'] as string),
        fee: c(r['fee'] as string),
        feeAsset: r['feeAsset'],
        // activeBuy says whether the buyer was the taker; from the holder's side that gives isMaker.
        isMaker: (side === 'buy') !== r['activeBuy'],
      });
    }
    expect(got.size).toBe(rows.length);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, record] of got) expect(record, id).toEqual(expected.get(id));
    const apiless = truth.filter(
      (r) => r.kind === 'trade' && r.routes.includes('web') && !r.routes.includes('api'),
    );
    expect(apiless.length).toBeGreaterThan(0);
    for (const r of apiless) expect(got.has(r.id)).toBe(true);
  });

  it('P2P history holds every web P2P order, older than 6 months included', async () => {
    const rows = await fetchAll(client, WEB_API_PATHS.p2pHistory, 'POST', 100);
    const expected = webTruth(truth, 'p2p_order');
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const t = expected.get(r['orderNumber'] as string);
      expect(t, String(r['orderNumber'])).toBeDefined();
      expect({
        time: r['createTime'],
        side: (r['tradeType'] as string).toLowerCase(),
        asset: r['asset'],
        fiat: r['fiatUnit'],
        amount: c(r['amount'] as string),
        totalPrice: c(r['totalPrice'] as string),
        unitPrice: c(r['price'] as string),
        fee: c(r['commission'] as string),
        status: (r['orderStatus'] as string).toLowerCase(),
        counterparty: r['counterPartNickName'],
        advertisementRole: r['advertisementRole'],
      }).toEqual(
        pick(t, [
          'time',
          'side',
          'asset',
          'fiat',
          'amount',
          'totalPrice',
          'unitPrice',
          'fee',
          'status',
          'counterparty',
          'advertisementRole',
        ]),
      );
    }
    const old = truth.filter((r) => r.kind === 'p2p_order' && !r.routes.includes('api'));
    expect(old.length).toBeGreaterThan(0);
    const got = new Set(rows.map((r) => r['orderNumber']));
    for (const r of old) expect(got.has(r.id)).toBe(true);
  });

  it('Convert history holds every web conversion with its exact id, plus the spread', async () => {
    const rows = await fetchAll(client, WEB_API_PATHS.convertHistoryV1, 'GET', 100);
    const expected = webTruth(truth, 'conversion');
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const status =
        r['orderStatus'] === 'SUCCESS' ? 'success' : r['orderStatus'] === 'FAIL' ? 'failed' : 'processing';
      expect({
        id: r['orderId'],
        time: r['createTimestamp'],
        quoteId: r['quoteId'],
        fromAsset: r['fromCoin'],
        fromAmount: c(r['fromCoinAmount'] as string),
        toAsset: r['toCoin'],
        toAmount: c(r['toCoinAmount'] as string),
        ratio: c(r['quotePrice'] as string),
        inverseRatio: c(r['inversePrice'] as string),
        status,
      }).toEqual(
        pick(expected.get(r['orderId'] as string), [
          'id',
          'time',
          'quoteId',
          'fromAsset',
          'fromAmount',
          'toAsset',
          'toAmount',
          'ratio',
          'inverseRatio',
          'status',
        ]),
      );
      expect(r['spreadCoin']).toBe(r['toCoin']);
      expect(Number(r['spreadAmount'])).toBeGreaterThan(0);
      expect(Number(r['spreadAmount'])).toBeLessThan(Number(r['toCoinAmount']) * 0.01);
    }
  });

  it('Earn reward history holds every web reward with the truth id and amount', async () => {
    const rows = await fetchAll(client, WEB_API_PATHS.earnRewards, 'POST', 100);
    const expected = webTruth(truth, 'earn_reward');
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const product = r['productType'] === 'FLEXIBLE' ? 'flexible' : 'locked';
      const id = `${product}:${String(r['rewardType'])}:${String(r['asset'])}:${String(r['time'])}:${String(product === 'flexible' ? r['productId'] : r['positionId'])}`;
      const t = expected.get(id);
      expect(t, id).toBeDefined();
      expect(c(r['amount'] as string)).toBe(t?.['amount']);
      if (product === 'flexible') expect(r['productId']).toBe(t?.['productId']);
    }
  });

  it('Earn positions match the truth positions; product detail sums the holding and its rewards', async () => {
    const rows = await fetchAll(client, WEB_API_PATHS.earnPositions, 'POST', 100);
    const expected = webTruth(truth, 'earn_position');
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const id =
        r['productType'] === 'FLEXIBLE'
          ? `flexible:${String(r['productId'])}`
          : `locked:${String(r['positionId'])}`;
      const t = expected.get(id);
      expect(t, id).toBeDefined();
      expect(c(r['amount'] as string)).toBe(t?.['amount']);
      expect(r['asset']).toBe(t?.['asset']);
      if (r['productType'] === 'LOCKED') expect(r['productId']).toBe(t?.['projectId']);
    }
    for (const r of rows.filter((x) => x['productType'] === 'FLEXIBLE')) {
      const detail = (await client.post(WEB_API_PATHS.earnProduct, { productId: r['productId'] })).body
        .data as Row & { holding: Row };
      expect(detail.holding['amount']).toBe(c(r['amount'] as string));
      const rewards = truth.filter(
        (t) =>
          t.kind === 'earn_reward' &&
          t.routes.includes('web') &&
          (t as unknown as Row)['productId'] === r['productId'],
      );
      expect(detail.holding['rewards']).toBe(rewards.length);
      expect(detail.holding['cumulativeRewards']).toBe(
        addDecimals('0', ...rewards.map((t) => (t as unknown as Row)['amount'] as string)),
      );
    }
  });

  it('dust log holds every web dust conversion, those the API cannot reach included', async () => {
    const groups = await fetchAll(client, WEB_API_PATHS.dustLog, 'POST', 100);
    const expected = webTruth(truth, 'dust');
    const details = groups.flatMap((g) => (g['details'] as Row[]).map((d) => ({ group: g, d })));
    expect(details.length).toBe(expected.size);
    for (const { group, d } of details) {
      const id = String(d['transId']);
      expect({
        id,
        time: d['operateTime'],
        groupId: String(group['tranId']),
        fromAsset: d['fromAsset'],
        amount: c(d['amount'] as string),
        toAsset: d['targetAsset'],
        toAmount: c(d['transferedAmount'] as string),
        fee: c(d['serviceChargeAmount'] as string),
      }).toEqual(
        pick(expected.get(id), [
          'id',
          'time',
          'groupId',
          'fromAsset',
          'amount',
          'toAsset',
          'toAmount',
          'fee',
        ]),
      );
    }
    const apiless = truth.filter((r) => r.kind === 'dust' && !r.routes.includes('api'));
    expect(apiless.length).toBeGreaterThan(0);
    for (const r of apiless) expect(details.some(({ d }) => String(d['transId']) === r.id)).toBe(true);
    for (const g of groups) {
      const ds = g['details'] as Row[];
      expect(c(g['totalTransferedAmount'] as string)).toBe(
        addDecimals('0', ...ds.map((d) => d['transferedAmount'] as string)),
      );
      expect(g['fromAssets']).toBe(ds.map((d) => d['fromAsset']).join(','));
    }
  });

  it('transaction history: every row belongs to a truth record, and the changes reconcile with the balances', async () => {
    const rows = await fetchAll(client, WEB_API_PATHS.transactionHistory, 'POST', 100);
    const ids = new Set(truth.filter((r) => r.routes.includes('web')).map((r) => `${r.kind}:${r.id}`));
    const sums = new Map<string, string>();
    const seen = new Set<string>();
    for (const r of rows) {
      const id = r['id'] as string;
      expect(seen.has(id), id).toBe(false);
      seen.add(id);
      const recordKey = id.slice(0, id.lastIndexOf(':'));
      expect(ids.has(recordKey), recordKey).toBe(true);
      sums.set(r['coin'] as string, addDecimals(sums.get(r['coin'] as string) ?? '0', r['change'] as string));
    }
    const balances = new Map<string, string>();
    for (const b of truth) {
      if (b.kind !== 'balance') continue;
      const rec = b as unknown as { asset: string; free: string; locked: string };
      balances.set(rec.asset, addDecimals(balances.get(rec.asset) ?? '0', rec.free, rec.locked));
    }
    for (const asset of new Set([...sums.keys(), ...balances.keys()])) {
      expect(sums.get(asset) ?? '0', asset).toBe(balances.get(asset) ?? '0');
    }
    // Dust the API cannot reach (before 2020-12 or beyond the last 100) is in the web history.
    const apilessDust = truth.filter((r) => r.kind === 'dust' && !r.routes.includes('api'));
    for (const d of apilessDust) expect(seen.has(`dust:${d.id}:0`)).toBe(true);
    // Each trade appears as its legs (buy/sell, quote, and the fee when there is one).
    const tradeLegs = rows.filter((r) => (r['id'] as string).startsWith('trade:'));
    const trades = truth.filter((r) => r.kind === 'trade' && r.routes.includes('web'));
    const withFee = trades.filter((t) => (t as unknown as Row)['fee'] !== '0').length;
    expect(tradeLegs.length).toBe(trades.length * 2 + withFee);
  });
});
