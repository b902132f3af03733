/**
 * Errors of the API as RFC 9457 problem details. A handler throws an {@link ApiProblem}; the server turns it
 * (and any other error) into an `application/problem+json` response, never a stack trace.
 */

/** The body of an `application/problem+json` response (RFC 9457). */
export interface ProblemDetails {
  /** URI naming the problem type: `https://ledgertap.dev/problems/<code>`. */
  type: string;
  title: string;
  status: number;
  /** What was wrong and what to do. */
  detail: string;
  /** The request path. */
  instance?: string;
  /** Stable machine code (`server.unknown_account`, …). */
  code: string;
  /** The parameter at fault, when one is. */
  parameter?: string;
  /** The allowed values or methods, when the problem is a choice. */
  allowed?: string[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Seconds a client should wait before retrying a request the ledger failed to answer (503 Retry-After). */
export const LEDGER_RETRY_AFTER = '5';

/** A problem a handler reports: becomes the response as is. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly parameter: string | undefined;
  readonly allowed: string[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    detail: string,
    extra: { parameter?: string; allowed?: string[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = `server.${code}`;
    this.parameter = extra.parameter;
    this.allowed = extra.allowed;
    this.headers = extra.headers ?? {};
  }

  /** The problem-details body for the request at `instance`. */
  toDetails(instance: string): ProblemDetails {
    return {
      type: `https://ledgertap.dev/problems/${this.code.replace(/^server\./, '')}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      instance,
      code: this.code,
      ...(this.parameter !== undefined ? { parameter: this.parameter } : {}),
      ...(this.allowed !== undefined ? { allowed: this.allowed } : {}),
    };
  }
}

/** 400 naming the parameter. */
export function badParameter(
  code: string,
  parameter: string,
  detail: string,
  allowed?: string[],
): ApiProblem {
  return new ApiProblem(400, code, detail, { parameter, ...(allowed ? { allowed } : {}) });
}
