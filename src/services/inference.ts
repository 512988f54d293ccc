import type { Limits } from '../gateway/rate-limiter.ts';
import type { ModelPermissionsRecord, RateLimitRecord } from '../store/gateway-settings.ts';
import type { JobRecord } from '../store/fine-tuning.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError } from './errors.ts';
import { isFineTunedModelId, type FineTunedModels } from './fine-tuning/fine-tuned-models.ts';
import { ALLOW_EVERYTHING, allowedByPolicy } from './model-policy.ts';
import type { AdapterLoader } from '../gateway/lora-adapters.ts';
import { GenerationalCache } from '../infra/generational-cache.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { ModelCatalogue } from './models.ts';
import { WrongRegionError, type EndpointService } from './endpoints.ts';
import type { RateLimitSettings, Region } from '../config.ts';
import type { GatewayTarget } from '../gateway/engine.ts';
import type { Principal } from '../access/principal.ts';

/** What `resolve` answers: the target the gateway engine forwards a call to. */
export type InferenceTarget = GatewayTarget;

interface ProjectGatewaySettings {
  permissions: ModelPermissionsRecord;
  limits: Map<string, Limits>;
}

/**
 * The decisions in front of a model call: may this principal call models in this project, which
 * upstream serves the model, does the project's model policy allow it, and under which limits. The
 * project's policy and limits are cached; changing them invalidates the cache on every instance.
 */
