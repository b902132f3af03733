/**
 * The Transaction History ("statement") export: one balance change per row. Single-row operations
 * (deposits, rewards, distributions) become records directly; trade, convert, dust, fiat-purchase and
 * Auto-Invest legs are grouped by second (spilling into the next second, as BittyTax's `_get_op_rows`
 * allows) into one record when the leg set is unambiguous (one asset out, one asset in, fees in one
 * asset), and kept as legs in the quarantine table when it is not. Known operations the model has no
 * specific kind for (card spending, margin, futures, adjustments, liquid swap, Binance Pay/send,
 * automatic conversions) become one `balance_change` per row; P2P legs of one asset in one second are one event, matched to the stored
 * `p2p_order` it is, or kept as a `balance_change` of category `p2p`. Unknown operations are quarantined
 * with their row and net change, never rejected.
 */
import {
  addDecimals,
  canonicalDecimal,
  compareDecimals,
  dec,
  isZeroDecimal,
  negateDecimal,
  P2P_LEG_BEFORE_MS,
  p2pOrderExplains,
  p2pOrderNet,
} from '../../../core/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import { Occurrences } from './exports.js';
import {
  operationKey,
  operationMeaning,
  walletOf,
  type ChangeCategory,
  type OperationMeaning,
} from './operations.js';
import { futuresCopyIsStatementRow, isFuturesExportCopy, isFuturesRebateRow } from './futures.js';
import { quoteRank, type Row } from './row.js';
import { flowKey, sameFlow, tradeFlow, type KnownSymbols, type TradeFlow } from './symbols.js';
import type { CsvAccountRecord, MatchRule, NormalizedItem, Retire } from './types.js';

/** A record's own fields (the grouper adds account, source, raw and time). */
type RecordBody = AccountRecord extends infer R
  ? R extends AccountRecord
    ? Omit<R, 'account' | 'source' | 'raw' | 'time'>
    : never
  : never;

interface Leg {
  line: number;
  second: number;
  ms: number;
  tolerance: number;
  account: string;
  wallet: string;
  operation: string;
  meaning: OperationMeaning | undefined;
  asset: string;
  change: string;
  remark: string;
  raw: Record<string, string>;
  /** The quarantine reason an earlier release gave this row, when not `not_modeled:<category>`. */
  earlierReason?: string;
}

const GROUPED = new Set(['trade', 'trade_fee', 'convert', 'dust', 'fiat_trade', 'auto_invest']);

/** The quarantine entry an earlier release wrote for a row the model had no kind for. */
function superseded(leg: Leg): { reason: string; row: Record<string, unknown> } {
  return {
    reason: leg.earlierReason ?? `not_modeled:${leg.meaning!.category}`,
    row: { ...leg.raw, netChange: leg.change },
  };
}
const FEE_OPS = new Set(['fee', 'transactionfee', 'bnbfeededuction', 'bnbdeductsfee']);

const FUTURES_WALLETS = new Set(['umfuture', 'cmfuture']);

/**
 * A row's meaning in its wallet: a `Fee` row of a futures account is the commission of a futures trade
 * (the Futures export's COMMISSION), a balance change of its own, not a leg of a spot trade in its second.
 */
function meaningIn(operation: string, wallet: string): Pick<Leg, 'meaning' | 'earlierReason'> {
  const meaning = operationMeaning(operation);
  const key = operationKey(operation);
  if (FUTURES_WALLETS.has(wallet) && FEE_OPS.has(key))
    return { meaning: { category: 'unmodeled', change: 'futures' }, earlierReason: 'ungrouped_legs:trade' };
  if (ADDED_REBATE_LABELS.has(key)) return { meaning, earlierReason: 'unknown_operation' };
  return { meaning };
}

/** Rebate labels the release before this one did not know (it quarantined their rows as unknown). */
const ADDED_REBATE_LABELS = new Set(
  ['Futures Referral Kickback', 'Futures Commission Rebate', 'API Rebate', 'Futures API Rebate'].map(
    operationKey,
  ),
);

/**
 * How many seconds after a P2P trade's row its fee row may come: the importer's tolerance for the legs of
 * one trade (a trade's legs spill into the next second, its fee rows up to two seconds later).
 */
export const P2P_JOIN_SECONDS = 2;

/**
 * A P2P row that is the trade's fee (the remark or the label says so: `P2P Trading … -0.1 Fee`). Only
 * those join the trade of an earlier second: two trades of one asset released a second apart stay two
 * events, each matched to its own order.
 */
function isP2pFee(l: Leg): boolean {
  const words = `${operationKey(l.operation)} ${operationKey(l.remark)}`;
  return words.includes('fee') || words.includes('commission');
}

function eq(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && compareDecimals(a, b) === 0;
}

function abs(x: string): string {
  return x.startsWith('-') ? x.slice(1) : x;
}

/** Groups a streamed statement; feed rows with {@link push}, then {@link end}. Memory: the rows of about two seconds. */
export class StatementGrouper {
  private readonly pending = new Map<number, Leg[]>();
  private readonly occ = new Occurrences();
  /** The numbering the previous release gave P2P legs of one second (see {@link p2p}). */
  private readonly legacyOcc = new Occurrences();
  /** The numbering the previous release gave trades it spelled by the quote heuristic (see {@link swap}). */
  private readonly legacyTradeOcc = new Occurrences();
  /**
   * @param symbols the symbols the ledger holds fills or orders of: a trade's legs take the listed
   *   spelling of their pair from it (the quote heuristic only names pairs it does not know).
   */
  constructor(
    private readonly account: string,
    private readonly symbols?: KnownSymbols,
  ) {}

