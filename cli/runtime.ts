/**
 * The thin shell (DESIGN.md convention 14): parses argv with commander, runs one verb, maps every
 * outcome to a documented exit code and prints user errors as one line (the stack only with --verbose).
 */
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  ExitCode,
  UsageError,
  enableVerboseLogging,
  isLedgertapError,
  fileError,
  packageVersion,
} from '../core/index.js';
import type { CliIo, CliRuntime, CommandContext } from './context.js';
import type { LedgertapError } from '../core/index.js';
import { registerCommands, verbNames } from './commands/index.js';
import { applyEnvAndConfig, loadConfig, unknownConfigKeys } from './config.js';

export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

const EXIT_HELP = `
Exit codes:
  0  ok
  1  found problems (validation errors, drift, reconcile gaps)
  2  bad input or usage (unknown flag, unreadable or malformed file)
  3  environment or network (browser missing, port in use, exchange unreachable, ban)
  4  internal error (a bug in ledgertap: please report it with --verbose output)

Set DEBUG=ledgertap:* or pass --verbose for debug logs on stderr.`;

function makeContext(io: CliIo, globals: GlobalOptions, signal: AbortSignal): CommandContext {
  const write = (stream: NodeJS.WritableStream, text: string): void => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    io,
    env: io.env,
    cwd: io.cwd,
    json: Boolean(globals.json),
    verbose: Boolean(globals.verbose),
    signal,
    print: (text) => write(io.stdout, text),
    printJson: (value) => write(io.stdout, JSON.stringify(value, null, 2)),
    progress: (text) => write(io.stderr, text),
    warn: (text) => write(io.stderr, `warning: ${text}`),
    resolvePath: (path) => resolve(io.cwd, path),
  };
}

/** Adds a hidden flag that fails with the new name: renamed flags fail loudly (DESIGN.md convention 14). */
export function renamedOption(command: Command, oldFlag: string, newFlag: string): void {
  command.addOption(
    new Option(`${oldFlag} [value]`).hideHelp().argParser(() => {
      throw new UsageError('renamed_flag', `${oldFlag} was renamed to ${newFlag}.`, {
        hint: `Use ${newFlag}.`,
      });
    }),
  );
}

export interface RunOptions {
  /** Aborted when the process receives SIGINT/SIGTERM; tests pass their own. */
  signal?: AbortSignal;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const signal = options.signal ?? new AbortController().signal;
  let exitCode: number = ExitCode.ok;
  let globals: GlobalOptions = {};

  const program = new Command('ledgertap');
  program
    .description(
      'Get your own exchange records out, complete and exact, into one normalized ledger; capture, analyze and replay app traffic.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'machine-readable output on stdout')
    .option('-v, --verbose', 'debug logs and stack traces on stderr')
    .option(
      '--config <file>',
      'options from a JSON or YAML file (default: LEDGERTAP_CONFIG, then ~/.config/ledgertap/config.yaml)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`ledgertap: ${text.replace(/^error: /, '')}`),
    });

  const runtime: CliRuntime = {
    action(fn) {
      return async (...args: unknown[]) => {
        const command = args[args.length - 1] as Command;
        globals = command.optsWithGlobals<GlobalOptions>();
        if (globals.verbose) enableVerboseLogging();
        const ctx = makeContext(io, globals, signal);
        const result = await fn(ctx, ...(args as never));
        exitCode = typeof result === 'number' ? result : ExitCode.ok;
      };
    },
    invoke: (args, overrides = {}) => runCli(args, { ...io, ...overrides }, { signal }),
  };
  await registerCommands(program, runtime, argv);
  // Every verb and sub-verb inherits the same behaviour for usage errors and output.
  const configure = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
    cmd.showHelpAfterError('(run with --help for usage)');
    cmd.commands.forEach(configure);
  };
  program.commands.forEach(configure);

  try {
    // Flags win over LEDGERTAP_* variables, which win over the config file (DESIGN.md section 4).
    const loaded = loadConfig(argv, io.env, io.cwd);
    applyEnvAndConfig(program, io.env, loaded);
    if (loaded)
      for (const key of unknownConfigKeys(program, loaded.config, verbNames))
        io.stderr.write(
          `warning: ${loaded.path}: ${key}: no verb reads this key, so it is ignored. Check its spelling against \`ledgertap <verb> --help\`.\n`,
        );
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, globals, argv);
  }
}

function reportError(error: unknown, io: CliIo, globals: GlobalOptions, argv: readonly string[]): number {
  const verbose = Boolean(globals.verbose) || argv.includes('--verbose') || argv.includes('-v');
  const json = Boolean(globals.json) || argv.includes('--json');
  if (error instanceof CommanderError) {
    // `commander.help` with a non-zero exit code is a verb run without its sub-verb (`ledgertap sync`):
    // the help went to stderr as a usage error, so say so in the exit code too.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      (error.code === 'commander.help' && error.exitCode === 0)
    ) {
      return ExitCode.ok;
    }
    if (error.code === 'commander.help') return ExitCode.badInput;
    // commander has already printed its message through configureOutput.
    if (json)
      io.stdout.write(
        `${JSON.stringify({ ok: false, error: `usage.${error.code.replace('commander.', '')}`, message: error.message })}\n`,
      );
    return ExitCode.badInput;
  }
  const known: LedgertapError | undefined = isLedgertapError(error)
    ? error
    : fileError(
        typeof (error as { path?: unknown })?.path === 'string' ? (error as { path: string }).path : 'file',
        error,
      );
  if (known) {
    io.stderr.write(`ledgertap: ${known.message}\n`);
    if (verbose && known.stack) io.stderr.write(`${known.stack}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, ...known.toJSON() })}\n`);
    return known.exitCode;
  }
  if ((error as { name?: string })?.name === 'AbortError') {
    io.stderr.write(
      'ledgertap: interrupted. What was committed is kept and nothing is half-written; run the same command again to continue (a sync resumes where it stopped).\n',
    );
    return 130;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  io.stderr.write(
    `ledgertap: internal error: ${err.message}\n${err.stack ?? ''}\nThis is a bug in ledgertap; please report it.\n`,
  );
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: 'internal', message: err.message })}\n`);
  return ExitCode.internal;
}
