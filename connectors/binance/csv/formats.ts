/**
 * The header signatures of every Data Download Center export variant in csv-formats.md section 1.
 * A file's kind and variant come from its header (and, where the header is shared, its file name),
 * never from its dates: Binance changes the exports without notice.
 */
import { parseZone, type ZoneSpec } from './values.js';

/** What a file holds. */
export type ExportKind =
  | 'transaction_history'
  | 'spot_trade_history'
  | 'spot_order_history'
  | 'crypto_deposit'
  | 'crypto_withdrawal'
  | 'fiat_deposit'
  | 'fiat_withdrawal'
  | 'convert'
  | 'earn_rewards'
  | 'eth_staking'
  | 'auto_invest'
  | 'p2p'
  | 'futures';

/** One header variant. `columns` maps a logical field to the header keys that carry it. */
export interface CsvFormat {
  kind: ExportKind | 'crypto_transfer' | 'fiat_transfer';
  /** Stable name, reported and stored in the import-file log: `transaction_history/2021`. */
  variant: string;
  columns: Record<string, readonly string[]>;
  /** Logical fields that must all be in the header for the variant to match. */
  required: readonly string[];
  /** Header keys whose presence rules the variant out. */
  absent?: readonly string[];
  /** Where the times are when the header does not say: `utc` (implied, e.g. `UTC_Time`) or `file` (the file name, else `--tz`). */
  implicitZone: 'utc' | 'file';
}

/** A header cell reduced to a comparable key, and the zone it names (`Date(UTC+1)`). */
export interface HeaderCell {
  text: string;
  key: string;
  zone: ZoneSpec | undefined;
}

/** `Date(UTC+1)` → key `date`, zone UTC+1; `User_ID` → `userid`; `Čas` → `čas`. */
export function headerCell(text: string): HeaderCell {
  let t = text
    .replace(/^\ufeff/, '')
    .trim()
    .replace(/^"+|"+$/g, '')
    .trim();
  let zone: ZoneSpec | undefined;
  const m = /\(\s*(UTC[^)]*)\)/i.exec(t);
  if (m) {
    zone = parseZone(m[1]!) ?? undefined;
    t = t.replace(m[0], '');
  }
  // `[PaymentID]`: a JSON round-trip's marker of an optional column.
  const key = t
    .toLowerCase()
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]/gu, '');
  return { text, key, zone };
}

const c = (...keys: string[]): readonly string[] => keys;

const STATEMENT_COLUMNS = {
  userId: c('userid'),
  time: c('utctime', 'time'),
  account: c('account'),
  operation: c('operation'),
  coin: c('coin'),
  change: c('change'),
  remark: c('remark'),
};

/** A spot order export's columns after `time` (and the 2023 variant's `orderNo`). */
const SPOT_ORDER_COLUMNS = {
  symbol: c('pair'),
  side: c('type'),
  price: c('orderprice'),
  origQty: c('orderamount'),
  avgPrice: c('avgtradingprice'),
  executedQty: c('filled'),
  quoteQty: c('total'),
  status: c('status'),
};
const SPOT_ORDER_REQUIRED = ['symbol', 'side', 'price', 'origQty', 'executedQty', 'quoteQty', 'status'];

/** A crypto transfer export's columns after `time`, `coin` (and the 2021 variant's `network`). */
const CRYPTO_TRANSFER_COLUMNS = {
  amount: c('amount'),
  fee: c('transactionfee'),
  address: c('address'),
  txId: c('txid'),
  sourceAddress: c('sourceaddress'),
  paymentId: c('paymentid'),
  status: c('status'),
};

/** A fiat deposit export's columns; a fiat withdrawal's differ in the amount's header. */
const FIAT_COLUMNS = {
  time: c('date'),
  method: c('method'),
  amount: c('depositamount'),
  received: c('receiveamount'),
  fee: c('fee'),
  status: c('status'),
  orderId: c('transactionid'),
};
const FIAT_REQUIRED = ['time', 'method', 'amount', 'received', 'fee', 'status', 'orderId'];

