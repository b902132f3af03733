/**
 * The sync planner: what to read, in which order, from where, and how it lands in the ledger.
 *
 * Every read is a stream (one surface, one symbol or one query type) with a checkpoint; each page of
 * records is written in ONE transaction with the stream's new checkpoint and the audit entries of the
 * requests that produced it, so a run killed at any moment (SIGKILL included) resumes exactly where the
 * ledger says it stopped, and writes are idempotent upserts by natural key: a rerun adds nothing.
 *
 * Order of work, cheapest first, so that the expensive surfaces start where the account does:
 *  1. consent, clock, key permissions (read-only check), exchangeInfo (symbols and live limits);
 *  2. cheap surfaces from Binance's launch (or --since): balances, deposits (weight 1 per 89 days),
 *     dust, dividends, fiat payments, P2P and universal transfers (6-month reach), Auto-Invest plans;
 *  3. symbol discovery (discovery.ts) and the trade walk of each candidate;
 *  4. the account's first activity is now known cheaply: the earliest record seen (its first deposit,
 *     trade, fiat purchase…). The expensive surfaces walk from there instead of from 2017: withdrawals
 *     (UID 18000), convert (UID 3000), fiat orders (UID 90000), Earn subscriptions (150 per 30 days);
 *  5. Earn redemptions and rewards walk from the first subscription of their product, Auto-Invest
 *     executions from the oldest plan: no product, no walk;
 *  6. isolated-margin transfers (6-month reach, like the other universal transfers): their query names
 *     the isolated account's symbol, so each of the four one-account types (spot ⇄ isolated, cross ⇄
 *     isolated) is asked per candidate symbol. The candidates: every isolated account the exchange lists
 *     (`GET /sapi/v1/margin/isolated/account` without `symbols`, once per run, Weight(IP) 10, USER_DATA),
 *     united with the evidence: every listed symbol whose base and quote the account both held within the
 *     transfers' reach (now, or named by a record of that time; an isolated account holds only its pair's
 *     two assets, and is opened to trade one against the other), plus every isolated account the ledger
 *     already knows. The evidence stays for accounts disabled since, which the listing may leave out
 *     while their transfers are still within reach; a refused or failed listing leaves the evidence alone
 *     and a warning in the summary, never a failed sync. Isolated → isolated needs both symbols: asked
 *     from every account seen (listed, or named by an isolated transfer) to each candidate sharing an
 *     asset with it, until no new account shows up. Weight 1 per call: 4 calls per candidate symbol plus
 *     the pairs, paid again on each incremental run. With the listing, the old blind spot (an isolated
 *     account one of whose assets no record of the last 6 months names: a short whose borrowed base never
 *     left it) is closed for every account still enabled; it stays open only for a disabled account the
 *     listing omits, or when the listing is refused. `--discovery naive` asks every listed symbol.
 *     The same listing (read when `transfers` or `balances` is asked for) is the isolated accounts'
 *     balance snapshot: with `balances`, `isolatedSnapshot` stores each side as a `balance` of
 *     `isolated_margin:<symbol>` and zeroes the stored ones it no longer lists; a refused listing leaves
 *     them as they are;
 *  7. orders, last, when every surface has shown which assets the account held lately: every symbol with
 *     trades or open orders, and a probe (one allOrders call, weight 20) of every listed symbol whose base
 *     or quote the account held within the order archive's reach. An order locks the quote (buy) or the
 *     base (sell) until it fills, is canceled or expires, and orders canceled or expired unfilled more
 *     than 90 days ago are archived (CONTRACT.md §4.5): so a symbol whose only orders never filled has
 *     reachable orders only if one of its assets was held in the last 90 days: held now (any wallet), or
 *     named by a record of the last 90 days (a trade, transfer, conversion, …). Assets and the last time
 *     a record named them are kept across runs (checkpoint `meta:recent-assets`).
 */
import { ExchangeApiError, createLogger } from '../../core/index.js';
import type { JsonValue } from '../../core/index.js';
import type { BinanceClient, RequestEvent } from './client.js';
import {
  assetsOfRecord,
  candidateSymbols,
  DISCOVERY_EVIDENCE_KINDS,
  fiatOfRecord,
  loadExchangeInfo,
} from './discovery.js';
import type { DiscoveryStrategy } from './discovery.js';
import { endpoints } from './endpoints.js';
import { checkReadOnlyKey } from './permissions.js';
import type { KeyCheck } from './permissions.js';
import type { SymbolAssets } from './normalize.js';
import { autoInvestHistoryStream, autoInvestPlansStream } from './reads/autoinvest.js';
import { balancesStream } from './reads/balances.js';
import { BINANCE_LAUNCH, DAY, SURFACES } from './reads/common.js';
import type { ApiRecord, ReadContext, StreamDef, Surface } from './reads/common.js';
import { convertStream } from './reads/convert.js';
import { depositsStream } from './reads/deposits.js';
import { dividendsStream } from './reads/dividends.js';
import { dustStream } from './reads/dust.js';
import { earnStream, FLEXIBLE_REWARDS_QUERY } from './reads/earn.js';
import { fiatStream } from './reads/fiat.js';
import { ordersStream } from './reads/orders.js';
import { isolatedBalance, isolatedSideHasAmounts, readIsolatedAccounts } from './reads/margin.js';
import type { IsolatedAccount, IsolatedListing } from './reads/margin.js';
import { p2pStream } from './reads/p2p.js';
import { tradesStream } from './reads/trades.js';
import {
  ISOLATED_SINGLE_TYPES,
  TRANSFER_LOOKBACK,
  TRANSFER_TYPES,
  isolatedTransfersStream,
  transfersStream,
} from './reads/transfers.js';
import { withdrawalsStream } from './reads/withdrawals.js';
import type { SyncAuditInput, SyncStore } from './store.js';
import { arrayBody, idString, text } from './values.js';

