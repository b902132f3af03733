/**
 * The exchange's errors as values a caller can branch on (`binanceCode`), and the user-facing messages for
 * the ones a user must act on (rotki's mapping of -2014/-2015/-1022/-1021 to causes, CONTRACT.md §2.5).
 */
import { ExchangeApiError, ExitCode, toIso } from '../../core/index.js';

/** An error body from the exchange (`{"code":-1121,"msg":"Invalid symbol."}`) or a bare HTTP failure. */
export class BinanceApiError extends ExchangeApiError {
  readonly binanceCode: number | undefined;
  readonly httpStatus: number;
  readonly path: string;

  constructor(path: string, httpStatus: number, binanceCode: number | undefined, msg: string, hint?: string) {
    const code =
      binanceCode === -2015 || binanceCode === -2014 || binanceCode === -1022 || httpStatus === 401
        ? 'auth'
        : binanceCode === -1121
          ? 'bad_symbol'
          : 'api_error';
    super(
      code,
      `binance: ${path} answered HTTP ${httpStatus}${binanceCode !== undefined ? ` code ${binanceCode}` : ''}: ${msg}`,
      {
        ...(hint ? { hint } : {}),
        details: { path, httpStatus, binanceCode },
        // A key or secret the exchange rejects is the user's input to fix (exit 2), not the network.
        ...(code === 'auth' ? { exitCode: ExitCode.badInput } : {}),
      },
    );
    this.binanceCode = binanceCode;
    this.httpStatus = httpStatus;
    this.path = path;
  }
}

/** What to do about an error code the user must fix. */
export function hintFor(binanceCode: number | undefined, httpStatus: number): string | undefined {
  switch (binanceCode) {
    case -2014:
      return 'The API key format is invalid: check BINANCE_API_KEY.';
    case -1022:
      return 'The signature is not valid: check that the secret (or private key file) belongs to this API key.';
    case -2015:
      return 'The API key, its IP whitelist or its permissions reject this call: check the key and secret match, whitelist this IP, and enable "Enable Reading".';
    case -1021:
      return 'The clock is out of the recvWindow: check the system clock, or raise --recv-window.';
    default:
      return httpStatus === 401
        ? 'The exchange rejected the API key: check it and its permissions.'
        : undefined;
  }
}

/** An IP ban (HTTP 418, or -1003 "IP banned until"): stop cleanly, say when it ends. Exit 3. */
export class BinanceBanError extends ExchangeApiError {
  readonly until: number;

  constructor(path: string, until: number) {
    super(
      'banned',
      `binance: the exchange has banned this IP until ${toIso(until)} (HTTP 418 on ${path}) for sending requests after rate-limit warnings.`,
      {
        hint: `Wait until ${toIso(until)}, then run again: the sync resumes where it stopped.`,
        details: { until },
        exitCode: ExitCode.environment,
      },
    );
    this.until = until;
  }
}

/** The key can do more than read, and the user did not pass --allow-unsafe-key. */
export class UnsafeKeyError extends ExchangeApiError {
  readonly permissions: string[];

  constructor(permissions: string[]) {
    super(
      'unsafe_key',
      `binance: this API key can ${permissions.join(', ')}. ledgertap only reads, and refuses keys that could move funds or trade.`,
      {
        hint: `In Binance's API Management, switch off ${permissions.map((p) => `"${p}"`).join(', ')} for this key (keep only "Enable Reading"), or pass --allow-unsafe-key if you accept the risk.`,
        details: { permissions },
        exitCode: ExitCode.badInput,
      },
    );
    this.permissions = permissions;
  }
}
