/**
 * The verb registry: one file per verb under cli/commands/, each exporting `register(program, runtime)`.
 * Add a verb by adding its file and one line here.
 */
import type { Command } from 'commander';
import type { CliRuntime, RegisterVerb } from '../context.js';

const verbs: RegisterVerb[] = [];

export function registerCommands(program: Command, runtime: CliRuntime): void {
  for (const register of verbs) register(program, runtime);
}
