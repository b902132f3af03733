/**
 * After an API (or web) sync, folds the CSV copies stored before it into the exchange's copies: a CSV
 * record stored under a CSV-derived id (the exports carry no trade id, deposit id or convert order id)
 * that matches an API record by the same tolerant rules the importer uses is removed, its source and
 * row move to the API record and the match is recorded; a record both routes share by natural id (P2P
 * order number, fiat order id, order number) whose only disagreement is what an export cannot know
 * exactly (milliseconds, an inferred order type) takes the exchange's fields. So import-then-sync ends
 * where sync-then-import does.
 */
import { createHash } from 'node:crypto';
import {
  addDecimals,
  compareDecimals,
  isZeroDecimal,
  P2P_LEG_AFTER_MS,
  P2P_LEG_BEFORE_MS,
  p2pFeeLegOf,
  p2pOrderNet,
  p2pOrdersExplaining,
} from '../../../core/index.js';
import type {
  AccountKind,
  AccountRecord,
  BalanceChange,
  P2POrder,
  RecordSource,
} from '../../../schemas/index.js';
import { transferWallet } from '../normalize.js';
import type { JsonObject } from '../values.js';
import { stripInternalPrefix } from './exports.js';
import { walletOf } from './operations.js';
import { flowKey, sameFlow, tradeFlow } from './symbols.js';
import type { CsvAccountRecord, CsvLedger, CsvLedgerTx, MatchPointer, StoredCopy } from './types.js';

/** What {@link mergeCsvCopies} did. */
export interface CsvMergeReport {
  /** CSV-only records folded into an exchange copy (each a recorded match). */
  merged: number;
  /** Source conflicts resolved in favour of the exchange (milliseconds, inferred order types). */
  resolved: number;
  /**
   * Statement P2P legs (`balance_change`, category `p2p`) folded into the `p2p_order` a sync or the P2P
   * export stored after them (each a recorded match).
   */
  p2pFolded: number;
  /**
   * Deposits and withdrawals an earlier release stored without their wallet, filled in from the API
   * row each still keeps (`walletType`) or from the statement row matched to it (its `Account`).
   */
  walletsFilled: number;
  /**
   * Match rows an earlier release left pointing at records it had removed: moved to the record that holds
   * their event now, merged into the row it already has, or (no successor) removed and audited.
   */
  danglingMatches: { moved: number; merged: number; removed: number };
}

/** The importer's de-duplication keys (matches, quarantine rows): a short SHA-256 of the parts. */
export function csvFingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

/**
 * The fingerprint a match row takes when the record it points at is replaced: the one the importer writes
 * for its CSV copy (`details.csvId`) and the record that holds the event now, so importing the same row
 * again adds no second row. Undefined (the row keeps its own) when it names no CSV copy.
 */
export function csvMatchFingerprint(match: MatchPointer): string | undefined {
  const csvId = match.details?.['csvId'];
  return typeof csvId === 'string'
    ? csvFingerprint('csv-match', match.account, match.kind, match.recordId, csvId)
    : undefined;
}

const eq = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && compareDecimals(a, b) === 0;

/** Time window (ms) around a CSV copy's time its exchange copy must lie in. */
function windowOf(r: AccountRecord): { since: number; until: number } {
  const midnight = r.time % 86_400_000 === 0;
  if (r.kind === 'earn_reward' && midnight) return { since: r.time, until: r.time + 86_400_000 - 1 };
  const minute = r.time % 60_000 === 0;
  const tol = minute && (r.kind === 'autoinvest_execution' || r.kind === 'trade') ? 60_000 : 2000;
  return { since: r.time - tol, until: r.time + tol };
}

