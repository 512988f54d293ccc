import type { UserRecord } from '../../store/records.ts';
import type { SsoConnectionRecord } from '../../store/sso.ts';
import type { Repositories } from '../../store/store.ts';
import { adminsGroupId, assertAdminRemainsAfter } from '../admin-rule.ts';
import type { AuditActor, AuditLog } from '../audit.ts';
import { ConflictError } from '../errors.ts';

/**
 * What a sign-in through a connection changes in its organization, inside the sign-in's transaction:
 * membership at first sign-in (with the connection's default groups), and the memberships its group
 * mappings make, each with its audit event.
 */

/** Joins the organization with the default groups at first sign-in; answers whether it joined. */
export async function joinIfNew(audit: AuditLog, tx: Repositories, connection: SsoConnectionRecord, user: UserRecord, actor: AuditActor, now: number): Promise<boolean> {
  const organizationId = connection.organization_id;
  if (await tx.organizations.findMember(organizationId, user.id)) return false;
  await tx.organizations.addMember(organizationId, { type: 'user', id: user.id }, now);
  await audit.record(tx, actor, { type: 'member.joined', organizationId, resource: { type: 'user', id: user.id }, data: { via: 'sso', connection_id: connection.id } });
  for (const groupId of connection.default_group_ids) {
    const group = await tx.groups.find(groupId);
    if (!group || group.organization_id !== organizationId) continue;
    await tx.groups.addMember(group, { type: 'user', id: user.id }, null, now);
    await audit.record(tx, actor, {
      type: 'group.member.added',
      organizationId,
      projectId: group.scope.type === 'project' ? group.scope.id : null,
      resource: { type: 'group', id: group.id },
      data: { principal_id: user.id, principal_type: 'user', expires_at: null, via: 'sso', connection_id: connection.id, reason: 'default_group' },
    });
  }
  return true;
}

/**
 * Brings the memberships the connection's mappings made in line with the `groups` claim: adds the
 * mapped groups the person lacks, removes the ones a mapping made that the IdP no longer names.
 * A membership made by hand is never touched; the admin rule still holds (a removal that would
 * leave no admin is skipped).
 */
export async function syncMappedGroups(audit: AuditLog, tx: Repositories, connection: SsoConnectionRecord, user: UserRecord, idpGroups: string[], actor: AuditActor, now: number) {
  const organizationId = connection.organization_id;
  const mappings = await tx.sso.allMappings(connection.id);
  const wanted = new Map<string, string>();
  for (const mapping of mappings) if (idpGroups.includes(mapping.idp_group) && !wanted.has(mapping.group_id)) wanted.set(mapping.group_id, mapping.idp_group);
  const made = new Set(await tx.sso.mappedGroupsOf(connection.id, user.id));
  const added: string[] = [];
  const removed: string[] = [];
  for (const [groupId, idpGroup] of wanted) {
    const group = await tx.groups.find(groupId);
    if (!group || group.organization_id !== organizationId) continue;
    // Already in it: by this mapping, or by hand (which the mapping then leaves alone).
    if (await tx.groups.findMember(groupId, user.id)) continue;
    await tx.groups.addMember(group, { type: 'user', id: user.id }, null, now);
    // A mapped membership whose row outlived it (the person was removed from the organization) is made again.
    if (!made.has(groupId)) await tx.sso.recordMappedMembership({ connection_id: connection.id, group_id: groupId, principal_id: user.id, organization_id: organizationId, added_at: now });
    await audit.record(tx, actor, {
      type: 'group.member.added',
      organizationId,
      projectId: group.scope.type === 'project' ? group.scope.id : null,
      resource: { type: 'group', id: groupId },
      data: { principal_id: user.id, principal_type: 'user', expires_at: null, via: 'sso', connection_id: connection.id, idp_group: idpGroup },
    });
    added.push(groupId);
  }
  for (const groupId of made) {
    if (wanted.has(groupId)) continue;
    const group = await tx.groups.find(groupId);
    if (!group || group.organization_id !== organizationId || !(await tx.groups.findMember(groupId, user.id))) {
      await tx.sso.forgetMappedMembership(groupId, user.id);
      continue;
    }
    if (groupId === (await adminsGroupId(tx, organizationId))) {
      try {
        await assertAdminRemainsAfter(tx, organizationId, (members) => members.filter((m) => m.principal.id !== user.id));
      } catch (error) {
        if (error instanceof ConflictError) continue;
        throw error;
      }
    }
    await tx.groups.removeMember(groupId, user.id);
    await tx.sso.forgetMappedMembership(groupId, user.id);
    await audit.record(tx, actor, {
      type: 'group.member.removed',
      organizationId,
      projectId: group.scope.type === 'project' ? group.scope.id : null,
      resource: { type: 'group', id: groupId },
      data: { principal_id: user.id, via: 'sso', connection_id: connection.id },
    });
    removed.push(groupId);
  }
  return { added, removed };
}
