/**
 * `ledgertap har`: look into, check and reshape HAR files from any producer.
 *   inspect FILE...   what a capture holds (producer, hosts, methods, statuses, bodies, time span, quirks)
 *   validate FILE     HAR 1.2 check (strict; --lenient accepts known producer extensions), every
 *                     deviation with its JSON Pointer (exit 1 when any)
 *   merge FILE...     one HAR from several, in time order (streaming in and out)
 *   filter FILE       the entries matching --host/--path/--method/--status
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/index.js';
import {
  KNOWN_PRODUCER_EXTENSIONS,
  filterHar,
  inspectHar,
  mergeHar,
  validateHar,
  type HarSummary,
  type HarTransformReport,
  type HarWarning,
} from '../../har/index.js';
import type { CommandContext, RegisterVerb } from '../context.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map(
      (row) =>
        indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
    )
    .join('\n');
}

function counts(title: string, record: Record<string, number>, limit = 15): string {
  const items = Object.entries(record);
  if (items.length === 0) return `${title}: none`;
  const shown = items.slice(0, limit).map(([k, v]) => [String(v), k]);
  const more = items.length > limit ? `\n  … and ${items.length - limit} more` : '';
  return `${title}:\n${table(shown)}${more}`;
}

function warningLines(warnings: HarWarning[]): string {
  if (warnings.length === 0) return 'warnings: none';
  const rows = warnings.map((w) => {
    const ex = w.examples[0];
    const where = ex?.detail ?? ex?.pointer ?? (ex?.byteOffset !== undefined ? `byte ${ex.byteOffset}` : '');
    return [w.severity, String(w.count), w.kind, where ? `${w.message} (e.g. ${where})` : w.message];
  });
  return `warnings:\n${table(rows)}`;
}

function renderSummary(s: HarSummary): string {
  const lines: string[] = [];
  const compression = s.compression === 'none' ? '' : `, ${s.compression}`;
  lines.push(`${s.file} (${bytes(s.fileBytes)}${compression})`);
  const producer = `${s.producer.name} ${s.producer.version}`.trim();
  lines.push(`producer: ${producer}${s.browser ? ` (browser ${s.browser.name} ${s.browser.version})` : ''}`);
  lines.push(`entries: ${s.entries}${s.truncated ? ' (file truncated: complete entries salvaged)' : ''}`);
  if (s.timeSpan) {
    lines.push(
      `time span: ${s.timeSpan.start} .. ${s.timeSpan.end} (${(s.timeSpan.durationMs / 1000).toFixed(1)} s)`,
    );
  }
  lines.push(`bodies: requests ${bytes(s.requestBodyBytes)}, responses ${bytes(s.responseBodyBytes)}`);
  lines.push(
    `pages: ${s.pages.length}${
      s.pages.length
        ? ` (${s.pages
            .slice(0, 5)
            .map((p) => p.title || p.id)
            .join(', ')}${s.pages.length > 5 ? ', …' : ''})`
        : ''
    }`,
  );
  lines.push(counts('hosts', s.hosts));
  lines.push(counts('methods', s.methods));
  lines.push(counts('status classes', s.statusClasses));
  lines.push(counts('content types', s.contentTypes, 10));
  lines.push(warningLines(s.warnings));
  return lines.join('\n');
}

function reportTransform(ctx: CommandContext, verb: string, report: HarTransformReport): void {
  const warnings = report.warnings.list();
  if (ctx.json) {
    ctx.printJson({
      ok: true,
      out: report.out,
      inputs: report.inputs,
      read: report.read,
      written: report.written,
      ...(verb === 'merge' ? { duplicates: report.duplicates } : {}),
      pages: report.pages,
      warnings,
    });
    return;
  }
  for (const input of report.inputs) {
    if (input.truncated)
      ctx.warn(`${input.file}: truncated; its ${input.entries} complete entries were used.`);
  }
  ctx.print(
    `${verb}: read ${report.read} entries, wrote ${report.written} entries and ${report.pages} pages to ${report.out}`,
  );
  for (const input of report.inputs)
    if (input.duplicates)
      ctx.print(
        `  ${input.duplicates} of ${input.entries} entries of ${input.file} dropped: exact copies of entries an earlier input gave (--keep-duplicates writes them)`,
      );
  const serious = warnings.filter((w) => w.severity === 'warning');
  if (serious.length) ctx.print(warningLines(serious));
}

function parseMode(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^0?[0-7]{3}$/.test(value))
    throw new UsageError('bad_mode', `--mode ${value}: expected an octal file mode such as 600.`);
  return Number.parseInt(value, 8);
}

/**
 * The output's mode when --mode is not given: no more open than the strictest input, so merging or
 * filtering an owner-only (0600) capture does not leave a copy of the holder's history readable by all.
 */
