/**
 * Reconcile: per asset, the history (every movement's balance effect summed) against the latest balance
 * records. A gap means a surface is missing records; the hints say which one most likely is.
 */
import { Decimal, canonicalDecimal, dec } from '../core/index.js';
import type { AccountKind, AccountRecord } from '../schemas/index.js';
import { balanceEffects } from './balance.js';
import type { BalanceEffect } from './balance.js';
import { STATE_KINDS } from './merge.js';
import { p2pCoveredChanges } from './p2p.js';
import type { LedgerStore, RecordQuery } from './types.js';

/** A likely cause of a gap. */
export interface GapHint {
  /** The record kind (surface) most likely missing. */
  surface: AccountKind | 'history_before_sync';
  /** Why, in one sentence. */
  reason: string;
}

/** One asset's comparison. */
export interface AssetReconciliation {
  asset: string;
  /** Sum of every movement's effect in the wallets the snapshots cover ({@link SNAPSHOT_WALLETS}). */
  history: string;
  /** Sum of the latest balance records, all wallets (free + locked). */
  balance: string;
  /** balance − history: positive means more is held than the history explains (inflows missing). */
  gap: string;
  /** Most likely missing surfaces, best first (only when gap ≠ 0). */
  hints: GapHint[];
}

/**
 * Wallets the balance snapshots cover: the sync reads spot, funding and Earn (`earn` is a statement's
 * Earn account, read as `earn_flexible`). `card` holds nothing of its own (card spending draws on spot or
 * funding), so it counts with them.
 */
export const SNAPSHOT_WALLETS: ReadonlySet<string> = new Set([
  'spot',
  'funding',
  'earn_flexible',
  'earn_locked',
  'earn',
  'card',
]);

/** True when the balance snapshots cover `wallet` (see {@link SNAPSHOT_WALLETS}). */
export function coveredBySnapshots(wallet: string): boolean {
  return SNAPSHOT_WALLETS.has(wallet);
}

/**
 * A wallet no balance snapshot covers (cross and isolated margin, futures, options, …): its history is
 * summed and shown, never compared, so holdings there (and borrowed-not-repaid) are no gap.
 */
export interface UncoveredWallet {
  wallet: string;
  /**
   * Per asset the wallet's history touched: its balance effects summed (signed; `0` when they net out).
   * An isolated-margin wallet with a balance snapshot also shows its snapshot: `balance` (free + locked,
   * the listing's `totalAsset`) and `netAsset` (debt subtracted), and every asset of the snapshot.
   */
  assets: { asset: string; history: string; balance?: string; netAsset?: string }[];
  /**
   * An isolated-margin wallet with a balance snapshot that is still not checked: why its history cannot
   * explain the snapshot (borrowing now or earlier, the statement's isolated-margin movements of its
   * assets, more leaving it than entered).
   */
  reason?: string;
}

/**
 * An isolated-margin account (`isolated_margin:<symbol>`) with a balance snapshot whose history the
 * ledger holds in full as far as it knows (no borrowing seen, nothing unexplained left it): its history
 * (transfers in and out) is compared with the snapshot, per asset, like a covered wallet.
 */
export interface IsolatedWalletReconciliation {
  wallet: string;
  /** Every asset of the snapshot or the wallet's history, sorted. */
  assets: { asset: string; history: string; balance: string; gap: string }[];
}

