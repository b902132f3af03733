/**
 * Benchmark of the streaming HAR reader: `ledgertap har inspect` on a generated HAR (default 520 MB) against
 * a whole-file baseline (readFileSync + JSON.parse + iterate the entries, counting hosts), both as child
 * processes in the same run. Reports MB/s, entries/s and each child's peak RSS (process.resourceUsage,
 * read in the child at exit through an --import hook), and the ratios.
 *
 *   npx tsx bench/har-read.ts [--size MB] [--file HAR] [--runs N] [--keep] [--tsx]
 *
 * --size   size of the generated HAR in MB (10^6 bytes); default 520 (V8's longest string, ~512 MiB,
 *          caps what the baseline can parse; keep it under that)
 * --file   use this HAR instead of generating one
 * --runs   runs of each side, best one kept; default 1
 * --keep   keep the generated file (default: removed at the end)
 * --tsx    run the CLI from source through tsx instead of dist/ (dist/ is used when it is up to date)
 *
 * Targets (issue 2): the reader's peak RSS under 256 MB on any size, and at least 0.5x the baseline's MB/s.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateHar } from './gen-har.js';

const root = fileURLToPath(new URL('../', import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Run {
  wallMs: number;
  maxRssMb: number;
  entries: number;
}

const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => { writeSync(2, '\\n@@maxrss=' + process.resourceUsage().maxRSS + '\\n'); });",
)}`;

function runChild(args: string[], countFrom: (stdout: string) => number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const rss = /@@maxrss=(\d+)/.exec(stderr);
      if (code !== 0 || !rss) {
        reject(new Error(`child failed (exit ${code}): ${args.join(' ')}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ wallMs, maxRssMb: Number(rss[1]) / 1024, entries: countFrom(stdout) });
    });
  });
}

const BASELINE = `
import { readFileSync } from 'node:fs';
const har = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const hosts = new Map();
let n = 0, bytes = 0;
for (const e of har.log.entries) {
  n++;
  let host = '';
  try { host = new URL(e.request.url).hostname; } catch {}
  hosts.set(host, (hosts.get(host) ?? 0) + 1);
  bytes += e.response?.content?.size > 0 ? e.response.content.size : 0;
}
process.stdout.write(JSON.stringify({ entries: n, hosts: hosts.size, bytes }) + '\\n');
`;

/** The reader alone (no CLI start-up: other verbs' imports are not the reader's memory). */
function libraryScript(fromDist: boolean): string[] {
  const index = fromDist ? join(root, 'dist/har/index.js') : join(root, 'har/index.ts');
  const code = `const { inspectHar } = await import(${JSON.stringify(pathToFileURL(index).href)}); const s = await inspectHar(process.argv[1]); process.stdout.write(JSON.stringify({ entries: s.entries }) + '\\n');`;
  const loader = fromDist ? [] : ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs')];
  return [...loader, '--input-type=module', '-e', code];
}

function distIsFresh(): boolean {
  const built = join(root, 'dist/har/reader.js');
  const main = join(root, 'dist/cli/main.js');
  if (!existsSync(built) || !existsSync(main)) return false;
  const sources = [
    'har/reader.ts',
    'har/scanner.ts',
    'har/normalize.ts',
    'har/inspect.ts',
    'cli/commands/har.ts',
  ];
  const builtAt = statSync(built).mtimeMs;
  return sources.every((s) => statSync(join(root, s)).mtimeMs <= builtAt);
}

async function main(): Promise<void> {
  const size = Number(flag('--size') ?? 520);
  const runs = Math.max(1, Number(flag('--runs') ?? 1));
  const given = flag('--file');
  const file = given ?? join(tmpdir(), `ledgertap-bench-har-${size}.har`);
  if (!given) {
    const t0 = performance.now();
    const made = await generateHar(file, size);
    console.error(
      `generated ${file}: ${(made.bytes / 1e6).toFixed(1)} MB, ${made.entries} entries (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  const bytes = statSync(file).size;
  const useTsx = process.argv.includes('--tsx') || !distIsFresh();
  const cli = useTsx
    ? ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs'), join(root, 'cli/main.ts')]
    : [join(root, 'dist/cli/main.js')];
  if (useTsx && !process.argv.includes('--tsx'))
    console.error('dist/ is missing or older than the sources: running the CLI through tsx');
  const baselineScript = join(tmpdir(), `ledgertap-bench-baseline-${process.pid}.mjs`);
  await writeFile(baselineScript, BASELINE);

  const best = (list: Run[]): Run => list.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const ours: Run[] = [];
  const lib: Run[] = [];
  const base: Run[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      ours.push(
        await runChild(
          [...cli, 'har', 'inspect', file, '--json'],
          (out) => (JSON.parse(out) as { entries: number }).entries,
        ),
      );
      lib.push(
        await runChild(
          [...libraryScript(!useTsx), file],
          (out) => (JSON.parse(out) as { entries: number }).entries,
        ),
      );
      base.push(
        await runChild(
          ['--max-old-space-size=8192', baselineScript, file],
          (out) => (JSON.parse(out) as { entries: number }).entries,
        ),
      );
    }
  } finally {
    await rm(baselineScript, { force: true });
    if (!given && !process.argv.includes('--keep')) await rm(file, { force: true });
  }
  const o = best(ours);
  const l = best(lib);
  const b = best(base);
  if (o.entries !== b.entries)
    throw new Error(`entry counts differ: inspect ${o.entries}, baseline ${b.entries}`);
  const mbps = (run: Run): number => bytes / 1e6 / (run.wallMs / 1000);
  const eps = (run: Run): number => run.entries / (run.wallMs / 1000);
  const rows = [
    ['', 'MB/s', 'entries/s', 'peak RSS MB', 'wall s'],
    [
      'har inspect (streaming)',
      mbps(o).toFixed(1),
      Math.round(eps(o)).toString(),
      o.maxRssMb.toFixed(0),
      (o.wallMs / 1000).toFixed(2),
    ],
    [
      'inspectHar (library, no CLI)',
      mbps(l).toFixed(1),
      Math.round(eps(l)).toString(),
      l.maxRssMb.toFixed(0),
      (l.wallMs / 1000).toFixed(2),
    ],
    [
      'JSON.parse whole file',
      mbps(b).toFixed(1),
      Math.round(eps(b)).toString(),
      b.maxRssMb.toFixed(0),
      (b.wallMs / 1000).toFixed(2),
    ],
    [
      'ratio (streaming / baseline)',
      (mbps(o) / mbps(b)).toFixed(2) + 'x',
      (eps(o) / eps(b)).toFixed(2) + 'x',
      (o.maxRssMb / b.maxRssMb).toFixed(2) + 'x',
      '',
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(
    `file: ${(bytes / 1e6).toFixed(1)} MB, ${o.entries} entries; CLI from ${useTsx ? 'source (tsx)' : 'dist/'}; best of ${runs}`,
  );
  for (const row of rows)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const rssOk = o.maxRssMb < 256;
  const speedOk = mbps(o) / mbps(b) >= 0.5;
  console.log(
    `targets: peak RSS < 256 MB ${rssOk ? 'met' : 'MISSED'}; >= 0.5x baseline MB/s ${speedOk ? 'met' : 'MISSED'}`,
  );
  if (!rssOk || !speedOk) process.exitCode = 1;
}

await main();