/** True when exchange copy `s` is the event CSV copy `c` describes (the importer's rules, from the stored side). */
function sameEvent(c: AccountRecord, s: AccountRecord): boolean {
  if (c.kind !== s.kind) return false;
  const fromStatement = c.id.includes(':stmt:') || c.id.startsWith('stmt:');
  switch (c.kind) {
    case 'trade': {
      const t = s as typeof c;
      // The statement's legs name no symbol: its copy is the fills' trade by what flowed, whichever
      // way round either copy spells the pair (an earlier release guessed `BNBBTC` for `BTCBNB`).
      if (fromStatement) return sameFlow(tradeFlow(t), tradeFlow(c));
      if (t.symbol !== c.symbol || t.side !== c.side || !eq(t.qty, c.qty)) return false;
      return eq(t.price, c.price);
    }
    case 'transfer': {
      const t = s as typeof c;
      if (t.type !== c.type || t.asset !== c.asset) return false;
      if (c.txId && t.txId)
        return (
          stripInternalPrefix(c.txId).txId === stripInternalPrefix(t.txId).txId && eq(c.amount, t.amount)
        );
      return (
        eq(c.amount, t.amount) ||
        (c.type === 'withdrawal' && isZeroDecimal(c.fee) && eq(c.amount, addDecimals(t.amount, t.fee)))
      );
    }
    case 'conversion': {
      const t = s as typeof c;
      return (
        t.fromAsset === c.fromAsset &&
        t.toAsset === c.toAsset &&
        eq(t.fromAmount, c.fromAmount) &&
        eq(t.toAmount, c.toAmount)
      );
    }
    case 'dust': {
      const t = s as typeof c;
      return t.fromAsset === c.fromAsset && eq(t.amount, c.amount);
    }
    case 'earn_subscription':
    case 'earn_redemption': {
      const t = s as typeof c;
      return t.asset === c.asset && eq(t.amount, c.amount);
    }
    case 'earn_reward': {
      const t = s as typeof c;
      return (
        t.product === c.product &&
        t.asset === c.asset &&
        eq(t.amount, c.amount) &&
        (fromStatement || t.rewardType === c.rewardType)
      );
    }
    case 'autoinvest_execution': {
      const t = s as typeof c;
      return t.targetAsset === c.targetAsset && eq(t.targetAssetAmount, c.targetAssetAmount);
    }
    case 'dividend': {
      const t = s as typeof c;
      return t.asset === c.asset && eq(t.amount, c.amount) && t.direction === c.direction;
    }
    case 'fiat_transfer': {
      const t = s as typeof c;
      // An export's own order id is the exchange's: only statement copies lack it.
      if (t.type !== c.type || !fromStatement) return false;
      if (c.type === 'buy' || c.type === 'sell')
        return t.cryptoAsset === c.cryptoAsset && eq(t.cryptoAmount, c.cryptoAmount);
      const fee = t.fee ?? '0';
      return (
        t.fiatCurrency === c.fiatCurrency &&
        (eq(t.amount, c.amount) ||
          eq(addDecimals(t.amount, `-${fee}`), c.amount) ||
          eq(addDecimals(t.amount, fee), c.amount))
      );
    }
    default:
      return false;
  }
}

/** Sum of fills a statement trade aggregates (several exchange trades of one side in its second). */
function aggregate(c: AccountRecord, pool: StoredCopy[]): StoredCopy[] | undefined {
  if (c.kind !== 'trade' || !c.id.includes(':stmt:')) return undefined;
  // By direction (asset in, asset out), not by symbol: either spelling of the pair.
  const flow = tradeFlow(c);
  const parts = pool.filter(
    (p) => p.record.kind === 'trade' && flowKey(tradeFlow(p.record)) === flowKey(flow),
  );
  if (parts.length < 2) return undefined;
  const bought = addDecimals(...parts.map((p) => tradeFlow(p.record as typeof c).inAmount));
  return eq(bought, flow.inAmount) ? parts : undefined;
}

/**
 * The copies of `candidates` (not in `used`, by id) CSV copy `c` folds into: the nearest in its window
 * that is the same event, else several that sum to it (see {@link aggregate}); undefined when none.
 */
