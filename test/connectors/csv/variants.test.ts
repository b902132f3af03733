/**
 * Every export variant and quirk of csv-formats.md, one small fixture each: detection (kind, variant,
 * zone) and the normalized records, on SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsvFile, type CsvImportOptions } from '../../../connectors/index.js';
import type { LedgerStore } from '../../../ledger/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, FIXTURES } from './backends.js';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number =>
  Date.UTC(y, mo - 1, d, h, mi, s);

interface Case {
  file: string;
  options?: CsvImportOptions;
  variant: string;
  kind: string;
  zone: string;
  rows: number;
  records: Partial<AccountRecord & Record<string, unknown>>[];
  quarantine?: Record<string, number>;
  warnings?: number;
}

/** One fill of trades-2021.csv, which holds it twice. */
const FILL_2021: Case['records'][number] = {
  kind: 'trade',
  symbol: 'BTCUSDT',
  price: '36426.2',
  qty: '0.052845',
  quoteQty: '1924.9439',
  fee: '0.00001143',
  feeAsset: 'BNB',
  time: utc(2021, 6, 1, 12),
};

/** The first record of the 2021 statement, quoted or as Excel saves it. */
const EUR_DEPOSIT_2021: Case['records'][number] = {
  kind: 'transfer',
  type: 'deposit',
  asset: 'EUR',
  amount: '294.6',
  time: utc(2021, 10, 19, 22, 12, 47),
};

