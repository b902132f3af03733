/**
 * `ledgertap reconcile`: per asset, the history summed against the latest balance records; prints each
 * gap with the likely missing surface. Only wallets the balance snapshots cover are compared; the others
 * (margin, futures, …) are listed with their history sums, never a gap. `--daily-snapshots` also reads the
 * month's daily SPOT snapshots from Binance (one signed call) and compares each day with the ledger's spot
 * balance as of the snapshot (docs/ledger.md "Daily snapshots"). Exit 1 when there is a gap, no balance to
 * compare with, or a day whose snapshot differs.
 */
import type { Command } from 'commander';
import { ExitCode, UsageError, toIso } from '../../core/index.js';
import {
  BinanceClient,
  checkReadOnlyKey,
  loadCredentials,
  readSpotSnapshots,
} from '../../connectors/index.js';
import type { RequestEvent } from '../../connectors/index.js';
import { hasGaps, reconcile, reconcileSpotSnapshots, requireConsent } from '../../ledger/index.js';
import type { LedgerStore, ReconcileReport, SnapshotReconcileReport } from '../../ledger/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';
import { register as registerAudit } from './audit.js';
import { register as registerConsent, requireKnownAccount, withLedger } from './consent.js';
import { register as registerExport } from './export.js';

interface ReconcileFlags {
  db?: string;
  account?: string;
  all?: boolean;
  conflicts?: boolean;
  dailySnapshots?: boolean;
  baseUrl: string;
  keyFile?: string;
  recvWindow: string;
  limitWindowMs?: string;
  allowUnsafeKey?: boolean;
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      'bad_number',
      `${flag} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}.`,
    );
  return n;
}

/**
 * `--daily-snapshots`: reads the month's SPOT snapshots once (one signed call, weight 2400, under the
 * account's read consent, audited like a sync's requests) and compares each day with the ledger.
 */
