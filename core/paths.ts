/**
 * Where the package's own data lives (schemas/, guides/), found from this file whether it runs from
 * source (tsx, vitest) or from dist/ after the build, so data files are never copied into dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The folder holding ledgertap's package.json. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'ledgertap') {
        cachedRoot = dir;
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('ledgertap: cannot find its own package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** A path inside the package: `packagePath('schemas', 'account', 'trade.schema.json')`. */
export function packagePath(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}

/** The package version from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
