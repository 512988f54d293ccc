import type { MembershipGrant } from '../access/membership-grant.ts';
import type { GroupMemberRecord, GroupRecord, OrganizationRecord, ProjectRecord, RoleRecord, UserRecord } from '../store/records.ts';
import type { RoleView } from '../services/roles.ts';
import type { Page } from '../store/pagination.ts';
import type { OrganizationMemberView } from '../services/members.ts';

/** Records as API.md shows them: each object carries `object`, its type name. */

export const presentUser = (user: UserRecord) => ({
  id: user.id,
  object: 'user' as const,
  email: user.email,
  email_verified: user.email_verified,
  name: user.name,
  created_at: user.created_at,
});

export const presentOrganization = (org: OrganizationRecord) => ({
  id: org.id,
  object: 'organization' as const,
  name: org.name,
  personal: org.personal,
  created_at: org.created_at,
  api_key_creator_removal: org.api_key_creator_removal,
});

export const presentProject = (project: ProjectRecord) => ({
  id: project.id,
  object: 'project' as const,
  organization_id: project.organization_id,
  name: project.name,
  regions: project.regions,
  is_default: project.is_default,
  status: project.status,
  created_at: project.created_at,
  archived_at: project.archived_at,
});

export const presentGroup = (group: GroupRecord) => ({
  id: group.id,
  object: 'group' as const,
  name: group.name,
  scope: group.scope,
  role: group.role,
  role_name: group.custom_role?.name ?? group.role,
  built_in: group.built_in,
  created_at: group.created_at,
});

export const presentRole = (view: RoleView) => {
  if (view.built_in) {
    const role = view.role;
    return { id: role.id, object: 'role' as const, organization_id: null, name: role.name, description: role.description, scope: role.scope, permissions: role.permissions, built_in: true, created_at: null, updated_at: null };
  }
  return presentCustomRole(view.role);
};

export const presentCustomRole = (role: RoleRecord) => ({
  id: role.id,
  object: 'role' as const,
  organization_id: role.organization_id as string | null,
  name: role.name,
  description: role.description,
  scope: role.scope,
  permissions: role.permissions,
  built_in: false,
  created_at: role.created_at as number | null,
  updated_at: role.updated_at as number | null,
});

export const presentGroupMember = (member: GroupMemberRecord) => ({
  object: 'group.member' as const,
  group_id: member.group_id,
  principal: member.principal,
  expires_at: member.expires_at,
  added_at: member.added_at,
});

const presentGrant = (grant: MembershipGrant) => ({
  id: grant.group_id,
  name: grant.group_name,
  role: grant.role,
  role_name: grant.custom_role?.name ?? grant.role,
  scope: grant.scope,
  expires_at: grant.expires_at,
});

export const presentOrganizationMember = (member: OrganizationMemberView) => ({
  object: 'organization.member' as const,
  principal: member.principal,
  groups: member.groups.map(presentGrant),
  added_at: member.added_at,
});

export const presentDeleted = (id: string, object: string) => ({ id, object, deleted: true as const });

/** API.md's list envelope; `idOf` gives the value a client passes back as `after`. */
export function presentList<T, R>(page: Page<T>, present: (item: T) => R, idOf: (item: T) => string) {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  return {
    object: 'list' as const,
    data: page.items.map(present),
    first_id: first === undefined ? null : idOf(first),
    last_id: last === undefined ? null : idOf(last),
    has_more: page.hasMore,
  };
}
