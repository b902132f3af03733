/**
 * balanceEffects: the "Balance effect" table of docs/normalized-model.md, kind by kind, including the
 * statuses that move nothing.
 */
import { describe, expect, it } from 'vitest';
import { balanceEffects, sumEffectsByAsset } from '../../ledger/index.js';
import type { AccountRecord } from '../../schemas/index.js';
import {
  balance,
  balanceChange,
  conversion,
  deposit,
  dividend,
  earnPosition,
  earnReward,
  trade,
  withdrawal,
} from './fixtures.js';

const base = { account: 'main', time: 1 };

/** 10 USDT from the spot wallet (`MAIN`) to funding, named by its wallets alone (no `transferType`). */
const walletTransfer: AccountRecord = {
  ...base,
  kind: 'transfer',
  id: 'wallet:1',
  direction: 'internal',
  type: 'wallet_transfer',
  asset: 'USDT',
  amount: '10',
  fee: '0',
  status: 'completed',
  fromWallet: 'MAIN',
  toWallet: 'FUNDING',
};
/** A completed card payment of 100 EUR (fee 2) for 0.002 BTC, bought or sold. */
const cardPayment = (id: string, type: 'buy' | 'sell'): AccountRecord => ({
  ...base,
  kind: 'fiat_transfer',
  id,
  type,
  fiatCurrency: 'EUR',
  amount: '100',
  fee: '2',
  cryptoAsset: 'BTC',
  cryptoAmount: '0.002',
  status: 'completed',
});

const totals = (r: AccountRecord): Record<string, string> =>
  Object.fromEntries(sumEffectsByAsset(balanceEffects(r)));

