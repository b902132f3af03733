/**
 * sandbox/: a local stand-in for the exchange (signed API, admin truth and stats, faults) for the demo,
 * the tests and the benchmarks. It implements CONTRACT.md on its own and never imports connectors/.
 *
 * Names exported here carry a Sandbox prefix so the root index can re-export them next to connectors/.
 * The exchange-shaped record types are under the `SandboxModel` namespace (`SandboxModel.RawDeposit`).
 */
export type * as SandboxModel from './data/model.js';
export type { SandboxAccount } from './data/model.js';
export {
  ROUTE_API as SANDBOX_ROUTE_API,
  ROUTE_WEB as SANDBOX_ROUTE_WEB,
  ROUTE_CSV as SANDBOX_ROUTE_CSV,
  ORDER_TYPES as SANDBOX_ORDER_TYPES,
  ORDER_STATUSES as SANDBOX_ORDER_STATUSES,
} from './data/model.js';
export {
  generateAccount as generateSandboxAccount,
  type GenerateOptions as SandboxGenerateOptions,
} from './data/generate.js';
export { truthRecords as sandboxTruthRecords, type TruthRecord as SandboxTruthRecord } from './data/truth.js';
export {
  tradeAt as sandboxTradeAt,
  orderAt as sandboxOrderAt,
  routesFromBits as sandboxRoutesFromBits,
} from './data/columns.js';
export {
  PROFILES as SANDBOX_PROFILES,
  PROFILE_NAMES as SANDBOX_PROFILE_NAMES,
  type ProfileSpec as SandboxProfileSpec,
} from './data/profiles.js';
export {
  startSandbox,
  type SandboxOptions,
  type SandboxHandle,
  type SandboxRouteContext,
  type SandboxRouteHandler,
  type SandboxExtraRoute,
} from './server.js';
export {
  SandboxState,
  SandboxStats,
  type WebSession as SandboxWebSession,
  type SandboxExportHandler,
  type SandboxCredentials,
} from './state.js';
export { parseFaults as parseSandboxFaults, type FaultSpec as SandboxFaultSpec } from './api/faults.js';
export { parseWebFaults as parseSandboxWebFaults } from './web/faults.js';
export {
  signaturePayload as sandboxSignaturePayload,
  verifySignature as verifySandboxSignature,
  type VerifyKey as SandboxVerifyKey,
} from './api/signature.js';
export {
  KEY_TYPES as SANDBOX_KEY_TYPES,
  PERMISSION_FLAGS as SANDBOX_PERMISSION_FLAGS,
  type KeyType as SandboxKeyType,
} from './api/keys.js';
export {
  minimumWeight as sandboxMinimumWeight,
  type MinimumWeight as SandboxMinimumWeight,
  type SurfaceCost as SandboxSurfaceCost,
} from './admin/min-weight.js';
export { ADMIN_PREFIX as SANDBOX_ADMIN_PREFIX } from './admin/admin.js';
export * from './web/index.js';
