/**
 * Money is never a float (DESIGN.md convention 10). Amounts travel as decimal strings and are computed
 * with decimal.js, configured once here with enough precision for any exchange amount (Binance uses up
 * to 8 decimals on 20-digit integers; 60 significant digits leaves room for sums of millions of rows).
 */
import { Decimal as DecimalJs } from 'decimal.js';

export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -60,
  toExpPos: 60,
});
export type Decimal = InstanceType<typeof Decimal>;
export type DecimalInput = string | number | bigint | Decimal;

const PLAIN_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const SCIENTIFIC = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;

/** True for `12`, `-0.5`, `.5`, `1e-8` and the like: what an exchange or a CSV may hold as an amount. */
export function isDecimalString(text: string): boolean {
  return PLAIN_DECIMAL.test(text) || SCIENTIFIC.test(text);
}

/** A Decimal from a string, bigint or safe number. Throws a RangeError on anything that is not a number. */
export function dec(value: DecimalInput): Decimal {
  if (value instanceof Decimal) return value;
  if (typeof value === 'bigint') return new Decimal(value.toString());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    // Numbers reach here only from JSON fields that are documented as numbers (ids, rates); keep their shortest form.
    return new Decimal(String(value));
  }
  const trimmed = value.trim();
  if (!isDecimalString(trimmed)) throw new RangeError(`not a decimal number: ${JSON.stringify(value)}`);
  return new Decimal(trimmed);
}

/**
 * The canonical text of an amount: plain notation, no exponent, no trailing zeros, no `-0`.
 * `"0.00150000"` → `"0.0015"`, `"1.0"` → `"1"`, `"1e-8"` → `"0.00000001"`. Every stored amount uses it,
 * so records from the API, the web app and CSV compare equal as strings.
 */
export function canonicalDecimal(value: DecimalInput): string {
  const d = dec(value);
  if (d.isZero()) return '0';
  return d.toFixed();
}

export function addDecimals(...values: DecimalInput[]): string {
  let sum = new Decimal(0);
  for (const v of values) sum = sum.plus(dec(v));
  return canonicalDecimal(sum);
}

export function subDecimals(a: DecimalInput, b: DecimalInput): string {
  return canonicalDecimal(dec(a).minus(dec(b)));
}

export function mulDecimals(a: DecimalInput, b: DecimalInput): string {
  return canonicalDecimal(dec(a).times(dec(b)));
}

export function negateDecimal(a: DecimalInput): string {
  return canonicalDecimal(dec(a).negated());
}

export function compareDecimals(a: DecimalInput, b: DecimalInput): -1 | 0 | 1 {
  return dec(a).comparedTo(dec(b)) as -1 | 0 | 1;
}

export function isZeroDecimal(a: DecimalInput): boolean {
  return dec(a).isZero();
}

/**
 * A running sum per key (asset): what reconcile and the truth checks use.
 * Keeps Decimals inside and hands out canonical strings.
 */
export class DecimalTotals {
  private readonly totals = new Map<string, Decimal>();

  add(key: string, amount: DecimalInput): void {
    this.totals.set(key, (this.totals.get(key) ?? new Decimal(0)).plus(dec(amount)));
  }

  get(key: string): string {
    return canonicalDecimal(this.totals.get(key) ?? new Decimal(0));
  }

  keys(): string[] {
    return [...this.totals.keys()].sort();
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of this.keys()) out[key] = this.get(key);
    return out;
  }
}
