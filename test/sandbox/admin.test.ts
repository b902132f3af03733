/**
 * The admin surface: truth (JSON lines valid against schemas/account, with routes), stats with the
 * minimum weight, sessions registry, credentials, export registration, the web slot; and a whole-account
 * crawl through the signed API whose result equals the api-routed truth for trades, orders and deposits.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountSchemas } from '../../schemas/index.js';
import { startSandbox, type SandboxHandle, type SandboxTruthRecord } from '../../sandbox/index.js';
import { plain, signed, start } from './signed-client.js';

let sandbox: SandboxHandle;
let truth: SandboxTruthRecord[];

beforeAll(async () => {
  sandbox = await start({ profile: 'small', seed: 2 });
  const r = await plain(`${sandbox.adminUrl}/truth`);
  expect(r.headers.get('content-type')).toContain('application/x-ndjson');
  truth = r.text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SandboxTruthRecord);
});
afterAll(async () => sandbox.close());

describe('/__sandbox/truth', () => {
  it('every line is a valid normalized record with routes, and ids are unique per kind', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const schema of accountSchemas().values()) ajv.addSchema(schema);
    const validate = ajv.getSchema('https://ledgertap.dev/schemas/account/record.schema.json')!;
    const kinds = new Set<string>();
    const ids = new Set<string>();
    for (const record of truth) {
      const ok = validate(record);
      expect(ok ? null : { id: record.id, errors: validate.errors }).toBeNull();
      expect(record.routes.length).toBeGreaterThan(0);
      const key = `${record.kind}|${record.id}`;
      expect(ids.has(key), key).toBe(false);
      ids.add(key);
      kinds.add(record.kind);
    }
    expect([...kinds].sort()).toEqual(
      [
        'autoinvest_execution',
        'autoinvest_plan',
        'balance',
        'conversion',
        'dividend',
        'dust',
        'earn_position',
        'earn_redemption',
        'earn_reward',
        'earn_subscription',
        'fiat_transfer',
        'order',
        'p2p_order',
        'trade',
        'transfer',
      ].sort(),
    );
  });

  it('marks what the API cannot reach: delisted-symbol trades, P2P older than 6 months, old dust, archived orders', () => {
    const noApi = (kind: string) => truth.filter((r) => r.kind === kind && !r.routes.includes('api'));
    const delisted = new Set(sandbox.account.symbols.filter((s) => !s.listed).map((s) => s.symbol));
    const trades = noApi('trade') as Array<SandboxTruthRecord & { symbol: string }>;
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((t) => delisted.has(t.symbol))).toBe(true);
    expect(noApi('p2p_order').every((r) => r.time < Date.now() - 180 * 86_400_000)).toBe(true);
    expect(noApi('order').length).toBeGreaterThan(0);
    expect(
      truth.filter((r) => r.kind === 'transfer' && (r as { internal?: boolean }).internal).length,
    ).toBeGreaterThan(0);
    expect(
      truth.some(
        (r) => r.kind === 'earn_reward' && (r as { rewardType: string }).rewardType === 'Boost Rewards',
      ),
    ).toBe(true);
  });

  it('filters by kind', async () => {
    const r = await plain(`${sandbox.adminUrl}/truth?kind=balance,dividend`);
    const kinds = new Set(
      r.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { kind: string }).kind),
    );
    expect([...kinds].sort()).toEqual(['balance', 'dividend']);
  });
});

describe('a whole-account crawl equals the api-routed truth', () => {
  it('trades of every listed symbol; weight at least the computed minimum', async () => {
    // The listed universe (about 400 symbols at weight 20) is more than one 6000-weight window: a short
    // window, and a crawl that waits Retry-After on 429 as a well-behaved client does.
    const s = await start({ profile: 'small', seed: 2, limitWindowMs: 1000 });
    try {
      const allPermissions = [
        'SPOT',
        'MARGIN',
        'LEVERAGED',
        ...Array.from({ length: 24 }, (_, i) => `TRD_GRP_${String(i + 2).padStart(3, '0')}`),
      ];
      const info = (
        await plain(
          `${s.baseUrl}/api/v3/exchangeInfo?permissions=${encodeURIComponent(JSON.stringify(allPermissions))}`,
        )
      ).json as {
        symbols: Array<{ symbol: string }>;
      };
      expect(info.symbols.length).toBe(s.account.symbols.filter((x) => x.listed).length);
      const got = new Set<string>();
      for (const { symbol } of info.symbols) {
        for (let fromId = 0; ;) {
          const r = await signed(s, '/api/v3/myTrades', { symbol, fromId, limit: 1000 });
          if (r.status === 429) {
            await new Promise((done) => setTimeout(done, Number(r.headers.get('retry-after')) * 1000));
            continue;
          }
          expect(r.status).toBe(200);
          const page = r.json as Array<{
            id: number;
          }>;
          for (const t of page) got.add(`${symbol}:${t.id}`);
          if (page.length < 1000) break;
          fromId = page[page.length - 1]!.id + 1;
        }
      }
      const expected = truth.filter((r) => r.kind === 'trade' && r.routes.includes('api')).map((r) => r.id);
      expect([...got].sort()).toEqual(expected.sort());
      const stats = (await plain(`${s.adminUrl}/stats`)).json as {
        weightByLimit: Record<string, number>;
        minimumWeight: {
          byLimit: Record<string, number>;
          surfaces: Array<{ surface: string; weight: number; records: number }>;
        };
      };
      const minTrades = stats.minimumWeight.surfaces.find((x) => x.surface === 'trades')!;
      expect(minTrades.records).toBe(expected.length);
      // The crawl probed every symbol, so it used at least the minimum; a perfect client uses exactly it.
      expect(stats.weightByLimit['api-ip']!).toBeGreaterThanOrEqual(minTrades.weight);
    } finally {
      await s.close();
    }
  });
});

describe('stats, sessions, credentials, exports, web slot', () => {
  it('stats count requests, weights, rejections, and give a minimum weight per surface', async () => {
    await signed(sandbox, '/api/v3/account', {}, { signature: 'f'.repeat(64) });
    await signed(sandbox, '/api/v3/account', {}, { timestamp: Date.now() - 600_000 });
    const stats = (await plain(`${sandbox.adminUrl}/stats`)).json as Record<string, unknown> & {
      minimumWeight: {
        surfaces: Array<{ surface: string; calls: number; weight: number }>;
        totalCalls: number;
        byLimit: Record<string, number>;
      };
    };
    expect(stats.signatureRejections).toBeGreaterThanOrEqual(1);
    expect(stats.timestampRejections).toBeGreaterThanOrEqual(1);
    expect(stats.requests).toBeGreaterThanOrEqual(2);
    const surfaces = stats.minimumWeight.surfaces.map((x) => x.surface);
    for (const s of [
      'trades',
      'orders',
      'deposits',
      'withdrawals',
      'converts',
      'flexible rewards',
      'p2p orders',
      'fiat orders',
      'dividends',
    ])
      expect(surfaces).toContain(s);
    expect(stats.minimumWeight.byLimit['sapi-uid-1s']! % 18000).toBe(0);
  });

  it('credentials for the autopilot; sessions registry the web app fills', async () => {
    const c = (await plain(`${sandbox.adminUrl}/credentials`)).json as Record<string, string>;
    expect(c).toMatchObject({
      webUser: sandbox.webUser,
      webPassword: sandbox.webPassword,
      apiKey: sandbox.apiKey,
      keyType: 'hmac',
    });
    expect((await plain(`${sandbox.adminUrl}/sessions`)).json).toEqual({ sessions: [] });
    sandbox.state.sessions.set('tok', { token: 'tok', user: sandbox.webUser, createdAt: 1, expiresAt: 2 });
    expect((await plain(`${sandbox.adminUrl}/sessions`)).json).toEqual({
      sessions: [{ token: 'tok', user: sandbox.webUser, createdAt: 1, expiresAt: 2 }],
    });
    sandbox.state.sessions.clear();
  });

  it('exports registered by another module are served; unknown kinds are 404; admin is read-only', async () => {
    expect((await plain(`${sandbox.adminUrl}/export/no-such-kind.csv`)).status).toBe(404);
    // The Data Download Center exports of sandbox/exports are registered by default.
    const index = (await plain(`${sandbox.adminUrl}/`)).json as { exports: string[] };
    expect(index.exports).toContain('transaction-history');
    sandbox.registerExport('test-count', (_req, res, ctx) => {
      res.writeHead(200, { 'Content-Type': 'text/csv' }).end(`count\n${ctx.account.trades.count}\n`);
    });
    const r = await plain(`${sandbox.adminUrl}/export/test-count.csv`);
    expect(r.text).toBe(`count\n${sandbox.account.trades.count}\n`);
    expect(() => sandbox.registerExport('../x', () => undefined)).toThrow();
    expect((await plain(`${sandbox.adminUrl}/truth`, { method: 'POST' })).status).toBe(405);
  });

  it('the web port serves the sandbox web app by default, a given handler instead, or a placeholder', async () => {
    const c = (await plain(`${sandbox.adminUrl}/credentials`)).json as { webTwoFactorCode?: string };
    expect(c.webTwoFactorCode).toMatch(/^\d{6}$/);
    expect(sandbox.webTwoFactorCode).toBe(c.webTwoFactorCode);
    const bare = await startSandbox({ profile: 'tiny', webApp: false, exports: false });
    try {
      expect((await plain(bare.webUrl)).text).toContain('ledgertap sandbox');
      expect(((await plain(`${bare.adminUrl}/`)).json as { exports: string[] }).exports).toEqual([]);
    } finally {
      await bare.close();
    }
    const s = await startSandbox({
      profile: 'tiny',
      webApp: (_req, res, ctx) => {
        if (ctx.url.pathname !== '/hello') return false;
        res.writeHead(200).end(`hi ${ctx.account.profile}`);
        return true;
      },
      extraRoutes: [
        { method: 'GET', path: '/extra', handler: (_req, res) => void res.writeHead(200).end('extra') },
      ],
    });
    try {
      expect((await plain(`${s.webUrl}/hello`)).text).toBe('hi tiny');
      expect((await plain(`${s.webUrl}/nope`)).status).toBe(404);
      expect((await plain(`${s.webUrl}/__sandbox/credentials`)).status).toBe(200);
      expect((await plain(`${s.baseUrl}/extra`)).text).toBe('extra');
    } finally {
      await s.close();
    }
  });
});
