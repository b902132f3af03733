/** bench/serve.ts runs small (its figures are not checked here: speed targets live in bench/, never in tests). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliCommand, repoRoot } from '../helpers/cli.js';

describe('bench/serve.ts', () => {
  it('runs at a small size and prints records/s with the ratio to its baseline', () => {
    const { command, args } = cliCommand();
    const result = spawnSync(
      command,
      [args[0] as string, args[1] as string, 'bench/serve.ts', '--size', '1500', '--limit', '200'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/baseline iterateRecords \+ JSON\s+\d+ ms\s+\([\d,]+ records\/s\)/);
    expect(result.stdout).toMatch(
      /GET …\/records, 8 pages\s+\d+ ms\s+\([\d,]+ records\/s\)\s+ratio [\d.]+x baseline/,
    );
  });
});
