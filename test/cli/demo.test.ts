/**
 * The README's main command, end to end as a user runs it: the sandbox exchange, browser capture of its
 * web app, analysis, report, replay, signed-API sync and CSV backfill into SQLite, reconcile and the
 * comparison with the sandbox's truth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-demo-');

interface DemoSummary {
  stages: { stage: string; code: number }[];
  truth: {
    truth: number;
    reachable: number;
    webOnly: number;
    found: number;
    foundByContent: number;
    equal: number;
    missing: string[];
    byRoute: Record<string, string>;
  };
  files: string[];
}

describe('ledgertap demo', () => {
  it(
    'runs every stage against the sandbox and ends with a ledger that matches the truth',
    { timeout: 600_000 },
    async () => {
      const dir = join(await tempDir(), 'demo');
      const result = await runCliInProcess(['demo', '--dir', dir, '--json']);
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const summary = JSON.parse(result.stdout) as DemoSummary;
      const stages = Object.fromEntries(summary.stages.map((s) => [s.stage, s.code]));
      for (const stage of [
        'consent read',
        'consent capture',
        'capture',
        'analyze',
        'report',
        'replay',
        'sync',
        'import',
        'reconcile',
        'export',
      ]) {
        expect(stages[stage], `stage ${stage}`).toBe(0);
      }
      for (const file of [
        'session.har',
        'model.json',
        'openapi.yaml',
        'api.d.ts',
        'report.html',
        'report.md',
        'drift.md',
        'live.har',
        'ledger.db',
        'ledger.jsonl',
      ]) {
        expect(existsSync(join(dir, file)), file).toBe(true);
      }
      // Every record the API or the CSV exports can reach is in the ledger, equal field by field; the
      // headline's total is those records only, the web-only ones (no route here reads them) apart.
      const t = summary.truth;
      expect(t.missing).toEqual([]);
      expect(t.reachable).toBeGreaterThan(0);
      expect(t.found + t.foundByContent).toBe(t.reachable);
      expect(t.equal).toBe(t.reachable);
      expect(t.reachable + t.webOnly).toBe(t.truth);
      const totals = Object.entries(t.byRoute).map(([k, v]) => [k, Number(v.split('/')[1])] as const);
      expect(totals.filter(([k]) => k !== 'web only').reduce((a, [, n]) => a + n, 0)).toBe(t.reachable);
      expect(totals.find(([k]) => k === 'web only')?.[1] ?? 0).toBe(t.webOnly);
      // The capture holds no secret: the web password and the API secret never reach a file.
      const har = readFileSync(join(dir, 'session.har'), 'utf8');
      expect(har).toContain('/bapi/');
      expect(result.stderr).not.toMatch(/apiSecret|BINANCE_API_SECRET=/);
    },
  );

  it('leaves a --dir holding files it did not write untouched (exit 2), and refuses a file as --dir', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    await mkdir(join(dir, 'exports'));
    const result = await runCliInProcess(['demo', '--dir', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--dir ${dir}: holds files the demo did not write (notes.txt)`);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    const file = join(dir, 'notes.txt');
    const onFile = await runCliInProcess(['demo', '--dir', file]);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain('is a file, not a folder');
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it('refuses a bad profile with a clear message', async () => {
    const result = await runCliInProcess([
      'demo',
      '--dir',
      join(await tempDir(), 'x'),
      '--profile',
      'enormous',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('enormous');
  });
});
