import type { ReplicaLease } from '../gateway/provisioner/provisioner.ts';
import type { ReplicaAddress } from '../store/endpoint-replicas.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../infra/clock.ts';
import { GenerationalCache } from '../infra/generational-cache.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';

/**
 * Where dedicated endpoints' replicas answer, shared through the database: the instance that runs
 * them (the provisioner's leader) records each change and announces it on the invalidation bus; every
 * other instance routes to the recorded healthy replicas, round-robin, from an in-memory copy that it
 * reads again when it hears of a change (or once it is `bus.maxStalenessMs` old).
 */
export function createReplicaDirectory(deps: {
  store: Store;
  clock: Clock;
  bus: InvalidationBus;
  /** Only the leader writes: a deposed leader's last word must not erase its successor's. */
  isLeader: () => boolean;
  onError: (error: unknown) => void;
}) {
  const { store, bus } = deps;
  const known = new GenerationalCache<ReplicaAddress[]>(bus.maxStalenessMs);
  const turns = new Map<string, number>();
  bus.subscribe((message) => {
    if (message.kind === 'endpoint_replicas') known.invalidate(message.id);
    else if (message.kind === 'everything') known.clear();
  });

  /** The latest addresses of each endpoint not yet written; one write per endpoint at a time. */
  const unwritten = new Map<string, ReplicaAddress[]>();
  const writing = new Map<string, Promise<void>>();

  async function writeOut(endpointId: string): Promise<void> {
    try {
      for (let addresses = unwritten.get(endpointId); addresses; addresses = unwritten.get(endpointId)) {
        unwritten.delete(endpointId);
        if (!deps.isLeader()) continue;
        await store.transaction((tx) => tx.endpointReplicas.replace(endpointId, addresses!, deps.clock()));
        bus.publish({ kind: 'endpoint_replicas', id: endpointId });
      }
    } catch (error) {
      // The leader's periodic reconcile writes it again.
      deps.onError(error);
    } finally {
      writing.delete(endpointId);
    }
  }

  const same = (a: ReplicaAddress[], b: ReplicaAddress[]) => JSON.stringify(a) === JSON.stringify(b);
  const byUrl = (a: ReplicaAddress, b: ReplicaAddress) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0);

  return {
    /** Leader: records where an endpoint's replicas answer now; resolves once written. */
    record(endpointId: string, addresses: ReplicaAddress[]): Promise<void> {
      unwritten.set(endpointId, [...addresses].sort(byUrl));
      // A write under way picks the newest addresses up before it ends.
      const under = writing.get(endpointId);
      if (under) return under;
      // Started on the next tick, so that it is registered before it can end.
      const write = Promise.resolve().then(() => writeOut(endpointId));
      writing.set(endpointId, write);
      return write;
    },

    /**
     * Leader: makes the recorded rows of its region match what it runs (`running`, by endpoint id),
     * which also drops the rows a previous leader left behind.
     */
    async reconcile(region: string | undefined, running: string[], addressesOf: (endpointId: string) => ReplicaAddress[]): Promise<void> {
      const recorded = await store.endpointReplicas.inRegion(region);
      for (const id of new Set([...recorded.keys(), ...running])) {
        // Read now, after the rows: what runs may have changed (and been written) meanwhile.
        const wanted = [...addressesOf(id)].sort(byUrl);
        if (!same(recorded.get(id) ?? [], wanted) && !writing.has(id)) await this.record(id, wanted);
      }
    },

    /** A router of an endpoint run by another instance: the next healthy replica for each request. */
    async lessor(endpointId: string): Promise<() => ReplicaLease | undefined> {
      const addresses = await known.get(endpointId, '', () => store.endpointReplicas.of(endpointId));
      const healthy = addresses.filter((a) => a.healthy);
      return () => {
        if (healthy.length === 0) return undefined;
        const turn = turns.get(endpointId) ?? 0;
        turns.set(endpointId, turn + 1);
        return { url: healthy[turn % healthy.length]!.url, release: () => {} };
      };
    },

    /** Drops what this instance remembers of other instances' replicas (it now runs them itself, or no longer does). */
    forget(): void {
      known.clear();
    },
  };
}

export type ReplicaDirectory = ReturnType<typeof createReplicaDirectory>;
