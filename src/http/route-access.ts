import type { FastifyRequest } from 'fastify';
import type { Permission } from '../access/permissions.ts';
import { permissionOf, type UseCase } from '../services/use-cases.ts';
import { AuthenticationError } from '../services/errors.ts';
import type { Principal } from '../access/principal.ts';
import type { ScimCaller } from '../services/scim/caller.ts';

/**
 * What every route declares: that it is public, that any signed-in principal may call it, or the use
 * case it calls, whose permission (from services/use-cases.ts, the one place it is written) is the one
 * the service checks. A test walks the route table and fails on a route without one.
 */
export type RouteAccess = { public: true } | { authenticated: true } | { useCase: UseCase; permission: Permission } | { worker: true } | { metrics: true } | { scim: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    /** On /scim routes: the identity provider, through its organization's SCIM token. */
    scimCaller: ScimCaller | undefined;
  }
}

export const PUBLIC: RouteAccess = { public: true };
export const AUTHENTICATED: RouteAccess = { authenticated: true };
/** Fine-tuning workers, with the shared TENANTRY_WORKER_TOKEN instead of a user's credentials. */
export const WORKER: RouteAccess = { worker: true };
/** The Prometheus scraper, with the metrics token (`metrics.token`, TENANTRY_METRICS_TOKEN). */
export const METRICS: RouteAccess = { metrics: true };
/**
 * An organization's identity provider, with one of that organization's SCIM tokens instead of a
 * principal's credentials; each SCIM use case then checks the token's organization is the path's.
 */
export const SCIM: RouteAccess = { scim: true };
/** The route calls `useCase` and so needs its permission; named after the service method it calls. */
export const needs = (useCase: UseCase): RouteAccess => ({ useCase, permission: permissionOf(useCase) });

export function scimCallerOf(request: FastifyRequest): ScimCaller {
  if (!request.scimCaller) throw new AuthenticationError();
  return request.scimCaller;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthenticationError();
  return request.principal;
}
