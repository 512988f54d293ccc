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

/** What `GET /v1/me` adds to the caller's own object. */
const callerExtras = {
  csrf_token: z.string().optional().describe('For a cookie session: the X-CSRF-Token its changes carry.'),
  email_verification_enabled: z.boolean().describe('Whether this server verifies emails (SMTP is configured): when true, an unverified user must verify before accepting invitations.'),
  organizations: z.array(meOrganization),
  api_key: z.object({ id: z.string(), scope: z.object({ type: z.enum(['organization', 'project']), id: z.string() }) }).optional().describe('Called with an API key: the key.'),
};

/** The caller: a user with its fields, or a service account (acting through a key) with its id only. */
export const meObject = z.discriminatedUnion('object', [
  userObject.extend(callerExtras),
  z.object({ id: z.string(), object: z.literal('service_account'), ...callerExtras }),
]);

export const sessionRevocationObject = z.object({ object: z.literal('session.revocation'), revoked: z.number() });
