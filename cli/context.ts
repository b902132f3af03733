/**
 * What a verb's action receives: where to write, whether the user asked for JSON, a signal that fires on
 * Ctrl-C, and the environment. Verbs never touch `process` directly, so the whole CLI runs in-process in tests.
 */
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** `--json`: data on stdout as JSON, nothing else on stdout. */
  readonly json: boolean;
  /** `--verbose`: debug logs on and stack traces for errors. */
  readonly verbose: boolean;
  /** Aborted on SIGINT/SIGTERM: long-running verbs stop cleanly and leave valid files. */
  readonly signal: AbortSignal;
  /** A line of data to stdout. */
  print(text: string): void;
  /** A value as one JSON document to stdout. */
  printJson(value: unknown): void;
  /** Progress for humans, on stderr (suppressed by nothing: it is not data). */
  progress(text: string): void;
  /** A warning on stderr, prefixed `warning:`. */
  warn(text: string): void;
  /** Resolves a user-given path against the working directory. */
  resolvePath(path: string): string;
}

/** A verb returns its exit code: 0 ok, 1 found problems. Errors are thrown as LedgertapError. */
export type ActionResult = number | void;

/** Hands each verb a way to wrap its action so it gets a CommandContext and its result becomes the exit code. */
export interface CliRuntime {
  action<A extends unknown[]>(
    fn: (ctx: CommandContext, ...args: A) => Promise<ActionResult> | ActionResult,
  ): (...args: unknown[]) => Promise<void>;
  /**
   * Runs another ledgertap command line in-process (what `demo` composes its stages from, exactly as a
   * user would script them). Returns its exit code; stdout/stderr/env default to this run's.
   */
  invoke(argv: string[], io?: Partial<CliIo>): Promise<number>;
}

/** What each verb file exports. */
export type RegisterVerb = (program: Command, runtime: CliRuntime) => void;
