import { describe, expect, it } from 'vitest';
import {
  DecimalTotals,
  addDecimals,
  canonicalDecimal,
  dec,
  isDecimalString,
  subDecimals,
} from '../../core/index.js';

describe('decimal helpers', () => {
  it.each([
    ['0.00150000', '0.0015'],
    ['1.0', '1'],
    ['-0.000', '0'],
    ['1e-8', '0.00000001'],
    ['4723846.89208129', '4723846.89208129'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
    ['.5', '0.5'],
  ])('canonical form of %s is %s', (input, expected) => {
    expect(canonicalDecimal(input)).toBe(expected);
  });

  it('adds without float error', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(subDecimals('1', '0.00000001')).toBe('0.99999999');
  });

  it('keeps every digit of sums over many rows', () => {
    const totals = new DecimalTotals();
    for (let i = 0; i < 10_000; i++) totals.add('BTC', '0.00000001');
    totals.add('ETH', '-1.5');
    expect(totals.toObject()).toEqual({ BTC: '0.0001', ETH: '-1.5' });
  });

  it('rejects what is not a number', () => {
    expect(isDecimalString('12abc')).toBe(false);
    expect(isDecimalString('1,000')).toBe(false);
    expect(() => dec('NaN')).toThrow(RangeError);
    expect(() => dec(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
