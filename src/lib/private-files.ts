import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The data folder holds the database, the server secret and every uploaded file: readable by the
 * server's user only. A mode given at creation passes through the process umask, so each folder and
 * file created here is chmod-ed to its exact mode after, whatever the umask.
 */

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;

/** Creates `path` and any missing parents as 0700; a folder that already existed is left as it is. */
export function makePrivateDirectory(path: string): void {
  const first = mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY });
  if (first === undefined) return;
  const top = resolve(first);
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chmodSync(dir, PRIVATE_DIRECTORY);
    if (dir === top || dir === dirname(dir)) break;
  }
}

/** Creates an empty 0600 file at `path` unless one is there; answers whether it did. */
export function makePrivateFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  closeSync(fd);
  chmodSync(path, PRIVATE_FILE);
  return true;
}
