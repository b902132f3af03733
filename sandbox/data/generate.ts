/**
 * The deterministic account generator. One seeded event stream, in time order, moves balances per
 * (wallet, asset) in integer units of 1e-8; every record it emits is one of those moves (or a failed
 * attempt that moves nothing). So the sum of the balance effects of all records equals the final
 * balances exactly, which is what `/__sandbox/truth` and the reconcile tests rely on.
 *
 * Same seed, profile and `asOf` give the same account, byte for byte.
 */
import { addListedUniverse } from './universe.js';
import { usdAt } from './prices.js';
import { ORDER_STATUSES, ORDER_TYPES, ROUTE_API, ROUTE_CSV, ROUTE_WEB } from './model.js';
import type {
  Entry,
  ProfileName,
  QuirkFlags,
  RawAutoInvestPlan,
  RawC2COrder,
  RawConvert,
  RawDeposit,
  RawDribblet,
  RawFlexiblePosition,
  RawFlexibleRedemption,
  RawFlexibleReward,
  RawFlexibleSubscription,
  RawLockedPosition,
  RawLockedRedemption,
  RawLockedReward,
  RawLockedSubscription,
  RawWithdrawal,
  Routes,
  SandboxAccount,
  SymbolInfo,
  WalletName,
} from './model.js';
import { OrderBuilder, TradeBuilder } from './columns.js';
import { Prng } from './prng.js';
import { PROFILES, type ProfileSpec } from './profiles.js';
import { fmt8, fmtFixed, fmtShort, fmtUtcDateTime, UNIT } from './units.js';

/** Options of {@link generateAccount}; all optional. */
export interface GenerateOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Size (default `tiny`). */
  profile?: ProfileName;
  /** Snapshot instant; default the start of the current UTC day, so one seed gives one account all day. */
  asOf?: number;
  /** Override the per-seed quirk flags (type drift and envelope choices). */
  quirks?: Partial<QuirkFlags>;
  /**
   * Listed symbols in exchangeInfo in all, untraded ones included (default: the profile's
   * `listedSymbols`); at most the account's own listed symbols (e.g. 0) adds no untraded universe.
   */
  listedSymbols?: number;
}

const DAY = 86_400_000;
const DUST_API_FROM = Date.UTC(2020, 11, 1);
const ALL_ROUTES: Routes = { api: true, web: true, csv: true };
const NO_API: Routes = { api: false, web: true, csv: true };
/**
 * The Transaction History shows an Auto-Invest execution's trading fee as a row of its own for the
 * executions of the last this many days, and folds it into the source debit before: real statements
 * change style between periods, and every profile's plans run across the boundary, so one export holds
 * both (portfolio runs too on `small`).
 */
const AUTO_INVEST_FEE_ROWS_DAYS = 200;
const MAJOR_BASES = [
  'BTC',
  'ETH',
  'BNB',
  'XRP',
  'ADA',
  'SOL',
  'DOT',
  'DOGE',
  'LTC',
  'LINK',
  'LDO',
  'AVAX',
  'TRX',
];
const OTHER_BASES = [
  'ATOM',
  'UNI',
  'XLM',
  'ETC',
  'FIL',
  'NEAR',
  'APT',
  'ARB',
  'OP',
  'SHIB',
  'AAVE',
  'SAND',
  'MANA',
  'AXS',
  'EOS',
  'NEO',
  'IOTA',
  'ZEC',
  'DASH',
  'ALGO',
  'VET',
  'ICP',
  'FTM',
  'GRT',
  'CRV',
  'SUSHI',
  'COMP',
  'MKR',
  'SNX',
  'YFI',
  'ENJ',
  'CHZ',
  'BAT',
  'ZIL',
  'ONE',
  'HBAR',
  'QTUM',
  'WAVES',
  'KSM',
  'RUNE',
  'EGLD',
  'THETA',
  'XTZ',
  'CAKE',
  'INJ',
  'SUI',
  'SEI',
  'TIA',
  'PEPE',
  'WIF',
  'BONK',
  'FET',
  'RNDR',
  'IMX',
  'STX',
  'FLOW',
  'MINA',
  'KAVA',
  'ROSE',
  'CELO',
];
/** Assets that disappeared from the exchange: their symbols are delisted. */
const DELISTED_BASES = ['LUNA', 'FTT', 'SRM', 'BCC', 'VEN', 'HSR', 'NPXS', 'BTT', 'MITH', 'KEY'];
const QUOTES = ['USDT', 'BTC', 'BNB', 'ETH', 'FDUSD', 'EUR'];
const STABLE = new Set(['USDT', 'BUSD', 'FDUSD', 'USDC']);

interface Ctx {
  rng: Prng;
  spec: ProfileSpec;
  asOf: number;
  createdAt: number;
  assets: string[];
  assetIndex: Map<string, number>;
  /** Balances per wallet, indexed by asset, in units of 1e-8. */
  bal: Record<WalletName, Float64Array>;
  spotLocked: Float64Array;
  usd0: Float64Array;
  amp: Float64Array;
  period: Float64Array;
  phase: Float64Array;
}

function usd(ctx: Ctx, asset: number, t: number): number {
  return usdAt(ctx, asset, t);
}

/** Units of `asset` worth `usdValue` at time t. */
function unitsWorth(ctx: Ctx, asset: number, usdValue: number, t: number): number {
  return Math.floor((usdValue / usd(ctx, asset, t)) * UNIT);
}

function usdOf(ctx: Ctx, asset: number, units: number, t: number): number {
  return (units / UNIT) * usd(ctx, asset, t);
}

function move(ctx: Ctx, wallet: WalletName, asset: number, delta: number): void {
  const arr = ctx.bal[wallet];
  const next = (arr[asset] as number) + delta;
  if (next < 0 || !Number.isSafeInteger(next)) {
    throw new Error(`sandbox generator bug: ${wallet} ${ctx.assets[asset]} would become ${next}`);
  }
  arr[asset] = next;
}

/** A decimal string for a ratio of two unit amounts with 8 decimals (informational rates). */
function ratioString(num: number, den: number): string {
  if (den === 0) return '0';
  return fmt8(Math.max(0, Math.round((num / den) * UNIT)));
}

/** `price * qty` in units, exact (both in units of 1e-8). */
function mulUnits(price: number, qty: number): number {
  return Number((BigInt(price) * BigInt(qty)) / BigInt(UNIT));
}

