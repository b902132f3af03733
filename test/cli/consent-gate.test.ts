/**
 * Verbs that need the holder's consent refuse before they write anything: the consent records live in
 * the ledger, so a ledger file that does not exist holds none, and a refused run must not create one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-consent-gate-');

const env = {
  LEDGERTAP_DB: '',
  LEDGERTAP_ACCOUNT: '',
  BINANCE_API_KEY: 'a-key-the-run-never-sends',
  BINANCE_API_SECRET: 'a-secret-the-run-never-uses',
};

describe('the consent gate writes nothing when it refuses', () => {
  it('sync without a ledger exits 2 naming the missing consent and creates no ledger file', async () => {
    const dir = await tempDir();
    const db = join(dir, 'ledger.db');
    const r = await runCliInProcess(['sync', 'binance', '--db', db, '--base-url', 'http://127.0.0.1:9'], {
      cwd: dir,
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `consent: no active read consent for account "main": the ledger ${db} does not exist yet, so none was ever granted.`,
    );
    expect(r.stderr).toContain(`ledgertap consent grant --db ${db} --account main`);
    expect(existsSync(db)).toBe(false);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });

  it('capture without a ledger says the consent is missing and creates nothing', async () => {
    const dir = await tempDir();
    const db = join(dir, 'ledger.db');
    const out = join(dir, 'app.har');
    const r = await runCliInProcess(
      ['capture', 'proxy', '--port', '0', '--hosts', 'example.test', '--out', out, '--db', db],
      { cwd: dir, env: { ...env, LEDGERTAP_CONFIG_DIR: join(dir, 'config') } },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no active capture consent for account "main"');
    expect(existsSync(db)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });
});
