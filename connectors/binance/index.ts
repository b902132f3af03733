/**
 * connectors/binance: the signed read-only API client (signing, server time, weight limiter, HTTP),
 * one read per surface, normalization into the account model, symbol discovery and the sync planner.
 */
export { BinanceClient, assertReadOnly } from './client.js';
export type { BinanceClientOptions, ApiResponse, CallOptions, ClientStats, RequestEvent } from './client.js';
export { loadCredentials, assertOwnerOnly, describeCredentials } from './credentials.js';
export type { Credentials, LoadCredentialsOptions } from './credentials.js';
export {
  encodeParams as binanceEncodeParams,
  hmacSignature,
  asymmetricSignature,
  hmacSigner,
  asymmetricSigner,
  signRequest as binanceSignRequest,
  signaturePayload as binanceSignaturePayload,
} from './signing.js';
export type {
  KeyType as BinanceKeyType,
  Params as BinanceParams,
  ParamValue as BinanceParamValue,
  Signer,
  SignedRequest,
} from './signing.js';
export { ServerTime as BinanceServerTime } from './server-time.js';
export type { ServerTimeOptions, ClockSample } from './server-time.js';
export { WeightLimiter } from './limiter.js';
export type {
  LimiterOptions,
  LimiterStats,
  RateLimitRule,
  Ticket as LimiterTicket,
  Bucket as LimiterBucket,
} from './limiter.js';
export {
  endpoints as binanceEndpoints,
  READ_ONLY_POSTS as BINANCE_READ_ONLY_POSTS,
  DEFAULT_LIMITS as BINANCE_DEFAULT_LIMITS,
} from './endpoints.js';
export type {
  EndpointSpec as BinanceEndpointSpec,
  EndpointName as BinanceEndpointName,
  LimitFamily,
} from './endpoints.js';
export { BinanceApiError, BinanceBanError, UnsafeKeyError } from './errors.js';
export {
  checkReadOnlyKey,
  evaluateRestrictions,
  UNSAFE_PERMISSIONS as BINANCE_UNSAFE_PERMISSIONS,
} from './permissions.js';
export type { KeyCheck as BinanceKeyCheck } from './permissions.js';
export {
  candidateSymbols,
  loadExchangeInfo,
  ALL_PERMISSIONS as BINANCE_ALL_PERMISSIONS,
  assetsOfRecord,
} from './discovery.js';
export type { DiscoveryStrategy, ExchangeSymbols } from './discovery.js';
export { readSpotSnapshots } from './reads/snapshots.js';
export type { DailySpotSnapshot, SnapshotQuery } from './reads/snapshots.js';
export { readWalletTotals } from './reads/wallets.js';
export type { WalletTotal } from './reads/wallets.js';
export * as binanceNormalize from './normalize.js';
export type { SymbolAssets } from './normalize.js';
export { syncBinance } from './planner.js';
export type { SyncOptions, SyncSummary, SyncProgress } from './planner.js';
export type { SyncStore, SyncTx, SyncAuditInput } from './store.js';
export { SURFACES as BINANCE_SURFACES, BINANCE_LAUNCH } from './reads/common.js';
export type { Surface as BinanceSurface } from './reads/common.js';
export * from './csv/index.js';
