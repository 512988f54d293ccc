import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { makePrivateDirectory } from '../lib/private-files.ts';

/** Where file contents live. One small interface, so an object store can replace the local disk. */
export interface FileStorage {
  /** A place to write a new file; nothing is visible under `id` until `commit`. */
  create(id: string): Promise<PendingFile>;
  read(id: string): Readable;
  remove(id: string): Promise<void>;
  /** Removes what interrupted uploads left behind; `known` says which ids have a database row. */
  sweep(known: (ids: string[]) => Promise<Set<string>>): Promise<number>;
}

export interface PendingFile {
  stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

const PARTIAL = '.partial';

/** Files on the local disk under the data folder, written to `<id>.partial` and renamed when complete. */
export function localFileStorage(directory: string): FileStorage {
  let ready: Promise<unknown> | undefined;
  const ensureDirectory = () => (ready ??= Promise.resolve().then(() => makePrivateDirectory(directory)));
  const pathOf = (id: string) => {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error('invalid file id');
    return join(directory, id);
  };

  return {
    async create(id) {
      await ensureDirectory();
      const final = pathOf(id);
      const partial = final + PARTIAL;
      const stream = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      const closed = () => new Promise<void>((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())));
      return {
        stream,
        commit: async () => {
          await closed();
          await rename(partial, final);
        },
        abort: async () => {
          stream.destroy();
          await closed();
          await rm(partial, { force: true });
        },
      };
    },

    read(id) {
      return createReadStream(pathOf(id));
    },

    async remove(id) {
      await rm(pathOf(id), { force: true });
    },

    async sweep(known) {
      await ensureDirectory();
      const names = await readdir(directory);
      let removed = 0;
      const complete: string[] = [];
      for (const name of names) {
        if (name.endsWith(PARTIAL)) {
          await rm(join(directory, name), { force: true });
          removed += 1;
        } else if ((await stat(join(directory, name))).isFile()) {
          complete.push(name);
        }
      }
      for (let i = 0; i < complete.length; i += 500) {
        const batch = complete.slice(i, i + 500);
        const present = await known(batch);
        for (const id of batch) {
          if (!present.has(id)) {
            await rm(join(directory, id), { force: true });
            removed += 1;
          }
        }
      }
      return removed;
    },
  };
}
