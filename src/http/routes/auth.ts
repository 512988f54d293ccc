import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AuthenticationError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import { SESSION_COOKIE } from '../authenticate.ts';
import { presentOrganization, presentProject, presentUser } from '../presenters.ts';
import { AUTHENTICATED, principalOf, PUBLIC } from '../route-access.ts';
import { errorResponse, name, refusals } from '../schemas/common.ts';
import { loginAnswer, meObject, sessionRevocationObject, signupAnswer } from '../schemas/accounts.ts';
import type { Login, Me, SessionRevocation, Signup } from '../schemas/api-types.ts';
import { userObject } from '../schemas/objects.ts';

const email = z.string().trim().max(320).pipe(z.email('must be an email address'));
const password = z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters');
const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}

export function authRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/auth/signup',
      {
        config: { access: PUBLIC, sensitive: true },
        schema: {
          tags: ['accounts'],
          body: z.strictObject({ email, password, name }),
          response: {
            201: signupAnswer,
            409: errorResponse,
            429: errorResponse,
          },
        },
      },
      async (request, reply) => {
        const result = await services.accounts.signup(request.body, request.ip);
        setSessionCookie(request, reply, result.session_token);
        const answer: Signup = {
          user: presentUser(result.user),
          session_token: result.session_token,
          csrf_token: result.csrf_token,
          organization: presentOrganization(result.organization),
          project: presentProject(result.project),
        };
        return reply.status(201).send(answer);
      },
    );

    app.post(
      '/v1/auth/login',
      {
        config: { access: PUBLIC, sensitive: true },
        schema: {
          tags: ['accounts'],
          body: z.strictObject({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(256) }),
          response: { 200: loginAnswer, 401: errorResponse, 429: errorResponse },
        },
      },
      async (request, reply): Promise<Login> => {
        const result = await services.accounts.login(request.body, request.ip);
        setSessionCookie(request, reply, result.session_token);
        return { user: presentUser(result.user), session_token: result.session_token, csrf_token: result.csrf_token };
      },
    );

    app.post('/v1/auth/logout', { config: { access: AUTHENTICATED }, schema: { tags: ['accounts'], description: 'Ends this session; answers 204.', response: { 204: z.undefined(), ...refusals } } }, async (request, reply) => {
      await services.accounts.logout(principalOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    });

    app.get(
      '/v1/me',
      {
        config: { access: AUTHENTICATED, sensitive: true },
        schema: {
          tags: ['accounts'],
          response: { 200: meObject, ...refusals },
        },
      },
      async (request): Promise<Me> => {
        const principal = principalOf(request);
        const { user, memberships, emailVerificationEnabled } = await services.accounts.me(principal);
        const organizations = memberships.map((m) => ({
          id: m.organization.id,
          name: m.organization.name,
          personal: m.organization.personal,
          groups: m.groups.map((g) => ({ id: g.id, name: g.name, role: g.role })),
        }));
        const credential = principal.credential;
        // A user whose record is gone (deleted while this request ran) is no longer anyone.
        if (principal.type === 'user' && !user) throw new AuthenticationError('The credentials no longer name a user.');
        return {
          ...(user ? presentUser(user) : { id: principal.id, object: 'service_account' as const }),
          ...(credential.kind === 'session' ? { csrf_token: services.sessions.csrfToken(credential.sessionId) } : {}),
          email_verification_enabled: emailVerificationEnabled,
          organizations,
          ...(credential.kind === 'api_key' ? { api_key: { id: credential.keyId, scope: credential.scope } } : {}),
        };
      },
    );

    app.post(
      '/v1/me/password',
      {
        config: { access: AUTHENTICATED },
        schema: { tags: ['accounts'], body: z.strictObject({ current_password: z.string().min(1).max(256), new_password: password }), response: { 200: userObject, ...refusals } },
      },
      async (request) => presentUser(await services.accounts.changePassword(principalOf(request), request.body)),
    );

    app.post(
      '/v1/auth/verify_email',
      {
        config: { access: AUTHENTICATED },
        schema: {
          tags: ['accounts'],
          description: 'Marks the caller\'s email verified with the single-use token emailed at signup (when SMTP is configured).',
          body: z.strictObject({ token: z.string().min(1).max(200) }),
          response: { 200: userObject, ...refusals },
        },
      },
      async (request) => presentUser(await services.accounts.verifyEmail(principalOf(request), request.body.token)),
    );

    app.delete(
      '/v1/me/sessions',
      { config: { access: AUTHENTICATED }, schema: { tags: ['accounts'], response: { 200: sessionRevocationObject, ...refusals } } },
      async (request, reply): Promise<SessionRevocation> => {
        const revoked = await services.accounts.logoutEverywhere(principalOf(request));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { object: 'session.revocation', revoked };
      },
    );
  };
}
