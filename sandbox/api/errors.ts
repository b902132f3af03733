/**
 * Exchange error bodies with the exact codes and messages of CONTRACT.md 2.4-2.5 (errors.md). A handler
 * throws an ApiFailure; the router turns it into `{"code":…,"msg":…}` with its HTTP status.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(msg);
  }
}

const bad = (code: number, msg: string): ApiFailure => new ApiFailure(400, code, msg);

export const Errors = {
  unknown: () => new ApiFailure(500, -1000, 'An unknown error occured while processing the request.'),
  unauthorized: () => new ApiFailure(401, -1002, 'You are not authorized to execute this request.'),
  tooMuchWeight: (limit: number, interval: string, retryAfterS: number) =>
    new ApiFailure(
      429,
      -1003,
      `Too much request weight used; current limit is ${limit} request weight per ${interval}. Please use WebSocket Streams for live updates to avoid polling the API.`,
      { 'Retry-After': String(retryAfterS) },
    ),
  /**
   * RAW_REQUESTS exceeded. errors.md lists only the weight wording for -1003; this is the request-count
   * wording the exchange answers in the field ("current limit of IP(…) is … requests per 5 MINUTE").
   */
  tooManyRequests: (ip: string, limit: number, interval: string, retryAfterS: number) =>
    new ApiFailure(
      429,
      -1003,
      `Too many requests; current limit of IP(${ip}) is ${limit} requests per ${interval}. Please use WebSocket Streams for live updates to avoid polling the API.`,
      { 'Retry-After': String(retryAfterS) },
    ),
  /** A per-account request-rate rule (one call every N s): errors.md's request-count wording of -1003. */
  tooFrequent: (limit: number, interval: string, retryAfterS: number) =>
    new ApiFailure(
      429,
      -1003,
      `Too many requests; current limit is ${limit} requests per ${interval}. Please use WebSocket Streams for live updates to avoid polling the API.`,
      { 'Retry-After': String(retryAfterS) },
    ),
  banned: (untilMs: number, retryAfterS: number) =>
    new ApiFailure(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${untilMs}. Please use WebSocket Streams for live updates to avoid bans.`,
      { 'Retry-After': String(retryAfterS) },
    ),
  serverBusy: () =>
    new ApiFailure(
      503,
      -1008,
      'Server is currently overloaded with other requests. Please try again in a few minutes.',
    ),
  timestampAhead: () => bad(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  timestampOutside: () => bad(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  badSignature: () => bad(-1022, 'Signature for this request is not valid.'),
  illegalChars: (name: string, range: string) =>
    bad(-1100, `Illegal characters found in parameter '${name}'; legal range is '${range}'.`),
  duplicateParam: () => bad(-1101, 'Duplicate values for a parameter detected.'),
  mandatory: (name: string) =>
    bad(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  unread: (read: number, sent: number) =>
    bad(-1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`),
  empty: (name: string) => bad(-1105, `Parameter '${name}' was empty.`),
  notRequired: (name: string) => bad(-1106, `Parameter '${name}' sent when not required.`),
  badSymbol: () => bad(-1121, 'Invalid symbol.'),
  moreThanHours: (hours: number) => bad(-1127, `More than ${hours} hours between startTime and endTime.`),
  badCombo: () => bad(-1128, 'Combination of optional parameters invalid.'),
  invalidParam: (name: string) => bad(-1130, `Data sent for parameter '${name}' is not valid.`),
  badRecvWindow: () => bad(-1131, 'recvWindow must be less than 60000'),
  badApiKeyFormat: () => new ApiFailure(401, -2014, 'API-key format invalid.'),
  rejectedKey: () => new ApiFailure(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  archived: () =>
    bad(-2026, 'Order was canceled or expired with no executed qty over 90 days ago and has been archived.'),
  /** /sapi time-window violations (Simple Earn, convert, c2c, auto-invest, dividends, deposits, withdrawals). */
  rangeTooLarge: () => bad(-6021, 'Query time range too large'),
  /** What a sandbox answers to a write it does not execute when the key does carry the permission. */
  writeNotSupported: () =>
    bad(-1013, "The request is rejected by the API. (i.e. The request didn't reach the Matching Engine.)"),
  notFound: () => new ApiFailure(404, -1000, 'Not found.'),
};
