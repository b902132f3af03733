/**
 * `ledgertap demo`: the whole job end to end on embedded defaults, against the sandbox exchange:
 * consent, browser capture of the web app, analysis, report, replay, signed-API sync and CSV backfill
 * into one SQLite ledger, reconcile, and a record-by-record check against the sandbox's truth.
 * Each stage is the same command a user runs (composed through runtime.invoke), so the demo is also the
 * script to copy from.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { ExitCode, LedgertapError, UsageError, canonicalDecimal, isDecimalString } from '../../core/index.js';
import { SANDBOX_PROFILE_NAMES, startSandbox, type SandboxHandle } from '../../sandbox/index.js';
import type { CliIo, CommandContext, RegisterVerb } from '../context.js';

interface DemoFlags {
  dir: string;
  profile: string;
  seed: string;
  keep?: boolean;
  headed?: boolean;
  skipCapture?: boolean;
}

interface StageResult {
  stage: string;
  code: number;
  seconds: number;
  detail: string;
}

/** Runs one stage's command line, capturing its stdout (JSON) and prefixing its progress on stderr. */
async function stage(
  ctx: CommandContext,
  invoke: (argv: string[], io?: Partial<CliIo>) => Promise<number>,
  name: string,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; seconds: number }> {
  ctx.progress(`\n▶ ${name}: ledgertap ${argv.join(' ')}`);
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const stderr = new PassThrough();
  stderr.on('data', (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) if (line.trim()) ctx.io.stderr.write(`  ${line}\n`);
  });
  const t0 = performance.now();
  const code = await invoke(argv, { stdout, stderr, env: { ...ctx.env, ...env } });
  stdout.end();
  stderr.end();
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - t0) / 1000 };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

type Rec = Record<string, unknown>;

/** A record's comparable form: without source/raw/account/routes, amounts canonical. */
function comparable(record: Rec): string {
  const out: Rec = {};
  for (const key of Object.keys(record).sort()) {
    if (['source', 'sources', 'raw', 'account', 'routes'].includes(key)) continue;
    const value = record[key];
    out[key] =
      typeof value === 'string' && isDecimalString(value) && /[.eE]/.test(value)
        ? canonicalDecimal(value)
        : value;
  }
  return JSON.stringify(out);
}

/** The ledger compared with the sandbox's truth, record by record. */
export interface TruthCheck {
  /** Every record of the truth. */
  truth: number;
  /** Those the signed API or the CSV exports reach: the headline's total. */
  reachable: number;
  /** Those only the web app reaches: no route the demo runs reads them; stated apart, never counted. */
  webOnly: number;
  /** Reachable records found under the truth's own natural id. */
  found: number;
  /** Reachable records found by content: the exports carry no id for these (delisted trades, old transfers), so the importer made one. */
  foundByContent: number;
  /** Reachable records equal field by field (by-content matches: every field both copies have, times to the second). */
  equal: number;
  /** Web-only records the ledger holds anyway (under their id). */
  webOnlyPresent: number;
  /** Reachable records the ledger lacks (`kind id`). */
  missing: string[];
  /** Per route set (`api+csv`, `csv`, `api`, `web only`): `present/total`. */
  byRoute: Record<string, string>;
}

/** Same kind, same second, and every field both copies carry equal (ids aside): the CSV copy of a record. */
function sameContent(truth: Rec, candidate: Rec): boolean {
  if (truth.kind !== candidate.kind) return false;
  // Times: the exports print seconds only.
  if (Math.floor(Number(truth.time) / 1000) !== Math.floor(Number(candidate.time) / 1000)) return false;
  const a = JSON.parse(comparable(truth)) as Rec;
  const b = JSON.parse(comparable(candidate)) as Rec;
  for (const key of Object.keys(a)) {
    if (['id', 'time', 'tradeId', 'groupId'].includes(key) || !(key in b)) continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
  }
  return true;
}

async function truthCheck(sandbox: SandboxHandle, exported: string): Promise<TruthCheck> {
  const truthText = await (await fetch(`${sandbox.adminUrl}/truth`)).text();
  return compareWithTruth(truthText, exported);
}

/**
 * Compares the ledger's export (JSON lines) with the truth (JSON lines, each record with its `routes`).
 * Only records the API or the CSV exports reach count: a web-only record is in `webOnly` (and
 * `byRoute['web only']`), never in the totals, found or missing.
 */
