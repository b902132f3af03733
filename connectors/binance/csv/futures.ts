/**
 * The separate Futures export (`Date(UTC),type,Amount,Asset,Symbol,Transaction ID`): the futures wallets'
 * income history. Each row is one signed change in a futures wallet: a `balance_change` of category
 * `futures` (the category the statement gives the same movements, so the record is the same whichever file
 * came first; the export's type stays in `operation`), except `TRANSFER`, the futures side of a wallet
 * transfer, which is a `transfer` matched to the spot side's copy (statement twin rows or the API's
 * universal transfer). The export names no wallet: USDⓈ-M or COIN-M is decided from the symbol, else the
 * asset, and the basis is kept in `walletBasis`. Unknown types are quarantined, never rejected.
 *
 * Rebates and kickbacks (`REFERRAL_KICKBACK`, `COMMISSION_REBATE`, `API_REBATE`) are credits to a futures
 * wallet: `balance_change`s of category `futures` there, as are the statement's rebate rows of a futures
 * account (a `dividend` has no wallet and counts in spot). A statement row an earlier release stored as a
 * `dividend` is retired (removed when only CSV imports hold it) by whichever file is imported again.
 *
 * When the statement's copy was stored first, the export's row is its match and fills in what only the
 * export knows (`symbol`, `walletBasis`, `tranId`): the record keeps its id.
 */
import { compareDecimals } from '../../../core/index.js';
import type { AccountRecord } from '../../../schemas/index.js';
import type { Occurrences, RowNormalizer } from './exports.js';
import { operationKey, walletOf } from './operations.js';
import type { Row } from './row.js';
import type { CsvAccountRecord, MatchRule, NormalizedItem, Retire } from './types.js';

type FuturesWallet = 'umfuture' | 'cmfuture';

/** How the wallet of a row was decided (stored as `walletBasis`). */
export type WalletBasis = 'symbol' | 'asset';

/**
 * The export's types and the statement labels of the same movement (as {@link operationKey} keys): a
 * statement row with one of them, in the same second, asset and signed amount, is the same event.
 */
const TYPES: Record<string, readonly string[]> = {
  REALIZED_PNL: ['Realized Profit and Loss', 'Realize profit and loss'],
  // The statement lists a futures trade's commission as a `Fee` row of the futures account.
  COMMISSION: ['Fee', 'Transaction Fee', 'Commission'],
  FUNDING_FEE: ['Funding Fee'],
  INSURANCE_CLEAR: ['Insurance Fund Compensation', 'Insurance Fund Refund', 'Liquidation Clearance Fee'],
  WELCOME_BONUS: ['Welcome Bonus', 'Futures Welcome Bonus'],
  // Coin swaps (COIN-M) and auto-exchange settle a negative balance in another asset: the statement's
  // `Futures Convert` legs.
  COIN_SWAP_DEPOSIT: ['Futures Convert', 'Coin Swap'],
  COIN_SWAP_WITHDRAW: ['Futures Convert', 'Coin Swap'],
  AUTO_EXCHANGE: ['Futures Convert', 'Auto Exchange'],
  // Rebates and kickbacks: the statement's labels of the referral program's credits (a referrer's
  // kickback, a referee's rebate), the same movement when the row's account is a futures wallet.
  REFERRAL_KICKBACK: [
    'Referral Kickback',
    'Futures Referral Kickback',
    'Referrer rebates',
    'Referral Commission',
    'Commission History',
  ],
  COMMISSION_REBATE: [
    'Commission Rebate',
    'Futures Commission Rebate',
    'Referee rebates',
    'Commission Fee Shared With You',
  ],
  API_REBATE: ['API Rebate', 'Futures API Rebate'],
  CONTEST_REWARD: ['Contest Reward'],
  // Binance's own spelling.
  DELIVERED_SETTELMENT: ['Delivered Settlement'],
  FEE_RETURN: ['Fee Return'],
};

const LABELS = new Map(Object.entries(TYPES).map(([t, labels]) => [t, new Set(labels.map(operationKey))]));

/** The rebate and kickback types: credits an earlier release stored from the statement as a `dividend`. */
const REBATES = new Set(['REFERRAL_KICKBACK', 'COMMISSION_REBATE', 'API_REBATE']);

const REBATE_LABELS = new Set([...REBATES].flatMap((t) => [...LABELS.get(t)!]));

/**
 * Whether a statement row (label, wallet) is a futures rebate: a rebate or kickback label in a futures
 * account. Such a row is a futures `balance_change` (the export's REFERRAL_KICKBACK, COMMISSION_REBATE, …);
 * the same label in another account stays a `dividend`.
 */
export function isFuturesRebateRow(label: string, wallet: string): boolean {
  return REBATE_LABELS.has(operationKey(label)) && isFuturesWallet(wallet);
}

/** The types of the export this importer knows (TRANSFER included). */
export const FUTURES_TYPES: readonly string[] = ['TRANSFER', ...Object.keys(TYPES)];

