/** Flags win over LEDGERTAP_* variables, which win over the config file; secrets never come from it. */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consentGrantArgs } from '../capture/cli-args.js';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-config-');

async function ledger(dir: string, account = 'main'): Promise<string> {
  const db = join(dir, 'ledger.db');
  const grant = await runCliInProcess(consentGrantArgs({ db, account, holder: 'Ada', scope: 'read' }));
  expect(grant.code, grant.stderr).toBe(0);
  return db;
}

describe('options from the environment and a config file', () => {
  it('takes --db and --account from the config file, and a verb section for a required option', async () => {
    const dir = await tempDir();
    const db = await ledger(dir, 'acme');
    const config = join(dir, 'config.yaml');
    await writeFile(config, `db: ${db}\naccount: acme\nconsent:\n  list:\n    json: true\n`);
    const list = await runCliInProcess(['consent', 'list', '--config', config], {
      cwd: dir,
      env: { LEDGERTAP_DB: '' },
    });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('acme');
  });

  it('lets a flag win over the environment, and the environment over the file', async () => {
    const dir = await tempDir();
    const db = await ledger(dir);
    const missing = join(dir, 'missing.db');
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ db: missing }));
    const fromFile = await runCliInProcess(['export', '--config', config, '--format', 'jsonl'], {
      cwd: dir,
      env: { LEDGERTAP_DB: '' },
    });
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('missing.db');
    const fromEnv = await runCliInProcess(['export', '--config', config, '--format', 'jsonl'], {
      cwd: dir,
      env: { LEDGERTAP_DB: db },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    const fromFlag = await runCliInProcess(['export', '--config', config, '--db', db, '--format', 'jsonl'], {
      cwd: dir,
      env: { LEDGERTAP_DB: missing },
    });
    expect(fromFlag.code, fromFlag.stderr).toBe(0);
  });

  it('satisfies a required option from LEDGERTAP_*', async () => {
    const dir = await tempDir();
    const result = await runCliInProcess(['report'], {
      cwd: dir,
      env: { LEDGERTAP_MODEL: join(dir, 'nope.json') },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nope.json: no such file');
  });

  it('refuses secrets, malformed files and a missing --config file, naming the file', async () => {
    const dir = await tempDir();
    const secret = join(dir, 'secret.yaml');
    await writeFile(secret, 'sync:\n  binance:\n    apiSecret: abc\n');
    const refused = await runCliInProcess(['export', '--config', secret], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('sync.binance.apiSecret: secrets do not belong in the config file');
    expect(refused.stderr).not.toContain('abc');

    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'db: [unclosed\naccount: x\n');
    const bad = await runCliInProcess(['export', '--config', broken], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.yaml: line \d+:/);

    const missing = await runCliInProcess(['export', '--config', join(dir, 'none.yaml')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.yaml: no such file');

    const notBool = await runCliInProcess(['export', '--format', 'jsonl'], {
      cwd: dir,
      env: { LEDGERTAP_JSON: 'maybe' },
    });
    expect(notBool.code).toBe(2);
    expect(notBool.stderr).toContain('LEDGERTAP_JSON="maybe" is not a yes/no value');
  });

  it("warns about keys no verb reads, in the running verb's section and in sections naming no verb", async () => {
    const dir = await tempDir();
    const db = await ledger(dir);
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `db: ${db}\nrecv-window: 10000\nexport:\n  fromat: csv\nexprot:\n  format: csv\nsync:\n  binance:\n    recv-window: 10000\n`,
    );
    const r = await runCliInProcess(['export', '--format', 'jsonl'], {
      cwd: dir,
      env: { LEDGERTAP_CONFIG: config, LEDGERTAP_DB: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${config}: export.fromat: no verb reads this key, so it is ignored.`);
    expect(r.stderr).toContain(`${config}: exprot: no verb reads this key`);
    // Options of verbs not loaded for this run (sync's recv-window) are not taken for typos.
    expect(r.stderr).not.toContain('recv-window');
    const all = await runCliInProcess(['--config', config, 'export', '--format', 'jsonl'], {
      cwd: dir,
      env: { LEDGERTAP_DB: '' },
    });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).not.toContain('recv-window');
    expect(all.stderr).toContain('export.fromat');
  });

  it('takes a repeatable option from the file or the environment as one value or a list', async () => {
    const dir = await tempDir();
    const db = await ledger(dir);
    const config = join(dir, 'config.yaml');
    await writeFile(config, `db: ${db}\npurge:\n  kind: trade\n`);
    const one = await runCliInProcess(['purge', '--account', 'main', '--dry-run', '--config', config], {
      cwd: dir,
    });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('purge of account main (kinds trade)');
    await writeFile(config, `db: ${db}\npurge:\n  kind: [trade, order]\n`);
    const list = await runCliInProcess(['purge', '--account', 'main', '--dry-run', '--config', config], {
      cwd: dir,
    });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('purge of account main (kinds order, trade)');
    const env = await runCliInProcess(['purge', '--account', 'main', '--dry-run', '--db', db], {
      cwd: dir,
      env: { LEDGERTAP_KIND: 'trade' },
    });
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toContain('purge of account main (kinds trade)');
  });

  it('a whole-number option refused from the file or the environment names the file key or the variable', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.yaml');
    for (const [key, value] of [
      ['recv-window', '0'],
      ['concurrency', '99'],
      ['limit-window-ms', 'soon'],
    ] as const) {
      await writeFile(config, `sync:\n  binance:\n    ${key}: ${value}\n`);
      const r = await runCliInProcess(['sync', 'binance', '--config', config, '--db', join(dir, 'l.db')], {
        cwd: dir,
        env: { LEDGERTAP_DB: '' },
      });
      expect(r.code, key).toBe(2);
      // The key as the file spells it, not the option's attribute name (recvWindow).
      expect(r.stderr, key).toContain(
        `${config}: sync.binance.${key}: --${key} "${value}" must be a whole number`,
      );
    }
    const fromEnv = await runCliInProcess(['sync', 'binance', '--db', join(dir, 'l.db')], {
      cwd: dir,
      env: { LEDGERTAP_DB: '', LEDGERTAP_RECV_WINDOW: 'abc' },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain(
      'LEDGERTAP_RECV_WINDOW: --recv-window "abc" must be a whole number from 1 to 60000.',
    );
    expect(existsSync(join(dir, 'l.db'))).toBe(false);
  });
});
