/**
 * `ledgertap analyze FILE.har... --out model.json [--openapi api.yaml] [--types api.d.ts]`: streams each
 * capture through the analyzers (one session, so evidence spans files), writes the protocol model, and
 * optionally the OpenAPI 3.1 document and TS types, each atomically. Prints a short summary.
 */
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { createAnalysisSession, type AnalyzeOptions } from '../../analyzers/index.js';
import { captureFingerprint, foldEngineIoPolling, readHar } from '../../har/index.js';
import {
  buildProtocolModel,
  loadProtocolModel,
  mergeProtocolModels,
  renderOpenApi,
  renderTypeScript,
  saveProtocolModel,
  type ProtocolModel,
} from '../../model/index.js';
import {
  InputError,
  LedgertapError,
  UsageError,
  assertOutputFolder,
  packageVersion,
  writeFileAtomic,
  fileError,
} from '../../core/index.js';
import type { CliRuntime, CommandContext, RegisterVerb } from '../context.js';

interface AnalyzeFlags {
  out?: string;
  openapi?: string;
  types?: string;
  maxBody?: string;
  onlyHost?: string[];
  noiseHost?: string[];
  title?: string;
  merge?: string;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new UsageError('bad_value', `${flag} ${value}: expected a positive whole number.`, {
      hint: `Pass ${flag} 16777216, for example.`,
    });
  }
  return Number(value);
}

/** Every frame of a WebSocket endpoint: text sent and received (heartbeats included) and binary. */
function wsMessages(w: NonNullable<ProtocolModel['websockets']>[number]): number {
  return w.sent.messages + w.received.messages + w.binary.sent.messages + w.binary.received.messages;
}

function summaryOf(model: ProtocolModel, outputs: Record<string, string>): Record<string, unknown> {
  return {
    ok: true,
    outputs,
    captures: model.captures.length,
    entries: model.stats.entries,
    analyzedEntries: model.stats.analyzedEntries,
    noiseEntries: model.stats.noiseEntries,
    endpoints: model.operations.length,
    templated: model.operations.filter((o) => o.pathTemplate.includes('{')).length,
    reads: model.operations.filter((o) => o.classification.effect === 'read').length,
    writes: model.operations.filter((o) => o.classification.effect === 'write').length,
    credentials: model.auth.credentials.length,
    flows: model.auth.calls.map((c) => `${c.role}: ${c.operationId}`),
    signing: model.auth.signing.length,
    pagination: model.pagination.map((p) => `${p.operationId}: ${p.style}`),
    noiseOrigins: model.noise.length,
    websocketEndpoints: model.websockets?.length ?? 0,
    websocketMessages: (model.websockets ?? []).reduce((n, w) => n + wsMessages(w), 0),
    websockets: (model.websockets ?? []).map((w) => ({
      id: w.id,
      url: `${w.origin}${w.pathTemplate}`,
      connections: w.connections,
      messages: wsMessages(w),
      kinds: w.kinds.map((k) => k.id),
    })),
    warnings: model.warnings.map((w) => w.message),
  };
}

/** The file's real path (links resolved); the path as given when it does not exist (readHar then says so). */
function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * A document that does not validate is our bug when we built every schema in it; with --merge, the earlier
 * model's schemas go in as the file has them, and one edited by hand (a `$ref` to nowhere) is bad input.
 */
function blameMergedModel(error: unknown, merge: string | undefined): unknown {
  if (!merge || !(error instanceof LedgertapError) || error.code !== 'analyze.invalid_openapi') return error;
  return new InputError(
    'merge_model_invalid',
    `${merge}: the OpenAPI document built with this earlier model does not validate (${((error.details?.['problems'] as string[] | undefined) ?? [error.message]).join('; ')}). Its schemas were probably edited by hand or written by another tool.`,
    { hint: 'Fix the model, or analyze its captures again without --merge.', cause: error },
  );
}

