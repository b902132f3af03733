/** CSV files and records the CSV tests share. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { csvFingerprint } from '../../../connectors/binance/csv/relink.js';
import type { IncomingRecord } from '../../../ledger/index.js';

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
