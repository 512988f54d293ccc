import type { ModelSetting } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { Authorizer } from './authorizer.ts';
import { NotFoundError } from './errors.ts';
import { ALLOW_EVERYTHING, allowedByPolicy } from './model-policy.ts';
import type { Principal } from '../access/principal.ts';

export interface SharedModel {
  id: string;
  upstream: string;
  region: string | undefined;
  fine_tunable: boolean;
  /** How the upstream loads this model's fine-tuned adapters on demand; undefined when it cannot. */
  adapters: 'vllm' | undefined;
}

export interface ModelEntry {
  id: string;
  created: number;
  owned_by: string;
  kind: 'shared' | 'fine_tuned' | 'dedicated_endpoint';
}

/**
 * The models a project may use: the deployment's shared models, the project's fine-tuned ones and its
 * dedicated endpoints' routing keys, less what the project's model permissions refuse. Every reader
 * of the project (viewers too) sees the same list: the filter is the project's policy, not the caller's
 * role. A fine-tuned model is listed once its job succeeded, as OpenAI lists it, even before it is
 * deployed: it is the name to deploy it by (see docs/api-notes.md).
 */
export function createModelCatalogue(deps: {
  store: Store;
  authorizer: Authorizer;
  models: ModelSetting[];
  routingKeys: (projectId: string) => Promise<Array<{ routing_key: string; created_at: number }>>;
}) {
  const shared: SharedModel[] = deps.models.map((m) => ({ id: m.id, upstream: m.upstream, region: m.region, fine_tunable: m.fine_tunable, adapters: m.adapters }));
  const sharedById = new Map(shared.map((m) => [m.id, m]));

  async function entries(principal: Principal, projectId: string, useCase: 'models.list' | 'models.get'): Promise<ModelEntry[]> {
    const { project } = await deps.authorizer.project(principal, projectId, useCase);
    const [fineTuned, endpoints, permissions] = await Promise.all([
      deps.store.fineTuning.fineTunedModels(projectId),
      deps.routingKeys(projectId),
      deps.store.gateway.modelPermissions(projectId),
    ]);
    const policy = permissions ?? ALLOW_EVERYTHING;
    const everything: ModelEntry[] = [
      ...shared.map((m) => ({ id: m.id, created: 0, owned_by: 'tenantry', kind: 'shared' as const })),
      ...fineTuned.map((m) => ({ id: m.model, created: m.created_at, owned_by: project.organization_id, kind: 'fine_tuned' as const })),
      ...endpoints.map((e) => ({ id: e.routing_key, created: e.created_at, owned_by: project.organization_id, kind: 'dedicated_endpoint' as const })),
    ];
    return everything.filter((m) => allowedByPolicy(policy, m.id));
  }

  return {
    shared: (id: string) => sharedById.get(id),
    sharedIds: () => shared.map((m) => m.id),
    list: (principal: Principal, projectId: string) => entries(principal, projectId, 'models.list'),
    async get(principal: Principal, projectId: string, modelId: string): Promise<ModelEntry> {
      const model = (await entries(principal, projectId, 'models.get')).find((m) => m.id === modelId);
      if (!model) throw new NotFoundError('model');
      return model;
    },
  };
}

export type ModelCatalogue = ReturnType<typeof createModelCatalogue>;
