/**
 * The consent gate: every sync and capture runs under the holder's recorded, unexpired, unrevoked
 * authorization (DESIGN.md section 4).
 */
import { LedgerError, toIso } from '../core/index.js';
import type { Consent, ConsentScope, LedgerStore } from './types.js';

/** Every consent scope. */
export const CONSENT_SCOPES: readonly ConsentScope[] = ['read', 'capture'];

/** True when `value` is a consent scope. */
export function isConsentScope(value: unknown): value is ConsentScope {
  return value === 'read' || value === 'capture';
}

/** Whether a consent is active at `now`, and if not, why. */
export function consentState(consent: Consent, now: number): 'active' | 'revoked' | 'expired' | 'not_yet' {
  if (consent.revokedAt !== null && consent.revokedAt <= now) return 'revoked';
  if (consent.expiresAt <= now) return 'expired';
  if (consent.grantedAt > now) return 'not_yet';
  return 'active';
}

/**
 * Returns the active consent for (account, scope) at `now`, or throws `ledger.no_consent` (exit 2) with
 * a message saying what exists (expired, revoked) and the command that grants one.
 */
export async function requireConsent(
  store: LedgerStore,
  account: string,
  scope: ConsentScope,
  now: number,
): Promise<Consent> {
  const active = await store.activeConsent(account, scope, now);
  if (active) return active;
  const all = (await store.listConsents({ account })).filter((c) => c.scope === scope);
  const latest = all[0];
  const why = latest
    ? consentState(latest, now) === 'revoked'
      ? `the latest (id ${latest.id}) was revoked at ${toIso(latest.revokedAt ?? now)}${
          latest.revokeReason !== null ? ` (reason: ${JSON.stringify(latest.revokeReason)})` : ''
        }`
      : consentState(latest, now) === 'expired'
        ? `the latest (id ${latest.id}) expired at ${toIso(latest.expiresAt)}`
        : `the latest (id ${latest.id}) starts at ${toIso(latest.grantedAt)}`
    : 'none was ever granted';
  throw new LedgerError(
    'no_consent',
    `consent: no active ${scope} consent for account "${account}": ${why}.`,
    {
      exitCode: 2,
      hint: `Record the holder's authorization first: ledgertap consent grant --db ${store.location} --account ${account} --holder "NAME" --scope ${scope} --expires YYYY-MM-DD`,
      details: { account, scope },
    },
  );
}
