#!/usr/bin/env node
// The published entry point: the compiled CLI. `npm ci` builds dist/ through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write(
    'ledgertap: the compiled CLI is missing (dist/cli/main.js). Run `npm run build` in the package folder.\n',
  );
  process.exit(3);
}
await import(compiled.href);
