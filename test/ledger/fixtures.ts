/**
 * Hand-built records for the ledger tests: one factory per kind used, each a valid record of
 * docs/normalized-model.md that a test can override field by field.
 */
import type {
  AccountRecord,
  Balance,
  BalanceChange,
  Conversion,
  Dividend,
  EarnPosition,
  EarnReward,
  Trade,
  Transfer,
} from '../../schemas/index.js';
import type { IncomingRecord } from '../../ledger/index.js';

export const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

type Src = { source?: 'api' | 'web' | 'csv' };

export function trade(n: number, over: Partial<Trade> & Src = {}): IncomingRecord {
  return {
    kind: 'trade',
    id: `BNBBTC:${n}`,
    account: 'main',
    time: T0 + n * HOUR,
    source: 'api',
    symbol: 'BNBBTC',
    baseAsset: 'BNB',
    quoteAsset: 'BTC',
    tradeId: String(n),
    orderId: String(1000 + n),
    side: 'buy',
    price: '0.01',
    qty: '1',
    quoteQty: '0.01',
    fee: '0.001',
    feeAsset: 'BNB',
    isMaker: false,
    raw: { id: n, symbol: 'BNBBTC', isBuyer: true },
    ...over,
  } as IncomingRecord;
}

export function deposit(
  id: string,
  asset: string,
  amount: string,
  over: Partial<Transfer> & Src = {},
): IncomingRecord {
  return {
    kind: 'transfer',
    id: `deposit:${id}`,
    account: 'main',
    time: T0,
    source: 'api',
    direction: 'in',
    type: 'deposit',
    asset,
    amount,
    fee: '0',
    network: asset,
    txId: `0x${id}`,
    internal: false,
    status: 'completed',
    ...over,
  } as IncomingRecord;
}

export function withdrawal(
  id: string,
  asset: string,
  amount: string,
  fee: string,
  over: Partial<Transfer> & Src = {},
): IncomingRecord {
  return {
    kind: 'transfer',
    id: `withdrawal:${id}`,
    account: 'main',
    time: T0 + 100 * HOUR,
    source: 'api',
    direction: 'out',
    type: 'withdrawal',
    asset,
    amount,
    fee,
    status: 'completed',
    ...over,
  } as IncomingRecord;
}

/** A move between two of the holder's wallets (`transferType` as the API names it): net zero. */
export function walletTransfer(
  id: string,
  asset: string,
  amount: string,
  transferType: string,
  fromWallet: string,
  toWallet: string,
  over: Partial<Transfer> & Src = {},
): IncomingRecord {
  return withdrawal(id, asset, amount, '0', {
    id: `wallet:${id}`,
    time: T0 + 2 * HOUR,
    direction: 'internal',
    type: 'wallet_transfer',
    transferType,
    fromWallet,
    toWallet,
    ...over,
  });
}

export function balance(
  wallet: Balance['wallet'],
  asset: string,
  free: string,
  over: Partial<Balance> & Src = {},
): IncomingRecord {
  return {
    kind: 'balance',
    id: `${wallet}:${asset}`,
    account: 'main',
    time: T0 + 1000 * HOUR,
    source: 'api',
    wallet,
    asset,
    free,
    locked: '0',
    ...over,
  } as IncomingRecord;
}

export function conversion(id: string, over: Partial<Conversion> & Src = {}): IncomingRecord {
  return {
    kind: 'conversion',
    id,
    account: 'main',
    time: T0 + 5 * HOUR,
    source: 'api',
    quoteId: 'q1',
    fromAsset: 'USDT',
    fromAmount: '100',
    toAsset: 'BTC',
    toAmount: '0.002',
    ratio: '0.00002',
    inverseRatio: '50000',
    status: 'success',
    ...over,
  } as IncomingRecord;
}

export function earnReward(
  n: number,
  asset: string,
  amount: string,
  over: Partial<EarnReward> & Src = {},
): IncomingRecord {
  const time = T0 + n * HOUR;
  return {
    kind: 'earn_reward',
    id: `flexible:REALTIME:${asset}:${time}:${asset}001`,
    account: 'main',
    time,
    source: 'api',
    product: 'flexible',
    rewardType: 'REALTIME',
    asset,
    amount,
    productId: `${asset}001`,
    ...over,
  } as IncomingRecord;
}

export function earnPosition(
  asset: string,
  amount: string,
  over: Partial<EarnPosition> & Src = {},
): IncomingRecord {
  return {
    kind: 'earn_position',
    id: `flexible:${asset}001`,
    account: 'main',
    time: T0 + 1000 * HOUR,
    source: 'api',
    product: 'flexible',
    asset,
    amount,
    productId: `${asset}001`,
    apr: '0.05',
    canRedeem: true,
    ...over,
  } as IncomingRecord;
}

export function dividend(
  id: string,
  asset: string,
  amount: string,
  over: Partial<Dividend> & Src = {},
): IncomingRecord {
  return {
    kind: 'dividend',
    id,
    account: 'main',
    time: T0 + 7 * HOUR,
    source: 'api',
    asset,
    amount,
    info: 'BNB Vault',
    tranId: '77',
    direction: 'in',
    ...over,
  } as IncomingRecord;
}

/** A movement the model has no specific kind for (a statement row: card spending by default). */
export function balanceChange(
  id: string,
  asset: string,
  amount: string,
  over: Partial<BalanceChange> & Src = {},
): IncomingRecord {
  return {
    kind: 'balance_change',
    id,
    account: 'main',
    time: T0 + 8 * HOUR,
    source: 'csv',
    category: 'card',
    operation: 'Binance Card Spending',
    wallet: 'spot',
    asset,
    amount,
    ...over,
  } as IncomingRecord;
}

/** Strips the envelope: what the ledger stores and exports. */
export function content(record: AccountRecord): Record<string, unknown> {
  const { source: _s, raw: _r, routes: _t, ...rest } = record as AccountRecord & { routes?: unknown };
  return rest;
}