describe('balanceEffects', () => {
  const cases: [string, AccountRecord, Record<string, string>][] = [
    [
      'a buy',
      trade(1, { qty: '2', quoteQty: '0.02', fee: '0.001', feeAsset: 'BNB' }),
      { BNB: '1.999', BTC: '-0.02' },
    ],
    [
      'a sell with the fee in quote',
      trade(1, { side: 'sell', qty: '2', quoteQty: '0.02', fee: '0.0001', feeAsset: 'BTC' }),
      { BNB: '-2', BTC: '0.0199' },
    ],
    ['a completed deposit', deposit('1', 'ETH', '1.5'), { ETH: '1.5' }],
    ['a pending deposit', deposit('1', 'ETH', '1.5', { status: 'pending' }), {}],
    ['a completed withdrawal (fee on top)', withdrawal('1', 'ETH', '1', '0.005'), { ETH: '-1.005' }],
    ['a failed withdrawal', withdrawal('1', 'ETH', '1', '0.005', { status: 'failed' }), {}],
    ['a wallet transfer (net zero)', { ...walletTransfer, transferType: 'MAIN_FUNDING' }, {}],
    ['a successful conversion', conversion('1'), { USDT: '-100', BTC: '0.002' }],
    ['a failed conversion', conversion('1', { status: 'failed' }), {}],
    [
      'a dust row',
      {
        ...base,
        kind: 'dust',
        id: '9',
        fromAsset: 'DOGE',
        amount: '3',
        toAsset: 'BNB',
        toAmount: '0.0001',
        fee: '0.000002',
      },
      { DOGE: '-3', BNB: '0.0001' },
    ],
    [
      'an Earn subscription (net zero)',
      {
        ...base,
        kind: 'earn_subscription',
        id: 'flexible:1',
        product: 'flexible',
        asset: 'USDT',
        amount: '50',
        status: 'success',
      },
      {},
    ],
    ['an Earn reward', earnReward(1, 'USDT', '0.01'), { USDT: '0.01' }],
    [
      'an Auto-Invest execution',
      {
        ...base,
        kind: 'autoinvest_execution',
        id: '5',
        sourceAsset: 'USDT',
        sourceAssetAmount: '10',
        targetAsset: 'BTC',
        targetAssetAmount: '0.0002',
        fee: '0.01',
        feeAsset: 'USDT',
        status: 'success',
      },
      { USDT: '-10.01', BTC: '0.0002' },
    ],
    [
      'a completed P2P sell with a fee',
      {
        ...base,
        kind: 'p2p_order',
        id: '2',
        side: 'sell',
        asset: 'USDT',
        fiat: 'EUR',
        amount: '100',
        totalPrice: '92',
        fee: '0.05',
        status: 'completed',
      },
      { USDT: '-100.05' },
    ],
    [
      'a cancelled P2P buy',
      {
        ...base,
        kind: 'p2p_order',
        id: '2',
        side: 'buy',
        asset: 'USDT',
        fiat: 'EUR',
        amount: '100',
        totalPrice: '92',
        status: 'cancelled',
      },
      {},
    ],
    [
      'a fiat deposit',
      {
        ...base,
        kind: 'fiat_transfer',
        id: 'fiat:1',
        type: 'deposit',
        fiatCurrency: 'EUR',
        amount: '100',
        fee: '1',
        status: 'successful',
      },
      { EUR: '99' },
    ],
    [
      'a fiat withdrawal',
      {
        ...base,
        kind: 'fiat_transfer',
        id: 'fiat:2',
        type: 'withdrawal',
        fiatCurrency: 'EUR',
        amount: '100',
        fee: '1',
        status: 'successful',
      },
      { EUR: '-101' },
    ],
    ['a card buy', cardPayment('payment:1', 'buy'), { EUR: '-100', BTC: '0.002' }],
    ['a sale to fiat', cardPayment('payment:2', 'sell'), { EUR: '98', BTC: '-0.002' }],
    ['a dividend', dividend('1', 'BNB', '0.3'), { BNB: '0.3' }],
    ['an outgoing distribution', dividend('1', 'BNB', '0.3', { direction: 'out' }), { BNB: '-0.3' }],
    ['card spending (a balance change, signed)', balanceChange('c1', 'EUR', '-12.5'), { EUR: '-12.5' }],
    [
      'a margin loan credit',
      balanceChange('m1', 'USDT', '100', {
        category: 'margin',
        operation: 'Margin Loan',
        wallet: 'crossmargin',
      }),
      { USDT: '100' },
    ],
    ['a balance (state)', balance('spot', 'BTC', '1'), {}],
    ['an Earn position (state)', earnPosition('USDT', '5'), {}],
  ];
  it.each(cases)('%s', (_name, record, expected) => {
    expect(totals(record)).toEqual(expected);
  });

  it('shows the wallets a transfer moves between', () => {
    const effects = balanceEffects(walletTransfer);
    expect(effects).toEqual([
      { asset: 'USDT', wallet: 'spot', delta: '-10' },
      { asset: 'USDT', wallet: 'funding', delta: '10' },
    ]);
  });

  it('puts a balance change in the wallet the statement named', () => {
    expect(
      balanceEffects(balanceChange('f1', 'USDT', '-0.31', { category: 'futures', wallet: 'umfuture' })),
    ).toEqual([{ asset: 'USDT', wallet: 'umfuture', delta: '-0.31' }]);
    expect(balanceEffects(balanceChange('f2', 'BNB', '0.5', { wallet: 'funding' }))).toEqual([
      { asset: 'BNB', wallet: 'funding', delta: '0.5' },
    ]);
  });

  it.each([
    ['crossmargin', 'margin'],
    ['isolatedmargin', 'isolated_margin'],
    ['usdtfutures', 'umfuture'],
    ['coinmfutures', 'cmfuture'],
    ['options', 'option'],
    ['portfoliomargin', 'portfolio_margin'],
    ['card', 'card'],
    ['isolated_margin:BTCUSDT', 'isolated_margin:BTCUSDT'],
  ])(
    'reads the statement wallet name %s an earlier release stored as the API side names it (%s)',
    (stored, wallet) => {
      expect(balanceEffects(balanceChange('l1', 'USDT', '1', { wallet: stored }))).toEqual([
        { asset: 'USDT', wallet, delta: '1' },
      ]);
    },
  );

  it('sums exactly, without float error', () => {
    const rewards = Array.from({ length: 10 }, (_, i) => earnReward(i, 'USDT', '0.1'));
    expect(Object.fromEntries(sumEffectsByAsset(rewards.flatMap(balanceEffects)))).toEqual({ USDT: '1' });
  });
});
