/**
 * An output path in a folder that does not exist is bad input (exit 2) naming the flag and the folder,
 * found before the verb does its work (a capture, a long analysis, a live replay), never a stack trace
 * or the hidden temp file ledgertap writes beside the target.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consentGrantArgs } from '../capture/cli-args.js';
import { repoRoot, runCliInProcess } from '../helpers/cli.js';

const har = join(repoRoot, 'test/fixtures/har-public/pollyjs-jsonplaceholder-node-fetch.har');

describe('output paths in a missing folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgertap-outpaths-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('analyze checks --out, --openapi and --types before analysing and writes nothing', async () => {
    for (const flag of ['--openapi', '--types', '--out']) {
      const args = ['analyze', har, '--out', join(dir, 'model.json')];
      const bad = join(dir, 'missing', 'file.yaml');
      if (flag === '--out') args[3] = bad;
      else args.push(flag, bad);
      const r = await runCliInProcess(args);
      expect(r.code, flag).toBe(2);
      expect(r.stderr).toContain(`${flag} ${bad}: the folder ${join(dir, 'missing')} does not exist`);
      expect(r.stderr).not.toContain('    at ');
      expect(existsSync(join(dir, 'model.json')), flag).toBe(false);
    }
  });

  it('report names the file asked for, not its temp file', async () => {
    const model = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', har, '--out', model])).code).toBe(0);
    const target = join(dir, 'missing', 'report.html');
    const r = await runCliInProcess(['report', '--model', model, '--out', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${target}: cannot write it: the folder ${join(dir, 'missing')} does not exist`,
    );
    expect(r.stderr).not.toContain('.tmp');
  });

  it('report refuses a name that is neither Markdown nor HTML, and writes .md, .markdown, .html and .htm', async () => {
    const model = join(dir, 'model.json');
    expect((await runCliInProcess(['analyze', har, '--out', model])).code).toBe(0);
    for (const name of ['report.pdf', 'report']) {
      const target = join(dir, name);
      const r = await runCliInProcess(['report', '--model', model, '--out', target]);
      expect(r.code, name).toBe(2);
      expect(r.stderr).toContain(`--out ${target}: a report is Markdown (.md) or HTML (.html)`);
      expect(r.stderr).toContain('Name it report.md or report.html');
      expect(existsSync(target)).toBe(false);
    }
    for (const [name, start] of [
      ['r.md', '#'],
      ['r.markdown', '#'],
      ['r.html', '<!doctype html>'],
      ['r.HTM', '<!doctype html>'],
    ] as const) {
      const r = await runCliInProcess(['report', '--model', model, '--out', join(dir, name)]);
      expect(r.code, name).toBe(0);
      expect((await readFile(join(dir, name), 'utf8')).toLowerCase().startsWith(start), name).toBe(true);
    }
  });

  it('capture proxy checks --out before it records anything', async () => {
    const db = join(dir, 'ledger.db');
    const consent = await runCliInProcess(consentGrantArgs({ db, account: 'main', holder: 'A' }));
    expect(consent.code).toBe(0);
    const out = join(dir, 'missing', 'app.har');
    const r = await runCliInProcess(
      [
        'capture',
        'proxy',
        '--port',
        '0',
        '--hosts',
        'api.example.test',
        '--out',
        out,
        '--db',
        db,
        '--account',
        'main',
      ],
      { env: { LEDGERTAP_CONFIG_DIR: dir } },
    );
    expect(r.stderr).toContain(`--out ${out}: the folder ${join(dir, 'missing')} does not exist`);
    expect(r.code).toBe(2);
  });
});
