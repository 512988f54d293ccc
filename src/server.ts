import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config.ts';
import { buildHttpApp } from './http/app.ts';
import { makePrivateDirectory } from './lib/private-files.ts';
import { systemClock, type Clock } from './infra/clock.ts';
import { createServices, type Services } from './services/index.ts';
import { localFileStorage } from './infra/file-storage.ts';
import { processProvisioner } from './gateway/provisioner/process-provisioner.ts';
import { Agent } from 'undici';
import { createGatewayEngine } from './gateway/engine.ts';
import { createRateLimiter } from './gateway/rate-limiter.ts';
import { UsageMeter } from './gateway/usage-meter.ts';
import { redisWindowCounter } from './gateway/redis-counter.ts';
import { createBudgetGuard } from './gateway/budget-guard.ts';
import { redisSpendCounter } from './gateway/redis-spend.ts';
import { httpWebhookSender } from './infra/webhook-sender.ts';
import type { ReplicaAddress } from './store/endpoint-replicas.ts';
import type { EndpointStatus } from './store/endpoints.ts';
import { createInvalidationBus } from './infra/invalidation.ts';
import { createMetrics, type Metrics } from './infra/metrics.ts';
import { registerSystemMetrics } from './infra/system-metrics.ts';
import { createLeaderElection } from './services/leader-election.ts';
import { BATCH_LOCK_CLASS, createLeaderLock } from './store/leader-lock.ts';
import { loggingNotifier } from './infra/notifier.ts';
import { smtpNotifier } from './infra/smtp-notifier.ts';
import { vllmAdapterLoader } from './gateway/lora-adapters.ts';
import { createPostgresRelay } from './store/notifications.ts';
import { migrate, openDatabase } from './store/database.ts';
import { createStore, type Store } from './store/store.ts';

export interface Tenantry {
  app: FastifyInstance;
  config: Config;
  services: Services;
  store: Store;
  /** The Prometheus registry behind GET /metrics: more gauges (the batch queue) register here. */
  metrics: Metrics;
  /** Flushes buffered writes, closes the server and the database. */
  close(): Promise<void>;
}

export interface TenantryOptions {
  clock?: Clock;
  logLevel?: string;
  /** Where log lines go; stdout by default. */
  logStream?: DestinationStream;
}

/** The server secret: TENANTRY_SECRET, or one generated once into the data folder and kept there. */
export function resolveSecret(config: Config): string {
  if (config.secret) return config.secret;
  const path = join(config.dataDir, 'secret');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    makePrivateDirectory(config.dataDir);
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return readFileSync(path, 'utf8').trim();
  }
}