/** The result for one account. */
export interface ReconcileReport {
  account: string;
  /** False when the account has no balance records: nothing to compare against. */
  hasBalances: boolean;
  /**
   * Every asset seen in covered history or balances, sorted. `history` sums only the effects in wallets
   * the snapshots cover ({@link SNAPSHOT_WALLETS}); the rest is in `uncovered`.
   */
  assets: AssetReconciliation[];
  /** The assets with a non-zero gap. */
  gaps: AssetReconciliation[];
  /** Records per kind in the account. */
  counts: Partial<Record<AccountKind, number>>;
  /** Unresolved conflicts between sources (a conflict can also explain a gap). */
  unresolvedConflicts: number;
  /**
   * Statement P2P legs (`balance_change`, category `p2p`) a stored `p2p_order` already explains: kept in
   * the ledger until an import or sync folds them, never counted (the order counts).
   */
  p2pLegsCovered: number;
  /**
   * Match rows pointing at a record the ledger no longer holds (an earlier release removed or replaced it
   * without moving them); the next CSV import or sync moves or removes them (`repairMatches`). Never a gap.
   */
  danglingMatches: number;
  /**
   * Wallets the history touched that no balance snapshot covers (sorted): their sums are shown, not
   * checked, and never make a gap.
   */
  uncovered: UncoveredWallet[];
  /**
   * Isolated-margin wallets checked against their balance snapshot (sorted by wallet); a non-zero `gap`
   * there is a gap like one in {@link ReconcileReport.gaps}. The others are in `uncovered`, with a
   * `reason` when they have a snapshot.
   */
  isolated: IsolatedWalletReconciliation[];
}

/** The wallet name prefix of an isolated-margin account (`isolated_margin:<symbol>`). */
const ISOLATED_PREFIX = 'isolated_margin:';

/** True when the report has a gap in a checked wallet (covered wallets or a checked isolated account). */
export function hasGaps(report: ReconcileReport): boolean {
  return report.gaps.length > 0 || report.isolated.some((w) => w.assets.some((a) => a.gap !== '0'));
}

/** One ledger-side asset of an isolated-margin snapshot. */
interface IsolatedHolding {
  total: Decimal;
  borrowed: Decimal;
  interest: Decimal;
  netAsset: Decimal;
  debtSince: number | undefined;
}

/** One row of the ledger view: a record's change of one asset in one wallet. */
export interface LedgerViewRow extends BalanceEffect {
  account: string;
  kind: AccountKind;
  id: string;
  time: number;
}

/**
 * The unified ledger view as a query: every matching record's balance effects, streamed in
 * (kind, id) order. A statement P2P leg a stored P2P order explains has none (the order has them).
 */
export async function* ledgerView(store: LedgerStore, query: RecordQuery = {}): AsyncIterable<LedgerViewRow> {
  const covered = await p2pCoveredChanges(
    store,
    query.account !== undefined ? { account: query.account } : {},
  );
  for await (const stored of store.iterateRecords(query)) {
    const r = stored.record;
    if (r.kind === 'balance_change' && covered.has(`${r.account}\u0000${r.id}`)) continue;
    for (const effect of balanceEffects(r)) {
      yield { account: r.account, kind: r.kind, id: r.id, time: r.time, ...effect };
    }
  }
}

const INFLOW_SURFACES: [AccountKind, string][] = [
  ['transfer', 'deposits'],
  ['earn_reward', 'Earn rewards'],
  ['dividend', 'distributions (airdrops, dividends)'],
  ['trade', 'buys'],
  ['conversion', 'Convert trades into it'],
  ['dust', 'small-asset conversions into it'],
  ['p2p_order', 'P2P buys'],
  ['fiat_transfer', 'fiat deposits or card purchases'],
  ['autoinvest_execution', 'Auto-Invest purchases'],
  [
    'balance_change',
    'movements only the transaction history lists (card refunds, margin loans, futures PnL)',
  ],
];
const OUTFLOW_SURFACES: [AccountKind, string][] = [
  ['transfer', 'withdrawals (amount plus fee)'],
  ['trade', 'sells or fees'],
  ['conversion', 'Convert trades out of it'],
  ['dust', 'small-asset conversions out of it'],
  ['p2p_order', 'P2P sells'],
  ['fiat_transfer', 'fiat withdrawals'],
  ['autoinvest_execution', 'Auto-Invest spending'],
  [
    'balance_change',
    'movements only the transaction history lists (card spending, margin repayments, funding fees)',
  ],
];

interface AssetContext {
  earnPosition: Decimal;
  earnBalance: Decimal;
  /** Kinds that touched this asset. */
  kinds: Set<AccountKind>;
  /** Single amounts (effects and fees) of records that touched this asset: a gap equal to one of them points at a twin record missing or this one miscounted. */
  amounts: Map<string, { kind: AccountKind; id: string; what: string }>;
  isFiat: boolean;
}

