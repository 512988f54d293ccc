import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import type { GatewayEngine } from '../gateway/engine.ts';
import type { Services } from '../services/index.ts';
import { registerAuthentication } from './authenticate.ts';
import { handleClientError, handleError, handleFrameworkError, notFoundHandler } from './errors.ts';
import { checkingSerializer, plainSerializer } from './response-check.ts';
import { PUBLIC, type RouteAccess } from './route-access.ts';
import { scimAwareErrors, scimAwareFrameworkErrors, scimAwareNotFound } from './scim-errors.ts';
import { DOCS_CSP, registerResponseHeaders } from './response-headers.ts';
import { registerShutdownRefusal } from './shutdown.ts';
import { registerUnreadBodyRelease } from './unread-body.ts';
import { registerUnsafeTextRefusal } from './unsafe-text.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditRoutes } from './routes/audit.ts';
import { consoleRoutes } from './routes/console.ts';
import { authRoutes } from './routes/auth.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { fileRoutes } from './routes/files.ts';
import { fineTuningRoutes } from './routes/fine-tuning.ts';
import { batchRoutes } from './routes/batches.ts';
import { modelRoutes } from './routes/models.ts';
import { inferenceRoutes } from './routes/inference.ts';
import { limitsAndUsageRoutes } from './routes/limits-usage.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { budgetRoutes } from './routes/budgets.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { workerRoutes } from './routes/workers.ts';
import { groupRoutes } from './routes/groups.ts';
import { roleRoutes } from './routes/roles.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { metaRoutes } from './routes/meta.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { projectRoutes } from './routes/projects.ts';
import { serviceAccountRoutes } from './routes/service-accounts.ts';
import { ssoRoutes } from './routes/sso.ts';
import { scimRoutes } from './routes/scim.ts';
import { scimTokenRoutes } from './routes/scim-tokens.ts';
import { metricsRoutes, type Scrape } from './routes/metrics.ts';
import { registerRequestMetrics, type RequestObserver } from './request-metrics.ts';
import { registerRequestTracing, traceFields } from './request-tracing.ts';

export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  /** The response schemas it declares, by status; read by the test that every route has one for its success. */
  responses: Record<string, unknown> | undefined;
  /** Left out of the OpenAPI document (the health check, the document itself, the docs pages). */
  hidden: boolean;
}

export interface HttpOptions {
  config: Config;
  services: Services;
  /** The inference path past the inference service's decisions. */
  gateway: GatewayEngine;
  /** Request counts and latencies go to `requests`; GET /metrics answers what `scrape` reads. */
  metrics: { requests: RequestObserver; scrape: Scrape };
  /** A span per request, and the trace id on log lines (tracing was started by the composition root). */
  tracing?: boolean;
  logLevel?: string;
  /** Where log lines go; stdout by default (tests capture them). */
  logStream?: DestinationStream;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered, with what it declares; read by the route-table test. */
    routeTable: RouteEntry[];
  }
}

export async function buildHttpApp(options: HttpOptions): Promise<FastifyInstance> {
  const { config, services } = options;
  const app = Fastify({
    logger: {
      level: options.logLevel ?? process.env.LOG_LEVEL ?? 'info',
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
      // A line written while a request is answered names its trace (and so its spans).
      ...(options.tracing ? { mixin: traceFields } : {}),
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Request lines are not logged one by one: the hot path stays cheap; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (a measurable share of a request's CPU); error logs name the request id.
    childLoggerFactory: (logger) => logger,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    bodyLimit: 1024 * 1024,
    // Path parameters are ids and URL-encoded model ids (`ft:<base>:<org>:<suffix>:<job>`), well under this.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: scimAwareFrameworkErrors(handleFrameworkError),
    clientErrorHandler: handleClientError,
    // Refused by registerShutdownRefusal instead, in the error shape.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('routeTable', [] as RouteEntry[]);
  const routedMethods = new Set<string>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Read lazily: hooks of encapsulated plugins (the docs) complete the declaration after this one.
    for (const method of methods) {
      routedMethods.add(method);
      app.routeTable.push({
        method,
        url: route.url,
        get access() { return route.config?.access; },
        get responses() { return route.schema?.response as Record<string, unknown> | undefined; },
        get hidden() { return route.schema?.hide === true; },
      });
    }
  });
  // For a 405's Allow header: the methods some route answers on this path.
  const routesOn = (method: string, path: string): boolean => {
    try {
      return app.findRoute({ method: method as 'GET', url: path }) !== null;
    } catch {
      return false; // a path the router cannot read has no route under any method
    }
  };
  const allowedMethods = (path: string) => [...routedMethods].filter((method) => routesOn(method, path));

  app.setValidatorCompiler(validatorCompiler);
  // Answers are built by presenters typed from the response schemas; outside production each answer is
  // also checked against its schema before it is sent (response-check.ts).
  app.setSerializerCompiler(config.validateResponses ? checkingSerializer : plainSerializer);
  app.setErrorHandler(scimAwareErrors(handleError));
  app.setNotFoundHandler(scimAwareNotFound(notFoundHandler(allowedMethods), allowedMethods));
  // First: every request is counted and traced, those refused by the hooks below included.
  registerRequestMetrics(app, options.metrics.requests);
  if (options.tracing) registerRequestTracing(app);
  registerShutdownRefusal(app);
  registerUnsafeTextRefusal(app);
  registerResponseHeaders(app);
  registerUnreadBodyRelease(app);

  await app.register(cookie);
  await app.register(multipart);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tenantry API', version: '1', description: 'Organizations, projects, groups and access for an AI platform.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(async (docs) => {
    // The documentation pages are public like the document they render.
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: PUBLIC };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP });
  });

  registerAuthentication(app, services, { allowedOrigins: [new URL(config.consoleUrl).origin], workerToken: config.workerToken, metricsToken: config.metricsToken });

  await app.register(metaRoutes(services));
  await app.register(metricsRoutes(options.metrics.scrape));
  await app.register(authRoutes(services));
  await app.register(ssoRoutes(services));
  await app.register(organizationRoutes(services));
  await app.register(projectRoutes(services));
  await app.register(groupRoutes(services));
  await app.register(roleRoutes(services));
  await app.register(invitationRoutes(services));
  await app.register(auditRoutes(services));
  await app.register(serviceAccountRoutes(services));
  await app.register(apiKeyRoutes(services));
  await app.register(fileRoutes(services));
  await app.register(datasetRoutes(services));
  await app.register(fineTuningRoutes(services));
  await app.register(batchRoutes(services));
  await app.register(modelRoutes(services));
  await app.register(workerRoutes(services));
  await app.register(limitsAndUsageRoutes(services));
  await app.register(endpointRoutes(services));
  await app.register(budgetRoutes(services));
  await app.register(webhookRoutes(services));
  await app.register(inferenceRoutes(services, options.gateway));
  await app.register(scimTokenRoutes(services));
  await app.register(scimRoutes(services));
  await app.register(consoleRoutes());
  return app;
}
