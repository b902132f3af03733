/**
 * Transaction-history operation labels matched by meaning. Binance renames labels and re-labels old
 * rows retroactively (`Savings Interest` became `Simple Earn Flexible Interest`, BittyTax #274), so the
 * match is on a normalized label and on synonyms, never on the export date. A label not listed here is
 * unknown: its row is quarantined, counted and reported, never rejected. A known label the model has no
 * specific kind for (card spending, margin, futures, …) becomes a `balance_change` of its category.
 */
import type { BalanceChange } from '../../../schemas/index.js';

/** What a statement row means. */
export type OperationCategory =
  /** A leg of a spot trade (buy/sell/fee legs in the same second). */
  | 'trade'
  /** A fee leg that belongs to a trade in the same second (`BNB Fee Deduction`). */
  | 'trade_fee'
  /** A leg of a Binance Convert. */
  | 'convert'
  /** A leg of a small-assets-to-BNB sweep. */
  | 'dust'
  /** A leg of a card or fiat purchase (`Buy Crypto`) or sale (`Sell Crypto To Fiat`). */
  | 'fiat_trade'
  /**
   * Legs of automatic conversions (stablecoin auto-conversion, leveraged token redemption): each row a
   * `balance_change` of category `auto_conversion` (no API route lists them).
   */
  | 'auto_conversion'
  | 'auto_invest'
  | 'deposit'
  | 'withdrawal'
  | 'fiat_deposit'
  | 'fiat_withdrawal'
  | 'p2p'
  /**
   * Pay/send to or from another user: a `balance_change` of category `pay` (the sync reads no Pay
   * history); a pair of opposite rows of two of the holder's wallets in one second is a wallet transfer.
   */
  | 'send'
  /** A move between the holder's own wallets (nets to zero). */
  | 'internal_transfer'
  | 'earn_subscription'
  | 'earn_redemption'
  | 'earn_reward'
  /**
   * Airdrops, distributions, promotions, referral commissions, cashback: credits the API lists as
   * dividends. A rebate or kickback row of a futures account is a futures `balance_change` instead (the
   * separate Futures export's REFERRAL_KICKBACK, COMMISSION_REBATE, …).
   */
  | 'distribution'
  /**
   * Margin, futures, card spending, adjustments: real balance changes the normalized model has no specific
   * kind for; each row becomes a `balance_change` of the meaning's `change` category.
   */
  | 'unmodeled';

/** The category of a `balance_change` record. */
export type ChangeCategory = BalanceChange['category'];

/** The product of an Earn operation. */
export type EarnProduct = 'flexible' | 'locked';

export interface OperationMeaning {
  category: OperationCategory;
  /** Earn product for Earn categories. */
  product?: EarnProduct;
  /** For `unmodeled` and `p2p` (a leg no P2P order explains): the `balance_change` category. */
  change?: ChangeCategory;
}

