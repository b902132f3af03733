/**
 * `ledgertap reconcile`: per asset, the history summed against the latest balance records; prints each
 * gap with the likely missing surface. Only wallets the balance snapshots cover are compared; the others
 * (margin, futures, …) are listed with their history sums, never a gap. Exit 1 when there is a gap (or no
 * balance to compare with).
 */
import type { Command } from 'commander';
import { ExitCode } from '../../core/index.js';
import { reconcile } from '../../ledger/index.js';
import type { RegisterVerb } from '../context.js';
import { register as registerAudit } from './audit.js';
import { register as registerConsent, withLedger } from './consent.js';
import { register as registerExport } from './export.js';

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('reconcile')
    .description("compare each asset's summed history with its latest balance; list gaps and likely causes")
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .option('--account <label>', 'only this account (default: every account)')
    .option('--all', 'also list assets without a gap')
    .option('--conflicts', 'also list the unresolved conflicts between sources (fields that disagree)')
    .action(
      runtime.action(
        async (ctx, opts: { db?: string; account?: string; all?: boolean; conflicts?: boolean }) => {
          return withLedger(ctx, opts.db, { create: false }, async (store) => {
            const reports = await reconcile(
              store,
              opts.account !== undefined ? { account: opts.account } : {},
            );
            const problems = reports.some((r) => !r.hasBalances || r.gaps.length > 0) || reports.length === 0;
            const conflicts = opts.conflicts
              ? await store.listConflicts({
                  unresolved: true,
                  ...(opts.account !== undefined ? { account: opts.account } : {}),
                })
              : [];
            if (ctx.json) {
              ctx.printJson({ ok: !problems, accounts: reports, ...(opts.conflicts ? { conflicts } : {}) });
              return problems ? ExitCode.problems : ExitCode.ok;
            }
            if (reports.length === 0) ctx.print('reconcile: the ledger holds no records.');
            for (const report of reports) {
              const records = Object.values(report.counts).reduce((a, b) => a + (b ?? 0), 0);
              if (!report.hasBalances) {
                ctx.print(
                  `account ${report.account}: no balance records (${records} records): nothing to reconcile against. Sync balances first.`,
                );
                continue;
              }
              ctx.print(
                `account ${report.account}: ${report.assets.length} assets, ${report.gaps.length} with a gap (${records} records${
                  report.unresolvedConflicts
                    ? `, ${report.unresolvedConflicts} unresolved source conflicts`
                    : ''
                }${
                  report.p2pLegsCovered
                    ? `, ${report.p2pLegsCovered} statement P2P legs counted through their P2P orders`
                    : ''
                })`,
              );
              if (report.uncovered.length > 0) {
                ctx.print(
                  `  not covered by any balance snapshot: ${report.uncovered.map((u) => u.wallet).join(', ')} — history sums shown, not checked`,
                );
                for (const u of report.uncovered)
                  ctx.print(`    ${u.wallet}: ${u.assets.map((a) => `${a.asset} ${a.history}`).join(', ')}`);
              }
              for (const a of opts.all ? report.assets : report.gaps) {
                if (a.gap === '0') {
                  ctx.print(`  ${a.asset}: ok (balance ${a.balance})`);
                  continue;
                }
                const direction = a.gap.startsWith('-')
                  ? 'less held than history says'
                  : 'more held than history explains';
                ctx.print(
                  `  ${a.asset}: gap ${a.gap} (${direction}; balance ${a.balance}, history ${a.history})`,
                );
                for (const h of a.hints) ctx.print(`    likely: ${h.surface}: ${h.reason}`);
              }
            }
            if (opts.conflicts) {
              ctx.print(`${conflicts.length} unresolved conflicts between sources`);
              for (const c of conflicts) {
                const fields = c.fields
                  .map(
                    (f) =>
                      `${f.field}: stored ${JSON.stringify(f.stored)}, ${c.source} says ${JSON.stringify(f.incoming)}`,
                  )
                  .join('; ');
                ctx.print(`  #${c.id} ${c.account} ${c.kind} ${c.recordId}: ${fields}`);
              }
            }
            return problems ? ExitCode.problems : ExitCode.ok;
          });
        },
      ),
    );
};

/**
 * The ledger verbs (consent, audit, export, reconcile) as one entry for cli/commands/index.ts. It lives
 * here because reconcile.ts is the one ledger verb file nothing else imports (no import cycle).
 */
export const ledgerVerbs: readonly RegisterVerb[] = [
  registerConsent,
  registerAudit,
  registerExport,
  register,
];