function foldTargets(c: StoredCopy, candidates: StoredCopy[], used: Set<string>): StoredCopy[] | undefined {
  const w = windowOf(c.record);
  const pool = candidates.filter(
    (s) => !used.has(s.record.id) && s.record.time >= w.since && s.record.time <= w.until,
  );
  const single = pool
    .filter((s) => sameEvent(c.record, s.record))
    .sort((a, b) => Math.abs(a.record.time - c.record.time) - Math.abs(b.record.time - c.record.time))[0];
  return single ? [single] : aggregate(c.record, pool);
}

const EXCHANGE = (s: StoredCopy): boolean => s.sources.some((x) => x !== 'csv');

/** A record's id says the transaction history (statement) produced it. */
export function isStatementId(id: string): boolean {
  return id.includes(':stmt:') || id.startsWith('stmt:');
}

/** A trade only the statement stored: its legs grouped, no export's or exchange's copy beside it. */
export function isStatementTradeCopy(s: StoredCopy): boolean {
  return s.record.kind === 'trade' && isStatementId(s.record.id) && s.sources.every((x) => x === 'csv');
}

const DAY = 86_400_000;
/** Wider than any statement trade's window (±2 s, ±60 s for minute-rounded times). */
const MARGIN = 120_000;

/**
 * The reverse of the statement's own match, for a trade export (trade or order history) imported after
 * the statement in another command: each statement trade the ledger holds alone (csv only) whose fills
 * this import stored (one fill with the same symbol, side, qty and quoteQty, or several of one symbol
 * and side whose quantities sum to it, within the statement's window) is removed, its rows recorded as
 * the match of each fill (rule `statement-legs-fills`, the fingerprint the statement's own import would
 * write) and its csv sighting moved to them. So the ledger ends where importing the trade export first
 * ends. Runs inside the import's transaction (its reads see the import's writes), one day at a time
 * (bounded memory); `days` are the UTC days (epoch ms / 86 400 000) the import stored trades in.
 * Returns how many statement trades were folded.
 */
export async function foldStatementTrades(
  tx: CsvLedgerTx,
  account: string,
  days: Iterable<number>,
  options: { importFileId?: number; fingerprint(...parts: unknown[]): string },
): Promise<number> {
  let folded = 0;
  const used = new Set<string>();
  for (const day of [...days].sort((a, b) => a - b)) {
    const start = day * DAY;
    const rows = await tx.queryRecords({
      account,
      kind: 'trade',
      since: start - MARGIN,
      until: start + DAY + MARGIN,
    });
    const fills = rows.filter((r) => !isStatementId(r.record.id) && r.sources.every((x) => x === 'csv'));
    if (fills.length === 0) continue;
    const statements = rows
      .filter(isStatementTradeCopy)
      .filter((r) => r.record.time >= start - MARGIN / 2 && r.record.time < start + DAY + MARGIN / 2)
      .sort((a, b) => a.record.time - b.record.time || (a.record.id < b.record.id ? -1 : 1));
    for (const c of statements) {
      const w = windowOf(c.record);
      const into = foldTargets(c, fills, used);
      if (!into) continue;
      const raw = (await tx.getSightings(account, 'trade', c.record.id)).find((s) => s.source === 'csv')?.raw;
      for (const target of into) {
        used.add(target.record.id);
        await tx.addMatch({
          account,
          kind: 'trade',
          recordId: target.record.id,
          source: 'csv',
          rule: 'statement-legs-fills',
          tolerance: `±${(w.until - c.record.time) / 1000}s`,
          ...(raw ? { row: raw } : {}),
          details: {
            csvId: c.record.id,
            timeDeltaMs: c.record.time - target.record.time,
            ...(into.length > 1 ? { parts: into.length } : {}),
            // The import that stored the fills and folded the statement's copy (the rows came from an earlier one).
            ...(options.importFileId !== undefined ? { foldedByImport: options.importFileId } : {}),
          },
          // The fingerprint the statement's own import writes for this pair: importing it again adds no row.
          fingerprint: options.fingerprint('csv-match', account, 'trade', target.record.id, c.record.id),
        });
        await tx.addRecordSource({ account, kind: 'trade', id: target.record.id }, 'csv', raw);
      }
      // Rows matched to the statement's copy now stand for its (first) fill.
      await tx.removeRecord(
        { account, kind: 'trade', id: c.record.id },
        { replacedBy: { kind: 'trade', id: into[0]!.record.id }, matchFingerprint: csvMatchFingerprint },
      );
      folded++;
    }
  }
  return folded;
}

