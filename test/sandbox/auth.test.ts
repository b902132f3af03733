/**
 * API key, timestamp and signature rules of CONTRACT.md 2.1-2.5 against a running sandbox, with requests
 * signed in the test itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { encodeParams, errorOf, plain, signed, signPayload, start } from './signed-client.js';

let sandbox: SandboxHandle;
beforeAll(async () => {
  sandbox = await start();
});
afterAll(async () => sandbox.close());

describe('signed API: keys, timestamps, signatures', () => {
  it('accepts a correctly signed request', async () => {
    const r = await signed(sandbox, '/api/v3/account');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-mbx-used-weight-1m')).toBe('20');
  });

  it('-2014 without a key or with a malformed one, -2015 (HTTP 401) for an unknown key', async () => {
    let r = await signed(sandbox, '/api/v3/account', {}, { apiKey: null });
    expect([r.status, errorOf(r).code, errorOf(r).msg]).toEqual([401, -2014, 'API-key format invalid.']);
    r = await signed(sandbox, '/api/v3/account', {}, { apiKey: 'short' });
    expect(errorOf(r).code).toBe(-2014);
    r = await signed(sandbox, '/sapi/v1/account/status', {}, { apiKey: 'A'.repeat(64) });
    expect([r.status, errorOf(r).code, errorOf(r).msg]).toEqual([
      401,
      -2015,
      'Invalid API-key, IP, or permissions for action.',
    ]);
  });

  it('-1022 for a wrong signature, and for a signature over the unencoded payload of an encoded request', async () => {
    let r = await signed(sandbox, '/api/v3/account', {}, { signature: '0'.repeat(64) });
    expect([r.status, errorOf(r).code, errorOf(r).msg]).toEqual([
      400,
      -1022,
      'Signature for this request is not valid.',
    ]);
    // Sign the raw (decoded) text but send it percent-encoded: rejected since 2026-01-15.
    const ts = Date.now();
    const decoded = `symbols=["BTCUSDT"]&timestamp=${ts}`;
    const sig = signPayload(sandbox, decoded);
    const sent = `${encodeParams({ symbols: '["BTCUSDT"]', timestamp: ts })}&signature=${sig}`;
    r = await plain(`${sandbox.baseUrl}/sapi/v1/account/status?${sent}`, {
      headers: { 'X-MBX-APIKEY': sandbox.apiKey },
    });
    expect(errorOf(r).code).toBe(-1022);
    const state = await plain(`${sandbox.adminUrl}/stats`);
    expect((state.json as { signatureRejections: number }).signatureRejections).toBeGreaterThanOrEqual(2);
  });

  it('-1021 with both messages: 1 s ahead, and outside recvWindow', async () => {
    let r = await signed(sandbox, '/api/v3/account', {}, { timestamp: Date.now() + 1500 });
    expect(errorOf(r)).toEqual({
      code: -1021,
      msg: "Timestamp for this request was 1000ms ahead of the server's time.",
    });
    r = await signed(sandbox, '/api/v3/account', {}, { timestamp: Date.now() - 6000 });
    expect(errorOf(r)).toEqual({
      code: -1021,
      msg: 'Timestamp for this request is outside of the recvWindow.',
    });
    r = await signed(sandbox, '/api/v3/account', { recvWindow: 10000 }, { timestamp: Date.now() - 6000 });
    expect(r.status).toBe(200);
    r = await signed(sandbox, '/api/v3/account', { recvWindow: 60001 });
    expect(errorOf(r).code).toBe(-1131);
    r = await signed(sandbox, '/api/v3/account', { recvWindow: '6000.346' });
    expect(r.status).toBe(200);
  });

  it('-1102 when timestamp or signature is missing', async () => {
    let r = await signed(sandbox, '/api/v3/account', {}, { noTimestamp: true });
    expect(errorOf(r)).toEqual({
      code: -1102,
      msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
    });
    r = await signed(sandbox, '/api/v3/account', {}, { noSignature: true });
    expect(errorOf(r).code).toBe(-1102);
    expect(errorOf(r).msg).toContain("'signature'");
  });

  it('accepts signing params in a form body (POST), the payload being query + body', async () => {
    const r = await signed(sandbox, '/sapi/v3/asset/getUserAsset', {}, { body: { needBtcValuation: true } });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.json)).toBe(true);
  });

  it('rejects writes with -2015 / HTTP 401: the key is read-only', async () => {
    for (const [method, path] of [
      ['POST', '/api/v3/order'],
      ['DELETE', '/api/v3/order'],
      ['POST', '/sapi/v1/capital/withdraw/apply'],
      ['POST', '/sapi/v1/asset/transfer'],
    ] as const) {
      const r = await signed(sandbox, path, { symbol: 'BTCUSDT' }, { method });
      expect([path, r.status, errorOf(r).code]).toEqual([path, 401, -2015]);
    }
  });

  it('public endpoints need no key', async () => {
    const r = await plain(`${sandbox.baseUrl}/api/v3/time`);
    expect(Math.abs((r.json as { serverTime: number }).serverTime - Date.now())).toBeLessThan(5000);
  });
});

describe('key types and permissions', () => {
  for (const keyType of ['ed25519', 'rsa'] as const) {
    it(`${keyType}: signs with the private key, writes owner-only PEM files when asked, removes them on close`, async () => {
      const { statSync, existsSync } = await import('node:fs');
      const s = await start({ keyType, writeKeyFiles: true });
      try {
        expect(s.keyFiles).toBeDefined();
        expect(statSync(s.keyFiles!.privateKey).mode & 0o777).toBe(0o600);
        const ok = await signed(s, '/api/v3/account');
        expect(ok.status).toBe(200);
        const bad = await signed(
          s,
          '/api/v3/account',
          {},
          { signature: encodeURIComponent(Buffer.alloc(64).toString('base64')) },
        );
        expect(errorOf(bad).code).toBe(-1022);
      } finally {
        await s.close();
      }
      expect(existsSync(s.keyFiles!.privateKey)).toBe(false);
    });
  }

  it('apiRestrictions reflects --key-permissions; a trade key passes the permission check', async () => {
    const readOnly = await signed(sandbox, '/sapi/v1/account/apiRestrictions');
    expect(readOnly.json).toMatchObject({
      enableReading: true,
      enableWithdrawals: false,
      enableSpotAndMarginTrading: false,
      permitsUniversalTransfer: false,
    });
    const s = await start({ keyPermissions: ['trade', 'transfer'] });
    try {
      const r = await signed(s, '/sapi/v1/account/apiRestrictions');
      expect(r.json).toMatchObject({
        enableReading: true,
        enableSpotAndMarginTrading: true,
        permitsUniversalTransfer: true,
        enableWithdrawals: false,
      });
      const order = await signed(s, '/api/v3/order', { symbol: 'BTCUSDT' }, { method: 'POST' });
      expect(errorOf(order).code).not.toBe(-2015);
      const withdraw = await signed(
        s,
        '/sapi/v1/capital/withdraw/apply',
        { coin: 'BTC' },
        { method: 'POST' },
      );
      expect(errorOf(withdraw).code).toBe(-2015);
    } finally {
      await s.close();
    }
  });

  it('--clock-skew-ms moves server time and the timestamp check with it', async () => {
    const s = await start({ clockSkewMs: 30_000 });
    try {
      const t = await plain(`${s.baseUrl}/api/v3/time`);
      expect((t.json as { serverTime: number }).serverTime - Date.now()).toBeGreaterThan(25_000);
      const stale = await signed(s, '/api/v3/account');
      expect(errorOf(stale).code).toBe(-1021);
      const synced = await signed(s, '/api/v3/account', {}, { timestamp: Date.now() + 30_000 });
      expect(synced.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
