import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Deployment configuration: the environment plus the optional JSON file named by TENANTRY_CONFIG.
 * Every key of the file is optional and unknown keys are refused, so a typo stops the start instead of
 * being silently ignored.
 */

/** A metrics token shorter than this could be guessed: it is refused at start. */
const METRICS_TOKEN_MIN = 16;

const regionSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a region id is lowercase letters, digits and dashes'),
  inference_base_url: z.url(),
});

const ratePairSchema = z.strictObject({
  max_requests_per_1_minute: z.number().int().positive(),
  max_tokens_per_1_minute: z.number().int().positive(),
});

const fileSchema = z.strictObject({
  regions: z.array(regionSchema).min(1).optional(),
  default_region: z.string().optional(),
  models: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        upstream: z.url(),
        region: z.string().optional(),
        fine_tunable: z.boolean().optional(),
        /** The upstream loads fine-tuned adapters on demand: "vllm" (POST /v1/load_lora_adapter). */
        adapters: z.enum(['vllm']).optional(),
      }),
    )
    .optional(),
  templates: z
    .array(
      z.strictObject({
        model_name: z.string().min(1),
        flavor_name: z.string().min(1),
        gpu_types: z.array(z.string().min(1)).min(1),
        command: z.string().min(1),
        target_in_flight: z.number().int().positive().optional(),
      }),
    )
    .optional(),
  endpoints: z
    .strictObject({
      /** How long an endpoint must go without a request before a replica above its minimum is removed. */
      quiet_period_seconds: z.number().positive().optional(),
      /** How long in-flight requests per replica must stay above the target before a replica is added. */
      scale_up_after_seconds: z.number().positive().optional(),
      /** How often an instance that does not run the provisioner tries to take it over (and the leader checks its lock). */
      leader_retry_seconds: z.number().positive().max(300).optional(),
      /** How often the provisioner's leader compares what runs with the endpoints' records. */
      reconcile_seconds: z.number().positive().optional(),
    })
    .optional(),
  rate_limits: z
    .strictObject({
      max_requests_per_1_minute: z.number().int().positive().optional(),
      max_tokens_per_1_minute: z.number().int().positive().optional(),
      ceiling: ratePairSchema.optional(),
      /** While REDIS_URL's Redis is unreachable: count per instance, or refuse inference with 503. */
      redis_unavailable: z.enum(['fail_open', 'fail_closed']).optional(),
    })
    .optional(),
  files: z.strictObject({ max_bytes: z.number().int().positive().optional() }).optional(),
  batches: z
    .strictObject({
      /** Lines in flight at once, over all batches, on the instance that processes them. */
      concurrency: z.number().int().positive().max(1024).optional(),
      /** The part of a project's per-minute limits its batches may take; the rest is kept for interactive requests. */
      rate_limit_share: z.number().positive().max(1).optional(),
      /** How often the processor looks for new batches and cancellations. */
      poll_interval_seconds: z.number().positive().max(60).optional(),
      /** The most requests one batch may hold. */
      max_requests: z.number().int().positive().optional(),
    })
    .optional(),
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).optional(),
      secure: z.boolean().optional(),
      user: z.string().optional(),
      password: z.string().optional(),
      from: z.string().min(1).optional(),
    })
    .optional(),
  console_url: z.url().optional(),
  auth: z
    .strictObject({
      max_failed_logins_per_email: z.number().int().positive().optional(),
      max_failed_logins_per_ip: z.number().int().positive().optional(),
      max_signups_per_ip_per_hour: z.number().int().positive().optional(),
    })
    .optional(),
  trusted_proxies: z.array(z.string().min(1)).optional(),
  http: z
    .strictObject({
      /** Check every answer against its route's response schema (a mismatch is a 500 naming the field). */
      validate_responses: z.boolean().optional(),
    })
    .optional(),
  sso: z
    .strictObject({
      /** Domains the operator vouches for, each for one organization: verified there without further proof. */
      verified_domains: z.array(z.strictObject({ domain: z.string().min(1), organization_id: z.string().min(1) })).optional(),
      /** Accept http:// issuers (a provider on the same host in development); https only otherwise. */
      allow_http_issuers: z.boolean().optional(),
      /** How long a sign-in may take between leaving for the identity provider and coming back. */
      login_timeout_seconds: z.number().int().min(60).max(3600).optional(),
      /** The DNS servers that prove domains by their TXT record (host or host:port); the system's when absent. */
      dns_servers: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  prices: z
    .strictObject({
      /** What a shared or fine-tuned model's tokens cost, in USD per million; a model not named costs nothing. */
      models: z
        .array(
          z.strictObject({
            id: z.string().min(1),
            input_per_million_tokens: z.number().nonnegative().max(1_000_000),
            output_per_million_tokens: z.number().nonnegative().max(1_000_000),
          }),
        )
        .optional(),
      /** What one replica of a dedicated endpoint costs per hour it runs, in USD, by the endpoint's base model. */
      endpoints: z.array(z.strictObject({ model: z.string().min(1), per_replica_hour: z.number().nonnegative().max(1_000_000) })).optional(),
      /** The per-replica-hour price of an endpoint whose model `endpoints` does not name. */
      endpoint_default_per_replica_hour: z.number().nonnegative().max(1_000_000).optional(),
    })
    .optional(),
  webhooks: z
    .strictObject({
      /** How many times one alert is sent to a webhook that does not answer 2xx, the first try included. */
      max_attempts: z.number().int().min(1).max(20).optional(),
      /** The pause before the first retry; each next pause is twice the last. */
      first_retry_seconds: z.number().positive().max(3600).optional(),
      /** How long one delivery waits for the receiver's answer. */
      timeout_seconds: z.number().positive().max(60).optional(),
      /** Whether webhooks may point at loopback, private and link-local addresses (off: the operator's network is out of tenants' reach). */
      allow_private_addresses: z.boolean().optional(),
    })
    .optional(),
  cache: z
    .strictObject({
      /** The longest a cached key, session or membership may lag behind the database. */
      max_staleness_seconds: z.number().positive().max(3600).optional(),
    })
    .optional(),
  metrics: z
    .strictObject({
      /** The bearer token a Prometheus scraper sends to GET /metrics; without one /metrics answers 404. */
      token: z.string().min(METRICS_TOKEN_MIN, `a metrics token has at least ${METRICS_TOKEN_MIN} characters`).optional(),
    })
    .optional(),
  tracing: z
    .strictObject({
      /** The OTLP/HTTP traces URL of a collector (…/v1/traces); tracing is off without it. */
      otlp_endpoint: z.url().optional(),
      service_name: z.string().min(1).optional(),
      /** The share of traces kept, 0 to 1, decided where a trace starts (a caller's traceparent decides for its own). */
      sample_ratio: z.number().min(0).max(1).optional(),
      /** Headers sent with every export: a hosted collector's credentials. */
      headers: z.record(z.string().min(1), z.string()).optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof fileSchema>;

/** The file's schema, also walked by the check that docs/configuration.md documents every key. */
export { fileSchema as configFileSchema };

export interface Region {
  id: string;
  inference_base_url: string;
}

export interface AuthLimits {
  maxFailedLoginsPerEmail: number;
  maxFailedLoginsPerIp: number;
  maxSignupsPerIpPerHour: number;
}

export interface SsoSettings {
  /** Lower-case domains the operator vouches for, with the organization each belongs to. */
  verifiedDomains: Array<{ domain: string; organizationId: string }>;
  allowHttpIssuers: boolean;
  loginTimeoutSeconds: number;
  /** Empty: the system's resolvers. */
  dnsServers: string[];
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  dataDir: string;
  secret: string | undefined;
  /** Shared with the fine-tuning workers; without it the server refuses workers. */
  workerToken: string | undefined;
  /** How long the gateway waits for a model server, in milliseconds. */
  upstreamTimeoutMs: number;
  /** The one region whose inference this server serves (TENANTRY_REGION); all when unset. */
  servedRegion: string | undefined;
  /** Shared rate-limit counters; in memory when unset. */
  redisUrl: string | undefined;
  consoleUrl: string;
  regions: Region[];
  defaultRegion: string;
  auth: AuthLimits;
  trustedProxies: string[];
  sso: SsoSettings;
  /**
   * The bound on how stale an in-memory cache entry may be when an invalidation is lost: entries are
   * read again after this long, and a deaf invalidation listener is noticed well within it.
   */
  cacheMaxStalenessMs: number;
  /** The dedicated endpoints' provisioner: autoscaling and leader election timings. */
  provisioner: ProvisionerTimings;
  rateLimits: RateLimitSettings;
  /** One limit for every file stored: uploads and the workers' result files. */
  maxFileBytes: number;
  batches: BatchSettings;
  models: ModelSetting[];
  templates: TemplateSetting[];
  /** Where invitation and verification mail goes out; undefined: it is logged instead. */
  smtp: SmtpSettings | undefined;
  /**
   * Check each answer against its route's response schema before it is sent (`http.validate_responses`;
   * on unless NODE_ENV is `production`): a mismatch is a 500 naming the route and the field.
   */
  validateResponses: boolean;
  /** Token prices per model, for spend and budgets. */
  prices: PriceSettings;
  /** Delivery of budget alerts to the organizations' webhooks. */
  webhooks: WebhookSettings;
  /** The bearer token of GET /metrics (TENANTRY_METRICS_TOKEN, else `metrics.token`); /metrics is off without it. */
  metricsToken: string | undefined;
  /** OpenTelemetry traces exported over OTLP/HTTP; undefined: tracing is off. */
  tracing: TracingSettings | undefined;
  /** The file as read, for what has no resolved setting above. */
  file: ConfigFile;
}

/** The Batch API's processor. */
export interface BatchSettings {
  concurrency: number;
  /** 0..1: what part of each per-minute limit batch requests may use. */
  rateLimitShare: number;
  pollIntervalMs: number;
  maxRequests: number;
}

/** USD per million tokens, by the model id the caller names. */
export interface ModelPrice {
  input_per_million_tokens: number;
  output_per_million_tokens: number;
}

export interface PriceSettings {
  models: ReadonlyMap<string, ModelPrice>;
  /** USD per replica-hour of a dedicated endpoint, by its base model. */
  endpoints: ReadonlyMap<string, number>;
  /** USD per replica-hour of an endpoint whose model has no price of its own. */
  endpointDefaultPerReplicaHour: number;
}

export interface WebhookSettings {
  allowPrivateAddresses: boolean;
  maxAttempts: number;
  firstRetryMs: number;
  timeoutMs: number;
}

export interface TracingSettings {
  /** The collector's OTLP/HTTP traces URL. */
  otlpEndpoint: string;
  serviceName: string;
  sampleRatio: number;
  /** Sent with every export (a collector's credentials). */
  headers: Record<string, string>;
}

/** Requests and tokens per minute: a project's limit for one model. */
export interface RatePair {
  max_requests_per_1_minute: number;
  max_tokens_per_1_minute: number;
}

export interface RateLimitSettings {
  /** What a project gets for a model it has set no limit for. */
  defaults: RatePair;
  /** The most a project may set. */
  ceiling: RatePair;
  /** While REDIS_URL's Redis is unreachable: count per instance, or refuse inference with 503. */
  redisUnavailable: 'fail_open' | 'fail_closed';
}

/** A shared model, as the file names it, with its defaults filled in. */
export interface ModelSetting {
  id: string;
  upstream: string;
  /** The region whose upstream serves it; undefined: served wherever the gateway runs. */
  region: string | undefined;
  fine_tunable: boolean;
  adapters: 'vllm' | undefined;
}

/** A dedicated endpoint template, with its defaults filled in. */
export interface TemplateSetting {
  model_name: string;
  flavor_name: string;
  gpu_types: string[];
  command: string;
  target_in_flight: number;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
  from: string;
}

export interface ProvisionerTimings {
  quietPeriodMs: number;
  scaleUpAfterMs: number;
  leaderRetryMs: number;
  reconcileMs: number;
}

/** Raised for a bad setting; its message is the one line printed before the process exits. */
export class ConfigError extends Error {}

/**
 * Every default of the configuration file, in one place: what a setting is when the file does not
 * name it. docs/configuration.md documents each of them.
 */
export const DEFAULTS = {
  rateLimits: { max_requests_per_1_minute: 600, max_tokens_per_1_minute: 400_000 },
  rateLimitCeiling: { max_requests_per_1_minute: 100_000, max_tokens_per_1_minute: 100_000_000 },
  redisUnavailable: 'fail_open',
  maxFileBytes: 512 * 1024 * 1024,
  batches: { concurrency: 8, rate_limit_share: 0.5, poll_interval_seconds: 1, max_requests: 50_000 },
  targetInFlight: 8,
  smtpPort: 587,
  smtpSecure: false,
  smtpFrom: 'Tenantry <no-reply@localhost>',
  /** Answers are checked against their schemas in development and tests, not in production (NODE_ENV=production). */
  validateResponses: { production: false, otherwise: true },
  ssoAllowHttpIssuers: false,
  ssoLoginTimeoutSeconds: 600,
  // Replica-hours cost nothing unless priced: an operator who never set prices sees no surprise spend.
  endpointDefaultPerReplicaHour: 0,
  webhookMaxAttempts: 6,
  webhookFirstRetrySeconds: 10,
  webhookTimeoutSeconds: 10,
  tracingServiceName: 'tenantry',
  tracingSampleRatio: 1,
} as const;

const BUILT_IN_REGION_IDS = ['eu-north1', 'eu-west1', 'us-central1'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigFile = {}): Config {
  const file = { ...readConfigFile(env.TENANTRY_CONFIG), ...overrides };
  const port = parsePort(env.PORT);
  const dataDir = env.TENANTRY_DATA_DIR || './data';
  const databaseUrl = env.DATABASE_URL || `sqlite:${dataDir.replace(/\/$/, '')}/tenantry.db`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be sqlite:<path> or postgres://...');
  }
  const consoleUrl = (file.console_url ?? `http://localhost:${port}`).replace(/\/$/, '');
  const regions: Region[] =
    file.regions ?? BUILT_IN_REGION_IDS.map((id) => ({ id, inference_base_url: `${consoleUrl}/v1` }));
  const ids = new Set<string>();
  for (const region of regions) {
    if (ids.has(region.id)) throw new ConfigError(`TENANTRY_CONFIG: regions: duplicate region id "${region.id}"`);
    ids.add(region.id);
  }
  const defaultRegion = file.default_region ?? regions[0]!.id;
  if (!ids.has(defaultRegion)) {
    throw new ConfigError(`TENANTRY_CONFIG: default_region "${defaultRegion}" is not one of the configured regions`);
  }
  const servedRegion = env.TENANTRY_REGION || undefined;
  if (servedRegion && !ids.has(servedRegion)) throw new ConfigError(`TENANTRY_REGION "${servedRegion}" is not one of the configured regions`);
  const models = resolveModels(file.models ?? [], ids);
  const templates = resolveTemplates(file.templates ?? []);
  const metricsToken = env.TENANTRY_METRICS_TOKEN || file.metrics?.token;
  if (metricsToken !== undefined && metricsToken.length < METRICS_TOKEN_MIN) {
    throw new ConfigError(`the metrics token (TENANTRY_METRICS_TOKEN, or metrics.token) must have at least ${METRICS_TOKEN_MIN} characters`);
  }
  return {
    servedRegion,
    redisUrl: env.REDIS_URL || undefined,
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir,
    secret: env.TENANTRY_SECRET || undefined,
    workerToken: env.TENANTRY_WORKER_TOKEN || undefined,
    upstreamTimeoutMs: parsePositive(env.TENANTRY_UPSTREAM_TIMEOUT_MS, 'TENANTRY_UPSTREAM_TIMEOUT_MS', 120_000),
    consoleUrl,
    regions,
    defaultRegion,
    auth: {
      maxFailedLoginsPerEmail: file.auth?.max_failed_logins_per_email ?? 10,
      maxFailedLoginsPerIp: file.auth?.max_failed_logins_per_ip ?? 50,
      maxSignupsPerIpPerHour: file.auth?.max_signups_per_ip_per_hour ?? 20,
    },
    trustedProxies: file.trusted_proxies ?? [],
    sso: {
      verifiedDomains: (file.sso?.verified_domains ?? []).map((d) => ({ domain: d.domain.trim().toLowerCase(), organizationId: d.organization_id })),
      allowHttpIssuers: file.sso?.allow_http_issuers ?? DEFAULTS.ssoAllowHttpIssuers,
      loginTimeoutSeconds: file.sso?.login_timeout_seconds ?? DEFAULTS.ssoLoginTimeoutSeconds,
      dnsServers: file.sso?.dns_servers ?? [],
    },
    cacheMaxStalenessMs: Math.round((file.cache?.max_staleness_seconds ?? 30) * 1000),
    provisioner: {
      quietPeriodMs: Math.round((file.endpoints?.quiet_period_seconds ?? 60) * 1000),
      scaleUpAfterMs: Math.round((file.endpoints?.scale_up_after_seconds ?? 3) * 1000),
      leaderRetryMs: Math.round((file.endpoints?.leader_retry_seconds ?? 5) * 1000),
      reconcileMs: Math.round((file.endpoints?.reconcile_seconds ?? 30) * 1000),
    },
    rateLimits: {
      defaults: {
        max_requests_per_1_minute: file.rate_limits?.max_requests_per_1_minute ?? DEFAULTS.rateLimits.max_requests_per_1_minute,
        max_tokens_per_1_minute: file.rate_limits?.max_tokens_per_1_minute ?? DEFAULTS.rateLimits.max_tokens_per_1_minute,
      },
      ceiling: file.rate_limits?.ceiling ?? { ...DEFAULTS.rateLimitCeiling },
      redisUnavailable: file.rate_limits?.redis_unavailable ?? DEFAULTS.redisUnavailable,
    },
    maxFileBytes: file.files?.max_bytes ?? DEFAULTS.maxFileBytes,
    batches: {
      concurrency: file.batches?.concurrency ?? DEFAULTS.batches.concurrency,
      rateLimitShare: file.batches?.rate_limit_share ?? DEFAULTS.batches.rate_limit_share,
      pollIntervalMs: Math.round((file.batches?.poll_interval_seconds ?? DEFAULTS.batches.poll_interval_seconds) * 1000),
      maxRequests: file.batches?.max_requests ?? DEFAULTS.batches.max_requests,
    },
    prices: {
      models: resolvePrices(file.prices?.models ?? []),
      endpoints: resolveEndpointPrices(file.prices?.endpoints ?? [], templates),
      endpointDefaultPerReplicaHour: file.prices?.endpoint_default_per_replica_hour ?? DEFAULTS.endpointDefaultPerReplicaHour,
    },
    webhooks: {
      allowPrivateAddresses: file.webhooks?.allow_private_addresses ?? false,
      maxAttempts: file.webhooks?.max_attempts ?? DEFAULTS.webhookMaxAttempts,
      firstRetryMs: Math.round((file.webhooks?.first_retry_seconds ?? DEFAULTS.webhookFirstRetrySeconds) * 1000),
      timeoutMs: Math.round((file.webhooks?.timeout_seconds ?? DEFAULTS.webhookTimeoutSeconds) * 1000),
    },
    models,
    templates,
    smtp: file.smtp
      ? {
          host: file.smtp.host,
          port: file.smtp.port ?? DEFAULTS.smtpPort,
          secure: file.smtp.secure ?? DEFAULTS.smtpSecure,
          user: file.smtp.user,
          password: file.smtp.password,
          from: file.smtp.from ?? DEFAULTS.smtpFrom,
        }
      : undefined,
    validateResponses: file.http?.validate_responses ?? DEFAULTS.validateResponses[env.NODE_ENV === 'production' ? 'production' : 'otherwise'],
    metricsToken,
    tracing: file.tracing?.otlp_endpoint
      ? {
          otlpEndpoint: file.tracing.otlp_endpoint,
          serviceName: file.tracing.service_name ?? DEFAULTS.tracingServiceName,
          sampleRatio: file.tracing.sample_ratio ?? DEFAULTS.tracingSampleRatio,
          headers: file.tracing.headers ?? {},
        }
      : undefined,
    file,
  };
}

/** A model's region must be configured (or its requests would go nowhere); two models with one id would shadow each other. */
function resolveModels(models: NonNullable<ConfigFile['models']>, regionIds: ReadonlySet<string>): ModelSetting[] {
  const seen = new Set<string>();
  return models.map((model, index) => {
    if (seen.has(model.id)) throw new ConfigError(`TENANTRY_CONFIG: models.${index}.id: duplicate model id "${model.id}"`);
    seen.add(model.id);
    if (model.region !== undefined && !regionIds.has(model.region)) {
      throw new ConfigError(`TENANTRY_CONFIG: models.${index}.region: "${model.region}" is not one of the configured regions`);
    }
    return { id: model.id, upstream: model.upstream, region: model.region, fine_tunable: model.fine_tunable ?? false, adapters: model.adapters };
  });
}

/** Two prices for one model would leave which one counts to chance. */
function resolvePrices(prices: NonNullable<NonNullable<ConfigFile['prices']>['models']>): Map<string, ModelPrice> {
  const byModel = new Map<string, ModelPrice>();
  for (const [index, price] of prices.entries()) {
    if (byModel.has(price.id)) throw new ConfigError(`TENANTRY_CONFIG: prices.models.${index}.id: duplicate price for model "${price.id}"`);
    byModel.set(price.id, { input_per_million_tokens: price.input_per_million_tokens, output_per_million_tokens: price.output_per_million_tokens });
  }
  return byModel;
}

/**
 * A replica-hour price is for a model dedicated endpoints can run, so it must name a template's
 * model (a typo would otherwise leave that model at the default price unnoticed); two prices for one
 * model would leave which one counts to chance.
 */
function resolveEndpointPrices(prices: NonNullable<NonNullable<ConfigFile['prices']>['endpoints']>, templates: TemplateSetting[]): Map<string, number> {
  const byModel = new Map<string, number>();
  for (const [index, price] of prices.entries()) {
    if (byModel.has(price.model)) throw new ConfigError(`TENANTRY_CONFIG: prices.endpoints.${index}.model: duplicate price for model "${price.model}"`);
    if (!templates.some((t) => t.model_name === price.model)) {
      throw new ConfigError(`TENANTRY_CONFIG: prices.endpoints.${index}.model: "${price.model}" is not the model_name of any configured template`);
    }
    byModel.set(price.model, price.per_replica_hour);
  }
  return byModel;
}

/**
 * A template's model_name need not be a shared model of `models`: a dedicated endpoint runs its own
 * replicas, whose command loads the weights itself. Two templates for one model and flavor would
 * shadow each other, so they are refused.
 */
function resolveTemplates(templates: NonNullable<ConfigFile['templates']>): TemplateSetting[] {
  const seen = new Set<string>();
  return templates.map((template, index) => {
    const key = JSON.stringify([template.model_name, template.flavor_name]);
    if (seen.has(key)) {
      throw new ConfigError(`TENANTRY_CONFIG: templates.${index}.flavor_name: duplicate flavor "${template.flavor_name}" for model "${template.model_name}"`);
    }
    seen.add(key);
    return { ...template, target_in_flight: template.target_in_flight ?? DEFAULTS.targetInFlight };
  });
}

function readConfigFile(path: string | undefined): ConfigFile {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`TENANTRY_CONFIG: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`TENANTRY_CONFIG: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfigFile(json, path);
}

export function parseConfigFile(json: unknown, source = 'TENANTRY_CONFIG'): ConfigFile {
  const result = fileSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...keys.slice(0, 1)].join('.');
  const what = issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message;
  throw new ConfigError(`TENANTRY_CONFIG: ${path || '(root)'}: ${what} (in ${source})`);
}

function parsePositive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigError(`${name} must be a positive integer, not "${value}"`);
  return parsed;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535, not "${value}"`);
  }
  return port;
}
