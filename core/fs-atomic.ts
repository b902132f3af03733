/**
 * Nothing half-written: every file ledgertap produces is written to a temp file beside the target and
 * renamed into place on success, so a crash or a bad input leaves either the old file or none.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError, fileError } from './errors.js';

export interface AtomicWriteOptions {
  /** File mode, for example 0o600 for files holding secrets or unredacted captures. */
  mode?: number;
}

/** The temp path used for `target`: hidden, in the same folder (so rename is atomic), unique per call. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Fails early, as bad input naming the flag, when an output path's folder is missing or is a file: a
 * verb that would first run a browser or read a large capture should not find that out at the end.
 */
export function assertOutputFolder(target: string, flag: string): void {
  const folder = dirname(target);
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) {
    throw new InputError('not_found', `${flag} ${target}: the folder ${folder} does not exist.`, {
      hint: `Create it first (mkdir -p ${folder}), or give ${flag} a path in an existing folder.`,
    });
  }
}

/** Writes the whole content through a temp file and renames it into place. */
export async function writeFileAtomic(
  target: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await writeFile(temp, content, { mode: options.mode ?? 0o644 });
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    // Name the file the user asked for, not the hidden temp file beside it.
    throw fileError(target, error, 'write') ?? error;
  }
}

/** A stream writer whose output appears at `target` only on `commit()`; `abort()` removes the temp file. */
export interface AtomicFileStream {
  readonly stream: WriteStream;
  readonly tempPath: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export function createAtomicWriteStream(target: string, options: AtomicWriteOptions = {}): AtomicFileStream {
  const tempPath = tempPathFor(target);
  const stream = createWriteStream(tempPath, { mode: options.mode ?? 0o644 });
  let settled = false;
  const closeStream = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stream.closed) {
        resolve();
        return;
      }
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  return {
    stream,
    tempPath,
    async commit() {
      if (settled) return;
      settled = true;
      await closeStream();
      if (options.mode !== undefined) await chmod(tempPath, options.mode);
      await rename(tempPath, target);
    },
    async abort() {
      if (settled) return;
      settled = true;
      stream.destroy();
      await rm(tempPath, { force: true });
    },
  };
}
