import { hostname } from 'node:os';
import { randomBase62 } from '../lib/ids.ts';
import { workerClient } from './client.ts';
import { makeWorkerFolders, removeStaleWorkerFolders, type WorkerFolders } from './job-folders.ts';
import type { RetryPolicy } from './retry.ts';
import { runJob } from './run-job.ts';

export interface WorkerOptions {
  baseUrl: string;
  token: string;
  command: string[];
  workDir: string;
  leaseSeconds: number;
  pollMs: number;
  /** How downloads, result uploads and the final report are retried. */
  retry: RetryPolicy;
  /** Stop after this many jobs (tests); unlimited when absent. */
  maxJobs?: number | undefined;
  log: (message: string) => void;
}

/** Claims jobs one at a time and runs each to its end, until stopped. */
export function startWorker(options: WorkerOptions): { stop(): void; done: Promise<void> } {
  const workerId = `${hostname()}-${process.pid}-${randomBase62(6)}`;
  const client = workerClient({ baseUrl: options.baseUrl, token: options.token, workerId, leaseSeconds: options.leaseSeconds });
  let stopped = false;
  let wake: (() => void) | undefined;
  // The timer keeps the process alive while the queue is empty; stop() wakes it early.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const done = (async () => {
    options.log(`worker ${workerId} polling ${options.baseUrl}`);
    // Before making its own: the folders of workers killed mid-job hold training data nobody will use.
    await removeStaleWorkerFolders(options.workDir, options.log);
    const folders = await makeWorkerFolders(options.workDir, workerId);
    try {
      await work(folders);
    } finally {
      await folders.remove().catch((error) => options.log(`could not remove ${folders.dir}: ${(error as Error).message}`));
    }
  })();

  async function work(folders: WorkerFolders): Promise<void> {
    let jobs = 0;
    while (!stopped && (options.maxJobs === undefined || jobs < options.maxJobs)) {
      let claimed;
      try {
        claimed = await client.claim();
      } catch (error) {
        options.log(`claim failed: ${(error as Error).message}`);
        await sleep(options.pollMs);
        continue;
      }
      if (!claimed) {
        await sleep(options.pollMs);
        continue;
      }
      options.log(`job ${claimed.job.id}: claimed`);
      let outcome;
      try {
        outcome = await runJob(client, claimed, { command: options.command, folders, heartbeatMs: (options.leaseSeconds * 1000) / 3, retry: options.retry, log: options.log });
      } catch (error) {
        // A bug or the disk (the job folder could not be made): the lease lapses and the job is queued
        // again; this worker goes on with the next one rather than exiting.
        options.log(`job ${claimed.job.id}: ${(error as Error).message}`);
        outcome = 'stopped';
        await sleep(options.pollMs);
      }
      options.log(`job ${claimed.job.id}: ${outcome}`);
      jobs += 1;
    }
  }

  return {
    stop() {
      stopped = true;
      wake?.();
    },
    done,
  };
}
