import { z } from 'zod';
import { name } from './common.ts';

/** SSO connections, their domains and group mappings, as the API shows and takes them. */

const issuer = z.string().trim().min(1).max(2048).describe('The OpenID provider\'s issuer URL (its discovery document is at <issuer>/.well-known/openid-configuration); https:// unless the operator allows http.');
const clientId = z.string().trim().min(1).max(512);
const clientSecret = z.string().min(1).max(4096).describe('Stored encrypted with the server secret and never returned.');
const domain = z.string().trim().min(1).max(253);
const groupIds = z.array(z.string().min(1).max(100)).max(100);

export const connectionCreateBody = z.strictObject({
  name: name.optional(),
  issuer,
  client_id: clientId,
  client_secret: clientSecret.optional(),
  domains: z.array(domain).max(50).optional().describe('Email domains this connection signs in; each must be verified before sign-ins use it.'),
  default_group_ids: groupIds.optional().describe('Groups of this organization (or its projects) a person joins with at first sign-in.'),
  enforced: z.boolean().optional().describe('Refuse password sign-in for people of the verified domains (the organization\'s admins keep it: break-glass).'),
});

export const connectionUpdateBody = z.strictObject({
  name: name.optional(),
  issuer: issuer.optional(),
  client_id: clientId.optional(),
  client_secret: clientSecret.nullable().optional().describe('A new secret; null removes it (a public client); absent keeps it.'),
  domains: z.array(domain).max(50).optional().describe('The whole list: domains not named are dropped, new ones added unverified unless already proven.'),
  default_group_ids: groupIds.optional(),
  enforced: z.boolean().optional(),
});

export const ssoDomainObject = z.object({
  domain: z.string(),
  verified: z.boolean(),
  verified_at: z.number().nullable(),
  verification_method: z.enum(['operator', 'admin_email', 'dns']).nullable(),
  verification: z.object({ type: z.literal('dns_txt'), name: z.string(), value: z.string() }).describe('The TXT record that proves the domain by DNS.'),
});

export const ssoConnectionObject = z.object({
  id: z.string(),
  object: z.literal('sso_connection'),
  organization_id: z.string(),
  name: z.string(),
  issuer: z.string(),
  client_id: z.string(),
  client_secret_set: z.boolean(),
  redirect_uri: z.string().describe('The redirect URI to register at the identity provider.'),
  domains: z.array(ssoDomainObject),
  default_group_ids: z.array(z.string()),
  enforced: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
});

export const mappingCreateBody = z.strictObject({
  idp_group: z.string().trim().min(1).max(256).describe('A value of the id_token\'s groups claim.'),
  group_id: z.string().min(1).max(100).describe('An organization group or a project group of this organization.'),
});

export const ssoGroupMappingObject = z.object({
  id: z.string(),
  object: z.literal('sso_group_mapping'),
  connection_id: z.string(),
  idp_group: z.string(),
  group_id: z.string(),
  created_at: z.number(),
});

export const ssoStartQuery = z.strictObject({
  email: z.string().trim().min(3).max(320).pipe(z.email('must be an email address')),
  return_to: z.string().min(1).max(2048).optional().describe('For the CLI: an http:// loopback URL that receives the one-time code after sign-in.'),
  code_challenge: z.string().min(1).max(128).optional().describe('With return_to: base64url(SHA-256(code_verifier)); the code is exchanged only with that verifier.'),
  format: z.enum(['redirect', 'json']).default('redirect').describe('json: answer the authorization URL instead of redirecting to it.'),
});

const callbackValue = z.string().max(8192).optional();
/** What providers send back (RFC 6749, RFC 9207's iss, OIDC session management); others pass through to the relying party. */
export const ssoCallbackQuery = z.looseObject({
  code: callbackValue,
  state: callbackValue,
  iss: callbackValue,
  error: callbackValue,
  error_description: callbackValue,
  session_state: callbackValue,
});

export const ssoTokenBody = z.strictObject({ code: z.string().min(1).max(200), code_verifier: z.string().min(43).max(128) });
