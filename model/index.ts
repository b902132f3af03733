/**
 * The protocol model: types (generated from schemas/protocol-model.schema.json), build from analyzer
 * output, merge across captures, load/save validated, and the OpenAPI 3.1 and TypeScript emitters.
 */
export type * from './types.js';
export {
  buildProtocolModel,
  mergeProtocolModels,
  mergeJsonSchemas,
  MODEL_FORMAT_VERSION,
  type BuildModelOptions,
} from './build.js';
export { loadProtocolModel, saveProtocolModel, validateProtocolModel } from './io.js';
export { toOpenApi, validateOpenApi, renderOpenApi, type OpenApiOptions } from './openapi.js';
export { renderTypeScript } from './typescript.js';
/**
 * The analysis rules replay applies to live WebSocket traffic: read-or-write by name, topic templates,
 * shape names, request ids, how a response is told from an event and judged, and how a frame decodes
 * (engine.io and socket.io packets included).
 */
export {
  classifyOperation,
  templateTopic,
  shapeOf,
  scalarId,
  looksLikeResponse,
  responseOutcome,
  matchArrayKind,
  decodeFrame,
  type DecodedFrame,
} from '../analyzers/index.js';
