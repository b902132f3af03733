/**
 * `ledgertap import csv FILE...`: Data Download Center exports into the ledger. Each file is detected
 * (kind, variant, zone) from its header and name, imported in its own transaction, and reported: rows
 * read, records imported, duplicates (of which matched tolerantly), grouped, quarantined, and the
 * statement trades an earlier import stored that a trade export's fills now stand for (folded).
 */
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/index.js';
import { importCsvFiles, mergeCsvCopies, parseCsvZone, type CsvFileReport } from '../../connectors/index.js';
import type { RegisterVerb } from '../context.js';
import { withLedger } from './consent.js';

const n = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

function describe(r: CsvFileReport): string {
  const q = Object.entries(r.quarantineReasons)
    .map(([k, c]) => `${k} ${c}`)
    .join(', ');
  return (
    `${r.file}: ${r.variant} (times in ${r.timeZone}, from ${r.timeZoneFrom}): ${n(r.rowsRead, 'row')} read, ` +
    `${n(r.recordsImported, 'record')} imported, ${n(r.duplicates, 'duplicate')} (${r.matched} matched tolerantly), ` +
    `${n(r.grouped, 'row')} grouped, ${r.quarantined} quarantined${q ? ` (${q})` : ''}` +
    (r.quarantineResolved
      ? `; ${n(r.quarantineResolved, 'row')} an earlier import quarantined now stored or matched`
      : '') +
    (r.folded
      ? `; folded ${n(r.folded, 'trade')} an earlier transaction history stored into their fills`
      : '')
  );
}

/**
 * The heal of match rows an earlier release left pointing at removed records, in one sentence; undefined
 * when there was nothing to heal. Shared with `sync`, which runs the same merge.
 */
export function describeDanglingRepair(d: {
  moved: number;
  merged: number;
  removed: number;
}): string | undefined {
  if (d.moved + d.merged + d.removed === 0) return undefined;
  return (
    `repaired ${n(d.moved + d.merged + d.removed, 'match row')} an earlier release left pointing at removed records: ` +
    `${d.moved} moved to the records holding their events, ${d.merged} already there, ${d.removed} removed (listed in the audit log)`
  );
}

export const register: RegisterVerb = (program: Command, runtime) => {
  const imp = program.command('import').description('import records from files into the ledger');
  imp
    .command('csv')
    .description(
      'import Binance Data Download Center CSV exports (every known variant), de-duplicated against the ledger',
    )
    .argument('<files...>', 'CSV files exported from the Data Download Center')
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL (default $LEDGERTAP_DB)')
    .option('--account <label>', 'account label in the ledger', 'main')
    .option('--tz <zone>', 'time zone for files whose header and name give none (UTC+2, Europe/Paris)')
    .option('--json', 'print the per-file reports as JSON')
    .action(
      runtime.action(
        async (ctx, files: string[], opts: { db?: string; account: string; tz?: string; json?: boolean }) => {
          if (opts.tz !== undefined && !parseCsvZone(opts.tz)) {
            throw new UsageError('bad_tz', `--tz ${JSON.stringify(opts.tz)} is not a time zone.`, {
              hint: 'Use UTC, UTC+2, +05:30 or an IANA name like Europe/Paris.',
            });
          }
          const json = ctx.json || opts.json === true;
          return withLedger(ctx, opts.db, {}, async (store) => {
            const { reports, failures } = await importCsvFiles(
              store,
              files.map((f) => ctx.resolvePath(f)),
              { account: opts.account, ...(opts.tz ? { tz: opts.tz } : {}), displayNames: files },
            );
            // CSV copies stored before a later API sync fold into the API's copies (a no-op otherwise).
            const merged = await mergeCsvCopies(store, { account: opts.account });
            if (json) {
              ctx.printJson({ ok: failures.length === 0, files: reports, failures, merged });
            } else {
              for (const r of reports) {
                ctx.print(describe(r));
                for (const w of r.warnings) ctx.warn(w);
              }
              if (merged.p2pFolded) {
                ctx.print(
                  `folded ${n(merged.p2pFolded, 'statement P2P leg')} into the P2P orders stored since`,
                );
              }
              if (merged.merged || merged.resolved) {
                ctx.print(
                  `folded ${merged.merged} CSV copies into the API's records; settled ${merged.resolved} precision conflicts`,
                );
              }
              const dangling = describeDanglingRepair(merged.danglingMatches);
              if (dangling) ctx.print(dangling);
              for (const f of failures)
                ctx.progress(
                  `error: ${f.error.message} (${f.error.code}; nothing from this file was written)`,
                );
            }
            return failures.length > 0 ? ExitCode.badInput : ExitCode.ok;
          });
        },
      ),
    );
};
