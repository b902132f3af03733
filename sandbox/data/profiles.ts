/** Generator profiles: how much history each size holds. `large` is the scale target of the benchmarks. */
import type { ProfileName } from './model.js';

export interface ProfileSpec {
  /** Symbols the account trades in, of which `delisted` are delisted. */
  symbols: number;
  delisted: number;
  /**
   * Listed symbols in exchangeInfo in all: the account's listed ones plus untraded pairs
   * (sandbox/data/universe.ts), as the exchange lists about 1,500 while an account trades a few dozen.
   */
  listedSymbols: number;
  /** Target trade count (fills); the generator produces at least about this many. */
  trades: number;
  /** Years of history before the snapshot. */
  years: number;
  deposits: number;
  withdrawals: number;
  converts: number;
  dustGroups: number;
  flexibleSubscriptions: number;
  lockedSubscriptions: number;
  /** Earn rewards are paid every this many days (1 = daily, as the exchange does). */
  rewardEveryDays: number;
  autoInvestPlans: number;
  p2pOrders: number;
  fiatOrders: number;
  fiatPayments: number;
  dividends: number;
  universalTransfers: number;
  openOrders: number;
}

export const PROFILES: Record<ProfileName, ProfileSpec> = {
  tiny: {
    symbols: 12,
    delisted: 2,
    listedSymbols: 150,
    trades: 400,
    years: 8,
    deposits: 30,
    withdrawals: 12,
    converts: 15,
    dustGroups: 6,
    flexibleSubscriptions: 6,
    lockedSubscriptions: 4,
    rewardEveryDays: 30,
    autoInvestPlans: 1,
    p2pOrders: 10,
    fiatOrders: 8,
    fiatPayments: 6,
    dividends: 10,
    universalTransfers: 12,
    openOrders: 3,
  },
  small: {
    symbols: 40,
    delisted: 6,
    listedSymbols: 400,
    trades: 5_000,
    years: 8,
    deposits: 120,
    withdrawals: 60,
    converts: 80,
    dustGroups: 40,
    flexibleSubscriptions: 30,
    lockedSubscriptions: 12,
    rewardEveryDays: 7,
    autoInvestPlans: 2,
    p2pOrders: 40,
    fiatOrders: 30,
    fiatPayments: 20,
    dividends: 60,
    universalTransfers: 40,
    openOrders: 6,
  },
  medium: {
    symbols: 150,
    delisted: 25,
    listedSymbols: 900,
    trades: 100_000,
    years: 8,
    deposits: 800,
    withdrawals: 400,
    converts: 500,
    dustGroups: 130,
    flexibleSubscriptions: 120,
    lockedSubscriptions: 40,
    rewardEveryDays: 1,
    autoInvestPlans: 3,
    p2pOrders: 200,
    fiatOrders: 120,
    fiatPayments: 80,
    dividends: 400,
    universalTransfers: 200,
    openOrders: 12,
  },
  large: {
    symbols: 500,
    delisted: 80,
    listedSymbols: 1_500,
    trades: 1_000_000,
    years: 8,
    deposits: 3_000,
    withdrawals: 1_500,
    converts: 2_500,
    dustGroups: 180,
    flexibleSubscriptions: 400,
    lockedSubscriptions: 80,
    rewardEveryDays: 1,
    autoInvestPlans: 4,
    p2pOrders: 600,
    fiatOrders: 300,
    fiatPayments: 200,
    dividends: 1_500,
    universalTransfers: 800,
    openOrders: 25,
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
