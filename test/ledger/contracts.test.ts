/**
 * The ledger as its callers see it: the Binance sync and the CSV importer (connectors/, which may not
 * import ledger/) declare structural interfaces of what they need; the LedgerStore must satisfy them
 * as is. A drift on either side fails the typecheck of this file and the run below.
 */
import { describe, expect, it } from 'vitest';
import type { SyncStore } from '../../connectors/binance/index.js';
import type { CsvLedger } from '../../connectors/binance/csv/index.js';
import { backends, useLedger } from './backends.js';
import { deposit, trade } from './fixtures.js';

describe.each(backends)('ledger contracts of the connectors on $name', (backend) => {
  const ledger = useLedger(backend);

  it('serves the sync through its SyncStore view', async () => {
    const sync: SyncStore = ledger.store;
    await sync.transaction(async (tx) => {
      await tx.putRecords([trade(1)]);
      await tx.setCheckpoint('binance:main:trades:BNBBTC', { fromId: '2' });
      await tx.appendAudit({
        route: 'api',
        method: 'GET',
        endpoint: '/api/v3/myTrades',
        status: 200,
        records: 1,
      });
    });
    expect(await sync.getCheckpoint('binance:main:trades:BNBBTC')).toEqual({ fromId: '2' });
    const ids: string[] = [];
    for await (const r of sync.iterateRecords({ kind: 'trade', source: 'api' })) ids.push(r.record.id);
    expect(ids).toEqual(['BNBBTC:1']);
  });

  it('serves the CSV importer through its CsvLedger view', async () => {
    const csv: CsvLedger = ledger.store;
    await csv.transaction(async (tx) => {
      const fileId = await tx.startImportFile({
        account: 'main',
        path: 'x.csv',
        sha256: '0'.repeat(64),
        size: 1,
      });
      await tx.putRecords([deposit('d1', 'BTC', '1', { source: 'csv' })]);
      await tx.addQuarantine({
        account: 'main',
        importFileId: fileId,
        file: 'x.csv',
        line: 3,
        row: { a: '1' },
        reason: 'unknown',
      });
      await tx.finishImportFile(fileId, {
        status: 'done',
        rowsRead: 2,
        recordsImported: 1,
        duplicates: 0,
        grouped: 0,
        quarantined: 1,
      });
    });
    expect((await csv.getRecord('main', 'transfer', 'deposit:d1'))?.sources).toEqual(['csv']);
    expect((await csv.queryRecords({ kind: 'transfer', limit: 5 })).length).toBe(1);
  });
});
