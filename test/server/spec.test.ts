/**
 * The OpenAPI document: valid OpenAPI 3.1 (as written, and as served with the account schemas embedded),
 * every record kind's schema reachable from the record union, and the embedded schemas exactly the files of
 * schemas/account/.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACCOUNT_KINDS, accountSchema } from '../../schemas/index.js';
import {
  bundledNormalizedApiSpec,
  bundledNormalizedApiSpecYaml,
  loadNormalizedApiSpec,
  normalizedApiSpecPath,
} from '../../server/index.js';
import { balanceChange } from '../ledger/fixtures.js';
import { componentValidator, expectSchema, truthRecords } from './helpers.js';

type Components = { schemas: Record<string, Record<string, unknown>> };

describe('normalized-api.openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document as written', async () => {
    const validator = new Validator();
    // The external references are the account schema files beside the document.
    for (const kind of ACCOUNT_KINDS)
      await validator.addSpecRef(structuredClone(accountSchema(kind)), `./account/${kind}.schema.json`);
    const result = await validator.validate(loadNormalizedApiSpec());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is checked by a validator that refuses a broken document', async () => {
    const broken = structuredClone(bundledNormalizedApiSpec()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // A path parameter that is not required is invalid OpenAPI.
    const params = (
      broken.paths['/v1/accounts/{account}/records/{kind}/{id}']?.['get'] as { parameters: unknown[] }
    ).parameters;
    params[1] = { name: 'kind', in: 'path', required: false, schema: { type: 'string' } };
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it('is a valid OpenAPI 3.1 document as served (account schemas embedded)', async () => {
    const validator = new Validator();
    const result = await validator.validate(parse(bundledNormalizedApiSpecYaml()) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('refers to the account schemas in schemas/account/ and embeds them unchanged when served', () => {
    const written = (loadNormalizedApiSpec()['components'] as Components).schemas;
    const served = (bundledNormalizedApiSpec()['components'] as Components).schemas;
    const refs = Object.entries(written)
      .filter(([, s]) => typeof s['$ref'] === 'string' && (s['$ref'] as string).startsWith('./account/'))
      .map(([name, s]) => [name, s['$ref']]);
    expect(refs).toHaveLength(ACCOUNT_KINDS.length);
    for (const [name, ref] of refs) {
      const kind = /\.\/account\/(.+)\.schema\.json$/.exec(
        ref as string,
      )?.[1] as (typeof ACCOUNT_KINDS)[number];
      const { $schema: _drop, ...expected } = accountSchema(kind);
      expect(served[name as string]).toEqual(expected);
      // The reference resolves to a real file next to the document.
      const file = new URL(ref as string, `file://${normalizedApiSpecPath()}`);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(accountSchema(kind));
    }
  });

  it('reaches every record kind from AccountRecord (oneOf and discriminator)', () => {
    const served = (bundledNormalizedApiSpec()['components'] as Components).schemas;
    const union = served['AccountRecord'] as {
      oneOf: { $ref: string }[];
      discriminator: { mapping: Record<string, string> };
    };
    const reached = union.oneOf.map((s) => {
      const name = s.$ref.replace('#/components/schemas/', '');
      return (served[name]?.['properties'] as { kind: { const: string } }).kind.const;
    });
    expect(reached.sort()).toEqual([...ACCOUNT_KINDS].sort());
    expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...ACCOUNT_KINDS].sort());
    for (const [kind, ref] of Object.entries(union.discriminator.mapping)) {
      const name = ref.replace('#/components/schemas/', '');
      expect((served[name]?.['properties'] as { kind: { const: string } }).kind.const).toBe(kind);
    }
    expect((served['RecordKind'] as { enum: string[] }).enum).toEqual([...ACCOUNT_KINDS]);
  });

  it('accepts a real record of every kind and refuses a broken one', () => {
    const seen = new Set<string>();
    // The sandbox's truth has every kind an exchange route lists; a balance change only a statement has.
    const card = balanceChange(`card:stmt:EUR:${Date.UTC(2024, 0, 1)}:-12.5`, 'EUR', '-12.5');
    for (const record of [...truthRecords(), card]) {
      const { source: _s, raw: _r, ...content } = record as typeof record & { raw?: unknown };
      expectSchema('AccountRecord', content);
      seen.add(record.kind);
    }
    expect([...seen].sort()).toEqual([...ACCOUNT_KINDS].sort());
    const validate = componentValidator('AccountRecord');
    expect(validate({ kind: 'trade', id: 'x', account: 'main', time: 1 })).toBe(false);
    expect(validate({ kind: 'nope', id: 'x', account: 'main', time: 1 })).toBe(false);
    // A balance change is signed, but never "-0", and its category is one of the model's.
    const { source: _s, ...valid } = card as typeof card & { source?: unknown };
    expect(validate({ ...valid, amount: '-0' })).toBe(false);
    expect(validate({ ...valid, category: 'loan' })).toBe(false);
    expect(validate({ ...valid, asset: '这是测试币456', amount: '7' })).toBe(true);
  });
});
