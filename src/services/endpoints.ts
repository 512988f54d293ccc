import type { Region } from '../config.ts';
import type { AdapterSource, EndpointTemplate, Provisioner } from '../gateway/provisioner/provisioner.ts';
import { newId, randomBase62 } from '../lib/ids.ts';
import type { ReplicaAddress } from '../store/endpoint-replicas.ts';
import type { EndpointRecord, EndpointStatus } from '../store/endpoints.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';
import { isFineTunedModelId, type FineTunedModels } from './fine-tuning/fine-tuned-models.ts';
import { createReplicaDirectory } from './endpoint-replicas.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Leadership } from './leader-election.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

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
 *
 * With several server instances on one PostgreSQL, only the elected leader (see leader-election.ts)
 * runs replicas. Any instance writes an endpoint's record and announces `{kind: 'endpoint'}`; the
 * leader hears it and makes the replicas match, and compares all records with what runs every
 * `reconcileMs` in case an announcement was lost. The leader records where the replicas answer
 * (endpoint-replicas.ts); the other instances route there.
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
  leadership: Leadership;
  /** How often the leader compares the endpoints' records with what runs. */
  reconcileMs: number;
  onError?: (error: unknown, endpointId: string) => void;
  /** A background write or reconcile that failed; it is tried again later. */
  onBackgroundError?: (error: unknown) => void;
}) {
  const { store, clock, authorizer, audit, bus, provisioner, fineTuned, leadership } = deps;
  const backgroundError = (error: unknown) => deps.onBackgroundError?.(error);
  const replicas = createReplicaDirectory({ store, clock, bus, isLeader: () => leadership.isLeader(), onError: backgroundError });
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
    if (!leadership.isLeader()) return;
    if (message.kind === 'endpoint') void sync(message.id);
    // Announcements may have been missed: compare everything now rather than at the next round.
    else if (message.kind === 'everything') void reconcile().catch(backgroundError);
  });

  /** Each endpoint's provisioning steps, one at a time and in order (a fine-tuned one waits for its adapter). */
  const queues = new Map<string, Promise<void>>();
  function serially(id: string, work: () => Promise<void>): Promise<void> {
    const next = (queues.get(id) ?? Promise.resolve()).then(work).catch(backgroundError);
    queues.set(id, next);
    void next.finally(() => {
      if (queues.get(id) === next) queues.delete(id);
    });
    return next;
  }

  /** What the provisioner was last asked to run for each endpoint, to notice a record that changed since. */
  const applied = new Map<string, string>();
  const signatureOf = (e: EndpointRecord) => JSON.stringify([e.enabled, e.scaling.min_replicas, e.scaling.max_replicas, e.model_name, e.flavor_name]);

  async function applyFineTuned(endpoint: EndpointRecord): Promise<void> {
    const job = await fineTuned.find(endpoint.project_id, endpoint.model_name);
    const template = job && templateFor(job.model, endpoint.flavor_name);
    if (!job || !template) return;
    const adapter: AdapterSource | undefined = endpoint.enabled ? { path: await fineTuned.adapterFolder(job), name: endpoint.model_name } : undefined;
    if (leadership.isLeader()) provisioner.apply(endpoint, template, adapter);
  }

  /** Hands one endpoint's record to the provisioner (the leader only; the caller keeps the order). */
  async function provisionNow(endpoint: EndpointRecord): Promise<void> {
    if (!leadership.isLeader() || !servesRegion(endpoint.region)) return;
    applied.set(endpoint.id, signatureOf(endpoint));
    if (!isFineTunedModelId(endpoint.model_name)) {
      const template = templateFor(endpoint.model_name, endpoint.flavor_name);
      if (template) provisioner.apply(endpoint, template);
      return;
    }
    await applyFineTuned(endpoint).catch((error: unknown) => {
      // The adapter could not be written out (its files are gone, the disk is full): say so on the endpoint.
      deps.onError?.(error, endpoint.id);
      return recordStatus(endpoint.id, 'failed');
    });
  }

  /** Leader: reads one endpoint's record and makes its replicas match it (none once it is deleted). */
  function sync(id: string): Promise<void> {
    return serially(id, async () => {
      if (!leadership.isLeader()) return;
      const endpoint = await store.endpoints.findById(id);
      if (endpoint && servesRegion(endpoint.region)) return provisionNow(endpoint);
      applied.delete(id);
      await provisioner.remove(id);
    });
  }

  /** Leader: the safety net for a lost announcement, and the cleanup of rows a previous leader left. */
  async function reconcile(): Promise<void> {
    if (!leadership.isLeader()) return;
    const wanted = (await store.endpoints.enabled()).filter((e) => servesRegion(e.region));
    const wantedIds = new Set(wanted.map((e) => e.id));
    for (const endpoint of wanted) if (applied.get(endpoint.id) !== signatureOf(endpoint)) void sync(endpoint.id);
    for (const id of provisioner.running()) {
      // Kept stopped (disabled) is what its record said; anything else not wanted is read again.
      if (!wantedIds.has(id) && !applied.get(id)?.startsWith('[false,')) void sync(id);
    }
    await replicas.reconcile(deps.servedRegion, provisioner.running(), (id) => provisioner.describe(id)?.addresses ?? []);
  }

  let reconciler: NodeJS.Timeout | undefined;
  function stopReconciling(): void {
    if (reconciler) clearInterval(reconciler);
    reconciler = undefined;
  }

  /** Says that an endpoint's record changed: the leader (this instance or another) acts on it. */
  function announce(endpoint: EndpointRecord): void {
    bus.publish({ kind: 'project', id: endpoint.project_id });
    bus.publish({ kind: 'endpoint', id: endpoint.id });
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

  async function find(principal: Principal, projectId: string, id: string, useCase: 'endpoints.get' | 'endpoints.update' | 'endpoints.delete') {
    const { project } = await authorizer.project(principal, projectId, useCase);
    const endpoint = await store.endpoints.find(projectId, id);
    if (!endpoint) throw new NotFoundError('dedicated endpoint');
    return { project, endpoint };
  }

  return {
    templates: () => deps.templates,
    inferenceBaseUrl: (region: string) => regionById.get(region)?.inference_base_url ?? '',

    async create(principal: Principal, projectId: string, input: NewEndpointInput): Promise<EndpointRecord> {
      const { project } = await authorizer.project(principal, projectId, 'endpoints.create');
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
      await audited(store, audit, actorOf(principal), {
        type: 'dedicated_endpoint.created',
        organizationId: endpoint.organization_id,
        projectId,
        resource: { type: 'dedicated_endpoint', id: endpoint.id },
        data: { name: endpoint.name, model_name: endpoint.model_name, region, routing_key: endpoint.routing_key },
      }, async (tx) => {
        await tx.endpoints.insert(endpoint);
      });
      announce(endpoint);
      return endpoint;
    },

    async list(principal: Principal, projectId: string, page: PageRequest) {
      await authorizer.project(principal, projectId, 'endpoints.list');
      return listing(store.endpoints.list(projectId, page));
    },

    async get(principal: Principal, projectId: string, id: string): Promise<EndpointRecord> {
      return (await find(principal, projectId, id, 'endpoints.get')).endpoint;
    },

    async update(principal: Principal, projectId: string, id: string, changes: EndpointChanges): Promise<EndpointRecord> {
      const { project, endpoint } = await find(principal, projectId, id, 'endpoints.update');
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
      await audited(store, audit, actorOf(principal), {
        type: 'dedicated_endpoint.updated',
        organizationId: endpoint.organization_id,
        projectId,
        resource: { type: 'dedicated_endpoint', id },
        data: { ...changes },
      }, async (tx) => {
        await tx.endpoints.update(id, { name: next.name, description: next.description, scaling: next.scaling, enabled: next.enabled, status: next.status });
      });
      announce(next);
      return next;
    },

    async delete(principal: Principal, projectId: string, id: string): Promise<void> {
      const { project, endpoint } = await find(principal, projectId, id, 'endpoints.delete');
      authorizer.assertWritable(project);
      await audited(store, audit, actorOf(principal), {
        type: 'dedicated_endpoint.deleted',
        organizationId: endpoint.organization_id,
        projectId,
        resource: { type: 'dedicated_endpoint', id },
        data: { name: endpoint.name, routing_key: endpoint.routing_key },
      }, async (tx) => {
        await tx.endpoints.markDeleted(id, clock());
      });
      announce(endpoint);
      // On the leader, the replicas are gone when the answer goes out.
      await queues.get(id);
    },

    /**
     * This instance was elected to run the provisioner (at start, or when the leader died): brings
     * every enabled endpoint of the served region back, and drops the replica rows its predecessor
     * left, and starts the periodic reconcile.
     */
    async becomeLeader(): Promise<number> {
      replicas.forget();
      // First, so that if the reads below fail (the database is away), a later round restores what they could not.
      stopReconciling();
      reconciler = setInterval(() => void reconcile().catch(backgroundError), deps.reconcileMs);
      reconciler.unref();
      const endpoints = (await store.endpoints.enabled()).filter((e) => servesRegion(e.region));
      for (const endpoint of endpoints) void serially(endpoint.id, () => provisionNow(endpoint));
      await replicas.reconcile(deps.servedRegion, provisioner.running(), (id) => provisioner.describe(id)?.addresses ?? []);
      return endpoints.length;
    },

    /** The lock was lost: another instance may run the replicas now, so this one stops its own. */
    async stepDown(): Promise<void> {
      stopReconciling();
      replicas.forget();
      applied.clear();
      await Promise.all(provisioner.running().map((id) => provisioner.remove(id)));
    },

    /** The provisioner reports replica health; the endpoint's status follows it. */
    recordStatus,

    /** The provisioner reports where an endpoint's replicas answer; the other instances route there. */
    recordReplicas(id: string, addresses: ReplicaAddress[]): void {
      void replicas.record(id, addresses);
    },

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
      if (leadership.isLeader()) return { endpoint, acquire: () => provisioner.acquire(id) };
      return { endpoint, acquire: await replicas.lessor(id) };
    },

    routingKeys: (projectId: string) => store.endpoints.routingKeys(projectId),
    regionInUse: (projectId: string, region: string) => store.endpoints.existsInRegion(projectId, region),
    describe: (id: string) => provisioner.describe(id),

    /** Graceful stop: the leader says its replicas are gone before stopping them. */
    async close(): Promise<void> {
      stopReconciling();
      if (leadership.isLeader()) await Promise.all(provisioner.running().map((id) => replicas.record(id, [])));
      await provisioner.close();
    },
  };
}

export type EndpointService = ReturnType<typeof createEndpointService>;