/** Bound on remembered amounts per asset, so reconcile stays in bounded memory on millions of trades. */
const MAX_AMOUNTS_PER_ASSET = 20_000;

function hintsFor(
  gap: Decimal,
  asset: string,
  ctx: AssetContext | undefined,
  counts: Map<AccountKind, number>,
): GapHint[] {
  const hints: GapHint[] = [];
  const abs = gap.abs();
  const same = ctx?.amounts.get(canonicalDecimal(abs));
  if (same) {
    hints.push({
      surface: same.kind,
      reason: `the gap equals the ${same.what} of ${same.kind} ${same.id} (${canonicalDecimal(abs)} ${asset}): a record like it is likely missing, or that one is counted wrongly.`,
    });
  }
  if (ctx && (abs.equals(ctx.earnPosition) || abs.equals(ctx.earnBalance)) && !abs.isZero()) {
    hints.push({
      surface: gap.isPositive() ? 'earn_subscription' : 'earn_redemption',
      reason: `the gap equals the ${asset} Earn position (${canonicalDecimal(abs)}): Earn subscriptions, redemptions or rewards are missing.`,
    });
  }
  const surfaces = gap.isPositive() ? INFLOW_SURFACES : OUTFLOW_SURFACES;
  // Surfaces with no records at all in the account come first: a whole surface not synced is the usual cause.
  const ranked = [...surfaces].sort(
    ([a], [b]) => Number((counts.get(a) ?? 0) > 0) - Number((counts.get(b) ?? 0) > 0),
  );
  for (const [surface, what] of ranked) {
    if (ctx?.isFiat && surface !== 'fiat_transfer' && surface !== 'p2p_order' && surface !== 'trade')
      continue;
    const n = counts.get(surface) ?? 0;
    if (hints.some((h) => h.surface === surface)) continue;
    hints.push({
      surface,
      reason:
        n === 0
          ? `no ${surface} records at all: ${what} of ${asset} may not have been synced.`
          : ctx?.kinds.has(surface)
            ? `some ${what} of ${asset} may be missing.`
            : `no ${surface} record touches ${asset}: ${what} of ${asset} may be missing.`,
    });
    if (hints.length >= 4) break;
  }
  hints.push({
    surface: 'history_before_sync',
    reason: `${asset} history older than the API reaches: import the Data Download Center CSV exports.`,
  });
  return hints;
}

