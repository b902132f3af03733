/**
 * The account's USD price curves: one seeded curve per asset (a base price swinging on a slow sine), the
 * prices the generator traded, converted and valued at. Kept on the account so the API can value
 * balances at any past instant (accountSnapshot's totalAssetOfBtc) with the generator's own prices.
 */

/** Per asset index: base price, log amplitude, period (ms) and phase of the curve; `createdAt` anchors it. */
export interface PriceCurves {
  createdAt: number;
  usd0: Float64Array;
  amp: Float64Array;
  period: Float64Array;
  phase: Float64Array;
}

/** USD price of asset index `asset` at time t. */
export function usdAt(curves: PriceCurves, asset: number, t: number): number {
  const p0 = curves.usd0[asset] as number;
  const amp = curves.amp[asset] as number;
  if (amp === 0) return p0;
  return (
    p0 *
    Math.exp(
      amp *
        Math.sin(
          (2 * Math.PI * (t - curves.createdAt)) / (curves.period[asset] as number) +
            (curves.phase[asset] as number),
        ),
    )
  );
}
