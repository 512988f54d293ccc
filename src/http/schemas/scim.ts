import { z } from 'zod';

/** SCIM 2.0 requests and answers (RFC 7643, RFC 7644), for validation and the OpenAPI document. */

export const SCIM_SCHEMAS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** The most Resources one list answer holds; a larger `count` is lowered to it (RFC 7644 3.4.2.4). */
export const SCIM_MAX_RESULTS = 200;

export const scimErrorObject = z.object({
  schemas: z.array(z.literal(SCIM_SCHEMAS.error)),
  status: z.string().describe('The HTTP status, as a string.'),
  scimType: z.string().optional().describe('invalidFilter, invalidValue, invalidPath, invalidSyntax, mutability, noTarget or uniqueness.'),
  detail: z.string(),
});

/** The refusals of /scim routes, in RFC 7644's error shape (not API.md's). */
export const scimRefusals = { 400: scimErrorObject, 401: scimErrorObject, 404: scimErrorObject, 409: scimErrorObject };

const text = z.string().max(500);
/** A boolean, or as Entra sends it, "True" or "False". */
const scimBoolean = z.union([z.boolean(), z.string().max(10)]);

export const scimOrgParams = z.strictObject({ org: z.string() });
export const scimUserParams = z.strictObject({ org: z.string(), user_id: z.string() });
export const scimGroupParams = z.strictObject({ org: z.string(), grp: z.string() });
export const scimNamedParams = z.strictObject({ org: z.string(), name: z.string() });

export const scimListQuery = z.strictObject({
  filter: z.string().max(1000).optional().describe('Equalities joined by `and`: Users on userName (or `emails[type eq "work"].value`), externalId, id; Groups on displayName, externalId, id, `members[value eq "user_..."]`.'),
  startIndex: z.coerce.number().int().min(1).max(1_000_000_000).default(1),
  count: z.coerce.number().int().min(0).max(1_000_000_000).default(100).describe(`Lowered to ${SCIM_MAX_RESULTS}.`),
  attributes: z.string().max(1000).optional().describe('Accepted; every attribute is answered.'),
  excludedAttributes: z.string().max(1000).optional().describe('`members` leaves Groups\' members out; other attributes are answered.'),
});

/** On a single resource: which attributes to answer (Entra reads a group without its members). */
export const scimResourceQuery = z.strictObject({
  attributes: z.string().max(1000).optional().describe('Accepted; every attribute is answered.'),
  excludedAttributes: z.string().max(1000).optional().describe('`members` leaves a Group\'s members out; other attributes are answered.'),
});

/** Providers send attributes Tenantry does not keep (phone numbers, the enterprise extension): accepted. */
export const scimUserBody = z.looseObject({
  schemas: z.array(z.string().max(200)).max(20).optional(),
  userName: z.string().min(1).max(320).describe('The person\'s email address.'),
  externalId: text.nullable().optional(),
  name: z.looseObject({ givenName: text.nullable().optional(), familyName: text.nullable().optional(), formatted: text.nullable().optional() }).optional(),
  displayName: text.nullable().optional(),
  active: scimBoolean.optional(),
});

const memberRef = z.looseObject({ value: z.string().min(1).max(200), display: z.string().max(500).optional() });

export const scimGroupBody = z.looseObject({
  schemas: z.array(z.string().max(200)).max(20).optional(),
  displayName: z.string().min(1).max(200),
  externalId: text.nullable().optional(),
  members: z.array(memberRef).max(1000).optional(),
});

export const scimPatchBody = z.looseObject({
  schemas: z.array(z.string().max(200)).max(20).optional(),
  Operations: z
    .array(z.looseObject({ op: z.string().min(1).max(20), path: z.string().max(500).optional(), value: z.unknown().optional() }))
    .min(1)
    .max(1000),
});

const meta = z.object({ resourceType: z.string(), created: z.string(), lastModified: z.string(), location: z.string() });

export const scimUserObject = z.object({
  schemas: z.array(z.string()),
  id: z.string(),
  externalId: z.string().optional(),
  userName: z.string(),
  name: z.object({ givenName: z.string().optional(), familyName: z.string().optional(), formatted: z.string() }),
  displayName: z.string(),
  emails: z.array(z.object({ value: z.string(), type: z.string(), primary: z.boolean() })),
  active: z.boolean().describe('Whether the person is a member of the organization.'),
  groups: z.array(z.looseObject({ value: z.string(), display: z.string() }).describe('Also `$ref`, the Group\'s URL.')),
  meta,
});

export const scimGroupObject = z.object({
  schemas: z.array(z.string()),
  id: z.string(),
  externalId: z.string().optional(),
  displayName: z.string(),
  members: z.array(z.looseObject({ value: z.string(), display: z.string(), type: z.literal('User') }).describe('Also `$ref`, the User\'s URL.')).optional(),
  meta,
});

export function scimListOf<T extends z.ZodType>(item: T) {
  return z.object({ schemas: z.array(z.string()), totalResults: z.number(), startIndex: z.number(), itemsPerPage: z.number(), Resources: z.array(item) });
}

/** Discovery documents are fixed; described loosely. */
export const scimDocument = z.looseObject({ schemas: z.array(z.string()) });

/** An organization's SCIM token, as its admins see it; `token` only in the answer that made it. */
export const scimTokenObject = z.object({
  id: z.string(),
  object: z.literal('scim_token'),
  organization_id: z.string(),
  name: z.string(),
  redacted_value: z.string(),
  created_by: z.string(),
  created_at: z.number(),
  revoked_at: z.number().nullable(),
  base_url: z.string().describe('Where the identity provider sends SCIM requests with this token.'),
});
export const issuedScimTokenObject = scimTokenObject.extend({ token: z.string().describe('The secret, shown in this answer only.') });

