/**
 * GET /sapi/v1/asset/wallet/balance (CONTRACT.md 4.19, 2.1; [SWG] and [OXA] shapes): per-wallet totals,
 * Weight(IP) 60, `quoteAsset` (default BTC). It needs the "Permits Universal Transfer" permission
 * [DEVP], so a read-only key gets -2015 (HTTP 401), which is why a client must treat it as optional.
 *
 * The account's wallets valued with the generator's prices at the server's now: Spot (free and locked),
 * Funding, Earn (flexible and locked positions); the margin wallets the isolated-margin round trips went
 * through are active and empty; the rest are not activated.
 */
import { usdAt } from '../data/prices.js';
import type { WalletName } from '../data/model.js';
import { fmtShort, UNIT } from '../data/units.js';
import type { EndpointContext, EndpointDef } from './context.js';
import { Errors } from './errors.js';

/** The exchange's wallet names in its order; the sandbox wallets each one holds; activated or not. */
const WALLETS: ReadonlyArray<readonly [name: string, holds: readonly WalletName[], activate: boolean]> = [
  ['Spot', ['spot'], true],
  ['Funding', ['funding'], true],
  ['Cross Margin', [], true],
  ['Isolated Margin', [], true],
  ['USDⓈ-M Futures', [], false],
  ['COIN-M Futures', [], false],
  ['Earn', ['earn_flexible', 'earn_locked'], true],
  ['Options', [], false],
  ['Trading Bots', [], false],
  ['Copy Trading', [], false],
];

function walletBalance(ctx: EndpointContext): unknown {
  const { account, now, params } = ctx;
  const quoteAsset = params.str('quoteAsset') ?? 'BTC';
  const quote = account.assets.indexOf(quoteAsset);
  if (quote < 0) throw Errors.invalidParam('quoteAsset');
  const assetIndex = new Map(account.assets.map((a, i) => [a, i]));
  const totals = new Map<WalletName, number>();
  for (const b of account.balances) {
    const i = assetIndex.get(b.asset);
    if (i === undefined) continue;
    const held = Number(b.free) + Number(b.locked);
    const inQuote = (held * usdAt(account.prices, i, now)) / usdAt(account.prices, quote, now);
    totals.set(b.wallet, (totals.get(b.wallet) ?? 0) + inQuote);
  }
  return WALLETS.map(([walletName, holds, activate]) => ({
    activate,
    balance: fmtShort(Math.floor(holds.reduce((sum, w) => sum + (totals.get(w) ?? 0), 0) * UNIT)),
    walletName,
  }));
}

export const WALLET_BALANCE_ENDPOINT: EndpointDef = {
  method: 'GET',
  path: '/sapi/v1/asset/wallet/balance',
  security: 'USER_DATA',
  limit: 'sapi-ip',
  weight: 60,
  permission: 'permitsUniversalTransfer',
  handle: walletBalance,
};
