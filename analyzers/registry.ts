/**
 * The analyzer registry (DESIGN.md convention 4): order matters at finish — endpoints first (it binds
 * route keys to operation ids), then the analyzers that refer to operations.
 */
import type { Analyzer } from './analyzer.js';
import { authAnalyzer } from './auth.js';
import { endpointsAnalyzer } from './endpoints.js';
import { noiseAnalyzer } from './noise.js';
import { paginationAnalyzer } from './pagination.js';

export const analyzers: readonly Analyzer[] = [
  endpointsAnalyzer,
  authAnalyzer,
  paginationAnalyzer,
  noiseAnalyzer,
];
