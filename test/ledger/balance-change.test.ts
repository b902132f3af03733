/**
 * The `balance_change` kind in the ledger, on both stores: stored, exported and reconciled like any
 * movement, and a statement P2P leg stored beside the `p2p_order` it is (imported before the order was
 * synced) counted once, in reconcile and in the ledger view.
 */
import { describe, expect, it } from 'vitest';
import { exportLedger, ledgerView, reconcileAccount, type IncomingRecord } from '../../ledger/index.js';
import { backends, useLedger } from './backends.js';
import { T0, balance, balanceChange } from './fixtures.js';

const MIN = 60_000;

function p2pOrder(id: string, over: Record<string, unknown>): IncomingRecord {
  return {
    kind: 'p2p_order',
    id,
    account: 'main',
    time: T0,
    source: 'api',
    side: 'buy',
    asset: 'USDT',
    fiat: 'EUR',
    amount: '100',
    totalPrice: '92',
    unitPrice: '0.92',
    fee: '0.1',
    status: 'completed',
    ...over,
  } as IncomingRecord;
}

const p2pLeg = (id: string, amount: string, time: number): IncomingRecord =>
  balanceChange(id, 'USDT', amount, { category: 'p2p', operation: 'P2P Trading', wallet: 'funding', time });

describe.each(backends)('balance_change on $name', (backend) => {
  const ledger = useLedger(backend);

  it('is stored idempotently, exported, and counted once per event in reconcile and the ledger view', async () => {
    const records: IncomingRecord[] = [
      // Synced P2P orders: a buy with a fee, two buys in one second, a pending sale (moves nothing).
      p2pOrder('1001', {}),
      p2pOrder('1002', { time: T0 + 60 * MIN, amount: '10', fee: '0' }),
      p2pOrder('1003', { time: T0 + 60 * MIN + 300, amount: '5', fee: '0' }),
      p2pOrder('1004', { time: T0 + 90 * MIN, side: 'sell', amount: '7', fee: '0', status: 'pending' }),
      // The statement's legs of those: released 5 minutes after the order (net of the fee), the two buys
      // summed in their second, and a leg no order explains (the API did not list it).
      p2pLeg(`p2p:stmt:USDT:${T0 + 5 * MIN}:99.9`, '99.9', T0 + 5 * MIN),
      p2pLeg(`p2p:stmt:USDT:${T0 + 60 * MIN}:15`, '15', T0 + 60 * MIN),
      p2pLeg(`p2p:stmt:USDT:${T0 + 120 * MIN}:20`, '20', T0 + 120 * MIN),
      // Movements only the statement lists.
      balanceChange(`card:stmt:USDT:${T0 + 130 * MIN}:-12.5`, 'USDT', '-12.5', { time: T0 + 130 * MIN }),
      balanceChange(`futures:stmt:USDT:${T0 + 140 * MIN}:-0.31`, 'USDT', '-0.31', {
        time: T0 + 140 * MIN,
        category: 'futures',
        operation: 'Funding Fee',
        wallet: 'usdtfutures',
      }),
      // 99.9 + 10 + 5 (orders) + 20 (unexplained leg) − 12.5 = 122.4; the funding fee is in the futures
      // wallet (the name an earlier release stored, read as `umfuture`), which no snapshot covers.
      balance('funding', 'USDT', '122.4'),
    ];
    const first = await ledger.store.putRecords(records);
    expect(first.counts.inserted).toBe(records.length);
    const again = await ledger.store.putRecords(records);
    expect(again.counts.inserted ?? 0).toBe(0);

    const report = await reconcileAccount(ledger.store, 'main');
    expect(report.gaps).toEqual([]);
    expect(report.assets).toEqual([
      { asset: 'USDT', history: '122.4', balance: '122.4', gap: '0', hints: [] },
    ]);
    expect(report.uncovered).toEqual([{ wallet: 'umfuture', assets: [{ asset: 'USDT', history: '-0.31' }] }]);
    expect(report.p2pLegsCovered).toBe(2);
    expect(report.counts.balance_change).toBe(5);

    const view: string[] = [];
    for await (const row of ledgerView(ledger.store, { account: 'main' }))
      view.push(`${row.kind} ${row.id} ${row.delta}`);
    expect(view.filter((r) => r.startsWith('balance_change')).sort()).toEqual(
      [
        `balance_change card:stmt:USDT:${T0 + 130 * MIN}:-12.5 -12.5`,
        `balance_change futures:stmt:USDT:${T0 + 140 * MIN}:-0.31 -0.31`,
        `balance_change p2p:stmt:USDT:${T0 + 120 * MIN}:20 20`,
      ].sort(),
    );

    const lines: string[] = [];
    for await (const line of exportLedger(ledger.store, { format: 'csv', kind: 'balance_change' }))
      lines.push(line);
    expect(lines[0]).toBe(
      'kind,id,account,time,category,operation,wallet,asset,amount,remark,symbol,walletBasis,tranId',
    );
    expect(lines).toHaveLength(6);
    expect(lines).toContain(
      `balance_change,futures:stmt:USDT:${T0 + 140 * MIN}:-0.31,main,${T0 + 140 * MIN},futures,Funding Fee,usdtfutures,USDT,-0.31,,,,`,
    );
  });

  it('refuses a malformed balance change (unsigned zero only, a known category, a wallet name)', async () => {
    for (const over of [
      { amount: '-0' },
      { amount: '1.50' },
      { category: 'loan' },
      { wallet: 'Cross Margin' },
    ]) {
      await expect(
        ledger.store.putRecords([balanceChange('x', 'USDT', '1', over as never)]),
        JSON.stringify(over),
      ).rejects.toMatchObject({ code: 'ledger.invalid_record' });
    }
  });
});
