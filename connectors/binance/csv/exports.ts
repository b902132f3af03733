/**
 * Normalizers of the dedicated exports (everything but the transaction history, see statement.ts):
 * one row → one record, with the natural id where the export carries the exchange's id (P2P order
 * number, fiat order id, order number) and a tolerant match rule where it does not.
 */
import {
  addDecimals,
  canonicalDecimal,
  compareDecimals,
  dec,
  isZeroDecimal,
  negateDecimal,
} from '../../../core/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import type { ExportKind } from './formats.js';
import type { Row } from './row.js';
import { splitSymbol, transferStatus } from './row.js';
import type { CsvAccountRecord, MatchRule, NormalizedItem } from './types.js';
import { stripInternalPrefix } from '../txid.js';

// The CSV modules have always imported it from here.
export { stripInternalPrefix } from '../txid.js';

/** Occurrence counters: two identical rows (two equal fills in one second) get distinct ids, the same in every export. */
export class Occurrences {
  private readonly seen = new Map<string, number>();
  next(key: string): string {
    // Bounded memory: exports run in time order, so the oldest half (insertion order) can go.
    if (this.seen.size > 200_000) {
      let drop = this.seen.size / 2;
      for (const k of this.seen.keys()) {
        if (drop-- <= 0) break;
        this.seen.delete(k);
      }
    }
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    return n === 1 ? key : `${key}#${n}`;
  }
}

const SECOND = 1000;

function window(ms: number, tol: number): { since: number; until: number } {
  return { since: ms - tol, until: ms + tol };
}

function tolText(tol: number): string {
  return tol >= 86_400_000 ? 'same day' : tol >= 60_000 ? `±${tol / 60_000}min` : `±${tol / 1000}s`;
}

function eq(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && compareDecimals(a, b) === 0;
}

function base(
  row: Row,
  kind: AccountRecord['kind'],
  id: string,
  time: number,
): Pick<CsvAccountRecord, 'id' | 'account' | 'time' | 'source' | 'raw'> & { kind: typeof kind } {
  return { kind, id, account: row.ctx.account, time, source: 'csv', raw: row.raw() };
}

export type RowNormalizer = (row: Row, occ: Occurrences) => NormalizedItem[];

const spotTrade: RowNormalizer = (row, occ) => {
  const t = row.time();
  const qty = row.amount('qty');
  const quote = row.amount('quoteQty');
  const price = row.amount('price');
  const fee = row.amount('fee');
  const feeAsset = (row.text('feeAsset') || fee.asset || '').toUpperCase();
  const pair = row.need('symbol');
  const split = splitSymbol(pair, { base: qty.asset, quote: quote.asset });
  if (!split) throw row.error('symbol', `cannot tell the base and quote assets of ${JSON.stringify(pair)}`);
  if (!feeAsset) throw row.error('fee', 'has no fee asset');
  const sideText = row.need('side').toLowerCase();
  const side = /^(buy|nákup|nakup|compra|achat|kauf)$/.test(sideText)
    ? 'buy'
    : /^(sell|prodej|venta|vente|verkauf)$/.test(sideText)
      ? 'sell'
      : undefined;
  if (!side) throw row.error('side', `is neither BUY nor SELL: ${JSON.stringify(sideText)}`);
  const symbol = split.base + split.quote;
  const id = occ.next(`${symbol}:csv:${t.ms}:${side}:${qty.value}:${price.value}`);
  const record: CsvAccountRecord = {
    ...base(row, 'trade', id, t.ms),
    kind: 'trade',
    symbol,
    baseAsset: split.base,
    quoteAsset: split.quote,
    side,
    price: price.value,
    qty: qty.value,
    quoteQty: quote.value,
    fee: fee.value,
    feeAsset,
  };
  const tol = Math.max(t.toleranceMs, SECOND);
  const match: MatchRule = {
    rule: 'symbol-side-qty-price-time',
    tolerance: tolText(tol),
    ...window(t.ms, tol),
    test: (s) =>
      s.kind === 'trade' &&
      s.symbol === symbol &&
      s.side === side &&
      eq(s.qty, qty.value) &&
      eq(s.price, price.value),
  };
  return [{ type: 'record', line: row.line, record, match }];
};

