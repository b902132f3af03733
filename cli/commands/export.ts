/**
 * `ledgertap export`: normalized records as JSON Lines or CSV, in the shape of the sandbox's truth
 * (no source/raw unless --with-raw), sorted by kind then id, streamed with backpressure.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/index.js';
import { exportLedger } from '../../ledger/index.js';
import { ACCOUNT_KINDS, isAccountKind } from '../../schemas/index.js';
import type { RegisterVerb } from '../context.js';
import { requireKnownAccount, withLedger } from './consent.js';

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('export')
    .description('print normalized records (jsonl or csv), sorted by kind then id')
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .requiredOption('--format <format>', 'jsonl or csv')
    .option('--kind <kind>', `only this kind (${ACCOUNT_KINDS.join(', ')})`)
    .option('--account <label>', 'only this account')
    .option('--with-raw', 'add source, sources and the raw payload of each record')
    .option(
      '--no-spreadsheet-guard',
      "csv: write text cells exactly as stored; by default a cell a spreadsheet would run as a formula (=, +, -, @ first, not a number) gets a leading '",
    )
    .option(
      '--time-format <format>',
      'times as epoch (UTC epoch milliseconds, the normalized model and API) or iso (ISO 8601 UTC, e.g. 2024-01-31T10:00:00.000Z)',
      'epoch',
    )
    .action(
      runtime.action(
        async (
          ctx,
          opts: {
            db?: string;
            format: string;
            kind?: string;
            account?: string;
            withRaw?: boolean;
            spreadsheetGuard: boolean;
            timeFormat: string;
          },
        ) => {
          const timeFormat = opts.timeFormat;
          if (timeFormat !== 'epoch' && timeFormat !== 'iso') {
            throw new UsageError(
              'bad_time_format',
              `--time-format ${JSON.stringify(timeFormat)} is not a time format.`,
              { hint: 'Use --time-format epoch (the default) or --time-format iso.' },
            );
          }
          if (opts.format !== 'jsonl' && opts.format !== 'csv') {
            throw new UsageError(
              'bad_format',
              `--format ${JSON.stringify(opts.format)} is not an export format.`,
              {
                hint: 'Use --format jsonl or --format csv.',
              },
            );
          }
          if (opts.kind !== undefined && !isAccountKind(opts.kind)) {
            throw new UsageError('bad_kind', `--kind ${JSON.stringify(opts.kind)} is not a record kind.`, {
              hint: `Use one of: ${ACCOUNT_KINDS.join(', ')}.`,
            });
          }
          const kind = opts.kind;
          const format = opts.format;
          const out = ctx.io.stdout;
          let closed = false;
          // A reader that goes away (`| head`) ends the export quietly instead of failing.
          out.on('error', () => (closed = true));
          await withLedger(ctx, opts.db, { create: false }, async (store) => {
            await requireKnownAccount(store, opts.account);
            for await (const text of exportLedger(store, {
              format,
              ...(kind !== undefined && isAccountKind(kind) ? { kind } : {}),
              ...(opts.account !== undefined ? { account: opts.account } : {}),
              withRaw: Boolean(opts.withRaw),
              spreadsheetGuard: opts.spreadsheetGuard,
              timeFormat,
            })) {
              if (closed || ctx.signal.aborted) break;
              if (!out.write(`${text}\n`)) {
                await new Promise<void>((resolve) => {
                  out.once('drain', resolve);
                  out.once('close', resolve);
                });
              }
            }
          });
        },
      ),
    );
};
