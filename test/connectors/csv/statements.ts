/** CSV files and records the CSV tests share. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { csvFingerprint } from '../../../connectors/binance/csv/relink.js';
import type { IncomingRecord } from '../../../ledger/index.js';
import type { Transfer } from '../../../schemas/index.js';

/** Writes `lines` (a header and rows) as the CSV file `dir/name`; returns its path. */
export async function writeCsv(dir: string, name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * The P2P order the API sync stores for a buy of 150.1 USDT with a 0.1 fee, created 2022-03-04 15:29:58
 * UTC: its statement rows (credit and fee) come at 15:30:00 and after.
 */
export const P2P_BUY_WITH_FEE: IncomingRecord = {
  kind: 'p2p_order',
  id: '20220304152958000002',
  account: 'main',
  time: Date.UTC(2022, 2, 4, 15, 29, 58),
  source: 'api',
  side: 'buy',
  asset: 'USDT',
  fiat: 'EUR',
  amount: '150.1',
  totalPrice: '138.09',
  unitPrice: '0.92',
  fee: '0.1',
  status: 'completed',
} as IncomingRecord;

/**
 * The quarantine entry an earlier release wrote for the statement row `line` (its columns named by
 * `header`) of account `main` it set aside for `reason`: the row with its net change, and the entry's
 * fingerprint.
 */
export function earlierQuarantine(
  header: string,
  line: string,
  reason: string,
): { operation: string; row: Record<string, string>; fingerprint: string } {
  const values = line.split(',');
  const row: Record<string, string> = Object.fromEntries(
    header.split(',').map((name, i) => [name, values[i] ?? '']),
  );
  row['netChange'] = row['Change'] ?? '';
  const fingerprint = csvFingerprint('csv-quarantine', 'main', JSON.stringify([reason, row]));
  return { operation: row['Operation'] ?? '', row, fingerprint };
}

/**
 * The API's copy (`deposit:d1`) of the 1 BTC deposit the tests' files show at 2022-01-01 10:00:00 UTC,
 * stored `ms` after that second; `fields` are what a test is about (its TXID, network, `internal`).
 */
export function apiDeposit(ms: number, fields: Partial<Transfer>): IncomingRecord {
  return {
    kind: 'transfer',
    id: 'deposit:d1',
    account: 'main',
    time: Date.UTC(2022, 0, 1, 10) + ms,
    source: 'api',
    direction: 'in',
    type: 'deposit',
    asset: 'BTC',
    amount: '1',
    fee: '0',
    ...fields,
    status: 'completed',
  } as IncomingRecord;
}

/** The second of a BTCBNB sell (BTC is the base, BNB the quote) the statement tests import. */
export const BTCBNB_SELL_T = Date.UTC(2023, 4, 6, 12, 30, 15);

/** The sell's statement rows (no header): BTC out, BNB in, the BNB fee. */
export const BTCBNB_SELL_ROWS = [
  '2023-05-06 12:30:15,Spot,Sell,BTC,-0.03,',
  '2023-05-06 12:30:15,Spot,Buy,BNB,2.4,',
  '2023-05-06 12:30:15,Spot,Fee,BNB,-0.0024,',
];

/** One API fill of the sell's order 77, `ms` after its second. */
export function btcbnbSellFill(
  tradeId: string,
  ms: number,
  qty: string,
  quoteQty: string,
  fee: string,
): IncomingRecord {
  return {
    kind: 'trade',
    id: `BTCBNB:${tradeId}`,
    account: 'main',
    time: BTCBNB_SELL_T + ms,
    source: 'api',
    symbol: 'BTCBNB',
    baseAsset: 'BTC',
    quoteAsset: 'BNB',
    tradeId,
    orderId: '77',
    side: 'sell',
    price: '80',
    qty,
    quoteQty,
    fee,
    feeAsset: 'BNB',
    isMaker: false,
  } as IncomingRecord;
}

/** The two fills the statement rows sum to (0.03 BTC for 2.4 BNB, 0.0024 BNB fee). */
export const BTCBNB_SELL_FILLS = [
  btcbnbSellFill('4095537', 120, '0.02', '1.6', '0.0016'),
  btcbnbSellFill('4095553', 480, '0.01', '0.8', '0.0008'),
];
