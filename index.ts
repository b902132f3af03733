/**
 * The package's public surface: `import { … } from 'ledgertap'`. Each folder exposes its API through its
 * own index.ts; this file gathers them.
 */
export * from './core/index.js';
export * from './har/index.js';
export * from './ledger/index.js';
export * from './analyzers/index.js';
export * from './model/index.js';
export * from './connectors/index.js';
export * from './replay/index.js';
export * from './reports/index.js';
export * from './sandbox/index.js';
export * from './capture/index.js';
export * from './server/index.js';
