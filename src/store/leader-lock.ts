import pg from 'pg';
import type { DatabaseHandle } from './database.ts';

/**
 * The lock that makes one server instance the endpoint provisioner's leader (and, under a class of
 * its own, the batch processor's).
 *
 * On PostgreSQL it is a session-level advisory lock held by a connection of its own: PostgreSQL
 * releases it when that connection ends, which is what happens when the holder is killed (`kill -9`
 * closes its sockets). A holder cut off without a reset (a network path that drops packets) is
 * ended by PostgreSQL's `idle_session_timeout`, since the holder checks its lock often and so is
 * never idle that long while it is alive. On SQLite there is one process, and it always holds it.
 */
export interface LeaderLock {
  /** Takes the lock if it is free; true while this instance holds it. */
  tryAcquire(): Promise<boolean>;
  /** Rejects when the lock is no longer held (its connection failed or stopped answering). */
  check(): Promise<void>;
  /** Called when the connection holding the lock is lost. */
  onLost(listener: () => void): void;
  release(): Promise<void>;
}

// Two-key advisory lock: the first key names Tenantry's provisioner ('tnpv'), the second the region
// it provisions, so that servers started for different regions each elect their own leader.
export const PROVISIONER_LOCK_CLASS = 0x746e7076;
/** The batch processor's leader lock ('tnbt'): apart from the provisioner's, so each has its own leader. */
export const BATCH_LOCK_CLASS = 0x746e6274;

export function createLeaderLock(handle: DatabaseHandle, options: { connectionString: string; scope: string; checkIntervalMs: number; lockClass?: number }): LeaderLock {
  const lockClass = options.lockClass ?? PROVISIONER_LOCK_CLASS;
  if (handle.dialect === 'sqlite') {
    return { tryAcquire: async () => true, check: async () => {}, onLost: () => {}, release: async () => {} };
  }
  const listeners: Array<() => void> = [];
  // A check that takes longer than this means the connection is gone, even if no error says so.
  const queryTimeoutMs = Math.max(2_000, options.checkIntervalMs * 2);
  let client: pg.Client | undefined;
  let held = false;

  function drop(current: pg.Client): void {
    if (client !== current) return;
    client = undefined;
    const wasHeld = held;
    held = false;
    (current as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    current.end().catch(() => {});
    if (wasHeld) for (const listener of listeners) listener();
  }

  async function connect(): Promise<pg.Client> {
    const next = new pg.Client({ connectionString: options.connectionString, keepAlive: true, query_timeout: queryTimeoutMs });
    next.on('error', () => drop(next));
    next.on('end', () => drop(next));
    client = next;
    try {
      await next.connect();
    } catch (error) {
      drop(next);
      throw error;
    }
    // Bound how long PostgreSQL keeps the lock for a holder that vanished without closing its socket.
    const idleMs = Math.max(5_000, options.checkIntervalMs * 3);
    await next.query(`SET idle_session_timeout = ${Math.round(idleMs)}`).catch(() => {
      // PostgreSQL before 14 has no idle_session_timeout; TCP keepalive is then the bound.
    });
    return next;
  }

  async function run(query: string): Promise<pg.QueryResult> {
    const current = client ?? (await connect());
    try {
      return await current.query(query, [options.scope]);
    } catch (error) {
      drop(current);
      throw error;
    }
  }

  return {
    async tryAcquire() {
      if (held) return true;
      const result = await run(`SELECT pg_try_advisory_lock(${lockClass}, hashtext($1)) AS locked`);
      held = result.rows[0]?.locked === true;
      return held;
    },
    async check() {
      if (!held || !client) throw new Error('the provisioner lock is not held');
      await run(`SELECT $1::text AS scope`);
      if (!held) throw new Error('the provisioner lock was lost');
    },
    onLost(listener) {
      listeners.push(listener);
    },
    async release() {
      const current = client;
      client = undefined;
      held = false;
      // Ending the session releases the lock.
      await current?.end().catch(() => {});
    },
  };
}
