/**
 * Cache invalidations. Every cache in the server (standings, projects, sessions, API keys) drops
 * entries when it hears of a change. On one instance the message is applied at once; on PostgreSQL it
 * is also carried to every other instance with NOTIFY (see store/notifications.ts, which also reads the messages back).
 */
export type Invalidation =
  | { kind: 'organization'; id: string }
  | { kind: 'project'; id: string }
  | { kind: 'api_key'; id: string }
  | { kind: 'session'; id: string }
  | { kind: 'user_sessions'; id: string }
  /** A dedicated endpoint's record changed: the provisioner's leader makes its replicas match it. */
  | { kind: 'endpoint'; id: string }
  /** Where a dedicated endpoint's replicas answer changed: routers read it again. */
  | { kind: 'endpoint_replicas'; id: string }
  /** An organization's budgets changed (any level): the budget guard reads them again. */
  | { kind: 'budgets'; id: string }
  /** Sent when invalidations may have been missed (a lost connection): drop every cache. */
  | { kind: 'everything' };

export type InvalidationHandler = (message: Invalidation) => void;

export interface InvalidationBus {
  /**
   * How long a cache may keep an entry it has heard nothing about. Invalidations that travel between
   * instances can be lost; every cache reads an entry again once it is this old.
   */
  readonly maxStalenessMs: number;
  /** Applies the invalidation here, now, and tells the other instances. */
  publish(message: Invalidation): void;
  subscribe(handler: InvalidationHandler): void;
  close(): Promise<void>;
}

/** Applies invalidations inside this process; `relay` carries them to other instances when set. */
export function createInvalidationBus(
  relay?: { send(message: Invalidation): void; close(): Promise<void> },
  maxStalenessMs = Number.POSITIVE_INFINITY,
): InvalidationBus & { deliver(message: Invalidation): void } {
  const handlers: InvalidationHandler[] = [];
  const deliver = (message: Invalidation) => {
    for (const handler of handlers) handler(message);
  };
  return {
    maxStalenessMs,
    publish(message) {
      deliver(message);
      relay?.send(message);
    },
    subscribe(handler) {
      handlers.push(handler);
    },
    deliver,
    close: async () => relay?.close(),
  };
}