export function createInferenceService(deps: {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditLog;
  models: ModelCatalogue;
  bus: InvalidationBus;
  rateLimits: RateLimitSettings;
  endpoints: EndpointService;
  regions: Region[];
  servedRegion: string | undefined;
  fineTuned: FineTunedModels;
  adapterLoader: AdapterLoader;
}) {
  const { store, clock, authorizer, audit, models, bus } = deps;
  const { defaults, ceiling }: { defaults: Limits; ceiling: Limits } = deps.rateLimits;
  const settings = new GenerationalCache<ProjectGatewaySettings>(bus.maxStalenessMs);
  bus.subscribe((message) => {
    if (message.kind === 'project') settings.invalidate(message.id);
    else if (message.kind === 'everything') settings.clear();
  });

  const settingsOf = (projectId: string) =>
    settings.get(projectId, '', async () => {
      const [permissions, limits] = await Promise.all([store.gateway.modelPermissions(projectId), store.gateway.rateLimits(projectId)]);
      return { permissions: permissions ?? ALLOW_EVERYTHING, limits: new Map(limits.map((l) => [l.model, l])) };
    });

  // A succeeded job's model never changes, so what it was trained from is kept once found.
  const baseOfFineTuned = new Map<string, { base: string; job: JobRecord }>();

  async function fineTunedBase(projectId: string, model: string) {
    const key = `${projectId}\u0000${model}`;
    let found = baseOfFineTuned.get(key);
    if (!found) {
      const job = await deps.fineTuned.find(projectId, model);
      if (!job) return undefined;
      found = { base: job.model, job };
      baseOfFineTuned.set(key, found);
    }
    return found;
  }

  function limitsFor(project: ProjectGatewaySettings, model: string): Limits {
    return project.limits.get(model) ?? defaults;
  }

  /** Routing, region, model policy and limits of a model in a project whose caller is already authorized. */
  async function targetFor(organizationId: string, projectId: string, model: string): Promise<InferenceTarget> {
    const named = models.shared(model);
    const routed = named ? undefined : await deps.endpoints.route(projectId, model);
    // A fine-tuned model with no endpoint deployed from it is served by its base's upstream, if that can load adapters.
    const fineTuned = named || routed || !isFineTunedModelId(model) ? undefined : await fineTunedBase(projectId, model);
    if (!named && !routed && !fineTuned) throw new NotFoundError(`model "${model}"`, 'model');
    const adapterBase = fineTuned ? models.shared(fineTuned.base) : undefined;
    const shared = named ?? (adapterBase?.adapters === 'vllm' ? adapterBase : undefined);
    if (shared?.region && deps.servedRegion && shared.region !== deps.servedRegion) {
      throw new WrongRegionError(deps.regions.find((r) => r.id === shared.region) ?? { id: shared.region, inference_base_url: '' });
    }
    const policy = await settingsOf(projectId);
    if (!allowedByPolicy(policy.permissions, model)) {
      throw new PermissionDeniedError(`Project ${projectId} may not use the model ${model} (its model permissions refuse it).`, 'model_not_allowed');
    }
    const target = { organizationId, projectId, model, limits: limitsFor(policy, model) };
    if (routed) {
      // A replica serves its template's model by that model's name, and a fine-tuned adapter by the fine-tuned id.
      return { ...target, upstreamModel: routed.endpoint.model_name, upstream: { kind: 'endpoint', endpointId: routed.endpoint.id, acquire: routed.acquire } };
    }
    if (fineTuned) {
      if (!shared) {
        throw new ConflictError(
          `The fine-tuned model ${model} is not deployed: create a dedicated endpoint from it (POST /v1/dedicated_endpoints with model_name "${model}"), then call it.`,
          'model_not_deployed',
          'model',
        );
      }
      await deps.adapterLoader.ensureLoaded(shared.upstream, model, await deps.fineTuned.adapterFolder(fineTuned.job));
      const upstreamUrl = shared.upstream;
      return { ...target, upstreamModel: model, upstream: { kind: 'shared', url: upstreamUrl }, onUpstreamNotFound: () => deps.adapterLoader.forget(upstreamUrl, model) };
    }
    return { ...target, upstreamModel: model, upstream: { kind: 'shared', url: shared!.upstream } };
  }

  return {
    async resolve(principal: Principal, projectId: string, model: string): Promise<InferenceTarget> {
      const { project } = await authorizer.project(principal, projectId, 'inference.resolve');
      return targetFor(project.organization_id, projectId, model);
    },

    /**
     * The target of a batch's line, sent by the server on the batch's behalf: its creator was
     * authorized when the batch was created; routing and the model policy are those of now.
     */
    routeForBatch: (organizationId: string, projectId: string, model: string): Promise<InferenceTarget> => targetFor(organizationId, projectId, model),

    async modelPermissions(principal: Principal, projectId: string): Promise<ModelPermissionsRecord> {
      await authorizer.project(principal, projectId, 'inference.model_permissions');
      return (await settingsOf(projectId)).permissions;
    },

    async setModelPermissions(principal: Principal, projectId: string, input: { mode: 'allow_list' | 'deny_list'; model_ids: string[] }): Promise<ModelPermissionsRecord> {
      const { project } = await authorizer.project(principal, projectId, 'inference.set_model_permissions');
      authorizer.assertWritable(project);
      const value: ModelPermissionsRecord = { mode: input.mode, model_ids: [...new Set(input.model_ids)], updated_at: clock() };
      await audited(store, audit, actorOf(principal), {
        type: 'model_permissions.updated',
        organizationId: project.organization_id,
        projectId,
        resource: { type: 'project', id: projectId },
        data: { mode: value.mode, model_ids: value.model_ids },
      }, async (tx) => {
        await tx.gateway.setModelPermissions(projectId, value);
      });
      bus.publish({ kind: 'project', id: projectId });
      return value;
    },

    async rateLimits(principal: Principal, projectId: string): Promise<RateLimitRecord[]> {
      await authorizer.project(principal, projectId, 'inference.rate_limits');
      const project = await settingsOf(projectId);
      const names = new Set([...models.sharedIds(), ...project.limits.keys()]);
      return [...names].sort().map((model) => ({ model, ...limitsFor(project, model) }));
    },

    async setRateLimit(principal: Principal, projectId: string, model: string, input: Partial<Limits>): Promise<RateLimitRecord> {
      const { project } = await authorizer.project(principal, projectId, 'inference.set_rate_limit');
      authorizer.assertWritable(project);
      if (!models.shared(model)) throw new NotFoundError(`model "${model}"`, 'model');
      const current = limitsFor(await settingsOf(projectId), model);
      const next: RateLimitRecord = { model, ...current, ...input };
      for (const field of ['max_requests_per_1_minute', 'max_tokens_per_1_minute'] as const) {
        if (next[field] > ceiling[field]) throw new InvalidRequestError(`${field} may not exceed the operator's ceiling of ${ceiling[field]}.`, field, 'above_ceiling');
      }
      await audited(store, audit, actorOf(principal), {
        type: 'rate_limit.updated',
        organizationId: project.organization_id,
        projectId,
        resource: { type: 'rate_limit', id: `${projectId}:${model}` },
        data: { ...next },
      }, async (tx) => {
        await tx.gateway.setRateLimit(projectId, next, clock());
      });
      bus.publish({ kind: 'project', id: projectId });
      return next;
    },
  };
}

export type InferenceService = ReturnType<typeof createInferenceService>;
