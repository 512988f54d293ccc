import type { Credential } from '../services/principal.ts';
import { PERMISSIONS, type Permission } from './permissions.ts';
import type { Target } from './policy.ts';

/**
 * What a credential lets through, whatever its principal holds. A session passes everything; an API
 * key passes only its scope, and only reads when it is read-only.
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
  // A project key acts inside its project; on the organization it may only read it.
  if (credential.scope.type === 'project' && target.type === 'organization') return permission === 'organization.read';
  return true;
}