/** A convert export's columns after `time` (and the 2022 variant's `wallet`). */
const CONVERT_COLUMNS = {
  pair: c('pair'),
  type: c('type'),
  sell: c('sell'),
  buy: c('buy'),
  price: c('price'),
  inversePrice: c('inverseprice'),
  updated: c('dateupdated'),
  status: c('status'),
};

/** Every variant, most specific first within a kind. */
export const FORMATS: readonly CsvFormat[] = [
  {
    kind: 'transaction_history',
    variant: 'transaction_history/2021',
    columns: { ...STATEMENT_COLUMNS, time: c('utctime') },
    required: ['userId', 'time', 'account', 'operation', 'coin', 'change'],
    implicitZone: 'utc',
  },
  {
    kind: 'transaction_history',
    variant: 'transaction_history/2019',
    columns: { ...STATEMENT_COLUMNS, time: c('utctime') },
    required: ['time', 'account', 'operation', 'coin', 'change'],
    absent: ['userid'],
    implicitZone: 'utc',
  },
  {
    kind: 'transaction_history',
    variant: 'transaction_history/2025',
    columns: { ...STATEMENT_COLUMNS, time: c('time') },
    required: ['time', 'account', 'operation', 'coin', 'change'],
    implicitZone: 'file',
  },
  {
    kind: 'spot_trade_history',
    variant: 'spot_trade_history/2020',
    columns: {
      time: c('date'),
      symbol: c('market'),
      side: c('type'),
      price: c('price'),
      qty: c('amount'),
      quoteQty: c('total'),
      fee: c('fee'),
      feeAsset: c('feecoin'),
    },
    required: ['time', 'symbol', 'side', 'price', 'qty', 'quoteQty', 'fee', 'feeAsset'],
    implicitZone: 'utc',
  },
  {
    kind: 'spot_trade_history',
    variant: 'spot_trade_history/2021',
    columns: {
      time: c('date', 'čas'),
      symbol: c('pair', 'pár'),
      side: c('side', 'strana'),
      price: c('price', 'cena'),
      qty: c('executed', 'quantity', 'provedeno'),
      quoteQty: c('amount', 'částka'),
      fee: c('fee', 'poplatek'),
    },
    required: ['time', 'symbol', 'side', 'price', 'qty', 'quoteQty', 'fee'],
    absent: ['status', 'orderprice', 'averageprice'],
    implicitZone: 'utc',
  },
  {
    kind: 'spot_order_history',
    variant: 'spot_order_history/2023',
    columns: { time: c('date'), orderNo: c('orderno'), ...SPOT_ORDER_COLUMNS },
    required: ['time', 'orderNo', ...SPOT_ORDER_REQUIRED],
    implicitZone: 'utc',
  },
  {
    kind: 'spot_order_history',
    variant: 'spot_order_history/2020',
    columns: { time: c('date'), ...SPOT_ORDER_COLUMNS },
    required: ['time', ...SPOT_ORDER_REQUIRED],
    implicitZone: 'utc',
  },
  {
    kind: 'spot_order_history',
    variant: 'spot_order_history/2026',
    columns: {
      time: c('date'),
      symbol: c('pair'),
      type: c('type'),
      side: c('side'),
      avgPrice: c('averageprice'),
      price: c('price'),
      executedQty: c('executed', 'filledamount'),
      origQty: c('amount', 'orderamount'),
      quoteQty: c('total'),
      status: c('status'),
    },
    required: ['time', 'symbol', 'type', 'avgPrice', 'executedQty', 'origQty', 'quoteQty', 'status'],
    implicitZone: 'utc',
  },
  {
    kind: 'crypto_withdrawal',
    variant: 'crypto_withdrawal/2025',
    columns: {
      time: c('date'),
      coin: c('coin'),
      network: c('network'),
      amount: c('amount'),
      fee: c('fee'),
      address: c('address'),
      txId: c('txid'),
      status: c('status'),
    },
    required: ['time', 'coin', 'network', 'amount', 'fee', 'address', 'txId', 'status'],
    absent: ['transactionfee'],
    implicitZone: 'utc',
  },
  {
    kind: 'crypto_deposit',
    variant: 'crypto_deposit/2025',
    columns: {
      time: c('date'),
      coin: c('coin'),
      network: c('network'),
      amount: c('amount'),
      address: c('address'),
      txId: c('txid'),
      status: c('status'),
    },
    required: ['time', 'coin', 'network', 'amount', 'address', 'txId', 'status'],
    absent: ['fee', 'transactionfee', 'sourceaddress', 'paymentid'],
    implicitZone: 'utc',
  },
  {
    kind: 'crypto_transfer',
    variant: 'crypto_transfer/2021',
    columns: { time: c('date'), coin: c('coin'), network: c('network'), ...CRYPTO_TRANSFER_COLUMNS },
    required: ['time', 'coin', 'network', 'amount', 'fee', 'address', 'txId', 'status'],
    implicitZone: 'utc',
  },
  {
    kind: 'crypto_transfer',
    variant: 'crypto_transfer/2019',
    columns: { time: c('date'), coin: c('coin'), ...CRYPTO_TRANSFER_COLUMNS },
    required: ['time', 'coin', 'amount', 'fee', 'address', 'txId', 'status'],
    absent: ['network'],
    implicitZone: 'utc',
  },
  {
    kind: 'fiat_transfer',
    variant: 'fiat_transfer/2020',
    columns: {
      time: c('date'),
      coin: c('coin'),
      amount: c('amount'),
      status: c('status'),
      method: c('paymentmethod'),
      indicatedAmount: c('indicatedamount'),
      fee: c('fee'),
      orderId: c('orderid'),
    },
    required: ['time', 'coin', 'amount', 'status', 'method', 'fee', 'orderId'],
    implicitZone: 'utc',
  },
  {
    kind: 'fiat_deposit',
    variant: 'fiat_deposit/2023',
    columns: FIAT_COLUMNS,
    required: FIAT_REQUIRED,
    implicitZone: 'utc',
  },
  {
    kind: 'fiat_withdrawal',
    variant: 'fiat_withdrawal/2023',
    // Only the amount's header differs from a fiat deposit's (the spread keeps `amount` in its place).
    columns: { ...FIAT_COLUMNS, amount: c('withdrawamount', 'withdrawalamount') },
    required: FIAT_REQUIRED,
    implicitZone: 'utc',
  },
  {
    kind: 'convert',
    variant: 'convert/2022',
    columns: { time: c('date'), wallet: c('wallet'), ...CONVERT_COLUMNS },
    required: ['time', 'wallet', 'pair', 'sell', 'buy', 'status'],
    implicitZone: 'file',
  },
  {
    kind: 'convert',
    variant: 'convert/2021',
    columns: { time: c('date'), ...CONVERT_COLUMNS },
    required: ['time', 'pair', 'sell', 'buy', 'status'],
    implicitZone: 'file',
  },
  {
    kind: 'eth_staking',
    variant: 'eth_staking/2021',
    columns: {
      time: c('date'),
      coin: c('coin'),
      token: c('token'),
      amount: c('amount'),
      status: c('status'),
    },
    required: ['time', 'coin', 'token', 'amount'],
    implicitZone: 'utc',
  },
  {
    kind: 'earn_rewards',
    variant: 'earn_rewards/2024',
    columns: { time: c('date'), coin: c('coin'), amount: c('amount'), type: c('type') },
    required: ['time', 'coin', 'amount', 'type'],
    absent: ['asset', 'symbol', 'transactionid'],
    implicitZone: 'utc',
  },
  {
    kind: 'earn_rewards',
    variant: 'earn_rewards/product',
    columns: { time: c('date'), product: c('productname'), coin: c('coin'), amount: c('amount') },
    required: ['time', 'product', 'coin', 'amount'],
    implicitZone: 'utc',
  },
  {
    kind: 'auto_invest',
    variant: 'auto_invest/2022',
    columns: {
      time: c('autoinvestdate'),
      holdingCoin: c('holdingcoin'),
      amount: c('amountperperiod'),
      fee: c('tradingfee'),
      units: c('units'),
      from: c('from'),
      status: c('status'),
    },
    required: ['time', 'holdingCoin', 'amount', 'fee', 'units', 'status'],
    implicitZone: 'utc',
  },
  {
    kind: 'p2p',
    variant: 'p2p/2022',
    columns: {
      orderNumber: c('ordernumber'),
      side: c('ordertype'),
      asset: c('asset'),
      fiat: c('fiattype'),
      totalPrice: c('totalprice'),
      price: c('price'),
      qty: c('quantity'),
      rate: c('exchangerate'),
      makerFee: c('makerfee'),
      takerFee: c('takerfee'),
      counterparty: c('counterparty'),
      status: c('status'),
      time: c('createdtime'),
    },
    required: ['orderNumber', 'side', 'asset', 'fiat', 'totalPrice', 'qty', 'status', 'time'],
    implicitZone: 'file',
  },
  {
    kind: 'futures',
    variant: 'futures/2021',
    columns: {
      time: c('date'),
      type: c('type'),
      amount: c('amount'),
      asset: c('asset'),
      symbol: c('symbol'),
      tranId: c('transactionid'),
    },
    required: ['time', 'type', 'amount', 'asset'],
    implicitZone: 'utc',
  },
];

