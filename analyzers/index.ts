/**
 * Analyzers: from HAR entries to findings (endpoints, schemas, auth flow, pagination, classification,
 * noise). Pure: no fs, net or clock. The registry lists them; the session runs them over a stream.
 */
export type * from './types.js';
export type { AnalyzeOptions, AnalyzeContext } from './context.js';
export { resolveAnalyzeOptions } from './context.js';
export type { Analyzer, AnalyzerRun, FinishInput, RouteRef } from './analyzer.js';
export { analyzers } from './registry.js';
export {
  createAnalysisSession,
  analyzeEntries,
  analyzeLogs,
  type AnalysisSession,
  type CaptureMeta,
} from './session.js';
export { classifyOperation, surfaceOf } from './classify.js';
export {
  classifySegment,
  stringFormat,
  isCredentialName,
  redactExample,
  type SegmentClass,
  type StringFormat,
} from './shapes.js';
export { newSchemaAcc, observeValue, mergeSchemaAcc, toJsonSchema, type SchemaAcc } from './schema-infer.js';
export type { Observation, ParsedBody } from './observe.js';
export { isWebSocketObservation, decodeFrame, type DecodedFrame } from './websocket-frames.js';
export { templateTopic } from './websocket-topics.js';
export { matchArrayKind } from './websocket-discriminator.js';
export { shapeOf } from './websocket-kinds.js';
export { scalarId, looksLikeResponse, responseOutcome } from './websocket-correlation.js';
