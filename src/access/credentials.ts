import type { Credential } from './principal.ts';
import { PERMISSION_NAMES, PERMISSIONS, isPermission, type Permission } from './permissions.ts';
import type { Target } from './policy.ts';

/**
 * What a credential lets through, whatever its principal holds. A session passes everything; an API
 * key passes only its scope, only reads when it is read-only, only what it lists when it is restricted,
 * and only what its creator held when it made the key for someone else (its ceiling).
 */

/** Can this credential see the target at all? When not, the target is answered as absent (404). */
export function credentialReaches(credential: Credential, organizationId: string, target: Target): boolean {
  if (credential.kind === 'session') return true;
  if (credential.organizationId !== organizationId) return false;
  if (credential.scope.type === 'organization' || target.type === 'organization') return true;
  return credential.scope.id === target.projectId;
}

/** Does the credential allow this permission on a target it reaches? */
export function credentialAllows(credential: Credential, permission: Permission, target: Target): boolean {
  if (credential.kind === 'session') return true;
  if (credential.permissions === 'read_only' && !PERMISSIONS[permission].readOnly) return false;
  if (credential.restriction !== null && !credential.restriction.has(permission)) return false;
  if (credential.ceiling !== null && !credential.ceiling.has(permission)) return false;
  // A project key acts inside its project; on the organization it may only read it.
  if (credential.scope.type === 'project' && target.type === 'organization') return permission === 'organization.read';
  return true;
}

/**
 * Everything a key of this scope could ever use: on the organization a project key only reads it, so
 * a creator holding every project permission (and that read) holds all a project key can do.
 */
function usableByScope(scope: 'project' | 'organization'): Permission[] {
  if (scope === 'organization') return PERMISSION_NAMES;
  return PERMISSION_NAMES.filter((p) => PERMISSIONS[p].scope === 'project' || p === 'organization.read');
}

/**
 * The ceiling to store on a key made for someone else: the permissions its creator holds, through
 * the credential it uses, on the organization and in the key's project (every project, for an
 * organization key). Null when that is everything such a key could use, so an admin's keys keep
 * "all" and gain permissions the catalogue adds later.
 */
export function ceilingFrom(scope: 'project' | 'organization', held: ReadonlySet<Permission>): Permission[] | null {
  const usable = usableByScope(scope);
  if (usable.every((p) => held.has(p))) return null;
  return usable.filter((p) => held.has(p));
}

/** A stored ceiling as the credential checks it; names the catalogue no longer has are dropped. */
export function ceilingSet(stored: readonly string[] | null): ReadonlySet<Permission> | null {
  return stored === null ? null : new Set(stored.filter(isPermission));
}
