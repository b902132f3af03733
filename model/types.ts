/**
 * The ProtocolModel: the file `ledgertap analyze` writes and replay and reports read. Its JSON Schema
 * (schemas/protocol-model.schema.json) is the source of truth; the TS types are generated from it.
 */
export type {
  ProtocolModel,
  Operation as ProtocolOperation,
  Parameter as ProtocolParameter,
  Body as ProtocolBody,
  Response as ProtocolResponse,
  Credential as ProtocolCredential,
  AuthCall as ProtocolAuthCall,
  Signing as ProtocolSigning,
  Pagination as ProtocolPagination,
  Noise as ProtocolNoise,
  Finding as ProtocolFinding,
  Warning as ProtocolWarning,
  Evidence as ProtocolEvidence,
  Capture as ProtocolCapture,
  WebSocketEndpoint as ProtocolWebSocketEndpoint,
  WebSocketMessageKind as ProtocolWebSocketMessageKind,
  WebSocketSubscription as ProtocolWebSocketSubscription,
  WebSocketCorrelation as ProtocolWebSocketCorrelation,
  WebSocketTraffic as ProtocolWebSocketTraffic,
} from '../schemas/generated/protocol-model.js';