export async function createTenantry(config: Config, options: TenantryOptions = {}): Promise<Tenantry> {
  // Before anything that makes spans: the database's queries are traced from the first. The SDK takes
  // seconds to load, so a server that does not trace never loads it.
  const tracing = config.tracing ? (await import('./infra/tracing.ts')).startTracing(config.tracing) : undefined;
  const handle = openDatabase(config.databaseUrl, { traceQueries: tracing !== undefined });
  await migrate(handle.db);
  const store = createStore(handle);
  const clock = options.clock ?? systemClock;
  let app: FastifyInstance | undefined;
  const logError = (message: string) => (error: unknown) => app?.log.error({ err: error }, message);
  // On PostgreSQL, cache invalidations travel to the other server instances with LISTEN/NOTIFY.
  const relay = handle.pool
    ? createPostgresRelay({
        connectionString: config.databaseUrl,
        pool: handle.pool,
        onMessage: (message) => bus.deliver(message),
        onError: logError('invalidation channel failed'),
        // Three probes within the staleness bound: a deaf listener is dropped after two of them.
        probeIntervalMs: Math.max(100, Math.floor(config.cacheMaxStalenessMs / 3)),
      })
    : undefined;
  // One process (SQLite) hears every invalidation it makes; only shared databases need the bound.
  const bus = createInvalidationBus(relay, relay ? config.cacheMaxStalenessMs : Number.POSITIVE_INFINITY);
  const redisCounter = config.redisUrl ? redisWindowCounter(config.redisUrl) : undefined;
  const rateLimiter = createRateLimiter({
    shared: redisCounter,
    policy: config.rateLimits.redisUnavailable,
    log: (level, message, fields) => app?.log[level](fields, message),
  });
  const metrics = createMetrics({ log: (message, fields) => app?.log.warn(fields, message) });
  registerSystemMetrics(metrics, { store, rateLimiter });
  const usageMeter = new UsageMeter((rows) => store.gateway.addUsage(rows), 1000, logError('background write failed'));
  // Hard budgets, in memory on the hot path; the services that load them are created below.
  let services: Services | undefined;
  const budgetGuard = createBudgetGuard({
    load: (organizationId, now) => services!.budgets.forGuard(organizationId, now),
    priceOf: (model) => config.prices.models.get(model),
    clock,
    maxStalenessMs: bus.maxStalenessMs,
    shared: config.redisUrl ? redisSpendCounter(config.redisUrl) : undefined,
    onThreshold: (reached) => services?.budgetAlerts.reached(reached),
    log: (level, message, fields) => app?.log[level](fields, message),
  });
  bus.subscribe((message) => {
    if (message.kind === 'budgets') budgetGuard.invalidate(message.id);
    else if (message.kind === 'everything') budgetGuard.clear();
  });
  // Keep-alive connections to the model servers, closed after the server.
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  const gateway = createGatewayEngine({
    dispatcher,
    limiter: rateLimiter,
    meter: usageMeter,
    budgets: budgetGuard,
    timeoutMs: config.upstreamTimeoutMs,
    clock: () => Math.floor(Date.now() / 1000),
    log: (level, message, fields) => app?.log[level](fields, message),
    observer: metrics.gateway,
  });
  // Start with shared counts when Redis answers soon; otherwise start degraded (the limiter said so).
  await redisCounter?.whenReady(2_000);
  // The provisioner reports replica health back to the endpoint service, created just below.
  let onEndpointStatus: (id: string, status: EndpointStatus) => void = () => {};
  let onEndpointReplicas: (id: string, replicas: ReplicaAddress[]) => void = () => {};
  const provisioner = processProvisioner({
    onStatus: (id, status) => onEndpointStatus(id, status),
    onReplicas: (id, replicas) => onEndpointReplicas(id, replicas),
    log: (message, fields) => app?.log.info(fields ?? {}, message),
    quietPeriodMs: config.provisioner.quietPeriodMs,
    scaleUpAfterMs: config.provisioner.scaleUpAfterMs,
  });
  // One instance among those sharing a PostgreSQL runs the provisioner; the lock is per served region.
  const election = createLeaderElection({
    lock: createLeaderLock(handle, { connectionString: config.databaseUrl, scope: `provisioner:${config.servedRegion ?? '*'}`, checkIntervalMs: config.provisioner.leaderRetryMs }),
    retryMs: config.provisioner.leaderRetryMs,
    onElected: async () => {
      const restored = await services!.endpoints.becomeLeader();
      app?.log.info({ endpoints: restored }, 'this instance runs the endpoint provisioner (its enabled endpoints are being brought back)');
    },
    onDeposed: () => services!.endpoints.stepDown(),
    log: (level, message, fields) => app?.log[level](fields ?? {}, message),
  });
  const batchElection = createLeaderElection({
    lock: createLeaderLock(handle, { connectionString: config.databaseUrl, scope: 'batches', checkIntervalMs: config.provisioner.leaderRetryMs, lockClass: BATCH_LOCK_CLASS }),
    retryMs: config.provisioner.leaderRetryMs,
    onElected: async () => {
      app?.log.info('this instance processes the batches');
      services!.batchProcessor.wake();
    },
    // Lines in flight finish; no new one starts once the lead is lost.
    onDeposed: async () => {},
    log: (level, message, fields) => app?.log[level](fields ?? {}, message),
    role: 'the batch processor',
  });
  await relay?.start();
  services = createServices({
    store,
    config,
    clock,
    secret: resolveSecret(config),
    notifier: config.smtp
      ? smtpNotifier(config.smtp, (error, what) => app?.log.error({ err: error }, `${what} could not be sent`))
      : loggingNotifier((message, fields) => app?.log.info(fields, message)),
    bus,
    fileStorage: localFileStorage(join(config.dataDir, 'files')),
    provisioner,
    rateLimiter,
    usageMeter,
    adapterLoader: vllmAdapterLoader({ timeoutMs: config.upstreamTimeoutMs }),
    leadership: election,
    gateway,
    batchLeadership: batchElection,
    logAt: (level, message, fields) => app?.log[level](fields, message),
    webhookSender: httpWebhookSender({ allowPrivateAddresses: config.webhooks.allowPrivateAddresses }),
    onError: logError('background write failed'),
    log: (message, fields) => app?.log.warn(fields, message),
  });
  app = await buildHttpApp({
    config,
    services,
    gateway,
    metrics,
    tracing: tracing !== undefined,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  if (redisCounter && !redisCounter.isReady()) {
    // Its first failure came before there was a logger to tell.
    app.log.warn({ policy: rateLimiter.health().policy }, 'rate-limit counters in Redis are unreachable at start: degraded until Redis answers');
  }
  const endpoints = services.endpoints;
  onEndpointStatus = (id, status) => void endpoints.recordStatus(id, status).catch(logError('endpoint status not recorded'));
  onEndpointReplicas = (id, replicas) => endpoints.recordReplicas(id, replicas);
  await election.start();
  await batchElection.start();
  services.batchProcessor.start();
  const resumed = await services.webhooks.resume();
  if (resumed > 0) app.log.info({ deliveries: resumed }, 'webhook deliveries left pending by an earlier run are tried again');
  const swept = await services.files.sweep();
  if (swept > 0) app.log.info({ removed: swept }, 'removed what interrupted uploads left on disk');
  if (!config.smtp) {
    app.log.warn('no SMTP is configured: email addresses given at signup are trusted without verification');
  }
  let closed = false;
  return {
    app,
    config,
    services: services!,
    store,
    metrics,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await services!.batchProcessor.close();
      await batchElection.close();
      await dispatcher.close();
      await endpoints.close();
      await election.close();
      services!.webhooks.close();
      await services!.flush();
      await budgetGuard.close();
      await redisCounter?.close();
      await bus.close();
      await store.close();
      await tracing?.shutdown();
    },
  };
}
