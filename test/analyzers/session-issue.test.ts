/**
 * Credential issuance is a session call, not a write: Binance's `POST /api/v3/userDataStream` (API key
 * header) issues a listenKey the user data stream consumes; an order, a transfer, and a credential-issuing
 * POST that carries business parameters stay writes.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLogs, type AnalysisResult } from '../../analyzers/index.js';
import type { HarEntry } from '../../har/index.js';
import { buildProtocolModel } from '../../model/index.js';
import { planReplay } from '../../replay/policy.js';
import { entry, har } from './build.js';

const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const LISTEN_KEY = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
const API = 'https://api.example.test';

function userStream(listenKey: string): HarEntry {
  const e = entry({ url: `wss://stream.example.test:9443/ws/${listenKey}` });
  e.response.status = 101;
  e._resourceType = 'websocket';
  const t0 = Date.parse(e.startedDateTime) / 1000;
  e._webSocketMessages = [1, 2, 3].map((n) => ({
    type: 'receive',
    time: t0 + n,
    opcode: 1,
    data: JSON.stringify({ e: 'balanceUpdate', E: 1767225600000 + n, a: 'BTC', d: '0.1' }),
  }));
  return e;
}

function analyze(entries: HarEntry[]): AnalysisResult {
  return analyzeLogs([{ ...har(entries).log }]);
}

const op = (r: AnalysisResult, method: string, path: string) => {
  const o = r.operations.find((x) => x.method === method && x.pathTemplate === path);
  if (!o) throw new Error(`no ${method} ${path} in ${r.operations.map((x) => x.id).join(', ')}`);
  return o;
};

const apiKey = { 'X-MBX-APIKEY': KEY };

describe('credential issuance', () => {
  const result = analyze([
    entry({
      method: 'POST',
      url: `${API}/api/v3/userDataStream`,
      requestHeaders: apiKey,
      response: { listenKey: LISTEN_KEY },
    }),
    userStream(LISTEN_KEY),
    entry({ url: `${API}/api/v3/account?timestamp=1767225600000`, requestHeaders: apiKey, response: {} }),
    entry({
      method: 'POST',
      url: `${API}/api/v3/order?symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001`,
      requestHeaders: apiKey,
      response: { symbol: 'BTCUSDT', orderId: 28, clientOrderId: '6gCrw2kRUAF9CvJDGP16IP' },
    }),
  ]);

  it('classifies the listenKey POST as session issuance, with the credential it issues and its consumer', () => {
    const issue = op(result, 'POST', '/api/v3/userDataStream');
    expect(issue.classification).toMatchObject({ effect: 'session', unsafeToReplay: false });
    expect(issue.classification.reason).toContain('listenKey');
    expect(issue.classification.reason).toContain('ws_ws_listenKey');
    const call = result.auth.calls.find((c) => c.operationId === issue.id);
    expect(call).toMatchObject({ role: 'session-issue', credentials: ['path:listenKey'] });
    // Evidence points at where the answer issued it.
    expect(call?.evidence[0]?.pointer).toContain('/response');
    expect(result.findings.find((f) => f.kind === 'auth.session-issue')?.summary).toContain(issue.id);
  });

  it('keeps an order a write, and the replay plan sends the issuance but refuses the order', () => {
    const order = op(result, 'POST', '/api/v3/order');
    expect(order.classification).toMatchObject({ effect: 'write', unsafeToReplay: true });
    const model = buildProtocolModel(result, { captures: [{ file: 'capture.har', entries: 4 }] });
    const plan = Object.fromEntries(
      planReplay(model, {}).map((s) => [s.operation.id, s.send ? 'send' : s.reason]),
    );
    expect(plan[op(result, 'POST', '/api/v3/userDataStream').id]).toBe('send');
    expect(plan[order.id]).toContain('classified as a write');
  });

  it('a credential-issuing POST with business parameters, or issuing nothing anyone consumes, stays a write', () => {
    const withEffect = analyze([
      entry({
        method: 'POST',
        url: `${API}/sapi/v1/userDataStream/isolated?symbol=BTCUSDT`,
        requestHeaders: apiKey,
        response: { listenKey: LISTEN_KEY },
      }),
      userStream(LISTEN_KEY),
    ]);
    expect(op(withEffect, 'POST', '/sapi/v1/userDataStream/isolated').classification.effect).toBe('write');
    expect(withEffect.auth.calls.filter((c) => c.role === 'session-issue')).toEqual([]);
    const unconsumed = analyze([
      entry({
        method: 'POST',
        url: `${API}/api/v3/userDataStream`,
        requestHeaders: apiKey,
        response: { listenKey: LISTEN_KEY },
      }),
    ]);
    expect(op(unconsumed, 'POST', '/api/v3/userDataStream').classification.effect).toBe('write');
  });

  it('a login issuing the session cookie later calls send is a session call; a transfer stays a write', () => {
    const r = analyze([
      entry({
        method: 'POST',
        url: `${API}/login`,
        requestBody: { username: 'holder@example.test', password: 'hunter2hunter2' },
        response: { ok: true },
        responseHeaders: [['set-cookie', 'sid=s3ss10nva1ue0123456789abcdef; Path=/; HttpOnly']],
      }),
      entry({ url: `${API}/me`, requestCookies: { sid: 's3ss10nva1ue0123456789abcdef' }, response: {} }),
      entry({
        method: 'POST',
        url: `${API}/transfer`,
        requestCookies: { sid: 's3ss10nva1ue0123456789abcdef' },
        requestBody: { asset: 'USDT', amount: '10', type: 'MAIN_FUNDING' },
        response: { tranId: 13526853623 },
      }),
    ]);
    expect(op(r, 'POST', '/login').classification.effect).toBe('session');
    expect(r.auth.calls.find((c) => c.role === 'login')?.operationId).toBe(op(r, 'POST', '/login').id);
    expect(op(r, 'POST', '/transfer').classification).toMatchObject({
      effect: 'write',
      unsafeToReplay: true,
    });
  });
});
