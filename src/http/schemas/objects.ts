import { z } from 'zod';

/**
 * The API objects of organizations, projects, groups, members, keys, invitations and the audit log,
 * field by field as API.md shows them. Presenters are typed from these (`ApiObject<typeof ...>`), answers
 * are checked against them outside production, and the console and the CLI read their types
 * (api-types.ts). Imports nothing but zod.
 */

const scope = z.object({ type: z.enum(['organization', 'project']), id: z.string() });
const principal = z.object({ type: z.enum(['user', 'service_account']), id: z.string(), name: z.string(), email: z.string().optional() });

export const userObject = z.object({
  id: z.string(),
  object: z.literal('user'),
  email: z.string(),
  email_verified: z.boolean(),
  name: z.string(),
  created_at: z.number(),
});

export const organizationObject = z.object({
  id: z.string(),
  object: z.literal('organization'),
  name: z.string(),
  personal: z.boolean(),
  created_at: z.number(),
  api_key_creator_removal: z.enum(['revoke', 'flag']).describe("What removing a member does to the keys it made for service accounts."),
});

export const projectObject = z.object({
  id: z.string(),
  object: z.literal('project'),
  organization_id: z.string(),
  name: z.string(),
  regions: z.array(z.string()),
  is_default: z.boolean(),
  status: z.enum(['active', 'archived']),
  created_at: z.number(),
  archived_at: z.number().nullable(),
});

export const groupObject = z.object({
  id: z.string(),
  object: z.literal('group'),
  name: z.string(),
  scope,
  role: z.string().describe("A built-in role's name, or a custom role's id (role_...)."),
  role_name: z.string().describe("The role's name: the built-in name again, or the custom role's name."),
  built_in: z.boolean(),
  created_at: z.number(),
});

export const groupMemberObject = z.object({
  object: z.literal('group.member'),
  group_id: z.string(),
  principal,
  expires_at: z.number().nullable(),
  added_at: z.number(),
});

export const organizationMemberObject = z.object({
  object: z.literal('organization.member'),
  principal,
  groups: z.array(z.object({ id: z.string(), name: z.string(), role: z.string(), role_name: z.string(), scope, expires_at: z.number().nullable() })),
  added_at: z.number(),
});

export const accessReason = z.object({
  group_id: z.string(),
  group_name: z.string(),
  scope,
  role: z.string().describe("A built-in role's name, or a custom role's id (role_...)."),
  role_name: z.string().describe("The role's name: the built-in name again, or the custom role's name."),
  expires_at: z.number().nullable(),
});

export const accessCheckObject = z.object({ allowed: z.boolean(), reasons: z.array(accessReason) });

/** One entry of `GET /v1/projects/{proj}/access`: who, with which strongest role, through which groups. */
export const projectAccessEntry = z.object({
  principal,
  role: z.string(),
  via: z.array(
    z.object({
      group_id: z.string(),
      scope,
      role: z.string().describe("The group's role: a built-in name or a custom role's id."),
      role_name: z.string(),
    }),
  ),
});

export const permissionObject = z.object({ name: z.string(), scope: z.string(), description: z.string(), roles: z.array(z.string()) });

export const roleObject = z.object({
  id: z.string().describe('A custom role: role_...; a built-in role: organization.admin, project.viewer, ...'),
  object: z.literal('role'),
  organization_id: z.string().nullable().describe('Null for a built-in role.'),
  name: z.string().describe("What a group's role names for a built-in role (admin, member, ...)."),
  description: z.string(),
  scope: z.enum(['organization', 'project']).describe('organization: granted to organization groups; project: project permissions only, granted to any group.'),
  permissions: z.array(z.string()),
  built_in: z.boolean(),
  created_at: z.number().nullable(),
  updated_at: z.number().nullable(),
});

export const regionObject = z.object({ id: z.string(), object: z.literal('region'), inference_base_url: z.string() });

export const serviceAccountObject = z.object({ id: z.string(), object: z.literal('service_account'), organization_id: z.string(), name: z.string(), created_at: z.number() });

export const apiKeyObject = z.object({
  id: z.string(),
  object: z.literal('api_key'),
  name: z.string(),
  redacted_value: z.string(),
  owner: z.object({ type: z.enum(['user', 'service_account']), id: z.string() }),
  created_by: z.string(),
  scope,
  permissions: z
    .union([z.enum(['all', 'read_only']), z.record(z.string(), z.enum(['none', 'read', 'write']))])
    .describe("all, read_only, or a restricted key's map of resource -> none|read|write."),
  created_at: z.number(),
  expires_at: z.number().nullable(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  creator_removed_at: z.number().nullable().describe('When its creator left the organization, for a key the organization keeps working (api_key_creator_removal: flag).'),
});

export const issuedApiKeyObject = apiKeyObject.extend({ key: z.string().describe('The secret, shown in this answer only.') });

export const INVITATION_STATUSES = ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const;

export const invitationObject = z.object({
  id: z.string(),
  object: z.literal('invitation'),
  organization_id: z.string(),
  organization_name: z.string(),
  email: z.string(),
  status: z.enum(INVITATION_STATUSES),
  group_ids: z.array(z.string()),
  projects: z.array(z.object({ project_id: z.string(), group_id: z.string() })),
  inviter_id: z.string(),
  created_at: z.number(),
  expires_at: z.number(),
});

export const auditEventObject = z.object({
  id: z.string(),
  object: z.literal('audit_log'),
  seq: z.number(),
  type: z.string(),
  actor: z.object({ type: z.enum(['user', 'service_account', 'system', 'scim_token']), id: z.string().nullable(), api_key_id: z.string().nullable() }),
  organization_id: z.string(),
  project_id: z.string().nullable(),
  resource: z.object({ type: z.string(), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
  ip_address: z.string().nullable(),
  created_at: z.number(),
  hash: z.string(),
});

export const auditVerificationObject = z.object({
  ok: z.boolean(),
  count: z.number(),
  first_broken_id: z.string().nullable(),
  missing_tail: z.number().describe('Events the stored chain head counts that are missing from the end of the log.'),
});