function cryptoTransfer(direction: 'in' | 'out'): RowNormalizer {
  return (row, occ) => {
    const t = row.time();
    const coin = row.need('coin').toUpperCase();
    const amount = row.amount('amount');
    const fee = direction === 'out' ? (row.optionalAmount('fee')?.value ?? '0') : '0';
    const txRaw = row.text('txId');
    const { txId, internal } = stripInternalPrefix(txRaw);
    const status = transferStatus(row.text('status') || 'completed');
    const type = direction === 'in' ? 'deposit' : 'withdrawal';
    const key = txId
      ? `${type}:csv:${coin}:${txId}:${amount.value}`
      : `${type}:csv:${coin}:${t.ms}:${amount.value}`;
    const id = occ.next(key);
    const record: CsvAccountRecord = {
      ...base(row, 'transfer', id, t.ms),
      kind: 'transfer',
      direction,
      type,
      asset: coin,
      amount: amount.value,
      fee,
      status,
      internal,
    };
    const network = row.text('network');
    if (network) record.network = network;
    const address = row.text('address');
    if (address) record.address = address;
    const tag = row.text('paymentId');
    if (tag) record.addressTag = tag;
    if (txId) record.txId = txId;
    const tol = Math.max(t.toleranceMs, 2 * SECOND);
    const gross = addDecimals(amount.value, fee);
    // A copy without a TXID (a statement row) matches on amount and time; a statement withdrawal's change is gross.
    const sameAmount = (s: AccountRecord & { kind: 'transfer' }): boolean =>
      Math.abs(s.time - t.ms) <= tol &&
      (eq(s.amount, amount.value) || (direction === 'out' && eq(s.amount, gross) && isZeroDecimal(s.fee)));
    const match: MatchRule = {
      rule: txId ? (internal ? 'internal-txid' : 'txid') : 'asset-amount-time',
      tolerance: txId ? 'same txid, ±1 day' : tolText(tol),
      since: t.ms - (txId ? 86_400_000 : tol),
      until: t.ms + (txId ? 86_400_000 : tol),
      test: (s) =>
        s.kind === 'transfer' &&
        s.type === type &&
        s.asset === coin &&
        (txId && s.txId
          ? stripInternalPrefix(s.txId).txId === txId && eq(s.amount, amount.value)
          : sameAmount(s)),
    };
    return [{ type: 'record', line: row.line, record, match }];
  };
}

function fiat(type: 'deposit' | 'withdrawal'): RowNormalizer {
  return (row) => {
    const t = row.time();
    const amount = row.amount('amount');
    const currency = (row.text('coin') || amount.asset || '').toUpperCase();
    if (!currency) throw row.error('amount', 'names no currency');
    const fee = row.optionalAmount('fee');
    const orderId = row.need('orderId');
    const record: CsvAccountRecord = {
      ...base(row, 'fiat_transfer', `fiat:${orderId}`, t.ms),
      kind: 'fiat_transfer',
      type,
      fiatCurrency: currency,
      amount: amount.value,
      fee: fee?.value ?? '0',
      status: row.need('status').toLowerCase(),
    };
    const method = row.text('method');
    if (method) record.method = method;
    const feeValue = fee?.value ?? '0';
    const tol = Math.max(t.toleranceMs, 2 * SECOND);
    // Only copies without an order id (statement rows) can be this order under another id.
    const match: MatchRule = {
      rule: 'currency-amount-time',
      tolerance: tolText(tol),
      ...window(t.ms, tol),
      test: (s) =>
        s.kind === 'fiat_transfer' &&
        s.id.startsWith('fiat:stmt:') &&
        s.type === type &&
        s.fiatCurrency === currency &&
        (eq(s.amount, amount.value) ||
          eq(s.amount, addDecimals(amount.value, negateDecimal(feeValue))) ||
          eq(s.amount, addDecimals(amount.value, feeValue))),
    };
    return [{ type: 'record', line: row.line, record, match }];
  };
}