const CASES: Case[] = [
  {
    file: 'statement-2019.csv',
    variant: 'transaction_history/2019',
    kind: 'transaction_history',
    zone: 'UTC',
    rows: 16,
    quarantine: { unknown_operation: 1 },
    records: [
      { kind: 'transfer', type: 'deposit', asset: 'BTC', amount: '0.5', time: utc(2019, 5, 1, 10) },
      {
        kind: 'trade',
        symbol: 'BNBBTC',
        side: 'buy',
        qty: '10',
        quoteQty: '0.03',
        price: '0.003',
        fee: '0.01',
        feeAsset: 'BNB',
        time: utc(2019, 5, 1, 11),
      },
      { kind: 'earn_reward', product: 'flexible', asset: 'BNB', amount: '0.00012', time: utc(2019, 5, 2, 9) },
      {
        kind: 'earn_subscription',
        product: 'flexible',
        asset: 'BNB',
        amount: '5',
        time: utc(2019, 5, 2, 9, 30),
      },
      { kind: 'transfer', type: 'withdrawal', asset: 'BTC', amount: '0.1005', time: utc(2019, 5, 4, 12) },
      {
        kind: 'dust',
        fromAsset: 'ADA',
        amount: '3.2',
        toAsset: 'BNB',
        toAmount: '0.0042',
        time: utc(2019, 5, 5, 8),
      },
      {
        kind: 'dust',
        fromAsset: 'TRX',
        amount: '50',
        toAsset: 'BNB',
        toAmount: '0.0031',
        time: utc(2019, 5, 5, 8),
      },
      {
        kind: 'dividend',
        asset: 'ETH',
        amount: '0.02',
        direction: 'in',
        info: 'Distribution',
        time: utc(2019, 5, 6, 7),
      },
      {
        kind: 'conversion',
        fromAsset: 'USDT',
        fromAmount: '100',
        toAsset: 'ETH',
        toAmount: '0.05',
        status: 'success',
        time: utc(2019, 5, 6, 8),
      },
    ],
  },
  {
    file: 'statement-2021-quoted.csv',
    variant: 'transaction_history/2021',
    kind: 'transaction_history',
    zone: 'UTC',
    rows: 6,
    records: [
      EUR_DEPOSIT_2021,
      // The fee leg spilled into the next second and still joined its trade.
      {
        kind: 'trade',
        symbol: 'ETHEUR',
        side: 'buy',
        qty: '0.1',
        quoteQty: '350.5',
        fee: '0.0001',
        feeAsset: 'ETH',
        time: utc(2021, 10, 20, 10),
      },
      { kind: 'earn_reward', asset: 'USDT', amount: '0.00003605', time: utc(2021, 10, 21) },
      { kind: 'dividend', asset: 'BNB', amount: '0.0000006', time: utc(2021, 10, 22) },
    ],
  },
  {
    file: 'statement-2021-excel.csv',
    variant: 'transaction_history/2021',
    kind: 'transaction_history',
    zone: 'UTC',
    rows: 5,
    records: [
      EUR_DEPOSIT_2021,
      {
        kind: 'fiat_transfer',
        type: 'deposit',
        fiatCurrency: 'EUR',
        amount: '100',
        time: utc(2021, 10, 23, 9, 15),
      },
      {
        kind: 'dividend',
        asset: 'USDT',
        amount: '0.5',
        info: 'Referral Kickback',
        time: utc(2021, 10, 24, 9, 15),
      },
      {
        kind: 'transfer',
        type: 'wallet_transfer',
        direction: 'internal',
        asset: 'USDT',
        amount: '20',
        fromWallet: 'funding',
        toWallet: 'spot',
        time: utc(2021, 10, 25, 9, 15),
      },
    ],
  },
  {
    file: 'Binance-Transaction-History-202604281735(UTC+2).csv',
    variant: 'transaction_history/2025',
    kind: 'transaction_history',
    zone: 'UTC+2',
    rows: 6,
    quarantine: { unknown_operation: 1 },
    records: [
      {
        kind: 'trade',
        symbol: 'BTCUSDT',
        side: 'buy',
        qty: '0.001',
        quoteQty: '95.5',
        fee: '0.0001',
        feeAsset: 'BNB',
        time: utc(2026, 4, 28, 15, 35, 10),
      },
      { kind: 'earn_reward', asset: 'USDT', amount: '0.01', time: utc(2026, 4, 28, 16) },
      // A P2P leg no stored P2P order explains: a balance change of category p2p, not quarantined.
      {
        kind: 'balance_change',
        id: `p2p:stmt:USDT:${utc(2026, 4, 29, 7)}:50`,
        category: 'p2p',
        operation: 'P2P Trading',
        wallet: 'spot',
        asset: 'USDT',
        amount: '50',
        time: utc(2026, 4, 29, 7),
      },
    ],
  },
  {
    file: 'Binance-Historial-de-transacciones-202601150600(UTC--6).csv',
    variant: 'transaction_history/2025',
    kind: 'transaction_history',
    zone: 'UTC-6',
    rows: 1,
    records: [{ kind: 'transfer', type: 'deposit', asset: 'USDT', amount: '10', time: utc(2026, 1, 15, 12) }],
  },
  {
    file: 'statement-2025-no-zone.csv',
    options: { tz: 'Europe/Paris' },
    variant: 'transaction_history/2025',
    kind: 'transaction_history',
    zone: 'Europe/Paris',
    rows: 1,
    records: [{ kind: 'transfer', type: 'deposit', asset: 'USDT', amount: '10', time: utc(2026, 1, 15, 5) }],
  },
  {
    file: 'statement-2025-no-zone.csv',
    variant: 'transaction_history/2025',
    kind: 'transaction_history',
    zone: 'UTC',
    rows: 1,
    warnings: 1,
    records: [{ kind: 'transfer', type: 'deposit', asset: 'USDT', amount: '10', time: utc(2026, 1, 15, 6) }],
  },
  {
    file: 'statement-semicolon.csv',
    variant: 'transaction_history/2019',
    kind: 'transaction_history',
    zone: 'UTC',
    rows: 2,
    records: [
      { kind: 'transfer', type: 'deposit', asset: 'BTC', amount: '0.25', time: utc(2022, 1, 5, 14) },
      {
        kind: 'earn_reward',
        product: 'locked',
        asset: 'DOT',
        amount: '0.0012',
        time: utc(2022, 5, 13, 14, 5),
      },
    ],
  },
  {
    file: 'trades-2020.csv',
    variant: 'spot_trade_history/2020',
    kind: 'spot_trade_history',
    zone: 'UTC',
    rows: 2,
    records: [
      {
        kind: 'trade',
        symbol: 'BNBBTC',
        baseAsset: 'BNB',
        quoteAsset: 'BTC',
        side: 'buy',
        price: '0.0023',
        qty: '10',
        quoteQty: '0.023',
        fee: '0.0075',
        feeAsset: 'BNB',
        time: utc(2020, 2, 3, 14, 5),
      },
      {
        kind: 'trade',
        symbol: 'ETHUSDT',
        side: 'sell',
        qty: '1.5',
        quoteQty: '285.75',
        feeAsset: 'USDT',
        time: utc(2020, 2, 4, 8),
      },
    ],
  },
  {
    file: 'trades-2021.csv',
    variant: 'spot_trade_history/2021',
    kind: 'spot_trade_history',
    zone: 'UTC',
    rows: 3,
    records: [
      // Two identical fills in one second are two trades.
      FILL_2021,
      FILL_2021,
      {
        kind: 'trade',
        symbol: 'ETHBTC',
        baseAsset: 'ETH',
        quoteAsset: 'BTC',
        side: 'sell',
        fee: '0.00007',
        feeAsset: 'BTC',
        time: utc(2021, 6, 2, 12),
      },
    ],
  },
  {
    file: 'trades-quantity.csv',
    variant: 'spot_trade_history/2021',
    kind: 'spot_trade_history',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'trade',
        symbol: 'ADAEUR',
        side: 'sell',
        qty: '100',
        quoteQty: '120',
        fee: '0.12',
        feeAsset: 'EUR',
      },
    ],
  },
  {
    file: 'trades-cz.csv',
    variant: 'spot_trade_history/2021',
    kind: 'spot_trade_history',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'trade',
        symbol: 'BTCEUR',
        side: 'buy',
        qty: '0.01',
        quoteQty: '300',
        fee: '0.00001',
        feeAsset: 'BTC',
      },
    ],
  },
  {
    file: 'orders-2023.csv',
    variant: 'spot_order_history/2023',
    kind: 'spot_order_history',
    zone: 'UTC',
    rows: 5,
    records: [
      {
        kind: 'order',
        id: 'BNBUSDT:123456789012',
        orderId: '123456789012',
        side: 'buy',
        status: 'FILLED',
        price: '300',
        origQty: '2',
        executedQty: '2',
        cumulativeQuoteQty: '599',
        time: utc(2023, 3, 1, 10),
      },
      {
        kind: 'trade',
        symbol: 'BNBUSDT',
        orderId: '123456789012',
        side: 'buy',
        price: '299',
        qty: '1',
        quoteQty: '299',
        fee: '0.001',
        feeAsset: 'BNB',
        time: utc(2023, 3, 1, 10, 0, 1),
      },
      {
        kind: 'trade',
        symbol: 'BNBUSDT',
        orderId: '123456789012',
        side: 'buy',
        price: '300',
        qty: '1',
        quoteQty: '300',
        time: utc(2023, 3, 1, 10, 0, 5),
      },
      {
        kind: 'order',
        id: 'BNBUSDT:123456789013',
        side: 'sell',
        status: 'CANCELED',
        executedQty: '0',
        time: utc(2023, 3, 2, 11),
      },
    ],
  },
  {
    file: 'orders-2020.csv',
    variant: 'spot_order_history/2020',
    kind: 'spot_order_history',
    zone: 'UTC',
    rows: 4,
    quarantine: { order_without_id: 1 },
    records: [
      {
        kind: 'trade',
        symbol: 'ETHBTC',
        side: 'sell',
        price: '0.02',
        qty: '1',
        quoteQty: '0.02',
        fee: '0.00002',
        feeAsset: 'BTC',
        time: utc(2020, 3, 1, 10, 0, 2),
      },
    ],
  },
  {
    file: 'orders-2026.csv',
    variant: 'spot_order_history/2026',
    kind: 'spot_order_history',
    zone: 'UTC',
    rows: 1,
    quarantine: { order_without_id: 1 },
    records: [],
  },
  {
    file: 'orders-2026b.csv',
    variant: 'spot_order_history/2026',
    kind: 'spot_order_history',
    zone: 'UTC',
    rows: 1,
    quarantine: { order_without_id: 1 },
    records: [],
  },
  {
    file: 'Binance-Deposit-History-2019.csv',
    variant: 'crypto_transfer/2019',
    kind: 'crypto_deposit',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'transfer',
        type: 'deposit',
        direction: 'in',
        asset: 'BTC',
        amount: '0.5',
        fee: '0',
        txId: '9a1f2b3c4d',
        status: 'completed',
        internal: false,
        time: utc(2019, 1, 2, 3, 4, 5),
      },
    ],
  },
  {
    file: 'Binance-Withdraw-History-2021.csv',
    variant: 'crypto_transfer/2021',
    kind: 'crypto_withdrawal',
    zone: 'UTC',
    rows: 2,
    records: [
      {
        kind: 'transfer',
        type: 'withdrawal',
        direction: 'out',
        asset: 'BTC',
        network: 'BTC',
        amount: '0.1',
        fee: '0.0005',
        txId: '7f3e9a0b1c',
        internal: false,
      },
      // `Internal transfer <id>`: no on-chain hash, the exchange's id instead.
      {
        kind: 'transfer',
        type: 'withdrawal',
        asset: 'USDT',
        amount: '25',
        txId: '4271882937',
        internal: true,
      },
    ],
  },
  {
    file: 'Binance-Deposit-History-2025.csv',
    variant: 'crypto_deposit/2025',
    kind: 'crypto_deposit',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'transfer',
        type: 'deposit',
        asset: 'ETH',
        network: 'ETH',
        amount: '1.25',
        txId: '0xdeadbeef',
        time: utc(2025, 3, 7, 10, 11, 12),
      },
    ],
  },
  {
    file: 'Binance-Withdrawal-History-2025.csv',
    variant: 'crypto_withdrawal/2025',
    kind: 'crypto_withdrawal',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'transfer',
        type: 'withdrawal',
        asset: 'ETH',
        amount: '0.5',
        fee: '0.001',
        txId: '0xfeedface',
        time: utc(2025, 3, 8, 10, 11, 12),
      },
    ],
  },
  {
    file: 'fiat-deposit-2020.csv',
    options: {},
    variant: 'fiat_transfer/2020',
    kind: 'fiat_deposit',
    zone: 'UTC+1',
    rows: 1,
    records: [
      {
        kind: 'fiat_transfer',
        id: 'fiat:0b1c2d3e4f',
        type: 'deposit',
        fiatCurrency: 'EUR',
        amount: '100',
        fee: '0',
        method: 'SEPA',
        status: 'successful',
        time: utc(2020, 9, 1, 9),
      },
    ],
  },
  {
    file: 'fiat-2023.csv',
    variant: 'fiat_deposit/2023',
    kind: 'fiat_deposit',
    zone: 'UTC+1',
    rows: 1,
    records: [
      {
        kind: 'fiat_transfer',
        id: 'fiat:abcd1234',
        type: 'deposit',
        fiatCurrency: 'EUR',
        amount: '387.81',
        fee: '0',
        method: 'Bank Transfer (SEPA)',
        time: utc(2023, 4, 1, 9),
      },
    ],
  },
  {
    file: 'convert-2021.csv',
    variant: 'convert/2021',
    kind: 'convert',
    zone: 'UTC',
    rows: 1,
    warnings: 1,
    records: [
      {
        kind: 'conversion',
        fromAsset: 'ETH',
        fromAmount: '1',
        toAsset: 'USDT',
        toAmount: '2100.5',
        ratio: '2100.5',
        status: 'success',
        time: utc(2021, 7, 1, 10),
      },
    ],
  },
  {
    file: 'convert-2022.csv',
    options: { tz: 'UTC+3' },
    variant: 'convert/2022',
    kind: 'convert',
    zone: 'UTC+3',
    rows: 1,
    records: [
      {
        kind: 'conversion',
        fromAsset: 'BTC',
        fromAmount: '0.01',
        toAsset: 'USDT',
        toAmount: '200',
        time: utc(2022, 7, 1, 7),
      },
    ],
  },
  {
    file: 'earn-rewards.csv',
    variant: 'earn_rewards/2024',
    kind: 'earn_rewards',
    zone: 'UTC',
    rows: 2,
    records: [
      {
        kind: 'earn_reward',
        product: 'flexible',
        rewardType: 'REALTIME',
        asset: 'USDT',
        amount: '0.00000043',
        time: utc(2024, 12, 30),
      },
      {
        kind: 'earn_reward',
        product: 'flexible',
        rewardType: 'BONUS',
        asset: 'USDT',
        amount: '0.12',
        time: utc(2024, 12, 30, 8),
      },
    ],
  },
  {
    file: 'earn-product.csv',
    variant: 'earn_rewards/product',
    kind: 'earn_rewards',
    zone: 'UTC',
    rows: 1,
    records: [{ kind: 'earn_reward', product: 'locked', asset: 'DOT', amount: '0.5' }],
  },
  {
    file: 'eth-staking.csv',
    variant: 'eth_staking/2021',
    kind: 'eth_staking',
    zone: 'UTC',
    rows: 1,
    records: [{ kind: 'earn_subscription', product: 'locked', asset: 'ETH', amount: '2', status: 'success' }],
  },
  {
    file: 'auto-invest.csv',
    variant: 'auto_invest/2022',
    kind: 'auto_invest',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'autoinvest_execution',
        sourceAsset: 'USDT',
        sourceAssetAmount: '10',
        targetAsset: 'BTC',
        targetAssetAmount: '0.00026',
        fee: '0.01',
        feeAsset: 'USDT',
        status: 'success',
        time: utc(2022, 5, 1, 14),
      },
    ],
  },
  {
    file: 'p2p.csv',
    variant: 'p2p/2022',
    kind: 'p2p',
    zone: 'UTC',
    rows: 1,
    warnings: 1,
    records: [
      {
        kind: 'p2p_order',
        id: '20219645646554779655',
        side: 'buy',
        asset: 'USDT',
        fiat: 'EUR',
        amount: '100',
        totalPrice: '93',
        unitPrice: '0.93',
        status: 'completed',
        counterparty: 'ab***',
      },
    ],
  },
  {
    file: 'futures.csv',
    variant: 'futures/2021',
    kind: 'futures',
    zone: 'UTC',
    rows: 1,
    records: [
      {
        kind: 'balance_change',
        id: 'futures:123456:REALIZED_PNL:USDT',
        category: 'futures',
        operation: 'REALIZED_PNL',
        wallet: 'umfuture',
        walletBasis: 'symbol',
        asset: 'USDT',
        amount: '12.5',
        symbol: 'BTCUSDT',
        time: Date.UTC(2021, 2, 1),
      },
    ],
  },
];

