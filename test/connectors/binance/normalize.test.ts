import { describe, expect, it } from 'vitest';
import { parseJsonLossless } from '../../../core/index.js';
import {
  BINANCE_READ_ONLY_POSTS,
  assertReadOnly,
  binanceEndpoints,
  binanceNormalize as n,
  candidateSymbols,
  evaluateRestrictions,
} from '../../../connectors/index.js';
import type { JsonObject } from '../../../connectors/binance/values.js';
import { splitWhileFull, walkWindows } from '../../../connectors/binance/reads/common.js';
import { DISCOVERY_EVIDENCE_KINDS } from '../../../connectors/binance/discovery.js';
import { ACCOUNT_KINDS, accountSchema } from '../../../schemas/index.js';

const row = (text: string): JsonObject => parseJsonLossless(text) as JsonObject;

describe('normalization', () => {
  it('keeps a convert orderId beyond 2^53 exact', () => {
    const r = n.conversion(
      row(
        '{"quoteId":"q","orderId":940708407462087195,"orderStatus":"SUCCESS","fromAsset":"USDT","fromAmount":"20","toAsset":"BNB","toAmount":"0.06154036","ratio":"0.00307702","inverseRatio":"324.99","createTime":1624248872184}',
      ),
      'main',
    );
    expect(r.id).toBe('940708407462087195');
    expect(r.toAmount).toBe('0.06154036');
    expect(r.source).toBe('api');
    expect(r.raw).toBeDefined();
  });

  it('keeps an internal transfer id without the `Internal transfer` prefix, a hash as it is', () => {
    const dep = (txId: string, transferType: number) =>
      n.deposit(
        row(
          `{"id":"d1","amount":"1","coin":"BNB","network":"BSC","status":1,"address":"a","txId":"${txId}","insertTime":1661493146000,"transferType":${transferType},"confirmTimes":"1/1"}`,
        ),
        'main',
      );
    expect(dep('Internal transfer 51376627901', 1)).toMatchObject({ txId: '51376627901', internal: true });
    expect(dep('0xabc', 0)).toMatchObject({ txId: '0xabc', internal: false });
    const wd = n.withdrawal(
      row(
        '{"id":"w1","amount":"2","transactionFee":"0","coin":"USDT","status":6,"address":"x","txId":"Internal transfer 777","applyTime":"2024-01-02 03:04:05","transferType":1}',
      ),
      'main',
    );
    expect(wd).toMatchObject({ txId: '777', internal: true });
  });

  it('accepts string-or-number ids, times and booleans', () => {
    const a = n.lockedPosition(
      row(
        '{"positionId":"123123","projectId":"Axs*90","asset":"AXS","amount":"122.0920","APY":"0.2032","purchaseTime":"1646182276000","status":"HOLDING","canRedeemEarly":"true"}',
      ),
      'main',
      1,
    );
    const b = n.lockedPosition(
      row(
        '{"positionId":123123,"projectId":"Axs*90","asset":"AXS","amount":"122.0920","APY":"0.2032","purchaseTime":1646182276000,"status":"HOLDING","canRedeemEarly":true}',
      ),
      'main',
      1,
    );
    const { raw: _a, ...ra } = a;
    const { raw: _b, ...rb } = b;
    expect(ra).toEqual(rb);
    expect(a.amount).toBe('122.092');
  });

  it('parses withdraw applyTime as UTC and maps every status', () => {
    const w = n.withdrawal(
      row(
        '{"id":"b6","amount":"8.91000000","transactionFee":"0.004","coin":"USDT","status":6,"address":"0x9","txId":"0xb5","applyTime":"2019-10-12 11:12:02","network":"ETH","transferType":0,"completeTime":"2023-03-23 16:52:41"}',
      ),
      'main',
    );
    expect(w.time).toBe(Date.UTC(2019, 9, 12, 11, 12, 2));
    expect(w.completeTime).toBe(Date.UTC(2023, 2, 23, 16, 52, 41));
    expect([0, 1, 2, 3, 4, 5, 6].map((s) => n.withdrawalStatus(s))).toEqual([
      'pending',
      'cancelled',
      'pending',
      'rejected',
      'processing',
      'failed',
      'completed',
    ]);
    expect([0, 1, 2, 6, 7, 8].map((s) => n.depositStatus(s))).toEqual([
      'pending',
      'completed',
      'rejected',
      'completed',
      'failed',
      'pending',
    ]);
  });

  it('LD* spot rows are Earn mirrors, but LDO is a real asset', () => {
    expect(n.isEarnMirror('LDBTC')).toBe(true);
    expect(n.isEarnMirror('LDUSDT')).toBe(true);
    expect(n.isEarnMirror('LDO')).toBe(false);
    expect(n.isEarnMirror('LD')).toBe(false);
  });

  it('omits a negative cummulativeQuoteQty ("not available") and never writes null', () => {
    const o = n.order(
      row(
        '{"symbol":"LTCBTC","orderId":1,"clientOrderId":"c","price":"0.1","origQty":"1.0","executedQty":"0.0","cummulativeQuoteQty":"-1.00000000","status":"CANCELED","type":"LIMIT","side":"BUY","time":1499827319559,"updateTime":1499827319559}',
      ),
      { symbol: 'LTCBTC', baseAsset: 'LTC', quoteAsset: 'BTC' },
      'main',
    );
    expect('cumulativeQuoteQty' in o).toBe(false);
    expect(Object.values(o)).not.toContain(null);
    expect(o.executedQty).toBe('0');
  });

  it('maps universal transfer types to wallets', () => {
    expect(n.walletsOfTransferType('MAIN_FUNDING')).toEqual(['spot', 'funding']);
    expect(n.walletsOfTransferType('PORTFOLIO_MARGIN_MAIN')).toEqual(['portfolio_margin', 'spot']);
    expect(n.walletsOfTransferType('NOPE')).toBeUndefined();
    // Isolated-margin accounts are named by the symbol the query sent (the row carries none).
    const cases: Array<[string, { fromSymbol?: string; toSymbol?: string }, [string, string]]> = [
      ['MAIN_ISOLATED_MARGIN', { toSymbol: 'BTCUSDT' }, ['spot', 'isolated_margin:BTCUSDT']],
      ['ISOLATED_MARGIN_MAIN', { fromSymbol: 'BTCUSDT' }, ['isolated_margin:BTCUSDT', 'spot']],
      ['MARGIN_ISOLATEDMARGIN', { toSymbol: 'ETHBTC' }, ['margin', 'isolated_margin:ETHBTC']],
      ['ISOLATEDMARGIN_MARGIN', { fromSymbol: 'ETHBTC' }, ['isolated_margin:ETHBTC', 'margin']],
      [
        'ISOLATEDMARGIN_ISOLATEDMARGIN',
        { fromSymbol: 'BTCUSDT', toSymbol: 'ETHUSDT' },
        ['isolated_margin:BTCUSDT', 'isolated_margin:ETHUSDT'],
      ],
      ['ISOLATEDMARGIN_MARGIN', {}, ['isolated_margin', 'margin']],
    ];
    for (const [type, symbols, wallets] of cases)
      expect(n.walletsOfTransferType(type, symbols), type).toEqual(wallets);
    const t = n.universalTransfer(
      row(
        '{"asset":"USDT","amount":"1.50","type":"MAIN_ISOLATED_MARGIN","status":"CONFIRMED","tranId":11600000977,"timestamp":1700000000000}',
      ),
      'main',
      'MAIN_ISOLATED_MARGIN',
      { toSymbol: 'BTCUSDT' },
    );
    expect(t).toMatchObject({
      id: 'wallet:11600000977',
      type: 'wallet_transfer',
      direction: 'internal',
      transferType: 'MAIN_ISOLATED_MARGIN',
      fromWallet: 'spot',
      toWallet: 'isolated_margin:BTCUSDT',
      amount: '1.5',
      status: 'completed',
    });
  });

  it('fails loudly, naming the field, on a malformed row', () => {
    expect(() =>
      n.trade(row('{"id":1,"price":"abc"}'), { symbol: 'X', baseAsset: 'A', quoteAsset: 'B' }, 'main'),
    ).toThrow(/field time/);
  });
});

