import { z } from 'zod';
import { organizationObject, projectObject, userObject } from './objects.ts';

/** The answers of the account paths: signup, login, `GET /v1/me`, logging out everywhere. Imports nothing but zod. */

export const signupAnswer = z.object({ user: userObject, session_token: z.string(), csrf_token: z.string(), organization: organizationObject, project: projectObject });

export const loginAnswer = z.object({ user: userObject, session_token: z.string(), csrf_token: z.string() });

export const meOrganization = z.object({
  id: z.string(),
  name: z.string(),
  personal: z.boolean(),
  groups: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })),
});

/** The caller: a user's fields, or only `id` and `object` for a service account acting through a key. */
export const meObject = userObject.partial().extend({
  id: z.string(),
  object: z.enum(['user', 'service_account']),
  csrf_token: z.string().optional().describe('For a cookie session: the X-CSRF-Token its changes carry.'),
  email_verification_enabled: z.boolean().describe('Whether this server verifies emails (SMTP is configured): when true, an unverified user must verify before accepting invitations.'),
  organizations: z.array(meOrganization),
  api_key: z.object({ id: z.string(), scope: z.object({ type: z.enum(['organization', 'project']), id: z.string() }) }).optional(),
});

export const sessionRevocationObject = z.object({ object: z.literal('session.revocation'), revoked: z.number() });
