/**
 * /api/v3 read endpoints (CONTRACT.md 4.1-4.6): param rules, combinations, windows, paging, limits,
 * delisted symbols, LD* mirrors, archived orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxTruthRecords, type SandboxHandle } from '../../sandbox/index.js';
import { errorOf, plain, signed, start } from './signed-client.js';

let sandbox: SandboxHandle;
type Row = Record<string, unknown>;
let busiest = '';
let delisted = '';
let tradesBySymbol = new Map<string, Row[]>();

beforeAll(async () => {
  sandbox = await start({ profile: 'small', seed: 11 });
  tradesBySymbol = new Map();
  for (const r of sandboxTruthRecords(sandbox.account)) {
    if (r.kind !== 'trade') continue;
    const list = tradesBySymbol.get(r.symbol) ?? [];
    list.push(r as unknown as Row);
    tradesBySymbol.set(r.symbol, list);
  }
  const listed = sandbox.account.symbols.filter((s) => s.listed).map((s) => s.symbol);
  busiest = listed.sort(
    (a, b) => (tradesBySymbol.get(b)?.length ?? 0) - (tradesBySymbol.get(a)?.length ?? 0),
  )[0]!;
  delisted = sandbox.account.symbols.find((s) => !s.listed && tradesBySymbol.has(s.symbol))!.symbol;
});
afterAll(async () => sandbox.close());

describe('/api/v3/exchangeInfo', () => {
  it('omits delisted symbols and, without permissions, trading-group-only symbols', async () => {
    const r = await plain(`${sandbox.baseUrl}/api/v3/exchangeInfo`);
    expect(r.headers.get('x-mbx-used-weight-1m')).toBe('20');
    const names = (r.json as { symbols: Row[] }).symbols.map((s) => s.symbol);
    expect(names).not.toContain(delisted);
    const hidden = sandbox.account.symbols.filter(
      (s) => s.listed && s.permissionSets[0]![0]!.startsWith('TRD_GRP'),
    );
    for (const h of hidden) expect(names).not.toContain(h.symbol);
    // Asked for SPOT and one trading group: that group's symbols show, other groups' stay hidden.
    const some = await plain(
      `${sandbox.baseUrl}/api/v3/exchangeInfo?permissions=${encodeURIComponent('["SPOT","TRD_GRP_005"]')}`,
    );
    const someNames = new Set((some.json as { symbols: Row[] }).symbols.map((s) => s.symbol));
    const group5 = hidden.filter((s) => s.permissionSets[0]![0] === 'TRD_GRP_005');
    const otherGroups = hidden.filter((s) => s.permissionSets[0]![0] !== 'TRD_GRP_005');
    expect(group5.length).toBeGreaterThan(0);
    expect(otherGroups.length).toBeGreaterThan(0);
    for (const h of group5) expect(someNames).toContain(h.symbol);
    for (const h of otherGroups) expect(someNames).not.toContain(h.symbol);
    expect(someNames.size).toBe(names.length + group5.length);
    const every = JSON.stringify([
      'SPOT',
      'MARGIN',
      'LEVERAGED',
      ...Array.from({ length: 24 }, (_, i) => `TRD_GRP_${String(i + 2).padStart(3, '0')}`),
    ]);
    const all = await plain(
      `${sandbox.baseUrl}/api/v3/exchangeInfo?permissions=${encodeURIComponent(every)}`,
    );
    const allNames = (all.json as { symbols: Row[] }).symbols.map((s) => s.symbol);
    expect(allNames.length).toBe(sandbox.account.symbols.filter((s) => s.listed).length);
  });

  it('-1121 for a delisted or unknown symbol; -1128 for symbol with symbols', async () => {
    let r = await plain(`${sandbox.baseUrl}/api/v3/exchangeInfo?symbol=${delisted}`);
    expect(errorOf(r)).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    r = await plain(
      `${sandbox.baseUrl}/api/v3/exchangeInfo?symbol=BTCUSDT&symbols=${encodeURIComponent('["ETHBTC"]')}`,
    );
    expect(errorOf(r).code).toBe(-1128);
    r = await plain(
      `${sandbox.baseUrl}/api/v3/exchangeInfo?symbols=${encodeURIComponent('["BTCUSDT","ETHBTC"]')}`,
    );
    expect((r.json as { symbols: Row[] }).symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHBTC']);
  });
});

describe('/api/v3/account', () => {
  it('mirrors flexible Earn as LD* balances and honours omitZeroBalances', async () => {
    const r = await signed(sandbox, '/api/v3/account');
    const balances = (r.json as { balances: Row[] }).balances;
    for (const p of sandbox.account.flexiblePositions)
      expect(balances).toContainEqual({
        asset: `LD${p.raw.asset}`,
        free: p.raw.totalAmount,
        locked: '0.00000000',
      });
    expect(balances.some((b) => b.asset === 'LDO')).toBe(true);
    expect(balances.some((b) => b.free === '0.00000000' && b.locked === '0.00000000')).toBe(true);
    const omitted = await signed(sandbox, '/api/v3/account', { omitZeroBalances: true });
    const nonZero = (omitted.json as { balances: Row[] }).balances;
    expect(nonZero.some((b) => b.free === '0.00000000' && b.locked === '0.00000000')).toBe(false);
    expect(nonZero.length).toBeLessThan(balances.length);
  });
});

describe('/api/v3/myTrades', () => {
  it('fromId paging reads every trade of a symbol, ascending, exactly as the truth has them', async () => {
    const expected = tradesBySymbol.get(busiest)!;
    expect(expected.length).toBeGreaterThan(200);
    const got: Row[] = [];
    let fromId = 0;
    for (;;) {
      const r = await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, fromId, limit: 100 });
      expect(r.status).toBe(200);
      const page = r.json as Row[];
      got.push(...page);
      if (page.length < 100) break;
      fromId = Number(page[page.length - 1]!.id) + 1;
    }
    expect(got.map((t) => String(t.id))).toEqual(expected.map((t) => t.tradeId));
    const ids = got.map((t) => Number(t.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('default returns the most recent trades; startTime only gives the oldest from startTime within 24 h', async () => {
    const expected = tradesBySymbol.get(busiest)!;
    const r = await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, limit: 5 });
    expect((r.json as Row[]).map((t) => String(t.id))).toEqual(expected.slice(-5).map((t) => t.tradeId));
    const t0 = expected[10]!.time as number;
    const s = await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, startTime: t0 });
    const rows = s.json as Row[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((t) => (t.time as number) >= t0 && (t.time as number) <= t0 + 86_400_000)).toBe(true);
  });

  it('orderId returns that order’s fills at weight 5', async () => {
    const trade = tradesBySymbol.get(busiest)![3]!;
    const r = await signed(sandbox, '/api/v3/myTrades', {
      symbol: busiest,
      orderId: trade.orderId as string,
    });
    expect(r.headers.get('x-mbx-used-weight-1m')).not.toBeNull();
    const rows = r.json as Row[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((t) => String(t.orderId) === trade.orderId)).toBe(true);
    const stats = (await plain(`${sandbox.adminUrl}/stats`)).json as {
      byEndpoint: Record<string, { requests: number; weight: number }>;
    };
    expect(stats.byEndpoint['GET /api/v3/myTrades']!.weight % 5).toBe(0);
  });

  it('-1128 for unsupported combinations, -1127 beyond 24 h', async () => {
    for (const extra of [
      { fromId: 1, startTime: 1 },
      { fromId: 1, endTime: 2 },
      { orderId: 1, startTime: 1 },
      { orderId: 1, endTime: 1 },
    ]) {
      const r = await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, ...extra });
      expect(errorOf(r)).toEqual({ code: -1128, msg: 'Combination of optional parameters invalid.' });
    }
    const now = Date.now();
    const r = await signed(sandbox, '/api/v3/myTrades', {
      symbol: busiest,
      startTime: now - 86_400_001,
      endTime: now,
    });
    expect(errorOf(r)).toEqual({ code: -1127, msg: 'More than 24 hours between startTime and endTime.' });
    const ok = await signed(sandbox, '/api/v3/myTrades', {
      symbol: busiest,
      startTime: now - 86_400_000,
      endTime: now,
    });
    expect(ok.status).toBe(200);
  });

  it('-1121 for delisted and unknown symbols, -1102 without symbol, parameter errors', async () => {
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: delisted })).code).toBe(-1121);
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: 'NOPENOPE' })).code).toBe(-1121);
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades'))).toEqual({
      code: -1102,
      msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
    });
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, limit: 1001 })).code).toBe(
      -1130,
    );
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, fromId: 'abc' }))).toEqual({
      code: -1100,
      msg: "Illegal characters found in parameter 'fromId'; legal range is '^[0-9]{1,20}$'.",
    });
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: 'btc usdt' })).code).toBe(-1100);
    // A non-ASCII symbol is legal (CONTRACT §1), signed over its percent-encoded form: unknown here, not illegal.
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: '这是测试币456' })).code).toBe(-1121);
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, fromId: '' }))).toEqual({
      code: -1105,
      msg: "Parameter 'fromId' was empty.",
    });
    expect(errorOf(await signed(sandbox, '/api/v3/myTrades', { symbol: busiest, bogus: 1 }))).toEqual({
      code: -1104,
      msg: "Not all sent parameters were read; read '3' parameter(s) but was sent '4'.",
    });
  });

  it('-1101 for a duplicated parameter', async () => {
    const r = await signed(sandbox, '/api/v3/myTrades', { symbol: busiest }, { signature: undefined });
    expect(r.status).toBe(200);
    const ts = Date.now();
    const url = `${sandbox.baseUrl}/api/v3/myTrades?symbol=${busiest}&symbol=${busiest}&timestamp=${ts}&signature=${'0'.repeat(64)}`;
    const dup = await plain(url, { headers: { 'X-MBX-APIKEY': sandbox.apiKey } });
    expect(errorOf(dup).code).toBe(-1101);
  });
});

describe('/api/v3/allOrders and openOrders', () => {
  it('orderId paging returns every api-visible order and never an archived one', async () => {
    const s = sandbox.account.symbols.findIndex((x) => x.symbol === busiest);
    const o = sandbox.account.orders;
    const visible: number[] = [];
    let archived = 0;
    for (let i = o.symbolStart[s]!; i < o.symbolStart[s + 1]!; i++) {
      if (o.routes[i]! & 1) visible.push(o.orderId[i]!);
      else archived++;
    }
    expect(archived).toBeGreaterThan(0);
    const got: number[] = [];
    let orderId = 0;
    for (;;) {
      const r = await signed(sandbox, '/api/v3/allOrders', { symbol: busiest, orderId, limit: 1000 });
      const page = r.json as Row[];
      got.push(...page.map((x) => Number(x.orderId)));
      if (page.length < 1000) break;
      orderId = got[got.length - 1]! + 1;
    }
    expect(got).toEqual(visible);
    const r = await signed(sandbox, '/api/v3/allOrders', {
      symbol: busiest,
      startTime: 0,
      endTime: 86_400_001,
    });
    expect(errorOf(r).code).toBe(-1127);
  });

  it('openOrders: weight 80 without symbol, 6 with; the same rows', async () => {
    const all = await signed(sandbox, '/api/v3/openOrders');
    const rows = all.json as Row[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((x) => x.status === 'NEW' || x.status === 'PARTIALLY_FILLED')).toBe(true);
    const before = Number(all.headers.get('x-mbx-used-weight-1m'));
    const one = await signed(sandbox, '/api/v3/openOrders', { symbol: rows[0]!.symbol as string });
    expect(Number(one.headers.get('x-mbx-used-weight-1m')) - before).toBe(6);
    expect((one.json as Row[]).every((x) => x.symbol === rows[0]!.symbol)).toBe(true);
  });
});

describe('/api/v3/order and time units', () => {
  it('finds an order by id or client id; -2026 for archived, -2013 for unknown, -1102 without either', async () => {
    const s = sandbox.account.symbols.findIndex((x) => x.symbol === busiest);
    const o = sandbox.account.orders;
    let archived = -1;
    let visible = -1;
    for (let i = o.symbolStart[s]!; i < o.symbolStart[s + 1]!; i++) {
      if (o.routes[i]! & 1) visible = i;
      else archived = i;
    }
    const ok = await signed(sandbox, '/api/v3/order', { symbol: busiest, orderId: o.orderId[visible]! });
    expect((ok.json as Row).orderId).toBe(o.orderId[visible]);
    const byClient = await signed(sandbox, '/api/v3/order', {
      symbol: busiest,
      origClientOrderId: (ok.json as Row).clientOrderId as string,
    });
    expect((byClient.json as Row).orderId).toBe(o.orderId[visible]);
    expect(
      errorOf(await signed(sandbox, '/api/v3/order', { symbol: busiest, orderId: o.orderId[archived]! })),
    ).toEqual({
      code: -2026,
      msg: 'Order was canceled or expired with no executed qty over 90 days ago and has been archived.',
    });
    expect(errorOf(await signed(sandbox, '/api/v3/order', { symbol: busiest, orderId: 1 }))).toEqual({
      code: -2013,
      msg: 'Order does not exist.',
    });
    expect(errorOf(await signed(sandbox, '/api/v3/order', { symbol: busiest })).code).toBe(-1102);
  });

  it('X-MBX-TIME-UNIT: MICROSECOND returns /api times in µs and accepts a µs timestamp', async () => {
    const r = await signed(
      sandbox,
      '/api/v3/myTrades',
      { symbol: busiest, limit: 1 },
      { headers: { 'X-MBX-TIME-UNIT': 'MICROSECOND' }, timestamp: Date.now() * 1000 },
    );
    expect(r.status).toBe(200);
    const row = (r.json as Row[])[0]!;
    expect(row.time).toBe((tradesBySymbol.get(busiest)!.at(-1)!.time as number) * 1000);
  });
});
