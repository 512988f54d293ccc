/**
 * The one permission catalogue. Each use case needs one of these (services/use-cases.ts says which);
 * its service checks it and its route declares it from there. Every permission here is needed by some
 * use case (a test says so): one that nothing checks would be a promise GET /v1/permissions cannot keep.
 * Names are `resource.action`.
 *
 * `scope` says where a permission is evaluated: on the organization, or on one project of it.
 */
export type PermissionScope = 'organization' | 'project';

export interface PermissionDefinition {
  scope: PermissionScope;
  description: string;
  /** Read permissions are all a read-only API key may hold. */
  readOnly: boolean;
}

export const PERMISSIONS = {
  'organization.read': { scope: 'organization', readOnly: true, description: 'Read the organization and list its groups.' },
  'organization.write': { scope: 'organization', readOnly: false, description: 'Rename or delete the organization.' },
  'members.read': { scope: 'organization', readOnly: true, description: 'List the organization\'s members and their groups.' },
  'members.write': { scope: 'organization', readOnly: false, description: 'Remove members from the organization.' },
  'groups.write': { scope: 'organization', readOnly: false, description: 'Create, rename and delete organization groups and change their members.' },
  'groups.members.read': { scope: 'organization', readOnly: true, description: 'List the members of organization groups.' },
  'projects.create': { scope: 'organization', readOnly: false, description: 'Create projects in the organization.' },
  'access.check': { scope: 'organization', readOnly: true, description: 'Explain any principal\'s access in the organization.' },
  'invitations.read': { scope: 'organization', readOnly: true, description: 'List the organization\'s invitations.' },
  'invitations.write': { scope: 'organization', readOnly: false, description: 'Invite people, resend and revoke invitations.' },
  'service_accounts.read': { scope: 'organization', readOnly: true, description: 'List and read service accounts.' },
  'service_accounts.write': { scope: 'organization', readOnly: false, description: 'Create and delete service accounts and their organization keys.' },
  'audit_logs.read': { scope: 'organization', readOnly: true, description: 'Read and verify the organization\'s audit log.' },
  'sso.read': { scope: 'organization', readOnly: true, description: 'Read the organization\'s SSO connections, their domains and group mappings.' },
  'sso.write': { scope: 'organization', readOnly: false, description: 'Create, change and delete SSO connections, verify their domains and map identity provider groups.' },
  'roles.read': { scope: 'organization', readOnly: true, description: 'List and read the organization\'s roles, built-in and custom.' },
  'roles.write': { scope: 'organization', readOnly: false, description: 'Create, change and delete the organization\'s custom roles.' },
  'usage.read': { scope: 'organization', readOnly: true, description: 'Read the organization\'s usage and spend.' },
  'budgets.read': { scope: 'organization', readOnly: true, description: 'Read the organization\'s budgets.' },
  'budgets.write': { scope: 'organization', readOnly: false, description: 'Create, change and delete the organization\'s budgets.' },
  'webhooks.read': { scope: 'organization', readOnly: true, description: 'List the organization\'s webhooks and their delivery logs.' },
  'webhooks.write': { scope: 'organization', readOnly: false, description: 'Create and delete the organization\'s webhooks.' },
  'scim.read': { scope: 'organization', readOnly: true, description: 'List the organization\'s SCIM provisioning tokens.' },
  'scim.write': { scope: 'organization', readOnly: false, description: 'Create and revoke SCIM provisioning tokens, through which an identity provider manages members and groups.' },

  'project.read': { scope: 'project', readOnly: true, description: 'Read the project, its groups and its usage.' },
  'project.write': { scope: 'project', readOnly: false, description: 'Rename the project, change its regions, archive it.' },
  'project.groups.write': { scope: 'project', readOnly: false, description: 'Create, rename and delete project groups and change their members.' },
  'project.access.read': { scope: 'project', readOnly: true, description: 'See who has access to the project and why.' },
  'api_keys.read': { scope: 'project', readOnly: true, description: 'List and read one\'s own API keys in the project.' },
  'api_keys.write': { scope: 'project', readOnly: false, description: 'Create, rotate and revoke one\'s own API keys in the project.' },
  'api_keys.manage': { scope: 'project', readOnly: false, description: 'Read, rotate and revoke everyone\'s API keys in the project.' },
  'files.read': { scope: 'project', readOnly: true, description: 'List, read and download the project\'s files.' },
  'files.write': { scope: 'project', readOnly: false, description: 'Upload and delete files.' },
  'datasets.read': { scope: 'project', readOnly: true, description: 'List and read datasets.' },
  'datasets.write': { scope: 'project', readOnly: false, description: 'Create and delete datasets.' },
  'fine_tuning.read': { scope: 'project', readOnly: true, description: 'List and read fine-tuning jobs, their events and checkpoints.' },
  'fine_tuning.write': { scope: 'project', readOnly: false, description: 'Create and cancel fine-tuning jobs.' },
  'batches.read': { scope: 'project', readOnly: true, description: 'List and read batches (the Batch API).' },
  'batches.write': { scope: 'project', readOnly: false, description: 'Create and cancel batches.' },
  'endpoints.read': { scope: 'project', readOnly: true, description: 'List and read dedicated endpoints.' },
  'endpoints.write': { scope: 'project', readOnly: false, description: 'Create, change and delete dedicated endpoints.' },
  'models.read': { scope: 'project', readOnly: true, description: 'List the models the project may use.' },
  'model_permissions.write': { scope: 'project', readOnly: false, description: 'Choose which models the project may use.' },
  'rate_limits.read': { scope: 'project', readOnly: true, description: 'Read the project\'s rate limits.' },
  'rate_limits.write': { scope: 'project', readOnly: false, description: 'Set the project\'s rate limits.' },
  'project.budgets.read': { scope: 'project', readOnly: true, description: 'Read the project\'s and its keys\' budgets and the effective budget chain.' },
  'project.budgets.write': { scope: 'project', readOnly: false, description: 'Create, change and delete the project\'s and its keys\' budgets.' },
  'inference.invoke': { scope: 'project', readOnly: false, description: 'Call the project\'s models.' },
} as const satisfies Record<string, PermissionDefinition>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(name: string): name is Permission {
  return Object.hasOwn(PERMISSIONS, name);
}

export function scopeOf(permission: Permission): PermissionScope {
  return PERMISSIONS[permission].scope;
}