/** Generates one account. Deterministic for (seed, profile, asOf). */
export function generateAccount(options: GenerateOptions = {}): SandboxAccount {
  const seed = options.seed ?? 1;
  const profile = options.profile ?? 'tiny';
  const spec = PROFILES[profile];
  const asOf = options.asOf ?? Math.floor(Date.now() / DAY) * DAY;
  const createdAt = asOf - Math.round(spec.years * 365.25) * DAY;
  const root = new Prng(seed);
  const quirks: QuirkFlags = {
    lockedDatesAsStrings: root.fork('quirk-locked').chance(0.5),
    autoInvestListEnvelope: root.fork('quirk-ai').chance(0.5),
    ...options.quirks,
  };

  // ---- assets and symbols --------------------------------------------------------------------------
  const srng = root.fork('symbols');
  const listedBaseCount = Math.max(4, Math.ceil((spec.symbols - spec.delisted) / 1.6));
  const bases: string[] = [...MAJOR_BASES];
  for (const b of OTHER_BASES) if (bases.length < listedBaseCount) bases.push(b);
  const used = new Set<string>([...bases, ...QUOTES, ...DELISTED_BASES]);
  while (bases.length < listedBaseCount) {
    const len = srng.int(3, 5);
    let name = '';
    for (let i = 0; i < len; i++) name += String.fromCharCode(65 + srng.int(0, 25));
    // LD-prefixed names are reserved for Simple Earn mirrors (LDBTC); LDO is the only real one.
    if (name.startsWith('LD') || used.has(name)) continue;
    used.add(name);
    bases.push(name);
  }
  const delistedBases = DELISTED_BASES.slice(
    0,
    Math.min(DELISTED_BASES.length, Math.max(1, Math.ceil(spec.delisted / 3))),
  );

  const assetSet = new Set<string>([...QUOTES, ...bases, ...delistedBases]);
  const assets = [...assetSet].sort();
  const assetIndex = new Map(assets.map((a, i) => [a, i]));
  const A = (name: string): number => assetIndex.get(name)!;
  const n = assets.length;
  const ctx: Ctx = {
    rng: root.fork('events'),
    spec,
    asOf,
    createdAt,
    assets,
    assetIndex,
    bal: {
      spot: new Float64Array(n),
      funding: new Float64Array(n),
      earn_flexible: new Float64Array(n),
      earn_locked: new Float64Array(n),
    },
    spotLocked: new Float64Array(n),
    usd0: new Float64Array(n),
    amp: new Float64Array(n),
    period: new Float64Array(n),
    phase: new Float64Array(n),
  };
  const prng = root.fork('prices');
  const fixedUsd: Record<string, number> = { BTC: 30000, ETH: 2000, BNB: 300, EUR: 1.08, LDO: 2, SOL: 60 };
  for (let i = 0; i < n; i++) {
    const a = assets[i]!;
    if (STABLE.has(a)) {
      ctx.usd0[i] = 1;
      continue;
    }
    ctx.usd0[i] = fixedUsd[a] ?? prng.logUniform(0.05, 400);
    ctx.amp[i] = a === 'EUR' ? 0.05 : prng.logUniform(0.2, 0.9);
    ctx.period[i] = prng.logUniform(200, 2000) * DAY;
    ctx.phase[i] = prng.next() * 2 * Math.PI;
  }

  const symbols: SymbolInfo[] = [];
  const symbolSet = new Set<string>();
  const listAt: number[] = [];
  const delistAt: number[] = [];
  const addSymbol = (base: string, quote: string, delisted: boolean): void => {
    const symbol = `${base}${quote}`;
    if (base === quote || symbolSet.has(symbol)) return;
    symbolSet.add(symbol);
    const isMajor = MAJOR_BASES.includes(base);
    const start = isMajor ? createdAt : createdAt + Math.floor(srng.next() * (asOf - createdAt) * 0.5);
    let end = Infinity;
    if (delisted)
      end = start + 200 * DAY + Math.floor(srng.next() * Math.max(DAY, asOf - 60 * DAY - start - 200 * DAY));
    // A few listed symbols sit only in a trading group, so exchangeInfo hides them unless asked for.
    const hidden = !delisted && !isMajor && srng.chance(0.04);
    symbols.push({
      symbol,
      baseAsset: base,
      quoteAsset: quote,
      status: delisted ? 'BREAK' : srng.chance(0.03) && !isMajor ? 'HALT' : 'TRADING',
      listed: !delisted,
      ...(delisted ? { delistedAt: end } : {}),
      permissionSets: hidden ? [['TRD_GRP_005']] : [['SPOT', 'MARGIN']],
      baseAssetPrecision: 8,
      quoteAssetPrecision: 8,
    });
    listAt.push(start);
    delistAt.push(end);
  };
  for (const base of ['BTC', 'ETH', 'BNB', 'LDO', 'SOL']) addSymbol(base, 'USDT', false);
  addSymbol('ETH', 'BTC', false);
  addSymbol('BNB', 'BTC', false);
  const listedTarget = spec.symbols - spec.delisted;
  let guard = 0;
  while (symbols.length < listedTarget && guard++ < 100_000) {
    const base = srng.chance(0.3) ? srng.pick(MAJOR_BASES) : srng.pick(bases);
    const quote = srng.chance(0.6) ? 'USDT' : srng.pick(QUOTES);
    addSymbol(base, quote, false);
  }
  guard = 0;
  while (symbols.length < spec.symbols && guard++ < 100_000) {
    const base = srng.chance(0.5) ? srng.pick(delistedBases) : srng.pick(bases);
    addSymbol(base, srng.pick(['USDT', 'BTC', 'BNB', 'BUSD'].filter((q) => assetSet.has(q))), true);
  }
  const symBase = symbols.map((s) => A(s.baseAsset));
  const symQuote = symbols.map((s) => A(s.quoteAsset));

  // ---- records ------------------------------------------------------------------------------------
  const deposits: Entry<RawDeposit>[] = [];
  const withdrawals: Entry<RawWithdrawal>[] = [];
  const converts: Entry<RawConvert>[] = [];
  const dribblets: Entry<RawDribblet>[] = [];
  const flexibleSubscriptions: Entry<RawFlexibleSubscription>[] = [];
  const flexibleRedemptions: Entry<RawFlexibleRedemption>[] = [];
  const flexibleRewards: Entry<RawFlexibleReward>[] = [];
  const lockedSubscriptions: Entry<RawLockedSubscription>[] = [];
  const lockedRedemptions: Entry<RawLockedRedemption>[] = [];
  const lockedRewards: Entry<RawLockedReward>[] = [];
  const autoInvestPlans: Entry<RawAutoInvestPlan>[] = [];
  const autoInvestExecutions: SandboxAccount['autoInvestExecutions'] = [];
  const c2cOrders: Entry<RawC2COrder>[] = [];
  const fiatOrders: SandboxAccount['fiatOrders'] = [];
  const fiatPayments: SandboxAccount['fiatPayments'] = [];
  const dividends: SandboxAccount['dividends'] = [];
  const universalTransfers: SandboxAccount['universalTransfers'] = [];

  // Scheduled (non-trade) events, sorted by time, run interleaved with the order stream.
  type Ev = { t: number; run: (t: number) => void };
  const events: Ev[] = [];
  const erng = root.fork('schedule');
  const at = (from: number, to = asOf - 1): number => Math.floor(from + erng.next() * Math.max(1, to - from));
  const r = ctx.rng;

  // Funding the account: the first weeks bring the money every later event spends.
  const fundingDeposits = ['USDT', 'USDT', 'BTC', 'ETH', 'BNB'];
  fundingDeposits.forEach((asset, k) => {
    events.push({
      t: createdAt + (k + 1) * 3_600_000,
      run: (t) => deposit(t, A(asset), 20_000, false, true),
    });
  });

  let depositSeq = 0n;
  const deposit = (t: number, asset: number, usdValue: number, internal: boolean, force = false): void => {
    const coin = assets[asset]!;
    const amount = Math.max(1, unitsWorth(ctx, asset, usdValue, t));
    const roll = force ? 0.5 : r.next();
    // Most deposits succeed; a few stay pending or are rejected and move nothing.
    const status = t > asOf - 2 * DAY && roll < 0.3 ? 0 : roll < 0.03 ? 2 : roll < 0.05 ? 6 : 1;
    const toFunding = !force && r.chance(0.15);
    const credited = status === 1 || status === 6;
    if (credited) move(ctx, toFunding ? 'funding' : 'spot', asset, amount);
    depositSeq++;
    const id = (769800519366885376n + depositSeq * 1_000_003n + BigInt(r.int(0, 999))).toString();
    const network = networkFor(coin);
    deposits.push({
      raw: {
        id,
        amount: fmtShort(amount),
        coin,
        network,
        status,
        address: addressFor(r, network),
        addressTag: network === 'BNB' || network === 'XRP' ? String(r.int(100000, 999999999)) : '',
        txId: internal ? `Internal transfer ${r.digits(11)}` : txHashFor(r, network),
        insertTime: t,
        ...(t >= Date.UTC(2025, 2, 6) && credited ? { completeTime: t + r.int(60_000, 3_600_000) } : {}),
        transferType: internal ? 1 : 0,
        confirmTimes: credited ? '1/1' : '0/1',
        unlockConfirm: 0,
        walletType: toFunding ? 1 : 0,
        travelRuleStatus: 0,
      },
      routes: ALL_ROUTES,
    });
  };

  const depositPool = (t: number): number => {
    const roll = r.next();
    if (roll < 0.4) return A('USDT');
    if (roll < 0.6) return A('BTC');
    if (roll < 0.75) return A('ETH');
    if (roll < 0.85) return A('BNB');
    const s = pickActiveSymbol(t);
    return s >= 0 ? (symBase[s] as number) : A('USDT');
  };
  for (let i = 0; i < spec.deposits; i++) {
    const t = at(createdAt + 2 * DAY);
    const internal = erng.chance(0.15);
    const value = erng.logUniform(100, 20_000);
    events.push({ t, run: (tt) => deposit(tt, depositPool(tt), value, internal) });
  }

  let withdrawSeq = 0;
  for (let i = 0; i < spec.withdrawals; i++) {
    const t = at(createdAt + 10 * DAY);
    const internal = erng.chance(0.2);
    events.push({
      t,
      run: (tt) => {
        const asset = pickHolding(tt, 'spot', 20);
        if (asset < 0) return;
        const coin = assets[asset]!;
        const balance = ctx.bal.spot[asset] as number;
        const fee = internal
          ? 0
          : Math.min(Math.floor(balance * 0.02), unitsWorth(ctx, asset, 1 + r.next() * 4, tt));
        const amount = Math.floor((balance - fee) * (0.1 + r.next() * 0.5));
        if (amount <= 0) return;
        const roll = r.next();
        const status = roll < 0.04 ? 1 : roll < 0.07 ? 3 : roll < 0.09 ? 5 : 6;
        if (status === 6) move(ctx, 'spot', asset, -(amount + fee));
        withdrawSeq++;
        const network = networkFor(coin);
        const old = tt < Date.UTC(2019, 0, 1);
        const raw: RawWithdrawal = {
          id: r.hex(32),
          amount: fmt8(amount),
          transactionFee: fmtShort(fee),
          coin,
          status,
          address: addressFor(r, network),
          txId: status === 6 ? (internal ? `Off-chain transfer ${r.digits(12)}` : txHashFor(r, network)) : '',
          applyTime: fmtUtcDateTime(tt),
          ...(old && r.chance(0.5) ? {} : { network }),
          transferType: internal ? 1 : 0,
          ...(r.chance(0.2) ? { withdrawOrderId: `WD${withdrawSeq}${r.hex(6)}` } : {}),
          info: status === 3 ? 'The address is not valid. Please confirm with the recipient' : '',
          confirmNo: status === 6 ? r.int(1, 64) : 0,
          walletType: 0,
          txKey: '',
          ...(status === 6 ? { completeTime: fmtUtcDateTime(tt + r.int(60_000, 7_200_000)) } : {}),
        };
        withdrawals.push({ raw, routes: ALL_ROUTES });
      },
    });
  }

  let convertSeq = 0n;
  for (let i = 0; i < spec.converts; i++) {
    events.push({
      t: at(createdAt + Math.max(30 * DAY, Date.UTC(2020, 5, 1) - createdAt)),
      run: (tt) => {
        const from = pickHolding(tt, 'spot', 20);
        if (from < 0) return;
        let to = r.pick([A('USDT'), A('BTC'), A('ETH'), A('BNB')]);
        if (to === from) to = from === A('USDT') ? A('BTC') : A('USDT');
        const fromAmount = Math.floor((ctx.bal.spot[from] as number) * (0.1 + r.next() * 0.4));
        const toAmount = unitsWorth(ctx, to, usdOf(ctx, from, fromAmount, tt) * 0.998, tt);
        if (fromAmount <= 0 || toAmount <= 0) return;
        const ok = !r.chance(0.04);
        if (ok) {
          move(ctx, 'spot', from, -fromAmount);
          move(ctx, 'spot', to, toAmount);
        }
        convertSeq++;
        converts.push({
          raw: {
            quoteId: r.hex(32),
            orderId: 940708407462087195n + convertSeq * 1_000_000_007n + BigInt(r.int(0, 99999)),
            orderStatus: ok ? 'SUCCESS' : 'FAIL',
            fromAsset: assets[from]!,
            fromAmount: fmtShort(fromAmount),
            toAsset: assets[to]!,
            toAmount: fmtShort(toAmount),
            ratio: ratioString(toAmount, fromAmount),
            inverseRatio: ratioString(fromAmount, toAmount),
            createTime: tt,
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  let dustDetailId = 4359321;
  for (let i = 0; i < spec.dustGroups; i++) {
    events.push({
      t: at(Math.max(createdAt + 60 * DAY, Date.UTC(2019, 3, 1))),
      run: (tt) => {
        const bnb = A('BNB');
        const candidates: number[] = [];
        for (let a = 0; a < n; a++) {
          const b = ctx.bal.spot[a] as number;
          if (a === bnb || b <= 0 || assets[a] === 'EUR') continue;
          if (usdOf(ctx, a, b, tt) < 10) candidates.push(a);
        }
        if (candidates.length === 0) return;
        const picked = candidates.slice(0, r.int(1, 4));
        const details: RawDribblet['userAssetDribbletDetails'] = [];
        let totalTo = 0;
        let totalFee = 0;
        const targetField = tt >= Date.UTC(2025, 11, 1);
        for (const a of picked) {
          const amount = ctx.bal.spot[a] as number;
          const gross = unitsWorth(ctx, bnb, usdOf(ctx, a, amount, tt), tt);
          const fee = Math.floor(gross * 0.02);
          const net = gross - fee;
          if (net <= 0) continue;
          move(ctx, 'spot', a, -amount);
          move(ctx, 'spot', bnb, net);
          totalTo += net;
          totalFee += fee;
          dustDetailId += r.int(1, 500);
          details.push({
            transId: dustDetailId,
            serviceChargeAmount: fmtShort(fee),
            amount: fmtShort(amount),
            operateTime: tt,
            transferedAmount: fmtShort(net),
            fromAsset: assets[a]!,
            ...(targetField ? { targetAsset: 'BNB' } : {}),
          });
        }
        if (details.length === 0) return;
        dribblets.push({
          raw: {
            operateTime: tt,
            totalTransferedAmount: fmtShort(totalTo),
            totalServiceChargeAmount: fmtShort(totalFee),
            transId: 45178372831 + dribblets.length * 1009 + r.int(0, 999),
            userAssetDribbletDetails: details,
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  // ---- Simple Earn --------------------------------------------------------------------------------
  const flexAssets = ['USDT', 'BTC', 'ETH', 'BNB', 'FDUSD', 'SOL'].filter((a) => assetSet.has(a));
  const flexApr = new Map(flexAssets.map((a) => [A(a), 0.01 + erng.next() * 0.08]));
  const flexCum = new Map<number, { bonus: number; realtime: number; total: number; yesterday: number }>();
  let purchaseSeq = 26055;
  let redeemSeq = 40607;
  const earnStart = Math.max(createdAt + 20 * DAY, Date.UTC(2020, 0, 1));
  for (let i = 0; i < spec.flexibleSubscriptions; i++) {
    events.push({
      t: at(earnStart),
      run: (tt) => {
        const asset = A(r.pick(flexAssets));
        const amount = Math.floor((ctx.bal.spot[asset] as number) * (0.2 + r.next() * 0.3));
        if (amount <= 0 || usdOf(ctx, asset, amount, tt) < 5) return;
        move(ctx, 'spot', asset, -amount);
        move(ctx, 'earn_flexible', asset, amount);
        flexibleSubscriptions.push({
          raw: {
            amount: fmt8(amount),
            asset: assets[asset]!,
            time: tt,
            purchaseId: purchaseSeq++,
            productId: `${assets[asset]}001`,
            type: r.chance(0.7) ? 'NORMAL' : 'AUTO',
            sourceAccount: 'SPOT',
            status: 'SUCCESS',
          },
          routes: ALL_ROUTES,
        });
      },
    });
    events.push({
      t: at(earnStart + 30 * DAY),
      run: (tt) => {
        const asset = A(r.pick(flexAssets));
        const pos = ctx.bal.earn_flexible[asset] as number;
        if (pos <= 0) return;
        const amount = r.chance(0.3) ? pos : Math.floor(pos * (0.2 + r.next() * 0.5));
        if (amount <= 0) return;
        move(ctx, 'earn_flexible', asset, -amount);
        move(ctx, 'spot', asset, amount);
        flexibleRedemptions.push({
          raw: {
            amount: fmt8(amount),
            asset: assets[asset]!,
            time: tt,
            projectId: `${assets[asset]}001`,
            redeemId: redeemSeq++,
            destAccount: 'SPOT',
            status: 'PAID',
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  interface LockedPos {
    positionId: number;
    asset: number;
    amount: number;
    start: number;
    days: number;
    projectId: string;
    apy: number;
    boost: boolean;
    extra: boolean;
    rewardsPaid: number;
    boostPaid: number;
  }
  const lockedOpen: LockedPos[] = [];
  const lockedAssets = ['BNB', 'ETH', 'SOL', 'DOT', 'ADA', 'AXS', 'ATOM'].filter((a) => assetSet.has(a));
  let positionSeq = 123123;
  for (let i = 0; i < spec.lockedSubscriptions; i++) {
    events.push({
      t: at(earnStart, asOf - 5 * DAY),
      run: (tt) => {
        const asset = A(r.pick(lockedAssets));
        const amount = Math.floor((ctx.bal.spot[asset] as number) * (0.2 + r.next() * 0.4));
        if (amount <= 0 || usdOf(ctx, asset, amount, tt) < 5) return;
        const days = r.pick([30, 60, 90, 120]);
        move(ctx, 'spot', asset, -amount);
        move(ctx, 'earn_locked', asset, amount);
        positionSeq += r.int(1, 5000);
        const pos: LockedPos = {
          positionId: positionSeq,
          asset,
          amount,
          start: tt,
          days,
          projectId: `${assets[asset]!.slice(0, 1)}${assets[asset]!.slice(1).toLowerCase()}*${days}`,
          apy: 0.02 + r.next() * 0.2,
          boost: r.chance(0.3),
          extra: r.chance(0.2),
          rewardsPaid: 0,
          boostPaid: 0,
        };
        lockedOpen.push(pos);
        lockedSubscriptions.push({
          raw: {
            positionId: pos.positionId,
            purchaseId: String(purchaseSeq++),
            projectId: pos.projectId,
            time: tt,
            asset: assets[asset]!,
            amount: fmtShort(amount),
            lockPeriod: String(days),
            type: r.chance(0.8) ? 'NORMAL' : 'AUTO',
            sourceAccount: 'SPOT',
            status: 'SUCCESS',
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  // Reward ticks: flexible rewards compound into the position, locked rewards go to spot, matured
  // locked positions are redeemed to spot.
  const tickEvery = spec.rewardEveryDays * DAY;
  for (let tick = Math.ceil(earnStart / DAY) * DAY; tick < asOf; tick += tickEvery) {
    events.push({
      t: tick,
      run: (tt) => {
        for (const asset of flexApr.keys()) {
          const pos = ctx.bal.earn_flexible[asset] as number;
          if (pos <= 0) continue;
          const realtime = Math.floor((pos * (flexApr.get(asset) as number) * spec.rewardEveryDays) / 365);
          const cum = flexCum.get(asset) ?? { bonus: 0, realtime: 0, total: 0, yesterday: 0 };
          const pay = (type: RawFlexibleReward['type'], units: number): void => {
            if (units <= 0) return;
            move(ctx, 'earn_flexible', asset, units);
            flexibleRewards.push({
              raw: {
                asset: assets[asset]!,
                rewards: fmt8(units),
                projectId: `${assets[asset]}001`,
                type,
                time: tt,
              },
              routes: ALL_ROUTES,
            });
          };
          pay('REALTIME', realtime);
          cum.realtime += Math.max(0, realtime);
          cum.yesterday = Math.max(0, realtime);
          if (r.chance(0.3)) {
            const bonus = Math.floor(realtime * 0.2);
            pay('BONUS', bonus);
            cum.bonus += Math.max(0, bonus);
          }
          if (r.chance(0.05)) {
            const historical = Math.floor(realtime * 0.1);
            pay('REWARDS', historical);
          }
          cum.total = cum.bonus + cum.realtime;
          flexCum.set(asset, cum);
        }
        for (let k = lockedOpen.length - 1; k >= 0; k--) {
          const pos = lockedOpen[k]!;
          const end = pos.start + pos.days * DAY;
          const reward = Math.floor((pos.amount * pos.apy * spec.rewardEveryDays) / 365);
          if (tt > pos.start && reward > 0) {
            move(ctx, 'spot', pos.asset, reward);
            pos.rewardsPaid += reward;
            lockedRewards.push({
              raw: {
                positionId: pos.positionId,
                time: tt,
                asset: assets[pos.asset]!,
                lockPeriod: String(pos.days),
                amount: fmtShort(reward),
                type: 'Locked Rewards',
              },
              routes: ALL_ROUTES,
            });
            if (pos.boost) {
              const boost = Math.floor(reward * 0.25);
              if (boost > 0) {
                move(ctx, 'spot', pos.asset, boost);
                pos.boostPaid += boost;
                lockedRewards.push({
                  raw: {
                    positionId: String(pos.positionId),
                    time: tt,
                    asset: assets[pos.asset]!,
                    amount: fmtShort(boost),
                    type: 'Boost Rewards',
                  },
                  routes: ALL_ROUTES,
                });
              }
            }
            if (pos.extra) {
              const bnb = A('BNB');
              const extra = unitsWorth(ctx, bnb, usdOf(ctx, pos.asset, reward, tt) * 0.1, tt);
              if (extra > 0) {
                move(ctx, 'spot', bnb, extra);
                lockedRewards.push({
                  raw: {
                    positionId: pos.positionId,
                    time: tt,
                    asset: 'BNB',
                    lockPeriod: String(pos.days),
                    amount: fmtShort(extra),
                    type: 'Extra Rewards',
                  },
                  routes: ALL_ROUTES,
                });
              }
            }
          }
          if (tt >= end) {
            move(ctx, 'earn_locked', pos.asset, -pos.amount);
            move(ctx, 'spot', pos.asset, pos.amount);
            lockedRedemptions.push({
              raw: {
                positionId: String(pos.positionId),
                redeemId: redeemSeq++,
                time: tt,
                asset: assets[pos.asset]!,
                lockPeriod: String(pos.days),
                amount: fmtShort(pos.amount),
                originalAmount: fmtShort(pos.amount),
                type: 'MATURE',
                deliverDate: String(tt),
                status: 'PAID',
              },
              routes: ALL_ROUTES,
            });
            lockedOpen.splice(k, 1);
          }
        }
      },
    });
  }

  // ---- Auto-Invest ---------------------------------------------------------------------------------
  let aiExecSeq = 1111;
  const aiStart = Math.max(createdAt + 30 * DAY, Date.UTC(2021, 6, 1));
  for (let p = 0; p < spec.autoInvestPlans; p++) {
    const planId = 1234 + p * 17;
    const created = at(aiStart, asOf - 60 * DAY);
    const portfolio = p % 2 === 1;
    const targets = portfolio ? ['BTC', 'ETH'] : [r.pick(['BTC', 'ETH', 'BNB', 'SOL'])];
    const subscriptionUnits = erng.int(2, 20) * 5 * UNIT;
    const ended = erng.chance(0.3);
    const endAt = ended ? created + Math.floor((asOf - created) * 0.6) : asOf;
    const planType = portfolio ? 'PORTFOLIO' : 'SINGLE';
    const usdt = A('USDT');
    const invested = { units: 0, target: new Map<string, number>() };
    let last = created;
    for (let t = created + DAY; t < endAt; t += 7 * DAY) {
      events.push({
        t,
        run: (tt) => {
          last = tt;
          for (const target of targets) {
            const share = Math.floor(subscriptionUnits / targets.length);
            const fee = Math.floor(share * 0.001);
            const ok = (ctx.bal.spot[usdt] as number) >= share + fee;
            const ti = A(target);
            const got = ok ? unitsWorth(ctx, ti, usdOf(ctx, usdt, share, tt), tt) : 0;
            if (ok && got > 0) {
              move(ctx, 'spot', usdt, -(share + fee));
              move(ctx, 'spot', ti, got);
              invested.units += share;
              invested.target.set(target, (invested.target.get(target) ?? 0) + got);
            }
            const success = ok && got > 0;
            autoInvestExecutions.push({
              raw: {
                id: aiExecSeq++,
                targetAsset: target,
                planType,
                planName: portfolio ? 'Big Two' : target,
                planId,
                transactionDateTime: tt,
                transactionStatus: success ? 'SUCCESS' : 'FAILED',
                failedType: success ? '' : 'INSUFFICIENT_BALANCE',
                sourceAsset: 'USDT',
                sourceAssetAmount: fmtShort(share),
                targetAssetAmount: fmtShort(got),
                sourceWallet: 'SPOT_WALLET',
                flexibleUsed: 'false',
                transactionFee: fmtShort(success ? fee : 0),
                transactionFeeUnit: 'USDT',
                executionPrice: success ? fmtShort(Math.round((share / got) * UNIT)) : '0',
                executionType: 'RECURRING',
                subscriptionCycle: 'WEEKLY',
              },
              routes: ALL_ROUTES,
              feeRow: tt >= asOf - AUTO_INVEST_FEE_ROWS_DAYS * DAY,
            });
          }
        },
      });
    }
    // The plan's summary is filled in after the stream has run (its totals depend on it).
    events.push({
      t: asOf - 1,
      run: () => {
        const targetAsset = targets.join(',');
        const totalTarget = [...invested.target.values()].reduce((a, b) => a + b, 0);
        autoInvestPlans.push({
          raw: {
            planId,
            planType,
            editAllowed: ended ? 'false' : 'true',
            creationDateTime: created,
            firstExecutionDateTime: created + DAY,
            nextExecutionDateTime: ended ? 0 : last + 7 * DAY,
            status: ended ? 'REMOVED' : 'ONGOING',
            lastUpdatedDateTime: last,
            targetAsset,
            totalTargetAmount: fmtShort(totalTarget),
            sourceAsset: 'USDT',
            totalInvestedInUSD: fmtShort(invested.units),
            subscriptionAmount: fmtShort(subscriptionUnits),
            subscriptionCycle: 'WEEKLY',
            subscriptionStartDay: '',
            subscriptionStartWeekday: 'MON',
            subscriptionStartTime: '8',
            sourceWallet: 'SPOT_WALLET',
            flexibleAllowedToUse: 'false',
            planValueInUSD: fmtShort(invested.units),
            pnlInUSD: '0',
            roi: '0',
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  // ---- P2P, fiat, dividends, wallet transfers ------------------------------------------------------
  const p2pStart = Math.max(createdAt + 30 * DAY, Date.UTC(2020, 5, 10));
  let p2pSeq = 0n;
  for (let i = 0; i < spec.p2pOrders; i++) {
    events.push({
      t: at(p2pStart),
      run: (tt) => {
        const asset = A(r.pick(['USDT', 'USDT', 'BTC', 'ETH']));
        const fiat = r.pick(['EUR', 'USD', 'GBP', 'BRL']);
        const unitPrice =
          (usd(ctx, asset, tt) / (fiat === 'EUR' ? 1.08 : fiat === 'GBP' ? 1.25 : fiat === 'BRL' ? 0.2 : 1)) *
          1.01;
        let side: 'BUY' | 'SELL' = r.chance(0.6) ? 'BUY' : 'SELL';
        const maker = r.chance(0.3);
        let amount = unitsWorth(ctx, asset, r.logUniform(50, 3000), tt);
        let commission = maker ? Math.floor(amount * 0.001) : 0;
        if (side === 'SELL' && (ctx.bal.funding[asset] as number) < amount + commission) {
          const available = ctx.bal.funding[asset] as number;
          if (available > 1000) {
            amount = Math.floor(available * 0.5);
            commission = maker ? Math.floor(amount * 0.001) : 0;
          } else side = 'BUY';
        }
        const roll = r.next();
        const status = roll < 0.08 ? 'CANCELLED' : roll < 0.1 ? 'CANCELLED_BY_SYSTEM' : 'COMPLETED';
        if (status === 'COMPLETED') {
          if (side === 'BUY') {
            move(ctx, 'funding', asset, amount);
            move(ctx, 'funding', asset, -commission);
          } else move(ctx, 'funding', asset, -(amount + commission));
        }
        p2pSeq++;
        const totalPrice = (amount / UNIT) * unitPrice;
        c2cOrders.push({
          raw: {
            orderNumber: (20219644646554779648n + p2pSeq * 1_000_000_000_007n).toString(),
            advNo: (11218246497340923904n + p2pSeq * 999_999_937n).toString(),
            tradeType: side,
            asset: assets[asset]!,
            fiat,
            fiatSymbol: fiat === 'EUR' ? '€' : fiat === 'GBP' ? '£' : fiat === 'BRL' ? 'R$' : '$',
            amount: fmt8(amount),
            totalPrice: fmt8(Math.round(totalPrice * 100) * 1_000_000),
            unitPrice: unitPrice.toFixed(2),
            orderStatus: status,
            createTime: tt,
            commission: fmtShort(commission),
            counterPartNickName: `${String.fromCharCode(97 + r.int(0, 25))}${String.fromCharCode(97 + r.int(0, 25))}***`,
            advertisementRole: maker ? 'MAKER' : 'TAKER',
            payMethodName: r.pick(['BANK', 'SEPA', 'Revolut', 'Wise']),
            additionalKycVerify: 0,
            takerCommissionRate: '0',
            takerCommission: '0',
            takerAmount: fmt8(amount),
          },
          // The API only reaches back 6 months.
          routes: tt >= asOf - 182 * DAY ? ALL_ROUTES : NO_API,
        });
      },
    });
  }

  const eur = A('EUR');
  const fiatStart = Math.max(createdAt + 20 * DAY, Date.UTC(2019, 9, 1));
  for (let i = 0; i < spec.fiatOrders; i++) {
    const withdraw = i % 3 === 2;
    events.push({
      t: at(fiatStart),
      run: (tt) => {
        let amount: number;
        let fee: number;
        if (withdraw) {
          const balance = ctx.bal.spot[eur] as number;
          fee = 100 * 1_000_000; // 1.00 EUR
          amount = Math.floor(((balance - fee) * (0.2 + r.next() * 0.5)) / 1_000_000) * 1_000_000;
          if (amount <= 0) return;
        } else {
          amount = r.int(50, 5000) * UNIT;
          fee = Math.floor((amount * 0.01) / 1_000_000) * 1_000_000;
        }
        const roll = r.next();
        const status =
          roll < 0.06 ? 'Failed' : roll < 0.1 ? 'Expired' : r.chance(0.5) ? 'Successful' : 'Finished';
        const ok = status === 'Successful' || status === 'Finished';
        if (ok) move(ctx, 'spot', eur, withdraw ? -(amount + fee) : amount - fee);
        fiatOrders.push({
          transactionType: withdraw ? 1 : 0,
          raw: {
            orderNo: uuidFor(r),
            fiatCurrency: 'EUR',
            indicatedAmount: fmtFixed(withdraw ? amount + fee : amount, 2),
            amount: fmtFixed(amount, 2),
            totalFee: fmtFixed(fee, 2),
            method: r.pick(['BankAccount', 'SEPA', 'card']),
            status,
            createTime: tt,
            updateTime: tt + r.int(60_000, 3 * DAY),
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }
  for (let i = 0; i < spec.fiatPayments; i++) {
    events.push({
      t: at(fiatStart + DAY),
      run: (tt) => {
        const crypto = A(r.pick(['BTC', 'ETH', 'BNB', 'USDT']));
        let sell = r.chance(0.3);
        let source = r.int(20, 1000) * UNIT;
        if (!sell && (ctx.bal.spot[eur] as number) < source) {
          const half = Math.floor((ctx.bal.spot[eur] as number) / 2 / 1_000_000) * 1_000_000;
          if (half >= UNIT) source = half;
          else sell = true;
        }
        let fee = Math.floor((source * 0.02) / 1_000_000) * 1_000_000;
        const price = usd(ctx, crypto, tt) / 1.08;
        let obtain = Math.floor((source - fee) / price);
        if (sell) {
          obtain = Math.min(obtain, Math.floor((ctx.bal.spot[crypto] as number) * 0.5));
          source = Math.floor((obtain * price) / 1_000_000) * 1_000_000;
          fee = Math.floor((source * 0.02) / 1_000_000) * 1_000_000;
          if (obtain <= 0 || source <= fee) return;
        }
        const roll = r.next();
        const status = roll < 0.08 ? 'Failed' : 'Completed';
        if (status === 'Completed') {
          if (sell) {
            move(ctx, 'spot', crypto, -obtain);
            move(ctx, 'spot', eur, source - fee);
          } else {
            move(ctx, 'spot', eur, -source);
            move(ctx, 'spot', crypto, obtain);
          }
        }
        fiatPayments.push({
          transactionType: sell ? 1 : 0,
          raw: {
            orderNo: r.hex(32),
            sourceAmount: fmtFixed(source, 2),
            fiatCurrency: 'EUR',
            obtainAmount: fmtShort(obtain),
            cryptoCurrency: assets[crypto]!,
            totalFee: fmtFixed(fee, 2),
            price: price.toFixed(6),
            status,
            ...(sell ? {} : { paymentMethod: 'Cash Balance' }),
            createTime: tt,
            updateTime: tt + r.int(1000, 600_000),
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  let dividendSeq = 0;
  for (let i = 0; i < spec.dividends; i++) {
    events.push({
      t: at(createdAt + 5 * DAY),
      run: (tt) => {
        const s = pickActiveSymbol(tt);
        const asset = s >= 0 ? (symBase[s] as number) : A('BNB');
        const out = r.chance(0.03) && (ctx.bal.spot[asset] as number) > 0;
        const amount = out
          ? Math.floor((ctx.bal.spot[asset] as number) * 0.01)
          : unitsWorth(ctx, asset, r.logUniform(0.5, 200), tt);
        if (amount <= 0) return;
        move(ctx, 'spot', asset, out ? -amount : amount);
        dividendSeq++;
        dividends.push({
          raw: {
            id: 1637366104 + dividendSeq * 97,
            amount: fmt8(amount),
            asset: assets[asset]!,
            divTime: tt,
            enInfo: out
              ? `${assets[asset]} distribution adjustment`
              : r.pick([
                  `${assets[asset]} distribution`,
                  'Launchpool',
                  'BNB Vault',
                  'Airdrop Assets',
                  'HODLer Airdrops',
                ]),
            tranId: 2968885920 + dividendSeq * 113,
            direction: out ? -1 : 1,
          },
          routes: ALL_ROUTES,
        });
      },
    });
  }

  let tranSeq = 0;
  for (let i = 0; i < spec.universalTransfers; i++) {
    events.push({
      t: at(Math.max(createdAt + 30 * DAY, Date.UTC(2020, 0, 1))),
      run: (tt) => {
        const toFunding = r.chance(0.5);
        const from: WalletName = toFunding ? 'spot' : 'funding';
        const asset = pickHolding(tt, from, 1);
        if (asset < 0) return;
        const amount = Math.floor((ctx.bal[from][asset] as number) * (0.2 + r.next() * 0.8));
        if (amount <= 0) return;
        const status = r.chance(0.03) ? 'FAILED' : 'CONFIRMED';
        if (status === 'CONFIRMED') {
          move(ctx, from, asset, -amount);
          move(ctx, toFunding ? 'funding' : 'spot', asset, amount);
        }
        tranSeq++;
        universalTransfers.push({
          raw: {
            asset: assets[asset]!,
            amount: fmtShort(amount),
            type: toFunding ? 'MAIN_FUNDING' : 'FUNDING_MAIN',
            status,
            tranId: 11415955596 + tranSeq * 1013,
            timestamp: tt,
          },
          // The exports' transaction history lists only completed transfers: a failed one is the API's
          // (within its 6-month reach) and the web history's alone.
          routes:
            status === 'FAILED'
              ? { api: tt >= asOf - 182 * DAY, web: true, csv: false }
              : tt >= asOf - 182 * DAY
                ? ALL_ROUTES
                : NO_API,
        });
      },
    });
  }

  // Round trips through isolated margin within the transfer history's reach (the last 6 months): spot ->
  // isolated S1 -> isolated S2 -> cross margin -> isolated S1 -> spot, one asset of both pairs, every
  // isolated-margin type of the universal-transfer endpoint once. Each round trip runs inside one event
  // and nets to zero per wallet, so no balance any other event sees changes; drawn from their own stream
  // (times included), they leave every other record unchanged. The rows name no symbol: the symbols sit
  // beside them (the query's fromSymbol/toSymbol). API only: the web history and CSV exports of the
  // sandbox do not label isolated-margin transfers.
  const irng = root.fork('isolated-margin');
  const isolatedTrips = 1 + Math.floor(spec.universalTransfers / 200);
  let isoSeq = 0;
  for (let i = 0; i < isolatedTrips; i++) {
    events.push({
      t: asOf - irng.int(20, 150) * DAY - irng.int(0, DAY - 1),
      run: (tt) => {
        const marginable = (s: number): boolean =>
          symbols[s]!.listed &&
          symbols[s]!.status === 'TRADING' &&
          symbols[s]!.permissionSets.some((p) => p.includes('MARGIN')) &&
          (listAt[s] as number) <= tt &&
          tt < (delistAt[s] as number);
        const heldUsd = (a: number): number => usdOf(ctx, a, ctx.bal.spot[a] as number, tt);
        const pairs = symbols.map((_, s) => s).filter(marginable);
        const withHeld = pairs.filter(
          (s) => heldUsd(symBase[s] as number) >= 20 || heldUsd(symQuote[s] as number) >= 20,
        );
        if (withHeld.length === 0) return;
        const s1 = withHeld[irng.int(0, withHeld.length - 1)] as number;
        const asset =
          heldUsd(symQuote[s1] as number) >= 20 ? (symQuote[s1] as number) : (symBase[s1] as number);
        const others = pairs.filter((s) => s !== s1 && (symBase[s] === asset || symQuote[s] === asset));
        const s2 = others.length > 0 ? (others[irng.int(0, others.length - 1)] as number) : undefined;
        const amount = Math.floor((ctx.bal.spot[asset] as number) * (0.05 + irng.next() * 0.2));
        if (amount <= 0) return;
        const sym1 = symbols[s1]!.symbol;
        const sym2 = s2 === undefined ? undefined : symbols[s2]!.symbol;
        const legs: Array<{ type: string; fromSymbol?: string; toSymbol?: string }> = [
          { type: 'MAIN_ISOLATED_MARGIN', toSymbol: sym1 },
          ...(sym2 === undefined
            ? [{ type: 'ISOLATEDMARGIN_MARGIN', fromSymbol: sym1 }]
            : [
                { type: 'ISOLATEDMARGIN_ISOLATEDMARGIN', fromSymbol: sym1, toSymbol: sym2 },
                { type: 'ISOLATEDMARGIN_MARGIN', fromSymbol: sym2 },
              ]),
          { type: 'MARGIN_ISOLATEDMARGIN', toSymbol: sym1 },
          { type: 'ISOLATED_MARGIN_MAIN', fromSymbol: sym1 },
        ];
        let when = tt;
        for (const leg of legs) {
          isoSeq++;
          universalTransfers.push({
            raw: {
              asset: assets[asset]!,
              amount: fmtShort(amount),
              type: leg.type,
              status: 'CONFIRMED',
              tranId: 11_600_000_000 + isoSeq * 977,
              timestamp: when,
            },
            routes: { api: true, web: false, csv: false },
            ...(leg.fromSymbol ? { fromSymbol: leg.fromSymbol } : {}),
            ...(leg.toSymbol ? { toSymbol: leg.toSymbol } : {}),
          });
          when += irng.int(30, 900) * 1000;
        }
      },
    });
  }

  // ---- helpers that need the symbol table -----------------------------------------------------------
  function pickActiveSymbol(t: number): number {
    for (let k = 0; k < 8; k++) {
      const s = r.chance(0.5) ? r.int(0, Math.min(6, symbols.length - 1)) : r.int(0, symbols.length - 1);
      if ((listAt[s] as number) <= t && t < (delistAt[s] as number)) return s;
    }
    return -1;
  }

  /** An asset held in `wallet` worth at least `minUsd`, or -1. */
  function pickHolding(t: number, wallet: WalletName, minUsd: number): number {
    const arr = ctx.bal[wallet];
    const start = r.int(0, n - 1);
    for (let k = 0; k < n; k++) {
      const a = (start + k) % n;
      if ((arr[a] as number) > 0 && assets[a] !== 'EUR' && usdOf(ctx, a, arr[a] as number, t) >= minUsd)
        return a;
    }
    return -1;
  }

  // ---- the order stream, interleaved with the scheduled events -----------------------------------
  events.sort((a, b) => a.t - b.t);
  const trades = new TradeBuilder(Math.ceil(spec.trades * 1.3));
  const orders = new OrderBuilder();
  const nextTradeId = symbols.map(() => r.int(1000, 5_000_000));
  const nextOrderId = symbols.map(() => r.int(10_000, 50_000_000));
  const lastOrderTime = symbols.map(() => 0);
  const bnb = A('BNB');
  const tradeStart = createdAt + 3 * DAY;
  // 1.8 fills per order on average; a margin so skipped attempts still reach the target.
  const orderCount = Math.ceil((spec.trades / 1.8) * 1.25);
  const gap = (asOf - tradeStart) / orderCount;
  let evIndex = 0;
  let t = tradeStart;
  const LIMIT = ORDER_TYPES.indexOf('LIMIT');
  const MARKET = ORDER_TYPES.indexOf('MARKET');
  const LIMIT_MAKER = ORDER_TYPES.indexOf('LIMIT_MAKER');
  const FILLED = ORDER_STATUSES.indexOf('FILLED');
  const CANCELED = ORDER_STATUSES.indexOf('CANCELED');
  const EXPIRED = ORDER_STATUSES.indexOf('EXPIRED');
  const NEW = ORDER_STATUSES.indexOf('NEW');
  const archiveBefore = asOf - 90 * DAY;
  for (let o = 0; o < orderCount; o++) {
    t += Math.max(1, Math.floor(gap * (0.2 + r.next() * 1.6)));
    if (t >= asOf - 1) t = asOf - 1 - r.int(0, DAY);
    while (evIndex < events.length && events[evIndex]!.t <= t) {
      const ev = events[evIndex++]!;
      ev.run(ev.t);
    }
    const s = pickActiveSymbol(t);
    if (s < 0) continue;
    const tt = Math.max(t, (lastOrderTime[s] as number) + 1);
    if (tt >= asOf) continue;
    const base = symBase[s] as number;
    const quote = symQuote[s] as number;
    const price = Math.max(1, Math.round((usd(ctx, base, tt) / usd(ctx, quote, tt)) * UNIT));
    const routesBits = (symbols[s]!.listed ? ROUTE_API : 0) | ROUTE_WEB | ROUTE_CSV;
    const typeRoll = r.next();
    const type = typeRoll < 0.6 ? LIMIT : typeRoll < 0.9 ? MARKET : LIMIT_MAKER;

    // Orders that never filled: canceled or expired, archived after 90 days.
    if (r.chance(0.12)) {
      const orderId = (nextOrderId[s] as number) + r.int(1, 40);
      nextOrderId[s] = orderId;
      lastOrderTime[s] = tt;
      const update = Math.min(asOf - 1, tt + r.int(60_000, 3 * DAY));
      const status = r.chance(0.8) ? CANCELED : EXPIRED;
      const archived = update < archiveBefore;
      orders.push({
        symbol: s,
        orderId,
        time: tt,
        updateTime: update,
        price: type === MARKET ? 0 : price,
        origQty: Math.max(1, unitsWorth(ctx, base, r.logUniform(10, 2000), tt)),
        executedQty: 0,
        cummulativeQuoteQty: 0,
        type,
        status,
        side: r.chance(0.5) ? 0 : 1,
        routes: archived ? routesBits & ~ROUTE_API : routesBits,
      });
      continue;
    }

    let buy = r.chance(0.5);
    const value = r.logUniform(10, 3000);
    let qty = 0;
    if (buy) {
      const spend = Math.min(
        unitsWorth(ctx, quote, value, tt),
        Math.floor((ctx.bal.spot[quote] as number) * 0.3),
      );
      qty = Math.floor((spend / price) * UNIT);
      if (qty <= 0 || mulUnits(price, qty) <= 0) buy = false;
    }
    if (!buy) {
      const held = ctx.bal.spot[base] as number;
      qty = r.chance(0.15)
        ? Math.floor(held * 0.995)
        : Math.min(unitsWorth(ctx, base, value, tt), Math.floor(held * (0.2 + r.next() * 0.8)));
      if (qty <= 0 || mulUnits(price, qty) <= 0) continue;
    }
    const fills = r.int(1, 3);
    const orderId = (nextOrderId[s] as number) + r.int(1, 40);
    nextOrderId[s] = orderId;
    lastOrderTime[s] = tt;
    const maker = type === LIMIT_MAKER ? true : type === MARKET ? false : r.chance(0.5);
    let executed = 0;
    let cumQuote = 0;
    let remaining = qty;
    for (let f = 0; f < fills && remaining > 0; f++) {
      const fillQty =
        f === fills - 1 ? remaining : Math.max(1, Math.floor(remaining * (0.3 + r.next() * 0.5)));
      remaining -= fillQty;
      const quoteQty = mulUnits(price, fillQty);
      if (quoteQty <= 0) continue;
      // Pay the fee in BNB when there is enough BNB (the 25% discount), else in the received asset.
      const feeBnb = Math.floor(unitsWorth(ctx, bnb, usdOf(ctx, quote, quoteQty, tt), tt) * 0.00075);
      let feeAsset: number;
      let fee: number;
      const needBnb = feeBnb + (buy && quote === bnb ? quoteQty : 0);
      if (
        feeBnb > 0 &&
        (ctx.bal.spot[bnb] as number) >= needBnb &&
        r.chance(0.7) &&
        !(!buy && base === bnb)
      ) {
        feeAsset = bnb;
        fee = feeBnb;
      } else {
        feeAsset = buy ? base : quote;
        fee = Math.floor((buy ? fillQty : quoteQty) * 0.001);
      }
      if (buy) {
        if ((ctx.bal.spot[quote] as number) < quoteQty) break;
        move(ctx, 'spot', quote, -quoteQty);
        move(ctx, 'spot', base, fillQty);
      } else {
        if ((ctx.bal.spot[base] as number) < fillQty) break;
        move(ctx, 'spot', base, -fillQty);
        move(ctx, 'spot', quote, quoteQty);
      }
      if ((ctx.bal.spot[feeAsset] as number) < fee) {
        fee = 0;
      }
      move(ctx, 'spot', feeAsset, -fee);
      const id = (nextTradeId[s] as number) + r.int(1, 30);
      nextTradeId[s] = id;
      trades.push({
        symbol: s,
        id,
        orderId,
        time: tt,
        price,
        qty: fillQty,
        quoteQty,
        commission: fee,
        commissionAsset: feeAsset,
        flags: (buy ? 1 : 0) | (maker ? 2 : 0) | 4,
        routes: routesBits,
      });
      executed += fillQty;
      cumQuote += quoteQty;
    }
    if (executed === 0) continue;
    const partialCancel = type !== MARKET && r.chance(0.05);
    orders.push({
      symbol: s,
      orderId,
      time: tt,
      updateTime: tt,
      price: type === MARKET ? 0 : price,
      origQty: partialCancel ? executed * 2 : executed,
      executedQty: executed,
      cummulativeQuoteQty: cumQuote,
      type,
      status: partialCancel ? CANCELED : FILLED,
      side: buy ? 0 : 1,
      routes: routesBits,
    });
  }
  while (evIndex < events.length) {
    const ev = events[evIndex++]!;
    ev.run(ev.t);
  }

  // Open orders at the snapshot lock part of the spot balance.
  const orng = root.fork('open-orders');
  for (let k = 0; k < spec.openOrders; k++) {
    const s = orng.int(0, symbols.length - 1);
    if (!symbols[s]!.listed) continue;
    const base = symBase[s] as number;
    const quote = symQuote[s] as number;
    const tt = Math.max((lastOrderTime[s] as number) + 1, asOf - orng.int(1, 20) * DAY);
    if (tt >= asOf) continue;
    const buy = orng.chance(0.5);
    const mid = (usd(ctx, base, tt) / usd(ctx, quote, tt)) * UNIT;
    const price = Math.max(1, Math.round(mid * (buy ? 0.9 : 1.1)));
    let qty: number;
    let lock: number;
    let lockAsset: number;
    if (buy) {
      const budget = Math.floor((ctx.bal.spot[quote] as number) * 0.1);
      qty = Math.floor((budget / price) * UNIT);
      lock = mulUnits(price, qty);
      lockAsset = quote;
    } else {
      qty = Math.floor((ctx.bal.spot[base] as number) * 0.1);
      lock = qty;
      lockAsset = base;
    }
    if (qty <= 0 || lock <= 0) continue;
    move(ctx, 'spot', lockAsset, -lock);
    ctx.spotLocked[lockAsset] = (ctx.spotLocked[lockAsset] as number) + lock;
    const orderId = (nextOrderId[s] as number) + orng.int(1, 40);
    nextOrderId[s] = orderId;
    lastOrderTime[s] = tt;
    orders.push({
      symbol: s,
      orderId,
      time: tt,
      updateTime: tt,
      price,
      origQty: qty,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      type: LIMIT,
      status: NEW,
      side: buy ? 0 : 1,
      routes: ROUTE_API | ROUTE_WEB | ROUTE_CSV,
    });
  }

  // ---- routes that depend on the whole history -----------------------------------------------------
  dribblets.sort((a, b) => a.raw.operateTime - b.raw.operateTime);
  const lastHundred = dribblets.length - 100;
  dribblets.forEach((d, i) => {
    if (i < lastHundred || d.raw.operateTime < DUST_API_FROM) d.routes = NO_API;
  });

  // ---- snapshot ---------------------------------------------------------------------------------------
  const balances: SandboxAccount['balances'] = [];
  for (let a = 0; a < n; a++) {
    const asset = assets[a]!;
    balances.push({
      wallet: 'spot',
      asset,
      free: fmt8(ctx.bal.spot[a] as number),
      locked: fmt8(ctx.spotLocked[a] as number),
    });
    for (const wallet of ['funding', 'earn_flexible', 'earn_locked'] as const) {
      const v = ctx.bal[wallet][a] as number;
      if (v > 0) balances.push({ wallet, asset, free: fmt8(v), locked: fmt8(0) });
    }
  }
  const funding: SandboxAccount['funding'] = [];
  for (let a = 0; a < n; a++) {
    const v = ctx.bal.funding[a] as number;
    if (v <= 0) continue;
    funding.push({
      raw: {
        asset: assets[a]!,
        free: fmt8(v),
        locked: '0',
        freeze: '0',
        withdrawing: '0',
        btcValuation: fmt8(unitsWorth(ctx, A('BTC'), usdOf(ctx, a, v, asOf), asOf)),
      },
      routes: ALL_ROUTES,
    });
  }
  const flexiblePositions: Entry<RawFlexiblePosition>[] = [];
  for (const [a, apr] of flexApr) {
    const v = ctx.bal.earn_flexible[a] as number;
    if (v <= 0) continue;
    const cum = flexCum.get(a) ?? { bonus: 0, realtime: 0, total: 0, yesterday: 0 };
    const asset = assets[a]!;
    flexiblePositions.push({
      raw: {
        totalAmount: fmt8(v),
        tierAnnualPercentageRate: {
          [`0-5${asset}`]: Math.round(apr * 1e4) / 1e4,
          [`5-10${asset}`]: Math.round(apr * 0.6 * 1e4) / 1e4,
        },
        latestAnnualPercentageRate: apr.toFixed(8),
        yesterdayAirdropPercentageRate: '0',
        asset,
        airDropAsset: asset,
        canRedeem: true,
        collateralAmount: '0',
        productId: `${asset}001`,
        yesterdayRealTimeRewards: fmt8(cum.yesterday),
        cumulativeBonusRewards: fmt8(cum.bonus),
        cumulativeRealTimeRewards: fmt8(cum.realtime),
        cumulativeTotalRewards: fmt8(cum.total),
        autoSubscribe: true,
      },
      routes: ALL_ROUTES,
    });
  }
  const lockedPositions: Entry<RawLockedPosition>[] = lockedOpen.map((pos) => {
    const end = pos.start + pos.days * DAY;
    const accrued = Math.max(0, Math.floor((asOf - pos.start) / DAY));
    const asset = assets[pos.asset]!;
    const total = Math.floor((pos.amount * pos.apy * pos.days) / 365);
    return {
      raw: {
        positionId: pos.positionId,
        parentPositionId: pos.positionId - 1,
        projectId: pos.projectId,
        asset,
        amount: fmt8(pos.amount),
        purchaseTime: pos.start,
        duration: String(pos.days),
        accrualDays: String(accrued),
        rewardAsset: asset,
        APY: pos.apy.toFixed(4),
        rewardAmt: fmt8(total),
        extraRewardAsset: 'BNB',
        extraRewardAPR: pos.extra ? '0.0203' : '0',
        estExtraRewardAmt: '0',
        boostRewardAsset: asset,
        boostApr: pos.boost ? (pos.apy * 0.25).toFixed(4) : '0',
        totalBoostRewardAmt: fmt8(pos.boostPaid),
        nextPay: fmt8(Math.floor((pos.amount * pos.apy * spec.rewardEveryDays) / 365)),
        nextPayDate: asOf + DAY,
        payPeriod: String(spec.rewardEveryDays),
        redeemAmountEarly: fmt8(pos.amount),
        rewardsEndDate: end,
        deliverDate: end + DAY,
        redeemPeriod: '1',
        redeemingAmt: '0',
        redeemTo: 'SPOT',
        partialAmtDeliverDate: end + DAY,
        canRedeemEarly: true,
        canFastRedemption: false,
        autoSubscribe: false,
        type: 'NORMAL',
        status: 'HOLDING',
        canReStake: false,
      },
      routes: ALL_ROUTES,
    };
  });

  // One listed symbol whose only orders never filled: canceled or expired within the last 90 days (so
  // not archived), buys of an asset the account never touched with a quote it holds. No trade, balance or
  // transfer names its base, so only an order probe over the pairs of the assets the account holds finds
  // it (the trade walk's both-assets rule cannot). Drawn from its own stream after every other record,
  // it changes none of them; the orders lock nothing at the snapshot.
  const crng = root.fork('canceled-only');
  const heldQuotes = QUOTES.filter((q) => assetIndex.has(q) && (ctx.bal.spot[A(q)] as number) > 0);
  if (heldQuotes.length > 0) {
    const quote = heldQuotes.includes('USDT') ? 'USDT' : heldQuotes[0]!;
    let base = '';
    while (!base || used.has(base) || base.startsWith('LD')) {
      base = '';
      for (let i = crng.int(3, 5); i > 0; i--) base += String.fromCharCode(65 + crng.int(0, 25));
    }
    used.add(base);
    const s = symbols.length;
    symbols.push({
      symbol: `${base}${quote}`,
      baseAsset: base,
      quoteAsset: quote,
      status: 'TRADING',
      listed: true,
      permissionSets: [['SPOT', 'MARGIN']],
      baseAssetPrecision: 8,
      quoteAssetPrecision: 8,
    });
    const quoteHeld = ctx.bal.spot[A(quote)] as number;
    let orderId = crng.int(10_000, 50_000_000);
    let tt = asOf - crng.int(40, 80) * DAY;
    for (let k = 0; k < 3; k++) {
      const price = Math.max(1, Math.round(crng.logUniform(0.01, 50) * UNIT));
      const qty = Math.max(1, Math.floor(((quoteHeld * 0.1) / price) * UNIT));
      orderId += crng.int(1, 5000);
      tt += crng.int(1, 10) * DAY + crng.int(0, DAY);
      orders.push({
        symbol: s,
        orderId,
        time: tt,
        updateTime: Math.min(asOf - 1, tt + crng.int(60_000, 3 * DAY)),
        price,
        origQty: qty,
        executedQty: 0,
        cummulativeQuoteQty: 0,
        type: LIMIT,
        status: k === 1 ? EXPIRED : CANCELED,
        side: 0,
        routes: ROUTE_API | ROUTE_WEB | ROUTE_CSV,
      });
    }
  }

  // The listed symbols the account never traded go after every traded one, so no trade or order row
  // indexes them; drawn from their own stream, they leave every other record unchanged.
  addListedUniverse(root.fork('universe'), {
    symbols,
    accountAssets: assets,
    reserved: new Set(DELISTED_BASES),
    listedTarget: options.listedSymbols ?? spec.listedSymbols,
  });

  const byTime =
    <T>(key: (x: T) => number) =>
    (a: T, b: T) =>
      key(a) - key(b);
  return {
    seed,
    profile,
    asOf,
    createdAt,
    uid: 354_937_868 + (seed % 1_000_000),
    quirks,
    assets,
    symbols,
    balances,
    funding,
    trades: trades.finish(symbols.length),
    orders: orders.finish(symbols.length),
    deposits: deposits.sort(byTime((e) => e.raw.insertTime)),
    withdrawals,
    converts,
    dribblets,
    flexiblePositions,
    lockedPositions,
    flexibleSubscriptions,
    flexibleRedemptions,
    flexibleRewards,
    lockedSubscriptions,
    lockedRedemptions,
    lockedRewards,
    autoInvestPlans,
    autoInvestExecutions,
    c2cOrders,
    fiatOrders,
    fiatPayments,
    dividends,
    universalTransfers,
    prices: { createdAt, usd0: ctx.usd0, amp: ctx.amp, period: ctx.period, phase: ctx.phase },
  };
}

function networkFor(coin: string): string {
  if (coin === 'BTC') return 'BTC';
  if (coin === 'ETH' || coin === 'LDO') return 'ETH';
  if (coin === 'BNB') return 'BSC';
  if (coin === 'USDT' || coin === 'FDUSD') return 'TRX';
  if (coin === 'SOL') return 'SOL';
  return 'BSC';
}

function addressFor(r: Prng, network: string): string {
  if (network === 'BTC') return `bc1q${r.hex(38)}`;
  if (network === 'TRX') return `T${r.hex(33)}`;
  if (network === 'SOL') return r.hex(44);
  return `0x${r.hex(40)}`;
}

function txHashFor(r: Prng, network: string): string {
  return network === 'BTC' || network === 'TRX' ? r.hex(64) : `0x${r.hex(64)}`;
}

function uuidFor(r: Prng): string {
  const h = r.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