/** Kinds whose CSV copies carry no exchange id (the others share natural ids with the API). */
const FOLDABLE: AccountKind[] = [
  'trade',
  'transfer',
  'conversion',
  'dust',
  'earn_subscription',
  'earn_redemption',
  'earn_reward',
  'autoinvest_execution',
  'dividend',
  'fiat_transfer',
];

/**
 * Folds CSV-only copies into exchange copies and settles CSV-vs-exchange precision conflicts (see the file
 * comment), then heals the match rows an earlier release left pointing at removed records.
 */
export async function mergeCsvCopies(
  ledger: CsvLedger,
  options: { account?: string } = {},
): Promise<CsvMergeReport> {
  const account = options.account ?? 'main';
  const report: CsvMergeReport = {
    merged: 0,
    resolved: 0,
    p2pFolded: 0,
    walletsFilled: 0,
    danglingMatches: { moved: 0, merged: 0, removed: 0 },
  };
  // P2P orders may come from the P2P export too (csv), so this runs whatever the sources.
  report.p2pFolded = await foldP2pLegs(ledger, account);
  report.walletsFilled = await fillTransferWallets(ledger, account);
  // Nothing to fold before any exchange copy exists (a CSV-only ledger): the common case, kept cheap.
  const anyExchange =
    (await ledger.queryRecords({ account, source: 'api', limit: 1 })).length > 0 ||
    (await ledger.queryRecords({ account, source: 'web', limit: 1 })).length > 0;
  if (anyExchange) await foldIntoExchangeCopies(ledger, account, report);
  // Last, when every fold of this run has recorded its own matches (the successors the repair follows).
  if (ledger.repairMatches)
    report.danglingMatches = await ledger.repairMatches({ account, matchFingerprint: csvMatchFingerprint });
  return report;
}

/** CSV-only copies folded into the exchange's, and CSV-vs-exchange precision conflicts settled. */
async function foldIntoExchangeCopies(
  ledger: CsvLedger,
  account: string,
  report: CsvMergeReport,
): Promise<void> {
  for (const kind of FOLDABLE) {
    const copies = (await ledger.queryRecords({ account, kind, source: 'csv' })).filter((s) => !EXCHANGE(s));
    if (copies.length === 0) continue;
    const since = Math.min(...copies.map((c) => windowOf(c.record).since));
    const until = Math.max(...copies.map((c) => windowOf(c.record).until));
    const exchange = (await ledger.queryRecords({ account, kind, since, until: until + 1 })).filter(EXCHANGE);
    if (exchange.length === 0) continue;
    const used = new Set<string>();
    const folds: { csv: StoredCopy; into: StoredCopy[] }[] = [];
    for (const c of copies) {
      const into = foldTargets(c, exchange, used);
      if (!into) continue;
      for (const i of into) used.add(i.record.id);
      folds.push({ csv: c, into });
    }
    if (folds.length === 0) continue;
    await ledger.transaction(async (tx) => {
      for (const { csv, into } of folds) {
        const sightings = ledger.getSightings ? await ledger.getSightings(account, kind, csv.record.id) : [];
        const raw = sightings.find((s) => s.source === 'csv')?.raw;
        for (const target of into) {
          await tx.addMatch({
            account,
            kind,
            recordId: target.record.id,
            source: 'csv',
            rule: 'after-sync',
            tolerance: '±2s',
            ...(raw ? { row: raw } : {}),
            details: {
              csvId: csv.record.id,
              timeDeltaMs: csv.record.time - target.record.time,
              ...(into.length > 1 ? { parts: into.length } : {}),
            },
            // The fingerprint the importer writes for this pair: importing the export again, its row now
            // matched to the exchange's copy, adds no second row.
            fingerprint: csvFingerprint('csv-match', account, kind, target.record.id, csv.record.id),
          });
          await tx.addRecordSource({ account, kind, id: target.record.id }, 'csv', raw);
          // The statement knows a deposit's or withdrawal's wallet: an exchange copy that does not
          // takes it (fill in, never flip).
          const wallet = csv.record.kind === 'transfer' ? csv.record.wallet : undefined;
          if (wallet && into.length === 1 && target.record.kind === 'transfer' && !target.record.wallet)
            await tx.putRecords([
              { ...target.record, wallet, source: 'csv', ...(raw ? { raw } : {}) } as CsvAccountRecord,
            ]);
        }
        await tx.removeRecord(
          { account, kind, id: csv.record.id },
          { replacedBy: { kind, id: into[0]!.record.id }, matchFingerprint: csvMatchFingerprint },
        );
        report.merged++;
      }
    });
  }
  // Natural ids both routes share: an export has whole seconds and (old order history) no order type.
  if (ledger.listConflicts && ledger.resolveConflict) {
    for (const conflict of await ledger.listConflicts({ account, unresolved: true })) {
      if (conflict.source === 'csv') continue;
      const stored = await ledger.getRecord(account, conflict.kind, conflict.recordId);
      if (!stored || stored.sources.length < 2) continue;
      const onlyPrecision = conflict.fields.every(
        (f) =>
          (f.field === 'time' &&
            typeof f.stored === 'number' &&
            typeof f.incoming === 'number' &&
            Math.floor(f.stored / 1000) === Math.floor(f.incoming / 1000)) ||
          (f.field === 'type' && conflict.kind === 'order'),
      );
      if (!onlyPrecision) continue;
      await ledger.resolveConflict(conflict.id, 'take');
      report.resolved++;
    }
  }
}

