import type { MembershipGrant } from '../access/membership-grant.ts';
import type { PrincipalSummary } from './records.ts';
import type { PrincipalType, ScopeType } from './schema.ts';

/** A principal's display fields from a row joined with users (name, email) and service accounts (sa_name). */
export function principalSummary(row: { principal_type: PrincipalType; principal_id: string; name: string | null; sa_name: string | null; email: string | null }): PrincipalSummary {
  return { type: row.principal_type, id: row.principal_id, name: row.name ?? row.sa_name ?? '', ...(row.email ? { email: row.email } : {}) };
}

/** A group membership as the policy reads it, from a row joined with its group. */
export function grantOf(row: { id: string; name: string; scope_type: ScopeType; scope_id: string; role: string; expires_at: number | null }): MembershipGrant {
  return {
    group_id: row.id,
    group_name: row.name,
    scope: { type: row.scope_type, id: row.scope_id },
    role: row.role,
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
  };
}