/** `Simple Earn Flexible Interest` → `simpleearnflexibleinterest`. */
export function operationKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const TABLE: [OperationCategory, string[], EarnProduct?][] = [
  [
    'trade',
    [
      'Buy',
      'Sell',
      'Fee',
      'Transaction Related',
      'Transaction Buy',
      'Transaction Spend',
      'Transaction Fee',
      'Transaction Revenue',
      'Transaction Sold',
      'The Easiest Way to Trade',
      'Large OTC trading',
    ],
  ],
  ['trade_fee', ['BNB Fee Deduction', 'BNB deducts fee']],
  ['convert', ['Binance Convert', 'Convert']],
  ['dust', ['Small assets exchange BNB', 'Small Assets Exchange BNB', 'Dust Conversion']],
  [
    'fiat_trade',
    [
      'Buy Crypto',
      'Buy Crypto With Card',
      'Buy Crypto With Fiat',
      'Sell Crypto To Fiat',
      'Convert Fiat to Crypto OCBS',
    ],
  ],
  [
    'auto_conversion',
    [
      'Stablecoins Auto-Conversion',
      'Leverage Token Redemption',
      'Asset Conversion Transfer',
      'Futures Convert',
    ],
  ],
  ['auto_invest', ['Auto-Invest Transaction', 'Auto Invest Transaction']],
  ['deposit', ['Deposit']],
  ['withdrawal', ['Withdraw', 'Withdrawal']],
  ['fiat_deposit', ['Fiat Deposit', 'Deposit Fiat OCBS', 'Fiat OCBS - Add Fiat and Fees']],
  ['fiat_withdrawal', ['Fiat Withdraw', 'Fiat Withdrawal']],
  ['p2p', ['P2P Trading', 'C2C Buy', 'C2C Sell', 'P2P Buy', 'P2P Sell']],
  ['send', ['Send', 'C2C Transfer', 'transfer_in', 'transfer_out', 'Binance Pay', 'Pay']],
  [
    'internal_transfer',
    [
      'Transfer Between Main and Funding Wallet',
      'Transfer Between Spot Account and UM Futures Account',
      'Transfer Between Spot Account and CM Futures Account',
      'Transfer Between Main Account/Futures and Margin Account',
      'Transfer Between Main Account And Mining Account',
      'Transfer Between Main Account and Sub-Account',
      'Transfer Between Main and Funding Account',
      'Transfer Between Spot and Funding Account',
    ],
  ],
  [
    'earn_subscription',
    ['Simple Earn Flexible Subscription', 'Savings purchase', 'Savings Purchase'],
    'flexible',
  ],
  [
    'earn_subscription',
    [
      'Simple Earn Locked Subscription',
      'POS savings purchase',
      'Staking Purchase',
      'ETH 2.0 Staking',
      'Launchpool Subscription',
      'Launchpad Subscribe',
      'Liquid Swap Add',
      'Onchain Yields Fixed - Subscription',
    ],
    'locked',
  ],
  [
    'earn_redemption',
    ['Simple Earn Flexible Redemption', 'Savings Principal redemption', 'Savings Principal Redemption'],
    'flexible',
  ],
  [
    'earn_redemption',
    [
      'Simple Earn Locked Redemption',
      'POS savings redemption',
      'Staking Redemption',
      'Launchpool Redemption',
      'Liquid Swap Sell',
      'Liquidity Farming Remove',
    ],
    'locked',
  ],
  [
    'earn_reward',
    [
      'Simple Earn Flexible Interest',
      'Savings Interest',
      'Savings Distribution',
      'Simple Earn Flexible Airdrop',
    ],
    'flexible',
  ],
  [
    'earn_reward',
    [
      'Simple Earn Locked Rewards',
      'POS savings interest',
      'Staking Rewards',
      'ETH 2.0 Staking Rewards',
      'BNB Vault Rewards',
      'Launchpool Interest',
      'Launchpool Earnings Withdrawal',
      'Swap Farming Rewards',
      'Liquid Swap rewards',
      'Pool Distribution',
      'DOT Slot Auction Rewards',
      'Super BNB Mining',
      'Onchain Yields Fixed - Distribution',
    ],
    'locked',
  ],
  [
    'distribution',
    [
      'Distribution',
      'Airdrop Assets',
      'HODLer Airdrops Distribution',
      'Launchpool Airdrop',
      'Launchpool Airdrop - User Claim',
      'Launchpool Airdrop - System Distribution',
      'Megadrop Rewards',
      'Cash Voucher Distribution',
      'Cashback Voucher',
      'Mission Reward Distribution',
      'Campaign Related Reward',
      'Rewards Distribution',
      'Crypto Box',
      'Token Swap - Distribution',
      'Token Swap - Redenomination/Rebranding',
      'Asset - Transfer',
      'Commission History',
      'Commission Fee Shared With You',
      'Commission Rebate',
      'Referrer rebates',
      'Referral Kickback',
      'Referral Commission',
      'Referee rebates',
      // Futures rebates by name (in a futures account each is a futures balance change, see futures.ts).
      'Futures Referral Kickback',
      'Futures Commission Rebate',
      'API Rebate',
      'Futures API Rebate',
      'Binance Card Cashback',
      'Card Cashback',
    ],
  ],
];

