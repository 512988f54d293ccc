import type { Region } from '../config.ts';
import type { EndpointTemplate, Provisioner } from '../gateway/provisioner/provisioner.ts';
import { newId, randomBase62 } from '../lib/ids.ts';
import type { EndpointRecord, EndpointStatus } from '../store/endpoints.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from './clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';
import type { InvalidationBus } from './invalidation.ts';
import type { Principal } from './principal.ts';

export interface NewEndpointInput {
  name: string;
  description?: string | undefined;
  model_name: string;
  flavor_name: string;
  gpu_type: string;
  gpu_count?: number | undefined;
  region?: string | undefined;
  scaling?: { min_replicas: number; max_replicas: number } | undefined;
  enabled?: boolean | undefined;
}

export interface EndpointChanges {
  name?: string | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
  scaling?: { min_replicas: number; max_replicas: number } | undefined;
}

/** Where a request for a routing key must go, when this server does not serve its region. */
export class WrongRegionError extends InvalidRequestError {
  constructor(region: Region) {
    super(`This endpoint is served in region ${region.id}; send the request to ${region.inference_base_url}.`, 'model', 'wrong_region');
  }
}

/**
 * Dedicated endpoints (Nebius's shape): a project's own replicas of a template's model, in one of
 * the project's regions, reachable by their routing key. The provisioner runs the replicas; this
 * server provisions only the endpoints of the region it serves (all, without TENANTRY_REGION).
 */
