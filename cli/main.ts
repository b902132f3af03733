#!/usr/bin/env node
/**
 * The process entry point: the only place that reads process.argv, installs signal handlers and calls
 * process.exit (DESIGN.md section 2).
 */
import { runCli } from './runtime.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts += 1;
  if (interrupts > 1) {
    process.stderr.write('ledgertap: interrupted twice, exiting now.\n');
    process.exit(130);
  }
  controller.abort(Object.assign(new Error(`received ${signal}`), { name: 'AbortError' }));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  },
  { signal: controller.signal },
);

// Let buffered output reach a pipe before exiting; an open handle left by a bug must not hang the CLI.
process.stdout.write('', () => process.exit(code));
