/**
 * Start-up time of `ledgertap sandbox --profile tiny` as a user runs it (a child process from source
 * through tsx): from spawn to the ready JSON line, median of N runs. Target: well under 2 s.
 *
 *   npx tsx bench/sandbox-start.ts [--runs N] [--profile tiny]
 *
 * Baseline (same run): `ledgertap --version`, the bare cost of starting the CLI.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Milliseconds until the first stdout line, then stops the process. */
function timeToFirstLine(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', tsx, main, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let done = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (done || !d.includes('\n')) return;
      done = true;
      const ms = performance.now() - t0;
      child.kill('SIGTERM');
      child.once('close', () => resolve(ms));
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (!done) reject(new Error(`exited ${code} before printing`));
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = Number(arg('runs', '5'));
const profile = arg('profile', 'tiny');
const base: number[] = [];
const start: number[] = [];
for (let i = 0; i < runs; i++) {
  base.push(await timeToFirstLine(['--version']));
  start.push(await timeToFirstLine(['sandbox', '--profile', profile, '--json']));
}
const b = median(base);
const s = median(start);
console.log(
  `ledgertap sandbox --profile ${profile}: ready in ${s.toFixed(0)} ms (median of ${runs}); baseline ledgertap --version ${b.toFixed(0)} ms; ratio ${(s / b).toFixed(2)}`,
);
console.log(s < 2000 ? '  target met: under 2 s' : '  TARGET MISSED: 2 s');
if (s >= 2000) process.exitCode = 1;
