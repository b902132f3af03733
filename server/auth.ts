/**
 * Bearer-token auth of the API: the token lives in a file only its owner can read (created on first start),
 * and requests are compared in constant time (both sides hashed first, so neither the content nor the
 * length of the token leaks through timing).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { ConfigError, fileError, isErrnoException, isLedgertapError } from '../core/index.js';

/** The token file and the token in it. */
export interface ServeToken {
  path: string;
  token: string;
  /** True when this start created the file. */
  created: boolean;
}

/** Tokens shorter than this are refused: a token file must hold a real secret. */
const MIN_TOKEN_LENGTH = 20;

/**
 * The token in `path`, creating the file (mode 0600, 32 random bytes, base64url) when missing. An existing
 * file readable by group or others, empty, or holding a short token is refused (`config.*`, exit 2).
 */
export async function ensureTokenFile(path: string): Promise<ServeToken> {
  const token = randomBytes(32).toString('base64url');
  try {
    // 'wx': never overwrite a token another start wrote meanwhile.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${token}\n`, 'utf8');
    } finally {
      await handle.close();
    }
    return { path, token, created: true };
  } catch (error) {
    if (!isErrnoException(error) || error.code !== 'EEXIST') throw fileError(path, error, 'write') ?? error;
  }
  return { path, token: await readTokenFile(path), created: false };
}

/** Reads an existing token file, refusing one that others can read. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile())
      throw new ConfigError('bad_token_file', `${path}: not a file.`, {
        hint: 'Give --token-file a file path (it is created when missing).',
      });
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0)
      throw new ConfigError(
        'token_file_mode',
        `${path}: the token file is readable by others (mode ${(info.mode & 0o777).toString(8)}).`,
        { hint: `Run chmod 600 ${path}, or delete it to get a new token.` },
      );
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isLedgertapError(error)) throw error;
    throw fileError(path, error) ?? error;
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token))
    throw new ConfigError(
      'bad_token',
      `${path}: the token file must hold one token of at least ${MIN_TOKEN_LENGTH} characters without spaces.`,
      { hint: 'Delete the file to have serve create a new random token.' },
    );
  return token;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time equality of a presented token and the expected one. */
export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer …` header, or undefined when the header is absent or of another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}
