/**
 * A P2P trade whose fee row comes a second or two after its trade row is one event: the statement's legs
 * are joined (whichever way the file runs) and matched to the order by its net change, or kept as one
 * `balance_change` the order explains later. A fee row nothing marks as a fee is explained by the order
 * whose trade row matched by its gross amount. A ledger the previous release filled (each second's legs
 * apart) heals on re-import; quarantine rows an older release kept point at whatever holds the event now.
 * Through the CLI on SQLite and (with LEDGERTAP_TEST_PG) PostgreSQL, plus the grouper and views as units.
 */
import { describe, expect, it } from 'vitest';
import { p2pFeeLegOf } from '../../../core/index.js';
import { p2pCoveredChanges, type IncomingRecord, type LedgerStore } from '../../../ledger/index.js';
import type { P2POrder } from '../../../schemas/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, useBackendLedger } from './backends.js';
import { earlierQuarantine, P2P_BUY_WITH_FEE, writeCsv } from './statements.js';

const tempDir = useTempDirs('ledgertap-csv-p2pfee-');
const utc = (d: number, h = 0, mi = 0, s = 0): number => Date.UTC(2022, 2, d, h, mi, s);
const HEADER = 'User_ID,UTC_Time,Account,Operation,Coin,Change,Remark';
/** A buy of 150.1 USDT with a 0.1 fee: the credit at 15:30:00, the fee row one second later. */
const BUY = [
  '39012345,2022-03-04 15:30:00,Funding,P2P Trading,USDT,150.1,',
  '39012345,2022-03-04 15:30:01,Funding,P2P Trading,USDT,-0.1,Fee',
];
/** Rows around it, so the grouper flushes seconds while both legs are pending. */
const AROUND = [
  '39012345,2022-03-01 09:00:00,Spot,Deposit,USDT,1000,',
  '39012345,2022-03-04 15:30:03,Spot,Deposit,BNB,1,',
  '39012345,2022-03-09 09:00:00,Spot,Deposit,BNB,2,',
];
const ORDER = P2P_BUY_WITH_FEE;
const BALANCES: IncomingRecord[] = [
  { kind: 'balance', id: 'spot:USDT', wallet: 'spot', asset: 'USDT', free: '1000' },
  { kind: 'balance', id: 'funding:USDT', wallet: 'funding', asset: 'USDT', free: '150' },
  { kind: 'balance', id: 'spot:BNB', wallet: 'spot', asset: 'BNB', free: '3' },
].map((b) => ({ ...b, account: 'main', time: utc(31), source: 'api', locked: '0' }) as IncomingRecord);

async function statement(rows: string[], name = 'statement.csv'): Promise<string> {
  return writeCsv(await tempDir(), name, [HEADER, ...rows]);
}

async function p2pChanges(store: LedgerStore): Promise<[string, string, number][]> {
  return (await store.queryRecords({ account: 'main', kind: 'balance_change' }))
    .map((s) => s.record)
    .filter((r) => r.kind === 'balance_change' && r.category === 'p2p')
    .map((r) => [r.id, (r as { amount: string }).amount, r.time] as [string, string, number])
    .sort();
}

async function reconcileJson(location: string): Promise<{
  code: number;
  report: { gaps: unknown[]; p2pLegsCovered: number; assets: { asset: string; history: string }[] };
}> {
  const out = await runCliInProcess(['reconcile', '--db', location, '--json']);
  return { code: out.code, report: JSON.parse(out.stdout).accounts[0] };
}

describe('p2pFeeLegOf: the fee row of an order whose trade row matched by its gross amount', () => {
  const order = ORDER as P2POrder;
  const leg = { amount: '150.1', time: utc(4, 15, 30) };
  it.each([
    ['one second later', { asset: 'USDT', amount: '-0.1', time: utc(4, 15, 30, 1) }, true],
    ['the same second', { asset: 'USDT', amount: '-0.1', time: utc(4, 15, 30) }, true],
    ['two seconds later', { asset: 'USDT', amount: '-0.1', time: utc(4, 15, 30, 2) }, true],
    ['three seconds later', { asset: 'USDT', amount: '-0.1', time: utc(4, 15, 30, 3) }, false],
    ['before the trade row', { asset: 'USDT', amount: '-0.1', time: utc(4, 15, 29, 59) }, false],
    ['another amount', { asset: 'USDT', amount: '-0.2', time: utc(4, 15, 30, 1) }, false],
    ['another asset', { asset: 'BUSD', amount: '-0.1', time: utc(4, 15, 30, 1) }, false],
  ])('%s', (_, fee, want) => {
    expect(p2pFeeLegOf(order, leg, fee)).toBe(want);
  });
  it('not when the trade row already was the net change, nor for an order without a fee', () => {
    const fee = { asset: 'USDT', amount: '-0.1', time: utc(4, 15, 30, 1) };
    expect(p2pFeeLegOf(order, { ...leg, amount: '150' }, fee)).toBe(false);
    expect(p2pFeeLegOf({ ...order, fee: '0' }, leg, fee)).toBe(false);
  });
});

