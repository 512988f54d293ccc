import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import { dnsChallenge } from '../../services/sso/domains.ts';
import { ServiceError } from '../../services/errors.ts';
import type { SsoConnectionRecord, SsoGroupMappingRecord } from '../../store/records.ts';
import { presentDeleted, presentList, presentUser } from '../presenters.ts';
import { needs, principalOf, PUBLIC } from '../route-access.ts';
import { errorResponse, listOf, listQuery, orgParams, refusals } from '../schemas/common.ts';
import { loginAnswer } from '../schemas/accounts.ts';
import { deletionOf } from '../schemas/envelopes.ts';
import type { SsoConnection, SsoGroupMapping } from '../schemas/api-types.ts';
import {
  connectionCreateBody,
  connectionUpdateBody,
  mappingCreateBody,
  ssoCallbackQuery,
  ssoConnectionObject,
  ssoGroupMappingObject,
  ssoStartQuery,
  ssoTokenBody,
} from '../schemas/sso.ts';
import { setSessionCookie } from './auth.ts';

/** The browser that started a sign-in holds its state here; the callback must come back to the same browser. */
export const SSO_STATE_COOKIE = 'tenantry_sso_state';
const SSO_COOKIE_PATH = '/v1/auth/sso';

const connectionParams = z.strictObject({ org: z.string(), conn: z.string() });
const mappingParams = z.strictObject({ org: z.string(), conn: z.string(), mapping: z.string() });

function presentConnection(connection: SsoConnectionRecord, redirectUri: string): SsoConnection {
  return {
    id: connection.id,
    object: 'sso_connection',
    organization_id: connection.organization_id,
    name: connection.name,
    issuer: connection.issuer,
    client_id: connection.client_id,
    client_secret_set: connection.client_secret_sealed !== null,
    redirect_uri: redirectUri,
    domains: connection.domains.map((d) => ({
      domain: d.domain,
      verified: d.verified_at !== null,
      verified_at: d.verified_at,
      verification_method: d.verified_by as 'operator' | 'admin_email' | 'dns' | null,
      verification: dnsChallenge(d.domain, d.verification_token),
    })),
    default_group_ids: connection.default_group_ids,
    enforced: connection.enforced,
    created_at: connection.created_at,
    updated_at: connection.updated_at,
  };
}

const presentMapping = (mapping: SsoGroupMappingRecord): SsoGroupMapping => ({
  id: mapping.id,
  object: 'sso_group_mapping',
  connection_id: mapping.connection_id,
  idp_group: mapping.idp_group,
  group_id: mapping.group_id,
  created_at: mapping.created_at,
});

function clearStateCookie(reply: FastifyReply): void {
  reply.clearCookie(SSO_STATE_COOKIE, { path: SSO_COOKIE_PATH });
}

