/**
 * `ledgertap consent grant|list|revoke`: the holder's authorization, recorded in the ledger. `sync` and
 * `capture` refuse to run without an active consent of their scope.
 * Also home of {@link withLedger}, the `--db` handling the ledger verbs share.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError, LedgerError, UsageError, parseTimeInput, toIso } from '../../core/index.js';
import {
  consentState,
  isConsentScope,
  isPostgresUrl,
  openLedger,
  requireConsent,
} from '../../ledger/index.js';
import type { Consent, ConsentScope, LedgerStore, OpenLedgerOptions } from '../../ledger/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';

/** `--db` as given, else `LEDGERTAP_DB`; a usage error when neither. */
export function dbLocation(ctx: CommandContext, db: string | undefined): string {
  const location = db ?? ctx.env['LEDGERTAP_DB'];
  if (!location) {
    throw new UsageError('missing_db', 'no ledger given.', {
      hint: 'Pass --db FILE or --db postgres://… (or set LEDGERTAP_DB).',
    });
  }
  return /^postgres(ql)?:\/\//i.test(location) ? location : ctx.resolvePath(location);
}

/** Opens the ledger named by `--db`, runs `fn`, and always closes it. */
export async function withLedger<T>(
  ctx: CommandContext,
  db: string | undefined,
  options: OpenLedgerOptions,
  fn: (store: LedgerStore) => Promise<T>,
): Promise<T> {
  const store = await openLedger(dbLocation(ctx, db), options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs `fn` on the ledger named by `--db` under the holder's active consent of `scope` for `account`,
 * or refuses. The consent is checked before anything is written: consent records live in the ledger, so
 * an SQLite file that does not exist holds none, and the refusal must not leave an empty ledger behind
 * (a later `consent grant --db` on it would look like a ledger with history).
 */
export async function withConsent<T>(
  ctx: CommandContext,
  db: string | undefined,
  account: string,
  scope: ConsentScope,
  fn: (store: LedgerStore, consent: Consent) => Promise<T>,
): Promise<T> {
  const location = dbLocation(ctx, db);
  if (!isPostgresUrl(location) && !existsSync(location)) {
    throw new LedgerError(
      'no_consent',
      `consent: no active ${scope} consent for account "${account}": the ledger ${location} does not exist yet, so none was ever granted.`,
      {
        exitCode: 2,
        hint: `Record the holder's authorization first (this creates the ledger): ledgertap consent grant --db ${location} --account ${account} --holder "NAME" --scope ${scope} --expires YYYY-MM-DD`,
        details: { account, scope },
      },
    );
  }
  return withLedger(ctx, location, {}, async (store) =>
    fn(store, await requireConsent(store, account, scope, Date.now())),
  );
}

/**
 * Fails when `--account` names an account the ledger has never seen (no record, no consent): a typo
 * would otherwise print nothing and exit 0, as if the account were empty.
 */
export async function requireKnownAccount(store: LedgerStore, account: string | undefined): Promise<void> {
  if (account === undefined) return;
  const known = await store.accounts();
  if (known.includes(account)) return;
  throw new InputError('unknown_account', `--account ${JSON.stringify(account)}: not in this ledger.`, {
    hint: known.length
      ? `Known accounts: ${known.map((a) => JSON.stringify(a)).join(', ')} (labels are case-sensitive).`
      : 'The ledger has no accounts yet: sync, import or grant a consent first.',
  });
}

/** Parses a user date/time flag or throws a usage error naming the flag. */
export function timeFlag(flag: string, value: string): number {
  const ms = parseTimeInput(value);
  if (ms === undefined) {
    throw new UsageError('bad_time', `${flag} ${JSON.stringify(value)} is not a date or time.`, {
      hint: `Use YYYY-MM-DD, an ISO 8601 time (2026-01-31T10:00:00Z) or epoch milliseconds.`,
    });
  }
  return ms;
}

function describe(consent: Consent, now: number): string {
  return [
    `#${consent.id}`,
    `account ${consent.account}`,
    `holder ${JSON.stringify(consent.holder)}`,
    `scope ${consent.scope}`,
    `granted ${toIso(consent.grantedAt)}`,
    `expires ${toIso(consent.expiresAt)}`,
    consent.revokedAt !== null ? `revoked ${toIso(consent.revokedAt)}` : '',
    consent.revokeReason !== null ? `reason ${JSON.stringify(consent.revokeReason)}` : '',
    consentState(consent, now),
  ]
    .filter(Boolean)
    .join('  ');
}

function jsonOf(consent: Consent, now: number): Record<string, unknown> {
  return {
    ...consent,
    grantedAt: toIso(consent.grantedAt),
    expiresAt: toIso(consent.expiresAt),
    revokedAt: consent.revokedAt === null ? null : toIso(consent.revokedAt),
    state: consentState(consent, now),
  };
}

export const register: RegisterVerb = (program: Command, runtime) => {
  const consent = program
    .command('consent')
    .description("record, list and revoke the account holder's authorization (required by sync and capture)");

  consent
    .command('grant')
    .description('record that the holder authorizes reading (read) or capturing (capture) their account')
    .option('--db <path|url>', 'ledger: an SQLite file (created when missing) or a postgres:// URL')
    .option('--account <label>', "the holder's label in the ledger", 'main')
    .requiredOption('--holder <name>', "the account holder's name")
    .requiredOption('--scope <scope>', 'read (sync, replay) or capture (record app traffic)')
    .requiredOption('--expires <date>', 'when the consent ends (YYYY-MM-DD is midnight UTC, or an ISO time)')
    .action(
      runtime.action(
        async (
          ctx,
          opts: { db?: string; account: string; holder: string; scope: string; expires: string },
        ) => {
          if (!isConsentScope(opts.scope)) {
            throw new UsageError(
              'bad_scope',
              `--scope ${JSON.stringify(opts.scope)} is not a consent scope.`,
              {
                hint: 'Use --scope read or --scope capture.',
              },
            );
          }
          const scope = opts.scope;
          const expiresAt = timeFlag('--expires', opts.expires);
          const now = Date.now();
          if (expiresAt <= now) {
            throw new UsageError('expired', `--expires ${opts.expires} is in the past.`, {
              hint: 'Give a date after today.',
            });
          }
          await withLedger(ctx, opts.db, {}, async (store) => {
            const granted = await store.grantConsent({
              account: opts.account,
              holder: opts.holder,
              scope,
              expiresAt,
              grantedAt: now,
            });
            if (ctx.json) ctx.printJson(jsonOf(granted, now));
            else ctx.print(`consent granted: ${describe(granted, now)}`);
          });
        },
      ),
    );

  consent
    .command('list')
    .description('list consents, newest first, with their state (active, expired, revoked)')
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .option('--account <label>', 'only this account')
    .action(
      runtime.action(async (ctx, opts: { db?: string; account?: string }) => {
        await withLedger(ctx, opts.db, { create: false }, async (store) => {
          const now = Date.now();
          const consents = await store.listConsents(
            opts.account !== undefined ? { account: opts.account } : {},
          );
          if (ctx.json) ctx.printJson(consents.map((c) => jsonOf(c, now)));
          else if (consents.length === 0) ctx.progress('no consents recorded.');
          else for (const c of consents) ctx.print(describe(c, now));
        });
      }),
    );

  consent
    .command('revoke')
    .description(
      'revoke a consent by its id (sync and capture stop accepting it at once); the time and reason are kept and audited',
    )
    .argument('<id>', 'the consent id (see consent list)')
    .option('--db <path|url>', 'ledger: an SQLite file or a postgres:// URL')
    .option('--reason <text>', 'why it is revoked (shown by consent list and audit; at most 1000 characters)')
    .action(
      runtime.action(async (ctx, idText: string, opts: { db?: string; reason?: string }) => {
        if (!/^\d{1,15}$/.test(idText)) {
          throw new UsageError('bad_id', `consent id ${JSON.stringify(idText)} is not a number.`, {
            hint: 'Use the id shown by `ledgertap consent list`.',
          });
        }
        if (opts.reason !== undefined && opts.reason.trim().length > 1000) {
          throw new UsageError('bad_reason', `--reason has ${opts.reason.trim().length} characters.`, {
            hint: 'Give at most 1000 characters.',
          });
        }
        await withLedger(ctx, opts.db, { create: false }, async (store) => {
          const now = Date.now();
          const revoked = await store.revokeConsent(
            Number(idText),
            opts.reason !== undefined ? { reason: opts.reason } : {},
          );
          if (ctx.json) ctx.printJson(jsonOf(revoked, now));
          else ctx.print(`consent revoked: ${describe(revoked, now)}`);
        });
      }),
    );
};
