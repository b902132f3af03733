/**
 * The verb registry: one file per verb under cli/commands/, each exporting `register(program, runtime)`.
 * Add a verb by adding its file and one line here.
 */
import type { Command } from 'commander';
import type { CliRuntime, RegisterVerb } from '../context.js';
import { ledgerVerbs } from './reconcile.js';
import { register as importVerb } from './import.js';
import { register as harVerb } from './har.js';
import { register as analyzeVerb } from './analyze.js';
import { register as captureVerb } from './capture.js';
import { register as syncVerb } from './sync.js';
import { register as sandboxVerb } from './sandbox.js';
import { register as replayVerb } from './replay.js';
import { register as reportVerb } from './report.js';

const verbs: RegisterVerb[] = [...ledgerVerbs, importVerb, harVerb, analyzeVerb, captureVerb, syncVerb, sandboxVerb, replayVerb, reportVerb];

export function registerCommands(program: Command, runtime: CliRuntime): void {
  for (const register of verbs) register(program, runtime);
}
