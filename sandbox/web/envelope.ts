/**
 * The web app's JSON envelope, as Binance's web front end (`/bapi/...`) answers:
 * `{code:"000000", message:null, messageDetail:null, data, total, success:true}`; errors use the same
 * envelope with a non-"000000" code, `success:false` and `data:null`.
 */
import type { ServerResponse } from 'node:http';
import { stringifyJsonWithBigInt } from '../../core/index.js';

/** Stable error codes of the sandbox web app (documented in sandbox/web/README.md). */
export const WEB_CODES = {
  ok: '000000',
  serverError: '000001',
  illegalParameter: '000002',
  notFound: '000404',
  methodNotAllowed: '000405',
  bodyTooLarge: '000413',
  badCredentials: '001002',
  badTwoFactorCode: '001003',
  verifyTokenInvalid: '001004',
  tooManyAttempts: '001005',
  notLoggedIn: '100002001',
  sessionExpired: '100001005',
  csrfInvalid: '100001003',
  productNotFound: '351001',
} as const;

export type WebCode = (typeof WEB_CODES)[keyof typeof WEB_CODES];

/** An error the web app answers with (HTTP status plus envelope code and message). */
export class WebApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: WebCode,
    message: string,
  ) {
    super(message);
    this.name = 'WebApiError';
  }
}

/** Writes a success envelope; `total` only for list endpoints. */
export function sendData(
  res: ServerResponse,
  data: unknown,
  total?: number,
  headers: Record<string, string | string[]> = {},
): void {
  const body: Record<string, unknown> = { code: WEB_CODES.ok, message: null, messageDetail: null, data };
  if (total !== undefined) body['total'] = total;
  body['success'] = true;
  sendJson(res, 200, body, headers);
}

/** Writes an error envelope. */
export function sendError(
  res: ServerResponse,
  error: WebApiError,
  headers: Record<string, string | string[]> = {},
): void {
  sendJson(
    res,
    error.status,
    { code: error.code, message: error.message, messageDetail: error.message, data: null, success: false },
    headers,
  );
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]>,
): void {
  const text = stringifyJsonWithBigInt(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
