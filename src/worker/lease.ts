import type { WorkerClient } from './client.ts';
import { ServerRefusal } from './client.ts';

export type StopReason = 'cancelled' | 'lease_lost';

/**
 * Keeps a claimed job's lease renewed from the claim to the final report, downloads and uploads
 * included (their retries can take a while), and remembers why the job stopped being this worker's:
 * cancelled by its owner, or the lease lost to another worker (409 on any call).
 */
export interface Lease {
  stopReason(): StopReason | undefined;
  /** Called once, when the job stops being this worker's. */
  onStop(listener: () => void): void;
  /**
   * Takes a failed call on the job: true when it means the job is no longer this worker's (409);
   * anything else is logged and false.
   */
  lose(error: unknown): boolean;
  /** Stops the heartbeats. */
  release(): void;
}

export function holdLease(client: WorkerClient, jobId: string, heartbeatMs: number, log: (message: string) => void): Lease {
  let reason: StopReason | undefined;
  const listeners: Array<() => void> = [];
  const stop = (why: StopReason) => {
    if (reason) return;
    reason = why;
    for (const listener of listeners) listener();
  };
  const lose = (error: unknown) => {
    if (error instanceof ServerRefusal && error.status === 409) {
      stop(error.code === 'job_cancelled' ? 'cancelled' : 'lease_lost');
      return true;
    }
    log(`job ${jobId}: could not reach the server: ${(error as Error).message}`);
    return false;
  };
  const timer = setInterval(() => {
    client
      .heartbeat(jobId)
      .then((status) => status === 'cancelled' && stop('cancelled'))
      .catch(lose);
  }, heartbeatMs);
  return {
    stopReason: () => reason,
    onStop: (listener) => void listeners.push(listener),
    lose,
    release: () => clearInterval(timer),
  };
}
