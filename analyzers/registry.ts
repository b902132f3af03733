/**
 * The analyzer registry (DESIGN.md convention 4): order matters at finish — endpoints first (it binds
 * route keys to operation ids), websocket (binds WebSocket route keys to endpoint ids), then the analyzers
 * that refer to operations.
 */
import type { Analyzer } from './analyzer.js';
import { authAnalyzer } from './auth.js';
import { endpointsAnalyzer } from './endpoints.js';
import { noiseAnalyzer } from './noise.js';
import { paginationAnalyzer } from './pagination.js';
import { websocketAnalyzer } from './websocket.js';

export const analyzers: readonly Analyzer[] = [
  endpointsAnalyzer,
  // Before auth: it binds WebSocket route keys to endpoint ids, so credentials list them as consumers.
  websocketAnalyzer,
  authAnalyzer,
  paginationAnalyzer,
  noiseAnalyzer,
];
