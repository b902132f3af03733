/**
 * The dedicated exports of the sandbox account (everything but the transaction history): spot trade and
 * order history, crypto deposits and withdrawals, fiat deposits and withdrawals, convert, Earn rewards,
 * Auto-Invest and P2P, each in the header variants of csv-formats.md, from CSV-routed records only.
 */
import { addDecimals, canonicalDecimal, negateDecimal } from '../../core/index.js';
import { orderAt, tradeAt } from '../data/columns.js';
import { ROUTE_CSV, type SandboxAccount } from '../data/model.js';
import { fixed8, formatTime, offsetLabel, scientificIfTiny, thousands } from './format.js';

/** Rows of one export: the header cells then each row's cells. */
export interface ExportTable {
  header: string[];
  rows: Iterable<string[]>;
}

/** What each export can vary. */
export interface ExportParams {
  variant: string;
  /** Minutes east of UTC for exports whose times are local. */
  offset: number;
  /** The export's date range (epoch ms, inclusive), as the Data Download Center asks for one. */
  from?: number;
  to?: number;
}

/** True when `ms` is inside the export's range. */
export function inRange(p: Pick<ExportParams, 'from' | 'to'>, ms: number): boolean {
  return (p.from === undefined || ms >= p.from) && (p.to === undefined || ms <= p.to);
}

const c = canonicalDecimal;

const DEPOSIT_STATUS: Record<number, string> = {
  0: 'Pending',
  1: 'Completed',
  2: 'Rejected',
  6: 'Completed',
  7: 'Failed',
  8: 'Pending',
};
const WITHDRAW_STATUS = ['Pending', 'Cancelled', 'Pending', 'Rejected', 'Processing', 'Failure', 'Completed'];

function* spotTradeRows(
  account: SandboxAccount,
  variant: string,
  offset: number,
  p: ExportParams,
): Generator<string[]> {
  const t = account.trades;
  const order: number[] = [];
  for (let i = 0; i < t.count; i++)
    if (((t.routes[i] as number) & ROUTE_CSV) !== 0 && inRange(p, t.time[i] as number)) order.push(i);
  order.sort((a, b) => (t.time[a] as number) - (t.time[b] as number) || a - b);
  for (const i of order) {
    const r = tradeAt(account, i);
    const sym = account.symbols[t.symbol[i] as number]!;
    const time = formatTime(r.time, offset);
    if (variant === '2020') {
      yield [
        time,
        r.symbol,
        r.isBuyer ? 'BUY' : 'SELL',
        fixed8(r.price),
        fixed8(r.qty),
        fixed8(r.quoteQty),
        fixed8(r.commission),
        r.commissionAsset,
      ];
    } else {
      // 2021+: asset-suffixed quantities and a price with a thousands separator.
      yield [
        time,
        r.symbol,
        r.isBuyer ? 'BUY' : 'SELL',
        thousands(r.price, 10),
        `${dec10(r.qty)}${sym.baseAsset}`,
        `${dec10(r.quoteQty)}${sym.quoteAsset}`,
        `${dec10(r.commission)}${r.commissionAsset}`,
      ];
    }
  }
}

function dec10(amount: string): string {
  return thousands(amount, 10).replace(/,/g, '');
}

function spotTrades(account: SandboxAccount, p: ExportParams): ExportTable {
  const date = `Date(${offsetLabel(p.offset, 'UTC')})`;
  const header =
    p.variant === '2020'
      ? [date, 'Market', 'Type', 'Price', 'Amount', 'Total', 'Fee', 'Fee Coin']
      : [date, 'Pair', 'Side', 'Price', p.variant === 'quantity' ? 'Quantity' : 'Executed', 'Amount', 'Fee'];
  return { header, rows: spotTradeRows(account, p.variant === 'quantity' ? '2021' : p.variant, p.offset, p) };
}

