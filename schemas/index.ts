/**
 * The normalized account model (docs/normalized-model.md): the JSON Schemas in `schemas/account/` are the
 * source of truth, `generated/` holds the TS types json-schema-to-typescript derives from them, and this
 * file gives both to the rest of the code. schemas/ imports nothing (DESIGN.md section 2), so it only
 * loads the schema documents; validation with ajv lives in ledger/ (the gate every write passes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AccountRecord } from './generated/account/record.js';

export type {
  AccountRecord,
  AutoinvestExecution,
  AutoinvestPlan,
  Balance,
  BalanceChange,
  Conversion,
  Dividend,
  Dust,
  EarnPosition,
  EarnRedemption,
  EarnReward,
  EarnSubscription,
  FiatTransfer,
  Order,
  P2POrder,
  Trade,
  Transfer,
} from './generated/account/record.js';

/** Every record kind, in the order of docs/normalized-model.md. */
export const ACCOUNT_KINDS = [
  'balance',
  'order',
  'trade',
  'transfer',
  'conversion',
  'dust',
  'earn_position',
  'earn_subscription',
  'earn_redemption',
  'earn_reward',
  'autoinvest_plan',
  'autoinvest_execution',
  'p2p_order',
  'fiat_transfer',
  'dividend',
  'balance_change',
] as const satisfies readonly AccountRecord['kind'][];

/** One of {@link ACCOUNT_KINDS}. */
export type AccountKind = AccountRecord['kind'];

/** The record type of one kind: `RecordOfKind<'trade'>` is `Trade`. */
export type RecordOfKind<K extends AccountKind> = Extract<AccountRecord, { kind: K }>;

/** The route that produced a copy of a record. */
export type RecordSource = NonNullable<AccountRecord['source']>;

/** Every route, in order of precedence when one must be named first. */
export const RECORD_SOURCES = ['api', 'web', 'csv'] as const satisfies readonly RecordSource[];

/** True when `value` names a kind of the model. */
export function isAccountKind(value: unknown): value is AccountKind {
  return typeof value === 'string' && (ACCOUNT_KINDS as readonly string[]).includes(value);
}

/** A JSON Schema document as parsed from its file. */
export type JsonSchemaDocument = { $id: string; title?: string } & Record<string, unknown>;

function accountSchemaDir(): string {
  // From source the JSON sits beside this file; from dist/schemas/ it is the package's schemas/ folder
  // (data files are shipped once, never copied into dist/).
  const beside = fileURLToPath(new URL('./account/', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../schemas/account/', import.meta.url));
}

let cache: Map<string, JsonSchemaDocument> | undefined;

/**
 * The account-model schemas keyed by name (`trade`, …, and `record`, the union). Parsed once and cached;
 * callers must not mutate them.
 */
export function accountSchemas(): ReadonlyMap<string, JsonSchemaDocument> {
  if (cache) return cache;
  const dir = accountSchemaDir();
  const loaded = new Map<string, JsonSchemaDocument>();
  for (const name of [...ACCOUNT_KINDS, 'record']) {
    loaded.set(name, JSON.parse(readFileSync(`${dir}${name}.schema.json`, 'utf8')) as JsonSchemaDocument);
  }
  cache = loaded;
  return loaded;
}

/** The schema of one kind. */
export function accountSchema(kind: AccountKind | 'record'): JsonSchemaDocument {
  const schema = accountSchemas().get(kind);
  if (!schema) throw new Error(`schemas: no account schema named ${kind}`);
  return schema;
}
