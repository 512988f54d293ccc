import type { CustomRoleGrant } from '../access/membership-grant.ts';
import type { RestrictedPermissions } from '../access/key-permissions.ts';
import type { ApiKeyCreatorRemoval, PrincipalType, ScopeType, SsoConnectionsTable } from './schema.ts';

/** What the store hands to services: rows with flags as booleans and regions gathered. */

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
  created_at: number;
}

export interface UserWithPassword extends UserRecord {
  password_hash: string;
}

export interface SessionRecord {
  id: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface OrganizationRecord {
  id: string;
  name: string;
  personal: boolean;
  created_at: number;
  api_key_creator_removal: ApiKeyCreatorRemoval;
}

export interface ProjectRecord {
  id: string;
  organization_id: string;
  name: string;
  regions: string[];
  is_default: boolean;
  status: 'active' | 'archived';
  created_at: number;
  archived_at: number | null;
}

export interface GroupRecord {
  id: string;
  organization_id: string;
  scope: { type: ScopeType; id: string };
  name: string;
  /** A built-in role's name, or a custom role's id. */
  role: string;
  /** The custom role `role` names, read with the group; null for a built-in role. */
  custom_role: CustomRoleGrant | null;
  built_in: boolean;
  created_at: number;
}

/** An organization's custom role. */
export interface RoleRecord {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  scope: ScopeType;
  permissions: string[];
  created_at: number;
  updated_at: number;
}

export interface PrincipalRef {
  type: PrincipalType;
  id: string;
}

export interface PrincipalSummary extends PrincipalRef {
  name: string;
  email?: string;
}

export interface GroupMemberRecord {
  group_id: string;
  principal: PrincipalSummary;
  expires_at: number | null;
  added_at: number;
}

export interface OrganizationMemberRecord {
  principal: PrincipalSummary;
  added_at: number;
}

export interface InvitationRecord {
  id: string;
  organization_id: string;
  /** The organization's name as it is now (read with the invitation, not stored with it). */
  organization_name: string;
  email: string;
  /** As stored; services read a pending invitation past expires_at as expired. */
  status: 'pending' | 'accepted' | 'declined' | 'revoked';
  group_ids: string[];
  projects: Array<{ project_id: string; group_id: string }>;
  inviter_id: string;
  created_at: number;
  expires_at: number;
}

export interface ServiceAccountRecord {
  id: string;
  organization_id: string;
  name: string;
  created_at: number;
}

export interface ApiKeyRecord {
  id: string;
  organization_id: string;
  scope: { type: ScopeType; id: string };
  owner: PrincipalRef;
  created_by: string;
  name: string;
  redacted_value: string;
  /** `all`, `read_only`, or a restricted key's map of resource -> none|read|write. */
  permissions: 'all' | 'read_only' | RestrictedPermissions;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  /**
   * The permission names the creator held in the key's scope when it made the key for someone else;
   * the key never reaches past them. Null: no ceiling beyond its owner's access.
   */
  permission_ceiling: string[] | null;
  /** Set when the creator was removed and the organization keeps such keys working, flagged. */
  creator_removed_at: number | null;
}

/** SSO (issue 11): a connection's email domain, as the store holds it. */
export interface SsoDomainRecord {
  domain: string;
  verification_token: string;
  verified_at: number | null;
  verified_by: string | null;
  created_at: number;
}

/** A connection as the services see it: its row with the group ids read and `enforced` a boolean, with its domains. */
export type SsoConnectionRecord = Omit<SsoConnectionsTable, 'default_group_ids' | 'enforced'> & {
  default_group_ids: string[];
  enforced: boolean;
  domains: SsoDomainRecord[];
};

export interface ScimTokenRecord {
  id: string;
  organization_id: string;
  name: string;
  redacted_value: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

/**
 * A person as one organization's SCIM sees them: a user who is a member of the organization, or whom
 * its identity provider provisioned (and may have deactivated). `active` is membership.
 */
export interface ScimUserRecord {
  organization_id: string;
  user: UserRecord;
  active: boolean;
  external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  /** When the provider first provisioned them, or else when they joined. */
  created_at: number;
  updated_at: number;
}

export interface SsoGroupMappingRecord {
  id: string;
  connection_id: string;
  organization_id: string;
  idp_group: string;
  group_id: string;
  created_at: number;
}

/** An organization group as SCIM shows it. */
export interface ScimGroupRecord {
  group: GroupRecord;
  external_id: string | null;
  updated_at: number;
  members: Array<{ id: string; email: string }>;
}