for (const backend of BACKENDS) {
  describe(`a P2P fee row a second after its trade, through the CLI on ${backend.name}`, () => {
    const openLedgerIn = useBackendLedger(backend);

    it.each([
      ['ascending', [AROUND[0]!, ...BUY, AROUND[1]!, AROUND[2]!]],
      ['descending', [AROUND[2]!, AROUND[1]!, BUY[1]!, BUY[0]!, AROUND[0]!]],
    ])(
      'order stored first (%s file): both legs are the order, matched once; reconcile clean',
      async (_, rows) => {
        const file = await statement(rows);
        const { store, location } = await openLedgerIn(await tempDir());
        await store.putRecords([ORDER, ...BALANCES]);
        const out = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
        expect(out.code, out.stderr).toBe(0);
        expect(JSON.parse(out.stdout).files[0]).toMatchObject({
          recordsImported: 3,
          duplicates: 1,
          matched: 1,
          grouped: 2,
        });
        expect(await p2pChanges(store)).toEqual([]);
        const matches = await store.listMatches({ kind: 'p2p_order' });
        expect(matches.map((m) => [m.recordId, m.details?.['csvId']])).toEqual([
          [ORDER.id, `p2p:stmt:USDT:${utc(4, 15, 30)}:150`],
        ]);
        const { code, report } = await reconcileJson(location);
        expect(code).toBe(0);
        expect(report.gaps).toEqual([]);
        expect(report.assets.find((a) => a.asset === 'USDT')?.history).toBe('1150');
      },
    );

    it.each([
      ['ascending', false],
      ['descending', true],
    ])(
      'two trades of one asset a second apart, each with its fee row in its own second (%s file): each its own order',
      async (_, reverse) => {
        const rows = [
          '39012345,2022-03-06 10:00:00,Funding,P2P Trading,USDT,100,',
          '39012345,2022-03-06 10:00:00,Funding,P2P Trading,USDT,-0.1,Fee',
          '39012345,2022-03-06 10:00:01,Funding,P2P Trading,USDT,50,',
          '39012345,2022-03-06 10:00:01,Funding,P2P Trading,USDT,-0.05,Fee',
        ];
        const all = [AROUND[0]!, ...rows, AROUND[2]!];
        const file = await statement(reverse ? all.reverse() : all);
        const { store, location } = await openLedgerIn(await tempDir());
        const order = (id: string, amount: string, fee: string, time: number): IncomingRecord =>
          ({ ...ORDER, id, amount, fee, time, totalPrice: '1', unitPrice: '1' }) as IncomingRecord;
        await store.putRecords([
          order('20220306095900000001', '100', '0.1', utc(6, 9, 59)),
          order('20220306095930000002', '50', '0.05', utc(6, 9, 59, 30)),
        ]);
        const out = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
        expect(out.code, out.stderr).toBe(0);
        expect(await p2pChanges(store)).toEqual([]);
        const matches = await store.listMatches({ kind: 'p2p_order' });
        expect(matches.map((m) => [m.recordId, m.details?.['csvId']]).sort()).toEqual([
          ['20220306095900000001', `p2p:stmt:USDT:${utc(6, 10)}:99.9`],
          ['20220306095930000002', `p2p:stmt:USDT:${utc(6, 10, 0, 1)}:49.95`],
        ]);
      },
    );

    it('imported before the order: one leg of 150, counted once when the order arrives, folded by the next import', async () => {
      const file = await statement([AROUND[0]!, ...BUY, AROUND[1]!, AROUND[2]!]);
      const { store, location } = await openLedgerIn(await tempDir());
      const first = await runCliInProcess(['import', 'csv', file, '--db', location]);
      expect(first.code, first.stderr).toBe(0);
      expect(await p2pChanges(store)).toEqual([
        [`p2p:stmt:USDT:${utc(4, 15, 30)}:150`, '150', utc(4, 15, 30)],
      ]);
      await store.putRecords([ORDER, ...BALANCES]);
      const before = await reconcileJson(location);
      expect(before.code).toBe(0);
      expect(before.report).toMatchObject({ gaps: [], p2pLegsCovered: 1 });
      const again = await runCliInProcess(['import', 'csv', file, '--db', location]);
      expect(again.stdout).toContain('folded 1 statement P2P leg into the P2P orders stored since');
      expect(await p2pChanges(store)).toEqual([]);
      expect((await reconcileJson(location)).report).toMatchObject({ gaps: [], p2pLegsCovered: 0 });
    });

    it('a fee row that does not say it is a fee: the order whose trade row matched by its gross amount explains it too', async () => {
      const file = await statement([
        AROUND[0]!,
        BUY[0]!,
        '39012345,2022-03-04 15:30:01,Funding,P2P Trading,USDT,-0.1,',
        AROUND[1]!,
        AROUND[2]!,
      ]);
      const { store, location } = await openLedgerIn(await tempDir());
      // Before the order: two legs; the order makes both covered (views), then the next import folds both.
      expect((await runCliInProcess(['import', 'csv', file, '--db', location])).code).toBe(0);
      expect((await p2pChanges(store)).map((c) => c[1]).sort()).toEqual(['-0.1', '150.1']);
      await store.putRecords([ORDER, ...BALANCES]);
      expect(await p2pCoveredChanges(store, { account: 'main' })).toHaveProperty('size', 2);
      const before = await reconcileJson(location);
      expect(before.report).toMatchObject({ gaps: [], p2pLegsCovered: 2 });
      const again = await runCliInProcess(['import', 'csv', file, '--db', location]);
      expect(again.stdout).toContain('folded 2 statement P2P legs');
      expect(await p2pChanges(store)).toEqual([]);
      expect((await reconcileJson(location)).code).toBe(0);
    });

    it('a ledger the previous release filled (the fee row a leg of its own) heals on re-import; quarantine rows follow the event', async () => {
      const file = await statement([AROUND[0]!, ...BUY, AROUND[1]!, AROUND[2]!]);
      const { store, location } = await openLedgerIn(await tempDir());
      // What the previous release stored: each second's legs apart, and the rows an older release had
      // quarantined marked resolved by them.
      const legacy = [
        [`p2p:stmt:USDT:${utc(4, 15, 30)}:150.1`, '150.1', utc(4, 15, 30), BUY[0]!],
        [`p2p:stmt:USDT:${utc(4, 15, 30, 1)}:-0.1`, '-0.1', utc(4, 15, 30, 1), BUY[1]!],
      ] as const;
      await store.putRecords(
        legacy.map(
          ([id, amount, time]) =>
            ({
              kind: 'balance_change',
              id,
              account: 'main',
              time,
              source: 'csv',
              category: 'p2p',
              operation: 'P2P Trading',
              wallet: 'funding',
              asset: 'USDT',
              amount,
            }) as IncomingRecord,
        ),
      );
      for (const [i, [id, , , line]] of legacy.entries()) {
        const { operation, row, fingerprint } = earlierQuarantine(HEADER, line, 'not_modeled:p2p');
        await store.addQuarantine({
          account: 'main',
          file: 'statement.csv',
          line: i + 3,
          operation,
          row,
          reason: 'not_modeled:p2p',
          fingerprint,
        });
        await store.resolveQuarantine({ account: 'main', fingerprint, kind: 'balance_change', recordId: id });
      }
      const out = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(out.code, out.stderr).toBe(0);
      const joined = `p2p:stmt:USDT:${utc(4, 15, 30)}:150`;
      expect(await p2pChanges(store)).toEqual([[joined, '150', utc(4, 15, 30)]]);
      const resolved = async (): Promise<unknown[]> =>
        (await store.listQuarantine({ account: 'main' })).map((q) => [q.resolvedAs?.kind, q.resolvedAs?.id]);
      expect(await resolved()).toEqual([
        ['balance_change', joined],
        ['balance_change', joined],
      ]);
      // Again: nothing changes.
      const again = await runCliInProcess(['import', 'csv', file, '--db', location, '--json']);
      expect(JSON.parse(again.stdout).files[0]).toMatchObject({ recordsImported: 0 });
      expect(await p2pChanges(store)).toHaveLength(1);
      // The order arrives: the next import folds the leg into it; the quarantine rows follow.
      await store.putRecords([ORDER, ...BALANCES]);
      const third = await runCliInProcess(['import', 'csv', file, '--db', location]);
      expect(third.code, third.stderr).toBe(0);
      expect(await p2pChanges(store)).toEqual([]);
      expect(await resolved()).toEqual([
        ['p2p_order', ORDER.id],
        ['p2p_order', ORDER.id],
      ]);
      const { code, report } = await reconcileJson(location);
      expect(code).toBe(0);
      expect(report.gaps).toEqual([]);
    });
  });
}