async function run(ctx: CommandContext, files: string[], flags: AnalyzeFlags): Promise<number> {
  if (!flags.out)
    throw new UsageError('missing_flag', 'analyze: --out FILE is required (where the protocol model goes).', {
      hint: 'Add --out model.json.',
    });
  // Every output's folder before the analysis: a typo should not cost minutes, nor leave a model
  // written without the OpenAPI document asked for beside it.
  assertOutputFolder(ctx.resolvePath(flags.out), '--out');
  if (flags.openapi) assertOutputFolder(ctx.resolvePath(flags.openapi), '--openapi');
  if (flags.types) assertOutputFolder(ctx.resolvePath(flags.types), '--types');
  const options: AnalyzeOptions = {};
  const maxBody = positiveInt('--max-body', flags.maxBody);
  if (maxBody !== undefined) options.maxBodyChars = maxBody;
  if (flags.onlyHost?.length) options.onlyHosts = flags.onlyHost;
  if (flags.noiseHost?.length) options.noiseHosts = flags.noiseHost;
  // Load the model to extend first: a bad --merge file fails before minutes of analysis.
  const previous = flags.merge ? await loadProtocolModel(ctx.resolvePath(flags.merge)) : undefined;
  const session = createAnalysisSession(options);
  const captures: ProtocolModel['captures'] = [];
  // One capture given twice (overlapping globs, a link, a copy under another name, or one the --merge
  // model was already inferred from) is read once: its samples would count twice, and "seen in every
  // sample" would still hold, so the mistake would never show.
  const taken = new Set<string>();
  const inPrevious = new Map<string, string>();
  for (const c of previous?.captures ?? []) if (c.fingerprint) inPrevious.set(c.fingerprint, c.file);
  const inThisRun = new Map<string, string>();
  for (const file of files) {
    const path = ctx.resolvePath(file);
    const real = realpathOrSelf(path);
    const fingerprint = await captureFingerprint(path);
    const copyOf = fingerprint === undefined ? undefined : inThisRun.get(fingerprint);
    const merged = fingerprint === undefined ? undefined : inPrevious.get(fingerprint);
    const skip = taken.has(real)
      ? `${file}: given more than once; analyzed once.`
      : copyOf !== undefined
        ? `${file}: the same capture as ${copyOf} (a copy); analyzed once.`
        : merged !== undefined
          ? `${file}: ${flags.merge ?? 'the --merge model'} was already inferred from this capture (as ${merged}); skipped.`
          : undefined;
    if (skip) {
      ctx.warn(skip);
      continue;
    }
    taken.add(real);
    // An entry too large to read whole is analyzed with its largest parts left out (and a warning), not dropped.
    const reader = await readHar(path, { signal: ctx.signal, elideLarge: true });
    const capture = session.beginCapture(reader.log);
    if (!ctx.json) ctx.progress(`analyzing ${file}…`);
    try {
      // Engine.io long-polling requests are read as the socket.io connection they make up.
      for await (const record of foldEngineIoPolling(reader.records()))
        session.observe(record.entry, record.index);
    } finally {
      reader.close();
    }
    session.endCapture(reader.log);
    for (const w of reader.warnings.list()) {
      if (w.severity !== 'warning') continue;
      session.warn({
        code: `har.${w.kind}`,
        message: `${basename(file)}: ${w.message} (${w.count}×).`,
        evidence: w.examples
          .filter((e) => e.entry !== undefined)
          .map((e) => ({ capture, entry: e.entry as number, pointer: '' })),
      });
    }
    captures.push({
      file: basename(file),
      entries: reader.stats.entries,
      creator: `${reader.log.creator?.name ?? 'unknown'} ${reader.log.creator?.version ?? ''}`.trim(),
      ...(fingerprint ? { fingerprint } : {}),
    });
    if (fingerprint) inThisRun.set(fingerprint, file);
  }
  const result = session.finish();
  const built = buildProtocolModel(result, {
    captures,
    generator: { name: 'ledgertap', version: packageVersion() },
  });
  const model = previous ? mergeProtocolModels([previous, built]) : built;
  const outputs: Record<string, string> = {};
  // Render everything first, write after: a failure leaves no half set of outputs.
  const openapiText = flags.openapi
    ? await renderOpenApi(model, flags.openapi, flags.title ? { title: flags.title } : {}).catch(
        (error: unknown) => {
          throw blameMergedModel(error, flags.merge);
        },
      )
    : undefined;
  const typesText = flags.types ? await renderTypeScript(model) : undefined;
  await saveProtocolModel(ctx.resolvePath(flags.out), model);
  outputs.model = flags.out;
  const write = async (target: string, text: string): Promise<void> => {
    try {
      await writeFileAtomic(ctx.resolvePath(target), text);
    } catch (error) {
      throw fileError(target, error, 'write') ?? error;
    }
  };
  if (flags.openapi && openapiText !== undefined) {
    await write(flags.openapi, openapiText);
    outputs.openapi = flags.openapi;
  }
  if (flags.types && typesText !== undefined) {
    await write(flags.types, typesText);
    outputs.types = flags.types;
  }
  const summary = summaryOf(model, outputs);
  if (ctx.json) {
    ctx.printJson(summary);
    return 0;
  }
  ctx.print(
    `${model.operations.length} endpoint(s) (${summary.templated as number} templated, ${summary.reads as number} read, ${summary.writes as number} write) from ${model.stats.analyzedEntries} request(s) in ${model.captures.length} capture(s); ${model.stats.noiseEntries} noise request(s) from ${model.noise.length} origin(s) set aside.`,
  );
  ctx.print(
    `${model.auth.credentials.length} credential(s); auth calls: ${model.auth.calls.map((c) => `${c.role} ${c.operationId}`).join(', ') || 'none found'}${model.auth.signing.length > 0 ? `; ${model.auth.signing.length} request-signing scheme(s)` : ''}.`,
  );
  ctx.print(
    `pagination: ${model.pagination.map((p) => `${p.operationId} (${p.style})`).join(', ') || 'none found'}.`,
  );
  if (model.websockets?.length)
    ctx.print(
      `${model.websockets.length} WebSocket endpoint(s), ${summary.websocketMessages as number} message(s): ${model.websockets
        .map((w) => `${w.id} (${w.kinds.length} kind(s))`)
        .join(', ')}.`,
    );
  for (const w of model.warnings.slice(0, 10)) ctx.warn(w.message);
  if (model.warnings.length > 10) ctx.warn(`${model.warnings.length - 10} more warning(s) in ${flags.out}.`);
  ctx.print(`wrote ${Object.values(outputs).join(', ')}`);
  return 0;
}

