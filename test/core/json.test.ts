import { describe, expect, it } from 'vitest';
import { parseJsonLossless, parseJsonWithPosition, stringifyJsonWithBigInt } from '../../core/index.js';

describe('lossless JSON', () => {
  it('keeps ids beyond 2^53 exact, as strings', () => {
    const text = '{"orderId":940708407462087195,"small":42,"price":"0.1","rate":0.05}';
    expect((JSON.parse(text) as { orderId: number }).orderId).toBe(940708407462087200);
    expect(parseJsonLossless(text)).toEqual({
      orderId: '940708407462087195',
      small: 42,
      price: '0.1',
      rate: 0.05,
    });
  });

  it('writes bigint values as bare numbers with every digit', () => {
    expect(stringifyJsonWithBigInt({ tranId: 8080000000000000001n, n: 1 })).toBe(
      '{"tranId":8080000000000000001,"n":1}',
    );
  });

  it('reports line and column of a syntax error', () => {
    const result = parseJsonWithPosition('{\n  "a": 1,\n  "b": }');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.line).toBe(3);
  });
});
