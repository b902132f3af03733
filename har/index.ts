/** HAR 1.2: types, the streaming reader, the entry-by-entry writer, strict validation, inspect, merge and filter. */
export type * from './types.js';
export * from './warnings.js';
export * from './reader.js';
export * from './writer.js';
export * from './validate.js';
export * from './inspect.js';
export * from './transform.js';
export * from './body.js';
export * from './engineio-polling.js';
export { captureFingerprint } from './fingerprint.js';
export type { HarCompression } from './source.js';
export { describeHarBytes } from './source.js';
export { normalizeHarEntry, normalizeHarLog, isTextualMimeType, type HarLogInfo } from './normalize.js';