/** Known operations with no specific kind: each row is a `balance_change` of this category. */
const UNMODELED: [ChangeCategory, string[]][] = [
  ['card', ['Binance Card Spending']],
  [
    'margin',
    [
      'Margin Loan',
      'Margin Repayment',
      'Isolated Margin Loan',
      'Isolated Margin Repayment',
      'Cross Margin Liquidation - Repayment',
    ],
  ],
  [
    'futures',
    [
      'Realize profit and loss',
      'Realized Profit and Loss',
      'Funding Fee',
      'Insurance Fund Compensation',
      'Insurance Fund Refund',
    ],
  ],
  ['adjustment', ['Asset Recovery', 'Leveraged Coin Consolidation']],
  ['swap', ['Swap Farming Transaction', 'Liquid Swap Add/Add', 'Liquid Swap Sell/Sell']],
];

const BY_KEY = new Map<string, OperationMeaning>();
for (const [category, labels, product] of TABLE) {
  const meaning: OperationMeaning = product ? { category, product } : { category };
  // A P2P leg no stored P2P order explains is kept as a balance change of category p2p; Pay and
  // automatic-conversion rows are balance changes of their own categories.
  if (category === 'p2p') meaning.change = 'p2p';
  if (category === 'send') meaning.change = 'pay';
  if (category === 'auto_conversion') meaning.change = 'auto_conversion';
  for (const label of labels) BY_KEY.set(operationKey(label), meaning);
}
for (const [change, labels] of UNMODELED) {
  for (const label of labels) BY_KEY.set(operationKey(label), { category: 'unmodeled', change });
}

/** The meaning of a label, or undefined for an unknown operation. */
export function operationMeaning(label: string): OperationMeaning | undefined {
  const key = operationKey(label);
  const exact = BY_KEY.get(key);
  if (exact) return exact;
  // Families Binance keeps extending with suffixes ("Launchpool Airdrop - …", "Token Swap - …", "Transfer Between …").
  if (key.startsWith('transferbetween')) return { category: 'internal_transfer' };
  if (key.startsWith('launchpoolairdrop') || key.startsWith('tokenswap')) return { category: 'distribution' };
  if (key.startsWith('simpleearnflexible')) return guessEarn(key, 'flexible');
  if (key.startsWith('simpleearnlocked')) return guessEarn(key, 'locked');
  return undefined;
}

function guessEarn(key: string, product: EarnProduct): OperationMeaning | undefined {
  if (key.endsWith('subscription')) return { category: 'earn_subscription', product };
  if (key.endsWith('redemption')) return { category: 'earn_redemption', product };
  if (/(interest|rewards?|airdrop|distribution)$/.test(key)) return { category: 'earn_reward', product };
  return undefined;
}

/**
 * Statement `Account` values (squeezed: lower-cased, spaces, dashes and symbols dropped) as the wallet
 * names the API side uses (connectors/binance/normalize.ts `walletName`, universal-transfer tokens): so a
 * per-wallet view agrees whichever route stored a record. The statement names no isolated-margin symbol,
 * so an isolated-margin row is `isolated_margin` (the API's `isolated_margin:<symbol>` when it knows it).
 */
const STATEMENT_WALLETS: Record<string, string> = {
  spot: 'spot',
  main: 'spot',
  exchange: 'spot',
  funding: 'funding',
  p2p: 'funding',
  c2c: 'funding',
  earn: 'earn',
  savings: 'earn',
  pool: 'earn',
  margin: 'margin',
  crossmargin: 'margin',
  cross: 'margin',
  isolatedmargin: 'isolated_margin',
  isolated: 'isolated_margin',
  usdtfutures: 'umfuture',
  usdtmfutures: 'umfuture',
  // `USDⓈ-M Futures`: the Ⓢ is not a Latin letter.
  usdmfutures: 'umfuture',
  umfutures: 'umfuture',
  umfuture: 'umfuture',
  coinfutures: 'cmfuture',
  coinmfutures: 'cmfuture',
  cmfutures: 'cmfuture',
  cmfuture: 'cmfuture',
  options: 'option',
  option: 'option',
  portfoliomargin: 'portfolio_margin',
};

/** A statement `Account` as a wallet name (see above); an account not listed stays squeezed (`card`, `mining`). */
export function walletOf(account: string): string {
  const k = account.toLowerCase().replace(/[^a-z0-9]/g, '');
  return STATEMENT_WALLETS[k] ?? k;
}
