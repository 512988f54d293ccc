import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { createAccessService } from './access.ts';
import { createAccountService } from './accounts.ts';
import { createApiKeyAuthenticator } from './api-key-authenticator.ts';
import { createApiKeyService } from './api-keys.ts';
import { createAuditLog } from './audit.ts';
import { createDatasetService } from './datasets.ts';
import { createFileService } from './files/files-service.ts';
import { createFineTuningService } from './fine-tuning/jobs.ts';
import { createWorkerQueue } from './fine-tuning/worker-queue.ts';
import { createModelCatalogue } from './models.ts';
import { createFineTunedModels } from './fine-tuning/fine-tuned-models.ts';
import type { AdapterLoader } from '../gateway/lora-adapters.ts';
import { createInferenceService } from './inference.ts';
import { createEndpointService } from './endpoints.ts';
import type { Provisioner } from '../gateway/provisioner/provisioner.ts';
import { createUsageService } from './usage.ts';
import { createBatchService } from './batches/batches-service.ts';
import { createBatchProcessor } from './batches/batch-processor.ts';
import type { GatewayEngine } from '../gateway/engine.ts';
import type { RateLimiter } from '../gateway/rate-limiter.ts';
import type { UsageMeter } from '../gateway/usage-meter.ts';
import type { FileStorage } from '../infra/file-storage.ts';
import { createAuthorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { createGroupService } from './groups.ts';
import { createHealthCheck } from './health.ts';
import { createInvitationService } from './invitations.ts';
import { createMemberService } from './members.ts';
import type { Notifier } from '../infra/notifier.ts';
import { createOrganizationService } from './organizations.ts';
import { createProjectService } from './projects.ts';
import { createRegionCatalogue } from './regions.ts';
import { createRoleService } from './roles.ts';
import { createServiceAccountService } from './service-accounts.ts';
import { createScimTokenService } from './scim-tokens.ts';
import { createScimGate } from './scim/caller.ts';
import { createScimGroupService } from './scim/groups.ts';
import { createScimUserService } from './scim/users.ts';
import { createSessionService } from './sessions.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Leadership } from './leader-election.ts';
import type { OidcRelyingParty } from '../infra/oidc-relying-party.ts';
import type { TxtLookup } from '../infra/dns-txt.ts';
import { createSsoConnectionService } from './sso/connections.ts';
import { createSsoLoginService } from './sso/login.ts';
import type { WebhookSender } from '../infra/webhook-sender.ts';
import { createBudgetService } from './budgets.ts';
import { createBudgetAlerts } from './budget-alerts.ts';
import { createWebhookService } from './webhooks.ts';

/** Wires every use case to exactly the dependencies it needs. */
export function createServices(deps: {
  store: Store;
  config: Config;
  clock: Clock;
  secret: string;
  notifier: Notifier;
  bus: InvalidationBus;
  fileStorage: FileStorage;
  provisioner: Provisioner;
  /** Rate limits on the inference path (shared through Redis, or per instance). */
  rateLimiter: RateLimiter;
  /** Buffers the gateway's usage and writes it in batches; built with the gateway engine. */
  usageMeter: UsageMeter;
  /** Loads a fine-tuned model's adapter into the model server that serves its base model. */
  adapterLoader: AdapterLoader;
  /** Whether this instance runs the provisioner (one instance among those on one PostgreSQL). */
  leadership: Leadership;
  /** OpenID Connect towards organizations' identity providers (single sign-on). */
  relyingParty: OidcRelyingParty;
  /** DNS TXT lookups, for proving an SSO domain. */
  lookupTxt: TxtLookup;
  /** The inference path (admission and forwarding), which the batch processor sends each line through. */
  gateway: GatewayEngine;
  /** Whether this instance processes the batches (one instance among those on one PostgreSQL). */
  batchLeadership: Leadership;
  /** The server log at a chosen level, for background work. */
  logAt?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** POSTs the organizations' webhook deliveries (budget alerts). */
  webhookSender: WebhookSender;
  onError?: (error: unknown) => void;
  /** The server log, for what belongs there and not in an audit log. */
  log?: (message: string, fields: Record<string, unknown>) => void;
}) {
  const { store, config, clock, secret, bus } = deps;
  const authorizer = createAuthorizer(store, clock, bus);
  const regions = createRegionCatalogue(config.regions, config.defaultRegion);
  const audit = createAuditLog({ store, clock, secret, authorizer });
  const projects = createProjectService({ store, clock, authorizer, audit, regions });
  const datasets = createDatasetService({ store, clock, authorizer, audit, storage: deps.fileStorage });
  projects.registerRegionUsageCheck(datasets.regionInUse);
  const fineTuned = createFineTunedModels({ store, storage: deps.fileStorage, directory: join(config.dataDir, 'adapters') });
  const endpoints = createEndpointService({
    store,
    clock,
    authorizer,
    audit,
    bus,
    templates: config.templates,
    regions: config.regions,
    servedRegion: config.servedRegion,
    provisioner: deps.provisioner,
    fineTuned,
    leadership: deps.leadership,
    reconcileMs: config.provisioner.reconcileMs,
    ...(deps.onError ? { onBackgroundError: deps.onError } : {}),
    onError: (error, endpointId) => deps.log?.('a fine-tuned endpoint could not be deployed (its adapter not written out, or its status not recorded)', { endpoint: endpointId, error: (error as Error).message }),
  });
  projects.registerRegionUsageCheck(endpoints.regionInUse);
  const models = createModelCatalogue({ store, authorizer, models: config.models, routingKeys: endpoints.routingKeys });
  const maxFileBytes = config.maxFileBytes;
  const { usageMeter } = deps;
  const sessions = createSessionService({ store, clock, secret, bus, ...(deps.onError ? { onError: deps.onError } : {}) });
  const inference = createInferenceService({ store, clock, authorizer, audit, models, bus, rateLimits: config.rateLimits, endpoints, regions: config.regions, servedRegion: config.servedRegion, fineTuned, adapterLoader: deps.adapterLoader });
  const batchProcessor = createBatchProcessor({
    store,
    clock,
    storage: deps.fileStorage,
    audit,
    route: inference.routeForBatch,
    gateway: deps.gateway,
    settings: config.batches,
    leadership: deps.batchLeadership,
    log: deps.logAt ?? (() => {}),
  });
  const priceOf = (model: string) => config.prices.models.get(model);
  const replicaHourPriceOf = (model: string) => config.prices.endpoints.get(model) ?? config.prices.endpointDefaultPerReplicaHour;
  const reportError = deps.onError ?? (() => {});
  const webhooks = createWebhookService({ store, clock, authorizer, audit, secret, send: deps.webhookSender, settings: config.webhooks, onError: reportError });
  const apiKeyAuthenticator = createApiKeyAuthenticator({ store, clock, authorizer, bus, ...(deps.onError ? { onError: deps.onError } : {}) });
  const enterScim = createScimGate({ store, audit });
  return {
    authorizer,
    regions,
    sessions,
    audit,
    apiKeyAuthenticator,
    apiKeys: createApiKeyService({ store, clock, authorizer, audit, bus }),
    serviceAccounts: createServiceAccountService({ store, clock, authorizer, audit, bus }),
    files: createFileService({ store, clock, authorizer, audit, storage: deps.fileStorage, maxBytes: maxFileBytes }),
    accounts: createAccountService({
      store,
      clock,
      sessions,
      authorizer,
      audit,
      notifier: deps.notifier,
      consoleUrl: config.consoleUrl,
      limits: config.auth,
      defaultRegion: config.defaultRegion,
      logUnknownLogin: (ip) => deps.log?.('failed login for an unknown email', { ip }),
    }),
    organizations: createOrganizationService({ store, clock, authorizer, audit, defaultRegion: config.defaultRegion }),
    projects,
    datasets,
    models,
    fineTuning: createFineTuningService({ store, clock, authorizer, audit, models }),
    workerQueue: createWorkerQueue({ store, clock, audit, storage: deps.fileStorage, maxBytes: maxFileBytes }),
    endpoints,
    inference,
    batches: createBatchService({ store, clock, authorizer, audit, storage: deps.fileStorage, inference, maxRequests: config.batches.maxRequests, onChange: () => batchProcessor.wake() }),
    /** Sends the batches' lines; started and closed by the composition root. */
    batchProcessor,
    usage: createUsageService({ store, clock, authorizer, flush: () => usageMeter.flush(), priceOf, replicaHourPriceOf }),
    budgets: createBudgetService({ store, clock, authorizer, audit, bus, priceOf, flush: () => usageMeter.flush() }),
    webhooks,
    budgetAlerts: createBudgetAlerts({ store, clock, notifier: deps.notifier, webhooks, consoleUrl: config.consoleUrl, onError: reportError }),
    /** For /healthz: the database and the limiter's state (the gateway engine itself is built in the composition root). */
    health: createHealthCheck({ store, limiter: deps.rateLimiter }),
    groups: createGroupService({ store, clock, authorizer, audit }),
    roles: createRoleService({ store, clock, authorizer, audit }),
    members: createMemberService({ store, clock, authorizer, audit, bus }),
    access: createAccessService({ store, clock, authorizer }),
    ssoConnections: createSsoConnectionService({ store, clock, authorizer, audit, secret, settings: config.sso, lookupTxt: deps.lookupTxt }),
    ssoLogin: createSsoLoginService({
      store,
      clock,
      audit,
      authorizer,
      sessions,
      relyingParty: deps.relyingParty,
      secret,
      settings: config.sso,
      consoleUrl: config.consoleUrl,
      defaultRegion: config.defaultRegion,
      log: (message, fields) => deps.log?.(message, fields),
    }),
    scimTokens: createScimTokenService({ store, clock, authorizer, audit }),
    /** SCIM 2.0 for each organization's identity provider; every use case takes the token's caller. */
    scimUsers: createScimUserService({ store, clock, audit, authorizer, bus, sessions, enter: enterScim }),
    scimGroups: createScimGroupService({ store, clock, audit, authorizer, enter: enterScim }),
    /** The discovery documents are the same for every organization; only the token's own may read them. */
    scimDiscovery: { reach: enterScim },
    invitations: createInvitationService({ store, clock, authorizer, audit, notifier: deps.notifier, consoleUrl: config.consoleUrl }),
    /** Writes what is buffered in memory; called on shutdown. */
    async flush(): Promise<void> {
      await Promise.all([sessions.flush(), apiKeyAuthenticator.flush(), usageMeter.flush()]);
    },
  };
}

export type Services = ReturnType<typeof createServices>;
