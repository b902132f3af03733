/**
 * Tuples: short arrays whose positions differ in kind (Binance klines, Kraken and Phoenix WebSocket
 * messages) get one schema per position (`prefixItems`), through inference, model merge, drift, OpenAPI
 * and TS types; lists (of objects, of price/quantity string pairs) stay lists.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  mergeSchemaAcc,
  newSchemaAcc,
  observeValue,
  resolveAnalyzeOptions,
  toJsonSchema,
} from '../../analyzers/index.js';
import { mergeJsonSchemas, validateOpenApi } from '../../model/index.js';
import { findDrift } from '../../replay/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { entry, har } from './build.js';

const ctx = resolveAnalyzeOptions();
const tempDir = useTempDirs();

const infer = (values: unknown[]) => {
  const acc = newSchemaAcc();
  for (const v of values) observeValue(acc, v, ctx);
  return toJsonSchema(acc);
};

/** A kline as GET /api/v3/klines answers it: 12 positions, numbers and decimal strings. */
const kline = (t: number, price: number): unknown[] => [
  t,
  price.toFixed(8),
  (price * 1.01).toFixed(8),
  (price * 0.99).toFixed(8),
  (price * 1.005).toFixed(8),
  '148976.11427815',
  t + 59_999,
  '2434.19055334',
  308 + (t % 7),
  '1756.87402397',
  '28.46694368',
  '0',
];
const klines = (n: number, t0: number) =>
  Array.from({ length: n }, (_, i) => kline(t0 + i * 60_000, 0.0163 + i / 1e4));

