import { describe, expect, it } from 'vitest';
import { runCliInProcess, spawnCli } from '../helpers/cli.js';

describe('the CLI shell', () => {
  it('prints help with the exit codes and exits 0', async () => {
    const result = await runCliInProcess(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toContain('2  bad input or usage');
  });

  it('exits 2 on usage errors with one clear line and no stack', async () => {
    const result = await runCliInProcess(['--no-such-flag']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ledgertap: unknown option/m);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('a verb without its sub-verb, or no verb at all, shows the help on stderr and exits 2; asked-for help exits 0', async () => {
    for (const args of [[], ['sync'], ['import'], ['consent']]) {
      const result = await runCliInProcess(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('Usage: ledgertap');
    }
    for (const args of [['help'], ['help', 'sync'], ['sync', '--help'], ['sync', 'binance', '--help']]) {
      const result = await runCliInProcess(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).toContain('Usage: ledgertap');
    }
  });

  it('runs as a real process and prints the version', async () => {
    const result = await spawnCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