/** Reconciles one account: history per asset against the latest balance records. */
export async function reconcileAccount(store: LedgerStore, account: string): Promise<ReconcileReport> {
  const history = new Map<string, Decimal>();
  /** wallet → asset → sum, for the wallets no snapshot covers. */
  const uncovered = new Map<string, Map<string, Decimal>>();
  const balances = new Map<string, Decimal>();
  const positions = new Map<string, Decimal>();
  const earnBalances = new Map<string, Decimal>();
  const contexts = new Map<string, AssetContext>();
  const counts = new Map<AccountKind, number>();
  const fiat = new Set<string>();
  let hasEarnWallet = false;
  let hasBalances = false;
  // Statement P2P legs whose P2P order is stored too: the order counts, the leg does not.
  const covered = await p2pCoveredChanges(store, { account });
  const ctxOf = (asset: string): AssetContext => {
    let c = contexts.get(asset);
    if (!c) {
      c = {
        earnPosition: new Decimal(0),
        earnBalance: new Decimal(0),
        kinds: new Set(),
        amounts: new Map(),
        isFiat: false,
      };
      contexts.set(asset, c);
    }
    return c;
  };
  const bump = (map: Map<string, Decimal>, asset: string, amount: Decimal): void => {
    map.set(asset, (map.get(asset) ?? new Decimal(0)).plus(amount));
  };
  /** wallet → asset → the latest snapshot, for isolated-margin wallets. */
  const isolatedHeld = new Map<string, Map<string, IsolatedHolding>>();
  /** wallet → its changes in time order (sorted later), for isolated-margin wallets. */
  const isolatedMoves = new Map<string, { time: number; asset: string; delta: Decimal }[]>();
  /** Assets the statement's symbol-less `isolated_margin` wallet moved (loans, repayments, trades). */
  const isolatedStatementAssets = new Set<string>();
  for await (const stored of store.iterateRecords({ account })) {
    const r: AccountRecord = stored.record;
    counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    if (r.kind === 'balance' && r.wallet.startsWith(ISOLATED_PREFIX)) {
      hasBalances = true;
      let held = isolatedHeld.get(r.wallet);
      if (!held) isolatedHeld.set(r.wallet, (held = new Map()));
      const total = dec(r.free).plus(dec(r.locked));
      const borrowed = dec(r.borrowed ?? '0');
      const interest = dec(r.interest ?? '0');
      held.set(r.asset, {
        total,
        borrowed,
        interest,
        netAsset: r.netAsset !== undefined ? dec(r.netAsset) : total.minus(borrowed).minus(interest),
        debtSince: r.debtSince,
      });
      continue;
    }
    if (r.kind === 'balance') {
      hasBalances = true;
      const total = dec(r.free).plus(dec(r.locked));
      bump(balances, r.asset, total);
      if (r.wallet === 'earn_flexible' || r.wallet === 'earn_locked') {
        hasEarnWallet = true;
        bump(earnBalances, r.asset, total);
      }
      continue;
    }
    if (r.kind === 'earn_position') {
      bump(positions, r.asset, dec(r.amount));
      continue;
    }
    if (r.kind === 'fiat_transfer') fiat.add(r.fiatCurrency);
    if (r.kind === 'p2p_order') fiat.add(r.fiat);
    if (STATE_KINDS.has(r.kind)) continue;
    if (r.kind === 'balance_change' && covered.has(`${r.account}\u0000${r.id}`)) continue;
    const remember = (asset: string, amount: string, what: string): void => {
      const amounts = ctxOf(asset).amounts;
      if (amounts.size < MAX_AMOUNTS_PER_ASSET && !amounts.has(amount))
        amounts.set(amount, { kind: r.kind, id: r.id, what });
    };
    for (const effect of balanceEffects(r)) {
      if (!coveredBySnapshots(effect.wallet)) {
        let sums = uncovered.get(effect.wallet);
        if (!sums) uncovered.set(effect.wallet, (sums = new Map()));
        bump(sums, effect.asset, dec(effect.delta));
        if (effect.wallet.startsWith(ISOLATED_PREFIX)) {
          let moves = isolatedMoves.get(effect.wallet);
          if (!moves) isolatedMoves.set(effect.wallet, (moves = []));
          moves.push({ time: r.time, asset: effect.asset, delta: dec(effect.delta) });
        } else if (effect.wallet === 'isolated_margin' && r.kind === 'balance_change') {
          isolatedStatementAssets.add(effect.asset);
        }
        continue;
      }
      bump(history, effect.asset, dec(effect.delta));
      const ctx = ctxOf(effect.asset);
      ctx.kinds.add(r.kind);
      remember(effect.asset, canonicalDecimal(dec(effect.delta).abs()), 'amount');
    }
    if ('fee' in r && typeof r.fee === 'string' && r.fee !== '0') {
      const feeAsset =
        r.kind === 'trade' || r.kind === 'autoinvest_execution'
          ? r.feeAsset
          : 'asset' in r
            ? r.asset
            : undefined;
      if (typeof feeAsset === 'string') remember(feeAsset, r.fee, 'fee');
    }
  }
  // Earn held in positions counts as a balance when the snapshot has no Earn wallets of its own.
  if (!hasEarnWallet) for (const [asset, amount] of positions) bump(balances, asset, amount);
  for (const [asset, amount] of positions) ctxOf(asset).earnPosition = amount;
  for (const [asset, amount] of earnBalances) ctxOf(asset).earnBalance = amount;
  for (const asset of fiat) ctxOf(asset).isFiat = true;

  const assets: AssetReconciliation[] = [];
  const names = [...new Set([...history.keys(), ...balances.keys()])].sort();
  for (const asset of names) {
    const h = history.get(asset) ?? new Decimal(0);
    const b = balances.get(asset) ?? new Decimal(0);
    const gap = b.minus(h);
    assets.push({
      asset,
      history: canonicalDecimal(h),
      balance: canonicalDecimal(b),
      gap: canonicalDecimal(gap),
      hints: gap.isZero() ? [] : hintsFor(gap, asset, contexts.get(asset), counts),
    });
  }
  // Isolated-margin wallets with a snapshot: checked when the ledger's history can explain it, else
  // listed as uncovered with the reason.
  const isolated: IsolatedWalletReconciliation[] = [];
  const reasons = new Map<string, string>();
  for (const [wallet, held] of [...isolatedHeld].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const why = isolatedReasons(held, isolatedMoves.get(wallet) ?? [], isolatedStatementAssets);
    const sums = uncovered.get(wallet) ?? new Map<string, Decimal>();
    if (why.length > 0) {
      reasons.set(wallet, why.join('; '));
      for (const asset of held.keys()) if (!sums.has(asset)) sums.set(asset, new Decimal(0));
      uncovered.set(wallet, sums);
      continue;
    }
    uncovered.delete(wallet);
    const names = [...new Set([...held.keys(), ...sums.keys()])].sort();
    isolated.push({
      wallet,
      assets: names.map((asset) => {
        const h = sums.get(asset) ?? new Decimal(0);
        const b = held.get(asset)?.total ?? new Decimal(0);
        return {
          asset,
          history: canonicalDecimal(h),
          balance: canonicalDecimal(b),
          gap: canonicalDecimal(b.minus(h)),
        };
      }),
    });
  }
  const unresolvedConflicts = (await store.listConflicts({ account, unresolved: true })).length;
  return {
    account,
    hasBalances,
    assets,
    gaps: hasBalances ? assets.filter((a) => a.gap !== '0') : [],
    counts: Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1))),
    unresolvedConflicts,
    p2pLegsCovered: covered.size,
    danglingMatches: (await store.listDanglingMatches({ account })).length,
    uncovered: [...uncovered]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([wallet, sums]) => {
        const held = isolatedHeld.get(wallet);
        const reason = reasons.get(wallet);
        return {
          wallet,
          assets: [...sums]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([asset, sum]) => {
              const h = held?.get(asset);
              return {
                asset,
                history: canonicalDecimal(sum),
                ...(held
                  ? {
                      balance: canonicalDecimal(h?.total ?? new Decimal(0)),
                      netAsset: canonicalDecimal(h?.netAsset ?? new Decimal(0)),
                    }
                  : {}),
              };
            }),
          ...(reason !== undefined ? { reason } : {}),
        };
      }),
    isolated,
  };
}