  /** The pending second (at most two before) holding the P2P trade of the same asset a fee row belongs to. */
  private p2pHome(fee: Leg): Leg[] | undefined {
    for (let s = fee.second - P2P_JOIN_SECONDS; s < fee.second; s++) {
      const bucket = this.pending.get(s);
      if (bucket?.some((l) => l.meaning?.category === 'p2p' && l.asset === fee.asset && !isP2pFee(l)))
        return bucket;
    }
    return undefined;
  }

  /** Adds a row; returns the items of the seconds that can no longer change. */
  push(row: Row): NormalizedItem[] {
    const t = row.time();
    const change = row.amount('change').value;
    const operation = row.need('operation');
    const wallet = walletOf(row.text('account') || 'spot');
    const leg: Leg = {
      line: row.line,
      second: Math.floor(t.ms / 1000),
      ms: t.ms,
      tolerance: t.toleranceMs,
      account: row.text('account'),
      wallet,
      operation,
      ...meaningIn(operation, wallet),
      asset: row.need('coin').toUpperCase(),
      change,
      remark: row.text('remark'),
      raw: row.raw(),
    };
    const out: NormalizedItem[] = [];
    // Exports run in either time order: a second is complete once a row two or more seconds away arrives.
    for (const second of [...this.pending.keys()]) {
      // Two seconds of margin: a neighbour is still pending whichever way the file runs.
      if (Math.abs(second - leg.second) > 2) out.push(...this.flushSecond(second));
    }
    const bucket = this.pending.get(leg.second);
    if (bucket) bucket.push(leg);
    else this.pending.set(leg.second, [leg]);
    return out;
  }

  end(): NormalizedItem[] {
    const out: NormalizedItem[] = [];
    for (const second of [...this.pending.keys()].sort((a, b) => a - b))
      out.push(...this.flushSecond(second));
    return out;
  }

  private flushSecond(second: number): NormalizedItem[] {
    const legs = this.pending.get(second);
    if (!legs) return [];
    this.pending.delete(second);
    const out: NormalizedItem[] = [];
    const groupedLegs: Leg[] = [];
    const p2pLegs: Leg[] = [];
    for (const leg of legs) {
      if (leg.meaning?.category === 'p2p') {
        p2pLegs.push(leg);
      } else if (!leg.meaning) {
        out.push({
          type: 'quarantine',
          line: leg.line,
          reason: 'unknown_operation',
          operation: leg.operation,
          row: { ...leg.raw, netChange: leg.change },
        });
      } else if (GROUPED.has(leg.meaning.category)) {
        groupedLegs.push(leg);
      } else {
        out.push(...this.single(leg, legs));
      }
    }
    if (p2pLegs.length > 0) {
      // A fee row whose trade (same asset, up to two seconds before) is still pending joins it there
      // (files in descending order); the trade's own flush pulls later fee rows in (ascending order). A fee
      // row with a trade of its asset in its own second is that trade's.
      const hasTrade = (fee: Leg): boolean =>
        p2pLegs.some((m) => m.asset === fee.asset && m.second === fee.second && !isP2pFee(m));
      const stay = p2pLegs.filter((l) => {
        const home = isP2pFee(l) && !hasTrade(l) ? this.p2pHome(l) : undefined;
        home?.push(l);
        return !home;
      });
      if (stay.length > 0) out.push(...this.p2p(stay, second));
    }
    // Fee legs alone in their second belong to the trade of the second before (a spill, BittyTax looks
    // at t and t+1 s): hand them back to it while it is still pending (files in descending order).
    const previous = this.pending.get(second - 1);
    if (
      groupedLegs.length > 0 &&
      groupedLegs.every(isFee) &&
      previous &&
      balanced(previous.filter((l) => l.meaning && GROUPED.has(l.meaning.category)))
    ) {
      previous.push(...groupedLegs);
      groupedLegs.length = 0;
    }
    if (groupedLegs.length > 0) {
      const next = this.pending.get(second + 1);
      const nextGrouped = next?.filter((l) => l.meaning && GROUPED.has(l.meaning.category)) ?? [];
      if (next && balanced(groupedLegs) && nextGrouped.length > 0 && nextGrouped.every(isFee)) {
        this.pending.set(
          second + 1,
          next.filter((l) => !nextGrouped.includes(l)),
        );
        groupedLegs.push(...nextGrouped);
      }
      // Legs that spill into the next second complete there.
      if (next && !balanced(groupedLegs)) {
        const spill = next.filter((l) => l.meaning && GROUPED.has(l.meaning.category));
        if (spill.length > 0 && balanced([...groupedLegs, ...spill])) {
          this.pending.set(
            second + 1,
            next.filter((l) => !spill.includes(l)),
          );
          groupedLegs.push(...spill);
        }
      }
      out.push(...this.groups(groupedLegs));
    }
    return out;
  }

  private record(leg: Leg, legs: Leg[], rec: RecordBody, match?: MatchRule): NormalizedItem {
    const record = {
      time: leg.ms,
      ...rec,
      account: this.account,
      source: 'csv',
      raw: legs.length === 1 ? legs[0]!.raw : { rows: legs.map((l) => l.raw) },
    } as CsvAccountRecord;
    return {
      type: 'record',
      line: leg.line,
      record,
      match,
      ...(legs.length > 1 ? { grouped: legs.length } : {}),
    };
  }

  private keepLegs(legs: Leg[], reason: string): NormalizedItem[] {
    return legs.map((l) => ({
      type: 'quarantine' as const,
      line: l.line,
      reason,
      operation: l.operation,
      row: { ...l.raw, netChange: l.change },
    }));
  }

