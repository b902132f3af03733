/**
 * Debug logging: off by default, on with `DEBUG=ledgertap:*` or the CLI's `--verbose`.
 * Built on the `debug` package so it composes with every other library that uses the same convention.
 * Logs go to stderr; they must never carry a secret (see redact helpers in core/redact.ts).
 */
import createDebug from 'debug';

export type Logger = (formatter: string, ...args: unknown[]) => void;

/** A namespaced logger: `createLogger('har:reader')` logs as `ledgertap:har:reader`. */
export function createLogger(namespace: string): Logger {
  return createDebug(`ledgertap:${namespace}`);
}

/** Turns every ledgertap namespace on (what `--verbose` does), keeping any other DEBUG namespaces. */
export function enableVerboseLogging(): void {
  const current = process.env['DEBUG'];
  const namespaces = current ? `${current},ledgertap:*` : 'ledgertap:*';
  createDebug.enable(namespaces);
}

export function isLoggingEnabled(namespace = 'ledgertap:*'): boolean {
  return createDebug.enabled(namespace);
}
