import type { Region } from '../config.ts';
import type { AdapterSource, EndpointTemplate, Provisioner } from '../gateway/provisioner/provisioner.ts';
import { newId, randomBase62 } from '../lib/ids.ts';
import type { EndpointRecord, EndpointStatus } from '../store/endpoints.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from './clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';
import { isFineTunedModelId, type FineTunedModels } from './fine-tuning/fine-tuned-models.ts';
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

/** Whether a template's command can load a fine-tuned adapter (it names the `{adapter}` folder). */
export const loadsAdapters = (template: EndpointTemplate) => template.command.includes('{adapter}');

/**
 * Dedicated endpoints (Nebius's shape): a project's own replicas of a template's model, in one of
 * the project's regions, reachable by their routing key. The provisioner runs the replicas; this
 * server provisions only the endpoints of the region it serves (all, without TENANTRY_REGION).
 *
 * An endpoint may also be deployed from one of the project's fine-tuned models: it runs the base
 * model's template with the job's adapter written out to a local folder (`{adapter}`), and answers
 * both its routing key and the fine-tuned model's id.
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
  fineTuned: FineTunedModels;
  onError?: (error: unknown, endpointId: string) => void;
}) {
  const { store, clock, authorizer, audit, bus, provisioner, fineTuned } = deps;
  const regionById = new Map(deps.regions.map((r) => [r.id, r]));
  const templateFor = (baseModel: string, flavor: string) => deps.templates.find((t) => t.model_name === baseModel && t.flavor_name === flavor);
  const servesRegion = (region: string) => deps.servedRegion === undefined || deps.servedRegion === region;
  const byRoutingKey = new Map<string, EndpointRecord | null>();
  const byDeployedModel = new Map<string, EndpointRecord[]>();
  bus.subscribe((message) => {
    if (message.kind === 'project' || message.kind === 'everything') {
      byRoutingKey.clear();
      byDeployedModel.clear();
    }
  });

  /** An endpoint deployed from a fine-tuned model waits for its adapter; these keep its changes in order. */
  const pendingApplies = new Map<string, Promise<void>>();

  async function applyFineTuned(endpoint: EndpointRecord): Promise<void> {
    const job = await fineTuned.find(endpoint.project_id, endpoint.model_name);
    const template = job && templateFor(job.model, endpoint.flavor_name);
    if (!job || !template) return;
    const adapter: AdapterSource | undefined = endpoint.enabled ? { path: await fineTuned.adapterFolder(job), name: endpoint.model_name } : undefined;
    provisioner.apply(endpoint, template, adapter);
  }

  function provision(endpoint: EndpointRecord): void {
    if (!servesRegion(endpoint.region)) return;
    if (!isFineTunedModelId(endpoint.model_name)) {
      const template = templateFor(endpoint.model_name, endpoint.flavor_name);
      if (template) provisioner.apply(endpoint, template);
      return;
    }
    const previous = pendingApplies.get(endpoint.id) ?? Promise.resolve();
    const next = previous.then(() =>
      applyFineTuned(endpoint)
        .catch((error: unknown) => {
          // The adapter could not be written out (its files are gone, the disk is full): say so on the endpoint.
          deps.onError?.(error, endpoint.id);
          return recordStatus(endpoint.id, 'failed');
        })
        // Even that write can fail (the database is away): nobody waits on this chain to hear it.
        .catch((error: unknown) => deps.onError?.(error, endpoint.id)),
    );
    pendingApplies.set(endpoint.id, next);
    void next.finally(() => {
      if (pendingApplies.get(endpoint.id) === next) pendingApplies.delete(endpoint.id);
    });
  }

  async function recordStatus(id: string, status: EndpointStatus): Promise<void> {
    const endpoint = await store.endpoints.findById(id);
    if (!endpoint || endpoint.status === status) return;
    await store.endpoints.update(id, { status });
    bus.publish({ kind: 'project', id: endpoint.project_id });
  }

  /** The template a new endpoint runs, and the fine-tuned model it is deployed from, if any. */
  async function templateForNew(projectId: string, input: NewEndpointInput): Promise<EndpointTemplate> {
    const fineTunedFrom = isFineTunedModelId(input.model_name) ? await fineTuned.find(projectId, input.model_name) : undefined;
    if (isFineTunedModelId(input.model_name) && !fineTunedFrom) {
      throw new InvalidRequestError(`"${input.model_name}" is not a fine-tuned model of this project from a job that succeeded.`, 'model_name');
    }
    const baseModel = fineTunedFrom?.model ?? input.model_name;
    const flavors = deps.templates.filter((t) => t.model_name === baseModel);
    if (flavors.length === 0) throw new InvalidRequestError(`No template serves the model "${baseModel}"; see GET /v1/dedicated_endpoints/templates.`, 'model_name');
    const template = templateFor(baseModel, input.flavor_name);
    if (!template) throw new InvalidRequestError(`The model has no flavor "${input.flavor_name}".`, 'flavor_name');
    if (fineTunedFrom && !loadsAdapters(template)) {
      const param = flavors.some(loadsAdapters) ? 'flavor_name' : 'model_name';
      throw new InvalidRequestError(
        `The template for ${baseModel} (flavor "${input.flavor_name}") cannot load a fine-tuned adapter (its command has no {adapter}); ${param === 'flavor_name' ? `use a flavor that can: ${flavors.filter(loadsAdapters).map((t) => t.flavor_name).join(', ')}` : 'ask the operator for a template that can'}.`,
        param,
        'adapters_not_supported',
      );
    }
    if (!fineTunedFrom && loadsAdapters(template)) {
      throw new InvalidRequestError(`The flavor "${input.flavor_name}" serves fine-tuned models only; deploy a model "ft:..." with it, or pick another flavor.`, 'flavor_name');
    }
    if (!template.gpu_types.includes(input.gpu_type)) throw new InvalidRequestError(`gpu_type must be one of ${template.gpu_types.join(', ')}.`, 'gpu_type');
    return template;
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
      await templateForNew(projectId, input);
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
      await pendingApplies.get(id);
      await provisioner.remove(id);
    },

    /** After a restart, brings every enabled endpoint of the served region back. */
    async restoreAll(): Promise<number> {
      const endpoints = (await store.endpoints.enabled()).filter((e) => servesRegion(e.region));
      for (const endpoint of endpoints) provision(endpoint);
      return endpoints.length;
    },

    /** The provisioner reports replica health; the endpoint's status follows it. */
    recordStatus,

    /**
     * The endpoint a model name routes to in this project: the endpoint whose routing key it is, or one
     * deployed from it (a fine-tuned model's id; a running one first). Undefined when it names none here.
     */
    async route(projectId: string, model: string): Promise<{ endpoint: EndpointRecord; acquire: () => ReturnType<Provisioner['acquire']> } | undefined> {
      let endpoint = byRoutingKey.get(model);
      if (endpoint === undefined) {
        endpoint = (await store.endpoints.findByRoutingKey(model)) ?? null;
        byRoutingKey.set(model, endpoint);
      }
      if ((!endpoint || endpoint.project_id !== projectId) && isFineTunedModelId(model)) {
        const key = `${projectId}\u0000${model}`;
        let deployed = byDeployedModel.get(key);
        if (!deployed) {
          deployed = await store.endpoints.deployedFrom(projectId, model);
          byDeployedModel.set(key, deployed);
        }
        const here = deployed.filter((e) => servesRegion(e.region));
        endpoint = here.find((e) => e.enabled && e.status === 'running') ?? here.find((e) => e.enabled) ?? here[0] ?? deployed[0] ?? null;
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