export function createEndpointService(deps: {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditLog;
  bus: InvalidationBus;
  templates: EndpointTemplate[];
  regions: Region[];
  servedRegion: string | undefined;
  provisioner: Provisioner;
}) {
  const { store, clock, authorizer, audit, bus, provisioner } = deps;
  const regionById = new Map(deps.regions.map((r) => [r.id, r]));
  const templateOf = (endpoint: Pick<EndpointRecord, 'model_name' | 'flavor_name'>) =>
    deps.templates.find((t) => t.model_name === endpoint.model_name && t.flavor_name === endpoint.flavor_name);
  const servesRegion = (region: string) => deps.servedRegion === undefined || deps.servedRegion === region;
  const byRoutingKey = new Map<string, EndpointRecord | null>();
  bus.subscribe((message) => {
    if (message.kind === 'project' || message.kind === 'everything') byRoutingKey.clear();
  });

  function provision(endpoint: EndpointRecord): void {
    const template = templateOf(endpoint);
    if (template && servesRegion(endpoint.region)) provisioner.apply(endpoint, template);
  }

  function validateScaling(scaling: { min_replicas: number; max_replicas: number }): void {
    if (scaling.min_replicas > scaling.max_replicas) throw new InvalidRequestError('min_replicas must not exceed max_replicas.', 'scaling.min_replicas');
  }

  async function find(principal: Principal, projectId: string, id: string, permission: 'endpoints.read' | 'endpoints.write') {
    const { project } = await authorizer.project(principal, projectId, permission);
    const endpoint = await store.endpoints.find(projectId, id);
    if (!endpoint) throw new NotFoundError('dedicated endpoint');
    return { project, endpoint };
  }

  return {
    templates: () => deps.templates,
    inferenceBaseUrl: (region: string) => regionById.get(region)?.inference_base_url ?? '',

    async create(principal: Principal, projectId: string, input: NewEndpointInput): Promise<EndpointRecord> {
      const { project } = await authorizer.project(principal, projectId, 'endpoints.write');
      authorizer.assertWritable(project);
      const template = deps.templates.find((t) => t.model_name === input.model_name);
      if (!template) throw new InvalidRequestError(`No template serves the model "${input.model_name}"; see GET /v1/dedicated_endpoints/templates.`, 'model_name');
      if (!templateOf(input)) throw new InvalidRequestError(`The model has no flavor "${input.flavor_name}".`, 'flavor_name');
      if (!templateOf(input)!.gpu_types.includes(input.gpu_type)) {
        throw new InvalidRequestError(`gpu_type must be one of ${templateOf(input)!.gpu_types.join(', ')}.`, 'gpu_type');
      }
      const region = input.region ?? project.regions[0]!;
      if (!project.regions.includes(region)) throw new InvalidRequestError(`region must be one of the project's regions: ${project.regions.join(', ')}.`, 'region');
      const scaling = input.scaling ?? { min_replicas: 1, max_replicas: 1 };
      validateScaling(scaling);
      const slug = input.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'endpoint';
      const endpoint: EndpointRecord = {
        id: newId('ep_'),
        organization_id: project.organization_id,
        project_id: projectId,
        name: input.name,
        description: input.description ?? '',
        model_name: input.model_name,
        flavor_name: input.flavor_name,
        gpu_type: input.gpu_type,
        gpu_count: input.gpu_count ?? 1,
        region,
        scaling,
        enabled: input.enabled ?? true,
        routing_key: `${slug}-${randomBase62(8).toLowerCase()}`,
        status: input.enabled === false ? 'stopped' : 'provisioning',
        created_at: clock(),
      };
      await store.transaction(async (tx) => {
        await tx.endpoints.insert(endpoint);
        await audit.record(tx, actorOf(principal), {
          type: 'dedicated_endpoint.created',
          organizationId: endpoint.organization_id,
          projectId,
          resource: { type: 'dedicated_endpoint', id: endpoint.id },
          data: { name: endpoint.name, model_name: endpoint.model_name, region, routing_key: endpoint.routing_key },
        });
      });
      bus.publish({ kind: 'project', id: projectId });
      provision(endpoint);
      return endpoint;
    },

    async list(principal: Principal, projectId: string, page: PageRequest) {
      await authorizer.project(principal, projectId, 'endpoints.read');
      return store.endpoints.list(projectId, page);
    },

    async get(principal: Principal, projectId: string, id: string): Promise<EndpointRecord> {
      return (await find(principal, projectId, id, 'endpoints.read')).endpoint;
    },

    async update(principal: Principal, projectId: string, id: string, changes: EndpointChanges): Promise<EndpointRecord> {
      const { project, endpoint } = await find(principal, projectId, id, 'endpoints.write');
      authorizer.assertWritable(project);
      if (changes.scaling) validateScaling(changes.scaling);
      const next: EndpointRecord = {
        ...endpoint,
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.scaling ? { scaling: changes.scaling } : {}),
        ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      };
      if (changes.enabled === false) next.status = 'stopped';
      if (changes.enabled === true && !endpoint.enabled) next.status = 'provisioning';
      await store.transaction(async (tx) => {
        await tx.endpoints.update(id, { name: next.name, description: next.description, scaling: next.scaling, enabled: next.enabled, status: next.status });
        await audit.record(tx, actorOf(principal), {
          type: 'dedicated_endpoint.updated',
          organizationId: endpoint.organization_id,
          projectId,
          resource: { type: 'dedicated_endpoint', id },
          data: { ...changes },
        });
      });
      bus.publish({ kind: 'project', id: projectId });
      provision(next);
      return next;
    },

    async delete(principal: Principal, projectId: string, id: string): Promise<void> {
      const { project, endpoint } = await find(principal, projectId, id, 'endpoints.write');
      authorizer.assertWritable(project);
      await store.transaction(async (tx) => {
        await tx.endpoints.markDeleted(id, clock());
        await audit.record(tx, actorOf(principal), {
          type: 'dedicated_endpoint.deleted',
          organizationId: endpoint.organization_id,
          projectId,
          resource: { type: 'dedicated_endpoint', id },
          data: { name: endpoint.name, routing_key: endpoint.routing_key },
        });
      });
      bus.publish({ kind: 'project', id: projectId });
      await provisioner.remove(id);
    },

    /** After a restart, brings every enabled endpoint of the served region back. */
    async restoreAll(): Promise<number> {
      const endpoints = (await store.endpoints.enabled()).filter((e) => servesRegion(e.region));
      for (const endpoint of endpoints) provision(endpoint);
      return endpoints.length;
    },

    /** The provisioner reports replica health; the endpoint's status follows it. */
    async recordStatus(id: string, status: EndpointStatus): Promise<void> {
      const endpoint = await store.endpoints.findById(id);
      if (!endpoint || endpoint.status === status) return;
      await store.endpoints.update(id, { status });
      bus.publish({ kind: 'project', id: endpoint.project_id });
    },

    /** The endpoint a routing key names in this project, or undefined when it names none here. */
    async route(projectId: string, routingKey: string): Promise<{ endpoint: EndpointRecord; acquire: () => ReturnType<Provisioner['acquire']> } | undefined> {
      let endpoint = byRoutingKey.get(routingKey);
      if (endpoint === undefined) {
        endpoint = (await store.endpoints.findByRoutingKey(routingKey)) ?? null;
        byRoutingKey.set(routingKey, endpoint);
      }
      if (!endpoint || endpoint.project_id !== projectId) return undefined;
      if (!servesRegion(endpoint.region)) throw new WrongRegionError(regionById.get(endpoint.region)!);
      if (!endpoint.enabled) throw new ConflictError(`The endpoint ${endpoint.id} is disabled; enable it to call it.`, 'endpoint_disabled');
      const id = endpoint.id;
      return { endpoint, acquire: () => provisioner.acquire(id) };
    },

    routingKeys: (projectId: string) => store.endpoints.routingKeys(projectId),
    regionInUse: (projectId: string, region: string) => store.endpoints.existsInRegion(projectId, region),
    describe: (id: string) => provisioner.describe(id),
    close: () => provisioner.close(),
  };
}

export type EndpointService = ReturnType<typeof createEndpointService>;