  private single(leg: Leg, bucket: Leg[]): NormalizedItem[] {
    const m = leg.meaning!;
    const amount = abs(leg.change);
    const tol = Math.max(leg.tolerance, 2000);
    const win = { since: leg.ms - tol, until: leg.ms + tol };
    const tolText = `±${tol / 1000}s`;
    const positive = !leg.change.startsWith('-');
    switch (m.category) {
      case 'deposit':
      case 'withdrawal': {
        const type = m.category;
        const id = this.occ.next(`${type}:stmt:${leg.asset}:${leg.ms}:${amount}`);
        // The row's `Account` is the wallet credited or debited (only spot and funding are the model's).
        const wallet = leg.wallet === 'spot' || leg.wallet === 'funding' ? leg.wallet : undefined;
        return [
          this.record(
            leg,
            [leg],
            {
              kind: 'transfer',
              id,
              direction: type === 'deposit' ? 'in' : 'out',
              type,
              asset: leg.asset,
              amount,
              fee: '0',
              status: 'completed',
              ...(wallet ? { wallet } : {}),
            },
            {
              rule: type === 'withdrawal' ? 'asset-amount-time-fee-inclusive' : 'asset-amount-time',
              tolerance: tolText,
              ...win,
              test: (s) =>
                s.kind === 'transfer' &&
                s.type === type &&
                s.asset === leg.asset &&
                // `Withdraw fee is included`: the statement's change is gross (amount + fee).
                (eq(s.amount, amount) || (type === 'withdrawal' && eq(addDecimals(s.amount, s.fee), amount))),
              // A stored copy that does not know its wallet (an export's, an older ledger's) takes the
              // statement's; one that knows it keeps it (fill in, never flip).
              enrich: (s) =>
                wallet && s.kind === 'transfer' && s.wallet === undefined ? { wallet } : undefined,
            },
          ),
        ];
      }
      case 'fiat_deposit':
      case 'fiat_withdrawal': {
        const type = m.category === 'fiat_deposit' ? 'deposit' : 'withdrawal';
        const id = this.occ.next(`fiat:stmt:${leg.asset}:${leg.ms}:${amount}`);
        return [
          this.record(
            leg,
            [leg],
            {
              kind: 'fiat_transfer',
              id,
              type,
              fiatCurrency: leg.asset,
              amount,
              fee: '0',
              status: 'completed',
            },
            {
              rule: 'currency-amount-time',
              tolerance: tolText,
              ...win,
              test: (s) =>
                s.kind === 'fiat_transfer' &&
                s.type === type &&
                s.fiatCurrency === leg.asset &&
                (eq(s.amount, amount) ||
                  eq(addDecimals(s.amount, negateDecimal(s.fee ?? '0')), amount) ||
                  eq(addDecimals(s.amount, s.fee ?? '0'), amount)),
            },
          ),
        ];
      }
      case 'send':
      case 'internal_transfer': {
        // The other side of the move is a row of the same asset and opposite amount in this second (for
        // a Pay/send row, in another wallet of the holder: `transfer_out` of Spot, `transfer_in` of Funding).
        const isTwin = (l: Leg): boolean =>
          l !== leg &&
          l.meaning?.category === m.category &&
          l.asset === leg.asset &&
          eq(l.change, negateDecimal(leg.change)) &&
          (m.category === 'internal_transfer' || l.wallet !== leg.wallet);
        // A payment to or from another user: one row, its signed change (no record of the API side has it).
        if (m.category === 'send' && !bucket.some(isTwin)) return this.unmodeled(leg, 'pay');
        if (positive && bucket.some(isTwin)) return [];
        const twin = positive ? undefined : bucket.find(isTwin);
        const legs = twin ? [leg, twin] : [leg];
        const id = this.occ.next(`wallet:stmt:${leg.asset}:${leg.ms}:${amount}`);
        const rec: RecordBody = {
          kind: 'transfer',
          id,
          direction: 'internal',
          type: 'wallet_transfer',
          asset: leg.asset,
          amount,
          fee: '0',
          status: 'completed',
        };
        if (!positive) (rec as { fromWallet?: string }).fromWallet = leg.wallet;
        else (rec as { toWallet?: string }).toWallet = leg.wallet;
        if (twin) (rec as { toWallet?: string }).toWallet = twin.wallet;
        const item = this.record(leg, legs, rec, {
          rule: 'asset-amount-time',
          tolerance: tolText,
          ...win,
          test: (s) =>
            s.kind === 'transfer' &&
            s.type === 'wallet_transfer' &&
            s.asset === leg.asset &&
            eq(s.amount, amount),
        });
        // Send rows an earlier release quarantined.
        return [
          m.category === 'send' ? ({ ...item, supersedes: legs.map(superseded) } as NormalizedItem) : item,
        ];
      }
      case 'earn_subscription':
      case 'earn_redemption': {
        const kind = m.category;
        // The principal leaves spot (subscription) or returns to it (redemption); the Earn-account twin row is the same move.
        const isTwin = kind === 'earn_subscription' ? positive : !positive;
        if (isTwin) {
          const main = bucket.find(
            (l) =>
              l !== leg &&
              l.meaning?.category === kind &&
              l.asset === leg.asset &&
              eq(l.change, negateDecimal(leg.change)),
          );
          if (main) return [];
        }
        const product = m.product ?? 'flexible';
        const id = this.occ.next(`${product}:stmt:${leg.ms}:${leg.asset}:${amount}`);
        return [
          this.record(
            leg,
            [leg],
            {
              kind,
              id,
              product,
              asset: leg.asset,
              amount,
              type: leg.operation,
              status: 'success',
            } as RecordBody,
            {
              rule: 'product-asset-amount-time',
              tolerance: tolText,
              ...win,
              test: (s) => s.kind === kind && s.asset === leg.asset && eq(s.amount, amount),
            },
          ),
        ];
      }
      case 'earn_reward': {
        const product = m.product ?? 'flexible';
        // The statement does not say which flexible reward type (BONUS, REALTIME, REWARDS): keep its label.
        const rewardType = product === 'flexible' ? leg.operation : 'Locked Rewards';
        const id = this.occ.next(`${product}:${rewardType}:${leg.asset}:${leg.ms}:stmt:${amount}`);
        return [
          this.record(
            leg,
            [leg],
            { kind: 'earn_reward', id, product, rewardType, asset: leg.asset, amount },
            {
              rule: 'product-asset-amount-time',
              tolerance: tolText,
              ...win,
              test: (s) =>
                s.kind === 'earn_reward' &&
                s.product === product &&
                s.asset === leg.asset &&
                eq(s.amount, amount),
            },
          ),
        ];
      }
      case 'distribution': {
        const id = this.occ.next(`stmt:${leg.ms}:${leg.asset}:${leg.change}`);
        const direction = positive ? 'in' : 'out';
        // A rebate or kickback credited to a futures wallet is a futures balance change there (the Futures
        // export's REFERRAL_KICKBACK, COMMISSION_REBATE, …): the `dividend` an earlier release stored
        // under `id` (numbered as before, so the spot dividends keep theirs) is retired.
        if (isFuturesRebateRow(leg.operation, leg.wallet))
          return this.unmodeled(leg, 'futures', {
            kind: 'dividend',
            since: leg.ms,
            until: leg.ms,
            test: (s) => s.kind === 'dividend' && s.id === id,
          });
        const item = this.record(
          leg,
          [leg],
          { kind: 'dividend', id, asset: leg.asset, amount, info: leg.operation, direction },
          {
            rule: 'asset-amount-time',
            tolerance: tolText,
            ...win,
            test: (s) =>
              s.kind === 'dividend' &&
              s.asset === leg.asset &&
              eq(s.amount, amount) &&
              s.direction === direction,
          },
        );
        // A label the release before this one quarantined as unknown: its row is resolved.
        return [leg.earlierReason ? ({ ...item, supersedes: [superseded(leg)] } as NormalizedItem) : item];
      }
      case 'auto_conversion':
        // Each leg of an automatic conversion (stablecoin auto-conversion, leveraged token redemption) is
        // its signed change: the legs of one conversion net per asset as the balances did.
        return this.unmodeled(leg, 'auto_conversion');
      case 'unmodeled':
        return this.unmodeled(leg, m.change ?? 'other');
      default:
        return this.keepLegs([leg], `not_modeled:${m.category}`);
    }
  }

