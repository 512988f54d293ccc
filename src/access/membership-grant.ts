/** Where a group sits: on the organization, or in one of its projects. */
export type ScopeType = 'organization' | 'project';

/**
 * A custom role as a grant carries it: its permission names, read with the group, so the policy needs
 * no lookup. `scope` says where the role may be granted: an organization role (organization and
 * project permissions) only to organization groups, a project role (project permissions only) to
 * either kind of group.
 */
export interface CustomRoleGrant {
  id: string;
  name: string;
  scope: ScopeType;
  permissions: readonly string[];
}

/** One group membership of a principal, with what the policy needs to know about the group. */
export interface MembershipGrant {
  group_id: string;
  group_name: string;
  scope: { type: ScopeType; id: string };
  /** A built-in role's name (`admin`, `member`, ...) or a custom role's id (`role_...`). */
  role: string;
  /** The custom role `role` names; null for a built-in role (or a custom role since deleted: it grants nothing). */
  custom_role: CustomRoleGrant | null;
  expires_at: number | null;
}
