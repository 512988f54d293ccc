import { flag, type Executor } from './executor.ts';

export interface ReplicaAddress {
  url: string;
  healthy: boolean;
}

/** Where dedicated endpoints' replicas answer: written by the provisioner's leader, read by every instance. */
export function endpointReplicasRepository(db: Executor) {
  return {
    /** Replaces what is known of one endpoint's replicas (call inside a transaction). */
    async replace(endpointId: string, replicas: ReplicaAddress[], at: number): Promise<void> {
      await db.deleteFrom('endpoint_replicas').where('endpoint_id', '=', endpointId).execute();
      if (replicas.length === 0) return;
      await db
        .insertInto('endpoint_replicas')
        .values(replicas.map((r) => ({ endpoint_id: endpointId, url: r.url, healthy: flag(r.healthy), updated_at: at })))
        .execute();
    },

    async of(endpointId: string): Promise<ReplicaAddress[]> {
      const rows = await db.selectFrom('endpoint_replicas').select(['url', 'healthy']).where('endpoint_id', '=', endpointId).orderBy('url').execute();
      return rows.map((r) => ({ url: r.url, healthy: Number(r.healthy) === 1 }));
    },

    /** The replicas of every endpoint of a region (all regions when undefined), by endpoint id. */
    async inRegion(region: string | undefined): Promise<Map<string, ReplicaAddress[]>> {
      let query = db
        .selectFrom('endpoint_replicas')
        .leftJoin('dedicated_endpoints', 'dedicated_endpoints.id', 'endpoint_replicas.endpoint_id')
        .select(['endpoint_replicas.endpoint_id', 'endpoint_replicas.url', 'endpoint_replicas.healthy']);
      // Rows of an endpoint that no longer exists at all belong to no region: every leader may drop them.
      if (region !== undefined) query = query.where((eb) => eb.or([eb('dedicated_endpoints.region', '=', region), eb('dedicated_endpoints.id', 'is', null)]));
      const rows = await query.orderBy('endpoint_replicas.endpoint_id').orderBy('endpoint_replicas.url').execute();
      const byEndpoint = new Map<string, ReplicaAddress[]>();
      for (const row of rows) {
        const list = byEndpoint.get(row.endpoint_id) ?? [];
        list.push({ url: row.url, healthy: Number(row.healthy) === 1 });
        byEndpoint.set(row.endpoint_id, list);
      }
      return byEndpoint;
    },

    /** Replicas of every endpoint, healthy and not (for metrics). */
    async countByHealth(): Promise<{ healthy: number; unhealthy: number }> {
      const rows = await db.selectFrom('endpoint_replicas').select(['healthy', (eb) => eb.fn.countAll<number | string>().as('count')]).groupBy('healthy').execute();
      const counts = { healthy: 0, unhealthy: 0 };
      for (const row of rows) counts[Number(row.healthy) === 1 ? 'healthy' : 'unhealthy'] += Number(row.count);
      return counts;
    },

    async clear(endpointId: string): Promise<void> {
      await db.deleteFrom('endpoint_replicas').where('endpoint_id', '=', endpointId).execute();
    },
  };
}

export type EndpointReplicasRepository = ReturnType<typeof endpointReplicasRepository>;
