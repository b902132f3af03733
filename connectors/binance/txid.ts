/**
 * Transfer ids. For an internal (Binance-to-Binance) deposit or withdrawal the API's `txId` and the
 * exports' TXID column read `Internal transfer 123456`; the normalized model keeps the exchange's id alone
 * (docs/normalized-model.md), so the API and CSV copies of one transfer carry the same `txId`.
 */

/** `Internal transfer 123456` → `123456`; a plain hash stays as is. */
export function stripInternalPrefix(txId: string): { txId: string; internal: boolean } {
  const m = /^internal\s*transfer\s*:?\s*(.*)$/i.exec(txId.trim());
  return m ? { txId: m[1]!.trim(), internal: true } : { txId: txId.trim(), internal: false };
}

/** The normalized `txId` of an API deposit or withdrawal row (undefined when empty). */
export function normalizedTxId(txId: string | undefined, internal: boolean): string | undefined {
  if (txId === undefined) return undefined;
  const out = internal ? stripInternalPrefix(txId).txId : txId;
  return out === '' ? undefined : out;
}
