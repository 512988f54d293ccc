import { PERMISSION_NAMES, PERMISSIONS, type Permission, type PermissionScope } from './permissions.ts';

/**
 * Restricted API keys, after OpenAI's: a key names, per resource, `none`, `read` or `write`. A
 * resource is the part of a permission's name before its first dot (`files`, `fine_tuning`,
 * `inference`, `project`...); `read` gives the resource's read permissions, `write` all of them.
 */
export type AccessLevel = 'none' | 'read' | 'write';
export type RestrictedPermissions = Readonly<Record<string, AccessLevel>>;

export const ACCESS_LEVELS = ['none', 'read', 'write'] as const;

export function resourceOf(permission: Permission): string {
  return permission.slice(0, permission.indexOf('.'));
}

/** Every resource, with the permissions it holds, in catalogue order. */
export const KEY_RESOURCES: ReadonlyMap<string, readonly Permission[]> = (() => {
  const resources = new Map<string, Permission[]>();
  for (const permission of PERMISSION_NAMES) {
    const list = resources.get(resourceOf(permission)) ?? [];
    list.push(permission);
    resources.set(resourceOf(permission), list);
  }
  return resources;
})();

/** The scope of a resource: project when every permission it holds is a project permission. */
export function resourceScope(resource: string): PermissionScope | undefined {
  const permissions = KEY_RESOURCES.get(resource);
  if (!permissions) return undefined;
  return permissions.every((p) => PERMISSIONS[p].scope === 'project') ? 'project' : 'organization';
}

/** What one level of one resource gives. */
export function permissionsAtLevel(resource: string, level: AccessLevel): Permission[] {
  const permissions = KEY_RESOURCES.get(resource) ?? [];
  if (level === 'none') return [];
  return level === 'read' ? permissions.filter((p) => PERMISSIONS[p].readOnly) : [...permissions];
}

/** Everything a restricted key may do, whatever its owner holds: the union over its resources. */
export function expandRestriction(map: RestrictedPermissions): Permission[] {
  const held = new Set<Permission>();
  for (const [resource, level] of Object.entries(map)) for (const p of permissionsAtLevel(resource, level)) held.add(p);
  return PERMISSION_NAMES.filter((p) => held.has(p));
}

/**
 * Why a map cannot be a key's, or undefined when it can: an unknown resource, an organization
 * resource on a project key, a level that gives nothing (`inference: read`), or nothing at all.
 * Answers the offending resource so the refusal can name it.
 */
export function restrictionProblem(map: RestrictedPermissions, keyScope: PermissionScope): { resource: string | null; message: string } | undefined {
  const entries = Object.entries(map);
  for (const [resource, level] of entries) {
    const scope = resourceScope(resource);
    if (!scope) return { resource, message: `Unknown resource "${resource}"; the resources are ${[...KEY_RESOURCES.keys()].join(', ')}.` };
    if (keyScope === 'project' && scope !== 'project') return { resource, message: `A project key cannot hold the organization resource "${resource}".` };
    if (level !== 'none' && permissionsAtLevel(resource, level).length === 0) {
      return { resource, message: `"${resource}" has no ${level} permission; use ${level === 'read' ? 'write or none' : 'read or none'}.` };
    }
  }
  if (expandRestriction(map).length === 0) return { resource: null, message: 'A restricted key must give at least one resource read or write.' };
  return undefined;
}
