/**
 * Excel workbooks (.xlsx) import as downloaded: the first sheet's rows go through the same detection and
 * parsing as a CSV export, date cells keep their seconds and numbers their every digit (the losses a
 * re-save as CSV causes), and the same trades from the CSV copy are not stored twice. Damaged, legacy,
 * oversized and zip-bomb workbooks fail with a clear error naming the file, writing nothing.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import writeExcelFile from 'write-excel-file/node';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-workbook-');

const HEADER = ['Date(UTC)', 'Market', 'Type', 'Price', 'Amount', 'Total', 'Fee', 'Fee Coin'];
const FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** A 2020 trade-history workbook as Binance gave it: a date cell, numbers as numbers, text as text. */
async function tradesWorkbook(path: string): Promise<void> {
  const text = (value: string) => ({ value, type: String });
  const num = (value: number) => ({ value, type: Number });
  const date = (iso: string) => ({ value: new Date(iso), type: Date, format: FORMAT });
  const data = [
    HEADER.map(text),
    [
      date('2020-02-03T14:05:37Z'),
      text('BNBBTC'),
      text('BUY'),
      num(0.0023),
      num(10),
      num(0.023),
      num(0.0075),
      text('BNB'),
    ],
    [],
    [
      date('2020-02-04T08:00:59Z'),
      text('ETHUSDT'),
      text('SELL'),
      num(190.51234567),
      num(1.5),
      num(285.768518505),
      num(0.000000285),
      text('USDT'),
    ],
  ];
  await writeExcelFile(data as never).toFile(path);
}

/** The same trades as a CSV export. */
const TRADES_CSV = [
  HEADER.join(','),
  '2020-02-03 14:05:37,BNBBTC,BUY,0.0023,10,0.023,0.0075,BNB',
  '2020-02-04 08:00:59,ETHUSDT,SELL,190.51234567,1.5,285.768518505,0.000000285,USDT',
].join('\n');

interface Exported {
  kind: string;
  symbol: string;
  side: string;
  price: string;
  qty: string;
  quoteQty: string;
  fee: string;
  time: number;
}

async function exported(db: string): Promise<Exported[]> {
  const r = await runCliInProcess(['export', '--db', db, '--format', 'jsonl', '--kind', 'trade']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Exported);
}

describe('import csv of an Excel workbook', () => {
  it('imports the first sheet with seconds and every digit kept; the CSV copy adds nothing', async () => {
    const dir = await tempDir();
    const xlsx = join(dir, 'trade-history.xlsx');
    await tradesWorkbook(xlsx);
    const db = join(dir, 'ledger.db');
    const r = await runCliInProcess(['--json', 'import', 'csv', xlsx, '--db', db]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('spot_trade_history/2020');
    const trades = await exported(db);
    expect(
      trades.map((t) => [
        t.symbol,
        t.side,
        t.price,
        t.qty,
        t.quoteQty,
        t.fee,
        new Date(t.time).toISOString(),
      ]),
    ).toEqual([
      ['BNBBTC', 'buy', '0.0023', '10', '0.023', '0.0075', '2020-02-03T14:05:37.000Z'],
      ['ETHUSDT', 'sell', '190.51234567', '1.5', '285.768518505', '0.000000285', '2020-02-04T08:00:59.000Z'],
    ]);

    const csv = join(dir, 'trade-history.csv');
    await writeFile(csv, TRADES_CSV);
    const again = await runCliInProcess(['import', 'csv', csv, '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    expect(await exported(db)).toEqual(trades);
  });

  it.each([
    [
      'damaged.xlsx',
      Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'),
      'input.csv_bad_workbook',
      /damaged\.xlsx: this is not a readable Excel workbook/,
    ],
    [
      'legacy.xls',
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]),
      'input.csv_not_text',
      /legacy\.xls: this is a legacy Excel workbook \(\.xls\)/,
    ],
  ])('%s: a clear error, exit 2, nothing written', async (name, bytes, code, message) => {
    const dir = await tempDir();
    const file = join(dir, name);
    await writeFile(file, bytes);
    const db = join(dir, 'ledger.db');
    const r = await runCliInProcess(['--json', 'import', 'csv', file, '--db', db]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as {
      files: unknown[];
      failures: { file: string; error: { code: string; message: string } }[];
    };
    // Nothing from the file is stored.
    expect(out.files).toEqual([]);
    expect(out.failures[0]?.error.code).toBe(code);
    expect(out.failures[0]?.error.message).toMatch(message);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a workbook that declares gigabytes unpacked, or is over the size cap, is refused before it is unpacked', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.xlsx');
    await tradesWorkbook(good);
    const bytes = await readFile(good);
    // Forge every central-directory entry's uncompressed size to 1 GiB.
    const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    let at = bytes.readUInt32LE(eocd + 16);
    for (let n = bytes.readUInt16LE(eocd + 10); n > 0; n--) {
      bytes.writeUInt32LE(1024 * 1024 * 1024, at + 24);
      at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    const bomb = join(dir, 'bomb.xlsx');
    await writeFile(bomb, bytes);
    const r = await runCliInProcess(['import', 'csv', bomb, '--db', join(dir, 'a.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bomb\.xlsx: this workbook unpacks to \d+\.\d MiB, more than any export/);

    // A sparse file: 65 MiB on paper, a zip signature first.
    const huge = join(dir, 'huge.xlsx');
    const fh = await open(huge, 'w');
    await fh.write(Buffer.from('PK\x03\x04', 'latin1'));
    await fh.truncate(65 * 1024 * 1024);
    await fh.close();
    const big = await runCliInProcess(['import', 'csv', huge, '--db', join(dir, 'b.db')]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(
      /huge\.xlsx: this workbook is 65\.0 MiB; workbooks over 64\.0 MiB are not read/,
    );
  });
});
