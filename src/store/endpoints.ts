import { flag, type Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { DedicatedEndpointsTable } from './schema.ts';

export type EndpointStatus = 'provisioning' | 'running' | 'stopped' | 'failed' | 'deleting';

/** An endpoint as the services see it: its row with replica bounds as one object, flags as booleans. */
export type EndpointRecord = Omit<DedicatedEndpointsTable, 'min_replicas' | 'max_replicas' | 'enabled' | 'status' | 'deleted_at'> & {
  scaling: { min_replicas: number; max_replicas: number };
  enabled: boolean;
  status: EndpointStatus;
};

function toEndpoint(row: DedicatedEndpointsTable): EndpointRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    project_id: row.project_id,
    name: row.name,
    description: row.description,
    model_name: row.model_name,
    flavor_name: row.flavor_name,
    gpu_type: row.gpu_type,
    gpu_count: Number(row.gpu_count),
    region: row.region,
    scaling: { min_replicas: Number(row.min_replicas), max_replicas: Number(row.max_replicas) },
    enabled: row.enabled === 1,
    routing_key: row.routing_key,
    status: row.status as EndpointStatus,
    created_at: Number(row.created_at),
  };
}

export function endpointsRepository(db: Executor) {
  const live = () => db.selectFrom('dedicated_endpoints').selectAll().where('deleted_at', 'is', null);
  return {
    async insert(endpoint: EndpointRecord): Promise<void> {
      const { scaling, enabled, ...rest } = endpoint;
      await db
        .insertInto('dedicated_endpoints')
        .values({ ...rest, min_replicas: scaling.min_replicas, max_replicas: scaling.max_replicas, enabled: flag(enabled), deleted_at: null })
        .execute();
    },

    async find(projectId: string, id: string): Promise<EndpointRecord | undefined> {
      const row = await live().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
      return row && toEndpoint(row);
    },

    async findById(id: string): Promise<EndpointRecord | undefined> {
      const row = await live().where('id', '=', id).executeTakeFirst();
      return row && toEndpoint(row);
    },

    async findByRoutingKey(routingKey: string): Promise<EndpointRecord | undefined> {
      const row = await live().where('routing_key', '=', routingKey).executeTakeFirst();
      return row && toEndpoint(row);
    },

    /** The project's endpoints deployed from a model (a fine-tuned model's id), oldest first. */
    async deployedFrom(projectId: string, modelName: string): Promise<EndpointRecord[]> {
      const rows = await live().where('project_id', '=', projectId).where('model_name', '=', modelName).orderBy('created_at').orderBy('id').execute();
      return rows.map(toEndpoint);
    },

    async list(projectId: string, page: PageRequest): Promise<Page<EndpointRecord>> {
      let query = live().where('project_id', '=', projectId);
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'dedicated_endpoints', page.after, 'project_id', projectId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toEndpoint), page.limit);
    },

    /** Every endpoint that should have replicas: enabled and not deleted. */
    async enabled(): Promise<EndpointRecord[]> {
      const rows = await live().where('enabled', '=', 1).execute();
      return rows.map(toEndpoint);
    },

    async update(id: string, changes: Partial<Pick<EndpointRecord, 'name' | 'description' | 'enabled' | 'scaling' | 'status'>>): Promise<void> {
      const { scaling, enabled, ...rest } = changes;
      await db
        .updateTable('dedicated_endpoints')
        .set({
          ...rest,
          ...(scaling ? { min_replicas: scaling.min_replicas, max_replicas: scaling.max_replicas } : {}),
          ...(enabled !== undefined ? { enabled: flag(enabled) } : {}),
        })
        .where('id', '=', id)
        .execute();
    },

    async markDeleted(id: string, at: number): Promise<void> {
      await db.updateTable('dedicated_endpoints').set({ deleted_at: at, status: 'deleting', enabled: 0 }).where('id', '=', id).execute();
    },

    async existsInRegion(projectId: string, region: string): Promise<boolean> {
      const row = await live().select('id').where('project_id', '=', projectId).where('region', '=', region).executeTakeFirst();
      return row !== undefined;
    },

    async routingKeys(projectId: string): Promise<Array<{ routing_key: string; created_at: number }>> {
      const rows = await live().select(['routing_key', 'created_at']).where('project_id', '=', projectId).execute();
      return rows.map((r) => ({ routing_key: r.routing_key, created_at: Number(r.created_at) }));
    },
  };
}

export type EndpointsRepository = ReturnType<typeof endpointsRepository>;