export const register: RegisterVerb = (program: Command, runtime: CliRuntime) => {
  program
    .command('analyze')
    .description(
      'infer the protocol (endpoints, schemas, auth flow, pagination, WebSocket messages) from HAR captures',
    )
    .argument('<files...>', 'HAR files (any size; plain or gzip), merged into one model')
    .option('-o, --out <file>', 'protocol model JSON to write (required)')
    .option('--openapi <file>', 'also write an OpenAPI 3.1 document (.yaml/.yml for YAML, else JSON)')
    .option('--types <file>', 'also write TypeScript types of the captured API (.d.ts)')
    .option('--title <text>', 'info.title of the OpenAPI document')
    .option('--merge <model>', 'extend this earlier model (from another analyze run) with these captures')
    .option('--max-body <chars>', 'bodies longer than this are not parsed (default 16777216)')
    .option('--only-host <host...>', 'analyze only these hosts (suffix match); the rest is noise')
    .option('--noise-host <host...>', 'extra hosts to set aside as noise (suffix match)')
    .addHelpText(
      'after',
      '\nExample:\n  ledgertap analyze session.har --out model.json --openapi api.yaml --types api.d.ts',
    )
    .action(runtime.action((ctx, files: string[], flags: AnalyzeFlags) => run(ctx, files, flags)));
};