/**
 * Why an isolated-margin wallet's history (in the ledger: transfers in and out; the sync reads no margin
 * loans, repayments, interest or margin trades) cannot explain its snapshot; empty when it can as far as
 * the ledger knows: nothing borrowed or owed now, no snapshot ever saw debt (`debtSince`), the
 * statement shows no isolated-margin movement of its assets, and no asset left it before it entered.
 */
function isolatedReasons(
  held: Map<string, IsolatedHolding>,
  moves: { time: number; asset: string; delta: Decimal }[],
  statementAssets: ReadonlySet<string>,
): string[] {
  const why: string[] = [];
  const owing = [...held]
    .filter(([, h]) => !h.borrowed.isZero() || !h.interest.isZero())
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([asset, h]) =>
        `${asset} borrowed ${canonicalDecimal(h.borrowed)}, interest ${canonicalDecimal(h.interest)}`,
    );
  if (owing.length > 0)
    why.push(
      `borrowing: ${owing.join('; ')} now; the ledger holds no margin loans, repayments, interest or margin trades, so the history (transfers) cannot explain the balance`,
    );
  const since = [...held.values()].map((h) => h.debtSince).filter((t): t is number => t !== undefined);
  if (owing.length === 0 && since.length > 0)
    why.push(
      `borrowing seen since ${new Date(Math.min(...since)).toISOString()} (repaid since): the loans, interest and the margin trades they paid for are not in the ledger`,
    );
  const fromStatement = [...held.keys()].filter((a) => statementAssets.has(a)).sort();
  if (fromStatement.length > 0)
    why.push(
      `the transaction history lists isolated-margin movements of ${fromStatement.join(', ')} (loans, repayments, margin trades) without naming the account, so this account's history may be incomplete`,
    );
  const running = new Map<string, Decimal>();
  const overdrawn = new Set<string>();
  for (const m of [...moves].sort(
    (a, b) => a.time - b.time || (a.delta.isNegative() ? 1 : 0) - (b.delta.isNegative() ? 1 : 0),
  )) {
    const v = (running.get(m.asset) ?? new Decimal(0)).plus(m.delta);
    running.set(m.asset, v);
    if (v.isNegative()) overdrawn.add(m.asset);
  }
  if (overdrawn.size > 0)
    why.push(
      `more ${[...overdrawn].sort().join(', ')} left the account than the ledger's transfers brought in: margin trades or loans the ledger has no records of`,
    );
  return why;
}

