/**
 * A sync-like writer for the SIGKILL tests (run as a child process through tsx):
 * - `hold LOCATION`: opens a transaction, writes a batch and a checkpoint, says `in-tx`, then waits to be killed;
 * - `loop LOCATION [SOURCE]`: commits batches of 200 records (from SOURCE, default api) with checkpoint
 *   `trades:SOURCE` = batches done, forever, saying `committed N`.
 */
import { openLedger } from '../../ledger/index.js';
import { trade } from './fixtures.js';

const [mode, location, source = 'api'] = process.argv.slice(2) as [
  string,
  string,
  'api' | 'web' | 'csv' | undefined,
];
if (!location) throw new Error('usage: kill-child.ts hold|loop LOCATION');
const store = await openLedger(location);
if (mode === 'hold') {
  await store.transaction(async (tx) => {
    await tx.putRecords(Array.from({ length: 500 }, (_, i) => trade(i + 1)));
    await tx.setCheckpoint('trades', { done: 500 });
    process.stdout.write('in-tx\n');
    await new Promise(() => setInterval(() => undefined, 1000));
  });
} else {
  for (let batch = 0; ; batch++) {
    await store.transaction(async (tx) => {
      await tx.putRecords(Array.from({ length: 200 }, (_, i) => trade(batch * 200 + i + 1, { source })));
      await tx.setCheckpoint(`trades:${source}`, { batches: batch + 1 });
    });
    process.stdout.write(`committed ${batch + 1}\n`);
  }
}
