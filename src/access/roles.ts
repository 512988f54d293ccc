import { PERMISSION_NAMES, PERMISSIONS, type Permission } from './permissions.ts';

/**
 * Roles are fixed bundles of permissions. A group carries exactly one role; a principal's permissions
 * are the union over its groups. An organization group with a project role (`member`, `viewer`) holds
 * that role in every project of the organization.
 */
export const ORGANIZATION_ROLES = ['admin', 'billing_manager', 'member', 'viewer'] as const;
export const PROJECT_ROLES = ['admin', 'member', 'viewer'] as const;

export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];
export type ProjectRole = (typeof PROJECT_ROLES)[number];
export type Role = OrganizationRole | ProjectRole;

const ORGANIZATION_PERMISSIONS = PERMISSION_NAMES.filter((p) => PERMISSIONS[p].scope === 'organization');
const PROJECT_PERMISSIONS = PERMISSION_NAMES.filter((p) => PERMISSIONS[p].scope === 'project');

const PROJECT_VIEWER: Permission[] = [
  'project.read',
  'files.read',
  'datasets.read',
  'fine_tuning.read',
  'endpoints.read',
  'models.read',
  'rate_limits.read',
  'project.budgets.read',
];

const PROJECT_MEMBER: Permission[] = [
  ...PROJECT_VIEWER,
  'api_keys.read',
  'api_keys.write',
  'files.write',
  'datasets.write',
  'fine_tuning.write',
  'endpoints.write',
  'inference.invoke',
];

export interface RoleGrant {
  /** What the role grants on the organization itself. */
  organization: ReadonlySet<Permission>;
  /** What the role grants on each project it reaches. */
  project: ReadonlySet<Permission>;
}

const ORG_ROLE_GRANTS: Record<OrganizationRole, RoleGrant> = {
  admin: { organization: new Set(ORGANIZATION_PERMISSIONS), project: new Set(PROJECT_PERMISSIONS) },
  billing_manager: {
    organization: new Set<Permission>(['organization.read', 'usage.read', 'budgets.read', 'budgets.write', 'webhooks.read', 'webhooks.write']),
    project: new Set(),
  },
  member: { organization: new Set<Permission>(['organization.read']), project: new Set(PROJECT_MEMBER) },
  viewer: { organization: new Set<Permission>(['organization.read']), project: new Set(PROJECT_VIEWER) },
};

const PROJECT_ROLE_GRANTS: Record<ProjectRole, ReadonlySet<Permission>> = {
  admin: new Set(PROJECT_PERMISSIONS),
  member: new Set(PROJECT_MEMBER),
  viewer: new Set(PROJECT_VIEWER),
};

const NOTHING: RoleGrant = { organization: new Set(), project: new Set() };

export function organizationRoleGrant(role: string): RoleGrant {
  return (ORG_ROLE_GRANTS as Record<string, RoleGrant>)[role] ?? NOTHING;
}

export function projectRoleGrant(role: string): ReadonlySet<Permission> {
  return (PROJECT_ROLE_GRANTS as Record<string, ReadonlySet<Permission>>)[role] ?? NOTHING.project;
}

/** Which roles hold a permission, for the catalogue at GET /v1/permissions. */
export function rolesHolding(permission: Permission): string[] {
  const roles: string[] = [];
  for (const role of ORGANIZATION_ROLES) {
    const grant = ORG_ROLE_GRANTS[role];
    if (grant.organization.has(permission) || grant.project.has(permission)) roles.push(`organization.${role}`);
  }
  for (const role of PROJECT_ROLES) {
    if (PROJECT_ROLE_GRANTS[role].has(permission)) roles.push(`project.${role}`);
  }
  return roles;
}

/** Rank for "the strongest role" shown by who-has-access. */
export const PROJECT_ROLE_RANK: Record<ProjectRole, number> = { viewer: 1, member: 2, admin: 3 };