async function dailySnapshots(
  ctx: CommandContext,
  store: LedgerStore,
  account: string,
  flags: ReconcileFlags,
): Promise<SnapshotReconcileReport> {
  if (!/^https?:\/\//.test(flags.baseUrl))
    throw new UsageError('bad_url', `--base-url ${JSON.stringify(flags.baseUrl)} is not an http(s) URL.`);
  const recvWindow = wholeNumber('--recv-window', flags.recvWindow, 1, 60_000);
  const minuteMs =
    flags.limitWindowMs !== undefined
      ? wholeNumber('--limit-window-ms', flags.limitWindowMs, 10, 3_600_000)
      : undefined;
  const credentials = loadCredentials({
    env: ctx.env,
    ...(flags.keyFile ? { keyFile: ctx.resolvePath(flags.keyFile) } : {}),
  });
  const consent = await requireConsent(store, account, 'read', Date.now());
  const requests: RequestEvent[] = [];
  const client = new BinanceClient({
    baseUrl: flags.baseUrl,
    credentials,
    recvWindow,
    ...(minuteMs !== undefined ? { minuteMs } : {}),
    onRequest: (e) => requests.push(e),
  });
  try {
    ctx.progress(`reconcile: reading the daily SPOT snapshots of account "${account}" (weight 2400)…`);
    const check = await checkReadOnlyKey(client, {
      allowUnsafe: Boolean(flags.allowUnsafeKey),
      signal: ctx.signal,
    });
    if (check.unsafe.length > 0)
      ctx.warn(
        `THIS API KEY CAN ${check.unsafe.join(', ').toUpperCase()}. --allow-unsafe-key accepted it; ledgertap only reads, but anyone who gets this key can move your funds. Switch those permissions off.`,
      );
    const snapshots = await readSpotSnapshots(client, { signal: ctx.signal });
    return await reconcileSpotSnapshots(store, account, snapshots);
  } finally {
    // Every request, also a failed one, goes to the audit log under the consent that allowed it.
    await store.transaction(async (tx) => {
      for (const e of requests)
        await tx.appendAudit({
          at: e.time,
          account,
          consentId: consent.id,
          route: 'api',
          method: e.method,
          endpoint: e.endpoint,
          params: e.params,
          ...(e.status ? { status: e.status } : {}),
          weight: e.weight,
          ...(e.records !== undefined ? { records: e.records } : {}),
          durationMs: e.durationMs,
          ...(e.error ? { error: e.error } : {}),
        });
    });
  }
}

function printSnapshots(ctx: CommandContext, r: SnapshotReconcileReport): void {
  const first = r.days[0];
  const last = r.days[r.days.length - 1];
  ctx.print(
    `account ${r.account}: daily spot snapshots: ${r.days.length} days${
      first && last ? ` (${first.day} to ${last.day}, each as of ${toIso(first.time).slice(11)})` : ''
    }, ${r.daysWithDifferences} with a difference`,
  );
  for (const day of r.days) {
    for (const d of day.differences) {
      const direction = d.difference.startsWith('-')
        ? 'less held than the ledger says'
        : 'more held than the ledger explains';
      ctx.print(
        `  ${day.day} ${d.asset}: difference ${d.difference} (${direction}; snapshot ${d.snapshot}, ledger ${d.ledger})${
          d.changed ? '' : ', as the day before'
        }`,
      );
      if (!d.changed) continue;
      ctx.print(
        d.around.length === 0
          ? `    no spot movement of ${d.asset} in the ledger up to then`
          : `    spot movements of ${d.asset} around it (this day's, or the last before it):`,
      );
      for (const n of d.around)
        ctx.print(
          `      ${toIso(n.time)} ${n.kind} ${n.id}: ${n.delta.startsWith('-') ? '' : '+'}${n.delta}`,
        );
    }
  }
}

/** Match rows an earlier release left pointing at removed records: shown, never a problem (exit code). */
function printDangling(ctx: CommandContext, report: ReconcileReport): void {
  if (report.danglingMatches === 0) return;
  ctx.print(
    `  ${report.danglingMatches} match rows point at records the ledger no longer holds (an earlier release removed them without moving their matches); the next \`ledgertap import csv\` or \`ledgertap sync\` moves them to the records holding their events or removes them (audit log)`,
  );
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('reconcile')
    .description("compare each asset's summed history with its latest balance; list gaps and likely causes")
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .option('--account <label>', 'only this account (default: every account)')
    .option('--all', 'also list assets without a gap')
    .option('--conflicts', 'also list the unresolved conflicts between sources (fields that disagree)')
    .option(
      '--daily-snapshots',
      "also read the month's daily SPOT snapshots from Binance (one signed call, weight 2400; keys as for sync) and compare each day with the ledger's spot balances (--account, default main)",
    )
    .option('--base-url <url>', 'API base URL (with --daily-snapshots)', 'https://api.binance.com')
    .option('--key-file <path>', 'Ed25519/RSA PKCS#8 private key or HMAC secret file, readable by you only')
    .option('--recv-window <ms>', 'recvWindow of signed requests (1..60000)', '5000')
    .option(
      '--limit-window-ms <ms>',
      'length of a rate-limit "minute" (for sandboxes that scale it; default 60000)',
    )
    .option('--allow-unsafe-key', 'accept a key that can trade, withdraw or transfer (loudly warned)')
    .action(
      runtime.action(async (ctx, opts: ReconcileFlags) => {
        return withLedger(ctx, opts.db, { create: false }, async (store) => {
          await requireKnownAccount(store, opts.account);
          const reports = await reconcile(store, opts.account !== undefined ? { account: opts.account } : {});
          const snapshots = opts.dailySnapshots
            ? await dailySnapshots(ctx, store, opts.account ?? 'main', opts)
            : undefined;
          const problems =
            reports.some((r) => !r.hasBalances || hasGaps(r)) ||
            reports.length === 0 ||
            (snapshots !== undefined && snapshots.daysWithDifferences > 0);
          const conflicts = opts.conflicts
            ? await store.listConflicts({
                unresolved: true,
                ...(opts.account !== undefined ? { account: opts.account } : {}),
              })
            : [];
          if (ctx.json) {
            ctx.printJson({
              ok: !problems,
              accounts: reports,
              ...(opts.conflicts ? { conflicts } : {}),
              ...(snapshots ? { dailySnapshots: snapshots } : {}),
            });
            return problems ? ExitCode.problems : ExitCode.ok;
          }
          if (reports.length === 0) ctx.print('reconcile: the ledger holds no records.');
          for (const report of reports) {
            const records = Object.values(report.counts).reduce((a, b) => a + (b ?? 0), 0);
            if (!report.hasBalances) {
              ctx.print(
                `account ${report.account}: no balance records (${records} records): nothing to reconcile against. Sync balances first.`,
              );
              printDangling(ctx, report);
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
            printDangling(ctx, report);
            if (report.uncovered.length > 0) {
              ctx.print(
                `  not covered by any balance snapshot: ${report.uncovered.map((u) => u.wallet).join(', ')} — history sums shown, not checked`,
              );
              for (const u of report.uncovered) {
                ctx.print(
                  `    ${u.wallet}: ${u.assets
                    .map(
                      (a) =>
                        `${a.asset} ${a.history}${a.balance !== undefined ? ` (balance ${a.balance}, net of debt ${a.netAsset ?? a.balance})` : ''}`,
                    )
                    .join(', ')}`,
                );
                if (u.reason) ctx.print(`      not checked: ${u.reason}`);
              }
            }
            for (const w of report.isolated) {
              const off = w.assets.filter((a) => a.gap !== '0');
              ctx.print(
                `  ${w.wallet}: ${off.length === 0 ? 'ok' : `${off.length} with a gap`} (transfers in and out against its balance snapshot)`,
              );
              for (const a of opts.all ? w.assets : off) {
                ctx.print(
                  a.gap === '0'
                    ? `    ${a.asset}: ok (balance ${a.balance})`
                    : `    ${a.asset}: gap ${a.gap} (balance ${a.balance}, history ${a.history}): isolated-margin transfers older than the API reaches (6 months), or margin trades the ledger has no records of`,
                );
              }
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
          if (snapshots) printSnapshots(ctx, snapshots);
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
      }),
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
