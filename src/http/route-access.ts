import type { FastifyRequest } from 'fastify';
import type { Permission } from '../access/permissions.ts';
import { AuthenticationError } from '../services/errors.ts';
import type { Principal } from '../services/principal.ts';

/**
 * What every route declares: that it is public, that any signed-in principal may call it, or the
 * permission its use case checks. A test walks the route table and fails on a route without one.
 */
export type RouteAccess = { public: true } | { authenticated: true } | { permission: Permission } | { worker: true };

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
export const needs = (permission: Permission): RouteAccess => ({ permission });

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthenticationError();
  return request.principal;
}