const convert: RowNormalizer = (row, occ) => {
  const t = row.time();
  const sell = row.amount('sell');
  const buy = row.amount('buy');
  let fromAsset = sell.asset;
  let toAsset = buy.asset;
  if (!fromAsset || !toAsset) {
    const pair = splitSymbol(row.need('pair'));
    if (!pair) throw row.error('pair', 'cannot tell the assets');
    fromAsset ??= pair.base;
    toAsset ??= pair.quote;
  }
  const statusText = row.need('status').toLowerCase();
  const status = /success|complete/.test(statusText)
    ? 'success'
    : /process|pending/.test(statusText)
      ? 'processing'
      : 'failed';
  const id = occ.next(`csv:${t.ms}:${fromAsset}:${sell.value}:${toAsset}:${buy.value}`);
  const record: CsvAccountRecord = {
    ...base(row, 'conversion', id, t.ms),
    kind: 'conversion',
    fromAsset,
    fromAmount: sell.value,
    toAsset,
    toAmount: buy.value,
    status,
  };
  const price = row.optionalAmount('price');
  const inverse = row.optionalAmount('inversePrice');
  // Our ratio is toAmount per fromAmount; the export's Price is quoted per the pair's base. Keep it only when it is that ratio.
  if (
    price &&
    !isZeroDecimal(sell.value) &&
    eq(price.value, canonicalDecimal(dec(buy.value).div(sell.value).toSignificantDigits(8)))
  )
    record.ratio = price.value;
  if (inverse && record.ratio) record.inverseRatio = inverse.value;
  const tol = Math.max(t.toleranceMs, 2 * SECOND);
  const match: MatchRule = {
    rule: 'assets-amounts-time',
    tolerance: tolText(tol),
    ...window(t.ms, tol),
    test: (s) =>
      s.kind === 'conversion' &&
      s.fromAsset === fromAsset &&
      s.toAsset === toAsset &&
      eq(s.fromAmount, sell.value) &&
      eq(s.toAmount, buy.value),
  };
  return [{ type: 'record', line: row.line, record, match }];
};

/** Export reward labels → the API's flexible reward types; locked types stay as the exchange names them. */
export function rewardTypeOf(label: string): { product: 'flexible' | 'locked'; rewardType: string } {
  const k = label.toLowerCase().replace(/[^a-z]/g, '');
  if (k.includes('realtime')) return { product: 'flexible', rewardType: 'REALTIME' };
  if (k.includes('bonus')) return { product: 'flexible', rewardType: 'BONUS' };
  if (k === 'rewards' || k.includes('flexible')) return { product: 'flexible', rewardType: 'REWARDS' };
  if (k.includes('locked')) return { product: 'locked', rewardType: 'Locked Rewards' };
  if (k.includes('boost')) return { product: 'locked', rewardType: 'Boost Rewards' };
  if (k.includes('extra')) return { product: 'locked', rewardType: 'Extra Rewards' };
  return { product: 'locked', rewardType: label.trim() };
}

const earnReward: RowNormalizer = (row, occ) => {
  const t = row.time();
  const asset = row.need('coin').toUpperCase();
  const amount = row.amount('amount');
  const label = row.text('type') || row.text('product') || 'Rewards';
  const { product, rewardType } = rewardTypeOf(label);
  const id = occ.next(`${product}:${rewardType}:${asset}:${t.ms}:csv:${amount.value}`);
  const record: CsvAccountRecord = {
    ...base(row, 'earn_reward', id, t.ms),
    kind: 'earn_reward',
    product,
    rewardType,
    asset,
    amount: amount.value,
  };
  const tol = Math.max(t.toleranceMs, SECOND);
  const match: MatchRule = {
    rule: 'product-type-asset-amount-time',
    tolerance: tolText(tol),
    since: t.ms,
    // A date-only cell covers the whole day from its midnight.
    until: t.ms + (t.toleranceMs >= 86_400_000 ? 86_400_000 - 1 : tol),
    // A statement copy names the reward by its operation label, not the API's type.
    test: (s) =>
      s.kind === 'earn_reward' &&
      s.product === product &&
      (s.rewardType === rewardType || s.id.includes(':stmt:')) &&
      s.asset === asset &&
      eq(s.amount, amount.value),
  };
  if (t.toleranceMs < 86_400_000) match.since = t.ms - tol;
  return [{ type: 'record', line: row.line, record, match }];
};