  /**
   * One row, one movement: its signed change in the wallet the statement names, as a `balance_change`.
   * The id holds the category, not the label, so a re-labelled operation (`Realize profit and loss` →
   * `Realized Profit and Loss`) keeps it.
   */
  private unmodeled(leg: Leg, category: ChangeCategory, retires?: Retire): NormalizedItem[] {
    const tol = Math.max(leg.tolerance, 2000);
    const id = this.occ.next(`${category}:stmt:${leg.asset}:${leg.ms}:${leg.change}`);
    const item = this.record(
      leg,
      [leg],
      {
        kind: 'balance_change',
        id,
        category,
        operation: leg.operation.slice(0, 200),
        wallet: leg.wallet || 'unknown',
        asset: leg.asset,
        amount: leg.change,
        ...(leg.remark ? { remark: leg.remark.slice(0, 1000) } : {}),
      },
      {
        rule: 'category-asset-amount-time',
        tolerance: `±${tol / 1000}s`,
        since: leg.ms - tol,
        until: leg.ms + tol,
        // A copy the Futures export stored is this row when its type names the same movement.
        test: (s) =>
          s.kind === 'balance_change' &&
          (isFuturesExportCopy(s) ? futuresCopyIsStatementRow(s, leg) : s.category === category) &&
          s.asset === leg.asset &&
          eq(s.amount, leg.change),
      },
    );
    return [{ ...item, supersedes: [superseded(leg)], ...(retires ? { retires } : {}) } as NormalizedItem];
  }

