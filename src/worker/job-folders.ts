import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * Where a worker keeps its jobs' files: `<work dir>/tenantry-jobs/<worker id>/<job id>`. The root's
 * name makes them recognizable, so a worker only ever deletes under it. Each worker has its own
 * folder, with an `owner.json` naming its host and process, because several workers may share one
 * work dir (the default is the same temporary folder for all): a starting worker removes only the
 * folders of workers of its host whose process is gone (killed mid-job), never a live one's.
 * Everything is 0700: the folders hold training data.
 */
export const JOBS_ROOT = 'tenantry-jobs';
const OWNER_FILE = 'owner.json';
/** A worker folder without owner.json is one whose worker died between the two steps of making it. */
const UNOWNED_GRACE_MS = 60_000;

export interface WorkerFolders {
  /** The worker's own folder. */
  dir: string;
  /** Makes a new, empty folder for a job (an earlier try of the same job by this worker is replaced). */
  makeJobFolder(jobId: string): Promise<string>;
  removeJobFolder(jobDir: string): Promise<void>;
  /** Removes the worker's own folder, when it stops. */
  remove(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(dir: string): Promise<{ hostname: string; pid: number } | undefined> {
  try {
    const owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as { hostname?: unknown; pid?: unknown };
    return typeof owner.hostname === 'string' && Number.isInteger(owner.pid) ? { hostname: owner.hostname, pid: owner.pid as number } : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the folders that workers of this host left behind when they were killed; returns their names. */
export async function removeStaleWorkerFolders(workDir: string, log: (message: string) => void): Promise<string[]> {
  const root = join(workDir, JOBS_ROOT);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    try {
      const owner = await ownerOf(dir);
      const stale = owner
        ? owner.hostname === hostname() && !isAlive(owner.pid)
        : Date.now() - (await stat(dir)).mtimeMs > UNOWNED_GRACE_MS;
      if (!stale) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(entry.name);
    } catch (error) {
      // Another worker starting at the same time may have removed it first; the next start tries again.
      log(`could not remove the stale folder ${dir}: ${(error as Error).message}`);
    }
  }
  if (removed.length > 0) log(`removed the job folders of ${removed.length} earlier worker${removed.length === 1 ? '' : 's'} (${removed.join(', ')})`);
  return removed;
}

export async function makeWorkerFolders(workDir: string, workerId: string): Promise<WorkerFolders> {
  const dir = join(workDir, JOBS_ROOT, workerId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, OWNER_FILE), JSON.stringify({ hostname: hostname(), pid: process.pid }), { mode: 0o600 });
  return {
    dir,
    async makeJobFolder(jobId) {
      // A job id is the server's (ftjob-<base62>); refuse anything that could name a path elsewhere.
      if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new Error(`unexpected job id ${JSON.stringify(jobId)}`);
      const jobDir = join(dir, jobId);
      await rm(jobDir, { recursive: true, force: true });
      await mkdir(jobDir, { mode: 0o700 });
      return jobDir;
    },
    async removeJobFolder(jobDir) {
      await rm(jobDir, { recursive: true, force: true });
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
