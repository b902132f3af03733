/**
 * The account-model schemas: every kind has a schema that compiles, the union covers every kind, and the
 * generated types are what `npm run gen` produces (checked by the script itself in CI; here the
 * schemas' own invariants).
 */
import { describe, expect, it } from 'vitest';
import { checkAccountRecord, isValidAccountRecord } from '../../ledger/index.js';
import { ACCOUNT_KINDS, accountSchema, accountSchemas } from '../../schemas/index.js';
import { trade } from './fixtures.js';

describe('account schemas', () => {
  it('has one schema per kind plus the union', () => {
    expect([...accountSchemas().keys()].sort()).toEqual([...ACCOUNT_KINDS, 'record'].sort());
    const union = accountSchema('record')['oneOf'] as { $ref: string }[];
    expect(union.map((r) => r.$ref.replace('.schema.json', '')).sort()).toEqual([...ACCOUNT_KINDS].sort());
  });

  it.each(ACCOUNT_KINDS)('%s requires the common fields and pins kind', (kind) => {
    const schema = accountSchema(kind);
    expect(schema['required']).toEqual(expect.arrayContaining(['kind', 'id', 'account', 'time']));
    expect((schema['properties'] as Record<string, { const?: string }>)['kind']?.const).toBe(kind);
    expect(schema['additionalProperties']).toBe(false);
  });

  it('accepts canonical decimals and refuses the rest', () => {
    for (const ok of ['0', '1', '0.5', '123.000001', '100'])
      expect(isValidAccountRecord({ ...trade(1), qty: ok })).toBe(true);
    for (const bad of ['-1', '01', '1.0', '.5', '1e5', '1,5', ' 1', '', 'NaN', '0.10'])
      expect(checkAccountRecord({ ...trade(1), qty: bad })?.field).toBe('/qty');
  });

  it('accepts asset codes in any script and refuses lower case, spaces and control characters', () => {
    const base = trade(1);
    for (const ok of ['BTC', '1000SATS', 'BTC.B', '币安人生', '这是测试币456'])
      expect(checkAccountRecord({ ...base, feeAsset: ok })).toBeUndefined();
    for (const bad of ['btc', 'BT C', 'BTC\n', '', '-BTC', 'A'.repeat(33)])
      expect(checkAccountRecord({ ...base, feeAsset: bad })).toMatchObject({ field: '/feeAsset' });
    expect(checkAccountRecord({ ...base, feeAsset: 'btc' })?.message).toMatch(/asset code/);
  });

  it('names the kind when it is unknown and survives hostile input', () => {
    expect(checkAccountRecord({ kind: 'nope', id: 'x' })).toMatchObject({ kind: 'nope', field: '/kind' });
    expect(checkAccountRecord(null)?.message).toBe('is not an object');
    expect(checkAccountRecord([trade(1)])?.message).toBe('is not an object');
    expect(checkAccountRecord({ ...trade(1), id: 'x'.repeat(10_000) })?.field).toBe('/id');
    expect(checkAccountRecord({ ...trade(1), raw: 'text' })?.field).toBe('/raw');
  });
});