  /**
   * P2P legs of one second, per asset: one trade's rows (a buy's credit and its fee row, a sale's
   * debit). Matched to the stored `p2p_order` they are (or several orders of the second they sum), else
   * kept as a `balance_change` of category `p2p` (a later import or sync folds it into its order).
   */
  private p2p(legs: Leg[], second: number): NormalizedItem[] {
    const byAsset = new Map<string, Leg[]>();
    for (const l of [...legs].sort((a, b) => a.line - b.line))
      byAsset.set(l.asset, [...(byAsset.get(l.asset) ?? []), l]);
    // The fee rows of these trades one or two seconds later (ascending files) belong to them.
    for (const [asset, group] of byAsset) {
      if (!group.some((l) => !isP2pFee(l))) continue;
      for (let s = second + 1; s <= second + P2P_JOIN_SECONDS; s++) {
        const bucket = this.pending.get(s);
        const mine = bucket?.filter((l) => l.meaning?.category === 'p2p' && l.asset === asset) ?? [];
        const fees = mine.filter(isP2pFee);
        // A second with a trade of its own keeps its fee rows.
        if (!bucket || fees.length === 0 || fees.length < mine.length) continue;
        this.pending.set(
          s,
          bucket.filter((l) => !fees.includes(l)),
        );
        group.push(...fees);
      }
    }
    const out: NormalizedItem[] = [];
    for (const [asset, group] of byAsset) {
      const first = group.reduce((a, b) => (a.ms <= b.ms ? a : b));
      const net = addDecimals(...group.map((l) => l.change));
      const tol = Math.max(...group.map((l) => l.tolerance), 2000);
      const id = this.occ.next(`p2p:stmt:${asset}:${first.ms}:${net}`);
      const near = (t: number): boolean => Math.abs(t - first.ms) <= tol;
      const match: MatchRule = {
        rule: 'statement-p2p-order',
        tolerance: `order created up to 24h before, ${tol / 1000}s after`,
        kinds: ['p2p_order', 'balance_change'],
        since: first.ms - P2P_LEG_BEFORE_MS,
        until: first.ms + tol,
        test: (s) =>
          (s.kind === 'p2p_order' && p2pOrderExplains(s, { asset, amount: net, time: first.ms }, tol)) ||
          // Another export of the same statement (Excel dropped the seconds).
          (s.kind === 'balance_change' &&
            s.category === 'p2p' &&
            s.asset === asset &&
            near(s.time) &&
            eq(s.amount, net)),
        aggregate: {
          key: (s) =>
            s.kind === 'p2p_order' && s.asset === asset && near(s.time) && p2pOrderNet(s)
              ? `p2p:${asset}`
              : undefined,
          wantKey: `p2p:${asset}`,
          sum: (s) => (s.kind === 'p2p_order' ? (p2pOrderNet(s)?.net ?? '0') : '0'),
          total: net,
        },
      };
      const remark = group.find((l) => l.remark && l.change === net)?.remark;
      const item = this.record(
        first,
        group,
        {
          kind: 'balance_change',
          id,
          category: 'p2p',
          operation: first.operation.slice(0, 200),
          wallet: first.wallet || 'funding',
          asset,
          amount: net,
          ...(remark ? { remark: remark.slice(0, 1000) } : {}),
        },
        match,
      );
      // The release before this one kept the legs of each second apart (a fee row in the next second
      // was a leg of its own): the ids it gave them, replaced by this one on re-import.
      const seconds = [...new Set(group.map((l) => l.second))].sort((a, b) => a - b);
      const replaces =
        seconds.length > 1
          ? seconds.map((sec) => {
              const part = group.filter((l) => l.second === sec);
              const t = Math.min(...part.map((l) => l.ms));
              return this.legacyOcc.next(
                `p2p:stmt:${asset}:${t}:${addDecimals(...part.map((l) => l.change))}`,
              );
            })
          : undefined;
      out.push({
        ...item,
        supersedes: group.map(superseded),
        ...(replaces ? { replaces: replaces.filter((r) => r !== id) } : {}),
      } as NormalizedItem);
    }
    return out;
  }

  private groups(legs: Leg[]): NormalizedItem[] {
    const out: NormalizedItem[] = [];
    const byCategory = new Map<string, Leg[]>();
    for (const l of legs) {
      const c = l.meaning!.category === 'trade_fee' ? 'trade' : l.meaning!.category;
      byCategory.set(c, [...(byCategory.get(c) ?? []), l]);
    }
    // Auto-Invest fee rows carry the trade labels (`Fee`, `Transaction Fee`): in a second of Auto-Invest
    // legs with no trade leg besides them, they are the executions' fees (see autoInvestUnits).
    const autoInvest = byCategory.get('auto_invest');
    const trade = byCategory.get('trade');
    if (autoInvest && trade?.every(isFee)) {
      autoInvest.push(...trade);
      byCategory.delete('trade');
    }
    // A BNB fee deduction with no trade in its second belongs to nothing we can name: keep it.
    for (const [category, group] of byCategory) {
      if (category === 'dust') out.push(...this.dust(group));
      else out.push(...this.swap(category, group));
    }
    return out;
  }