/** Reconciles one account, or every account in the ledger. */
export async function reconcile(
  store: LedgerStore,
  options: { account?: string } = {},
): Promise<ReconcileReport[]> {
  const accounts = options.account !== undefined ? [options.account] : await store.accounts();
  const reports: ReconcileReport[] = [];
  for (const account of accounts) reports.push(await reconcileAccount(store, account));
  return reports;
}

/**
 * One day's spot wallet as the exchange recorded it (`GET /sapi/v1/accountSnapshot?type=SPOT`): the
 * caller reads it (the connector's `readSpotSnapshots`), the ledger compares.
 */
export interface SpotSnapshotInput {
  /** The snapshot's `updateTime` (epoch ms): 23:59:59.000 UTC of its day. */
  time: number;
  /** Its balances (canonical decimals); an asset not listed holds zero. */
  balances: { asset: string; free: string; locked: string }[];
}

/** A record whose spot change of the asset lies around a snapshot difference. */
export interface SnapshotNeighbour {
  kind: AccountKind;
  id: string;
  time: number;
  /** Its spot change of the asset (signed). */
  delta: string;
}

/** One asset on one day where the exchange's snapshot and the ledger disagree. */
export interface SnapshotDifference {
  asset: string;
  /** The snapshot's free + locked. */
  snapshot: string;
  /** The ledger's spot balance as of the snapshot time (every spot change at or before it). */
  ledger: string;
  /** snapshot − ledger: positive means the exchange held more than the ledger explains. */
  difference: string;
  /**
   * True when the day before showed another difference for the asset (or none, or this is the first
   * day compared): the cause lies in this day's movements ({@link SnapshotDifference.around}).
   */
  changed: boolean;
  /**
   * The records that changed the asset in spot since the previous snapshot (the day's movements; at
   * most 20, the latest last), or, when the day had none, the last one before it.
   */
  around: SnapshotNeighbour[];
}

/** One daily snapshot compared. */
export interface SnapshotDay {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  /** The snapshot time (epoch ms). */
  time: number;
  /** Assets compared (in the snapshot or in the ledger's spot balance that day). */
  assets: number;
  differences: SnapshotDifference[];
}

/** The daily-snapshot check of one account. */
export interface SnapshotReconcileReport {
  account: string;
  days: SnapshotDay[];
  /** Days with at least one difference. */
  daysWithDifferences: number;
}

/** `LD<asset>` spot rows mirror Simple Earn flexible positions (not spot holdings); `LDO` is a real asset. */
function isEarnMirror(asset: string): boolean {
  return asset.startsWith('LD') && asset.length > 2 && asset !== 'LDO';
}

const MAX_NEIGHBOURS = 20;

/**
 * Compares each daily SPOT snapshot with the ledger's spot balances as of that snapshot's time: the
 * spot-wallet balance effects of every record at or before it (the same effects as {@link reconcileAccount},
 * P2P legs their orders explain skipped). A deposit or withdrawal without a wallet counts in spot. `LD*`
 * rows (Earn mirrors) are not compared. Reads the ledger once, whatever the number of days.
 */