/** A header matched to a variant: the column index of each logical field, and the zone the header names. */
export interface DetectedFormat {
  format: CsvFormat;
  kind: ExportKind;
  index: Record<string, number>;
  headerZone: ZoneSpec | undefined;
  /** Number of header columns. */
  width: number;
}

/** Matches a header row against the variants, or returns undefined. `fileName` decides deposit vs withdrawal where the header cannot. */
export function detectFormat(
  header: readonly string[],
  fileName: string,
): DetectedFormat | { ambiguous: CsvFormat } | undefined {
  const cells = header.map(headerCell);
  const keys = new Set(cells.map((h) => h.key));
  let best: { format: CsvFormat; index: Record<string, number>; score: number } | undefined;
  for (const format of FORMATS) {
    if (format.absent?.some((k) => keys.has(k))) continue;
    const index: Record<string, number> = {};
    for (const [field, accepted] of Object.entries(format.columns)) {
      const i = cells.findIndex((h) => accepted.includes(h.key));
      if (i >= 0) index[field] = i;
    }
    if (!format.required.every((f) => f in index)) continue;
    const score = Object.keys(index).length;
    if (!best || score > best.score) best = { format, index, score };
  }
  if (!best) return undefined;
  const headerZone = cells[best.index['time'] ?? -1]?.zone;
  let kind: ExportKind;
  if (best.format.kind === 'crypto_transfer' || best.format.kind === 'fiat_transfer') {
    const dir = directionFromFileName(fileName);
    if (!dir) return { ambiguous: best.format };
    kind =
      best.format.kind === 'crypto_transfer'
        ? dir === 'in'
          ? 'crypto_deposit'
          : 'crypto_withdrawal'
        : dir === 'in'
          ? 'fiat_deposit'
          : 'fiat_withdrawal';
  } else {
    kind = best.format.kind;
  }
  return { format: best.format, kind, index: best.index, headerZone, width: header.length };
}

/** Deposit or withdrawal from a file name, in the languages Binance names its exports. */
export function directionFromFileName(fileName: string): 'in' | 'out' | undefined {
  const n = fileName.toLowerCase();
  if (/withdraw|retiro|retrait|auszahlung|výběr|vyber|prelievo|saque/.test(n)) return 'out';
  if (/deposit|depósito|deposito|dépôt|depot|einzahlung|vklad/.test(n)) return 'in';
  return undefined;
}
