/** Loads a hand-built HAR fixture of test/fixtures/analyze/ and analyzes it through the public API. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeLogs, type AnalysisResult, type AnalyzeOptions } from '../../analyzers/index.js';
import type { HarFile } from '../../har/index.js';

export const fixtureDir = fileURLToPath(new URL('../fixtures/analyze/', import.meta.url));

export function fixture(name: string): HarFile {
  return JSON.parse(readFileSync(`${fixtureDir}${name}.har`, 'utf8')) as HarFile;
}

export function analyzeFixture(name: string, options: AnalyzeOptions = {}): AnalysisResult {
  return analyzeLogs([fixture(name).log], options);
}