export function ssoRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['single sign-on'];
    const base = '/v1/organizations/:org/sso_connections';
    const present = (connection: SsoConnectionRecord) => presentConnection(connection, services.ssoLogin.redirectUri);

    app.post(
      base,
      { config: { access: needs('sso_connections.create') }, schema: { tags, params: orgParams, body: connectionCreateBody, response: { 201: ssoConnectionObject, ...refusals } } },
      async (request, reply) => {
        const { name, ...rest } = request.body;
        const input = { ...rest, name: name ?? hostOf(rest.issuer) };
        return reply.status(201).send(present(await services.ssoConnections.create(principalOf(request), request.params.org, input)));
      },
    );

    app.get(
      base,
      { config: { access: needs('sso_connections.list') }, schema: { tags, params: orgParams, querystring: listQuery, response: { 200: listOf(ssoConnectionObject), ...refusals } } },
      async (request) => presentList(await services.ssoConnections.list(principalOf(request), request.params.org, request.query), present, (c) => c.id),
    );

    app.get(
      `${base}/:conn`,
      { config: { access: needs('sso_connections.get') }, schema: { tags, params: connectionParams, response: { 200: ssoConnectionObject, ...refusals } } },
      async (request) => present(await services.ssoConnections.get(principalOf(request), request.params.org, request.params.conn)),
    );

    app.patch(
      `${base}/:conn`,
      { config: { access: needs('sso_connections.update') }, schema: { tags, params: connectionParams, body: connectionUpdateBody, response: { 200: ssoConnectionObject, ...refusals } } },
      async (request) => present(await services.ssoConnections.update(principalOf(request), request.params.org, request.params.conn, request.body)),
    );

    app.delete(
      `${base}/:conn`,
      {
        config: { access: needs('sso_connections.delete') },
        schema: { tags, description: 'Deletes the connection with its domains and mappings; the memberships its mappings made stay as ordinary ones.', params: connectionParams, response: { 200: deletionOf('sso_connection'), ...refusals } },
      },
      async (request) => {
        await services.ssoConnections.delete(principalOf(request), request.params.org, request.params.conn);
        return presentDeleted(request.params.conn, 'sso_connection');
      },
    );

    app.post(
      `${base}/:conn/verify_domain`,
      {
        config: { access: needs('sso_connections.verify_domain') },
        schema: {
          tags,
          description:
            'Proves one of the connection\'s domains: listed for this organization in the operator\'s sso.verified_domains, the caller\'s own verified email in it, or its TXT record published. 409 domain_not_verified otherwise; 409 domain_taken when another connection has it.',
          params: connectionParams,
          body: z.strictObject({ domain: z.string().trim().min(1).max(253) }),
          response: { 200: ssoConnectionObject, ...refusals },
        },
      },
      async (request) => present(await services.ssoConnections.verifyDomain(principalOf(request), request.params.org, request.params.conn, request.body.domain)),
    );

    app.post(
      `${base}/:conn/group_mappings`,
      { config: { access: needs('sso_connections.create_mapping') }, schema: { tags, params: connectionParams, body: mappingCreateBody, response: { 201: ssoGroupMappingObject, ...refusals } } },
      async (request, reply) => reply.status(201).send(presentMapping(await services.ssoConnections.createMapping(principalOf(request), request.params.org, request.params.conn, request.body))),
    );

    app.get(
      `${base}/:conn/group_mappings`,
      { config: { access: needs('sso_connections.list_mappings') }, schema: { tags, params: connectionParams, querystring: listQuery, response: { 200: listOf(ssoGroupMappingObject), ...refusals } } },
      async (request) => presentList(await services.ssoConnections.listMappings(principalOf(request), request.params.org, request.params.conn, request.query), presentMapping, (m) => m.id),
    );

    app.get(
      `${base}/:conn/group_mappings/:mapping`,
      { config: { access: needs('sso_connections.get_mapping') }, schema: { tags, params: mappingParams, response: { 200: ssoGroupMappingObject, ...refusals } } },
      async (request) => presentMapping(await services.ssoConnections.getMapping(principalOf(request), request.params.org, request.params.conn, request.params.mapping)),
    );

    app.delete(
      `${base}/:conn/group_mappings/:mapping`,
      {
        config: { access: needs('sso_connections.delete_mapping') },
        schema: { tags, description: 'Later sign-ins add no one through it; the memberships it made go at each person\'s next sign-in.', params: mappingParams, response: { 200: deletionOf('sso_group_mapping'), ...refusals } },
      },
      async (request) => {
        await services.ssoConnections.deleteMapping(principalOf(request), request.params.org, request.params.conn, request.params.mapping);
        return presentDeleted(request.params.mapping, 'sso_group_mapping');
      },
    );

    app.get(
      '/v1/auth/sso/start',
      {
        config: { access: PUBLIC, sensitive: true },
        schema: {
          tags,
          description: 'Finds the SSO connection by the email\'s domain and redirects (302) to its identity provider; format=json answers the URL instead.',
          querystring: ssoStartQuery,
          response: { 200: z.object({ object: z.literal('sso.authorization'), authorization_url: z.string() }), 302: z.undefined(), 400: errorResponse, 404: errorResponse, 500: errorResponse },
        },
      },
      async (request, reply) => {
        const { email, return_to, code_challenge, format } = request.query;
        const started = await services.ssoLogin.start({ email, return_to, code_challenge }, request.ip);
        reply.setCookie(SSO_STATE_COOKIE, started.state, { path: SSO_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', maxAge: started.maxAgeSeconds });
        if (format === 'json') return { object: 'sso.authorization' as const, authorization_url: started.authorizationUrl };
        return reply.redirect(started.authorizationUrl, 302);
      },
    );

    app.get(
      '/v1/auth/sso/callback',
      {
        config: { access: PUBLIC, sensitive: true },
        schema: {
          tags,
          description:
            'Where the identity provider sends the browser back. Signs the person in with a session cookie and redirects to the console, or, for a sign-in the CLI started, redirects to its loopback URL with a one-time code.',
          querystring: ssoCallbackQuery,
          response: { 302: z.undefined(), 400: errorResponse, 401: errorResponse, 403: errorResponse, 500: errorResponse },
        },
      },
      async (request, reply) => {
        const query = Object.fromEntries(Object.entries(request.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
        let outcome;
        try {
          outcome = await services.ssoLogin.callback({ query, cookieState: request.cookies[SSO_STATE_COOKIE] }, request.ip);
        } catch (error) {
          clearStateCookie(reply);
          // A browser coming back from the provider gets the console's sign-in page with the reason, not JSON.
          if (error instanceof ServiceError && String(request.headers.accept ?? '').includes('text/html')) {
            const back = new URL(services.ssoLogin.loginPage);
            back.searchParams.set('sso_error', error.code ?? error.type);
            back.searchParams.set('sso_message', error.message);
            return reply.redirect(back.href, 302);
          }
          throw error;
        }
        clearStateCookie(reply);
        if (outcome.kind === 'session') setSessionCookie(request, reply, outcome.session_token);
        return reply.redirect(outcome.redirect, 302);
      },
    );

    app.post(
      '/v1/auth/sso/token',
      {
        config: { access: PUBLIC, sensitive: true },
        schema: {
          tags,
          description: 'The CLI exchanges the one-time code its loopback URL received, with the code_verifier of its code_challenge, for a session.',
          body: ssoTokenBody,
          response: { 200: loginAnswer, 400: errorResponse },
        },
      },
      async (request) => {
        const signedIn = await services.ssoLogin.exchange(request.body);
        return { user: presentUser(signedIn.user), session_token: signedIn.session_token, csrf_token: signedIn.csrf_token };
      },
    );
  };
}

function hostOf(issuer: string): string {
  try {
    return new URL(issuer).host || 'SSO';
  } catch {
    return 'SSO';
  }
}