function inheritedMode(files: string[]): number | undefined {
  let mode = 0o666;
  for (const file of files) {
    try {
      mode &= statSync(file).mode;
    } catch {
      // An unreadable input fails in the merge itself with a clear message.
    }
  }
  return (mode & 0o077) === 0o066 ? undefined : (mode & 0o666) | 0o600;
}

export const register: RegisterVerb = (program: Command, runtime) => {
  const har = program
    .command('har')
    .description('inspect, validate, merge and filter HAR files from any producer (streaming: any size)');

  har
    .command('inspect')
    .description(
      'what a HAR holds: producer, entries, hosts, methods, statuses, content types, body bytes, time span, pages, quirks',
    )
    .argument('<file...>', 'HAR files (.har, .har.gz, mitmproxy .zhar)')
    .option('--json', 'machine-readable output on stdout')
    .action(
      runtime.action(async (ctx, files: string[]) => {
        const summaries: HarSummary[] = [];
        for (const file of files) {
          summaries.push(await inspectHar(ctx.resolvePath(file), { signal: ctx.signal }));
        }
        if (ctx.json) {
          ctx.printJson(files.length === 1 ? summaries[0] : { files: summaries });
        } else {
          ctx.print(summaries.map(renderSummary).join('\n\n'));
        }
        return ExitCode.ok;
      }),
    );

  har
    .command('validate')
    .description('HAR 1.2 check, strict by default: every deviation with its JSON Pointer; exit 1 when any')
    .argument('<file>', 'a HAR file')
    .option('--json', 'machine-readable output on stdout')
    .option('--max <n>', 'most deviations listed', (v) => Number.parseInt(v, 10), 1000)
    .option(
      '--lenient',
      `also accept the known producer extensions: ${KNOWN_PRODUCER_EXTENSIONS.map(
        (e) => `${e.field} (${e.producers})`,
      ).join(
        ', ',
      )}, and a UTF-16 file (Fiddler, PowerShell); "_" fields (Chrome's _initiator, _resourceType, …) are valid in both profiles`,
    )
    .addHelpText(
      'after',
      '\nProfiles: strict (the default) is HAR 1.2 as written: only "_"-prefixed custom fields are allowed.\n' +
        '--lenient accepts the extensions above and lists how often it met each.',
    )
    .action(
      runtime.action(async (ctx, file: string, opts: { max: number; lenient?: boolean }) => {
        const profile = opts.lenient ? 'lenient' : 'strict';
        const result = await validateHar(ctx.resolvePath(file), {
          maxDeviations: opts.max,
          signal: ctx.signal,
          profile,
        });
        const under = profile === 'lenient' ? ' (lenient)' : '';
        if (ctx.json) {
          ctx.printJson(result);
        } else if (result.valid) {
          ctx.print(`${file}: valid HAR 1.2${under} (${result.entries} entries)`);
        } else {
          ctx.print(
            `${file}: ${result.deviationCount} deviation(s) from HAR 1.2${under} in ${result.entries} entries`,
          );
          ctx.print(table(result.deviations.map((d) => [d.pointer || '/', d.message])));
          if (result.deviationCount > result.deviations.length) {
            ctx.print(`  … and ${result.deviationCount - result.deviations.length} more (raise --max)`);
          }
        }
        if (!ctx.json && result.accepted.length) {
          ctx.print(
            `accepted producer extensions:\n${table(result.accepted.map((a) => [String(a.count), a.field, a.producers]))}`,
          );
        }
        if (!ctx.json && result.warnings.length) ctx.print(warningLines(result.warnings));
        return result.valid ? ExitCode.ok : ExitCode.problems;
      }),
    );

  har
    .command('merge')
    .description('merge HAR files into one, in time order (streaming in and out)')
    .argument('<file...>', 'HAR files to merge')
    .requiredOption(
      '-o, --out <file>',
      'the HAR to write (.gz to gzip); written to <out>.partial and renamed on success',
    )
    .option('--mode <octal>', 'file mode of the output, e.g. 600 (default: no more open than the inputs)')
    .option('--force', 'replace a <out>.partial left by an earlier run')
    .option(
      '--keep-duplicates',
      'write an entry even when another input gave an exact copy of it (default: dropped and counted)',
    )
    .option('--json', 'machine-readable output on stdout')
    .action(
      runtime.action(
        async (
          ctx,
          files: string[],
          opts: { out: string; mode?: string; force?: boolean; keepDuplicates?: boolean },
        ) => {
          const inputs = files.map((f) => ctx.resolvePath(f));
          const mode = parseMode(opts.mode) ?? inheritedMode(inputs);
          const report = await mergeHar(inputs, ctx.resolvePath(opts.out), {
            ...(mode !== undefined ? { mode } : {}),
            overwritePartial: Boolean(opts.force),
            keepDuplicates: Boolean(opts.keepDuplicates),
            signal: ctx.signal,
          });
          reportTransform(ctx, 'merge', report);
          return ExitCode.ok;
        },
      ),
    );

  har
    .command('filter')
    .description('write the entries that match every given criterion to a new HAR (streaming in and out)')
    .argument('<file>', 'the HAR to read')
    .requiredOption(
      '-o, --out <file>',
      'the HAR to write (.gz to gzip); written to <out>.partial and renamed on success',
    )
    .option('--host <host>', 'keep this host (repeatable; *.example.test matches subdomains)', collect)
    .option('--path <glob-or-regex>', 'keep paths matching a glob (/api/*, ** crosses /) or /regex/flags')
    .option('--method <method>', 'keep this method (repeatable)', collect)
    .option(
      '--status <status>',
      'keep this status: 404, a class 2xx, or none (repeatable, comma-separated)',
      collect,
    )
    .option('--mode <octal>', 'file mode of the output, e.g. 600 (default: no more open than the inputs)')
    .option('--force', 'replace a <out>.partial left by an earlier run')
    .option('--json', 'machine-readable output on stdout')
    .action(
      runtime.action(
        async (
          ctx,
          file: string,
          opts: {
            out: string;
            host?: string[];
            path?: string;
            method?: string[];
            status?: string[];
            mode?: string;
            force?: boolean;
          },
        ) => {
          const mode = parseMode(opts.mode) ?? inheritedMode([ctx.resolvePath(file)]);
          const report = await filterHar(
            ctx.resolvePath(file),
            ctx.resolvePath(opts.out),
            {
              ...(opts.host ? { hosts: opts.host } : {}),
              ...(opts.path ? { path: opts.path } : {}),
              ...(opts.method ? { methods: opts.method } : {}),
              ...(opts.status ? { statuses: opts.status } : {}),
            },
            {
              ...(mode !== undefined ? { mode } : {}),
              overwritePartial: Boolean(opts.force),
              signal: ctx.signal,
            },
          );
          reportTransform(ctx, 'filter', report);
          return ExitCode.ok;
        },
      ),
    );
};