/** A sighting's raw row as the wallet it names: the API's `walletType`, or a statement row's `Account`. */
function walletOfSighting(
  source: string,
  raw: Record<string, unknown> | undefined,
): 'spot' | 'funding' | undefined {
  if (!raw) return undefined;
  if (source !== 'csv') return transferWallet(raw as JsonObject);
  const key = Object.keys(raw).find((k) => k.toLowerCase() === 'account');
  const account = key !== undefined ? raw[key] : undefined;
  if (typeof account !== 'string') return undefined;
  const wallet = walletOf(account);
  return wallet === 'spot' || wallet === 'funding' ? wallet : undefined;
}

/**
 * Heals a ledger an earlier release filled: its deposits and withdrawals have no `wallet`, although the
 * API row it keeps per source says which (`walletType`), or a statement row folded or matched into it
 * names the `Account`. The API's word wins over the statement's; a copy with no such sighting (the
 * deposit and withdrawal CSV exports carry no wallet) stays unknown. Only records without a wallet that
 * an exchange route or the statement delivered are looked at (one sightings read each), so a ledger once
 * healed costs one query per run.
 */
async function fillTransferWallets(ledger: CsvLedger, account: string): Promise<number> {
  if (!ledger.getSightings) return 0;
  const fills: {
    record: AccountRecord;
    wallet: 'spot' | 'funding';
    source: RecordSource;
    raw?: Record<string, unknown>;
  }[] = [];
  for (const stored of await ledger.queryRecords({ account, kind: 'transfer' })) {
    const r = stored.record;
    if (r.kind !== 'transfer' || r.type === 'wallet_transfer' || r.wallet !== undefined) continue;
    if (!stored.sources.some((x) => x !== 'csv') && !isStatementId(r.id)) continue;
    const sightings = await ledger.getSightings(account, 'transfer', r.id);
    const ranked = [...sightings].sort((a, b) => Number(a.source === 'csv') - Number(b.source === 'csv'));
    for (const s of ranked) {
      const wallet = walletOfSighting(s.source, s.raw);
      if (!wallet) continue;
      fills.push({ record: r, wallet, source: s.source, ...(s.raw ? { raw: s.raw } : {}) });
      break;
    }
  }
  if (fills.length === 0) return 0;
  await ledger.transaction(async (tx) => {
    for (const f of fills)
      await tx.putRecords([
        {
          ...f.record,
          wallet: f.wallet,
          source: f.source,
          ...(f.raw ? { raw: f.raw } : {}),
        } as CsvAccountRecord,
      ]);
  });
  return fills.length;
}

