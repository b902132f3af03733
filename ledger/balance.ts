/**
 * The unified ledger view: each record as balance changes per asset and wallet, following the "Balance
 * effect" table of docs/normalized-model.md. Only settled movements count (a pending withdrawal or a
 * failed conversion changes nothing); state kinds (balance, order, earn_position, autoinvest_plan) change
 * nothing. A `balance_change` is its own signed amount.
 */
import { Decimal, canonicalDecimal, dec, isZeroDecimal } from '../core/index.js';
import type { AccountRecord } from '../schemas/index.js';

/** A wallet of the model, or another wallet name a universal transfer named (lower-cased). */
export type WalletName = 'spot' | 'funding' | 'earn_flexible' | 'earn_locked' | (string & {});

/** One change of one asset in one wallet. */
export interface BalanceEffect {
  asset: string;
  wallet: WalletName;
  /** Signed canonical decimal. */
  delta: string;
}

/** Statuses that mean "done" for kinds whose status is the exchange's own word, lower-cased. */
const SETTLED = new Set(['success', 'successful', 'completed', 'complete', 'finished', 'confirmed', 'paid']);

function settled(status: string | undefined): boolean {
  return status === undefined || SETTLED.has(status.toLowerCase());
}

/**
 * The names a ledger the release before this one wrote for statement wallets (the `Account` squeezed),
 * as the wallet names the API side uses: the views agree before a re-import heals the stored field.
 */
const LEGACY_STATEMENT_WALLETS: Record<string, string> = {
  crossmargin: 'margin',
  isolatedmargin: 'isolated_margin',
  usdtfutures: 'umfuture',
  usdmfutures: 'umfuture',
  umfutures: 'umfuture',
  coinfutures: 'cmfuture',
  coinmfutures: 'cmfuture',
  cmfutures: 'cmfuture',
  options: 'option',
  portfoliomargin: 'portfolio_margin',
};

/** Universal-transfer wallet names (`MAIN`, `FUNDING`, …) as model wallets. */
function walletOf(name: string | undefined, fallback: WalletName): WalletName {
  if (!name) return fallback;
  const n = name.toUpperCase();
  if (n === 'MAIN' || n === 'SPOT') return 'spot';
  if (n === 'FUNDING' || n === 'FUND') return 'funding';
  if (n === 'EARN' || n === 'EARN_FLEXIBLE' || n === 'SAVING') return 'earn_flexible';
  // `isolated_margin:<symbol>`: the symbol keeps its case (the wallet name the record holds).
  const colon = name.indexOf(':');
  const lower = colon < 0 ? name.toLowerCase() : name.slice(0, colon).toLowerCase() + name.slice(colon);
  return LEGACY_STATEMENT_WALLETS[lower] ?? lower;
}

function add(out: BalanceEffect[], asset: string | undefined, wallet: WalletName, delta: Decimal): void {
  if (!asset || delta.isZero()) return;
  out.push({ asset, wallet, delta: canonicalDecimal(delta) });
}

