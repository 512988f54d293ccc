import type { LeaderLock } from '../store/leader-lock.ts';

export interface Leadership {
  isLeader(): boolean;
}

/**
 * Elects one server instance to run the endpoint provisioner. Every instance tries the lock; the one
 * that holds it checks it every `retryMs`, the others try again as often, so a leader that dies is
 * replaced within about `retryMs`. A leader whose lock is lost stops acting as one at once
 * (`onDeposed`) and goes back to trying.
 */
export function createLeaderElection(options: {
  lock: LeaderLock;
  retryMs: number;
  onElected: () => Promise<void>;
  onDeposed: () => Promise<void>;
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /** What the leader runs, for the log: the same election serves the provisioner and the batch processor. */
  role?: string;
}): Leadership & { start(): Promise<void>; close(): Promise<void> } {
  const { lock } = options;
  const role = options.role ?? 'the endpoint provisioner';
  let leader = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  // Elections and depositions run one at a time, in the order they happened.
  let queue: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>): Promise<void> => (queue = queue.then(work, work));

  const depose = (reason: string) =>
    serially(async () => {
      if (!leader) return;
      leader = false;
      options.log('warn', `no longer ${role}; stepping down`, { reason });
      await options.onDeposed().catch((error: unknown) => options.log('warn', `stepping down as ${role} failed`, { error: (error as Error).message }));
    });

  lock.onLost(() => void depose('its lock connection was lost'));

  const tick = () =>
    serially(async () => {
      if (closed) return;
      if (leader) {
        try {
          await lock.check();
        } catch (error) {
          // Queued behind this tick, not awaited inside it.
          void depose((error as Error).message);
        }
        return;
      }
      let got = false;
      try {
        got = await lock.tryAcquire();
      } catch (error) {
        options.log('warn', `the lock of ${role} could not be tried`, { error: (error as Error).message });
      }
      if (!got || closed) return;
      leader = true;
      await options.onElected().catch((error: unknown) => options.log('warn', `taking over as ${role} failed`, { error: (error as Error).message }));
    });

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => void tick().finally(schedule), options.retryMs);
    timer.unref();
  }

  return {
    isLeader: () => leader,
    async start() {
      await tick();
      schedule();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await queue;
      leader = false;
      await lock.release();
    },
  };
}
