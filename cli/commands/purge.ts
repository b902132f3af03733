/**
 * `ledgertap purge`: the holder's right to have their data removed. Removes an account's records (or
 * those --kind/--source/--before select) with everything attached, in one transaction, revokes the
 * account's consents on a full purge and writes one audit entry. Refuses without --yes (exit 2) after
 * saying what it would remove; --dry-run only says.
 */
import type { Command } from 'commander';
import { ExitCode, UsageError, toIso } from '../../core/index.js';
import type { PurgeOptions, PurgeReport } from '../../ledger/index.js';
import { ACCOUNT_KINDS, isAccountKind } from '../../schemas/index.js';
import type { AccountKind, RecordSource } from '../../schemas/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { timeFlag, withLedger } from './consent.js';

interface PurgeFlags {
  db?: string;
  account: string;
  kind: string[];
  source?: string;
  before?: string;
  dryRun?: boolean;
  yes?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The flags as purge options, or a usage error naming the bad one. */
function optionsOf(opts: PurgeFlags): PurgeOptions {
  if (!opts.account.trim()) {
    throw new UsageError('bad_account', '--account is empty.', { hint: 'Pass --account LABEL.' });
  }
  const kinds: AccountKind[] = [];
  for (const kind of opts.kind) {
    if (!isAccountKind(kind)) {
      throw new UsageError('bad_kind', `--kind ${JSON.stringify(kind)} is not a record kind.`, {
        hint: `Use one of: ${ACCOUNT_KINDS.join(', ')}.`,
      });
    }
    kinds.push(kind);
  }
  const source = opts.source;
  if (source !== undefined && source !== 'api' && source !== 'web' && source !== 'csv') {
    throw new UsageError('bad_source', `--source ${JSON.stringify(source)} is not a source.`, {
      hint: 'Use --source api, --source web or --source csv.',
    });
  }
  return {
    account: opts.account,
    ...(kinds.length > 0 ? { kinds } : {}),
    ...(source !== undefined ? { source: source as RecordSource } : {}),
    ...(opts.before !== undefined ? { before: timeFlag('--before', opts.before) } : {}),
  };
}

function describe(report: PurgeReport, verb: string): string[] {
  const scope = [
    report.filters.kinds ? `kinds ${report.filters.kinds.join(', ')}` : '',
    report.filters.source ? `source ${report.filters.source}` : '',
    report.filters.before !== undefined ? `before ${toIso(report.filters.before)}` : '',
  ].filter(Boolean);
  const lines = [
    `purge of account ${report.account} (${scope.length ? scope.join('; ') : 'everything'}): ${verb} ${report.recordsTotal} records`,
  ];
  for (const [kind, n] of Object.entries(report.records)) lines.push(`  ${kind}: ${n}`);
  lines.push(
    `  source sightings ${report.sightings}, matches ${report.matches}, conflicts ${report.conflicts}, quarantine rows ${report.quarantine}, import-log entries ${report.importFiles}, checkpoints ${report.checkpoints.length}`,
  );
  if (report.consentsRevoked.length > 0) {
    lines.push(
      `  consents revoked (kept as evidence): ${report.consentsRevoked.map((id) => `#${id}`).join(', ')}`,
    );
  }
  return lines;
}

/** `ok` is false on a refusal (no --yes), which exits 2. */
function jsonOf(report: PurgeReport, done: boolean, ok: boolean): Record<string, unknown> {
  return {
    ok,
    done,
    ...report,
    filters: {
      ...report.filters,
      ...(report.filters.before !== undefined ? { before: toIso(report.filters.before) } : {}),
    },
  };
}

async function run(ctx: CommandContext, opts: PurgeFlags): Promise<number> {
  const options = optionsOf(opts);
  const confirmed = Boolean(opts.yes) && !opts.dryRun;
  return withLedger(ctx, opts.db, { create: false }, async (store) => {
    const report = await store.purgeAccount({ ...options, dryRun: !confirmed });
    if (ctx.json) ctx.printJson(jsonOf(report, confirmed, confirmed || Boolean(opts.dryRun)));
    else for (const line of describe(report, confirmed ? 'removed' : 'would remove')) ctx.print(line);
    if (confirmed || opts.dryRun) return ExitCode.ok;
    ctx.warn('nothing was removed: purging is irreversible; add --yes to remove the above.');
    return ExitCode.badInput;
  });
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('purge')
    .description("remove an account's records from the ledger (the holder's right to erasure)")
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .requiredOption('--account <label>', 'the account to purge')
    .option('--kind <kind>', `only this kind (repeatable: ${ACCOUNT_KINDS.join(', ')})`, collect, [])
    .option(
      '--source <source>',
      "only this source's sightings (api, web or csv); records left without one go",
    )
    .option('--before <date>', 'only records before this time (YYYY-MM-DD is midnight UTC, or an ISO time)')
    .option('--dry-run', 'say what would be removed, change nothing')
    .option('--yes', 'really remove (without it purge only says what it would remove, and exits 2)')
    .action(runtime.action(async (ctx, opts: PurgeFlags) => run(ctx, opts)));
};