  /** One asset out, one asset in, fees in at most one asset: the only leg set grouped with confidence. */
  private swap(category: string, legs: Leg[]): NormalizedItem[] {
    const fees = legs.filter((l) => FEE_OPS.has(operationKey(l.operation)));
    const main = legs.filter((l) => !fees.includes(l));
    const net = new Map<string, string>();
    for (const l of main) net.set(l.asset, addDecimals(net.get(l.asset) ?? '0', l.change));
    const ins = [...net].filter(([, v]) => compareDecimals(v, 0) > 0);
    const outs = [...net].filter(([, v]) => compareDecimals(v, 0) < 0);
    const feeAssets = new Set(fees.map((f) => f.asset));
    // Legs of one asset in both directions (a buy and a sell in the same second) must never net out.
    const mixed = main.some((l) =>
      main.some((m) => m.asset === l.asset && m.change.startsWith('-') !== l.change.startsWith('-')),
    );
    if (
      mixed ||
      ins.length !== 1 ||
      outs.length !== 1 ||
      feeAssets.size > 1 ||
      [...net.values()].some((v) => isZeroDecimal(v))
    ) {
      // Fills of one order whose fees changed asset (BNB ran out): the export keeps each fill's legs
      // together, so split them in file order when every part is a clean fill of the same pair.
      const units = category === 'trade' ? fillUnits(legs) : undefined;
      if (units) return units.flatMap((u) => this.swap(category, u));
      // A portfolio Auto-Invest plan buys each of its targets in the same second: one execution per
      // target, each a debit of the source asset and a credit of the target. The release before this
      // one kept them as legs; those quarantine rows are resolved by the executions now stored or matched.
      const executions = category === 'auto_invest' ? autoInvestUnits(legs) : undefined;
      if (executions)
        return executions.flatMap((u) =>
          this.swap(category, u).map((item) =>
            item.type === 'record'
              ? {
                  ...item,
                  supersedes: u.map((l) => ({
                    reason: isFee(l) ? 'ungrouped_legs:trade' : `ungrouped_legs:${category}`,
                    row: { ...l.raw, netChange: l.change },
                  })),
                }
              : item,
          ),
        );
      return this.keepLegs(legs, `ungrouped_legs:${category}`);
    }
    const [inAsset, inAmount] = ins[0]!;
    const [outAsset, outSigned] = outs[0]!;
    const outAmount = abs(outSigned);
    const fee = fees.length ? abs(addDecimals(...fees.map((f) => f.change))) : '0';
    const feeAsset = fees[0]?.asset;
    const first = legs.reduce((a, b) => (a.ms <= b.ms ? a : b));
    const tol = Math.max(first.tolerance, 2000);
    const win = { since: first.ms - 1000, until: first.ms + tol };
    if (category === 'trade') {
      // The legs name no symbol. The listed spelling of the pair, when the ledger knows it (the
      // account's fills and orders), else the quote heuristic (the more quote-like asset is the quote).
      const heuristicQuoteIsOut = quoteRank(outAsset) <= quoteRank(inAsset);
      const listed = this.symbols?.resolve(inAsset, outAsset);
      const quoteIsOut = listed ? listed.quoteAsset === outAsset : heuristicQuoteIsOut;
      const baseAsset = quoteIsOut ? inAsset : outAsset;
      const quoteAsset = quoteIsOut ? outAsset : inAsset;
      const side = quoteIsOut ? 'buy' : 'sell';
      const qty = quoteIsOut ? inAmount : outAmount;
      const quoteQty = quoteIsOut ? outAmount : inAmount;
      const symbol = listed?.symbol ?? baseAsset + quoteAsset;
      const price = canonicalDecimal(dec(quoteQty).div(qty).toDecimalPlaces(8));
      const id = this.occ.next(`${symbol}:stmt:${first.ms}:${side}:${qty}`);
      // The id the heuristic's spelling gave this trade (the release before this one): a copy stored
      // under it, alone beside the listed symbol's fills, is replaced on re-import.
      const legacy = this.legacyTradeOcc.next(
        heuristicQuoteIsOut
          ? `${inAsset}${outAsset}:stmt:${first.ms}:buy:${inAmount}`
          : `${outAsset}${inAsset}:stmt:${first.ms}:sell:${outAmount}`,
      );
      // Matched by what flowed (assets in and out, their amounts), never by the symbol's spelling: a
      // fill stored under the other orientation of the pair is the same trade.
      const flow: TradeFlow = { inAsset, inAmount, outAsset, outAmount };
      const match: MatchRule = {
        rule: 'statement-legs-fills',
        tolerance: `same second, +${tol / 1000}s`,
        ...win,
        test: (s) => s.kind === 'trade' && sameFlow(tradeFlow(s), flow),
        aggregate: {
          key: (s) => (s.kind === 'trade' ? flowKey(tradeFlow(s)) : undefined),
          wantKey: flowKey(flow),
          sum: (s) => (s.kind === 'trade' ? tradeFlow(s).inAmount : '0'),
          total: inAmount,
        },
      };
      const replaces = legacy !== id ? { replaces: [legacy] } : {};
      return [
        {
          ...this.record(
            first,
            legs,
            {
              kind: 'trade',
              id,
              symbol,
              baseAsset,
              quoteAsset,
              side,
              price,
              qty,
              quoteQty,
              fee,
              feeAsset: feeAsset ?? (side === 'buy' ? baseAsset : quoteAsset),
            },
            match,
          ),
          ...replaces,
        } as NormalizedItem,
      ];
    }
    if (category === 'convert' || category === 'auto_invest') {
      if (category === 'convert') {
        if (fees.length) return this.keepLegs(legs, `ungrouped_legs:${category}`);
        const id = this.occ.next(`stmt:${first.ms}:${outAsset}:${outAmount}:${inAsset}:${inAmount}`);
        return [
          this.record(
            first,
            legs,
            {
              kind: 'conversion',
              id,
              fromAsset: outAsset,
              fromAmount: outAmount,
              toAsset: inAsset,
              toAmount: inAmount,
              status: 'success',
            },
            {
              rule: 'statement-assets-amounts-time',
              tolerance: `±${tol / 1000}s`,
              ...win,
              test: (s) =>
                s.kind === 'conversion' &&
                s.fromAsset === outAsset &&
                s.toAsset === inAsset &&
                eq(s.fromAmount, outAmount) &&
                eq(s.toAmount, inAmount),
            },
          ),
        ];
      }
      // With fee rows, the source debit is the amount spent net of the fee and the fee is its own, as the
      // API's execution has them (`sourceAssetAmount`, `transactionFee`). Without (earlier periods), the
      // debit includes the fee and nothing tells it apart: the spend as debited, no fee. The id names
      // neither, so the copy an earlier release stored for these rows (the fee rows set aside) is updated
      // in place on re-import, and the fee rows' quarantine entries are resolved by it.
      const id = this.occ.next(`stmt:${first.ms}:${inAsset}:${inAmount}`);
      const item = this.record(
        first,
        legs,
        {
          kind: 'autoinvest_execution',
          id,
          sourceAsset: outAsset,
          sourceAssetAmount: outAmount,
          targetAsset: inAsset,
          targetAssetAmount: inAmount,
          ...(fees.length ? { fee, feeAsset: feeAsset! } : {}),
          status: 'success',
        },
        {
          rule: 'statement-target-amount-time',
          tolerance: `±${tol / 1000}s`,
          ...win,
          test: (s) =>
            s.kind === 'autoinvest_execution' &&
            s.targetAsset === inAsset &&
            eq(s.targetAssetAmount, inAmount),
        },
      );
      // The release before this one set the fee rows aside as trade legs with no trade.
      const feeRows = fees.map((l) => ({
        reason: 'ungrouped_legs:trade',
        row: { ...l.raw, netChange: l.change },
      }));
      return [feeRows.length ? ({ ...item, supersedes: feeRows } as NormalizedItem) : item];
    }
    // fiat_trade: a card or cash purchase (fiat out, crypto in) or a sale.
    // The label says the direction (`Buy Crypto…` spends fiat); the quote rank decides only for unknown labels.
    const label = operationKey(first.operation);
    const buy =
      label.startsWith('buy') || label.includes('fiattocrypto')
        ? true
        : label.startsWith('sell')
          ? false
          : quoteRank(outAsset) <= quoteRank(inAsset);
    const fiatAsset = buy ? outAsset : inAsset;
    const fiatAmount = buy ? outAmount : inAmount;
    const cryptoAsset = buy ? inAsset : outAsset;
    const cryptoAmount = buy ? inAmount : outAmount;
    const id = this.occ.next(`payment:stmt:${first.ms}:${cryptoAsset}:${cryptoAmount}`);
    return [
      this.record(
        first,
        legs,
        {
          kind: 'fiat_transfer',
          id,
          type: buy ? 'buy' : 'sell',
          fiatCurrency: fiatAsset,
          amount: fiatAmount,
          fee: fee,
          cryptoAsset,
          cryptoAmount,
          status: 'completed',
        },
        {
          rule: 'statement-crypto-amount-time',
          tolerance: `±${tol / 1000}s`,
          ...win,
          test: (s) =>
            s.kind === 'fiat_transfer' &&
            s.type === (buy ? 'buy' : 'sell') &&
            s.cryptoAsset === cryptoAsset &&
            eq(s.cryptoAmount, cryptoAmount),
        },
      ),
    ];
  }