const ethStaking: RowNormalizer = (row, occ) => {
  const t = row.time();
  const asset = row.need('coin').toUpperCase();
  const amount = row.amount('amount');
  const id = occ.next(`locked:csv:${t.ms}:${asset}:${amount.value}`);
  const record: CsvAccountRecord = {
    ...base(row, 'earn_subscription', id, t.ms),
    kind: 'earn_subscription',
    product: 'locked',
    asset,
    amount: amount.value,
    type: `ETH 2.0 Staking (${row.text('token') || 'BETH'})`,
    status: (row.text('status') || 'success').toLowerCase(),
  };
  const tol = Math.max(t.toleranceMs, SECOND);
  const match: MatchRule = {
    rule: 'asset-amount-time',
    tolerance: tolText(tol),
    ...window(t.ms, tol),
    test: (s) => s.kind === 'earn_subscription' && s.asset === asset && eq(s.amount, amount.value),
  };
  return [{ type: 'record', line: row.line, record, match }];
};

const autoInvest: RowNormalizer = (row, occ) => {
  const t = row.time();
  const target = row.need('holdingCoin').toUpperCase();
  const source = row.amount('amount');
  const units = row.amount('units');
  const fee = row.optionalAmount('fee');
  if (!source.asset) throw row.error('amount', 'names no asset (expected like "10.00000000 USDT")');
  const statusText = row.need('status').toLowerCase();
  const status = /success|complete/.test(statusText) ? 'success' : statusText;
  const id = occ.next(`csv:${t.ms}:${target}:${units.value}`);
  const record: CsvAccountRecord = {
    ...base(row, 'autoinvest_execution', id, t.ms),
    kind: 'autoinvest_execution',
    sourceAsset: source.asset,
    sourceAssetAmount: source.value,
    targetAsset: units.asset ?? target,
    targetAssetAmount: units.value,
    status,
  };
  if (fee) {
    record.fee = fee.value;
    record.feeAsset = fee.asset ?? source.asset;
  }
  const tol = Math.max(t.toleranceMs, SECOND);
  const match: MatchRule = {
    rule: 'target-amount-time',
    tolerance: tolText(tol),
    ...window(t.ms, tol),
    test: (s) =>
      s.kind === 'autoinvest_execution' &&
      s.targetAsset === record.targetAsset &&
      eq(s.targetAssetAmount, units.value),
  };
  return [{ type: 'record', line: row.line, record, match }];
};

const p2p: RowNormalizer = (row) => {
  const t = row.time();
  const orderNumber = row.need('orderNumber').replace(/^'/, '');
  const sideText = row.need('side').toLowerCase();
  const side = sideText.startsWith('buy') ? 'buy' : sideText.startsWith('sell') ? 'sell' : undefined;
  if (!side) throw row.error('side', `is neither Buy nor Sell: ${JSON.stringify(sideText)}`);
  const maker = row.optionalAmount('makerFee');
  const taker = row.optionalAmount('takerFee');
  const fee = maker && !isZeroDecimal(maker.value) ? maker.value : (taker?.value ?? '0');
  const record: CsvAccountRecord = {
    ...base(row, 'p2p_order', orderNumber, t.ms),
    kind: 'p2p_order',
    side,
    asset: row.need('asset').toUpperCase(),
    fiat: row.need('fiat').toUpperCase(),
    amount: row.amount('qty').value,
    totalPrice: row.amount('totalPrice').value,
    status: row.need('status').toLowerCase(),
    fee,
  };
  const price = row.optionalAmount('price');
  if (price) record.unitPrice = price.value;
  const counterparty = row.text('counterparty');
  if (counterparty) record.counterparty = counterparty;
  return [{ type: 'record', line: row.line, record }];
};

/**
 * Dedicated-export normalizers by kind (the transaction history and order history are stateful, and the
 * futures export has a file of its own: see their files).
 */
export const ROW_NORMALIZERS: Partial<Record<ExportKind, RowNormalizer>> = {
  spot_trade_history: spotTrade,
  crypto_deposit: cryptoTransfer('in'),
  crypto_withdrawal: cryptoTransfer('out'),
  fiat_deposit: fiat('deposit'),
  fiat_withdrawal: fiat('withdrawal'),
  convert,
  earn_rewards: earnReward,
  eth_staking: ethStaking,
  auto_invest: autoInvest,
  p2p,
};
