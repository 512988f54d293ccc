import type { MembershipGrant } from './membership-grant.ts';
import { PERMISSIONS, type Permission } from './permissions.ts';
import { roleGrantOf } from './roles.ts';

/**
 * The pure policy: given what a principal holds in one organization, decide. No I/O here, so it is
 * cheap enough to run on every request and easy to test on its own.
 */

/** Everything the policy needs to know about one principal in one organization. */
export interface AccessSnapshot {
  organizationId: string;
  /** Members may read the organization and list its groups, whatever groups they are in. */
  member: boolean;
  grants: readonly MembershipGrant[];
}

export type Target = { type: 'organization' } | { type: 'project'; projectId: string };

export function isActive(grant: MembershipGrant, now: number): boolean {
  return grant.expires_at === null || grant.expires_at > now;
}

/** Does this one grant give `permission` on `target`? */
export function grantAllows(grant: MembershipGrant, permission: Permission, target: Target): boolean {
  const roleGrant = roleGrantOf(grant);
  if (grant.scope.type === 'organization') {
    return target.type === 'organization' ? roleGrant.organization.has(permission) : roleGrant.project.has(permission);
  }
  return target.type === 'project' && grant.scope.id === target.projectId && roleGrant.project.has(permission);
}

export function can(snapshot: AccessSnapshot, permission: Permission, target: Target, now: number): boolean {
  if (!snapshot.member) return false;
  if (PERMISSIONS[permission].scope !== target.type) return false;
  if (permission === 'organization.read') return true;
  for (const grant of snapshot.grants) {
    if (isActive(grant, now) && grantAllows(grant, permission, target)) return true;
  }
  return false;
}

/** The active grants that give `permission` on `target`: the "why" of an access check. */
export function explain(snapshot: AccessSnapshot, permission: Permission, target: Target, now: number): MembershipGrant[] {
  if (!snapshot.member || PERMISSIONS[permission].scope !== target.type) return [];
  return snapshot.grants.filter((grant) => isActive(grant, now) && grantAllows(grant, permission, target));
}

/** Every permission the snapshot holds on `target`. */
export function permissionsAt(snapshot: AccessSnapshot, target: Target, now: number): Set<Permission> {
  const held = new Set<Permission>();
  if (!snapshot.member) return held;
  if (target.type === 'organization') held.add('organization.read');
  for (const grant of snapshot.grants) {
    if (!isActive(grant, now)) continue;
    const roleGrant = roleGrantOf(grant);
    if (grant.scope.type === 'organization') {
      for (const p of target.type === 'organization' ? roleGrant.organization : roleGrant.project) held.add(p);
    } else if (target.type === 'project' && grant.scope.id === target.projectId) {
      for (const p of roleGrant.project) held.add(p);
    }
  }
  return held;
}

/** True when the snapshot reaches every project of the organization (through an organization group). */
export function readsEveryProject(snapshot: AccessSnapshot, now: number): boolean {
  if (!snapshot.member) return false;
  return snapshot.grants.some(
    (g) => g.scope.type === 'organization' && isActive(g, now) && roleGrantOf(g).project.has('project.read'),
  );
}

/** The projects reached through project groups alone. */
export function projectsReachedDirectly(snapshot: AccessSnapshot, now: number): string[] {
  const ids = new Set<string>();
  for (const g of snapshot.grants) {
    if (g.scope.type === 'project' && isActive(g, now) && roleGrantOf(g).project.has('project.read')) ids.add(g.scope.id);
  }
  return [...ids];
}
