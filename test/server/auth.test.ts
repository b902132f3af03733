/**
 * The token file and the comparison: created 0600 with a real random token, reused on the next start,
 * refused when others can read it or it holds no real token; the compare is constant-time by construction.
 */
import { chmod, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearerToken, ensureTokenFile, readTokenFile, tokensEqual } from '../../server/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs('ledgertap-server-auth-');

describe('token file', () => {
  it('is created 0600 with 256 random bits, and reused on the next start', async () => {
    const path = join(await tempDir(), 'ledger.db.token');
    const first = await ensureTokenFile(path);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.token);
    const second = await ensureTokenFile(path);
    expect(second).toEqual({ path, token: first.token, created: false });
    const other = await ensureTokenFile(join(await tempDir(), 'x.token'));
    expect(other.token).not.toBe(first.token);
  });

  it('is refused when group or others can read it', async () => {
    const path = join(await tempDir(), 't.token');
    await writeFile(path, 'a'.repeat(40));
    await chmod(path, 0o644);
    await expect(readTokenFile(path)).rejects.toMatchObject({ code: 'config.token_file_mode', exitCode: 2 });
    await chmod(path, 0o600);
    await expect(readTokenFile(path)).resolves.toBe('a'.repeat(40));
  });

  it.each([
    ['empty', ''],
    ['short', 'abc\n'],
    ['two words', `${'a'.repeat(30)} ${'b'.repeat(30)}`],
  ])('is refused when %s', async (_name, text) => {
    const path = join(await tempDir(), 't.token');
    await writeFile(path, text, { mode: 0o600 });
    await expect(readTokenFile(path)).rejects.toMatchObject({ code: 'config.bad_token' });
  });

  it('is refused when it is a directory, or its folder is missing', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'd.token'));
    await expect(ensureTokenFile(join(dir, 'd.token'))).rejects.toMatchObject({
      code: 'config.bad_token_file',
    });
    await expect(ensureTokenFile(join(dir, 'missing', 't.token'))).rejects.toMatchObject({
      code: 'input.not_found',
    });
  });
});

describe('token comparison', () => {
  it('accepts only the exact token', () => {
    const token = 'x'.repeat(43);
    expect(tokensEqual(token, token)).toBe(true);
    for (const wrong of ['', 'x', token.slice(1), `${token}x`, `${token.slice(0, -1)}y`, token.toUpperCase()])
      expect(tokensEqual(wrong, token)).toBe(false);
  });

  it('reads the bearer scheme only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