const log = createLogger('connectors:binance:sync');

/** Progress for the CLI's stderr display. */
export type SyncProgress =
  | { type: 'phase'; phase: string }
  | { type: 'stream'; key: string; state: 'start' | 'done'; records: number }
  | { type: 'page'; key: string; records: number }
  /** The key can do more than read and --allow-unsafe-key accepted it: say so loudly. */
  | { type: 'unsafe-key'; permissions: string[] };

export interface SyncOptions {
  store: SyncStore;
  client: BinanceClient;
  /** The holder's label in the ledger (default `main`). */
  account?: string;
  /** Read history from this time (epoch ms); default: the account's first activity, found cheaply. */
  since?: number;
  /** Only these surfaces (default all). */
  surfaces?: readonly Surface[];
  /** Accept a key that can do more than read (the caller warns loudly). */
  allowUnsafeKey?: boolean;
  /** `evidence` (default) or `naive` (probe every listed symbol: the benchmark's baseline). */
  discovery?: DiscoveryStrategy;
  /** Streams run at once (default 4); the limiter keeps them inside the weight budget. */
  concurrency?: number;
  /** The consent the sync runs under (checked by the caller with the ledger's requireConsent). */
  consentId: number;
  onProgress?: (event: SyncProgress) => void;
  signal?: AbortSignal;
}

/** What a sync did. */
export interface SyncSummary {
  account: string;
  streams: number;
  /** Records written, per outcome of the ledger's upsert (inserted, unchanged, updated, …). */
  records: Record<string, number>;
  /** Records read per kind. */
  byKind: Record<string, number>;
  requests: number;
  weight: number;
  weightByFamily: Record<string, number>;
  status429: number;
  retries: number;
  limitWaits: number;
  limitWaitedMs: number;
  clock: { offsetMs: number; errorBoundMs: number; resyncs: number };
  key: { unsafePermissionsAllowed: string[] };
  discovery: {
    strategy: DiscoveryStrategy;
    listedSymbols: number;
    evidenceAssets: number;
    candidates: number;
    symbolsWithTrades: number;
    /** Symbols without trades or open orders whose orders were probed (an asset of theirs held lately). */
    orderProbes: number;
    /** Symbols whose history the API cannot reach (delisted: -1121, or known only from CSV/web history). */
    unreachableSymbols: string[];
    /**
     * Assets the account touched that no listed symbol pairs: every pair of theirs is delisted, so any
     * trade history in them is out of the API's reach (CONTRACT.md §5); reconcile's gaps there are expected.
     */
    assetsWithoutListedPair: string[];
    /** Symbols whose isolated-margin account was asked for transfers (4 calls each, weight 1). */
    isolatedCandidates: number;
    /** Isolated → isolated queries (source account × candidate sharing an asset; 1 call each, weight 1). */
    isolatedPairProbes: number;
    /** Isolated-margin accounts (symbols) the listing names or the account's transfers show. */
    isolatedAccounts: string[];
    /**
     * Isolated-margin accounts the exchange listed (`GET /sapi/v1/margin/isolated/account`), or
     * undefined when it was not asked (transfers not synced) or refused it (see `warnings`).
     */
    isolatedListed: string[] | undefined;
  };
  /** What the sync could not do and worked around (a refused optional read); empty when none. */
  warnings: string[];
  /** Earliest record time found (epoch ms), where the expensive surfaces started. */
  firstActivity: number | undefined;
  since: number | undefined;
  until: number;
}

const FIRST_ACTIVITY = 'meta:first-activity';
/**
 * Conservative product launch dates (earlier than the products' public launches): Binance Lending /
 * Savings opened in August 2019 (Simple Earn's history includes it) and Convert in 2020. A product's
 * walk starts at the latest of its launch, `--since` and the account's first activity: no window before
 * the product existed or before the account did is paid for (convert costs UID 3000 and an Earn history
 * window 150 per 30 days).
 */