function* orderRows(
  account: SandboxAccount,
  withNumber: boolean,
  offset: number,
  p: ExportParams,
): Generator<string[]> {
  const t = account.trades;
  const o = account.orders;
  // Fills by (symbol, orderId): trades are sorted by symbol, so one symbol's map at a time.
  for (let s = 0; s < account.symbols.length; s++) {
    const fills = new Map<number, number[]>();
    for (let i = t.symbolStart[s] as number; i < (t.symbolStart[s + 1] as number); i++) {
      if (((t.routes[i] as number) & ROUTE_CSV) === 0) continue;
      const id = t.orderId[i] as number;
      const list = fills.get(id);
      if (list) list.push(i);
      else fills.set(id, [i]);
    }
    for (let k = o.symbolStart[s] as number; k < (o.symbolStart[s + 1] as number); k++) {
      if (((o.routes[k] as number) & ROUTE_CSV) === 0 || !inRange(p, o.time[k] as number)) continue;
      const r = orderAt(account, k);
      const avg =
        c(r.executedQty) !== '0' && !r.cummulativeQuoteQty.startsWith('-')
          ? (Number(r.cummulativeQuoteQty) / Number(r.executedQty)).toFixed(8)
          : '0';
      const status =
        r.status === 'FILLED'
          ? 'Filled'
          : r.status === 'CANCELED'
            ? 'Canceled'
            : r.status === 'PARTIALLY_FILLED'
              ? 'Partial Fill'
              : r.status.charAt(0) + r.status.slice(1).toLowerCase();
      const cells = [
        formatTime(r.time, offset),
        ...(withNumber ? [String(r.orderId)] : []),
        r.symbol,
        r.side,
        fixed8(r.price),
        fixed8(r.origQty),
        avg,
        fixed8(r.executedQty),
        r.cummulativeQuoteQty.startsWith('-') ? '' : fixed8(r.cummulativeQuoteQty),
        status,
      ];
      yield cells;
      const list = fills.get(r.orderId);
      if (!list?.length) continue;
      yield [
        '',
        `Date(${offsetLabel(offset, 'UTC')})`,
        'Trading Price',
        'Filled',
        'Total',
        'Fee',
        '',
        '',
        ...(withNumber ? [''] : []),
      ];
      for (const i of list) {
        const f = tradeAt(account, i);
        yield [
          '',
          formatTime(f.time, offset),
          fixed8(f.price),
          fixed8(f.qty),
          fixed8(f.quoteQty),
          `${fixed8(f.commission)}${f.commissionAsset}`,
          '',
          '',
          ...(withNumber ? [''] : []),
        ];
      }
    }
  }
}

function spotOrders(account: SandboxAccount, p: ExportParams): ExportTable {
  const date = `Date(${offsetLabel(p.offset, 'UTC')})`;
  const withNumber = p.variant !== '2020';
  const header = [
    date,
    ...(withNumber ? ['OrderNo'] : []),
    'Pair',
    'Type',
    'Order Price',
    'Order Amount',
    'AvgTrading Price',
    'Filled',
    'Total',
    'status',
  ];
  return { header, rows: orderRows(account, withNumber, p.offset, p) };
}

/** The cells of a crypto deposit or withdrawal that its export rows show. */
interface CryptoTransferCells {
  coin: string;
  network: string;
  amount: string;
  fee: string;
  address: string;
  txId: string;
  addressTag: string;
  status: string;
}

/**
 * The crypto deposit and withdrawal exports: the same columns but for the 2025 variant's `Fee`, which only
 * withdrawals write (`withFee2025`).
 */
function cryptoTransfers(
  p: ExportParams,
  withFee2025: boolean,
  list: Array<{ time: number; cells: CryptoTransferCells }>,
): ExportTable {
  const v = p.variant;
  const date = v === '2025' ? `Date(${offsetLabel(p.offset)})` : `Date(${offsetLabel(p.offset, 'UTC')})`;
  const network = v === '2019' ? [] : ['Network'];
  const header =
    v === '2025'
      ? [date, 'Coin', 'Network', 'Amount', ...(withFee2025 ? ['Fee'] : []), 'Address', 'TXID', 'Status']
      : [
          date,
          'Coin',
          ...network,
          'Amount',
          'TransactionFee',
          'Address',
          'TXID',
          'SourceAddress',
          'PaymentID',
          'Status',
        ];
  const rows = list
    .filter(({ time }) => inRange(p, time))
    .sort((a, b) => a.time - b.time)
    .map(({ time: ms, cells: t }) => {
      const time = formatTime(ms, p.offset, v === '2025' ? 'yy' : 'full');
      if (v === '2025')
        return [
          time,
          t.coin,
          t.network,
          t.amount,
          ...(withFee2025 ? [t.fee] : []),
          t.address,
          t.txId,
          t.status,
        ];
      return [
        time,
        t.coin,
        ...(v === '2019' ? [] : [t.network]),
        t.amount,
        t.fee,
        t.address,
        t.txId,
        '',
        t.addressTag,
        t.status,
      ];
    });
  return { header, rows };
}

