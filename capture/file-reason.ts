/**
 * What went wrong with a file or folder, in words a user acts on: Node's own text
 * ("ENOENT: no such file or directory, open '/x'") repeats the path and leads with an errno name.
 */
import { isErrnoException } from '../core/index.js';

/** A short reason ("no such file", "permission denied", …) for a file-system error, else its first line. */
export function fileReason(error: unknown): string {
  if (isErrnoException(error)) {
    switch (error.code) {
      case 'ENOENT':
        return 'no such file or folder';
      case 'EACCES':
      case 'EPERM':
        return 'permission denied';
      case 'EISDIR':
        return 'it is a folder, not a file';
      case 'ENOTDIR':
        return 'a part of the path is a file, not a folder';
      case 'EROFS':
        return 'the file system is read-only';
      case 'ENOSPC':
        return 'no space left on the device';
    }
  }
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
