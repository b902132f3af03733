/**
 * One error base class with stable codes (DESIGN.md convention 7).
 *
 * A message leads with its subject and ends with the fix:
 * `capture.har: line 1, col 40213: unexpected end of JSON. The file is truncated; re-export it.`
 * Tests assert on `code`, never on the wording. Expected outcomes (drift, no match, rejected by policy)
 * are values, not throws: only real failures become a LedgertapError.
 */

import { dirname } from 'node:path';

/** Exit codes of the CLI, documented in the README: 0 ok, 1 found problems, 2 bad input or usage, 3 environment or network. */
export const ExitCode = {
  ok: 0,
  problems: 1,
  badInput: 2,
  environment: 3,
  /** A bug in ledgertap itself: the stack is always printed. */
  internal: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface LedgertapErrorOptions {
  /** What to do about it; appended to the message when the message does not already say it. */
  hint?: string;
  cause?: unknown;
  /** Structured detail for `--json` output (never a secret). */
  details?: Record<string, unknown>;
}

export class LedgertapError extends Error {
  /** Stable, dotted, lowercase: `family.reason` (for example `har.truncated`). */
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, exitCode: ExitCodeValue, options: LedgertapErrorOptions = {}) {
    super(options.hint && !message.includes(options.hint) ? `${message} ${options.hint}` : message, {
      cause: options.cause,
    });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** Bad command line: unknown flag, missing argument, flag that was renamed. */
export class UsageError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions) {
    super(`usage.${code}`, message, ExitCode.badInput, options);
  }
}

/** Bad configuration or credentials setup (a key file with loose permissions, a missing env var). */
export class ConfigError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions) {
    super(`config.${code}`, message, ExitCode.badInput, options);
  }
}

/** A file the user gave us is unreadable, missing, or not what it claims to be. */
export class InputError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions) {
    super(`input.${code}`, message, ExitCode.badInput, options);
  }
}

/** A HAR file that cannot be read (not a HAR, unreadable, invalid where it cannot be tolerated). */
export class HarError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions) {
    super(`har.${code}`, message, ExitCode.badInput, options);
  }
}

/** Capture could not start or continue (browser missing, port in use, disk full). */
export class CaptureError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions & { exitCode?: ExitCodeValue }) {
    super(`capture.${code}`, message, options?.exitCode ?? ExitCode.environment, options);
  }
}

/** Analysis failed on input it cannot turn into a model. */
export class AnalyzeError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions & { exitCode?: ExitCodeValue }) {
    super(`analyze.${code}`, message, options?.exitCode ?? ExitCode.badInput, options);
  }
}

/** Replay could not run (no session, unreachable host). Drift itself is a value, not this. */
export class ReplayError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions & { exitCode?: ExitCodeValue }) {
    super(`replay.${code}`, message, options?.exitCode ?? ExitCode.environment, options);
  }
}

/** The exchange answered with an error we cannot work around (bad key, ban, permission). */
export class ExchangeApiError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions & { exitCode?: ExitCodeValue }) {
    super(`exchange.${code}`, message, options?.exitCode ?? ExitCode.environment, options);
  }
}

/** The ledger store refused or failed (migration, constraint, connection). */
export class LedgerError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions & { exitCode?: ExitCodeValue }) {
    super(`ledger.${code}`, message, options?.exitCode ?? ExitCode.environment, options);
  }
}

/** Network or environment trouble: connection refused, DNS, timeouts, a missing browser. */
export class EnvironmentError extends LedgertapError {
  constructor(code: string, message: string, options?: LedgertapErrorOptions) {
    super(`env.${code}`, message, ExitCode.environment, options);
  }
}

export function isLedgertapError(error: unknown): error is LedgertapError {
  return error instanceof LedgertapError;
}

/** Node system errors carry a `code` such as ENOENT; this narrows to them. */
export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/**
 * Turns a failed file operation into a user-facing error that names the file and what to do,
 * or returns undefined when the error is not one a user can act on.
 */
export function fileError(path: string, error: unknown, verb = 'read'): LedgertapError | undefined {
  if (!isErrnoException(error)) return undefined;
  switch (error.code) {
    case 'ENOENT':
      // Writing a new file fails with ENOENT only when its folder is missing: "no such file" would
      // send the user looking for a file they asked to create.
      if (verb === 'write') {
        return new InputError(
          'not_found',
          `${path}: cannot write it: the folder ${dirname(path)} does not exist.`,
          {
            hint: 'Create the folder first, or give a path in an existing folder.',
            cause: error,
          },
        );
      }
      return new InputError('not_found', `${path}: no such file.`, { hint: 'Check the path.', cause: error });
    case 'EACCES':
    case 'EPERM':
      return new InputError('permission', `${path}: permission denied to ${verb} it.`, {
        hint: 'Check the file permissions.',
        cause: error,
      });
    case 'EISDIR':
      return new InputError('is_directory', `${path}: is a directory, not a file.`, {
        hint: 'Name a file.',
        cause: error,
      });
    case 'ENOSPC':
      return new EnvironmentError('disk_full', `${path}: no space left on the device while writing.`, {
        hint: 'Free some disk space and run again.',
        cause: error,
      });
    default:
      return undefined;
  }
}