function deposits(account: SandboxAccount, p: ExportParams): ExportTable {
  const list = account.deposits
    .filter((d) => d.routes.csv)
    .map(({ raw: d }) => ({
      time: d.insertTime,
      cells: {
        coin: d.coin,
        network: d.network,
        amount: fixed8(d.amount),
        fee: '0',
        address: d.address,
        txId: d.txId,
        addressTag: d.addressTag,
        status: DEPOSIT_STATUS[d.status] ?? 'Pending',
      },
    }));
  return cryptoTransfers(p, false, list);
}

function withdrawals(account: SandboxAccount, p: ExportParams): ExportTable {
  const list = account.withdrawals
    .filter((w) => w.routes.csv)
    .map(({ raw: w }) => ({
      time: Date.parse(`${w.applyTime.replace(' ', 'T')}Z`),
      cells: {
        coin: w.coin,
        network: w.network ?? '',
        amount: fixed8(w.amount),
        fee: fixed8(w.transactionFee),
        address: w.address,
        txId: w.txId,
        addressTag: w.addressTag ?? '',
        status: WITHDRAW_STATUS[w.status] ?? 'Pending',
      },
    }));
  return cryptoTransfers(p, true, list);
}

function fiat(account: SandboxAccount, p: ExportParams, transactionType: 0 | 1): ExportTable {
  const date = `Date(${offsetLabel(p.offset, 'UTC')})`;
  const list = account.fiatOrders
    .filter((f) => f.routes.csv && f.transactionType === transactionType && inRange(p, f.raw.createTime))
    .sort((a, b) => a.raw.createTime - b.raw.createTime);
  if (p.variant === '2023') {
    // Amounts carry their currency: `387.81 EUR`.
    const header = [
      date,
      'Method',
      transactionType === 0 ? 'Deposit Amount' : 'Withdraw Amount',
      'Receive Amount',
      'Fee',
      'Status',
      'Transaction ID',
    ];
    const rows = list.map(({ raw: f }) => {
      const received = transactionType === 0 ? addDecimals(f.amount, negateDecimal(f.totalFee)) : f.amount;
      return [
        formatTime(f.createTime, p.offset),
        f.method,
        `${f.amount} ${f.fiatCurrency}`,
        `${c(received)} ${f.fiatCurrency}`,
        `${f.totalFee} ${f.fiatCurrency}`,
        f.status,
        f.orderNo,
      ];
    });
    return { header, rows };
  }
  const header = [date, 'Coin', 'Amount', 'Status', 'Payment Method', 'Indicated Amount', 'Fee', 'Order ID'];
  const rows = list.map(({ raw: f }) => [
    formatTime(f.createTime, p.offset),
    f.fiatCurrency,
    f.amount,
    f.status,
    f.method,
    f.indicatedAmount,
    f.totalFee,
    f.orderNo,
  ]);
  return { header, rows };
}

function converts(account: SandboxAccount, p: ExportParams): ExportTable {
  const withWallet = p.variant !== '2021';
  const header = [
    'Date',
    ...(withWallet ? ['Wallet'] : []),
    'Pair',
    'Type',
    'Sell',
    'Buy',
    'Price',
    'Inverse Price',
    'Date Updated',
    'Status',
  ];
  const rows = account.converts
    .filter((v) => v.routes.csv && v.raw.orderStatus === 'SUCCESS' && inRange(p, v.raw.createTime))
    .sort((a, b) => a.raw.createTime - b.raw.createTime)
    .map(({ raw: v }) => {
      const time = formatTime(v.createTime, p.offset);
      return [
        time,
        ...(withWallet ? ['Spot Wallet'] : []),
        `${v.fromAsset}/${v.toAsset}`,
        'Market',
        `${c(v.fromAmount)} ${v.fromAsset}`,
        `${c(v.toAmount)} ${v.toAsset}`,
        c(v.ratio),
        c(v.inverseRatio),
        time,
        'Successful',
      ];
    });
  return { header, rows };
}

const FLEX_REWARD_LABEL: Record<string, string> = {
  REALTIME: 'Real-Time APR Rewards',
  BONUS: 'Bonus Tiered APR Rewards',
  REWARDS: 'Rewards',
};

function earnRewards(account: SandboxAccount, p: ExportParams): ExportTable {
  const header = [`Date(${offsetLabel(p.offset)})`, 'Coin', 'Amount', 'Type'];
  const rows: { time: number; cells: string[] }[] = [];
  for (const { raw: r, routes } of account.flexibleRewards) {
    if (!routes.csv || !inRange(p, r.time)) continue;
    rows.push({
      time: r.time,
      cells: [
        formatTime(r.time, p.offset),
        r.asset,
        scientificIfTiny(r.rewards),
        FLEX_REWARD_LABEL[r.type] ?? r.type,
      ],
    });
  }
  for (const { raw: r, routes } of account.lockedRewards) {
    if (!routes.csv || !inRange(p, r.time)) continue;
    rows.push({
      time: r.time,
      cells: [formatTime(r.time, p.offset), r.asset, scientificIfTiny(r.amount), r.type],
    });
  }
  return { header, rows: rows.sort((a, b) => a.time - b.time).map((r) => r.cells) };
}