describe('read-only guarantee', () => {
  it('refuses every write, allowing only GET and the two documented POST reads', () => {
    for (const [method, path] of [
      ['POST', '/api/v3/order'],
      ['DELETE', '/api/v3/order'],
      ['POST', '/sapi/v1/capital/withdraw/apply'],
      ['POST', '/sapi/v1/asset/transfer'],
      ['PUT', '/api/v3/order'],
    ] as const) {
      expect(() => assertReadOnly({ method: method as 'POST', path })).toThrow(
        expect.objectContaining({ code: 'exchange.write_refused' }),
      );
    }
    for (const path of BINANCE_READ_ONLY_POSTS)
      expect(() => assertReadOnly({ method: 'POST', path })).not.toThrow();
    for (const spec of Object.values(binanceEndpoints)) expect(() => assertReadOnly(spec)).not.toThrow();
  });

  it('names each permission to switch off', () => {
    const check = evaluateRestrictions({
      enableReading: true,
      enableWithdrawals: true,
      enableSpotAndMarginTrading: 'true',
      permitsUniversalTransfer: false,
    });
    expect(check.unsafe).toEqual(['Enable Withdrawals', 'Enable Spot & Margin Trading']);
  });
});

describe('discovery and windows', () => {
  const listed = new Map(
    [
      ['BNBBTC', 'BNB', 'BTC'],
      ['ETHBTC', 'ETH', 'BTC'],
      ['DOGEUSDT', 'DOGE', 'USDT'],
    ].map(([symbol, baseAsset, quoteAsset]) => [
      symbol!,
      { symbol: symbol!, baseAsset: baseAsset!, quoteAsset: quoteAsset! },
    ]),
  );
  it('reads discovery evidence from every stored kind that names an asset', () => {
    const assetFields = [
      'asset',
      'feeAsset',
      'fromAsset',
      'toAsset',
      'sourceAsset',
      'targetAsset',
      'cryptoAsset',
    ];
    const withAssets = ACCOUNT_KINDS.filter((kind) => {
      const props = Object.keys((accountSchema(kind)['properties'] ?? {}) as Record<string, unknown>);
      return props.some((p) => assetFields.includes(p) || p === 'targetAssets');
    }).filter((kind) => kind !== 'trade' && kind !== 'order');
    expect([...DISCOVERY_EVIDENCE_KINDS].sort()).toEqual(withAssets.sort());
  });

  it('keeps pairs whose two assets the account touched; naive keeps all', () => {
    expect(
      candidateSymbols(listed, new Set(['BNB', 'BTC', 'USDT']), 'evidence').map((s) => s.symbol),
    ).toEqual(['BNBBTC']);
    expect(candidateSymbols(listed, new Set(), 'naive')).toHaveLength(3);
  });

  it('walks windows oldest first and resumes after the checkpoint', async () => {
    const seen: Array<[number, number]> = [];
    const walk = {
      from: 0,
      to: 99,
      windowMs: 30,
      // eslint-disable-next-line require-yield
      async *fetchWindow(s: number, e: number) {
        seen.push([s, e]);
      },
    };
    const cursors = [];
    for await (const p of walkWindows(walk, undefined)) cursors.push(p.cursor);
    expect(seen).toEqual([
      [0, 29],
      [30, 59],
      [60, 89],
      [90, 99],
    ]);
    expect(cursors.at(-1)).toEqual({ next: 100, from: 0 });
    seen.length = 0;
    for await (const _ of walkWindows(walk, { next: 60, from: 0 })) void _;
    expect(seen).toEqual([
      [60, 89],
      [90, 99],
    ]);
    // Stored coverage from 30 on, but this walk starts at 0: nothing before 30 was read, so start over.
    seen.length = 0;
    for await (const _ of walkWindows(walk, { next: 60, from: 30 })) void _;
    expect(seen[0]).toEqual([0, 29]);
  });

  it('splits a full window until no response is full', async () => {
    const times = [1, 2, 3, 4, 5, 6, 7, 8];
    const calls: Array<[number, number]> = [];
    const out: number[] = [];
    for await (const rows of splitWhileFull(0, 15, async (s, e) => {
      calls.push([s, e]);
      const rows = times.filter((t) => t >= s && t <= e);
      return { rows: rows.slice(0, 3), full: rows.length >= 3 };
    }))
      out.push(...rows);
    expect(out).toEqual(times);
  });
});
