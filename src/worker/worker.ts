import { hostname } from 'node:os';
import { randomBase62 } from '../lib/ids.ts';
import { workerClient } from './client.ts';
import { runJob } from './run-job.ts';

export interface WorkerOptions {
  baseUrl: string;
  token: string;
  command: string[];
  workDir: string;
  leaseSeconds: number;
  pollMs: number;
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
      const outcome = await runJob(client, claimed, { command: options.command, workDir: options.workDir, heartbeatMs: (options.leaseSeconds * 1000) / 3, log: options.log });
      options.log(`job ${claimed.job.id}: ${outcome}`);
      jobs += 1;
    }
  })();

  return {
    stop() {
      stopped = true;
      wake?.();
    },
    done,
  };
}
