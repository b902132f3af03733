/**
 * Scaled-integer amounts: the generator counts in units of 1e-8 (the exchange's 8 decimals) so sums are
 * exact, and formats them as the exchange does ("12.00000000") or canonically for the truth.
 */
export const UNIT = 100_000_000;

/** Units of 1e-8 to the exchange's fixed 8-decimal string: 150000 -> "0.00150000". */
export function fmt8(units: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`amount units not a safe integer: ${units}`);
  const neg = units < 0;
  const abs = Math.abs(units);
  const whole = Math.floor(abs / UNIT);
  const frac = String(abs % UNIT).padStart(8, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** Units of 1e-8 to a short string without trailing zeros ("10.54" style, used where the exchange trims). */
export function fmtShort(units: number): string {
  const s = fmt8(units);
  const t = s.replace(/0+$/, '').replace(/\.$/, '');
  return t === '-0' ? '0' : t;
}

/** Units of 1e-8 with `decimals` fraction digits (fiat amounts "10.00"); units must be a multiple of the step. */
export function fmtFixed(units: number, decimals: number): string {
  const s = fmt8(units);
  const [whole, frac = ''] = s.split('.');
  return decimals === 0 ? (whole as string) : `${whole}.${frac.slice(0, decimals)}`;
}

/** Float to units, floored (amounts the generator derives from prices). */
export function toUnits(value: number): number {
  return Math.floor(value * UNIT);
}

/** Epoch ms to "YYYY-MM-DD HH:mm:ss" UTC (withdraw applyTime/completeTime). */
export function fmtUtcDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A decimal string of at most 8 fraction digits ("-1.5", "0.00150000") to units of 1e-8, exactly. */
export function parseUnits(text: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{0,8}))?$/.exec(text);
  if (!m) throw new RangeError(`not an amount of at most 8 decimals: ${text}`);
  const units = Number(m[2]) * UNIT + Number((m[3] ?? '').padEnd(8, '0'));
  if (!Number.isSafeInteger(units)) throw new RangeError(`amount units not a safe integer: ${text}`);
  return m[1] ? -units : units;
}