const tempDir = useTempDirs('ledgertap-csv-');

function sortRecords(records: AccountRecord[]): AccountRecord[] {
  return [...records].sort(
    (a, b) => a.time - b.time || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id),
  );
}

for (const backend of BACKENDS) {
  describe(`CSV variants on ${backend.name}`, () => {
    let open: { store: LedgerStore; drop(): Promise<void> } | undefined;
    afterEach(async () => {
      await open?.store.close();
      await open?.drop();
      open = undefined;
    });

    it.each(CASES.map((c) => [`${c.file}${c.options?.tz ? ` --tz ${c.options.tz}` : ''}`, c] as const))(
      '%s',
      async (_name, c) => {
        const dir = await tempDir();
        const path = join(dir, c.file);
        await copyFile(join(FIXTURES, c.file), path);
        open = await backend.open(dir);
        const report = await importCsvFile(open.store, path, { ...c.options, displayName: c.file });
        expect({
          kind: report.kind,
          variant: report.variant,
          zone: report.timeZone,
          rows: report.rowsRead,
        }).toEqual({
          kind: c.kind,
          variant: c.variant,
          zone: c.zone,
          rows: c.rows,
        });
        expect(report.quarantineReasons).toEqual(c.quarantine ?? {});
        expect(report.warnings).toHaveLength(c.warnings ?? 0);
        const stored = sortRecords((await open.store.queryRecords({})).map((s) => s.record));
        expect(stored).toHaveLength(c.records.length);
        expect(report.recordsImported).toBe(c.records.length);
        const expected = [...c.records].sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
        if (expected.every((e) => e.time !== undefined)) {
          stored.forEach((s, i) => expect(s).toMatchObject(expected[i]!));
        } else {
          for (const e of expected)
            expect(
              stored.some((s) =>
                Object.entries(e).every(([k, v]) => (s as unknown as Record<string, unknown>)[k] === v),
              ),
            ).toBe(true);
        }
        // Every record remembers the csv source and the row it came from.
        for (const s of await open.store.queryRecords({})) expect(s.sources).toEqual(['csv']);
        const quarantined = await open.store.listQuarantine({});
        expect(quarantined).toHaveLength(Object.values(c.quarantine ?? {}).reduce((a, b) => a + b, 0));
      },
    );
  });
}