  /** Dust: each swept asset (negative leg) pairs with one BNB credit in file order; unequal counts stay legs. */
  private dust(legs: Leg[]): NormalizedItem[] {
    const froms = legs.filter((l) => l.change.startsWith('-'));
    const tos = legs.filter((l) => !l.change.startsWith('-'));
    const toAssets = new Set(tos.map((l) => l.asset));
    if (froms.length === 0 || froms.length !== tos.length || toAssets.size !== 1)
      return this.keepLegs(legs, 'ungrouped_legs:dust');
    const out: NormalizedItem[] = [];
    froms.forEach((from, i) => {
      const to = tos[i]!;
      const amount = abs(from.change);
      const id = this.occ.next(`stmt:${from.ms}:${from.asset}:${amount}`);
      out.push(
        this.record(
          from,
          [from, to],
          {
            kind: 'dust',
            id,
            fromAsset: from.asset,
            amount,
            toAsset: to.asset,
            toAmount: to.change,
            // The statement shows only the net amount received: the fee is unknown, so it is omitted, not "0".
          },
          {
            rule: 'statement-asset-amount-time',
            tolerance: '±2s',
            since: from.ms - 2000,
            until: from.ms + 2000,
            test: (s) => s.kind === 'dust' && s.fromAsset === from.asset && eq(s.amount, amount),
          },
        ),
      );
    });
    return out;
  }
}

/**
 * Splits the Auto-Invest legs of one second into executions: in file order (either direction), each
 * pair of neighbouring rows one debit of the source asset and one credit of a target, the targets
 * distinct. When the rows do not run in such pairs but every debit is the same amount, the pairing
 * cannot be wrong and follows file order. Fee rows then join their execution (see {@link withFees}).
 * Undefined when the legs do not split cleanly.
 */
function autoInvestUnits(legs: Leg[]): Leg[][] | undefined {
  const sorted = [...legs].sort((a, b) => a.line - b.line);
  const main = sorted.filter((l) => !isFee(l));
  const debits = main.filter((l) => l.change.startsWith('-'));
  const credits = main.filter((l) => !l.change.startsWith('-') && !isZeroDecimal(l.change));
  if (
    debits.length < 2 ||
    debits.length !== credits.length ||
    debits.length + credits.length !== main.length ||
    new Set(debits.map((l) => l.asset)).size !== 1 ||
    new Set(credits.map((l) => l.asset)).size !== credits.length ||
    credits.some((l) => l.asset === debits[0]!.asset)
  )
    return undefined;
  let pairs: Leg[][] | undefined;
  const neighbours: Leg[][] = [];
  for (let i = 0; i < main.length; i += 2) neighbours.push([main[i]!, main[i + 1]!]);
  if (neighbours.every((p) => p[0]!.change.startsWith('-') !== p[1]!.change.startsWith('-')))
    pairs = neighbours;
  else if (debits.every((d) => eq(d.change, debits[0]!.change)))
    pairs = credits.map((c, i) => [debits[i]!, c]);
  if (!pairs) return undefined;
  const fees = sorted.filter(isFee);
  return fees.length ? withFees(sorted, pairs, fees) : pairs;
}

