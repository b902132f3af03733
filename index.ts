/**
 * The package's public surface: `import { … } from 'ledgertap'`. Each folder exposes its API through its
 * own index.ts; this file gathers them.
 */
export * from './core/index.js';