function autoInvest(account: SandboxAccount, p: ExportParams): ExportTable {
  const header = [
    `Auto-Invest Date(${offsetLabel(p.offset, 'UTC')})`,
    'Holding Coin',
    'Amount per period',
    'Trading Fee',
    'Units',
    'From',
    'Status',
  ];
  const rows = account.autoInvestExecutions
    .filter((x) => x.routes.csv && inRange(p, x.raw.transactionDateTime))
    .sort((a, b) => a.raw.transactionDateTime - b.raw.transactionDateTime)
    .map(({ raw: x }) => [
      formatTime(x.transactionDateTime, p.offset),
      x.targetAsset,
      `${fixed8(x.sourceAssetAmount)} ${x.sourceAsset}`,
      `${fixed8(x.transactionFee)} ${x.transactionFeeUnit}`,
      `${fixed8(x.targetAssetAmount)} ${x.targetAsset}`,
      x.sourceWallet === 'SPOT_WALLET' ? 'Spot Wallet' : 'Spot Wallet + Flexible Savings',
      x.transactionStatus === 'SUCCESS'
        ? 'Success'
        : x.transactionStatus.charAt(0) + x.transactionStatus.slice(1).toLowerCase(),
    ]);
  return { header, rows };
}

function p2p(account: SandboxAccount, p: ExportParams): ExportTable {
  const header = [
    'Order Number',
    'Order Type',
    'Asset',
    'Fiat Type',
    'Total Price',
    'Price',
    'Quantity',
    'Exchange rate',
    'Maker Fee',
    'Taker Fee',
    'Counterparty',
    'Status',
    'Created Time',
  ];
  const rows = account.c2cOrders
    .filter((o) => o.routes.csv && inRange(p, o.raw.createTime))
    .sort((a, b) => a.raw.createTime - b.raw.createTime)
    .map(({ raw: o }) => {
      const maker = o.advertisementRole === 'MAKER';
      return [
        o.orderNumber,
        o.tradeType === 'BUY' ? 'Buy' : 'Sell',
        o.asset,
        o.fiat,
        o.totalPrice,
        o.unitPrice,
        o.amount,
        o.unitPrice,
        maker ? o.commission : '0',
        maker ? '0' : o.commission,
        o.counterPartNickName,
        o.orderStatus.charAt(0) + o.orderStatus.slice(1).toLowerCase(),
        formatTime(o.createTime, p.offset),
      ];
    });
  return { header, rows };
}

/** Export name → its table and the variants it accepts (first = default). */
export const DEDICATED_EXPORTS: Record<
  string,
  { variants: string[]; fileName: string; build: (a: SandboxAccount, p: ExportParams) => ExportTable }
> = {
  'spot-trade-history': {
    variants: ['2021', '2020', 'quantity'],
    fileName: 'Binance-Spot-Trade-History',
    build: spotTrades,
  },
  'spot-order-history': {
    variants: ['2023', '2020'],
    fileName: 'Binance-Spot-Order-History',
    build: spotOrders,
  },
  'deposit-history': {
    variants: ['2021', '2019', '2025'],
    fileName: 'Binance-Deposit-History',
    build: deposits,
  },
  'withdrawal-history': {
    variants: ['2021', '2019', '2025'],
    fileName: 'Binance-Withdraw-History',
    build: withdrawals,
  },
  'fiat-deposit-history': {
    variants: ['2020', '2023'],
    fileName: 'Binance-Fiat-Deposit-History',
    build: (a, p) => fiat(a, p, 0),
  },
  'fiat-withdrawal-history': {
    variants: ['2020', '2023'],
    fileName: 'Binance-Fiat-Withdraw-History',
    build: (a, p) => fiat(a, p, 1),
  },
  'convert-history': { variants: ['2022', '2021'], fileName: 'Binance-Convert-History', build: converts },
  'earn-rewards': { variants: ['2024'], fileName: 'Binance-Earn-Rewards-History', build: earnRewards },
  'auto-invest-history': { variants: ['2022'], fileName: 'Binance-Auto-Invest-History', build: autoInvest },
  'p2p-history': { variants: ['2022'], fileName: 'Binance-P2P-Order-History', build: p2p },
};
