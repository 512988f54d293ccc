/** Where a group sits: on the organization, or in one of its projects. */
export type ScopeType = 'organization' | 'project';

/** One group membership of a principal, with what the policy needs to know about the group. */
export interface MembershipGrant {
  group_id: string;
  group_name: string;
  scope: { type: ScopeType; id: string };
  role: string;
  expires_at: number | null;
}
