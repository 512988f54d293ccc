import type { MembershipGrant } from '../access/membership-grant.ts';
import type { GroupMemberRecord, GroupRecord, OrganizationRecord, ProjectRecord, RoleRecord, UserRecord } from '../store/records.ts';
import type { RoleView } from '../services/roles.ts';
import type { Page } from '../store/pagination.ts';
import type { OrganizationMemberView } from '../services/members.ts';
import type { Group, GroupMember, List, Member, Organization, Project, Role, User } from './schemas/api-types.ts';

/**
 * Records as API.md shows them: each object carries `object`, its type name. Every presenter declares
 * its answer as the type derived from the route's response schema (schemas/api-types.ts), so a field
 * added to one and not the other, or missing, fails `tsc`; outside production the answer is checked
 * against the schema again as it is sent (response-check.ts).
 */

export const presentUser = (user: UserRecord): User => ({
  id: user.id,
  object: 'user',
  email: user.email,
  email_verified: user.email_verified,
  name: user.name,
  created_at: user.created_at,
});

export const presentOrganization = (org: OrganizationRecord): Organization => ({
  id: org.id,
  object: 'organization',
  name: org.name,
  personal: org.personal,
  created_at: org.created_at,
  api_key_creator_removal: org.api_key_creator_removal,
});

export const presentProject = (project: ProjectRecord): Project => ({
  id: project.id,
  object: 'project',
  organization_id: project.organization_id,
  name: project.name,
  regions: project.regions,
  is_default: project.is_default,
  status: project.status,
  created_at: project.created_at,
  archived_at: project.archived_at,
});

export const presentGroup = (group: GroupRecord): Group => ({
  id: group.id,
  object: 'group',
  name: group.name,
  scope: group.scope,
  role: group.role,
  role_name: group.custom_role?.name ?? group.role,
  built_in: group.built_in,
  created_at: group.created_at,
});

export const presentRole = (view: RoleView): Role => {
  if (view.built_in) {
    const role = view.role;
    return { id: role.id, object: 'role', organization_id: null, name: role.name, description: role.description, scope: role.scope, permissions: role.permissions, built_in: true, created_at: null, updated_at: null };
  }
  return presentCustomRole(view.role);
};

export const presentCustomRole = (role: RoleRecord): Role => ({
  id: role.id,
  object: 'role',
  organization_id: role.organization_id,
  name: role.name,
  description: role.description,
  scope: role.scope,
  permissions: role.permissions,
  built_in: false,
  created_at: role.created_at,
  updated_at: role.updated_at,
});

export const presentGroupMember = (member: GroupMemberRecord): GroupMember => ({
  object: 'group.member',
  group_id: member.group_id,
  principal: member.principal,
  expires_at: member.expires_at,
  added_at: member.added_at,
});

const presentGrant = (grant: MembershipGrant): Member['groups'][number] => ({
  id: grant.group_id,
  name: grant.group_name,
  role: grant.role,
  role_name: grant.custom_role?.name ?? grant.role,
  scope: grant.scope,
  expires_at: grant.expires_at,
});

export const presentOrganizationMember = (member: OrganizationMemberView): Member => ({
  object: 'organization.member',
  principal: member.principal,
  groups: member.groups.map(presentGrant),
  added_at: member.added_at,
});

/** `DELETE`'s answer (the schema: `deletionOf(object)`). */
export const presentDeleted = <T extends string>(id: string, object: T) => ({ id, object, deleted: true as const });

/** API.md's list envelope (the schema: `listOf(item)`); `idOf` gives the value a client passes back as `after`. */
export function presentList<T, R>(page: Page<T>, present: (item: T) => R, idOf: (item: T) => string): List<R> {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  return {
    object: 'list',
    data: page.items.map(present),
    first_id: first === undefined ? null : idOf(first),
    last_id: last === undefined ? null : idOf(last),
    has_more: page.hasMore,
  };
}
