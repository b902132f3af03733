/**
 * `ledgertap audit`: the audit log of every network request made under a consent (time, consent, route,
 * endpoint, parameters without secrets, status, weight, records, duration).
 */
import type { Command } from 'commander';
import { UsageError, toIso } from '../../core/index.js';
import type { AuditEntry } from '../../ledger/index.js';
import type { RegisterVerb } from '../context.js';
import { requireKnownAccount, timeFlag, withLedger } from './consent.js';

function line(e: AuditEntry): string {
  const params = Object.entries(e.params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('&');
  return [
    toIso(e.at),
    e.account ?? '-',
    e.consentId !== undefined ? `consent#${e.consentId}` : 'consent#-',
    e.route,
    `${e.method} ${e.endpoint}${params ? `?${params}` : ''}`,
    e.status !== undefined ? String(e.status) : 'no-response',
    `weight=${e.weight ?? '-'}`,
    `records=${e.records ?? '-'}`,
    `${e.durationMs ?? '-'}ms`,
    e.error ? `error=${JSON.stringify(e.error)}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('audit')
    .description('show the audit log: every request made, oldest first (never a secret)')
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .option('--account <label>', 'only this account')
    .option('--since <date>', 'only requests at or after this time (YYYY-MM-DD, ISO time, epoch ms)')
    .option('--limit <n>', 'only the most recent N requests')
    .action(
      runtime.action(async (ctx, opts: { db?: string; account?: string; since?: string; limit?: string }) => {
        const since = opts.since !== undefined ? timeFlag('--since', opts.since) : undefined;
        if (opts.limit !== undefined && !/^\d{1,9}$/.test(opts.limit)) {
          throw new UsageError('bad_limit', `--limit ${JSON.stringify(opts.limit)} is not a count.`, {
            hint: 'Give a whole number.',
          });
        }
        await withLedger(ctx, opts.db, { create: false }, async (store) => {
          const entries = await store.listAudit({
            ...(opts.account !== undefined ? { account: opts.account } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(opts.limit !== undefined ? { limit: Number(opts.limit) } : {}),
          });
          // Nothing logged for an account the ledger does not know: a typo, said as such.
          if (entries.length === 0) await requireKnownAccount(store, opts.account);
          if (ctx.json) ctx.printJson(entries.map((e) => ({ ...e, at: toIso(e.at) })));
          else if (entries.length === 0) ctx.progress('no requests in the audit log.');
          else for (const e of entries) ctx.print(line(e));
        });
      }),
    );
};
