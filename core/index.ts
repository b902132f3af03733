export * from './errors.js';
export * from './log.js';
export * from './clock.js';
export * from './decimal.js';
export * from './json.js';
export * from './paths.js';
export * from './fs-atomic.js';
export * from './redact.js';