describe('tuple inference', () => {
  it('gives each kline position its own type and format', () => {
    const s = infer([klines(5, 1_499_040_000_000), klines(3, 1_499_050_000_000)]);
    const item = s.items as Record<string, unknown>;
    expect(item).toMatchObject({ type: 'array', minItems: 12, 'x-tuple': true });
    const p = item.prefixItems as Record<string, unknown>[];
    expect(p).toHaveLength(12);
    expect(p[0]).toMatchObject({ type: 'integer', format: 'epoch-millis' });
    expect(p[1]).toMatchObject({ type: 'string', format: 'decimal-string' });
    expect(p[6]).toMatchObject({ type: 'integer', format: 'epoch-millis' });
    expect(p[8]).toMatchObject({ type: 'integer' });
    expect(item.items).toBeUndefined();
  });

  it('keeps lists as lists: objects, string pairs, long arrays, and positions whose kinds change', () => {
    expect(infer([[{ a: 1 }, { a: 2, b: 'x' }]]).items).toMatchObject({ type: 'object' });
    const depth = infer([
      {
        bids: [
          ['0.1', '2'],
          ['0.2', '3'],
        ],
      },
    ]);
    expect((depth.properties as Record<string, Record<string, unknown>>).bids?.items).toEqual({
      type: 'array',
      items: { type: 'string', format: 'decimal-string' },
    });
    const long = infer([[1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e', 6, 'f', 7, 'g', 8, 'h', 9]]);
    expect(long.prefixItems).toBeUndefined();
    expect(long.items).toEqual({ type: ['string', 'integer'] });
    // The first sample reads as a tuple, the second swaps kinds: a list of strings and numbers.
    const swapped = infer([
      [1, 'a'],
      ['b', 2],
    ]);
    expect(swapped.prefixItems).toBeUndefined();
    expect(swapped.items).toEqual({ type: ['string', 'integer'] });
  });

  it('a tuple that turns out longer than the cap becomes a list holding every item seen before', () => {
    const s = infer([
      ['trade', { p: '1' }],
      ['trade', { p: '2' }, ...Array.from({ length: 20 }, () => 'x')],
    ]);
    expect(s.prefixItems).toBeUndefined();
    expect(s.items).toMatchObject({
      anyOf: [{ type: 'string' }, { type: 'object', properties: { p: { 'x-seen': 2 } } }],
    });
  });

  it('variable-length tuples: positions past the shortest are optional', () => {
    const s = infer([
      ['trade', { p: '1' }],
      ['trade', { p: '2' }, 17],
    ]);
    expect(s).toMatchObject({ minItems: 2, 'x-tuple': true });
    expect((s.prefixItems as unknown[]).length).toBe(3);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const ok = ajv.compile(s);
    expect(ok(['trade', { p: '3' }])).toBe(true);
    expect(ok(['trade', { p: '3' }, 4])).toBe(true);
    expect(ok([{ p: '3' }, 'trade'])).toBe(false);
    expect(ok(['trade'])).toBe(false);
  });

  it('merging accumulators position by position equals observing every value in one', () => {
    const a = newSchemaAcc();
    const b = newSchemaAcc();
    const all = newSchemaAcc();
    const xs = klines(4, 1_600_000_000_000);
    const ys = klines(2, 1_700_000_000_000);
    for (const v of xs) observeValue(a, v, ctx);
    for (const v of ys) observeValue(b, v, ctx);
    for (const v of [...xs, ...ys]) observeValue(all, v, ctx);
    mergeSchemaAcc(a, b, ctx);
    expect(toJsonSchema(a)).toEqual(toJsonSchema(all));
    // A tuple merged with a list is a list of everything.
    const list = newSchemaAcc();
    observeValue(list, ['x', 'y', 'z'], ctx);
    mergeSchemaAcc(list, b, ctx);
    expect(toJsonSchema(list).prefixItems).toBeUndefined();
  });

  it('merges across captures: tuple with tuple by position, tuple with list into a list', () => {
    const t1 = infer([['trade', 1]]);
    const t2 = infer([['trade', 2, true]]);
    const merged = mergeJsonSchemas(t1, t2);
    expect(merged).toMatchObject({ type: 'array', minItems: 2, 'x-tuple': true });
    expect(merged.prefixItems).toEqual([
      expect.objectContaining({ type: 'string' }),
      expect.objectContaining({ type: 'integer' }),
      { type: 'boolean' },
    ]);
    const withList = mergeJsonSchemas(t1, infer([['a', 'b']]));
    expect(withList.prefixItems).toBeUndefined();
    expect(withList.items).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
  });

  it('drift names the position that changed type, and a position that is gone', () => {
    const schema = infer([klines(2, 1_499_040_000_000)]);
    const changed = klines(2, 1_499_040_000_000) as unknown[][];
    (changed[1] as unknown[])[1] = 0.0164;
    expect(findDrift(changed, schema).map((d) => `${d.kind} ${d.pointer}`)).toEqual(['type_changed /1/1']);
    const short = [kline(1_499_040_000_000, 0.0163).slice(0, 11)];
    expect(findDrift(short, schema).map((d) => `${d.kind} ${d.pointer}`)).toEqual(['field_removed /0/11']);
  });
});

describe('ledgertap analyze on a klines endpoint', () => {
  it('writes prefixItems to the OpenAPI document and a tuple to the TS types', async () => {
    const dir = await tempDir();
    const entries = [0, 1, 2].map((i) =>
      entry({
        url: `https://api.binance.test/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${1_499_040_000_000 + i * 3_600_000}`,
        response: klines(4 + i, 1_499_040_000_000 + i * 3_600_000),
      }),
    );
    await writeFile(`${dir}/k.har`, JSON.stringify(har(entries)));
    const r = await runCliInProcess(
      ['analyze', 'k.har', '--out', 'model.json', '--openapi', 'api.yaml', '--types', 'api.d.ts'],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const doc = parseYaml(await readFile(`${dir}/api.yaml`, 'utf8')) as Record<string, unknown>;
    expect(await validateOpenApi(doc)).toEqual([]);
    const text = JSON.stringify(doc);
    expect(text).toContain('"prefixItems"');
    const types = await readFile(`${dir}/api.d.ts`, 'utf8');
    // Twelve positions, open past the last: number, then strings for the prices.
    expect(types).toMatch(/\[\s*number,\s*string,\s*string,\s*string,\s*string,\s*string,\s*number,/);
    expect(types).toMatch(/\.\.\.unknown\[\]\s*\]/);
  });
});