/** USD stablecoins: the margin of USDⓈ-M contracts (COIN-M margin is the contract's own coin). */
const USD_STABLES = new Set(['USDT', 'USDC', 'BUSD', 'FDUSD', 'TUSD', 'USDP', 'BFUSD']);

/** COIN-M contracts: `<base>USD_PERP` and the quarterlies `<base>USD_<yymmdd>`. USDⓈ-M ones end in USDT/USDC/… */
const COIN_M_SYMBOL = /^[\p{Lu}\p{Nd}]+USD_(PERP|\d{6})$/u;

/** USDⓈ-M or COIN-M, from the symbol when the row has one, else from the asset. */
export function futuresWalletOf(
  symbol: string,
  asset: string,
): { wallet: FuturesWallet; basis: WalletBasis } {
  const s = symbol.trim().toUpperCase();
  if (s) return { wallet: COIN_M_SYMBOL.test(s) ? 'cmfuture' : 'umfuture', basis: 'symbol' };
  return { wallet: USD_STABLES.has(asset) ? 'umfuture' : 'cmfuture', basis: 'asset' };
}

/** A `balance_change` the Futures export stored (its `operation` is the export's type). */
export function isFuturesExportCopy(s: AccountRecord): boolean {
  return s.kind === 'balance_change' && s.id.startsWith('futures:') && !s.id.includes(':stmt:');
}

/** True when export type `type` and statement label `label` name the same movement. */
export function sameFuturesMovement(type: string, label: string): boolean {
  return LABELS.get(type)?.has(operationKey(label)) ?? false;
}

/**
 * Whether a stored Futures-export copy can be the statement row (label, wallet) in the same second with
 * the same asset and amount: the type maps to the label, and the wallet agrees where the symbol decided it
 * (decided from the asset alone, either futures wallet).
 */
export function futuresCopyIsStatementRow(
  s: AccountRecord,
  leg: { operation: string; wallet: string },
): boolean {
  if (s.kind !== 'balance_change' || !sameFuturesMovement(s.operation, leg.operation)) return false;
  return s.walletBasis === 'symbol' ? s.wallet === leg.wallet : isFuturesWallet(leg.wallet);
}

function isFuturesWallet(wallet: string | undefined): boolean {
  const w = wallet === undefined ? undefined : walletOf(wallet);
  return w === 'umfuture' || w === 'cmfuture';
}

function eq(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && compareDecimals(a, b) === 0;
}

const SECOND = 1000;

/** The quarantine entry the release before this one wrote for every row of this export. */
function earlierQuarantine(row: Row): { reason: string; row: Record<string, unknown> }[] {
  return [{ reason: 'futures_not_modeled', row: row.raw() }];
}

/** The futures side of a wallet transfer: into the futures wallet when positive, out of it when negative. */
function transfer(row: Row, occ: Occurrences): NormalizedItem {
  const t = row.time();
  const asset = row.need('asset').toUpperCase();
  const signed = row.amount('amount').value;
  const { wallet } = futuresWalletOf(row.text('symbol'), asset);
  const incoming = !signed.startsWith('-');
  const amount = incoming ? signed : signed.slice(1);
  const tranId = row.text('tranId');
  const id = occ.next(tranId ? `wallet:futures:${tranId}` : `wallet:futures:${asset}:${t.ms}:${amount}`);
  const token = wallet.toUpperCase();
  // The export names only its own side; the other is spot, the wallet the statement's `Transfer Between
  // Spot Account and UM/CM Futures Account` rows name.
  const record: CsvAccountRecord = {
    kind: 'transfer',
    id,
    account: row.ctx.account,
    time: t.ms,
    source: 'csv',
    raw: row.raw(),
    direction: 'internal',
    type: 'wallet_transfer',
    asset,
    amount,
    fee: '0',
    status: 'completed',
    transferType: incoming ? `MAIN_${token}` : `${token}_MAIN`,
    fromWallet: incoming ? 'spot' : wallet,
    toWallet: incoming ? wallet : 'spot',
  };
  const tol = Math.max(t.toleranceMs, 2 * SECOND);
  // The statement's twin rows and the API's universal transfer name the futures side; one leg of the
  // statement alone (its other side unnamed) still is this move.
  const futuresSide = (s: AccountRecord & { kind: 'transfer' }): string | undefined =>
    incoming ? s.toWallet : s.fromWallet;
  const match: MatchRule = {
    rule: 'futures-transfer-asset-amount-time',
    tolerance: `±${tol / 1000}s`,
    since: t.ms - tol,
    until: t.ms + tol,
    test: (s) =>
      s.kind === 'transfer' &&
      s.type === 'wallet_transfer' &&
      s.asset === asset &&
      eq(s.amount, amount) &&
      (futuresSide(s) === undefined || isFuturesWallet(futuresSide(s))),
  };
  return { type: 'record', line: row.line, record, match, supersedes: earlierQuarantine(row) };
}

