/**
 * The verb registry: one file per verb under cli/commands/, each exporting its RegisterVerb(s).
 * Verbs load lazily: `ledgertap har inspect` imports only har.ts, so a verb never pays for another's
 * dependencies (Playwright, mockttp, database drivers) at start-up. `--help` and unknown verbs load all.
 * Add a verb by adding its file and one line here.
 */
import type { Command } from 'commander';
import type { CliRuntime, RegisterVerb } from '../context.js';

type Loader = () => Promise<readonly RegisterVerb[]>;

const ledger: Loader = async () => (await import('./reconcile.js')).ledgerVerbs;

/** Verb name → the module that registers it (several verbs may share one module). */
const verbs: Record<string, Loader> = {
  consent: ledger,
  audit: ledger,
  export: ledger,
  reconcile: ledger,
  import: async () => [(await import('./import.js')).register],
  har: async () => [(await import('./har.js')).register],
  analyze: async () => [(await import('./analyze.js')).register],
  capture: async () => [(await import('./capture.js')).register],
  sync: async () => [(await import('./sync.js')).register],
  sandbox: async () => [(await import('./sandbox.js')).register],
  replay: async () => [(await import('./replay.js')).register],
  report: async () => [(await import('./report.js')).register],
  demo: async () => [(await import('./demo.js')).register],
  serve: async () => [(await import('./serve.js')).register],
  purge: async () => [(await import('./purge.js')).register],
};

/** Every verb, loaded or not. */
export const verbNames: readonly string[] = Object.keys(verbs);

/** The verb an argv names: its first word that is not a flag nor the value of `--config FILE`. */
export function verbOf(argv: readonly string[]): string | undefined {
  return argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '--config');
}

export async function registerCommands(
  program: Command,
  runtime: CliRuntime,
  argv: readonly string[] = [],
): Promise<void> {
  const verb = verbOf(argv);
  const loaders = verb && verbs[verb] ? [verbs[verb]] : [...new Set(Object.values(verbs))];
  for (const load of loaders) for (const register of await load()) register(program, runtime);
}
