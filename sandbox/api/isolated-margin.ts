/**
 * GET /sapi/v1/margin/isolated/account, "Query Isolated Margin Account Info (USER_DATA)", Weight(IP) 10
 * ([SWG] `/sapi/v1/margin/isolated/account` get, schema `isolatedMarginAccountInfo`): without `symbols`
 * every isolated-margin account of the user; with `symbols` ("Max 5 symbols can be sent; separated by
 * ','") only those. USER_DATA: a read-only key may call it.
 *
 * The accounts are `account.isolatedMargin`, or by default every isolated account a universal transfer
 * names, enabled and empty (the generator's round trips net to zero). Amounts are valued with the
 * generator's prices at the server's now.
 *
 * What the spec leaves open, and what the sandbox answers:
 * - an account that never used isolated margin: `assets: []` and zero totals (undocumented; the schema's
 *   required fields with nothing in them);
 * - `symbols` with a symbol the exchange does not know (or delisted): -1121 "Invalid symbol." (CONTRACT.md
 *   §2.5 BAD_SYMBOL); a known symbol without an isolated account of the user is left out, not an error;
 * - more than 5 symbols, or an empty item: -1130 on `symbols`;
 * - the totals are sent with `symbols` too (the schema marks them required; the sandbox sums the
 *   accounts returned).
 */
import { usdAt } from '../data/prices.js';
import type { SandboxAccount, SandboxIsolatedAccount, SandboxIsolatedSide } from '../data/model.js';
import { fmt8, parseUnits, toUnits } from '../data/units.js';
import type { EndpointContext, EndpointDef } from './context.js';
import { Errors } from './errors.js';

const SYMBOL = /^[\p{Lu}\p{Lo}\p{Nd}\-_.]{1,20}$/u;
const ZERO: SandboxIsolatedSide = { free: '0', locked: '0', borrowed: '0', interest: '0' };
/** What the exchange shows as the margin level of an account without debt. */
const NO_DEBT_LEVEL = '999.00000000';
const MAX_SYMBOLS = 5;

/** The account's isolated-margin accounts: the explicit list, else every one a transfer names. */
export function isolatedMarginAccounts(account: SandboxAccount): SandboxIsolatedAccount[] {
  if (account.isolatedMargin) return account.isolatedMargin;
  const named = new Set<string>();
  for (const e of account.universalTransfers) {
    if (e.fromSymbol) named.add(e.fromSymbol);
    if (e.toSymbol) named.add(e.toSymbol);
  }
  return [...named]
    .sort()
    .map((symbol) => ({ symbol, enabled: true, base: { ...ZERO }, quote: { ...ZERO } }));
}

function isolatedAccount(ctx: EndpointContext): unknown {
  const { account, params, index, now } = ctx;
  const raw = params.str('symbols');
  let wanted: Set<string> | undefined;
  if (raw !== undefined) {
    const list = raw.split(',');
    if (list.length > MAX_SYMBOLS || list.some((s) => s === '')) throw Errors.invalidParam('symbols');
    for (const s of list) {
      if (!SYMBOL.test(s)) throw Errors.badSymbol();
      const i = index.symbolByName.get(s);
      if (i === undefined || !account.symbols[i]!.listed) throw Errors.badSymbol();
    }
    wanted = new Set(list);
  }
  const assetIndex = new Map(account.assets.map((a, i) => [a, i]));
  const btc = assetIndex.get('BTC');
  // Assets the generator has no price curve for (never touched by the account) are valued at 0.
  const usd = (asset: string): number => {
    const i = assetIndex.get(asset);
    return i === undefined ? 0 : usdAt(account.prices, i, now);
  };
  const btcUsd = btc === undefined ? 0 : usdAt(account.prices, btc, now);
  const inBtc = (asset: string, units: number): number =>
    btcUsd === 0 ? 0 : toUnits(((units / 1e8) * usd(asset)) / btcUsd);
  let totalAsset = 0;
  let totalLiability = 0;
  const assets = [];
  for (const acc of isolatedMarginAccounts(account)) {
    if (wanted && !wanted.has(acc.symbol)) continue;
    const i = index.symbolByName.get(acc.symbol);
    if (i === undefined) continue;
    const sym = account.symbols[i]!;
    let assetBtc = 0;
    let liabilityBtc = 0;
    const side = (asset: string, s: SandboxIsolatedSide): Record<string, unknown> => {
      const free = parseUnits(s.free);
      const locked = parseUnits(s.locked);
      const borrowed = parseUnits(s.borrowed);
      const interest = parseUnits(s.interest);
      const total = free + locked;
      const net = total - borrowed - interest;
      assetBtc += inBtc(asset, total);
      liabilityBtc += inBtc(asset, borrowed + interest);
      return {
        asset,
        borrowEnabled: acc.enabled,
        borrowed: fmt8(borrowed),
        free: fmt8(free),
        interest: fmt8(interest),
        locked: fmt8(locked),
        netAsset: fmt8(net),
        netAssetOfBtc: fmt8(inBtc(asset, net)),
        repayEnabled: true,
        totalAsset: fmt8(total),
      };
    };
    const baseAsset = side(sym.baseAsset, acc.base);
    const quoteAsset = side(sym.quoteAsset, acc.quote);
    totalAsset += assetBtc;
    totalLiability += liabilityBtc;
    const quoteUsd = usd(sym.quoteAsset);
    const indexPrice = quoteUsd === 0 ? 0 : toUnits(usd(sym.baseAsset) / quoteUsd);
    const level = liabilityBtc === 0 ? undefined : assetBtc / liabilityBtc;
    assets.push({
      baseAsset,
      quoteAsset,
      symbol: acc.symbol,
      isolatedCreated: true,
      enabled: acc.enabled,
      marginLevel: level === undefined ? NO_DEBT_LEVEL : fmt8(toUnits(level)),
      marginLevelStatus:
        level === undefined || level >= 2
          ? 'EXCESSIVE'
          : level >= 1.5
            ? 'NORMAL'
            : level >= 1.25
              ? 'MARGIN_CALL'
              : level >= 1.1
                ? 'PRE_LIQUIDATION'
                : 'FORCE_LIQUIDATION',
      marginRatio: '10.00000000',
      indexPrice: fmt8(indexPrice),
      liquidatePrice: '0.00000000',
      liquidateRate: '0.00000000',
      tradeEnabled: acc.enabled && sym.status === 'TRADING',
    });
  }
  return {
    assets,
    totalAssetOfBtc: fmt8(totalAsset),
    totalLiabilityOfBtc: fmt8(totalLiability),
    totalNetAssetOfBtc: fmt8(totalAsset - totalLiability),
  };
}

export const ISOLATED_ACCOUNT_ENDPOINT: EndpointDef = {
  method: 'GET',
  path: '/sapi/v1/margin/isolated/account',
  security: 'USER_DATA',
  limit: 'sapi-ip',
  weight: 10,
  handle: isolatedAccount,
};