/** One row of the export: a record, or quarantine for a type this importer does not know. */
export const futures: RowNormalizer = (row, occ) => {
  const type = row.need('type').toUpperCase();
  if (type === 'TRANSFER') return [transfer(row, occ)];
  if (!TYPES[type]) {
    const amount = row.optionalAmount('amount');
    return [
      {
        type: 'quarantine',
        line: row.line,
        reason: 'unknown_operation',
        operation: type,
        row: { ...row.raw(), ...(amount ? { netChange: amount.value } : {}) },
        warning: `${row.ctx.file}: line ${row.line}: unknown futures type ${JSON.stringify(type)}: the row is kept in quarantine with its amount.`,
      },
    ];
  }
  const t = row.time();
  const asset = row.need('asset').toUpperCase();
  const amount = row.amount('amount').value;
  const symbol = row.text('symbol').toUpperCase();
  const { wallet, basis } = futuresWalletOf(symbol, asset);
  const tranId = row.text('tranId');
  const id = occ.next(
    tranId ? `futures:${tranId}:${type}:${asset}` : `futures:csv:${type}:${asset}:${t.ms}:${amount}`,
  );
  // The schema's `tranId` is the exchange's digits (an Excel re-save can mangle them: then only the id has it).
  const digits = /^[0-9]{1,40}$/.test(tranId) ? tranId : undefined;
  const record: CsvAccountRecord = {
    kind: 'balance_change',
    id,
    account: row.ctx.account,
    time: t.ms,
    source: 'csv',
    raw: row.raw(),
    category: 'futures',
    operation: type,
    wallet,
    walletBasis: basis,
    asset,
    amount,
    ...(symbol ? { symbol } : {}),
    ...(digits ? { tranId: digits } : {}),
  };
  const tol = Math.max(t.toleranceMs, SECOND);
  const labels = LABELS.get(type)!;
  const match: MatchRule = {
    rule: 'futures-type-asset-amount-time',
    tolerance: `±${tol / 1000}s`,
    since: t.ms - tol,
    until: t.ms + tol,
    // The statement's copy (category `futures`, or `auto_conversion` for its `Futures Convert` legs):
    // the label maps to this type, the wallet agrees where the symbol decided it.
    test: (s) =>
      s.kind === 'balance_change' &&
      s.asset === asset &&
      eq(s.amount, amount) &&
      (basis === 'symbol' ? walletOf(s.wallet) === wallet : isFuturesWallet(s.wallet)) &&
      (labels.has(operationKey(s.operation)) || (isFuturesExportCopy(s) && s.operation === type)),
    // The statement's copy, stored first, learns what only this export knows; its id stays.
    enrich: (s) => {
      if (s.kind !== 'balance_change' || isFuturesExportCopy(s)) return undefined;
      const extra: Record<string, string> = {};
      if (symbol && s.symbol === undefined) extra['symbol'] = symbol;
      // The export's decision, where it agrees with the wallet the statement named.
      if (s.walletBasis === undefined && walletOf(s.wallet) === wallet) extra['walletBasis'] = basis;
      if (digits && s.tranId === undefined) extra['tranId'] = digits;
      return Object.keys(extra).length ? extra : undefined;
    },
  };
  return [
    {
      type: 'record',
      line: row.line,
      record,
      match,
      supersedes: earlierQuarantine(row),
      ...(REBATES.has(type)
        ? { retires: legacyRebateDividend(type, asset, amount, t.ms - tol, t.ms + tol) }
        : {}),
    },
  ];
};

/** The statement's `Account` in a stored copy's raw row (any header generation names it `Account`). */
function accountOfRaw(raw: Record<string, unknown> | undefined): string | undefined {
  if (!raw) return undefined;
  for (const [k, v] of Object.entries(raw))
    if (k.toLowerCase().replace(/[^a-z]/g, '') === 'account' && typeof v === 'string') return v;
  return undefined;
}

/**
 * The `dividend` an earlier release stored for the statement's row of this rebate (id `stmt:…`, its label
 * in `info`, the row's account a futures wallet): the futures `balance_change` holds the movement now.
 */
function legacyRebateDividend(
  type: string,
  asset: string,
  amount: string,
  since: number,
  until: number,
): Retire {
  const direction = amount.startsWith('-') ? 'out' : 'in';
  const abs = direction === 'out' ? amount.slice(1) : amount;
  return {
    kind: 'dividend',
    since,
    until,
    test: (s, raw) =>
      s.kind === 'dividend' &&
      s.id.startsWith('stmt:') &&
      s.asset === asset &&
      s.direction === direction &&
      eq(s.amount, abs) &&
      s.info !== undefined &&
      sameFuturesMovement(type, s.info) &&
      isFuturesWallet(accountOfRaw(raw)),
  };
}
