/**
 * The ledger: one store interface over SQLite (embedded default, one file, WAL) and PostgreSQL (many
 * accounts and workers). Records are keyed by (account, kind, id), validated against their JSON Schema
 * before every write, remember every source that saw them, and commit together with their sync
 * checkpoint. Also the consent records, the audit log, the tables the CSV importer uses (matches,
 * quarantine, import log), the unified balance-effect view, reconcile and export. See docs/ledger.md.
 *
 * ```ts
 * const store = await openLedger('ledger.db'); // or 'postgres://…'
 * const consent = await requireConsent(store, 'main', 'read', Date.now());
 * await store.transaction(async (tx) => {
 *   await tx.putRecords(records);
 *   await tx.setCheckpoint('binance:main:trades:BNBBTC', { fromId: '1234' });
 * });
 * ```
 */
export { openLedger, isPostgresUrl } from './open.js';
export type { OpenLedgerOptions } from './open.js';
export type * from './types.js';
export { requireConsent, consentState, isConsentScope, CONSENT_SCOPES } from './consent.js';
export { balanceEffects, sumEffectsByAsset } from './balance.js';
export type { BalanceEffect, WalletName as LedgerWalletName } from './balance.js';
export {
  SNAPSHOT_WALLETS,
  coveredBySnapshots,
  hasGaps,
  reconcile,
  reconcileAccount,
  reconcileSpotSnapshots,
  ledgerView,
} from './reconcile.js';
export { p2pCoveredChanges } from './p2p.js';
export type {
  AssetReconciliation,
  GapHint,
  IsolatedWalletReconciliation,
  LedgerViewRow,
  ReconcileReport,
  SnapshotDay,
  SnapshotDifference,
  SnapshotNeighbour,
  SnapshotReconcileReport,
  SpotSnapshotInput,
  UncoveredWallet,
} from './reconcile.js';
export { exportLines as exportLedger } from './export.js';
export type { ExportOptions } from './export.js';
export {
  validateRecord as validateAccountRecord,
  checkRecord as checkAccountRecord,
  isValidRecord as isValidAccountRecord,
} from './validate.js';
export type { RecordProblem } from './validate.js';
export { decideMerge, STATE_KINDS } from './merge.js';
export { MIGRATIONS as LEDGER_MIGRATIONS, LATEST_VERSION as LEDGER_SCHEMA_VERSION } from './migrations.js';
export type { Migration as LedgerMigration } from './migrations.js';
export { maskPostgresUrl } from './postgres.js';
