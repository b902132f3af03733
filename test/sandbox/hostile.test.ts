/**
 * Bad and hostile input against the signed API: oversized bodies, malformed encoding, huge values,
 * unknown paths and methods, garbage signatures. The server answers each with an exchange-style error
 * (or an HTTP error) and keeps serving.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { errorOf, plain, signed, start } from './signed-client.js';

let sandbox: SandboxHandle;
beforeAll(async () => {
  sandbox = await start();
});
afterAll(async () => sandbox.close());

function rawRequest(path: string, method: string, body?: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(sandbox.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method, headers: { 'X-MBX-APIKEY': sandbox.apiKey } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile input', () => {
  it('a body over 1 MiB is refused with 413', async () => {
    const r = await rawRequest('/sapi/v3/asset/getUserAsset', 'POST', Buffer.alloc(2 << 20, 'a'));
    expect(r.status).toBe(413);
  });

  it('malformed percent-encoding, huge and non-ASCII values are parameter errors, not crashes', async () => {
    let r = await signed(sandbox, '/api/v3/myTrades', { symbol: '%zz' });
    expect(errorOf(r).code).toBe(-1100);
    r = await signed(sandbox, '/api/v3/myTrades', { symbol: 'BTCUSDT', fromId: '9'.repeat(40) });
    expect(errorOf(r).code).toBe(-1100);
    r = await signed(sandbox, '/api/v3/myTrades', { symbol: 'BTCUSDT', fromId: '99999999999999999999' });
    expect(errorOf(r).code).toBe(-1130);
    // Non-ASCII symbols are legal (CONTRACT §1): an unknown one is -1121, a lower-case or spaced one -1100.
    r = await signed(sandbox, '/api/v3/myTrades', { symbol: '这是测试币456' });
    expect(errorOf(r).code).toBe(-1121);
    r = await signed(sandbox, '/api/v3/myTrades', { symbol: 'ünïcode lower' });
    expect(errorOf(r).code).toBe(-1100);
    r = await signed(sandbox, '/sapi/v1/capital/deposit/hisrec', { coin: 'x'.repeat(10_000) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([]);
    r = await signed(sandbox, '/api/v3/exchangeInfo', { symbols: '[not json' });
    expect(errorOf(r).code).toBe(-1130);
  });

  it('garbage signatures and keys are rejected without crashing', async () => {
    for (const signature of ['', 'zz', '%', 'a'.repeat(10_000), '../../etc/passwd']) {
      const r = await signed(sandbox, '/api/v3/account', {}, { signature });
      expect([400, 401]).toContain(r.status);
    }
    const r = await signed(sandbox, '/api/v3/account', {}, { apiKey: 'x'.repeat(5000) });
    expect(errorOf(r).code).toBe(-2014);
    const ts = Date.now();
    const twice = await plain(
      `${sandbox.baseUrl}/api/v3/account?timestamp=${ts}&signature=${'a'.repeat(64)}&signature=${'b'.repeat(64)}`,
      {
        headers: { 'X-MBX-APIKEY': sandbox.apiKey },
      },
    );
    expect(errorOf(twice).code).toBe(-1101);
  });

  it('unknown paths are 404, wrong methods 405, and the server keeps serving', async () => {
    expect((await plain(`${sandbox.baseUrl}/api/v3/nope`)).status).toBe(404);
    expect((await plain(`${sandbox.baseUrl}/not-api`)).status).toBe(404);
    expect((await plain(`${sandbox.baseUrl}/api/v3/time`, { method: 'POST' })).status).toBe(405);
    expect((await plain(`${sandbox.baseUrl}/api/v3/time`)).status).toBe(200);
  });
});

describe('minimum weight equals what a perfect client spends', () => {
  it('trades: fromId paging of 1000 over exactly the symbols that have api-visible trades', async () => {
    const s = await start({ profile: 'small', seed: 8 });
    try {
      const t = s.account.trades;
      const symbols = s.account.symbols
        .filter((sym, i) => sym.listed && t.symbolStart[i + 1]! > t.symbolStart[i]!)
        .map((x) => x.symbol);
      for (const symbol of symbols) {
        for (let fromId = 0; ;) {
          const page = (await signed(s, '/api/v3/myTrades', { symbol, fromId, limit: 1000 })).json as Array<{
            id: number;
          }>;
          if (page.length < 1000) break;
          fromId = page[page.length - 1]!.id + 1;
        }
      }
      const stats = (await plain(`${s.adminUrl}/stats`)).json as {
        byEndpoint: Record<string, { weight: number }>;
        minimumWeight: { surfaces: Array<{ surface: string; weight: number }> };
      };
      expect(stats.byEndpoint['GET /api/v3/myTrades']!.weight).toBe(
        stats.minimumWeight.surfaces.find((x) => x.surface === 'trades')!.weight,
      );
    } finally {
      await s.close();
    }
  });
});
