import type { CustomRoleGrant, MembershipGrant } from '../access/membership-grant.ts';
import type { PrincipalSummary } from './records.ts';
import type { PrincipalType, ScopeType } from './schema.ts';

/** A principal's display fields from a row joined with users (name, email) and service accounts (sa_name). */
export function principalSummary(row: { principal_type: PrincipalType; principal_id: string; name: string | null; sa_name: string | null; email: string | null }): PrincipalSummary {
  return { type: row.principal_type, id: row.principal_id, name: row.name ?? row.sa_name ?? '', ...(row.email ? { email: row.email } : {}) };
}

/** The columns of a custom role read with a group (left-joined: null for a built-in role). */
export interface JoinedRoleColumns {
  role_name: string | null;
  role_scope: ScopeType | null;
  role_permissions: string | null;
}

/** The custom role a group's row was joined with, if its role is one. */
export function customRoleOf(row: { role: string } & JoinedRoleColumns): CustomRoleGrant | null {
  if (row.role_name === null || row.role_scope === null || row.role_permissions === null) return null;
  return { id: row.role, name: row.role_name, scope: row.role_scope, permissions: JSON.parse(row.role_permissions) as string[] };
}

/** A group membership as the policy reads it, from a row joined with its group and its custom role. */
export function grantOf(row: { id: string; name: string; scope_type: ScopeType; scope_id: string; role: string; expires_at: number | null } & JoinedRoleColumns): MembershipGrant {
  return {
    group_id: row.id,
    group_name: row.name,
    scope: { type: row.scope_type, id: row.scope_id },
    role: row.role,
    custom_role: customRoleOf(row),
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
  };
}
