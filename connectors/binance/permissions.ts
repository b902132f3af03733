/**
 * The read-only guarantee, checked before the first read (CONTRACT.md §4.17): a key that can withdraw,
 * trade, transfer or use margin/futures/options is refused, naming each permission to switch off.
 */
import { ExchangeApiError } from '../../core/index.js';
import type { BinanceClient } from './client.js';
import { endpoints } from './endpoints.js';
import { UnsafeKeyError } from './errors.js';
import { isObject } from './values.js';
import type { JsonObject } from './values.js';

/** Each dangerous flag of apiRestrictions and the name Binance's API Management page gives it. */
export const UNSAFE_PERMISSIONS: ReadonlyArray<readonly [field: string, label: string]> = [
  ['enableWithdrawals', 'Enable Withdrawals'],
  ['enableSpotAndMarginTrading', 'Enable Spot & Margin Trading'],
  ['enableMargin', 'Enable Margin Loan, Repay & Transfer'],
  ['enableFutures', 'Enable Futures'],
  ['enableInternalTransfer', 'Enable Internal Transfer'],
  ['permitsUniversalTransfer', 'Permits Universal Transfer'],
  ['enableVanillaOptions', 'Enable European Options'],
  ['enablePortfolioMarginTrading', 'Enable Portfolio Margin Trading'],
  ['enableFixApiTrade', 'Enable FIX API Trading'],
];

export interface KeyCheck {
  /** Labels of the permissions that are on and should be off. */
  unsafe: string[];
  enableReading: boolean;
  ipRestrict: boolean | undefined;
  raw: JsonObject;
}

/** Reads the flags (booleans, or "true"/"false" strings) from an apiRestrictions body. */
export function evaluateRestrictions(body: unknown): KeyCheck {
  if (!isObject(body)) {
    throw new ExchangeApiError(
      'unexpected_response',
      'binance: /sapi/v1/account/apiRestrictions did not return an object.',
    );
  }
  const on = (field: string): boolean => body[field] === true || body[field] === 'true';
  return {
    unsafe: UNSAFE_PERMISSIONS.filter(([field]) => on(field)).map(([, label]) => label),
    enableReading: on('enableReading'),
    ipRestrict: body['ipRestrict'] === undefined ? undefined : on('ipRestrict'),
    raw: body,
  };
}

/**
 * Asserts the key reads and does nothing else. With `allowUnsafe`, a key with extra permissions is
 * accepted and the caller must warn loudly (the returned check says what was allowed).
 */
export async function checkReadOnlyKey(
  client: BinanceClient,
  options: { allowUnsafe?: boolean; signal?: AbortSignal } = {},
): Promise<KeyCheck> {
  const res = await client.call(
    endpoints.apiRestrictions,
    {},
    options.signal ? { signal: options.signal } : {},
  );
  const check = evaluateRestrictions(res.body);
  if (!check.enableReading) {
    throw new ExchangeApiError('key_cannot_read', 'binance: this API key does not have "Enable Reading".', {
      hint: 'Enable "Enable Reading" for the key in API Management.',
      exitCode: 2,
    });
  }
  if (check.unsafe.length > 0 && !options.allowUnsafe) throw new UnsafeKeyError(check.unsafe);
  return check;
}
