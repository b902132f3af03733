/**
 * `capture` errors a user can cause: a file or folder that is missing, a folder where a file belongs, a
 * file where a folder belongs. Each names the path, says what is wrong in words (not ENOENT/EISDIR)
 * and what to do, exits 2, and prints no stack. The account defaults to `main`, as for consent and sync.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-capture-errors-');

/** A ledger with a capture consent granted without --account (so for `main`). */
async function ledger(dir: string): Promise<string> {
  const db = join(dir, 'ledger.db');
  const grant = await runCliInProcess(
    ['consent', 'grant', '--db', db, '--holder', 'Ada', '--scope', 'capture', '--expires', '2099-01-01'],
    { env: { LEDGERTAP_ACCOUNT: '' } },
  );
  expect(grant.code, grant.stderr).toBe(0);
  return db;
}

const proxy = (dir: string, db: string, ...flags: string[]): string[] => [
  'capture',
  'proxy',
  '--port',
  '0',
  '--hosts',
  'example.test',
  '--out',
  join(dir, 'app.har'),
  '--db',
  db,
  ...flags,
];

function expectClean(stderr: string): void {
  expect(stderr).not.toMatch(/E[A-Z]{3,}:|\bENOENT\b|\bEISDIR\b|\bENOTDIR\b|\bEACCES\b/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('capture: the consent of account main without --account, and clear file errors', () => {
  it('finds the consent granted for main when no --account is given, then names a missing --redact-rules file', async () => {
    const dir = await tempDir();
    const db = await ledger(dir);
    const rules = join(dir, 'rules.yaml');
    const r = await runCliInProcess(proxy(dir, db, '--redact-rules', rules), {
      env: { LEDGERTAP_ACCOUNT: '', LEDGERTAP_DB: '', LEDGERTAP_CONFIG_DIR: join(dir, 'config') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${rules}: cannot read the redaction rules file: no such file or folder.`);
    expect(r.stderr).toContain('Give --redact-rules a readable YAML or JSON file');
    expectClean(r.stderr);
  });

  it('a folder given as --autopilot, a missing --guide file and a config folder under a file are said in words', async () => {
    const dir = await tempDir();
    const db = await ledger(dir);
    const env = { LEDGERTAP_ACCOUNT: '', LEDGERTAP_DB: '', LEDGERTAP_CONFIG_DIR: join(dir, 'config') };
    const folder = join(dir, 'a-folder');
    await mkdir(folder);
    const autopilot = await runCliInProcess(
      [
        'capture',
        'browser',
        '--url',
        'http://127.0.0.1:9/',
        '--out',
        join(dir, 's.har'),
        '--db',
        db,
        '--headless',
        '--autopilot',
        folder,
      ],
      { env },
    );
    expect(autopilot.code).toBe(2);
    expect(autopilot.stderr).toContain(
      `${folder}: cannot read the autopilot script: it is a folder, not a file.`,
    );
    expectClean(autopilot.stderr);

    const guide = join(dir, 'guide.yaml');
    const missingGuide = await runCliInProcess(proxy(dir, db, '--guide', guide), { env });
    expect(missingGuide.code).toBe(2);
    expect(missingGuide.stderr).toContain(`${guide}: cannot read the guide: no such file or folder.`);
    expectClean(missingGuide.stderr);

    const file = join(dir, 'not-a-folder');
    await writeFile(file, '');
    const ca = await runCliInProcess(proxy(dir, db), {
      env: { ...env, LEDGERTAP_CONFIG_DIR: join(file, 'config') },
    });
    expect(ca.code).toBe(2);
    expect(ca.stderr).toContain(
      `${join(file, 'config', 'ca')}: cannot read the capture CA: a part of the path is a file, not a folder.`,
    );
    expect(ca.stderr).toContain('set LEDGERTAP_CONFIG_DIR to another folder');
    expectClean(ca.stderr);
  });
});
