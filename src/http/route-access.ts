import type { FastifyRequest } from 'fastify';
import type { Permission } from '../access/permissions.ts';
import { permissionOf, type UseCase } from '../services/use-cases.ts';
import { AuthenticationError } from '../services/errors.ts';
import type { Principal } from '../access/principal.ts';

/**
 * What every route declares: that it is public, that any signed-in principal may call it, or the use
 * case it calls, whose permission (from services/use-cases.ts, the one place it is written) is the one
 * the service checks. A test walks the route table and fails on a route without one.
 */
export type RouteAccess = { public: true } | { authenticated: true } | { useCase: UseCase; permission: Permission } | { worker: true } | { metrics: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export const PUBLIC: RouteAccess = { public: true };
export const AUTHENTICATED: RouteAccess = { authenticated: true };
/** Fine-tuning workers, with the shared TENANTRY_WORKER_TOKEN instead of a user's credentials. */
export const WORKER: RouteAccess = { worker: true };
/** The Prometheus scraper, with the metrics token (`metrics.token`, TENANTRY_METRICS_TOKEN). */
export const METRICS: RouteAccess = { metrics: true };
/** The route calls `useCase` and so needs its permission; named after the service method it calls. */
export const needs = (useCase: UseCase): RouteAccess => ({ useCase, permission: permissionOf(useCase) });

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthenticationError();
  return request.principal;
}
