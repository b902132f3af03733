/**
 * Shared pieces of the server tests: ledgers filled through the ledger's public API (SQLite files and, when
 * reachable, PostgreSQL schemas), a response validator compiled from the served OpenAPI document, and a
 * small fetch wrapper.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openLedger } from '../../ledger/index.js';
import type { IncomingRecord, LedgerStore } from '../../ledger/index.js';
import { generateSandboxAccount, sandboxTruthRecords } from '../../sandbox/index.js';
import { bundledNormalizedApiSpec, startLedgerServer } from '../../server/index.js';
import type { LedgerServer } from '../../server/index.js';
import { TEST_PG_URL, freshPgSchema } from '../helpers/pg.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A place for a ledger: an SQLite file in a temp folder or a fresh PostgreSQL schema. */
export interface LedgerPlace {
  location: string;
  cleanup(): Promise<void>;
}

export interface BackendCase {
  name: 'sqlite' | 'postgres';
  place(): Promise<LedgerPlace>;
}

/** True when the test PostgreSQL answers (the PG cases are skipped otherwise). */
export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const sqliteCase: BackendCase = {
  name: 'sqlite',
  async place() {
    const dir = await mkdtemp(join(tmpdir(), 'ledgertap-server-'));
    return { location: join(dir, 'ledger.db'), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
};

export const postgresCase: BackendCase = {
  name: 'postgres',
  async place() {
    const schema = freshPgSchema('lt_server');
    return { location: schema.url, cleanup: () => schema.drop() };
  },
};

/** The sandbox's truth for a tiny account: every record kind, realistic values. */
export function truthRecords(account = 'main'): IncomingRecord[] {
  const generated = generateSandboxAccount({ seed: 7, profile: 'tiny', asOf: Date.UTC(2026, 0, 1) });
  const out: IncomingRecord[] = [];
  for (const truth of sandboxTruthRecords(generated, account)) {
    const { routes: _routes, ...rest } = truth as typeof truth & { routes?: unknown };
    out.push({ ...rest, source: 'api' } as IncomingRecord);
  }
  return out;
}

/** Writes records through the public API in batches. */
export async function putAll(
  store: LedgerStore,
  records: readonly IncomingRecord[],
  batch = 2000,
): Promise<void> {
  for (let i = 0; i < records.length; i += batch) {
    const slice = records.slice(i, i + batch);
    await store.transaction(async (tx) => void (await tx.putRecords(slice)));
  }
}

/** A synthetic trade (valid, unique per n and symbol). */
export function syntheticTrade(n: number, account = 'main', symbol = 'BNBBTC'): IncomingRecord {
  return {
    kind: 'trade',
    id: `${symbol}:${n}`,
    account,
    time: Date.UTC(2025, 0, 1) + n * 1000,
    source: 'api',
    symbol,
    baseAsset: symbol.slice(0, 3),
    quoteAsset: symbol.slice(3),
    tradeId: String(n),
    orderId: String(100000 + n),
    side: n % 2 ? 'buy' : 'sell',
    price: '0.01',
    qty: '1',
    quoteQty: '0.01',
    fee: '0.001',
    feeAsset: symbol.slice(0, 3),
    isMaker: false,
  } as IncomingRecord;
}

let validators: Map<string, ValidateFunction> | undefined;

/** The validator of a component schema of the served (bundled) OpenAPI document. */
export function componentValidator(name: string): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const doc = structuredClone(bundledNormalizedApiSpec());
    (doc as { $id?: string }).$id = 'https://ledgertap.test/openapi';
    ajv.addSchema(doc);
    validators = new Map();
    const names = Object.keys((doc['components'] as { schemas: Record<string, unknown> }).schemas);
    for (const n of names) {
      validators.set(
        n,
        ajv.getSchema(`https://ledgertap.test/openapi#/components/schemas/${n}`) as ValidateFunction,
      );
    }
  }
  const v = validators.get(name);
  if (!v) throw new Error(`no component schema ${name}`);
  return v;
}

/** Asserts `value` matches the named component schema, with ajv's errors in the message when not. */
export function expectSchema(name: string, value: unknown): void {
  const v = componentValidator(name);
  if (!v(value))
    throw new Error(
      `${name}: ${JSON.stringify(v.errors?.slice(0, 5), null, 1)}\n${JSON.stringify(value).slice(0, 500)}`,
    );
}

export interface Fetched {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** GET (or another method) with the token, the body parsed as JSON when it is JSON. */
export async function call(
  url: string,
  options: { token?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<Fetched> {
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: /json/.test(type) && text ? (JSON.parse(text) as unknown) : undefined,
  };
}

/**
 * A ledger on `backend` holding two synthetic trades of `main`, served with `token` for the tests of the
 * calling describe block (opened before them, closed and removed after).
 */
export function useServedLedger(backend: BackendCase, token: string): { readonly server: LedgerServer } {
  const state: { place?: LedgerPlace; store?: LedgerStore; server?: LedgerServer } = {};
  beforeAll(async () => {
    state.place = await backend.place();
    state.store = await openLedger(state.place.location);
    await putAll(state.store, [syntheticTrade(1), syntheticTrade(2)]);
    state.server = await startLedgerServer(state.store, { token });
  });
  afterAll(async () => {
    await state.server?.close();
    await state.store?.close();
    await state.place?.cleanup();
  });
  return {
    get server(): LedgerServer {
      if (!state.server) throw new Error('useServedLedger: the server is started in beforeAll');
      return state.server;
    },
  };
}
