import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError, PermissionDeniedError } from '../services/errors.ts';
import type { Principal } from '../access/principal.ts';
import type { Services } from '../services/index.ts';
import { API_KEY_PREFIX } from '../services/api-keys.ts';
import { SESSION_PREFIX } from '../services/sessions.ts';
import { safeEqual } from '../lib/secrets.ts';
import { authenticateScraper } from './metrics-token.ts';

export const SESSION_COOKIE = 'tenantry_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Establishes who is calling before anything else runs (API.md: credentials are checked first).
 * A bearer token is taken as is; a session cookie additionally needs the CSRF header on any change,
 * and an Origin, when the browser sends one, of this server itself.
 */
export function registerAuthentication(app: FastifyInstance, services: Services, options: { allowedOrigins: string[]; workerToken: string | undefined; metricsToken: string | undefined }): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('scimCaller', undefined);

  app.addHook('onRequest', async (request) => {
    // Unknown paths fall through to the 404 handler; public routes need no credentials. A route that
    // declares nothing is treated as needing credentials: forgetting a declaration fails closed.
    if (request.routeOptions.url === undefined) return;
    const access = request.routeOptions.config.access;
    if (access && 'public' in access) return;
    if (access && 'worker' in access) return authenticateWorker(request, options.workerToken);
    if (access && 'metrics' in access) return authenticateScraper(request, options.metricsToken);
    if (access && 'scim' in access) {
      request.scimCaller = await authenticateScim(request, services);
      return;
    }
    request.principal = await authenticate(request, services, options.allowedOrigins);
  });
}

async function authenticate(request: FastifyRequest, services: Services, allowedOrigins: string[]): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>".');
    return fromToken(match[1]!, services, request.ip);
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) throw new AuthenticationError('Sign in, or send an API key as "Authorization: Bearer <key>".', 'missing_credentials');
  const principal = await fromToken(cookie, services, request.ip);
  if (!SAFE_METHODS.has(request.method) && principal.credential.kind === 'session') {
    assertSameOrigin(request, allowedOrigins);
    const csrf = request.headers['x-csrf-token'];
    if (typeof csrf !== 'string' || !services.sessions.csrfMatches(principal.credential.sessionId, csrf)) {
      throw new PermissionDeniedError('A change made with the session cookie needs the X-CSRF-Token header.', 'csrf_failed');
    }
  }
  return principal;
}

async function fromToken(token: string, services: Services, ip: string): Promise<Principal> {
  if (token.startsWith(SESSION_PREFIX)) {
    const { session, user } = await services.sessions.authenticate(token);
    return { type: 'user', id: user.id, credential: { kind: 'session', sessionId: session.id }, ip };
  }
  if (token.startsWith(API_KEY_PREFIX)) return services.apiKeyAuthenticator.authenticate(token, ip);
  throw new AuthenticationError('The token is not a valid session token or API key.');
}

function authenticateWorker(request: FastifyRequest, workerToken: string | undefined): void {
  if (!workerToken) throw new AuthenticationError('This server accepts no workers: it was started without TENANTRY_WORKER_TOKEN.', 'workers_disabled');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match || !safeEqual(match[1]!, workerToken)) throw new AuthenticationError('The worker token is not valid.', 'invalid_worker_token');
}

/** Only the Authorization header: a SCIM token never travels in a cookie. */
function authenticateScim(request: FastifyRequest, services: Services) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new AuthenticationError('Send the organization\'s SCIM token as "Authorization: Bearer tnt_scim_...".', 'missing_credentials');
  return services.scimTokens.authenticate(match[1]!, request.ip);
}

function assertSameOrigin(request: FastifyRequest, allowedOrigins: string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const own = `${request.protocol}://${request.host}`;
  if (origin !== own && !allowedOrigins.includes(origin)) {
    throw new PermissionDeniedError('Cross-origin requests with the session cookie are refused.', 'cross_origin');
  }
}
