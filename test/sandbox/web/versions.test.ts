/**
 * `--web-api-version 2` changes exactly what sandbox/web/README.md says: a renamed field (trade history
 * `totalQuota` -> `quoteQty`), an added field (P2P `isMerchant`), a changed type (Earn reward `amount`
 * string -> number) and a moved endpoint (Convert history, GET v1 path -> POST v2 path). Everything else
 * is byte-identical, and each version's pages call their own paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLossless } from '../../../core/index.js';
import { WEB_API_PATHS } from '../../../sandbox/web/index.js';
import { loggedIn, startWeb, type RunningWeb, type WebClient } from './web-harness.js';

type Row = Record<string, unknown>;

describe('sandbox web app: web API version 1 vs 2', () => {
  let v1: RunningWeb;
  let v2: RunningWeb;
  let c1: WebClient;
  let c2: WebClient;
  beforeAll(async () => {
    v1 = await startWeb({ webApiVersion: 1 });
    v2 = await startWeb({ webApiVersion: 2 });
    c1 = await loggedIn(v1);
    c2 = await loggedIn(v2);
  });
  afterAll(async () => {
    await v1.close();
    await v2.close();
  });

  it('renames totalQuota to quoteQty in the trade history, same value, nothing else changed', async () => {
    const a = (await c1.post(WEB_API_PATHS.tradeHistory, { rows: 50 })).body.data as Row[];
    const b = (await c2.post(WEB_API_PATHS.tradeHistory, { rows: 50 })).body.data as Row[];
    expect(b.length).toBe(a.length);
    a.forEach((row, i) => {
      const other = b[i] as Row;
      expect(Object.keys(row)).toContain('totalQuota');
      expect(Object.keys(other)).not.toContain('totalQuota');
      expect(other['quoteQty']).toBe(row['totalQuota']);
      const { totalQuota: _t, ...restA } = row;
      const { quoteQty: _q, ...restB } = other;
      expect(restB).toEqual(restA);
    });
  });

  it('adds isMerchant to P2P rows', async () => {
    const a = (await c1.post(WEB_API_PATHS.p2pHistory, { rows: 100 })).body.data as Row[];
    const b = (await c2.post(WEB_API_PATHS.p2pHistory, { rows: 100 })).body.data as Row[];
    a.forEach((row, i) => {
      expect(row).not.toHaveProperty('isMerchant');
      const { isMerchant, ...rest } = b[i] as Row;
      expect(typeof isMerchant).toBe('boolean');
      expect(isMerchant).toBe(row['advertisementRole'] === 'MAKER');
      expect(rest).toEqual(row);
    });
  });

  it('sends Earn reward amounts as JSON numbers with the exact digits in version 2', async () => {
    const a = await c1.post(WEB_API_PATHS.earnRewards, { rows: 100 });
    const b = await c2.post(WEB_API_PATHS.earnRewards, { rows: 100 });
    const rowsA = a.body.data as Row[];
    // Lossless parse: the number's text is the string version 1 sent.
    const rowsB = (parseJsonLossless(b.text) as { data: Row[] }).data;
    expect(rowsB.length).toBe(rowsA.length);
    rowsA.forEach((row, i) => {
      expect(typeof row['amount']).toBe('string');
      expect(typeof (b.body.data as Row[])[i]?.['amount']).toBe('number');
      expect(b.text).toContain(`"amount":${String(row['amount'])}`);
      const { amount: _a, ...restA } = row;
      const { amount: _b, ...restB } = rowsB[i] as Row;
      expect(restB).toEqual(restA);
    });
  });

  it('moves Convert history: v1 GET path only in v1, v2 POST path only in v2, same rows', async () => {
    const a = await c1.get(WEB_API_PATHS.convertHistoryV1, { page: 1, rows: 100 });
    const b = await c2.post(WEB_API_PATHS.convertHistoryV2, { page: 1, rows: 100 });
    expect(a.body.code).toBe('000000');
    expect(b.body.code).toBe('000000');
    expect(b.body.data).toEqual(a.body.data);
    expect(b.body.total).toBe(a.body.total);
    const oldInV2 = await c2.get(WEB_API_PATHS.convertHistoryV1, { page: 1, rows: 10 });
    expect(oldInV2.status).toBe(404);
    expect(oldInV2.body).toMatchObject({ code: '000404', success: false });
    const newInV1 = await c1.post(WEB_API_PATHS.convertHistoryV2, { page: 1, rows: 10 });
    expect(newInV1.status).toBe(404);
  });

  it('leaves every other endpoint byte-identical', async () => {
    for (const path of [WEB_API_PATHS.earnPositions, WEB_API_PATHS.transactionHistory]) {
      const a = await c1.post(path, { page: 2, rows: 7 });
      const b = await c2.post(path, { page: 2, rows: 7 });
      expect(b.text, path).toBe(a.text);
    }
  });

  it("serves pages whose config names the version's paths", async () => {
    const html1 = await (await c1.raw('GET', '/my/orders/convert')).text();
    const html2 = await (await c2.raw('GET', '/my/orders/convert')).text();
    const config = (html: string): { apiVersion: number; paths: Record<string, string> } =>
      JSON.parse(
        /<script id="app-config" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}',
      ) as {
        apiVersion: number;
        paths: Record<string, string>;
      };
    expect(config(html1)).toMatchObject({
      apiVersion: 1,
      paths: { convertHistory: WEB_API_PATHS.convertHistoryV1, convertMethod: 'GET' },
    });
    expect(config(html2)).toMatchObject({
      apiVersion: 2,
      paths: { convertHistory: WEB_API_PATHS.convertHistoryV2, convertMethod: 'POST' },
    });
  });
});
