/**
 * Bad files: a non-CSV file, a workbook, an empty file, an unknown header, a truncated file (inside a
 * quote, mid-row), mixed encodings, a bad cell, a deposit/withdrawal export whose name says neither.
 * Each fails with a clear error naming file and line (and column where there is one), and writes nothing;
 * good files given beside it still import.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsvFile, importCsvFiles } from '../../../connectors/index.js';
import { isLedgertapError } from '../../../core/index.js';
import type { LedgerStore } from '../../../ledger/index.js';
import { runCliInProcess } from '../../helpers/cli.js';
import { useTempDirs } from '../../helpers/tmp.js';
import { BACKENDS, FIXTURES } from './backends.js';

const tempDir = useTempDirs('ledgertap-csv-bad-');

const BAD: [file: string, code: string, message: RegExp][] = [
  ['not-csv.png', 'input.csv_not_text', /not-csv\.png: this is not a text file/],
  ['export.xlsx', 'input.csv_bad_workbook', /export\.xlsx: this is not a readable Excel workbook/],
  ['empty.csv', 'input.csv_empty', /empty/],
  [
    'unknown-header.csv',
    'input.csv_unknown_header',
    /unknown-header\.csv: line 1: unknown header "Name,Email,Phone"/,
  ],
  ['truncated.csv', 'input.csv_truncated', /truncated\.csv: line 3: a quoted field is never closed/],
  ['truncated-row.csv', 'input.csv_bad_value', /truncated-row\.csv: line 3, column 5 \(Change\): is empty/],
  ['mixed-encoding.csv', 'input.csv_encoding', /mixed-encoding\.csv: line 3: bytes that are not valid UTF-8/],
  [
    'bad-value.csv',
    'input.csv_bad_value',
    /bad-value\.csv: line 3, column 5 \(Change\): is not an amount: "lots"/,
  ],
  ['Binance-Crypto-History.csv', 'input.csv_ambiguous_kind', /neither/],
];

for (const backend of BACKENDS) {
  describe(`bad CSV input on ${backend.name}`, () => {
    let open: { store: LedgerStore; drop(): Promise<void> } | undefined;
    afterEach(async () => {
      await open?.store.close();
      await open?.drop();
      open = undefined;
    });

    it.each(BAD)('%s fails with %s and writes nothing', async (file, code, message) => {
      const dir = await tempDir();
      const path = join(dir, file);
      await copyFile(join(FIXTURES, file), path);
      open = await backend.open(dir);
      const error = await importCsvFile(open.store, path, { displayName: file }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isLedgertapError(error), String(error)).toBe(true);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toMatch(message);
      expect(await open.store.countRecords({})).toBe(0);
      expect(await open.store.listQuarantine({})).toEqual([]);
      expect(await open.store.listImportFiles({})).toEqual([]);
    });

    it('a bad file among good ones is reported; the good ones import, the bad one writes nothing', async () => {
      const dir = await tempDir();
      for (const f of ['statement-2019.csv', 'bad-value.csv', 'trades-2021.csv'])
        await copyFile(join(FIXTURES, f), join(dir, f));
      open = await backend.open(dir);
      const { reports, failures } = await importCsvFiles(
        open.store,
        ['statement-2019.csv', 'bad-value.csv', 'trades-2021.csv'].map((f) => join(dir, f)),
        { displayNames: ['statement-2019.csv', 'bad-value.csv', 'trades-2021.csv'] },
      );
      expect(reports.map((r) => r.file).sort()).toEqual(['statement-2019.csv', 'trades-2021.csv']);
      expect(failures).toEqual([
        { file: 'bad-value.csv', error: expect.objectContaining({ code: 'input.csv_bad_value' }) },
      ]);
      // bad-value.csv's first row (a 0.5 BTC deposit on 2019-05-01 10:00) would otherwise match the
      // statement's deposit; nothing of it is there.
      expect((await open.store.listImportFiles({})).map((f) => f.path).sort()).toEqual([
        'statement-2019.csv',
        'trades-2021.csv',
      ]);
    });
  });
}

describe('import csv on the command line', () => {
  it('exit 2 naming the file, line and column; nothing written; --json carries the failure', async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'bad-value.csv'), join(dir, 'bad-value.csv'));
    const db = join(dir, 'l.db');
    const out = await runCliInProcess(['import', 'csv', 'bad-value.csv', '--db', db], { cwd: dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/bad-value\.csv: line 3, column 5 \(Change\)/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    const json = await runCliInProcess(['import', 'csv', 'bad-value.csv', '--db', db, '--json'], {
      cwd: dir,
    });
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as {
      ok: boolean;
      failures: { file: string; error: { code: string; details: { line: number; column: number } } }[];
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.failures[0]).toMatchObject({
      file: 'bad-value.csv',
      error: { code: 'input.csv_bad_value', details: { line: 3, column: 5 } },
    });
  });

  it('a missing file and a bad --tz are usage errors', async () => {
    const dir = await tempDir();
    const missing = await runCliInProcess(['import', 'csv', 'nope.csv', '--db', join(dir, 'l.db')], {
      cwd: dir,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
    const tz = await runCliInProcess(
      ['import', 'csv', 'x.csv', '--tz', 'Mars/Olympus', '--db', join(dir, 'l.db')],
      { cwd: dir },
    );
    expect(tz.code).toBe(2);
    expect(tz.stderr).toMatch(/--tz "Mars\/Olympus" is not a time zone/);
  });

  it('a row longer than any export has (hostile or corrupt) is refused with its line, in bounded memory', async () => {
    const dir = await tempDir();
    const huge = `UTC_Time,Account,Operation,Coin,Change,Remark\n2019-05-01 10:00:00,Spot,Deposit,BTC,0.5,"${'x'.repeat(3 * 1024 * 1024)}\n`;
    await writeFile(join(dir, 'huge.csv'), huge);
    const out = await runCliInProcess(['import', 'csv', 'huge.csv', '--db', join(dir, 'l.db'), '--json'], {
      cwd: dir,
    });
    expect(out.code).toBe(2);
    const parsed = JSON.parse(out.stdout) as { failures: { error: { code: string; message: string } }[] };
    expect(parsed.failures[0]?.error.code).toMatch(/^input\.csv_(malformed|truncated)$/);
    expect(parsed.failures[0]?.error.message).toMatch(/huge\.csv: line \d+/);
  });

  it('UTF-16LE without a BOM is recognized from its zero bytes', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'nobom.csv'),
      Buffer.from(
        'UTC_Time,Account,Operation,Coin,Change,Remark\n2019-05-01 10:00:00,Spot,Deposit,BTC,0.5,\n',
        'utf16le',
      ),
    );
    const out = await runCliInProcess(['import', 'csv', 'nobom.csv', '--db', join(dir, 'l.db'), '--json'], {
      cwd: dir,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ files: [{ encoding: 'utf-16le', recordsImported: 1 }] });
  });

  it('a UTF-16 (Excel "Unicode text") export imports like its UTF-8 original; big-endian too', async () => {
    const dir = await tempDir();
    const text =
      '\ufeffUTC_Time,Account,Operation,Coin,Change,Remark\r\n2019-05-01 10:00:00,Spot,Deposit,BTC,0.5,\r\n';
    await writeFile(join(dir, 'le.csv'), Buffer.from(text, 'utf16le'));
    const be = Buffer.from(text, 'utf16le');
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    await writeFile(join(dir, 'be.csv'), be);
    const out = await runCliInProcess(
      ['import', 'csv', 'le.csv', 'be.csv', '--db', join(dir, 'l.db'), '--json'],
      { cwd: dir },
    );
    expect(out.code, out.stderr).toBe(0);
    const parsed = JSON.parse(out.stdout) as {
      files: { encoding: string; recordsImported: number; duplicates: number }[];
    };
    expect(parsed.files.map((f) => [f.encoding, f.recordsImported, f.duplicates])).toEqual([
      ['utf-16le', 1, 0],
      ['utf-16be', 0, 1],
    ]);
  });
});
