/**
 * The normalized account API: a read-only HTTP server over a ledger (`ledgertap serve`), described by
 * schemas/normalized-api.openapi.yaml.
 *
 * ```ts
 * const store = await openLedger('ledger.db');
 * const { token } = await ensureTokenFile('ledger.db.token');
 * const server = await startLedgerServer(store, { token });
 * // GET `${server.url}/v1/accounts` with `Authorization: Bearer ${token}`
 * await server.close();
 * await store.close();
 * ```
 */
export { startLedgerServer, isLoopbackHost } from './server.js';
export type { LedgerServer, LedgerServerOptions } from './server.js';
export { ensureTokenFile, readTokenFile, tokensEqual, bearerToken } from './auth.js';
export type { ServeToken } from './auth.js';
export { pageRecords, encodeRecordCursor, decodeRecordCursor } from './cursor.js';
export type { RecordFilter, RecordPageResult, RecordPosition } from './cursor.js';
export { ApiProblem } from './problem.js';
export type { ProblemDetails } from './problem.js';
export {
  bundledNormalizedApiSpec,
  bundledNormalizedApiSpecYaml,
  loadNormalizedApiSpec,
  normalizedApiSpecPath,
} from './spec.js';
export { DEFAULT_LIMIT as SERVER_DEFAULT_LIMIT, MAX_LIMIT as SERVER_MAX_LIMIT } from './query.js';
