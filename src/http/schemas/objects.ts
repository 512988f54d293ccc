import { z } from 'zod';

/** Response objects, for the OpenAPI document (responses are built by the presenters). */

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

export const deletedObject = z.object({ id: z.string(), object: z.string(), deleted: z.literal(true) });

export const accessReason = z.object({
  group_id: z.string(),
  group_name: z.string(),
  scope,
  role: z.string().describe("A built-in role's name, or a custom role's id (role_...)."),
  role_name: z.string().describe("The role's name: the built-in name again, or the custom role's name."),
  expires_at: z.number().nullable(),
});

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
