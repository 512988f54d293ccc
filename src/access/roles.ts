import type { CustomRoleGrant, MembershipGrant, ScopeType } from './membership-grant.ts';
import { isPermission, PERMISSION_NAMES, PERMISSIONS, type Permission } from './permissions.ts';

/**
 * Roles are bundles of permissions: the built-in ones below, and the custom roles an organization
 * defines (see customRoleGrant). A group carries exactly one role; a principal's permissions are the
 * union over its groups. An organization group with a project role (`member`, `viewer`, or a custom
 * project role) holds that role in every project of the organization.
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
  'batches.read',
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
  'batches.write',
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

const PROJECT_SCOPED_GRANTS: Record<ProjectRole, RoleGrant> = {
  admin: { organization: NOTHING.organization, project: PROJECT_ROLE_GRANTS.admin },
  member: { organization: NOTHING.organization, project: PROJECT_ROLE_GRANTS.member },
  viewer: { organization: NOTHING.organization, project: PROJECT_ROLE_GRANTS.viewer },
};

/** Custom roles' ids start with this; built-in roles are named by words. */
export const CUSTOM_ROLE_PREFIX = 'role_';

export function isCustomRoleId(role: string): boolean {
  return role.startsWith(CUSTOM_ROLE_PREFIX);
}

// A grant's custom role object lives as long as the cached standing that holds it: its sets are built
// once per load, not once per request.
const customGrants = new WeakMap<CustomRoleGrant, RoleGrant>();

/**
 * What a custom role grants: its organization permissions on the organization, its project
 * permissions in each project it reaches. Names the catalogue no longer has grant nothing.
 */
export function customRoleGrant(role: CustomRoleGrant): RoleGrant {
  let grant = customGrants.get(role);
  if (!grant) {
    const known = role.permissions.filter(isPermission);
    grant = {
      organization: new Set(role.scope === 'organization' ? known.filter((p) => PERMISSIONS[p].scope === 'organization') : []),
      project: new Set(known.filter((p) => PERMISSIONS[p].scope === 'project')),
    };
    customGrants.set(role, grant);
  }
  return grant;
}

/**
 * What one group's role gives: on the organization (organization groups only) and in each project it
 * reaches (every project for an organization group, its own for a project group). A `role_...` whose
 * role is gone (custom_role null) gives nothing.
 */
export function roleGrantOf(grant: Pick<MembershipGrant, 'scope' | 'role' | 'custom_role'>): RoleGrant {
  if (grant.custom_role) {
    const custom = customRoleGrant(grant.custom_role);
    return grant.scope.type === 'organization' ? custom : { organization: NOTHING.organization, project: custom.project };
  }
  if (isCustomRoleId(grant.role)) return NOTHING;
  if (grant.scope.type === 'organization') return organizationRoleGrant(grant.role);
  return (PROJECT_SCOPED_GRANTS as Record<string, RoleGrant>)[grant.role] ?? NOTHING;
}

/** Every permission a role holds, wherever it applies: what a granter of the role must hold too. */
export function permissionsOfRole(grant: Pick<MembershipGrant, 'scope' | 'role' | 'custom_role'>): Permission[] {
  const roleGrant = roleGrantOf(grant);
  return [...roleGrant.organization, ...roleGrant.project];
}

export interface BuiltInRole {
  /** `organization.admin`, `project.viewer`, ...: as GET /v1/permissions names roles. */
  id: string;
  /** What a group's `role` says. */
  name: string;
  scope: ScopeType;
  description: string;
  permissions: Permission[];
}

const BUILT_IN_DESCRIPTIONS: Record<string, string> = {
  'organization.admin': 'Everything in the organization and in every project of it.',
  'organization.billing_manager': 'Read the organization, usage and billing; no project resources, no members.',
  'organization.member': 'The project role member, in every project of the organization.',
  'organization.viewer': 'The project role viewer, in every project of the organization.',
  'project.admin': 'Everything in the project, including its settings, its groups and everyone\'s API keys.',
  'project.member': 'Read the project; create and manage its resources, call its models, manage its own API keys.',
  'project.viewer': 'Read the project and its resources; list models; no inference, no keys.',
};

/** The built-in roles, as the roles list shows them (read-only). */
export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  ...ORGANIZATION_ROLES.map((name) => {
    const grant = ORG_ROLE_GRANTS[name];
    return { id: `organization.${name}`, name, scope: 'organization' as const, permissions: PERMISSION_NAMES.filter((p) => grant.organization.has(p) || grant.project.has(p)) };
  }),
  ...PROJECT_ROLES.map((name) => ({ id: `project.${name}`, name, scope: 'project' as const, permissions: PERMISSION_NAMES.filter((p) => PROJECT_ROLE_GRANTS[name].has(p)) })),
].map((role) => ({ ...role, description: BUILT_IN_DESCRIPTIONS[role.id] ?? '' }));

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
