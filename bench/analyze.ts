/**
 * Analysis speed and memory: MB/s, entries/s and peak RSS of `ledgertap analyze` (streaming reader +
 * analyzers + model + OpenAPI) on synthetic captures, against har-to-openapi 3.0.1 (attemptToParameterizeUrl,
 * observed requiredness, 3.1 output) on the same file in the same run, up to the size it can handle.
 * Each tool runs in its own child process, so peak RSS is its own.
 *
 *   npx tsx bench/analyze.ts                       # 20 MB
 *   npx tsx bench/analyze.ts --sizes 10MB,100MB,1GB --h2o-max 200MB
 *   npx tsx bench/analyze.ts --sizes 1GB --tools h2o --h2o-max 2GB   # one tool only
 *   npx tsx bench/analyze.ts --tools ours,floor,h2o   # with the read+parse-only floor (no analysis)
 *   npx tsx bench/analyze.ts --hostile             # 200 MB body, 100 000 paths, 10 000 levels, 1 M keys, bad UTF-8
 *
 * Targets (issue 6): 10× har-to-openapi's throughput, peak RSS under 512 MB at any size.
 */
import { spawn } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize, writeHostileCapture, writeSyntheticCapture, type HostileKind } from './capture-gen.js';

interface WorkerResult {
  ok: boolean;
  ms: number;
  /** CPU time (user + system) of the work: steadier than wall time on a shared machine. */
  cpuMs: number;
  entries: number;
  maxRssMB: number;
  operations?: number;
  warnings?: number;
  warningCodes?: string[];
  error?: string;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A finished measurement that started at wall time `t0` and CPU time `c0`. */
function timed(t0: number, c0: number, entries: number, extra: Partial<WorkerResult>): WorkerResult {
  return { ok: true, ms: performance.now() - t0, cpuMs: cpuMs() - c0, entries, maxRssMB: 0, ...extra };
}

async function worker(tool: string, file: string): Promise<void> {
  let result: WorkerResult;
  // Modules are loaded before the clock starts: the figures are the analysis, not tsx's start-up.
  if (tool === 'ours') {
    const { readHar } = await import('../har/index.js');
    const { createAnalysisSession } = await import('../analyzers/index.js');
    const { buildProtocolModel, renderOpenApi } = await import('../model/index.js');
    const t0 = performance.now();
    const c0 = cpuMs();
    const session = createAnalysisSession();
    const reader = await readHar(file, { elideLarge: true });
    session.beginCapture(reader.log);
    let n = 0;
    for await (const r of reader.records()) {
      session.observe(r.entry, r.index);
      n++;
    }
    session.endCapture(reader.log);
    // As the CLI does: the reader's repairs and losses join the analysis warnings.
    for (const w of reader.warnings.list()) {
      if (w.severity === 'warning')
        session.warn({ code: `har.${w.kind}`, message: `${w.message} (${w.count}×)` });
    }
    const res = session.finish();
    const model = buildProtocolModel(res, { captures: [{ file, entries: n }] });
    await renderOpenApi(model, 'api.json');
    result = timed(t0, c0, n, {
      operations: model.operations.length,
      warnings: model.warnings.length,
      warningCodes: [...new Set(model.warnings.map((w) => w.code))],
    });
  } else if (tool === 'floor') {
    // The least any analysis of every sample must do: stream the entries and parse each JSON body once.
    // No inference at all, so its ratio to har-to-openapi bounds what any full-fidelity analyzer could
    // reach on this machine with this runtime (one core).
    const { readHar } = await import('../har/index.js');
    const t0 = performance.now();
    const c0 = cpuMs();
    const reader = await readHar(file);
    let n = 0;
    let parsed = 0;
    for await (const r of reader.records()) {
      n++;
      for (const text of [r.entry.request.postData?.text, r.entry.response.content.text]) {
        if (text === undefined || text === '') continue;
        const c = text.charCodeAt(0);
        if (c !== 0x7b && c !== 0x5b) continue;
        try {
          JSON.parse(text);
          parsed++;
        } catch {
          // Not JSON: skipped, as the analyzers would.
        }
      }
    }
    result = timed(t0, c0, n, { operations: parsed });
  } else {
    const { readFile } = await import('node:fs/promises');
    const { generateSpecs } = await import('har-to-openapi');
    const t0 = performance.now();
    const c0 = cpuMs();
    // har-to-openapi takes a parsed HAR: the whole file in memory is part of its cost.
    const har = JSON.parse(await readFile(file, 'utf8')) as { log: { entries: unknown[] } };
    const specs = await generateSpecs(har as never, {
      attemptToParameterizeUrl: true,
      requiredness: 'observed',
      openapiVersion: '3.1.0',
    });
    const operations = specs.reduce(
      (s, x) =>
        s +
        Object.values((x.spec.paths ?? {}) as Record<string, object>).reduce(
          (a, p) => a + Object.keys(p).length,
          0,
        ),
      0,
    );
    result = timed(t0, c0, har.log.entries.length, { operations });
  }
  result.maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const tsxLoader = fileURLToPath(new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const self = fileURLToPath(import.meta.url);

function runWorker(tool: string, file: string, heapMB: number, timeoutMs: number): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${heapMB}`, '--import', tsxLoader, self, '--worker', tool, file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as WorkerResult);
      } catch {
        const why =
          signal === 'SIGKILL'
            ? `killed after ${timeoutMs / 1000} s`
            : /heap out of memory/i.test(err)
              ? `out of memory (heap ${heapMB} MB)`
              : `exit ${code}: ${
                  err
                    .split('\n')
                    .find((l) => /Error|error:/.test(l))
                    ?.trim() ??
                  err.split('\n').filter(Boolean).slice(-1)[0] ??
                  ''
                }`;
        resolve({ ok: false, ms: 0, cpuMs: 0, entries: 0, maxRssMB: 0, error: why });
      }
    });
  });
}

const mb = (bytes: number): number => bytes / 1024 / 1024;

async function main(): Promise<void> {
  if (args[0] === '--worker') return worker(args[1] as string, args[2] as string);
  const dir = tmpdir();
  if (args.includes('--hostile')) {
    console.log(
      'hostile input (ours only; each must finish with a model or a clear error, in bounded time and memory)',
    );
    const kinds = (flag('--kinds')?.split(',') as HostileKind[] | undefined) ?? [
      'body-200mb',
      'socket-300mb',
      'paths-100k',
      'nested-10k',
      'keys-1m',
      'invalid-utf8',
    ];
    for (const kind of kinds) {
      const file = join(dir, `ledgertap-bench-${kind}-${process.pid}.har`);
      const { bytes } = await writeHostileCapture(file, kind);
      const r = await runWorker('ours', file, 2048, 300_000);
      console.log(
        `  ${kind.padEnd(13)} ${mb(bytes).toFixed(1).padStart(7)} MB  ${r.ok ? `${(r.ms / 1000).toFixed(2)} s, peak RSS ${r.maxRssMB} MB, ${r.operations} operation(s), ${r.warnings} warning(s)${r.warningCodes?.length ? ` (${r.warningCodes.join(', ')})` : ''}` : `FAILED: ${r.error}`}`,
      );
      await rm(file, { force: true });
    }
    return;
  }
  const sizes = (flag('--sizes') ?? flag('--size') ?? '20MB').split(',').map(parseSize);
  const h2oMax = parseSize(flag('--h2o-max') ?? '200MB');
  console.log(
    '    size  tool              wall s   CPU s  MB/s(wall) MB/s(CPU)  entries/s(CPU)  peak RSS   ops',
  );
  for (const size of sizes) {
    const file = join(dir, `ledgertap-bench-${size}-${process.pid}.har`);
    const { entries } = await writeSyntheticCapture(file, size);
    const bytes = (await stat(file)).size;
    const tools = (flag('--tools') ?? 'ours,floor,h2o').split(',');
    const ours: WorkerResult = tools.includes('ours')
      ? await runWorker('ours', file, 4096, 3_600_000)
      : { ok: false, ms: 0, cpuMs: 0, entries: 0, maxRssMB: 0, error: 'not run (--tools)' };
    const floor = tools.includes('floor') ? await runWorker('floor', file, 4096, 3_600_000) : undefined;
    const h2o =
      bytes <= h2oMax && tools.includes('h2o') ? await runWorker('h2o', file, 4096, 1_800_000) : undefined;
    const line = (tool: string, r: WorkerResult | undefined): string => {
      if (!r) return `${mb(bytes).toFixed(0).padStart(6)} MB  ${tool.padEnd(14)}  skipped (over --h2o-max)`;
      if (!r.ok) return `${mb(bytes).toFixed(0).padStart(6)} MB  ${tool.padEnd(14)}  FAILED: ${r.error}`;
      return `${mb(bytes).toFixed(0).padStart(6)} MB  ${tool.padEnd(14)} ${(r.ms / 1000).toFixed(2).padStart(8)} ${(r.cpuMs / 1000).toFixed(2).padStart(7)} ${(mb(bytes) / (r.ms / 1000)).toFixed(1).padStart(11)} ${(mb(bytes) / (r.cpuMs / 1000)).toFixed(1).padStart(9)} ${Math.round(
        entries / (r.cpuMs / 1000),
      )
        .toString()
        .padStart(15)} ${String(r.maxRssMB).padStart(6)} MB ${String(r.operations ?? '').padStart(5)}`;
    };
    console.log(line('ledgertap', ours));
    if (floor) console.log(line('read+parse only', floor));
    console.log(line('har-to-openapi', h2o));
    if (ours.ok && h2o?.ok) {
      console.log(
        `${''.padStart(10)}ratio vs har-to-openapi: ${(h2o.ms / ours.ms).toFixed(1)}× wall throughput, ${(h2o.cpuMs / ours.cpuMs).toFixed(1)}× CPU throughput, ${(h2o.maxRssMB / ours.maxRssMB).toFixed(1)}× less peak RSS`,
      );
    }
    if (floor?.ok && h2o?.ok) {
      console.log(
        `${''.padStart(10)}ceiling: reading and parsing every body, with no analysis at all, is ${(h2o.ms / floor.ms).toFixed(1)}× wall, ${(h2o.cpuMs / floor.cpuMs).toFixed(1)}× CPU of har-to-openapi`,
      );
    }
    if (ours.ok && ours.maxRssMB >= 512)
      console.log(`${''.padStart(9)}WARNING: peak RSS ${ours.maxRssMB} MB is over the 512 MB target`);
    await rm(file, { force: true });
  }
}

await main();
