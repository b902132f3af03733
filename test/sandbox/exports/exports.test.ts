/**
 * The sandbox's Data Download Center exports over HTTP, checked against `/__sandbox/truth` with a plain
 * CSV parser (no importer code: the importer is tested against these exports, so they must stand alone).
 */
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../sandbox/index.js';

type Truth = Record<string, unknown> & { kind: string; id: string; time: number; routes: string[] };

let sandbox: SandboxHandle;
let truth: Truth[];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 5, profile: 'tiny' } as Parameters<typeof startSandbox>[0]);
  const text = await (await fetch(`${sandbox.adminUrl}/truth`)).text();
  truth = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Truth);
});
afterAll(async () => {
  await sandbox?.close();
});

async function get(
  kind: string,
  query = '',
): Promise<{ status: number; name: string; body: Buffer; type: string }> {
  const res = await fetch(`${sandbox.adminUrl}/export/${kind}.csv${query}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? '';
  return {
    status: res.status,
    name,
    body: Buffer.from(await res.arrayBuffer()),
    type: res.headers.get('content-type') ?? '',
  };
}

function rows(text: string, delimiter = ','): string[][] {
  return parse(text.replace(/^\ufeff/, ''), { delimiter, relax_column_count: true }) as string[][];
}

const sec = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');

describe('sandbox Data Download Center exports', () => {
  it('lists every export in the admin index and refuses unknown kinds and variants', async () => {
    const index = (await (await fetch(`${sandbox.adminUrl}`)).json().catch(() => ({}))) as {
      exports?: string[];
    };
    if (index.exports)
      expect(index.exports).toEqual(
        expect.arrayContaining(['transaction-history', 'spot-trade-history', 'p2p-history']),
      );
    expect((await get('no-such-export')).status).toBe(404);
    expect((await get('transaction-history', '?variant=1999')).status).toBe(400);
    expect((await get('transaction-history', '?tz=Mars')).status).toBe(400);
  });

  it('the transaction history sums, per asset, to the final balances (every generation)', async () => {
    const balances = new Map<string, Decimal>();
    for (const t of truth.filter((r) => r.kind === 'balance')) {
      const a = t['asset'] as string;
      balances.set(
        a,
        (balances.get(a) ?? new Decimal(0)).plus(t['free'] as string).plus(t['locked'] as string),
      );
    }
    for (const variant of ['2019', '2021', '2025']) {
      const res = await get('transaction-history', `?variant=${variant}&tz=UTC%2B2`);
      expect(res.status).toBe(200);
      const table = rows(res.body.toString('utf8'));
      const header = table[0]!.join(',');
      const expectedHeader = {
        '2019': 'UTC_Time,Account,Operation,Coin,Change,Remark',
        '2021': 'User_ID,UTC_Time,Account,Operation,Coin,Change,Remark',
        '2025': 'User ID,Time,Account,Operation,Coin,Change,Remark',
      }[variant];
      expect(header).toBe(expectedHeader);
      const coin = variant === '2019' ? 3 : 4;
      const sums = new Map<string, Decimal>();
      for (const r of table.slice(1))
        sums.set(r[coin]!, (sums.get(r[coin]!) ?? new Decimal(0)).plus(r[coin + 1]!));
      for (const [asset, total] of balances)
        expect(sums.get(asset)?.toFixed() ?? '0', `${variant} ${asset}`).toBe(total.toFixed());
      for (const [asset, total] of sums)
        if (!balances.has(asset)) expect(total.toFixed(), `${variant} ${asset}`).toBe('0');
      if (variant === '2025') {
        expect(res.name).toMatch(/^Binance-Transaction-History-\d{12}\(UTC\+2\)\.csv$/);
        expect(res.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
        expect(table[1]![1]).toMatch(/^\d{2}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      } else {
        expect(res.name).not.toMatch(/\(UTC/);
      }
    }
  });

  it('the 2025 statement writes local times in the zone its file name names', async () => {
    const utc = rows((await get('transaction-history', '?variant=2021')).body.toString('utf8'));
    const local = rows((await get('transaction-history', '?variant=2025&tz=UTC-6')).body.toString('utf8'));
    expect(local.length).toBe(utc.length);
    const first = Date.parse(`${utc[1]![1]!.replace(' ', 'T')}Z`);
    const shifted = Date.parse(`20${local[1]![1]!.replace(' ', 'T')}Z`);
    expect(first - shifted).toBe(6 * 3600_000);
  });

  it('spot trade history: one row per CSV-routed trade, with asset suffixes and thousands separators (2021) or plain (2020)', async () => {
    const trades = truth.filter((t) => t.kind === 'trade' && t.routes.includes('csv'));
    const v2021 = rows((await get('spot-trade-history')).body.toString('utf8'));
    expect(v2021[0]).toEqual(['Date(UTC)', 'Pair', 'Side', 'Price', 'Executed', 'Amount', 'Fee']);
    expect(v2021.length - 1).toBe(trades.length);
    const want = trades
      .map(
        (t) =>
          `${sec(t.time)}|${t['symbol']}|${(t['side'] as string).toUpperCase()}|${t['qty']}${t['baseAsset']}`,
      )
      .sort();
    const got = v2021
      .slice(1)
      .map(
        (r) =>
          `${r[0]}|${r[1]}|${r[2]}|${r[4]!.replace(/^(\d+\.\d*?)0*([A-Z])/, '$1$2').replace(/\.([A-Z])/, '$1')}`,
      )
      .sort();
    expect(got).toEqual(want);
    expect(v2021.slice(1).some((r) => r[3]!.includes(','))).toBe(
      trades.some((t) => Number(t['price']) >= 1000),
    );
    const v2020 = rows(
      (await get('spot-trade-history', '?variant=2020&delimiter=semicolon')).body.toString('utf8'),
      ';',
    );
    expect(v2020[0]).toEqual(['Date(UTC)', 'Market', 'Type', 'Price', 'Amount', 'Total', 'Fee', 'Fee Coin']);
    expect(v2020.length - 1).toBe(trades.length);
  });

  it("order history nests each order's fills under a sub-header; order numbers are the truth's", async () => {
    const table = rows((await get('spot-order-history')).body.toString('utf8'));
    expect(table[0]).toEqual([
      'Date(UTC)',
      'OrderNo',
      'Pair',
      'Type',
      'Order Price',
      'Order Amount',
      'AvgTrading Price',
      'Filled',
      'Total',
      'status',
    ]);
    const orderRows = table.slice(1).filter((r) => r[0] !== '');
    const orders = truth.filter((t) => t.kind === 'order' && t.routes.includes('csv'));
    expect(orderRows.map((r) => `${r[2]}:${r[1]}`).sort()).toEqual(orders.map((o) => o.id).sort());
    const fills = table.slice(1).filter((r) => r[0] === '' && !r[1]!.startsWith('Date'));
    expect(fills.length).toBe(truth.filter((t) => t.kind === 'trade' && t.routes.includes('csv')).length);
  });

  it('deposits and withdrawals in three generations, the file name telling which is which', async () => {
    const deposits = truth.filter(
      (t) => t.kind === 'transfer' && t['type'] === 'deposit' && t.routes.includes('csv'),
    );
    const withdrawals = truth.filter(
      (t) => t.kind === 'transfer' && t['type'] === 'withdrawal' && t.routes.includes('csv'),
    );
    const headers: Record<string, string> = {
      '2019': 'Date(UTC),Coin,Amount,TransactionFee,Address,TXID,SourceAddress,PaymentID,Status',
      '2021': 'Date(UTC),Coin,Network,Amount,TransactionFee,Address,TXID,SourceAddress,PaymentID,Status',
    };
    for (const variant of ['2019', '2021', '2025']) {
      const d = await get('deposit-history', `?variant=${variant}`);
      const w = await get('withdrawal-history', `?variant=${variant}`);
      expect(d.name).toMatch(/Deposit/);
      expect(w.name).toMatch(/Withdraw/);
      const dt = rows(d.body.toString('utf8'));
      const wt = rows(w.body.toString('utf8'));
      expect(dt.length - 1).toBe(deposits.length);
      expect(wt.length - 1).toBe(withdrawals.length);
      if (variant === '2025') {
        expect(dt[0]!.join(',')).toBe('Date(UTC+0),Coin,Network,Amount,Address,TXID,Status');
        expect(wt[0]!.join(',')).toBe('Date(UTC+0),Coin,Network,Amount,Fee,Address,TXID,Status');
        expect(dt[1]![0]).toMatch(/^\d{2}-\d{2}-\d{2} /);
      } else {
        expect(dt[0]!.join(',')).toBe(headers[variant]);
      }
    }
    const txids = rows((await get('deposit-history')).body.toString('utf8'))
      .slice(1)
      .map((r) => r[6]);
    // The export writes an internal transfer's TXID as Binance does, `Internal transfer <id>`; the model
    // (the truth) keeps the id alone.
    expect(txids.sort()).toEqual(
      deposits.map((t) => (t['internal'] ? `Internal transfer ${String(t['txId'])}` : t['txId'])).sort(),
    );
  });

  it("fiat, convert, Earn, Auto-Invest and P2P carry the truth's amounts and ids", async () => {
    const fiat = rows((await get('fiat-deposit-history', '?tz=UTC%2B1')).body.toString('utf8'));
    expect(fiat[0]).toEqual([
      'Date(UTC+1)',
      'Coin',
      'Amount',
      'Status',
      'Payment Method',
      'Indicated Amount',
      'Fee',
      'Order ID',
    ]);
    const fiatTruth = truth.filter((t) => t.kind === 'fiat_transfer' && t['type'] === 'deposit');
    expect(
      fiat
        .slice(1)
        .map((r) => `fiat:${r[7]}`)
        .sort(),
    ).toEqual(fiatTruth.map((t) => t.id).sort());
    const fiat2023 = rows((await get('fiat-deposit-history', '?variant=2023')).body.toString('utf8'));
    expect(fiat2023[0]).toEqual([
      'Date(UTC)',
      'Method',
      'Deposit Amount',
      'Receive Amount',
      'Fee',
      'Status',
      'Transaction ID',
    ]);
    if (fiat2023.length > 1) expect(fiat2023[1]![2]).toMatch(/^\d+(\.\d+)? [A-Z]{3}$/);

    const convert = rows((await get('convert-history')).body.toString('utf8'));
    expect(convert[0]).toEqual([
      'Date',
      'Wallet',
      'Pair',
      'Type',
      'Sell',
      'Buy',
      'Price',
      'Inverse Price',
      'Date Updated',
      'Status',
    ]);
    const converts = truth.filter((t) => t.kind === 'conversion' && t['status'] === 'success');
    expect(
      convert
        .slice(1)
        .map((r) => `${r[4]}>${r[5]}`)
        .sort(),
    ).toEqual(
      converts.map((c) => `${c['fromAmount']} ${c['fromAsset']}>${c['toAmount']} ${c['toAsset']}`).sort(),
    );

    const earn = rows((await get('earn-rewards', '?quoting=all')).body.toString('utf8'));
    expect(earn[0]).toEqual(['Date(UTC+0)', 'Coin', 'Amount', 'Type']);
    const rewards = truth.filter((t) => t.kind === 'earn_reward');
    expect(earn.length - 1).toBe(rewards.length);
    const sum = earn.slice(1).reduce((a, r) => a.plus(r[2]!), new Decimal(0));
    expect(sum.toFixed()).toBe(
      rewards.reduce((a, r) => a.plus(r['amount'] as string), new Decimal(0)).toFixed(),
    );

    const ai = rows((await get('auto-invest-history')).body.toString('utf8'));
    expect(ai[0]).toEqual([
      'Auto-Invest Date(UTC)',
      'Holding Coin',
      'Amount per period',
      'Trading Fee',
      'Units',
      'From',
      'Status',
    ]);
    expect(ai.length - 1).toBe(truth.filter((t) => t.kind === 'autoinvest_execution').length);

    const p2p = rows((await get('p2p-history')).body.toString('utf8'));
    expect(
      p2p
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(
      truth
        .filter((t) => t.kind === 'p2p_order')
        .map((t) => t.id)
        .sort(),
    );
  });

  it('a date range keeps only the rows inside it, for every export', async () => {
    const full = rows((await get('transaction-history')).body.toString('utf8')).slice(1);
    const times = full.map((r) => Date.parse(`${r[1]!.replace(' ', 'T')}Z`));
    const from = times[Math.floor(times.length / 3)]!;
    const to = times[Math.floor((2 * times.length) / 3)]!;
    const part = rows(
      (await get('transaction-history', `?from=${from}&to=${to + 999}`)).body.toString('utf8'),
    ).slice(1);
    expect(part.length).toBe(times.filter((t) => t >= from && t <= to).length);
    expect(part.length).toBeGreaterThan(0);
    const trades = rows(
      (await get('spot-trade-history', `?from=${new Date(from).toISOString()}`)).body.toString('utf8'),
    ).slice(1);
    expect(
      trades.every((r) => Date.parse(`${r[0]!.replace(' ', 'T')}Z`) >= Math.floor(from / 1000) * 1000),
    ).toBe(true);
    expect((await get('deposit-history', '?from=yesterday')).status).toBe(400);
  });

  it('quirks: Excel whole-row quoting, every field quoted, UTF-16LE with a BOM, `;` delimiters', async () => {
    const excel = (await get('transaction-history', '?quoting=excel')).body
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(excel.every((l) => l.startsWith('"') && l.endsWith('"'))).toBe(true);
    expect(rows(excel.join('\n')).every((r) => r.length === 1)).toBe(true);
    const all = (await get('p2p-history', '?quoting=all')).body.toString('utf8');
    expect(all.split('\n')[0]).toBe(
      '"Order Number","Order Type","Asset","Fiat Type","Total Price","Price","Quantity","Exchange rate","Maker Fee","Taker Fee","Counterparty","Status","Created Time"',
    );
    const utf16 = await get('convert-history', '?encoding=utf-16le');
    expect(utf16.type).toMatch(/utf-16le/);
    expect(utf16.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
    expect(utf16.body.subarray(2).toString('utf16le').split('\n')[0]).toBe(
      'Date,Wallet,Pair,Type,Sell,Buy,Price,Inverse Price,Date Updated,Status',
    );
    const semi = (await get('deposit-history', '?delimiter=semicolon')).body.toString('utf8');
    expect(semi.split('\n')[0]).toBe(
      'Date(UTC);Coin;Network;Amount;TransactionFee;Address;TXID;SourceAddress;PaymentID;Status',
    );
  });
});