const SAVINGS_LAUNCH = Date.UTC(2019, 6, 1);
const CONVERT_LAUNCH = Date.UTC(2020, 0, 1);
const UNREACHABLE = 'meta:unreachable-symbols';
const RECENT_ASSETS = 'meta:recent-assets';
/**
 * Orders canceled or expired with nothing filled are archived 90 days after (CONTRACT.md §4.5); a week
 * more covers an archive that runs late and the clock.
 */
const ORDER_REACH = (90 + 7) * DAY;
/** The status of an Earn position no longer in the exchange's position lists (set here, not by Binance). */
export const CLOSED = 'CLOSED';
const UNREACHABLE_ASSETS = 'meta:assets-without-listed-pair';
/** The model's wallet name of an isolated-margin account is this prefix and its symbol. */
const ISOLATED_WALLET = 'isolated_margin:';

/**
 * Runs `fn` over `items` with at most `n` at once; the first failure stops new work, aborts the work in
 * progress through `stop` (a ban or a bad key must not be hammered by the other streams) and is rethrown.
 */
async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (item: T) => Promise<void>,
  stop?: (reason: unknown) => void,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        if (failed === undefined) {
          failed = error;
          stop?.(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * The audit sink: the client reports every attempt; entries wait here and are written in the same
 * transaction as the next page (or flushed at the end), so the log and the records agree.
 */
class AuditQueue {
  private pending: SyncAuditInput[] = [];
  constructor(
    private readonly account: string,
    private readonly consentId: number,
  ) {}

  push(event: RequestEvent): void {
    this.pending.push({
      at: event.time,
      account: this.account,
      consentId: this.consentId,
      route: 'api',
      method: event.method,
      endpoint: event.endpoint,
      params: event.params,
      ...(event.status ? { status: event.status } : {}),
      weight: event.weight,
      ...(event.records !== undefined ? { records: event.records } : {}),
      durationMs: event.durationMs,
      ...(event.error ? { error: event.error } : {}),
    });
  }

  drain(): SyncAuditInput[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

export async function syncBinance(options: SyncOptions): Promise<SyncSummary> {
  const { store, client } = options;
  // Aborted by the caller (Ctrl-C) or by the first stream that fails.
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const account = options.account ?? 'main';
  const surfaces = new Set<Surface>(options.surfaces ?? SURFACES);
  for (const s of surfaces) {
    if (!(SURFACES as readonly string[]).includes(s)) {
      throw new ExchangeApiError('unknown_surface', `binance: unknown surface "${s}".`, {
        hint: `Choose from: ${SURFACES.join(', ')}.`,
        exitCode: 2,
      });
    }
  }
  const strategy = options.discovery ?? 'evidence';
  const concurrency = options.concurrency ?? 4;
  const prefix = `binance:${account}:`;
  const audit = new AuditQueue(account, options.consentId);
  const detach = client.addRequestListener((event) => audit.push(event));
  const progress = options.onProgress ?? (() => undefined);
  const sig = signal ? { signal } : {};

  const records: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const evidence = new Set<string>();
  const fiatEvidence = new Set<string>();
  /** Isolated-margin accounts (symbols) named by a transfer record. */
  const isolatedSeen = new Set<string>();
  const noteIsolated = (r: { kind: string }): void => {
    if (r.kind !== 'transfer') return;
    const t = r as { fromWallet?: string; toWallet?: string };
    for (const w of [t.fromWallet, t.toWallet])
      if (w?.startsWith(ISOLATED_WALLET)) isolatedSeen.add(w.slice(ISOLATED_WALLET.length));
  };
  let streams = 0;
  let firstActivity: number | undefined;
  const warnings: string[] = [];

  const flushAudit = async (): Promise<void> => {
    const entries = audit.drain();
    if (entries.length === 0) return;
    await store.transaction(async (tx) => {
      for (const e of entries) await tx.appendAudit(e);
    });
  };

  try {
    // ---- 1. clock, key, exchange info -------------------------------------------------------------
    progress({ type: 'phase', phase: 'checking the clock and the key' });
    await client.serverTime.sync(signal);
    let keyCheck: KeyCheck;
    try {
      keyCheck = await checkReadOnlyKey(client, { allowUnsafe: Boolean(options.allowUnsafeKey), ...sig });
    } finally {
      await flushAudit();
    }
    if (keyCheck.unsafe.length > 0) progress({ type: 'unsafe-key', permissions: keyCheck.unsafe });
    const info = await loadExchangeInfo(client, signal);
    if (info.rateLimits.length > 0) client.limiter.setApiRateLimits(info.rateLimits);
    const until = Math.floor(client.serverTime.now());
    const storedFirst = await store.getCheckpoint(prefix + FIRST_ACTIVITY);
    if (typeof storedFirst === 'number') firstActivity = storedFirst;
    // Asset -> the latest time a record showed the account holding or moving it (orders' probe set).
    const recent = new Map<string, number>();
    const note = (asset: string, time: number): void => {
      if (time > (recent.get(asset) ?? -Infinity)) recent.set(asset, time);
    };
    const noteRecord = (r: ApiRecord, heldNow: number | undefined): void => {
      if (r.kind === 'balance') {
        if (r.free !== '0' || r.locked !== '0') note(r.asset, heldNow ?? r.time);
        return;
      }
      if (r.kind === 'earn_position') {
        if (r.amount !== '0') note(r.asset, heldNow ?? r.time);
        return;
      }
      const t =
        r.kind === 'order' && typeof r.updateTime === 'number' ? Math.max(r.time, r.updateTime) : r.time;
      const fields = r as unknown as Record<string, unknown>;
      for (const a of assetsOfRecord(fields)) note(a, t);
      for (const a of fiatOfRecord(fields)) note(a, t);
    };
    const storedRecent = await store.getCheckpoint(prefix + RECENT_ASSETS);
    if (storedRecent && typeof storedRecent === 'object' && !Array.isArray(storedRecent)) {
      for (const [a, t] of Object.entries(storedRecent)) if (typeof t === 'number') note(a, t);
    } else if (surfaces.has('orders') || surfaces.has('transfers')) {
      // First run with this checkpoint: what the ledger already holds (a one-time scan).
      for await (const { record } of store.iterateRecords({ account })) noteRecord(record, undefined);
    }

    const ctx: ReadContext = {
      client,
      account,
      since: options.since ?? BINANCE_LAUNCH,
      until,
      symbols: info.listed,
      ...sig,
    };
    const cheapFrom = (): number => options.since ?? BINANCE_LAUNCH;
    const expensiveFrom = (): number =>
      Math.max(options.since ?? BINANCE_LAUNCH, firstActivity ?? BINANCE_LAUNCH);
    // A product has no history before it existed, nor before the account's first activity (or --since):
    // walk from the latest of the three. firstActivity is the earliest record of the cheap surfaces and
    // the trades (kept across runs), so with --since it is never earlier than since.
    const productFrom = (launch: number) => (): number =>
      Math.max(launch, options.since ?? BINANCE_LAUNCH, firstActivity ?? BINANCE_LAUNCH);

    const runStream = async (def: StreamDef): Promise<void> => {
      const key = prefix + def.key;
      const cursor = (await store.getCheckpoint(key)) as JsonValue | undefined;
      progress({ type: 'stream', key: def.key, state: 'start', records: 0 });
      let count = 0;
      for await (const page of def.run(ctx, cursor)) {
        for (const a of page.assets ?? []) evidence.add(a);
        for (const r of page.records) {
          for (const a of assetsOfRecord(r as unknown as Record<string, unknown>)) evidence.add(a);
          for (const a of fiatOfRecord(r as unknown as Record<string, unknown>)) fiatEvidence.add(a);
          byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
          noteRecord(r, until);
          noteIsolated(r);
          if (r.kind !== 'balance' && r.kind !== 'earn_position' && r.kind !== 'order') {
            if (firstActivity === undefined || r.time < firstActivity) firstActivity = r.time;
          }
        }
        const entries = audit.drain();
        const first = firstActivity;
        await store.transaction(async (tx) => {
          if (page.records.length > 0) {
            const put = await tx.putRecords(page.records as Array<ApiRecord & { source: 'api' }>);
            for (const [outcome, n] of Object.entries(put.counts))
              records[outcome] = (records[outcome] ?? 0) + n;
          }
          await tx.setCheckpoint(key, page.cursor);
          if (first !== undefined) await tx.setCheckpoint(prefix + FIRST_ACTIVITY, first);
          for (const e of entries) await tx.appendAudit(e);
        });
        count += page.records.length;
        if (page.records.length > 0) progress({ type: 'page', key: def.key, records: page.records.length });
      }
      streams += 1;
      progress({ type: 'stream', key: def.key, state: 'done', records: count });
    };
    const run = (defs: StreamDef[]): Promise<void> =>
      pool(defs, concurrency, runStream, (reason) => internal.abort(reason));

    // ---- 2. cheap surfaces ------------------------------------------------------------------------
    progress({ type: 'phase', phase: 'reading balances and the cheap histories' });
    const cheap: StreamDef[] = [];
    if (surfaces.has('balances')) cheap.push(withVanishedBalances(balancesStream(), store, account));
    if (surfaces.has('deposits')) cheap.push(depositsStream(cheapFrom));
    if (surfaces.has('dust')) cheap.push(dustStream(() => options.since));
    if (surfaces.has('dividends')) cheap.push(dividendsStream(cheapFrom));
    if (surfaces.has('fiat'))
      cheap.push(fiatStream('payments', 0, cheapFrom), fiatStream('payments', 1, cheapFrom));
    if (surfaces.has('p2p')) cheap.push(p2pStream('BUY', cheapFrom), p2pStream('SELL', cheapFrom));
    if (surfaces.has('transfers')) for (const t of TRANSFER_TYPES) cheap.push(transfersStream(t, cheapFrom));
    if (surfaces.has('autoinvest')) cheap.push(autoInvestPlansStream());
    await run(cheap);

    // ---- 3. symbols -------------------------------------------------------------------------------
    // Evidence already in the ledger: every record of the account (CSV and web history included),
    // except API trades/orders, whose symbols are known from their checkpoints.
    const knownSymbols = new Set<string>();
    const unreachable = new Set<string>();
    for (const cp of await store.listCheckpoints(`${prefix}trades:`)) {
      const symbol = cp.stream.slice(`${prefix}trades:`.length);
      const v = cp.value as { fromId?: string; unreachable?: boolean } | null;
      if (v?.unreachable) unreachable.add(symbol);
      else if (v?.fromId && v.fromId !== '0') knownSymbols.add(symbol);
    }
    for await (const { record } of store.iterateRecords({ account, kind: [...DISCOVERY_EVIDENCE_KINDS] })) {
      noteRecord(record, undefined);
      noteIsolated(record);
      for (const a of assetsOfRecord(record as unknown as Record<string, unknown>)) evidence.add(a);
      for (const a of fiatOfRecord(record as unknown as Record<string, unknown>)) fiatEvidence.add(a);
    }
    for (const source of ['csv', 'web'] as const) {
      for await (const { record } of store.iterateRecords({ account, kind: ['trade', 'order'], source })) {
        const r = record as unknown as { symbol?: string; baseAsset?: string; quoteAsset?: string };
        noteRecord(record, undefined);
        for (const a of assetsOfRecord(record as unknown as Record<string, unknown>)) evidence.add(a);
        for (const a of fiatOfRecord(record as unknown as Record<string, unknown>)) fiatEvidence.add(a);
        if (r.symbol) {
          if (info.listed.has(r.symbol)) knownSymbols.add(r.symbol);
          else unreachable.add(r.symbol);
        }
      }
    }

    const withTrades = new Set<string>(knownSymbols);
    const walked = new Set<string>();
    let candidates = 0;
    if (surfaces.has('trades')) {
      progress({ type: 'phase', phase: 'discovering traded symbols' });
      // Walk candidates; the fees and pairs of the trades found are new evidence, so repeat until stable.
      for (let round = 0; round < 5; round++) {
        const picked = candidateSymbols(
          info.listed,
          new Set([...evidence, ...fiatEvidence]),
          strategy,
        ).filter((s) => !walked.has(s.symbol));
        for (const s of knownSymbols) {
          const sym = info.listed.get(s);
          if (sym && !walked.has(s) && !picked.some((p) => p.symbol === s)) picked.push(sym);
        }
        if (picked.length === 0) break;
        candidates += picked.length;
        for (const s of picked) walked.add(s.symbol);
        await run(
          picked.map((sym) => {
            const def = tradesStream(sym);
            return {
              ...def,
              run: async function* (c: ReadContext, cursor: JsonValue | undefined) {
                for await (const page of def.run(c, cursor)) {
                  if (page.records.length > 0) withTrades.add(sym.symbol);
                  if ((page.cursor as { unreachable?: boolean } | null)?.unreachable)
                    unreachable.add(sym.symbol);
                  yield page;
                }
              },
            };
          }),
        );
        if (strategy === 'naive') break;
      }
    }

    const listedAssets = new Set<string>();
    for (const sym of info.listed.values()) listedAssets.add(sym.baseAsset).add(sym.quoteAsset);
    const orphanAssets = [...evidence].filter((a) => !listedAssets.has(a)).sort();
    await store.transaction(async (tx) => {
      await tx.setCheckpoint(prefix + UNREACHABLE, [...unreachable].sort());
      await tx.setCheckpoint(prefix + UNREACHABLE_ASSETS, orphanAssets);
      for (const e of audit.drain()) await tx.appendAudit(e);
    });

    // ---- 4. expensive surfaces, from the first activity ----------------------------------------------
    progress({ type: 'phase', phase: 'reading the expensive histories from the first activity' });
    log('first activity %s', firstActivity === undefined ? 'unknown' : new Date(firstActivity).toISOString());
    const expensive: StreamDef[] = [];
    if (surfaces.has('withdrawals')) expensive.push(withdrawalsStream(expensiveFrom));
    if (surfaces.has('convert')) expensive.push(convertStream(productFrom(CONVERT_LAUNCH)));
    if (surfaces.has('fiat'))
      expensive.push(fiatStream('orders', 0, expensiveFrom), fiatStream('orders', 1, expensiveFrom));
    if (surfaces.has('earn')) {
      expensive.push(
        earnStream('flexible', 'subscriptions', productFrom(SAVINGS_LAUNCH)),
        earnStream('locked', 'subscriptions', productFrom(SAVINGS_LAUNCH)),
      );
    }
    await run(expensive);

    // ---- 5. dependent histories ---------------------------------------------------------------------
    const dependent: StreamDef[] = [];
    const earliest = async (
      kind: 'earn_subscription' | 'autoinvest_plan',
      product?: string,
    ): Promise<number | undefined> => {
      let min: number | undefined;
      for await (const { record } of store.iterateRecords({ account, kind })) {
        if (product && (record as unknown as { product?: string }).product !== product) continue;
        if (min === undefined || record.time < min) min = record.time;
      }
      return min;
    };
    if (surfaces.has('earn')) {
      for (const product of ['flexible', 'locked'] as const) {
        // Redemptions and rewards need a subscription first; a position without a visible subscription
        // (bought before the history reaches) still needs them, from the first activity.
        const start =
          options.since ??
          (await earliest('earn_subscription', product)) ??
          ((await hasRecords(store, account, 'earn_position', product)) ? expensiveFrom() : undefined);
        if (start === undefined) continue;
        const from = Math.max(start, SAVINGS_LAUNCH);
        const f = (): number => from;
        dependent.push(earnStream(product, 'redemptions', f));
        if (product === 'flexible')
          dependent.push(earnStream('flexible', 'rewards', f, FLEXIBLE_REWARDS_QUERY));
        else dependent.push(earnStream('locked', 'rewards', f));
      }
    }
    if (surfaces.has('autoinvest')) {
      const firstPlan = options.since ?? (await earliest('autoinvest_plan'));
      if (firstPlan !== undefined) dependent.push(autoInvestHistoryStream(() => firstPlan));
    }
    await run(dependent);

    // ---- 6. isolated-margin transfers ----------------------------------------------------------------
    let isolatedCandidates = 0;
    let isolatedPairProbes = 0;
    let isolatedListed: string[] | undefined;
    // The exchange's own list of the isolated accounts, read once: it names every account (even one
    // whose assets no record shows) for the transfer walk, and holds their balances for the snapshot.
    // Refused (or failing): the evidence alone, the stored isolated balances untouched, said in the summary.
    let listing: IsolatedListing | undefined;
    if (surfaces.has('transfers') || surfaces.has('balances')) {
      progress({ type: 'phase', phase: 'listing the isolated-margin accounts' });
      listing = await readIsolatedAccounts(client, sig);
      if (listing.ok) {
        isolatedListed = [...new Set(listing.accounts.map((a) => a.symbol))].sort();
        for (const s of isolatedListed) isolatedSeen.add(s);
      } else {
        const effects = [
          ...(surfaces.has('transfers')
            ? [
                'isolated accounts were found from the records only, and one whose assets no record of the last 6 months names may be missed',
              ]
            : []),
          ...(surfaces.has('balances')
            ? ['the isolated-margin balances were not snapshotted (the stored ones are left as they were)']
            : []),
        ];
        warnings.push(
          `isolated margin: the list of isolated-margin accounts was refused (${listing.reason}); ${effects.join('; ')}.`,
        );
        log('isolated-margin listing refused: %s', listing.reason);
      }
      await flushAudit();
    }
    if (listing?.ok && surfaces.has('balances')) {
      const time = Math.floor(client.serverTime.now());
      const snapshot = await isolatedSnapshot(store, account, listing.accounts, time);
      for (const r of snapshot) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
      await store.transaction(async (tx) => {
        if (snapshot.length > 0) {
          const put = await tx.putRecords(snapshot as Array<ApiRecord & { source: 'api' }>);
          for (const [outcome, n] of Object.entries(put.counts))
            records[outcome] = (records[outcome] ?? 0) + n;
        }
        for (const e of audit.drain()) await tx.appendAudit(e);
      });
    }
    if (surfaces.has('transfers')) {
      progress({ type: 'phase', phase: 'reading isolated-margin transfers' });
      const reach = Math.max(options.since ?? BINANCE_LAUNCH, until - TRANSFER_LOOKBACK);
      const held = new Set([...recent].filter(([, t]) => t >= reach).map(([a]) => a));
      // Both sides held, like the trade walk's rule: one side alone would ask about most listed symbols
      // (every USDT pair), 4 calls each.
      const candidates: SymbolAssets[] = [];
      for (const sym of info.listed.values()) {
        if (
          strategy === 'naive' ||
          (held.has(sym.baseAsset) && held.has(sym.quoteAsset)) ||
          isolatedSeen.has(sym.symbol)
        )
          candidates.push(sym);
      }
      candidates.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
      isolatedCandidates = candidates.length;
      await run(
        candidates.flatMap((sym) =>
          ISOLATED_SINGLE_TYPES.map((type) => isolatedTransfersStream(type, sym.symbol, cheapFrom)),
        ),
      );
      // Isolated → isolated: from each account seen holding funds to each candidate that can hold the
      // same asset; the destinations found are sources in turn.
      const expanded = new Set<string>();
      for (;;) {
        const sources = [...isolatedSeen].filter((s) => !expanded.has(s) && info.listed.has(s)).sort();
        if (sources.length === 0) break;
        const defs: StreamDef[] = [];
        for (const source of sources) {
          expanded.add(source);
          const src = info.listed.get(source)!;
          for (const dest of candidates) {
            if (dest.symbol === source) continue;
            const shares =
              dest.baseAsset === src.baseAsset ||
              dest.baseAsset === src.quoteAsset ||
              dest.quoteAsset === src.baseAsset ||
              dest.quoteAsset === src.quoteAsset;
            if (!shares) continue;
            defs.push(
              isolatedTransfersStream('ISOLATEDMARGIN_ISOLATEDMARGIN', source, cheapFrom, dest.symbol),
            );
          }
        }
        isolatedPairProbes += defs.length;
        await run(defs);
      }
    }

    // ---- 7. orders -------------------------------------------------------------------------------------
    let orderProbes = 0;
    if (surfaces.has('orders')) {
      progress({ type: 'phase', phase: 'reading orders' });
      const open = await client.call(
        endpoints.openOrders,
        {},
        { ...sig, countRecords: (b) => (Array.isArray(b) ? b.length : 0) },
      );
      const openIds = new Map<string, string>();
      for (const row of arrayBody(open.body, 'openOrders')) {
        const s = text(row, 'symbol');
        const id = idString(row, 'orderId');
        const known = openIds.get(s);
        if (known === undefined || BigInt(id) < BigInt(known)) openIds.set(s, id);
      }
      const cutoff = Math.max(options.since ?? BINANCE_LAUNCH, until - ORDER_REACH);
      const held = new Set([...recent].filter(([, t]) => t >= cutoff).map(([a]) => a));
      const picked = new Set<string>([...withTrades, ...openIds.keys()]);
      for (const sym of info.listed.values()) {
        if (picked.has(sym.symbol)) continue;
        if (strategy === 'naive' || held.has(sym.baseAsset) || held.has(sym.quoteAsset)) {
          picked.add(sym.symbol);
          orderProbes++;
        }
      }
      const syms: SymbolAssets[] = [];
      for (const s of [...picked].sort()) {
        const sym = info.listed.get(s);
        if (sym && !unreachable.has(s)) syms.push(sym);
      }
      await run(syms.map((sym) => ordersStream(sym, openIds.get(sym.symbol))));
    }
    // Kept a little longer than the orders need, so a later run with an earlier clock still has them.
    // Kept for the isolated-margin candidates too (the transfers' 6-month reach).
    const keep = until - Math.max(2 * ORDER_REACH, TRANSFER_LOOKBACK + 7 * DAY);
    const recentOut: Record<string, number> = {};
    for (const [a, t] of [...recent].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      if (t >= keep) recentOut[a] = t;
    await store.transaction(async (tx) => {
      await tx.setCheckpoint(prefix + RECENT_ASSETS, recentOut);
      for (const e of audit.drain()) await tx.appendAudit(e);
    });
    await flushAudit();

    const stats = client.limiter.stats;
    return {
      account,
      streams,
      records,
      byKind,
      requests: stats.requests,
      weight: stats.weight,
      weightByFamily: { ...stats.weightByFamily },
      status429: client.stats.status429,
      retries: client.stats.retries,
      limitWaits: stats.waits,
      limitWaitedMs: stats.waitedMs,
      clock: {
        offsetMs: client.serverTime.offsetMs,
        errorBoundMs: client.serverTime.errorBoundMs,
        resyncs: client.stats.clockResyncs,
      },
      key: { unsafePermissionsAllowed: keyCheck.unsafe },
      discovery: {
        strategy,
        listedSymbols: info.listed.size,
        evidenceAssets: evidence.size,
        candidates,
        symbolsWithTrades: [...withTrades].length,
        orderProbes,
        unreachableSymbols: [...unreachable].sort(),
        assetsWithoutListedPair: orphanAssets,
        isolatedCandidates,
        isolatedPairProbes,
        isolatedAccounts: [...isolatedSeen].sort(),
        isolatedListed,
      },
      warnings,
      firstActivity,
      since: options.since,
      until,
    };
  } catch (error) {
    // Whatever happened, the requests that were sent belong in the audit log.
    try {
      await flushAudit();
    } catch (flushError) {
      log('could not flush the audit log: %O', flushError);
    }
    throw error;
  } finally {
    detach();
  }
}

async function hasRecords(
  store: SyncStore,
  account: string,
  kind: 'earn_position',
  product: string,
): Promise<boolean> {
  for await (const { record } of store.iterateRecords({ account, kind })) {
    if ((record as unknown as { product?: string }).product === product) return true;
  }
  return false;
}

/**
 * A balance the exchange no longer lists (funding or Earn emptied, spot sold to zero) is zero now: the
 * snapshot says so with a zero record, or the ledger would keep the last amount forever and reconcile
 * would chase a ghost. The same for an Earn position that left the position lists (redeemed in full, a
 * locked term delivered): it is kept, with amount 0 and status `CLOSED`, never deleted, and its
 * subscriptions, redemptions and rewards stay as they are.
 */
function withVanishedBalances(def: StreamDef, store: SyncStore, account: string): StreamDef {
  return {
    ...def,
    async *run(ctx, cursor) {
      for await (const page of def.run(ctx, cursor)) {
        const seen = new Set(page.records.filter((r) => r.kind === 'balance').map((r) => r.id));
        const seenPositions = new Set(
          page.records.filter((r) => r.kind === 'earn_position').map((r) => r.id),
        );
        const time =
          page.records.find((r) => r.kind === 'balance')?.time ?? Math.floor(ctx.client.serverTime.now());
        const zeroed: ApiRecord[] = [];
        for await (const { record } of store.iterateRecords({ account, kind: 'balance', source: 'api' })) {
          const b = record as Extract<ApiRecord, { kind: 'balance' }>;
          // Isolated-margin wallets are not in this snapshot: the listing's (isolatedSnapshot) zeroes them.
          if (b.wallet.startsWith(ISOLATED_WALLET)) continue;
          if (seen.has(b.id) || (b.free === '0' && b.locked === '0')) continue;
          zeroed.push({
            ...b,
            time: Math.max(time, b.time),
            free: '0',
            locked: '0',
            source: 'api',
            raw: { absentFromSnapshot: true },
          });
        }
        for await (const { record } of store.iterateRecords({
          account,
          kind: 'earn_position',
          source: 'api',
        })) {
          const p = record as Extract<ApiRecord, { kind: 'earn_position' }>;
          if (seenPositions.has(p.id) || (p.amount === '0' && p.status === CLOSED)) continue;
          zeroed.push({
            ...p,
            time: Math.max(time, p.time),
            amount: '0',
            status: CLOSED,
            canRedeem: false,
            source: 'api',
            raw: { absentFromSnapshot: true },
          });
        }
        yield zeroed.length > 0 ? { ...page, records: [...page.records, ...zeroed] } : page;
      }
    },
  };
}

/** A stored isolated-margin balance that holds, owes or nets nothing. */
function isolatedEmpty(b: Extract<ApiRecord, { kind: 'balance' }>): boolean {
  return (
    b.free === '0' &&
    b.locked === '0' &&
    (b.borrowed ?? '0') === '0' &&
    (b.interest ?? '0') === '0' &&
    (b.netAsset ?? '0') === '0'
  );
}

/**
 * The isolated-margin balance snapshot from a listing that succeeded (a refused one changes nothing):
 * each side of each listed account that holds, owes or nets anything, or whose stored balance did, as a
 * `balance` of `isolated_margin:<symbol>`; a stored isolated balance the listing no longer has (an
 * account or side gone) becomes zero, kept, never deleted, like the other wallets' (withVanishedBalances).
 * `debtSince` is the first snapshot time the ledger saw the side borrowed or owing interest, carried by
 * every later snapshot: reconcile reads it as "the history holds loans and margin trades the ledger has no
 * records of".
 */
async function isolatedSnapshot(
  store: SyncStore,
  account: string,
  accounts: readonly IsolatedAccount[],
  time: number,
): Promise<ApiRecord[]> {
  const stored = new Map<string, Extract<ApiRecord, { kind: 'balance' }>>();
  for await (const { record } of store.iterateRecords({ account, kind: 'balance', source: 'api' })) {
    const b = record as Extract<ApiRecord, { kind: 'balance' }>;
    if (b.wallet.startsWith(ISOLATED_WALLET)) stored.set(b.id, b);
  }
  const out: ApiRecord[] = [];
  const listed = new Set<string>();
  for (const acc of accounts) {
    for (const which of ['base', 'quote'] as const) {
      const rec = isolatedBalance(acc, which, account, time);
      if (listed.has(rec.id)) continue;
      listed.add(rec.id);
      const before = stored.get(rec.id);
      if (!isolatedSideHasAmounts(acc[which]) && (!before || isolatedEmpty(before))) continue;
      const owes = rec.borrowed !== '0' || rec.interest !== '0';
      const debtSince = before?.debtSince ?? (owes ? time : undefined);
      out.push({
        ...rec,
        time: Math.max(time, before?.time ?? time),
        ...(debtSince !== undefined ? { debtSince } : {}),
      });
    }
  }
  for (const [id, b] of stored) {
    if (listed.has(id) || isolatedEmpty(b)) continue;
    out.push({
      ...b,
      time: Math.max(time, b.time),
      free: '0',
      locked: '0',
      borrowed: '0',
      interest: '0',
      netAsset: '0',
      source: 'api',
      raw: { absentFromSnapshot: true },
    });
  }
  return out;
}
