/**
 * A capture's identity at any size: sha256 of its size and its first and last 64 KiB as stored. Two
 * captures differ in their first entries' times or their closing pages and extensions, so this tells the
 * same file under another name or path without reading a gigabyte; it is not an integrity hash.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const EDGE = 64 * 1024;

/** The fingerprint of the file at `path` (hex), or undefined when it cannot be read (the reader then says why). */
export async function captureFingerprint(path: string): Promise<string | undefined> {
  let file;
  try {
    file = await open(path, 'r');
    const { size } = await file.stat();
    const hash = createHash('sha256').update(`${size}:`);
    const head = Buffer.alloc(Math.min(EDGE, size));
    await file.read(head, 0, head.length, 0);
    hash.update(head);
    if (size > EDGE) {
      const tail = Buffer.alloc(Math.min(EDGE, size - EDGE));
      await file.read(tail, 0, tail.length, size - tail.length);
      hash.update(tail);
    }
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    await file?.close();
  }
}
