/**
 * Proves `npm run lint` enforces DESIGN.md section 2: the dependency-cruiser config, run on small trees
 * built here, fails on each kind of violation and passes on a tree that follows the map.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-depcruise-');

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await copyFile(join(repoRoot, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

function cruise(dir: string): { code: number; output: string } {
  const bin = join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const result = spawnSync(
    process.execPath,
    [bin, '--config', join(repoRoot, '.dependency-cruiser.cjs'), '.'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

const base = {
  'core/index.ts': 'export const one = 1;\n',
  'har/index.ts': "import { one } from '../core/index.js';\nexport const two = one + 1;\n",
  'cli/index.ts': "import { two } from '../har/index.js';\nexport const three = two + 1;\n",
};

describe('the module map lint', () => {
  it('passes a tree that follows the map', async () => {
    const result = cruise(await tree(base));
    expect(result.output).toContain('no dependency violations');
    expect(result.code).toBe(0);
  });

  it.each([
    [
      'a lower layer importing a higher one',
      { 'har/bad.ts': "export { three } from '../cli/index.js';\n" },
      'module-map-har',
    ],
    [
      'anything importing cli/',
      { 'har/bad.ts': "export { three } from '../cli/index.js';\n" },
      'nothing-imports-cli',
    ],
    [
      'reaching past a folder index',
      { 'har/inner.ts': 'export const x = 1;\n', 'cli/bad.ts': "export { x } from '../har/inner.js';\n" },
      'index-only-across-folders',
    ],
    [
      'an analyzer doing I/O',
      { 'analyzers/bad.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n" },
      'analyzers-are-pure',
    ],
    [
      'the sandbox sharing the client code',
      {
        'connectors/index.ts': 'export const sign = 1;\n',
        'sandbox/bad.ts': "export { sign } from '../connectors/index.js';\n",
      },
      'module-map-sandbox',
    ],
    [
      'a cycle',
      {
        'core/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
        'core/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      },
      'no-circular',
    ],
  ])('fails on %s', async (_name, extra, rule) => {
    const result = cruise(await tree({ ...base, ...extra }));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(rule);
  });
});
