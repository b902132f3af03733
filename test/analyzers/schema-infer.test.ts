import { describe, expect, it } from 'vitest';
import {
  newSchemaAcc,
  observeValue,
  resolveAnalyzeOptions,
  toJsonSchema,
  mergeSchemaAcc,
} from '../../analyzers/index.js';
import { analyzeFixture } from './fixtures.js';

const ctx = resolveAnalyzeOptions();
const infer = (values: unknown[], c = ctx) => {
  const acc = newSchemaAcc();
  for (const v of values) observeValue(acc, v, c);
  return toJsonSchema(acc);
};

describe('schema inference', () => {
  it('required from presence over all samples, with per-field evidence', () => {
    const s = infer([{ a: 1, b: 'x' }, { a: 2 }, { a: 3 }]);
    expect(s.required).toEqual(['a']);
    expect(s.properties).toMatchObject({
      a: { 'x-seen': 3, 'x-presence': 1 },
      b: { 'x-seen': 1, 'x-presence': 0.333 },
    });
  });

  // Records that repeat the last one's keys reuse its children: a reordered, shorter or longer key list
  // must still count every field where it is, property order stays that of first appearance.
  it('counts every field when records repeat, reorder, drop or add keys', () => {
    const s = infer([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
      { b: 'z', a: 3 },
      { b: 'z', a: 4 },
      { a: 5 },
      { a: 6, b: 'w', c: true },
      { a: 7, b: 'v', c: false },
      { a: 8, b: 'u' },
    ]);
    expect(Object.keys(s.properties as object)).toEqual(['a', 'b', 'c']);
    expect(s.required).toEqual(['a']);
    expect(s.properties).toMatchObject({
      a: { 'x-seen': 8, 'x-presence': 1, type: 'integer' },
      b: { 'x-seen': 7, 'x-presence': 0.875, type: 'string' },
      c: { 'x-seen': 2, 'x-presence': 0.25, type: 'boolean' },
    });
  });

  it('a record node that meets id keys or too many keys still becomes a map after repeats', () => {
    const few = resolveAnalyzeOptions({ maxObjectKeys: 3 });
    const wide = infer(
      [
        { a: 1, b: 2 },
        { a: 1, b: 2 },
        { a: 1, b: 2, c: 3, d: 4 },
        { a: 1, b: 2 },
      ],
      few,
    );
    expect(wide).toEqual({ type: 'object', additionalProperties: { type: 'integer' }, 'x-map': 'many' });
    const ids = infer([
      { a: 'x', b: 'y' },
      { a: 'x', b: 'y' },
      { '101': 'x', '102': 'y' },
      { a: 'x', b: 'y' },
    ]);
    expect(ids).toMatchObject({ additionalProperties: { type: 'string' }, 'x-map': 'id' });
    expect(ids.properties).toBeUndefined();
  });

  it('nullable as a type array, mixed kinds as anyOf or a type array', () => {
    expect(infer(['a', null])).toEqual({ type: ['string', 'null'] });
    expect(infer([1, 'a'])).toEqual({ type: ['string', 'integer'] });
    expect(infer([{ a: 1 }, [1]])).toEqual({
      anyOf: [{ type: 'array', items: { type: 'integer' } }, expect.objectContaining({ type: 'object' })],
    });
  });

  it('merges array items over every element, not the first', () => {
    const s = infer([[{ a: 1 }, { b: 'x' }]]);
    expect(s.items).toMatchObject({ properties: { a: { 'x-presence': 0.5 }, b: { 'x-presence': 0.5 } } });
    expect((s.items as { required?: unknown }).required).toBeUndefined();
  });

  it('turns objects keyed by ids or symbols into maps', () => {
    const s = infer([{ BTCUSDT: { p: '1.0' }, ETHUSDT: { p: '2.0' } }]);
    expect(s).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'object', properties: { p: { format: 'decimal-string' } } },
    });
    expect(s.properties).toBeUndefined();
  });

  it('emits enums only where repetition supports them', () => {
    expect(infer(['BUY', 'SELL', 'BUY', 'SELL', 'BUY', 'SELL'])).toMatchObject({ enum: ['BUY', 'SELL'] });
    expect(infer(['BUY', 'SELL'])).not.toHaveProperty('enum');
    expect(infer(['a', 'b', 'c', 'd', 'e', 'f'])).not.toHaveProperty('enum');
  });

  it('recognises formats, epoch times and decimal strings, and amounts that were whole in every sample', () => {
    const s = infer([{ t: 1767225600000, ts: 1767225600, price: '1.5', qty: '3', id: '940708407462087195' }]);
    expect(s.properties).toMatchObject({
      t: { type: 'integer', format: 'epoch-millis' },
      ts: { type: 'integer', format: 'epoch-seconds' },
      price: { format: 'decimal-string' },
      qty: { format: 'decimal-string' },
      id: { format: 'integer-string' },
    });
  });

  it('keeps objects open (no additionalProperties: false)', () => {
    expect(infer([{ a: 1 }])).not.toHaveProperty('additionalProperties');
  });

  it('stops at the depth cap with an open schema', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const s = infer([deep]);
    let node = s as Record<string, unknown>;
    let depth = 0;
    while ((node.properties as Record<string, unknown> | undefined)?.a) {
      node = (node.properties as Record<string, Record<string, unknown>>).a as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(ctx.maxDepth);
    expect(node.description).toMatch(/depth cap/);
  });

  it('bounds a million-key object to a map', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) big[`k${i}`] = i;
    const acc = newSchemaAcc();
    observeValue(acc, big, ctx);
    expect(acc.obj?.props.size).toBe(0);
    expect(toJsonSchema(acc)).toMatchObject({ type: 'object', additionalProperties: { type: 'integer' } });
  });

  it('merging two accumulators equals observing all values in one', () => {
    const a = newSchemaAcc();
    const b = newSchemaAcc();
    const all = newSchemaAcc();
    const values = [{ x: 1, y: 'a' }, { x: null }, { x: 2.5, z: [1] }];
    values.forEach((v, i) => {
      observeValue(i % 2 ? a : b, v, ctx);
      observeValue(all, v, ctx);
    });
    mergeSchemaAcc(a, b, ctx);
    expect(toJsonSchema(a)).toEqual(toJsonSchema(all));
  });
});