/** The balance changes of one record (possibly none). */
export function balanceEffects(record: AccountRecord): BalanceEffect[] {
  const out: BalanceEffect[] = [];
  switch (record.kind) {
    case 'trade': {
      const qty = dec(record.qty);
      const quote = dec(record.quoteQty);
      const sign = record.side === 'buy' ? 1 : -1;
      add(out, record.baseAsset, 'spot', qty.times(sign));
      add(out, record.quoteAsset, 'spot', quote.times(-sign));
      add(out, record.feeAsset, 'spot', dec(record.fee).negated());
      break;
    }
    case 'transfer': {
      if (record.status !== 'completed') break;
      const amount = dec(record.amount);
      // A deposit or withdrawal counts in the wallet it names; one whose source did not say (the
      // deposit and withdrawal CSV exports) in spot.
      if (record.type === 'deposit') add(out, record.asset, record.wallet ?? 'spot', amount);
      else if (record.type === 'withdrawal')
        add(out, record.asset, record.wallet ?? 'spot', amount.plus(dec(record.fee)).negated());
      else {
        // A wallet transfer moves the amount between wallets: zero per asset, but visible per wallet.
        add(out, record.asset, walletOf(record.fromWallet, 'spot'), amount.negated());
        add(out, record.asset, walletOf(record.toWallet, 'funding'), amount);
      }
      break;
    }
    case 'conversion':
      if (record.status !== 'success') break;
      add(out, record.fromAsset, 'spot', dec(record.fromAmount).negated());
      add(out, record.toAsset, 'spot', dec(record.toAmount));
      break;
    case 'dust':
      add(out, record.fromAsset, 'spot', dec(record.amount).negated());
      add(out, record.toAsset, 'spot', dec(record.toAmount));
      break;
    case 'earn_subscription':
      if (!settled(record.status)) break;
      add(out, record.asset, walletOf(record.sourceAccount, 'spot'), dec(record.amount).negated());
      add(out, record.asset, `earn_${record.product}`, dec(record.amount));
      break;
    case 'earn_redemption':
      if (!settled(record.status)) break;
      add(out, record.asset, `earn_${record.product}`, dec(record.amount).negated());
      add(out, record.asset, walletOf(record.destAccount, 'spot'), dec(record.amount));
      break;
    case 'earn_reward':
      // Flexible rewards accrue into the position; locked rewards are paid to spot.
      add(out, record.asset, record.product === 'flexible' ? 'earn_flexible' : 'spot', dec(record.amount));
      break;
    case 'autoinvest_execution': {
      if (!settled(record.status)) break;
      add(out, record.sourceAsset, 'spot', dec(record.sourceAssetAmount).negated());
      if (record.fee !== undefined)
        add(out, record.feeAsset ?? record.sourceAsset, 'spot', dec(record.fee).negated());
      add(out, record.targetAsset, 'spot', dec(record.targetAssetAmount));
      break;
    }
    case 'p2p_order': {
      if (!settled(record.status)) break;
      const amount = dec(record.amount);
      add(out, record.asset, 'funding', record.side === 'buy' ? amount : amount.negated());
      if (record.fee !== undefined) add(out, record.asset, 'funding', dec(record.fee).negated());
      break;
    }
    case 'fiat_transfer': {
      if (!settled(record.status)) break;
      const amount = dec(record.amount);
      const fee = dec(record.fee ?? '0');
      if (record.type === 'deposit') {
        add(out, record.fiatCurrency, 'spot', amount);
        add(out, record.fiatCurrency, 'spot', fee.negated());
      } else if (record.type === 'withdrawal') {
        add(out, record.fiatCurrency, 'spot', amount.negated());
        add(out, record.fiatCurrency, 'spot', fee.negated());
      } else if (record.type === 'buy') {
        // `amount` is the fiat paid, fee included.
        add(out, record.fiatCurrency, 'spot', amount.negated());
        add(out, record.cryptoAsset, 'spot', dec(record.cryptoAmount ?? '0'));
      } else {
        // A sale credits the fiat net of its fee.
        add(out, record.cryptoAsset, 'spot', dec(record.cryptoAmount ?? '0').negated());
        add(out, record.fiatCurrency, 'spot', amount.minus(fee));
      }
      break;
    }
    case 'dividend':
      add(
        out,
        record.asset,
        'spot',
        record.direction === 'out' ? dec(record.amount).negated() : dec(record.amount),
      );
      break;
    case 'balance_change':
      // Already signed, in the wallet the statement named (a P2P leg an order explains is skipped by the
      // views that see both: ledger/p2p.ts).
      add(out, record.asset, walletOf(record.wallet, 'spot'), dec(record.amount));
      break;
    default:
      break;
  }
  return out;
}

/** Sums effects per asset (all wallets together): `{ BTC: "0.5", … }`, zero totals omitted. */
export function sumEffectsByAsset(effects: Iterable<BalanceEffect>): Map<string, string> {
  const totals = new Map<string, Decimal>();
  for (const e of effects) totals.set(e.asset, (totals.get(e.asset) ?? new Decimal(0)).plus(dec(e.delta)));
  const out = new Map<string, string>();
  for (const [asset, total] of [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isZeroDecimal(total)) out.set(asset, canonicalDecimal(total));
  }
  return out;
}
