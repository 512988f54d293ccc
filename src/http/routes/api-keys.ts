import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACCESS_LEVELS } from '../../access/key-permissions.ts';
import { MAX_ROTATION_GRACE_SECONDS, type IssuedKey } from '../../services/api-keys.ts';
import type { Services } from '../../services/index.ts';
import type { ApiKeyRecord } from '../../store/records.ts';
import { presentList } from '../presenters.ts';
import { needs, principalOf } from '../route-access.ts';
import { listOf, listQuery, name, orgParams, projectParams, refusals, unixSeconds } from '../schemas/common.ts';
import type { ApiKey, IssuedApiKey } from '../schemas/api-types.ts';
import { apiKeyObject, issuedApiKeyObject } from '../schemas/objects.ts';

const keyBody = {
  name,
  expires_at: unixSeconds.nullable().optional(),
  permissions: z
    .union([z.enum(['all', 'read_only']), z.record(z.string().min(1).max(100), z.enum(ACCESS_LEVELS))], {
      error: 'must be "all", "read_only", or a map of resource to "none", "read" or "write"',
    })
    .optional()
    .describe('all (default), read_only, or restricted: a map of resource (the part of a permission name before its first dot: files, fine_tuning, inference, models, ...) to none, read or write.'),
};

export function apiKeyRoutes(services: Services): FastifyPluginAsyncZod {
  const present = (key: ApiKeyRecord): ApiKey => ({
    id: key.id,
    object: 'api_key',
    name: key.name,
    redacted_value: key.redacted_value,
    owner: key.owner,
    created_by: key.created_by,
    scope: key.scope,
    permissions: key.permissions,
    created_at: key.created_at,
    expires_at: key.expires_at,
    last_used_at: services.apiKeyAuthenticator.lastUsed(key),
    revoked_at: key.revoked_at,
    creator_removed_at: key.creator_removed_at,
  });
  const presentIssued = (issued: IssuedKey): IssuedApiKey => ({ ...present(issued.key), key: issued.secret });

  return async (app) => {
    const tags = ['api keys'];
    const projectKeyParams = z.strictObject({ proj: z.string(), key: z.string() });
    const orgKeyParams = z.strictObject({ org: z.string(), key: z.string() });

    app.post(
      '/v1/projects/:proj/api_keys',
      {
        config: { access: needs('api_keys.create_for_project'), sensitive: true },
        schema: { tags, params: projectParams, body: z.strictObject({ ...keyBody, owner_id: z.string().min(1).optional() }), response: { 201: issuedApiKeyObject, ...refusals } },
      },
      async (request, reply) => reply.status(201).send(presentIssued(await services.apiKeys.createForProject(principalOf(request), request.params.proj, request.body))),
    );

    app.get(
      '/v1/projects/:proj/api_keys',
      {
        config: { access: needs('api_keys.list_for_project') },
        schema: { tags, description: 'Project admins see every key; others their own.', params: projectParams, querystring: listQuery, response: { 200: listOf(apiKeyObject), ...refusals } },
      },
      async (request) => presentList(await services.apiKeys.listForProject(principalOf(request), request.params.proj, request.query), present, (k) => k.id),
    );

    app.get(
      '/v1/projects/:proj/api_keys/:key',
      { config: { access: needs('api_keys.get_for_project') }, schema: { tags, params: projectKeyParams, response: { 200: apiKeyObject, ...refusals } } },
      async (request) => present(await services.apiKeys.getForProject(principalOf(request), request.params.proj, request.params.key)),
    );

    app.delete(
      '/v1/projects/:proj/api_keys/:key',
      { config: { access: needs('api_keys.revoke_for_project') }, schema: { tags, description: 'Revokes the key; answers it as it now is.', params: projectKeyParams, response: { 200: apiKeyObject, ...refusals } } },
      async (request) => present(await services.apiKeys.revokeForProject(principalOf(request), request.params.proj, request.params.key)),
    );

    app.post(
      '/v1/projects/:proj/api_keys/:key/rotate',
      {
        config: { access: needs('api_keys.rotate_for_project'), sensitive: true },
        schema: {
          tags,
          description: 'A new secret; the old one keeps working for grace_seconds.',
          params: projectKeyParams,
          body: z.strictObject({ grace_seconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional() }).optional(),
          response: { 200: issuedApiKeyObject, ...refusals },
        },
      },
      async (request) => presentIssued(await services.apiKeys.rotateForProject(principalOf(request), request.params.proj, request.params.key, request.body?.grace_seconds ?? 0)),
    );

    app.post(
      '/v1/organizations/:org/api_keys',
      {
        config: { access: needs('api_keys.create_for_organization'), sensitive: true },
        schema: { tags, params: orgParams, body: z.strictObject({ ...keyBody, owner_id: z.string().min(1) }), response: { 201: issuedApiKeyObject, ...refusals } },
      },
      async (request, reply) => reply.status(201).send(presentIssued(await services.apiKeys.createForOrganization(principalOf(request), request.params.org, request.body))),
    );

    app.get(
      '/v1/organizations/:org/api_keys',
      { config: { access: needs('api_keys.list_for_organization') }, schema: { tags, params: orgParams, querystring: listQuery, response: { 200: listOf(apiKeyObject), ...refusals } } },
      async (request) => presentList(await services.apiKeys.listForOrganization(principalOf(request), request.params.org, request.query), present, (k) => k.id),
    );

    app.delete(
      '/v1/organizations/:org/api_keys/:key',
      { config: { access: needs('api_keys.revoke_for_organization') }, schema: { tags, params: orgKeyParams, response: { 200: apiKeyObject, ...refusals } } },
      async (request) => present(await services.apiKeys.revokeForOrganization(principalOf(request), request.params.org, request.params.key)),
    );
  };
}