describe('body schemas per operation (schemas.har)', () => {
  const r = analyzeFixture('schemas');
  const op = (id: string) => r.operations.find((o) => o.id === id);
  it('per status and media type, merged over all samples', () => {
    const res = op('get_v1_trades')?.responses[0];
    expect(res).toMatchObject({
      status: 200,
      samples: 2,
      bodies: [{ mediaType: 'application/json', samples: 2 }],
    });
    const s = res?.bodies[0]?.schema as { properties: Record<string, Record<string, unknown>> };
    expect(s.properties.created).toMatchObject({ format: 'date-time' });
    expect(s.properties.site).toMatchObject({ format: 'uri' });
    expect(s.properties.ip).toMatchObject({ format: 'ipv4' });
    expect(s.properties.balances).toMatchObject({ additionalProperties: { required: ['free'] } });
    const items = (
      s.properties.trades as { items: { properties: Record<string, unknown>; required: string[] } }
    ).items;
    expect(items.properties.note).toMatchObject({ type: ['string', 'null'] });
    expect(items.properties.side).toMatchObject({ enum: ['BUY', 'SELL'] });
    expect(items.properties.uuid).toMatchObject({ format: 'uuid' });
    expect(items.required).not.toContain('fee');
  });
  it('infers form and multipart bodies', () => {
    expect(op('post_v1_profile')?.requestBodies[0]).toMatchObject({
      mediaType: 'application/x-www-form-urlencoded',
      schema: {
        properties: {
          age: { type: 'integer' },
          newsletter: { type: 'boolean' },
          nickname: { type: 'string' },
        },
      },
    });
    expect(op('post_v1_kyc_upload')?.requestBodies[0]).toMatchObject({
      mediaType: 'multipart/form-data',
      schema: { properties: { kind: { type: 'string' }, file: { type: 'string' } } },
    });
  });
});