/**
 * Statement P2P legs stored before their P2P order (imported first, or the order synced later) folded
 * into it: the statement's own rule (core/p2p.ts `p2pOrdersExplaining`; one order per leg, or several
 * orders of the leg's second that sum to it), the match recorded with the fingerprint a statement import
 * writes for the same pair (so importing it again adds no row), the leg's csv sighting moved to the order,
 * the leg removed. Until this runs the ledger's balance views skip such a leg (ledger/p2p.ts).
 */
async function foldP2pLegs(ledger: CsvLedger, account: string): Promise<number> {
  const legs = (await ledger.queryRecords({ account, kind: 'balance_change', source: 'csv' }))
    .filter((s) => s.sources.every((x) => x === 'csv'))
    .map((s) => s.record)
    .filter((r): r is BalanceChange => r.kind === 'balance_change' && r.category === 'p2p')
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
  if (legs.length === 0) return 0;
  const since = legs[0]!.time - P2P_LEG_BEFORE_MS;
  const until = legs[legs.length - 1]!.time + P2P_LEG_AFTER_MS;
  const orders = (await ledger.queryRecords({ account, kind: 'p2p_order', since, until: until + 1 }))
    .map((s) => s.record)
    .filter((r): r is P2POrder => r.kind === 'p2p_order' && p2pOrderNet(r) !== undefined);
  if (orders.length === 0) return 0;
  const used = new Set<string>();
  const folded = new Set<string>();
  const folds: { leg: BalanceChange; into: P2POrder[] }[] = [];
  for (const leg of legs) {
    if (folded.has(leg.id)) continue;
    const free = orders.filter((o) => !used.has(o.id));
    const into = p2pOrdersExplaining(leg, free);
    if (!into) continue;
    for (const o of into) used.add(o.id);
    folded.add(leg.id);
    folds.push({ leg, into });
    // The order's fee row when it stands apart (core/p2p.ts `p2pFeeLegOf`): the order explains it too.
    const fee =
      into.length === 1
        ? legs.find((f) => f !== leg && !folded.has(f.id) && p2pFeeLegOf(into[0]!, leg, f))
        : undefined;
    if (fee) {
      folded.add(fee.id);
      folds.push({ leg: fee, into });
    }
  }
  if (folds.length === 0) return 0;
  await ledger.transaction(async (tx) => {
    for (const { leg, into } of folds) {
      const raw = (await tx.getSightings(account, 'balance_change', leg.id)).find(
        (s) => s.source === 'csv',
      )?.raw;
      for (const order of into) {
        await tx.addMatch({
          account,
          kind: 'p2p_order',
          recordId: order.id,
          source: 'csv',
          rule: 'statement-p2p-order',
          tolerance: 'order created up to 24h before, 2s after',
          ...(raw ? { row: raw } : {}),
          details: {
            csvId: leg.id,
            timeDeltaMs: leg.time - order.time,
            ...(into.length > 1 ? { parts: into.length } : {}),
            folded: true,
          },
          fingerprint: csvFingerprint('csv-match', account, 'p2p_order', order.id, leg.id),
        });
        await tx.addRecordSource({ account, kind: 'p2p_order', id: order.id }, 'csv', raw);
      }
      await tx.removeRecord(
        { account, kind: 'balance_change', id: leg.id },
        { replacedBy: { kind: 'p2p_order', id: into[0]!.id }, matchFingerprint: csvMatchFingerprint },
      );
      // Quarantine rows an earlier release kept for the leg's rows now point at the order that holds it.
      await tx.moveQuarantineResolution({
        account,
        from: { kind: 'balance_change', id: leg.id },
        to: { kind: 'p2p_order', id: into[0]!.id },
      });
    }
  });
  return folds.length;
}
