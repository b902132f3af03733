/**
 * The API end to end over real ledgers (an SQLite file, and PostgreSQL when LEDGERTAP_TEST_PG answers), filled
 * through the ledger's public API: every endpoint's responses checked against the OpenAPI document's schemas,
 * pagination without loss or duplicates (resumed and reopened streams, records added meanwhile), filters,
 * problem+json errors, methods and auth.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  exportLedger,
  openLedger,
  reconcileAccount,
  balanceEffects,
  sumEffectsByAsset,
} from '../../ledger/index.js';
import type { IncomingRecord, LedgerStore } from '../../ledger/index.js';
import { bundledNormalizedApiSpec, startLedgerServer } from '../../server/index.js';
import type { LedgerServer } from '../../server/index.js';
import {
  call,
  expectSchema,
  pgAvailable,
  postgresCase,
  putAll,
  sqliteCase,
  syntheticTrade,
  truthRecords,
} from './helpers.js';
import type { BackendCase, Fetched, LedgerPlace } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const cases: BackendCase[] = [sqliteCase, ...((await pgAvailable()) ? [postgresCase] : [])];
const ODD_ACCOUNT = 'sub/account #2 ü';

interface Page {
  account: string;
  records: Record<string, unknown>[];
  cursor: string | null;
  next: string | null;
}

describe.each(cases)('serve API on $name', (backend) => {
  let place: LedgerPlace;
  let store: LedgerStore;
  let server: LedgerServer;
  let base: string;
  const get = (path: string, token: string | undefined = TOKEN): Promise<Fetched> =>
    call(`${base}${path}`, token ? { token } : {});

  async function pageAll(
    path: string,
    srv = server,
  ): Promise<{ records: Record<string, unknown>[]; pages: number }> {
    const records: Record<string, unknown>[] = [];
    let next: string | null = path;
    let pages = 0;
    while (next) {
      const res = await call(`${srv.url}${next}`, { token: TOKEN });
      expect(res.status, res.text).toBe(200);
      expectSchema('RecordPage', res.json);
      const page = res.json as Page;
      if (page.next) expect(res.headers.get('link')).toBe(`<${page.next}>; rel="next"`);
      else expect(res.headers.get('link')).toBeNull();
      records.push(...page.records);
      next = page.next;
      pages++;
      if (pages > 10_000) throw new Error('paging does not end');
    }
    return { records, pages };
  }

  async function exported(account: string, kind?: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const line of exportLedger(store, {
      format: 'jsonl',
      account,
      ...(kind ? { kind: kind as 'trade' } : {}),
    }))
      out.push(JSON.parse(line) as Record<string, unknown>);
    return out;
  }

  beforeAll(async () => {
    place = await backend.place();
    store = await openLedger(place.location);
    const trades = Array.from({ length: 2500 }, (_, i) => syntheticTrade(i + 1));
    await putAll(store, [...truthRecords('main'), ...trades]);
    await putAll(store, truthRecords(ODD_ACCOUNT).slice(0, 40));
    // A second source saw one trade: the detail endpoint lists both.
    await store.transaction(async (tx) => {
      await tx.putRecords([
        {
          ...syntheticTrade(7),
          source: 'csv',
          raw: { Date: '2025-01-01', Pair: 'BNBBTC' },
        } as IncomingRecord,
      ]);
    });
    await store.grantConsent({
      account: 'consent-only',
      holder: 'A Holder',
      scope: 'read',
      expiresAt: Date.UTC(2030, 0, 1),
    });
    server = await startLedgerServer(store, { token: TOKEN });
    base = server.url;
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await place?.cleanup();
  });

  it('answers /healthz without a token', async () => {
    const res = await get('/healthz', undefined);
    expect(res.status).toBe(200);
    expectSchema('Health', res.json);
    expect(res.json).toEqual({
      status: 'ok',
      backend: backend.name,
      schemaVersion: await store.schemaVersion(),
    });
  });

  it('lists the accounts with counts per kind', async () => {
    const res = await get('/v1/accounts');
    expect(res.status).toBe(200);
    expectSchema('AccountList', res.json);
    const accounts = (
      res.json as { accounts: { account: string; records: number; kinds: Record<string, number> }[] }
    ).accounts;
    expect(accounts.map((a) => a.account)).toEqual(['consent-only', 'main', ODD_ACCOUNT]);
    const main = accounts.find((a) => a.account === 'main');
    expect(main?.records).toBe(await store.countRecords({ account: 'main' }));
    expect(main?.kinds['trade']).toBe(await store.countRecords({ account: 'main', kind: 'trade' }));
    expect(accounts[0]).toEqual({ account: 'consent-only', records: 0, kinds: {} });
  });

  it('pages through every record exactly as export prints them, without loss or duplicates', async () => {
    const expected = await exported('main');
    expect(expected.length).toBeGreaterThan(3000);
    for (const limit of [1000, 137]) {
      const { records, pages } = await pageAll(`/v1/accounts/main/records?limit=${limit}`);
      expect(pages).toBe(Math.ceil(expected.length / limit));
      expect(records).toEqual(expected);
      // Byte-for-byte: the same JSON text as the export line.
      expect(records.map((r) => JSON.stringify(r))).toEqual(expected.map((r) => JSON.stringify(r)));
    }
  });

  it('resumes from a cursor on another server (nothing is kept between requests)', async () => {
    const cold = await startLedgerServer(store, { token: TOKEN });
    try {
      const { records } = await pageAll(
        '/v1/accounts/main/records?limit=333&kind=trade,transfer,balance',
        cold,
      );
      const expected = (await exported('main')).filter((r) =>
        ['trade', 'transfer', 'balance'].includes(r['kind'] as string),
      );
      expect(records).toEqual(expected);
    } finally {
      await cold.close();
    }
  });

  it('keeps its place while records are added between pages', async () => {
    const account = `growing-${backend.name}`;
    await putAll(
      store,
      Array.from({ length: 300 }, (_, i) => syntheticTrade(1000 + i * 2, account)),
    );
    const first = (await get(`/v1/accounts/${account}/records?limit=100`)).json as Page;
    const lastId = first.records[99]?.['id'] as string;
    // One trade sorting before the cursor (must not appear), one after (must appear), one of a later kind.
    await putAll(store, [
      syntheticTrade(1001, account),
      syntheticTrade(1599, account),
      truthRecords(account).find((r) => r.kind === 'transfer') as IncomingRecord,
    ]);
    const seen = [...first.records];
    let next = first.next;
    while (next) {
      const page = (await get(next)).json as Page;
      seen.push(...page.records);
      next = page.next;
    }
    const ids = seen.filter((r) => r['kind'] === 'trade').map((r) => r['id'] as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('BNBBTC:1599');
    expect(ids).not.toContain('BNBBTC:1001');
    expect(lastId < 'BNBBTC:1599' && 'BNBBTC:1001' < lastId).toBe(true);
    expect(ids.length).toBe(301);
    expect(seen.filter((r) => r['kind'] === 'transfer')).toHaveLength(1);
  });

  it('filters by kind and time', async () => {
    const since = Date.UTC(2025, 0, 1) + 500_000;
    const until = Date.UTC(2025, 0, 1) + 1_500_000;
    const { records } = await pageAll(
      `/v1/accounts/main/records?kind=trade&kind=dividend&since=${since}&until=${new Date(until).toISOString()}&limit=1000`,
    );
    const expected = (
      await store.queryRecords({ account: 'main', kind: ['dividend', 'trade'], since, until })
    ).map((s) => s.record);
    expect(records).toEqual(expected);
    expect(records.length).toBeGreaterThan(900);
    expect(records.every((r) => (r['time'] as number) >= since && (r['time'] as number) < until)).toBe(true);
    const day = await pageAll('/v1/accounts/main/records?since=2025-01-01&until=2025-01-02&kind=trade');
    expect(day.records.length).toBe(
      await store.countRecords({
        account: 'main',
        kind: 'trade',
        since: Date.UTC(2025, 0, 1),
        until: Date.UTC(2025, 0, 2),
      }),
    );
  });

  it('serves one record with every source that saw it, for percent-encoded accounts and ids', async () => {
    const res = await get('/v1/accounts/main/records/trade/BNBBTC%3A7');
    expect(res.status, res.text).toBe(200);
    expectSchema('RecordDetail', res.json);
    const detail = res.json as { record: { id: string }; sources: { source: string; raw: unknown }[] };
    expect(detail.record).toEqual((await store.getRecord('main', 'trade', 'BNBBTC:7'))?.record);
    expect(detail.sources.map((s) => s.source)).toEqual(['api', 'csv']);
    expect(detail.sources[1]?.raw).toEqual({ Date: '2025-01-01', Pair: 'BNBBTC' });
    const odd = truthRecords(ODD_ACCOUNT)[0] as IncomingRecord;
    const oddRes = await get(
      `/v1/accounts/${encodeURIComponent(ODD_ACCOUNT)}/records/${odd.kind}/${encodeURIComponent(odd.id)}`,
    );
    expect(oddRes.status, oddRes.text).toBe(200);
    expect((oddRes.json as { record: { account: string } }).record.account).toBe(ODD_ACCOUNT);
  });

  it('serves the latest balances', async () => {
    const res = await get('/v1/accounts/main/balances');
    expect(res.status).toBe(200);
    expectSchema('BalanceList', res.json);
    const body = res.json as { balances: { time: number }[]; asOf: number };
    const expected = (await store.queryRecords({ account: 'main', kind: 'balance' })).map((s) => s.record);
    expect(body.balances).toEqual(expected);
    expect(body.balances.length).toBeGreaterThan(0);
    expect(body.asOf).toBe(Math.max(...expected.map((r) => r.time)));
  });

  it('serves the unified ledger view in time order with running totals that match the balance effects', async () => {
    const rows: { time: number; asset: string; delta: string; balance: string }[] = [];
    let next: string | null = '/v1/accounts/main/ledger?limit=1000';
    while (next) {
      const res = await get(next);
      expect(res.status, res.text).toBe(200);
      expectSchema('LedgerPage', res.json);
      const page = res.json as { rows: typeof rows; next: string | null };
      rows.push(...page.rows);
      next = page.next;
    }
    expect(rows.every((r, i) => i === 0 || r.time >= rows[i - 1]!.time)).toBe(true);
    const effects = [];
    for (const s of await store.queryRecords({ account: 'main' })) effects.push(...balanceEffects(s.record));
    expect(rows.length).toBe(effects.length);
    const finals = new Map<string, string>();
    for (const r of rows) finals.set(r.asset, r.balance);
    const sums = sumEffectsByAsset(effects);
    for (const [asset, sum] of sums) expect(finals.get(asset), asset).toBe(sum);

    // One asset, small pages: the same rows as the unpaged view filtered to that asset.
    const assetCounts = new Map<string, number>();
    for (const r of rows) assetCounts.set(r.asset, (assetCounts.get(r.asset) ?? 0) + 1);
    // An asset with a few dozen rows, so the small pages stay few.
    const [asset] = [...assetCounts].find(([, n]) => n > 20 && n < 80) ?? ['BTC'];
    const btc: typeof rows = [];
    next = `/v1/accounts/main/ledger?asset=${asset}&limit=7`;
    while (next) {
      const page = (await get(next)).json as { rows: typeof rows; next: string | null; asset: string };
      expect(page.asset).toBe(asset);
      btc.push(...page.rows);
      next = page.next;
    }
    expect(btc).toEqual(rows.filter((r) => r.asset === asset));
    expect(btc.length).toBeGreaterThan(7);
  });

  it('serves reconcile as ledgertap reconcile computes it', async () => {
    const res = await get('/v1/accounts/main/reconcile');
    expect(res.status).toBe(200);
    expectSchema('ReconcileReport', res.json);
    expect(res.json).toEqual(JSON.parse(JSON.stringify(await reconcileAccount(store, 'main'))));
  });

  it('serves the OpenAPI document with the account schemas embedded', async () => {
    const res = await get('/v1/openapi.yaml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(parse(res.text)).toEqual(bundledNormalizedApiSpec());
  });

  const problems: [string, string, number, string][] = [
    ['unknown account', '/v1/accounts/nobody/records', 404, 'server.unknown_account'],
    ['unknown account (balances)', '/v1/accounts/nobody/balances', 404, 'server.unknown_account'],
    ['bad cursor', '/v1/accounts/main/records?cursor=garbage', 400, 'server.bad_cursor'],
    [
      'cursor of another kind',
      `/v1/accounts/main/records?cursor=${Buffer.from('[1,"nope","x"]').toString('base64url')}`,
      400,
      'server.bad_cursor',
    ],
    [
      'ledger cursor on records',
      `/v1/accounts/main/records?cursor=${Buffer.from('[1,"ledger",1,"trade","x",0]').toString('base64url')}`,
      400,
      'server.bad_cursor',
    ],
    [
      'record cursor on ledger',
      `/v1/accounts/main/ledger?cursor=${Buffer.from('[1,"trade","x"]').toString('base64url')}`,
      400,
      'server.bad_cursor',
    ],
    ['bad kind', '/v1/accounts/main/records?kind=trades', 400, 'server.bad_kind'],
    ['bad kind in path', '/v1/accounts/main/records/trades/1', 400, 'server.bad_kind'],
    ['bad time', '/v1/accounts/main/records?since=yesterday', 400, 'server.bad_time'],
    ['reversed range', '/v1/accounts/main/records?since=2025-02-01&until=2025-01-01', 400, 'server.bad_time'],
    ['limit 0', '/v1/accounts/main/records?limit=0', 400, 'server.bad_limit'],
    ['limit 1001', '/v1/accounts/main/records?limit=1001', 400, 'server.bad_limit'],
    ['limit not a number', '/v1/accounts/main/records?limit=1e3', 400, 'server.bad_limit'],
    ['repeated limit', '/v1/accounts/main/records?limit=1&limit=2', 400, 'server.repeated_parameter'],
    ['unknown parameter', '/v1/accounts/main/records?kinds=trade', 400, 'server.unknown_parameter'],
    ['bad asset', '/v1/accounts/main/ledger?asset=btc', 400, 'server.bad_asset'],
    ['no such record', '/v1/accounts/main/records/trade/BNBBTC%3A999999', 404, 'server.record_not_found'],
    ['malformed escape', '/v1/accounts/%E0%A4%A/records', 400, 'server.bad_path'],
    ['unknown path', '/v1/nothing', 404, 'server.not_found'],
    ['root', '/', 404, 'server.not_found'],
  ];
  it('takes a non-ASCII asset code (CONTRACT §1: such assets exist)', async () => {
    const res = await get(`/v1/accounts/main/ledger?asset=${encodeURIComponent('币安人生')}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ asset: '币安人生', rows: [] });
  });

  it.each(problems)('answers %s with problem+json', async (_name, path, status, code) => {
    const res = await get(path);
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expectSchema('Problem', res.json);
    const p = res.json as { code: string; status: number; detail: string; instance: string };
    expect(p.code).toBe(code);
    expect(p.status).toBe(status);
    expect(p.detail.length).toBeGreaterThan(20);
    expect(p.detail).not.toMatch(/\n\s+at /);
  });

  it('routes every path of the OpenAPI document', async () => {
    const paths = Object.keys(bundledNormalizedApiSpec()['paths'] as Record<string, unknown>);
    expect(paths.length).toBe(8);
    for (const template of paths) {
      const path = template
        .replace('{account}', 'main')
        .replace('{kind}', 'trade')
        .replace('{id}', 'BNBBTC%3A7');
      const res = await get(path);
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
    }
  });

  it('names the known accounts when the account is unknown', async () => {
    const p = (await get('/v1/accounts/nobody/reconcile')).json as { detail: string };
    expect(p.detail).toContain('"main"');
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('refuses %s with 405', async (method) => {
    const res = await call(`${base}/v1/accounts/main/records`, { token: TOKEN, method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expectSchema('Problem', res.json);
  });

  it('answers HEAD like GET without a body', async () => {
    const got = await get('/v1/accounts/main/balances');
    const head = await call(`${base}/v1/accounts/main/balances`, { token: TOKEN, method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(got.text)));
  });

  const refused: [string, Record<string, string>, string][] = [
    ['no header', {}, 'server.unauthorized'],
    [
      'another scheme',
      { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` },
      'server.unauthorized',
    ],
    ['the wrong token', { authorization: 'Bearer wrong' }, 'server.invalid_token'],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 'server.invalid_token'],
    ['the token and more', { authorization: `Bearer ${TOKEN}x` }, 'server.invalid_token'],
    ['an empty token', { authorization: 'Bearer ' }, 'server.unauthorized'],
  ];
  it.each(refused)('refuses %s with 401', async (_name, headers, code) => {
    for (const path of ['/v1/accounts', '/v1/accounts/main/records', '/v1/openapi.yaml', '/v1/nothing']) {
      const res = await call(`${base}${path}`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="ledgertap"/);
      expect((res.json as { code: string }).code).toBe(code);
      expect(res.text).not.toContain(TOKEN);
    }
  });

  it('accepts the scheme in any case', async () => {
    const res = await call(`${base}/v1/accounts`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });
});

describe('serve API without auth', () => {
  it('is refused on a non-loopback host', async () => {
    const place = await sqliteCase.place();
    const store = await openLedger(place.location);
    try {
      await expect(startLedgerServer(store, { host: '0.0.0.0' })).rejects.toMatchObject({
        code: 'usage.no_auth_public',
      });
    } finally {
      await store.close();
      await place.cleanup();
    }
  });

  it('answers only requests addressed to a loopback host (DNS rebinding)', async () => {
    const place = await sqliteCase.place();
    const store = await openLedger(place.location);
    const server = await startLedgerServer(store, {});
    try {
      expect((await call(`${server.url}/v1/accounts`)).status).toBe(200);
      // fetch() will not send a foreign Host header; node:http will.
      const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${server.url}/v1/accounts`, { headers: { host: 'evil.example:80' } }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(rebound.status).toBe(421);
      expect((JSON.parse(rebound.body) as { code: string }).code).toBe('server.non_local_host');
    } finally {
      await server.close();
      await store.close();
      await place.cleanup();
    }
  });
});