export async function reconcileSpotSnapshots(
  store: LedgerStore,
  account: string,
  snapshots: readonly SpotSnapshotInput[],
): Promise<SnapshotReconcileReport> {
  const sorted = [...snapshots].sort((a, b) => a.time - b.time);
  if (sorted.length === 0) return { account, days: [], daysWithDifferences: 0 };
  const first = sorted[0]!.time;
  const last = sorted[sorted.length - 1]!.time;
  const covered = await p2pCoveredChanges(store, { account });
  /** Spot sums of every change at or before the first snapshot. */
  const base = new Map<string, Decimal>();
  /** The changes after the first snapshot up to the last, and the latest change before the first per asset. */
  const later: (SnapshotNeighbour & { asset: string })[] = [];
  const lastBefore = new Map<string, SnapshotNeighbour>();
  for await (const stored of store.iterateRecords({ account })) {
    const r = stored.record;
    if (STATE_KINDS.has(r.kind)) continue;
    if (r.kind === 'balance_change' && covered.has(`${r.account}\u0000${r.id}`)) continue;
    if (r.time > last) continue;
    for (const e of balanceEffects(r)) {
      if (e.wallet !== 'spot' || isEarnMirror(e.asset)) continue;
      if (r.time <= first) {
        base.set(e.asset, (base.get(e.asset) ?? new Decimal(0)).plus(dec(e.delta)));
        const prev = lastBefore.get(e.asset);
        if (!prev || prev.time <= r.time)
          lastBefore.set(e.asset, { kind: r.kind, id: r.id, time: r.time, delta: e.delta });
      } else later.push({ asset: e.asset, kind: r.kind, id: r.id, time: r.time, delta: e.delta });
    }
  }
  later.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const running = new Map(base);
  const days: SnapshotDay[] = [];
  let differedBefore = new Map<string, string>();
  let next = 0;
  for (const snap of sorted) {
    const dayChanges: (SnapshotNeighbour & { asset: string })[] = [];
    while (next < later.length && later[next]!.time <= snap.time) {
      const c = later[next++]!;
      running.set(c.asset, (running.get(c.asset) ?? new Decimal(0)).plus(dec(c.delta)));
      dayChanges.push(c);
      lastBefore.set(c.asset, { kind: c.kind, id: c.id, time: c.time, delta: c.delta });
    }
    const held = new Map<string, Decimal>();
    for (const b of snap.balances) {
      if (isEarnMirror(b.asset)) continue;
      held.set(b.asset, (held.get(b.asset) ?? new Decimal(0)).plus(dec(b.free)).plus(dec(b.locked)));
    }
    const names = new Set([...held.keys()]);
    for (const [asset, sum] of running) if (!sum.isZero()) names.add(asset);
    const differences: SnapshotDifference[] = [];
    const differsNow = new Map<string, string>();
    for (const asset of [...names].sort()) {
      const s = held.get(asset) ?? new Decimal(0);
      const l = running.get(asset) ?? new Decimal(0);
      const diff = s.minus(l);
      if (diff.isZero()) continue;
      const difference = canonicalDecimal(diff);
      differsNow.set(asset, difference);
      const moves = dayChanges.filter((c) => c.asset === asset);
      const around: SnapshotNeighbour[] = (
        moves.length > 0
          ? moves.slice(-MAX_NEIGHBOURS)
          : [lastBefore.get(asset)].filter((x) => x !== undefined)
      ).map((c) => ({ kind: c.kind, id: c.id, time: c.time, delta: c.delta }));
      differences.push({
        asset,
        snapshot: canonicalDecimal(s),
        ledger: canonicalDecimal(l),
        difference,
        changed: differedBefore.get(asset) !== difference,
        around,
      });
    }
    differedBefore = differsNow;
    days.push({
      day: new Date(snap.time).toISOString().slice(0, 10),
      time: snap.time,
      assets: names.size,
      differences,
    });
  }
  return { account, days, daysWithDifferences: days.filter((d) => d.differences.length > 0).length };
}