export function compareWithTruth(truthText: string, exported: string): TruthCheck {
  const truth = truthText
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
  const ledger = new Map<string, Rec>();
  for (const line of exported.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as Rec;
    ledger.set(`${String(r.kind)}|${String(r.id)}`, r);
  }
  const truthKeys = new Set(truth.map((t) => `${String(t.kind)}|${String(t.id)}`));
  const unclaimed = [...ledger.entries()].filter(([key]) => !truthKeys.has(key)).map(([, r]) => r);
  const result: TruthCheck = {
    truth: truth.length,
    reachable: 0,
    webOnly: 0,
    found: 0,
    foundByContent: 0,
    equal: 0,
    webOnlyPresent: 0,
    missing: [],
    byRoute: {},
  };
  const routeTotals = new Map<string, { total: number; found: number }>();
  for (const t of truth) {
    const routes = (t.routes ?? {}) as Record<string, boolean> | string[];
    const names = Array.isArray(routes)
      ? routes
      : Object.entries(routes)
          .filter(([, v]) => v)
          .map(([k]) => k);
    const reachable = names.filter((n) => n === 'api' || n === 'csv').join('+') || 'web only';
    const slot = routeTotals.get(reachable) ?? { total: 0, found: 0 };
    slot.total += 1;
    routeTotals.set(reachable, slot);
    const got = ledger.get(`${String(t.kind)}|${String(t.id)}`);
    if (reachable === 'web only') {
      // No route the demo runs reads it: shown apart, never in the totals.
      result.webOnly += 1;
      if (got) {
        result.webOnlyPresent += 1;
        slot.found += 1;
      }
      continue;
    }
    result.reachable += 1;
    if (got) {
      result.found += 1;
      slot.found += 1;
      // A record only the exports reach is compared at the exports' precision: seconds, and the fields they carry.
      const csvOnly = !names.includes('api');
      if (csvOnly ? sameContent(t, got) : comparable(got) === comparable(t)) result.equal += 1;
      continue;
    }
    const index = unclaimed.findIndex((c) => sameContent(t, c));
    if (index >= 0) {
      unclaimed.splice(index, 1);
      result.foundByContent += 1;
      result.equal += 1;
      slot.found += 1;
    } else result.missing.push(`${String(t.kind)} ${String(t.id)}`);
  }
  for (const [k, v] of routeTotals) result.byRoute[k] = `${v.found}/${v.total}`;
  return result;
}

