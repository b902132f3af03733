/**
 * Per-wallet totals (CONTRACT.md 4.19): `GET /sapi/v1/asset/wallet/balance`, Weight(IP) 60. The exchange
 * wants the "Permits Universal Transfer" permission for it [DEVP], which the read-only key check refuses,
 * so with the keys this client accepts it answers -2015: the read is optional, its refusal is a value
 * (`undefined`), and the sync does not call it. A caller holding such a key (or a future exchange that
 * drops the requirement, as [CJS] suggests) gets which wallets hold value, e.g. futures or margin wallets
 * no history in the ledger covers.
 */
import type { BinanceClient } from '../client.js';
import { endpoints } from '../endpoints.js';
import { BinanceApiError } from '../errors.js';
import { amount, arrayBody, bool, text } from '../values.js';

/** One wallet's total, valued in the quote asset. */
export interface WalletTotal {
  walletName: string;
  activate: boolean;
  /** Canonical decimal, in the quote asset. */
  balance: string;
}

/** The wallets' totals in `quoteAsset` (default BTC), or undefined when the key may not read them (-2015). */
export async function readWalletTotals(
  client: BinanceClient,
  options: { quoteAsset?: string; signal?: AbortSignal } = {},
): Promise<WalletTotal[] | undefined> {
  try {
    const { body } = await client.call(
      endpoints.walletBalance,
      options.quoteAsset ? { quoteAsset: options.quoteAsset } : {},
      {
        ...(options.signal ? { signal: options.signal } : {}),
        countRecords: (b) => (Array.isArray(b) ? b.length : 0),
      },
    );
    return arrayBody(body, 'wallet/balance').map((row) => ({
      walletName: text(row, 'walletName'),
      activate: bool(row, 'activate'),
      balance: amount(row, 'balance'),
    }));
  } catch (error) {
    if (error instanceof BinanceApiError && error.binanceCode === -2015) return undefined;
    throw error;
  }
}
