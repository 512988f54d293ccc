import { flag, type Executor } from './executor.ts';

/** One replica's lifetime within a window asked; `ended_at` null while it runs. */
export interface ReplicaInterval {
  endpoint_id: string;
  project_id: string;
  model: string;
  started_at: number;
  ended_at: number | null;
}

export interface ReplicaAddress {
  url: string;
  healthy: boolean;
}

/** Where dedicated endpoints' replicas answer: written by the provisioner's leader, read by every instance. */
export function endpointReplicasRepository(db: Executor) {
  async function closeIntervals(endpointId: string, urls: string[], at: number): Promise<void> {
    if (urls.length === 0) return;
    const open = db.updateTable('replica_intervals').where('endpoint_id', '=', endpointId).where('url', 'in', urls).where('ended_at', 'is', null);
    // A replica gone within the second it came cost nothing; its row would block a return at that instant.
    await db.deleteFrom('replica_intervals').where('endpoint_id', '=', endpointId).where('url', 'in', urls).where('ended_at', 'is', null).where('started_at', '>=', at).execute();
    await open.set({ ended_at: at }).execute();
  }

  /** An endpoint no longer stored has nobody to charge: its replicas are being taken down. */
  async function openIntervals(endpointId: string, urls: string[], at: number): Promise<void> {
    if (urls.length === 0) return;
    const endpoint = await db.selectFrom('dedicated_endpoints').select(['organization_id', 'project_id', 'model_name']).where('id', '=', endpointId).executeTakeFirst();
    if (!endpoint) return;
    await db
      .insertInto('replica_intervals')
      .values(urls.map((url) => ({ endpoint_id: endpointId, url, organization_id: endpoint.organization_id, project_id: endpoint.project_id, model: endpoint.model_name, started_at: at, ended_at: null })))
      .execute();
  }

  return {
    /** Replica lifetimes of an organization or a project that overlap [start, end). */
    async intervals(scope: { organizationId: string } | { projectId: string }, start: number, end: number): Promise<ReplicaInterval[]> {
      let query = db
        .selectFrom('replica_intervals')
        .select(['endpoint_id', 'project_id', 'model', 'started_at', 'ended_at'])
        .where('started_at', '<', end)
        .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', start)]));
      query = 'organizationId' in scope ? query.where('organization_id', '=', scope.organizationId) : query.where('project_id', '=', scope.projectId);
      const rows = await query.orderBy('endpoint_id').orderBy('started_at').execute();
      return rows.map((r) => ({ ...r, started_at: Number(r.started_at), ended_at: r.ended_at === null ? null : Number(r.ended_at) }));
    },


    /**
     * Replaces what is known of one endpoint's replicas (call inside a transaction), closing the
     * lifetime of each replica gone and opening one for each new, so spend follows the rows.
     */
    async replace(endpointId: string, replicas: ReplicaAddress[], at: number): Promise<void> {
      const before = await db.selectFrom('endpoint_replicas').select('url').where('endpoint_id', '=', endpointId).execute();
      const gone = before.map((r) => r.url).filter((url) => !replicas.some((r) => r.url === url));
      const added = replicas.map((r) => r.url).filter((url) => !before.some((r) => r.url === url));
      await closeIntervals(endpointId, gone, at);
      await openIntervals(endpointId, added, at);
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

    async clear(endpointId: string, at: number): Promise<void> {
      const before = await db.selectFrom('endpoint_replicas').select('url').where('endpoint_id', '=', endpointId).execute();
      await closeIntervals(endpointId, before.map((r) => r.url), at);
      await db.deleteFrom('endpoint_replicas').where('endpoint_id', '=', endpointId).execute();
    },
  };
}

export type EndpointReplicasRepository = ReturnType<typeof endpointReplicasRepository>;