/** The demo's two lines on the truth: the headline (reachable records only, web-only apart) and by route. */
export function truthLines(truth: TruthCheck): string[] {
  return [
    `ledger vs sandbox truth: ${truth.found + truth.foundByContent} of ${truth.reachable} records the API or the CSV exports reach present (${truth.foundByContent} matched by content: the exports carry no id for them), ${truth.equal} equal field by field (records only the exports reach: to the second, on the fields the exports carry); ${truth.webOnly} more only the web app reaches, not counted${truth.webOnlyPresent ? ` (${truth.webOnlyPresent} of them in the ledger anyway)` : ''}`,
    `by route: ${Object.entries(truth.byRoute)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
}

/** Left in --dir by every demo: the next run may replace a folder holding it. */
const DEMO_MARKER = '.ledgertap-demo';

/** What a demo writes in --dir (a folder from a release before the marker holds only these). */
const DEMO_FILES = new Set([
  DEMO_MARKER,
  'api.d.ts',
  'browser-profile',
  'drift.md',
  'exports',
  'ledger.db',
  'ledger.db-wal',
  'ledger.db-shm',
  'ledger.db-journal',
  'ledger.jsonl',
  'live.har',
  'live.har.partial',
  'model.json',
  'openapi.yaml',
  'report.html',
  'report.md',
  'session.har',
  'session.har.key',
  'session.har.partial',
  'session.har.unswept',
]);

/**
 * Starting fresh removes --dir: refuse a folder holding anything a demo did not write, so
 * `--dir .` or `--dir ~/ledgers` never deletes the user's own files.
 */
async function assertDemoFolder(dir: string, given: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR')
      throw new UsageError('demo_dir_not_folder', `--dir ${given}: is a file, not a folder.`, {
        hint: 'Give the demo a new or empty folder.',
      });
    throw error;
  }
  if (names.includes(DEMO_MARKER)) return;
  const foreign = names.filter((name) => !DEMO_FILES.has(name));
  if (foreign.length > 0) {
    throw new UsageError(
      'demo_dir_in_use',
      `--dir ${given}: holds files the demo did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); the demo starts by emptying its folder, so it leaves this one alone.`,
      {
        hint: 'Give --dir a new or empty folder (the default is ./ledgertap-demo), or pass --keep to add to it.',
      },
    );
  }
}

export const register: RegisterVerb = (program: Command, runtime) => {
  program
    .command('demo')
    .description(
      'run the whole job end to end against the local sandbox exchange (no network, no real account)',
    )
    .option(
      '--dir <dir>',
      'where the demo writes its files (ledger, captures, model, reports)',
      'ledgertap-demo',
    )
    .option('--profile <name>', 'sandbox data profile: tiny, small, medium or large', 'tiny')
    .option('--seed <n>', 'sandbox seed', '7')
    .option('--headed', 'show the browser while it captures')
    .option('--skip-capture', 'skip the browser stages (capture, analyze, report, replay)')
    .option('--keep', 'keep files of an earlier demo in --dir instead of starting fresh')
    .action(
      runtime.action(async (ctx: CommandContext, flags: DemoFlags) => {
        const profiles: readonly string[] = SANDBOX_PROFILE_NAMES;
        if (!profiles.includes(flags.profile)) {
          throw new UsageError('bad_profile', `--profile ${flags.profile}: no such sandbox profile.`, {
            hint: `Use one of ${profiles.join(', ')}.`,
          });
        }
        const dir = ctx.resolvePath(flags.dir);
        if (!flags.keep) {
          await assertDemoFolder(dir, flags.dir);
          await rm(dir, { recursive: true, force: true });
        }
        await mkdir(join(dir, 'exports'), { recursive: true });
        if (!flags.keep)
          await writeFile(
            join(dir, DEMO_MARKER),
            'written by `ledgertap demo`; the next demo replaces this folder\n',
          );
        const rel = (p: string): string => relative(ctx.cwd, p) || '.';
        const db = join(dir, 'ledger.db');
        const account = 'demo';
        ctx.progress(
          `ledgertap demo: sandbox profile ${flags.profile}, seed ${flags.seed}, files in ${rel(dir)}/`,
        );
        const sandbox = await startSandbox({ profile: flags.profile as 'tiny', seed: Number(flags.seed) });
        const results: StageResult[] = [];
        const record = (name: string, r: { code: number; seconds: number }, detail: string): void => {
          results.push({ stage: name, code: r.code, seconds: Math.round(r.seconds * 10) / 10, detail });
        };
        const invoke = runtime.invoke.bind(runtime);
        let truth: Awaited<ReturnType<typeof truthCheck>> | undefined;
        try {
          ctx.progress(
            `sandbox: API ${sandbox.baseUrl}, web app ${sandbox.webUrl}, admin ${sandbox.adminUrl}`,
          );
          const expires = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
          for (const scope of ['read', 'capture']) {
            const r = await stage(ctx, invoke, `consent (${scope})`, [
              'consent',
              'grant',
              '--db',
              db,
              '--account',
              account,
              '--holder',
              'Demo Holder',
              '--scope',
              scope,
              '--expires',
              expires,
              '--json',
            ]);
            record(`consent ${scope}`, r, r.code === 0 ? `granted until ${expires}` : 'failed');
          }

          if (!flags.skipCapture) {
            const har = join(dir, 'session.har');
            const profileDir = join(dir, 'browser-profile');
            const cap = await stage(
              ctx,
              invoke,
              'capture',
              [
                'capture',
                'browser',
                '--url',
                sandbox.webUrl,
                '--out',
                har,
                '--guide',
                'sandbox',
                '--autopilot',
                'sandbox',
                '--profile-dir',
                profileDir,
                '--db',
                db,
                '--account',
                account,
                ...(flags.headed ? [] : ['--headless']),
              ],
              { LEDGERTAP_SANDBOX_ADMIN: sandbox.adminUrl },
            );
            record('capture', cap, cap.code === 0 ? rel(har) : 'failed');
            if (cap.code === 0) {
              const model = join(dir, 'model.json');
              const an = await stage(ctx, invoke, 'analyze', [
                'analyze',
                har,
                '--out',
                model,
                '--openapi',
                join(dir, 'openapi.yaml'),
                '--types',
                join(dir, 'api.d.ts'),
                '--json',
              ]);
              const summary = parseJson(an.stdout) as Rec | undefined;
              record(
                'analyze',
                an,
                an.code === 0
                  ? `${rel(model)}, ${rel(join(dir, 'openapi.yaml'))}, ${rel(join(dir, 'api.d.ts'))}${summary ? ` (${JSON.stringify(summary.operations ?? summary.endpoints ?? '')} operations)` : ''}`
                  : 'failed',
              );
              if (an.code === 0) {
                const rp = await stage(ctx, invoke, 'report', [
                  'report',
                  '--model',
                  model,
                  '--out',
                  join(dir, 'report.html'),
                ]);
                await stage(ctx, invoke, 'report (markdown)', [
                  'report',
                  '--model',
                  model,
                  '--out',
                  join(dir, 'report.md'),
                ]);
                record(
                  'report',
                  rp,
                  rp.code === 0
                    ? `${rel(join(dir, 'report.html'))}, ${rel(join(dir, 'report.md'))}`
                    : 'failed',
                );
                const re = await stage(ctx, invoke, 'replay', [
                  'replay',
                  '--model',
                  model,
                  '--profile-dir',
                  profileDir,
                  '--all-pages',
                  '--out-har',
                  join(dir, 'live.har'),
                  '--report',
                  join(dir, 'drift.md'),
                  '--json',
                ]);
                const run = parseJson(re.stdout) as { summary?: Rec } | undefined;
                record(
                  'replay',
                  re,
                  run?.summary
                    ? `${JSON.stringify(run.summary)}; ${rel(join(dir, 'drift.md'))}, ${rel(join(dir, 'live.har'))}`
                    : 'failed',
                );
              }
            }
          }

          const sy = await stage(
            ctx,
            invoke,
            'sync (signed API)',
            ['sync', 'binance', '--db', db, '--account', account, '--base-url', sandbox.baseUrl, '--json'],
            {
              BINANCE_API_KEY: sandbox.apiKey,
              BINANCE_API_SECRET: sandbox.apiSecret,
            },
          );
          record('sync', sy, sy.code === 0 ? 'signed read-only API into the ledger' : 'failed');

          const kinds = [...sandbox.state.exportHandlers.keys()].sort();
          const files: string[] = [];
          for (const kind of kinds) {
            const response = await fetch(`${sandbox.adminUrl}/export/${kind}.csv`);
            if (!response.ok) continue;
            const file = join(dir, 'exports', `${kind}.csv`);
            await writeFile(file, Buffer.from(await response.arrayBuffer()));
            files.push(file);
          }
          if (files.length) {
            const im = await stage(ctx, invoke, 'import (CSV backfill)', [
              'import',
              'csv',
              ...files,
              '--db',
              db,
              '--account',
              account,
              '--json',
            ]);
            record('import', im, im.code === 0 ? `${files.length} Data Download Center exports` : 'failed');
          }

          const rc = await stage(ctx, invoke, 'reconcile', [
            'reconcile',
            '--db',
            db,
            '--account',
            account,
            '--json',
          ]);
          record(
            'reconcile',
            rc,
            rc.code === 0
              ? 'history sums to the balances'
              : rc.code === 1
                ? 'gaps found (see above)'
                : 'failed',
          );

          const ex = await stage(ctx, invoke, 'export', [
            'export',
            '--db',
            db,
            '--account',
            account,
            '--format',
            'jsonl',
          ]);
          await writeFile(join(dir, 'ledger.jsonl'), ex.stdout);
          record('export', ex, ex.code === 0 ? rel(join(dir, 'ledger.jsonl')) : 'failed');
          if (ex.code === 0) truth = await truthCheck(sandbox, ex.stdout);
        } finally {
          await sandbox.close();
        }

        const failed = results.filter((r) => r.code !== 0 && !(r.stage === 'reconcile' && r.code === 1));
        const summary = { dir, ledger: db, stages: results, truth, files: (await readdir(dir)).sort() };
        if (ctx.json) ctx.printJson(summary);
        else {
          ctx.print('\nledgertap demo: done\n');
          for (const r of results)
            ctx.print(
              `  ${r.code === 0 ? 'ok  ' : r.code === 1 ? 'warn' : 'FAIL'}  ${r.stage.padEnd(16)} ${String(r.seconds).padStart(5)} s  ${r.detail}`,
            );
          if (truth) {
            const [headline, byRoute] = truthLines(truth);
            ctx.print(`\n  ${headline}`);
            ctx.print(`  ${byRoute}`);
          }
          ctx.print(
            `\n  open ${rel(join(dir, 'report.html'))} for the protocol and auth-flow report; the ledger is ${rel(db)}.`,
          );
        }
        if (failed.length) {
          throw new LedgertapError(
            'demo.stage_failed',
            `demo: ${failed.map((f) => f.stage).join(', ')} failed (see the messages above).`,
            ExitCode.problems,
          );
        }
        return ExitCode.ok;
      }),
    );
};