/**
 * Gives each fee row of a portfolio run to its execution; undefined when that cannot be told.
 * - A fee in a target asset is the fee of the execution that bought it (the targets are distinct).
 * - A fee in the source asset: Binance (and the sandbox, sandbox/data/changes.ts) writes each
 *   execution's rows together, its fee row right after its debit and credit as a spot trade's fee row
 *   follows its legs, so in file order a fee row belongs to the execution just before it (just after it
 *   in a file running newest first, which then starts with a fee row). Accepted when that gives no
 *   execution two fees of one asset.
 * - Else (the fee rows gathered apart from the legs) by proportion: the fee is a fixed rate of the amount
 *   spent (the API's `transactionFee` over `sourceAssetAmount` is one rate across a run's targets), so
 *   the larger debit paid the larger fee. Equal debits with unequal fees cannot be told apart.
 */
function withFees(sorted: Leg[], pairs: Leg[][], fees: Leg[]): Leg[][] | undefined {
  const units = pairs.map((p) => [...p]);
  const unitOf = new Map<Leg, Leg[]>();
  for (const u of units) for (const l of u) unitOf.set(l, u);
  const source = fees.filter((f) => {
    const buyer = units.find((u) =>
      u.some((l) => !isFee(l) && !l.change.startsWith('-') && l.asset === f.asset),
    );
    buyer?.push(f);
    return !buyer;
  });
  if (source.length === 0) return units;
  const debitOf = (u: Leg[]): Leg => u.find((l) => !isFee(l) && l.change.startsWith('-'))!;
  const feesIn = (u: Leg[], asset: string): number => u.filter((l) => isFee(l) && l.asset === asset).length;
  // File order: the execution next to each fee row, on the side the file's direction puts it.
  const leading = isFee(sorted[0]!) && !isFee(sorted[sorted.length - 1]!);
  const byOrder = new Map<Leg, Leg[]>();
  for (const f of source) {
    const at = sorted.indexOf(f);
    const step = leading ? 1 : -1;
    let i = at + step;
    while (i >= 0 && i < sorted.length && isFee(sorted[i]!)) i += step;
    const u = i >= 0 && i < sorted.length ? unitOf.get(sorted[i]!) : undefined;
    if (!u) {
      byOrder.clear();
      break;
    }
    byOrder.set(f, u);
  }
  const once = (assign: Map<Leg, Leg[]>): boolean =>
    units.every((u) =>
      [...new Set(source.map((f) => f.asset))].every(
        (a) => feesIn(u, a) + [...assign].filter(([f, v]) => v === u && f.asset === a).length <= 1,
      ),
    );
  if (byOrder.size === source.length && once(byOrder)) {
    for (const [f, u] of byOrder) u.push(f);
    return units;
  }
  // By proportion: one fee per execution, ranked by amount against the debits.
  if (source.length !== units.length || new Set(source.map((f) => f.asset)).size !== 1) return undefined;
  const byDebit = [...units].sort((a, b) => compareDecimals(abs(debitOf(a).change), abs(debitOf(b).change)));
  const byFee = [...source].sort((a, b) => compareDecimals(abs(a.change), abs(b.change)));
  for (let i = 1; i < byDebit.length; i++)
    if (
      eq(debitOf(byDebit[i]!).change, debitOf(byDebit[i - 1]!).change) &&
      !eq(byFee[i]!.change, byFee[i - 1]!.change)
    )
      return undefined;
  byDebit.forEach((u, i) => u.push(byFee[i]!));
  return units;
}

/** Splits legs (in file order) into fills: each one asset in, one out, then its fee legs; undefined when they do not split cleanly. */
function fillUnits(legs: Leg[]): Leg[][] | undefined {
  const sorted = [...legs].sort((a, b) => a.line - b.line);
  const units: Leg[][] = [];
  let cur: Leg[] = [];
  let pendingFees: Leg[] = [];
  const complete = (u: Leg[]): boolean => {
    const main = u.filter((l) => !FEE_OPS.has(operationKey(l.operation)));
    return (
      main.length === 2 &&
      main.some((l) => l.change.startsWith('-')) &&
      main.some((l) => !l.change.startsWith('-'))
    );
  };
  for (const leg of sorted) {
    const isFee = FEE_OPS.has(operationKey(leg.operation));
    if (isFee) {
      if (complete(cur)) cur.push(leg);
      else pendingFees.push(leg);
      continue;
    }
    if (complete(cur)) {
      units.push(cur);
      cur = [];
    }
    cur.push(leg, ...pendingFees);
    pendingFees = [];
  }
  if (pendingFees.length) cur.push(...pendingFees);
  if (cur.length) units.push(cur);
  if (units.length < 2 || !units.every(complete)) return undefined;
  const pair = (u: Leg[]): string =>
    u
      .filter((l) => !FEE_OPS.has(operationKey(l.operation)))
      .map((l) => l.asset)
      .sort()
      .join('/');
  const first = pair(units[0]!);
  if (
    !units.every(
      (u) =>
        pair(u) === first &&
        new Set(u.filter((l) => FEE_OPS.has(operationKey(l.operation))).map((l) => l.asset)).size <= 1,
    )
  )
    return undefined;
  return units;
}

/** A fee row (`Fee`, `Transaction Fee`, a BNB fee deduction): a trade's or an Auto-Invest execution's fee. */
function isFee(l: Leg): boolean {
  return FEE_OPS.has(operationKey(l.operation));
}

function balanced(legs: Leg[]): boolean {
  let pos = false;
  let neg = false;
  for (const l of legs) {
    if (FEE_OPS.has(operationKey(l.operation))) continue;
    if (l.change.startsWith('-')) neg = true;
    else if (!isZeroDecimal(l.change)) pos = true;
  }
  return pos && neg;
}
