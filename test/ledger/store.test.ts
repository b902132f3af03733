/**
 * The store contract, run on both backends: migrations, idempotent writes, multi-source, conflicts,
 * state updates, validation, queries, transactions with checkpoints, consent, audit, the importer's
 * tables and the secret guarantee.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, isLedgertapError } from '../../core/index.js';
import { LEDGER_SCHEMA_VERSION, openLedger, requireConsent } from '../../ledger/index.js';
import type { LedgerStore } from '../../ledger/index.js';
import type { Trade } from '../../schemas/index.js';
import { backends } from './backends.js';
import type { BackendInstance } from './backends.js';
import { T0, balance, content, deposit, trade } from './fixtures.js';

async function caught(p: Promise<unknown>): Promise<{ code: string; message: string; exitCode: number }> {
  try {
    await p;
  } catch (error) {
    if (isLedgertapError(error))
      return { code: error.code, message: error.message, exitCode: error.exitCode };
    throw error;
  }
  throw new Error('expected a LedgertapError');
}

describe.each(backends)('ledger store on $name', (backend) => {
  let db: BackendInstance;
  let store: LedgerStore;
  let clock: ManualClock;

  beforeEach(async () => {
    db = await backend.create();
    clock = new ManualClock(T0 + 10_000 * 3_600_000);
    store = await openLedger(db.location, { clock });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await db.cleanup();
  });

  describe('migrations', () => {
    it('applies every migration once and records it', async () => {
      expect(store.backend).toBe(backend.name);
      expect(await store.schemaVersion()).toBe(LEDGER_SCHEMA_VERSION);
      await store.putRecords([trade(1)]);
      await store.close();
      store = await openLedger(db.location, { clock });
      expect(await store.schemaVersion()).toBe(LEDGER_SCHEMA_VERSION);
      expect(await store.countRecords()).toBe(1);
      await store.close();
      const dump = await db.dump();
      const migrationsRow = dump.split('\n').at(-1) ?? '';
      expect((JSON.parse(migrationsRow) as unknown[]).length).toBe(LEDGER_SCHEMA_VERSION);
      store = await openLedger(db.location, { clock });
    });

    it('refuses a database migrated by a newer ledgertap', async () => {
      await store.transaction(async () => undefined);
      // Simulate a newer release by recording a future migration through a second connection.
      await store.close();
      if (backend.name === 'sqlite') {
        const { default: Database } = await import('better-sqlite3');
        const raw = new Database(db.location);
        raw
          .prepare('INSERT INTO ledger_migrations (version, name, applied_at) VALUES (999, ?, 0)')
          .run('future');
        raw.close();
      } else {
        const { queryPg } = await import('../helpers/pg.js');
        const schema = new URL(db.location).searchParams.get('schema') as string;
        await queryPg(
          schema,
          "INSERT INTO ledger_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
        );
      }
      const error = await caught(openLedger(db.location, { clock }));
      expect(error.code).toBe('ledger.too_new');
      expect(error.exitCode).toBe(2);
    });
  });

  describe('writes', () => {
    it('is idempotent: the same batch twice adds nothing', async () => {
      const batch = [trade(1), trade(2), deposit('d1', 'BTC', '1')];
      const first = await store.putRecords(batch);
      expect(first.counts.inserted).toBe(3);
      const second = await store.putRecords(batch);
      expect(second.counts.inserted).toBe(0);
      expect(second.counts.unchanged).toBe(3);
      expect(await store.countRecords()).toBe(3);
    });

    it('stores the normalized content without source or raw, keys in schema order', async () => {
      await store.putRecords([trade(1)]);
      const got = await store.getRecord('main', 'trade', 'BNBBTC:1');
      expect(got?.record).toEqual(content(trade(1)));
      expect(Object.keys(got?.record ?? {}).slice(0, 4)).toEqual(['kind', 'id', 'account', 'time']);
      expect(got?.primarySource).toBe('api');
      expect(got?.sources).toEqual(['api']);
    });

    it('remembers every source that saw a record, with first-seen time and raw payload', async () => {
      await store.putRecords([trade(1)]);
      clock.advance(60_000);
      const csv = trade(1, { source: 'csv', raw: { Date: '2024-01-01 01:00:00', Pair: 'BNBBTC' } });
      const summary = await store.putRecords([csv]);
      expect(summary.counts.source_added).toBe(1);
      const stored = await store.getRecord('main', 'trade', 'BNBBTC:1');
      expect(stored?.sources).toEqual(['api', 'csv']);
      const sightings = await store.getSightings('main', 'trade', 'BNBBTC:1');
      expect(sightings.map((s) => s.source)).toEqual(['api', 'csv']);
      expect(sightings[1]?.firstSeenAt).toBe((sightings[0]?.firstSeenAt ?? 0) + 60_000);
      expect(sightings[1]?.raw).toEqual({ Date: '2024-01-01 01:00:00', Pair: 'BNBBTC' });
      expect(await store.countRecords({ source: 'csv' })).toBe(1);
    });

    it('enriches a record with fields another source lacked, never overwriting', async () => {
      const {
        tradeId: _t,
        isMaker: _m,
        ...lean
      } = trade(5, { source: 'csv' }) as ReturnType<typeof trade> & {
        tradeId?: string;
        isMaker?: boolean;
      };
      await store.putRecords([lean as ReturnType<typeof trade>]);
      const summary = await store.putRecords([trade(5)]);
      expect(summary.counts.enriched).toBe(1);
      const stored = await store.getRecord('main', 'trade', 'BNBBTC:5');
      expect(stored?.record).toEqual(content(trade(5)));
      expect(stored?.primarySource).toBe('csv');
    });

    it('keeps the stored fields when another source disagrees, and stores the conflict once', async () => {
      await store.putRecords([trade(1)]);
      const other = trade(1, { source: 'csv', qty: '1.5' });
      const summary = await store.putRecords([other]);
      expect(summary.counts.conflict).toBe(1);
      expect(summary.conflicts).toEqual([
        { account: 'main', kind: 'trade', id: 'BNBBTC:1', source: 'csv', fields: ['qty'] },
      ]);
      expect((await store.getRecord('main', 'trade', 'BNBBTC:1'))?.record).toEqual(content(trade(1)));
      await store.putRecords([other]);
      const conflicts = await store.listConflicts({ unresolved: true });
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]?.fields).toEqual([{ field: 'qty', stored: '1', incoming: '1.5' }]);
      await store.resolveConflict(conflicts[0]?.id ?? 0, 'take');
      expect((await store.getRecord('main', 'trade', 'BNBBTC:1'))?.record).toEqual(content(other));
      expect(await store.listConflicts({ unresolved: true })).toHaveLength(0);
    });

    it('lets the same source update an event it re-read (pending deposit now completed)', async () => {
      await store.putRecords([deposit('d1', 'BTC', '1', { status: 'pending' })]);
      const summary = await store.putRecords([
        deposit('d1', 'BTC', '1', { status: 'completed', completeTime: T0 + 5 }),
      ]);
      expect(summary.counts.updated).toBe(1);
      const stored = await store.getRecord('main', 'transfer', 'deposit:d1');
      expect(stored?.record).toMatchObject({ status: 'completed', completeTime: T0 + 5 });
    });

    it('replaces a state snapshot with a newer one from any source and ignores an older one', async () => {
      await store.putRecords([balance('spot', 'BTC', '1')]);
      const newer = balance('spot', 'BTC', '2', { time: T0 + 2000 * 3_600_000, source: 'web' });
      expect((await store.putRecords([newer])).counts.updated).toBe(1);
      const older = balance('spot', 'BTC', '0.5', { time: T0 });
      expect((await store.putRecords([older])).counts.stale).toBe(1);
      const stored = await store.getRecord('main', 'balance', 'spot:BTC');
      expect(stored?.record).toMatchObject({ free: '2' });
      expect(stored?.primarySource).toBe('web');
    });

    it('keeps the latest raw payload of a source that re-delivers the same record', async () => {
      await store.putRecords([trade(1, { raw: { v: 1 } })]);
      clock.advance(5_000);
      const again = await store.putRecords([trade(1, { raw: { v: 2 } })]);
      expect(again.counts.unchanged).toBe(1);
      const [sighting] = await store.getSightings('main', 'trade', 'BNBBTC:1');
      expect(sighting?.raw).toEqual({ v: 2 });
      expect((sighting?.lastSeenAt ?? 0) - (sighting?.firstSeenAt ?? 0)).toBe(5_000);
      // Without a raw payload, the stored one stays.
      await store.putRecords([{ ...trade(1), raw: undefined } as ReturnType<typeof trade>]);
      expect((await store.getSightings('main', 'trade', 'BNBBTC:1'))[0]?.raw).toEqual({ v: 2 });
    });

    it('removes a record with its sightings and conflicts', async () => {
      await store.putRecords([trade(1), trade(2)]);
      await store.putRecords([trade(1, { source: 'csv', qty: '9' })]);
      expect(await store.removeRecord({ account: 'main', kind: 'trade', id: 'BNBBTC:1' })).toBe(true);
      expect(await store.removeRecord({ account: 'main', kind: 'trade', id: 'BNBBTC:1' })).toBe(false);
      expect(await store.getRecord('main', 'trade', 'BNBBTC:1')).toBeUndefined();
      expect(await store.getSightings('main', 'trade', 'BNBBTC:1')).toEqual([]);
      expect(await store.listConflicts()).toEqual([]);
      expect(await store.countRecords()).toBe(1);
    });

    it('applies copies of one key within a batch in order', async () => {
      const summary = await store.putRecords([
        deposit('d1', 'BTC', '1', { status: 'pending' }),
        deposit('d1', 'BTC', '1', { status: 'completed' }),
      ]);
      expect(summary.counts).toMatchObject({ inserted: 1, updated: 1 });
      expect((await store.getRecord('main', 'transfer', 'deposit:d1'))?.record).toMatchObject({
        status: 'completed',
      });
    });

    it('treats hostile labels, ids and stream names as data', async () => {
      const account = "x'); DROP TABLE records; --";
      const id = `BNBBTC:1 "?,é€😀'`;
      await store.transaction(async (tx) => {
        await tx.putRecords([trade(1, { account, id })]);
        await tx.setCheckpoint("s'; DELETE FROM checkpoints; --", { '?': '?' });
      });
      expect((await store.getRecord(account, 'trade', id))?.record).toMatchObject({ account, id });
      expect(await store.getCheckpoint("s'; DELETE FROM checkpoints; --")).toEqual({ '?': '?' });
      expect(await store.accounts()).toEqual([account]);
      for (const bad of ['a\u0000b', 'line\nbreak', 'tab\there']) {
        const error = await caught(store.putRecords([trade(2, { id: bad })]));
        expect(error.code).toBe('ledger.invalid_record');
        expect(error.message).toContain('control characters');
        expect((await caught(store.putRecords([trade(2, { account: bad })]))).message).toContain('/account');
        expect((await caught(store.setCheckpoint(bad, 1))).code).toBe('ledger.bad_checkpoint');
      }
    });

    it('keeps accounts apart: the same id in two accounts is two records', async () => {
      await store.putRecords([trade(1), trade(1, { account: 'alice' })]);
      expect(await store.countRecords()).toBe(2);
      expect(await store.accounts()).toEqual(['alice', 'main']);
      expect(await store.countByKind('alice')).toEqual([{ account: 'alice', kind: 'trade', count: 1 }]);
    });
  });

  describe('validation', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a float amount', { qty: 1.5 }, '/qty'],
      ['a non-canonical decimal', { price: '0.0100' }, '/price'],
      ['an exponent', { fee: '1e-8' }, '/fee'],
      ['an unknown field', { colour: 'red' }, '/colour'],
      ['a bad side', { side: 'BUY' }, '/side'],
      ['a float time', { time: 1.5 }, '/time'],
      ['a numeric id field', { tradeId: 12 }, '/tradeId'],
      ['a bad source', { source: 'ftp' }, '/source'],
    ];
    it.each(cases)(
      'refuses %s, naming kind, id and field, and writes nothing of the batch',
      async (_name, over, field) => {
        const bad = { ...trade(2), ...over } as ReturnType<typeof trade>;
        const error = await caught(store.putRecords([trade(1), bad]));
        expect(error.code).toBe('ledger.invalid_record');
        expect(error.exitCode).toBe(2);
        expect(error.message).toContain('trade record BNBBTC:2');
        expect(error.message).toContain(field);
        expect(await store.countRecords()).toBe(0);
      },
    );

    it('refuses a record without a required field or a source', async () => {
      const { qty: _q, ...noQty } = trade(3) as Trade & { source: 'api' };
      expect((await caught(store.putRecords([noQty as ReturnType<typeof trade>]))).message).toContain('/qty');
      const { source: _s, ...noSource } = trade(3);
      expect((await caught(store.putRecords([noSource as ReturnType<typeof trade>]))).message).toContain(
        '/source',
      );
      const unknownKind = { ...trade(3), kind: 'margin_loan' } as unknown as ReturnType<typeof trade>;
      expect((await caught(store.putRecords([unknownKind]))).message).toContain('/kind');
    });
  });

  describe('queries', () => {
    it('filters by account, kind, time range and id, and counts', async () => {
      await store.putRecords([
        trade(1),
        trade(2),
        trade(3),
        deposit('d1', 'BTC', '1'),
        trade(4, { account: 'bob' }),
      ]);
      expect((await store.queryRecords({ kind: 'trade', account: 'main' })).map((r) => r.record.id)).toEqual([
        'BNBBTC:1',
        'BNBBTC:2',
        'BNBBTC:3',
      ]);
      const ranged = await store.queryRecords({
        kind: 'trade',
        since: T0 + 2 * 3_600_000,
        until: T0 + 4 * 3_600_000,
      });
      expect(ranged.map((r) => r.record.id)).toEqual(['BNBBTC:2', 'BNBBTC:3']);
      expect(await store.countRecords({ kind: ['trade', 'transfer'] })).toBe(5);
      expect(await store.countRecords({ id: 'deposit:d1' })).toBe(1);
      expect(await store.queryRecords({ kind: [] })).toEqual([]);
      expect((await store.queryRecords({ limit: 2 })).length).toBe(2);
    });

    it('streams every record in kind, id order across pages', async () => {
      const many = Array.from({ length: 2345 }, (_, i) => trade(i + 1));
      await store.transaction(async (tx) => void (await tx.putRecords(many)));
      await store.putRecords([deposit('a', 'BTC', '1'), balance('spot', 'BTC', '1')]);
      const ids: string[] = [];
      for await (const r of store.iterateRecords()) ids.push(`${r.record.kind}/${r.record.id}`);
      expect(ids).toHaveLength(2347);
      const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(ids).toEqual(sorted);
      expect(ids[0]).toBe('balance/spot:BTC');
    });
  });

  describe('transactions and checkpoints', () => {
    it('two stores on the same ledger in one process do not block each other', async () => {
      const second = await openLedger(db.location, { clock });
      try {
        await Promise.all([
          store.transaction(async (tx) => {
            await tx.putRecords([trade(1)]);
            await new Promise((resolve) => setTimeout(resolve, 50));
            await tx.putRecords([trade(2)]);
          }),
          second.transaction(async (tx) => {
            await tx.putRecords([trade(2, { source: 'web' })]);
            await tx.putRecords([trade(3)]);
          }),
        ]);
      } finally {
        await second.close();
      }
      expect(await store.countRecords()).toBe(3);
      expect((await store.getRecord('main', 'trade', 'BNBBTC:2'))?.sources).toEqual(['api', 'web']);
    });

    it('commits records and checkpoint together', async () => {
      await store.transaction(async (tx) => {
        await tx.putRecords([trade(1), trade(2)]);
        await tx.setCheckpoint('binance:main:trades:BNBBTC', { fromId: '3', big: 18446744073709551615n });
        expect(await tx.getCheckpoint('binance:main:trades:BNBBTC')).toMatchObject({ fromId: '3' });
      });
      expect(await store.countRecords()).toBe(2);
      const checkpoint = (await store.getCheckpoint('binance:main:trades:BNBBTC')) as Record<string, unknown>;
      expect(String(checkpoint['big'])).toBe('18446744073709551615');
      expect((await store.listCheckpoints('binance:main:')).map((c) => c.stream)).toEqual([
        'binance:main:trades:BNBBTC',
      ]);
    });

    it("reads through the transaction see its own uncommitted writes; others don't until commit", async () => {
      await store.transaction(async (tx) => {
        await tx.putRecords([trade(1), deposit('d1', 'BTC', '1')]);
        expect((await tx.getRecord('main', 'trade', 'BNBBTC:1'))?.record.id).toBe('BNBBTC:1');
        expect(await tx.countRecords()).toBe(2);
        expect((await tx.queryRecords({ kind: 'transfer' })).map((r) => r.record.id)).toEqual(['deposit:d1']);
        const seen: string[] = [];
        for await (const r of tx.iterateRecords({ kind: 'trade' })) seen.push(r.record.id);
        expect(seen).toEqual(['BNBBTC:1']);
        expect((await tx.getSightings('main', 'trade', 'BNBBTC:1')).map((x) => x.source)).toEqual(['api']);
        // On PostgreSQL another connection does not see uncommitted rows.
        if (backend.name === 'postgres') expect(await store.countRecords()).toBe(0);
      });
      expect(await store.countRecords()).toBe(2);
    });

    it('rolls back both when the transaction fails', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putRecords([trade(1)]);
          await tx.setCheckpoint('s', 1);
          throw new Error('network died');
        }),
      ).rejects.toThrow('network died');
      expect(await store.countRecords()).toBe(0);
      expect(await store.getCheckpoint('s')).toBeUndefined();
    });

    it('refuses a store write nested in a transaction instead of escaping it or hanging', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putRecords([trade(1)]);
          await store.putRecords([trade(2)]);
        }),
      ).rejects.toMatchObject({ code: 'ledger.nested_transaction' });
      expect(await store.countRecords()).toBe(0);
      // The store is still usable afterwards.
      await store.putRecords([trade(3)]);
      expect(await store.countRecords()).toBe(1);
    });

    it('rolls back when a later batch in the transaction is invalid', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putRecords([trade(1)]);
          await tx.putRecords([{ ...trade(2), qty: 'x' } as ReturnType<typeof trade>]);
          await tx.setCheckpoint('s', 2);
        }),
      ).rejects.toMatchObject({ code: 'ledger.invalid_record' });
      expect(await store.countRecords()).toBe(0);
    });
  });

  describe('consent', () => {
    it('grants, lists, finds the active one and revokes', async () => {
      const now = clock.now();
      const c = await store.grantConsent({
        account: 'main',
        holder: 'Ann',
        scope: 'read',
        expiresAt: now + 86_400_000,
      });
      expect(c).toMatchObject({
        id: expect.any(Number),
        account: 'main',
        holder: 'Ann',
        scope: 'read',
        revokedAt: null,
      });
      expect((await requireConsent(store, 'main', 'read', now)).id).toBe(c.id);
      expect((await caught(requireConsent(store, 'main', 'capture', now))).code).toBe('ledger.no_consent');
      expect((await caught(requireConsent(store, 'other', 'read', now))).message).toContain(
        'none was ever granted',
      );
      const expired = await caught(requireConsent(store, 'main', 'read', now + 2 * 86_400_000));
      expect(expired).toMatchObject({ code: 'ledger.no_consent', exitCode: 2 });
      expect(expired.message).toContain('expired');
      clock.advance(1000);
      const revoked = await store.revokeConsent(c.id);
      expect(revoked.revokedAt).toBe(now + 1000);
      const again = await store.revokeConsent(c.id);
      expect(again.revokedAt).toBe(now + 1000);
      const refused = await caught(requireConsent(store, 'main', 'read', clock.now()));
      expect(refused.message).toContain('revoked');
      expect((await caught(store.revokeConsent(4242))).code).toBe('ledger.no_such_consent');
      expect(await store.listConsents({ account: 'main' })).toHaveLength(1);
    });

    it('keeps the revoke time and reason, audits the revocation once, scrubs secrets from the reason', async () => {
      const now = clock.now();
      const c = await store.grantConsent({
        account: 'main',
        holder: 'Ann',
        scope: 'capture',
        expiresAt: now + 86_400_000,
      });
      expect(c.revokeReason).toBeNull();
      clock.advance(5000);
      const revoked = await store.revokeConsent(c.id, {
        reason: '  holder asked by mail; token=abc Bearer xyz123  ',
      });
      expect(revoked.revokedAt).toBe(now + 5000);
      expect(revoked.revokeReason).toContain('holder asked by mail');
      expect(revoked.revokeReason).not.toMatch(/xyz123/);
      // A second revoke keeps the first time and reason and writes no second audit entry.
      clock.advance(5000);
      const again = await store.revokeConsent(c.id, { reason: 'other' });
      expect(again).toEqual(revoked);
      expect((await store.listConsents())[0]).toEqual(revoked);
      const audit = await store.listAudit({ account: 'main' });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        at: now + 5000,
        consentId: c.id,
        route: 'ledger',
        method: 'REVOKE',
        endpoint: 'consent',
        params: { scope: 'capture', reason: revoked.revokeReason },
      });
      expect((await caught(requireConsent(store, 'main', 'capture', clock.now()))).message).toContain(
        'holder asked by mail',
      );
      // Without a reason: the time only.
      const d = await store.grantConsent({
        account: 'main',
        holder: 'Ann',
        scope: 'read',
        expiresAt: now + 86_400_000,
      });
      expect(await store.revokeConsent(d.id, { at: now + 7 })).toMatchObject({
        revokedAt: now + 7,
        revokeReason: null,
      });
      expect((await store.listAudit({ account: 'main' })).find((x) => x.consentId === d.id)?.params).toEqual({
        scope: 'read',
      });
      const e = await store.grantConsent({
        account: 'main',
        holder: 'Ann',
        scope: 'read',
        expiresAt: now + 86_400_000,
      });
      expect((await caught(store.revokeConsent(e.id, { reason: 'x'.repeat(1001) }))).code).toBe(
        'ledger.bad_consent',
      );
      expect((await store.listConsents()).find((x) => x.id === e.id)?.revokedAt).toBeNull();
    });

    it('refuses a consent that expires before it starts or names no holder', async () => {
      expect(
        (await caught(store.grantConsent({ account: 'm', holder: 'A', scope: 'read', expiresAt: 1 }))).code,
      ).toBe('ledger.bad_consent');
      expect(
        (
          await caught(
            store.grantConsent({ account: 'm', holder: '  ', scope: 'read', expiresAt: clock.now() + 5 }),
          )
        ).code,
      ).toBe('ledger.bad_consent');
    });
  });

  describe('audit and secrets', () => {
    it('logs requests without signature, timestamp or credentials', async () => {
      const c = await store.grantConsent({
        account: 'main',
        holder: 'Ann',
        scope: 'read',
        expiresAt: clock.now() + 1e9,
      });
      await store.appendAudit({
        account: 'main',
        consentId: c.id,
        route: 'api',
        method: 'get',
        endpoint: '/api/v3/myTrades?symbol=BNBBTC&timestamp=1700000000000&signature=deadbeefsig',
        params: { fromId: 5, recvWindow: 5000, apiKey: 'KEY-SECRET-123' },
        status: 200,
        weight: 20,
        records: 3,
        durationMs: 41,
      });
      const [entry] = await store.listAudit({ account: 'main' });
      expect(entry).toMatchObject({
        consentId: c.id,
        method: 'GET',
        endpoint: '/api/v3/myTrades',
        params: { symbol: 'BNBBTC', fromId: 5 },
        status: 200,
        weight: 20,
        records: 3,
        durationMs: 41,
      });
      expect(await store.listAudit({ since: clock.now() + 1 })).toEqual([]);
    });

    it('never writes an API secret, signature, cookie or token to the database', async () => {
      const secrets = [
        'sEcReT-api-key-9f8e',
        'sig-0123456789abcdef',
        'cookie-p20t-web-session',
        'csrf-tok-55aa',
        'bearer-xyz-789',
      ];
      await store.putRecords([
        trade(1, {
          raw: {
            id: 1,
            signature: secrets[1],
            headers: { 'X-MBX-APIKEY': secrets[0], Cookie: `p20t=${secrets[2]}`, csrftoken: secrets[3] },
            url: `https://api.binance.com/api/v3/myTrades?symbol=BNBBTC&signature=${secrets[1]}`,
          },
        }),
      ]);
      await store.appendAudit({
        route: 'web',
        method: 'POST',
        endpoint: `/bapi/c2c/v1/private/list?token=${secrets[3]}`,
        params: { csrftoken: secrets[3], cookie: secrets[2], page: 1, secretKey: secrets[0] },
        error: `401 for Authorization: Bearer ${secrets[4]}`,
      });
      await store.addQuarantine({
        account: 'main',
        file: 'a.csv',
        line: 2,
        row: { Operation: 'x', session: secrets[2] },
        reason: 'unknown',
      });
      await store.close();
      const dump = await db.dump();
      for (const secret of secrets) expect(dump).not.toContain(secret);
      expect(dump).toContain('BNBBTC');
      store = await openLedger(db.location, { clock });
    });
  });

  describe('importer tables', () => {
    it('logs imports, and stores matches and quarantined rows once each', async () => {
      const fileId = await store.startImportFile({
        account: 'main',
        path: 'history.csv',
        sha256: 'ab'.repeat(32),
        size: 120,
        format: 'transaction_history',
      });
      await store.putRecords([deposit('d1', 'BTC', '1')]);
      const match = {
        account: 'main',
        kind: 'transfer' as const,
        recordId: 'deposit:d1',
        source: 'csv' as const,
        rule: 'asset-amount-time',
        tolerance: '±2s',
        importFileId: fileId,
        line: 7,
        row: { Coin: 'BTC', Change: '1' },
      };
      expect(await store.addMatch(match)).toBe(true);
      expect(await store.addMatch(match)).toBe(false);
      expect(
        await store.addRecordSource({ account: 'main', kind: 'transfer', id: 'deposit:d1' }, 'csv', {
          Coin: 'BTC',
        }),
      ).toBe(true);
      expect(await store.addRecordSource({ account: 'main', kind: 'transfer', id: 'nope' }, 'csv')).toBe(
        false,
      );
      expect((await store.getRecord('main', 'transfer', 'deposit:d1'))?.sources).toEqual(['api', 'csv']);
      const q = {
        account: 'main',
        importFileId: fileId,
        file: 'history.csv',
        line: 9,
        operation: 'Mystery Op',
        row: { Operation: 'Mystery Op' },
        reason: 'unknown operation',
      };
      expect(await store.addQuarantine(q)).toBe(true);
      expect(await store.addQuarantine(q)).toBe(false);
      await store.finishImportFile(fileId, {
        status: 'done',
        rowsRead: 10,
        recordsImported: 8,
        duplicates: 1,
        grouped: 0,
        quarantined: 1,
      });
      expect(await store.listMatches({ account: 'main' })).toMatchObject([
        { rule: 'asset-amount-time', line: 7, importFileId: fileId },
      ]);
      expect(await store.listQuarantine({ importFileId: fileId })).toMatchObject([
        { line: 9, operation: 'Mystery Op' },
      ]);
      expect(await store.listImportFiles()).toMatchObject([
        { id: fileId, status: 'done', rowsRead: 10, quarantined: 1 },
      ]);
      expect(
        (
          await caught(
            store.finishImportFile(999, {
              status: 'failed',
              rowsRead: 0,
              recordsImported: 0,
              duplicates: 0,
              grouped: 0,
              quarantined: 0,
            }),
          )
        ).code,
      ).toBe('ledger.no_such_import');
    });
  });
});
