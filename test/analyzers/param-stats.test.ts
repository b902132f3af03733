import { describe, expect, it } from 'vitest';
import { resolveAnalyzeOptions } from '../../analyzers/index.js';
import { observeParam, type ParamStats } from '../../analyzers/param-stats.js';

const ctx = resolveAnalyzeOptions();

describe('parameter examples', () => {
  // A value repeated from the last one skips re-deriving its example: the examples must be the same as
  // when every value is looked at (the first three distinct, redacted ones).
  it.each([
    [
      ['50', '50', '20', '50', '10', '30'],
      ['50', '20', '10'],
    ],
    [
      ['a', 'b', 'a', 'b', 'c'],
      ['a', 'b', 'c'],
    ],
    [['x', 'x', 'x'], ['x']],
    [
      ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2ln', '7'],
      ['[redacted]', '7'],
    ],
  ])('%j → %j', (values, examples) => {
    const map = new Map<string, ParamStats>();
    for (const v of values) observeParam(map, 'limit', v, ctx, 10, (x) => x);
    expect(map.get('limit')).toMatchObject({ seen: values.length, examples });
  });
});
