import { newId } from '../../lib/ids.ts';
import type { Clock } from '../../infra/clock.ts';
import { isUniqueViolation } from '../../store/executor.ts';
import type { GroupRecord, ScimGroupRecord } from '../../store/records.ts';
import type { ScimPage } from '../../store/scim.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { assertAdminRemainsAfter } from '../admin-rule.ts';
import type { AuditLog } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.ts';
import { scimActor, type ScimCaller, type ScimGate } from './caller.ts';
import { parseFilter } from './filter.ts';
import { isObject, normalizeOperations, scimString, type PatchOperation } from './patch.ts';

/**
 * The role a group created through SCIM carries: the least one (read every project). A provider that
 * should grant more links to a group an admin made with that role (Okta's "push group" finds it by
 * displayName), since a group's role never changes.
 */
export const SCIM_GROUP_ROLE = 'viewer';

export interface ScimGroupInput {
  displayName: string;
  externalId?: string | null | undefined;
  members?: Array<{ value: string }> | undefined;
}

interface GroupState {
  displayName: string;
  externalId: string | null;
  /** User ids; service accounts in the group are not SCIM's and stay as they are. */
  members: Set<string>;
}

function displayNameOf(value: unknown): string {
  const text = scimString(value, 'displayName', 200)?.trim();
  if (!text) throw new InvalidRequestError('displayName must not be empty.', 'displayName', 'invalidValue');
  return text;
}

function memberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (!isObject(item) || typeof item.value !== 'string' || item.value === '') {
      throw new InvalidRequestError('members takes objects with the User\'s id as value: [{"value": "user_..."}].', 'members', 'invalidValue');
    }
    return item.value;
  });
}

function patched(state: GroupState, operations: PatchOperation[]): GroupState {
  const next: GroupState = { ...state, members: new Set(state.members) };
  for (const { op, path, value } of operations) {
    if (!path || path.extension) continue;
    if (path.attribute === 'displayname') {
      if (op === 'remove') throw new InvalidRequestError('displayName cannot be removed.', 'displayName', 'mutability');
      next.displayName = displayNameOf(value);
    } else if (path.attribute === 'externalid') {
      next.externalId = op === 'remove' ? null : scimString(value, 'externalId');
    } else if (path.attribute === 'members') {
      if (path.filter) {
        // members[value eq "user_..."], as Okta removes one member.
        if (op !== 'remove' || path.filter.attribute !== 'value') throw new InvalidRequestError('Only remove takes members[value eq "..."].', 'path', 'invalidPath');
        next.members.delete(path.filter.value);
      } else if (op === 'add') {
        for (const id of memberIds(value)) next.members.add(id);
      } else if (op === 'replace') {
        next.members = new Set(memberIds(value ?? []));
      } else if (value === undefined || value === null) {
        next.members.clear();
      } else {
        for (const id of memberIds(value)) next.members.delete(id);
      }
    }
  }
  return next;
}

/**
 * SCIM Groups of one organization: its organization groups (built-in ones too: a provider may manage
 * who the admins are, and the admin rule still holds). Membership holds users who are members of the
 * organization; each change is a group change like any other, with its audit event.
 */
export function createScimGroupService(deps: { store: Store; clock: Clock; audit: AuditLog; authorizer: Authorizer; enter: ScimGate }) {
  const { store, clock, audit, authorizer, enter } = deps;

  /** The group as SCIM shows it, read through `repos` (the store, or a transaction's repositories). */
  async function read(repos: Repositories, organizationId: string, groupId: string): Promise<ScimGroupRecord> {
    const { items } = await repos.scim.listGroups(organizationId, [{ attribute: 'id', value: groupId }], { startIndex: 1, count: 1 });
    const found = items[0];
    if (!found) throw new NotFoundError('Group', 'id');
    const members = await repos.scim.userMembersOf([groupId]);
    return { group: found.group, external_id: found.external_id, updated_at: found.updated_at ?? found.group.created_at, members: members.get(groupId) ?? [] };
  }

  const stateOf = (record: ScimGroupRecord): GroupState => ({ displayName: record.group.name, externalId: record.external_id, members: new Set(record.members.map((m) => m.id)) });

  const nameTaken = () => new ConflictError('A group with this displayName already exists in this organization.', 'uniqueness', 'displayName');

  /**
   * Moves a group to what `change` makes of its state, in one transaction under the organization's
   * lock: the state is read there, so two concurrent PATCHes apply one after the other rather than each
   * to what it read before. `creating` inserts the group first (its state then starts empty).
   */
  async function apply(caller: ScimCaller, organizationId: string, target: { groupId: string } | { creating: GroupRecord }, change: (before: GroupState) => GroupState): Promise<string> {
    const actor = scimActor(caller);
    const now = clock();
    let groupId: string;
    try {
      groupId = await store.transaction(async (tx) => {
        await tx.organizations.lock(organizationId);
        let group: GroupRecord;
        let before: GroupState;
        if ('creating' in target) {
          group = target.creating;
          if (await tx.groups.nameTaken(organizationId, group.name)) throw nameTaken();
          await tx.groups.insert(group);
          await audit.record(tx, actor, { type: 'group.created', organizationId, resource: { type: 'group', id: group.id }, data: { via: 'scim', name: group.name, role: group.role } });
          before = { displayName: group.name, externalId: null, members: new Set() };
        } else {
          const current = await read(tx, organizationId, target.groupId);
          group = current.group;
          before = stateOf(current);
        }
        const next = change(before);
        const about = { organizationId, resource: { type: 'group', id: group.id } };
        if (next.displayName !== before.displayName) {
          if (group.built_in) throw new InvalidRequestError('A built-in group cannot be renamed.', 'displayName', 'mutability');
          if (await tx.groups.nameTaken(organizationId, next.displayName)) throw nameTaken();
          await tx.groups.rename(group.id, next.displayName);
          await audit.record(tx, actor, { type: 'group.updated', ...about, data: { via: 'scim', name: next.displayName, previous_name: before.displayName } });
        }
        await tx.scim.saveGroupExternalId(organizationId, group.id, next.externalId, now);
        for (const userId of [...next.members].filter((id) => !before.members.has(id))) {
          const member = await tx.organizations.findMember(organizationId, userId);
          if (!member || member.type !== 'user') {
            throw new InvalidRequestError(`members: ${userId} is not an active User of this organization.`, 'members', 'invalidValue');
          }
          await tx.groups.addMember(group, member, null, now);
          await audit.record(tx, actor, { type: 'group.member.added', ...about, data: { via: 'scim', principal_id: userId, principal_type: 'user', expires_at: null } });
        }
        const removed = [...before.members].filter((id) => !next.members.has(id));
        if (removed.length > 0 && group.built_in && group.role === 'admin') {
          await assertAdminRemainsAfter(tx, organizationId, (members) => members.filter((m) => !removed.includes(m.principal.id)));
        }
        for (const userId of removed) {
          await tx.groups.removeMember(group.id, userId);
          await audit.record(tx, actor, { type: 'group.member.removed', ...about, data: { via: 'scim', principal_id: userId } });
        }
        return group.id;
      });
    } catch (error) {
      // Names are checked under the lock; a violation left is a name taken by a writer outside SCIM.
      throw isUniqueViolation(error) ? nameTaken() : error;
    }
    authorizer.invalidateOrganization(organizationId);
    return groupId;
  }

  return {
    async list(caller: ScimCaller, organizationId: string, query: { filter?: string | undefined } & ScimPage) {
      await enter(caller, organizationId);
      const filter = parseFilter(query.filter, { displayname: 'displayName', externalid: 'externalId', id: 'id', 'members.value': 'member' } as const);
      const page = await store.scim.listGroups(organizationId, filter, query);
      const members = await store.scim.userMembersOf(page.items.map((item) => item.group.id));
      return {
        total: page.total,
        items: page.items.map((item): ScimGroupRecord => ({ group: item.group, external_id: item.external_id, updated_at: item.updated_at ?? item.group.created_at, members: members.get(item.group.id) ?? [] })),
      };
    },

    async get(caller: ScimCaller, organizationId: string, groupId: string): Promise<ScimGroupRecord> {
      await enter(caller, organizationId);
      return read(store, organizationId, groupId);
    },

    async create(caller: ScimCaller, organizationId: string, input: ScimGroupInput): Promise<ScimGroupRecord> {
      await enter(caller, organizationId);
      const state: GroupState = { displayName: displayNameOf(input.displayName), externalId: scimString(input.externalId ?? null, 'externalId'), members: new Set(memberIds(input.members ?? [])) };
      const group: GroupRecord = {
        id: newId('grp_'),
        organization_id: organizationId,
        scope: { type: 'organization', id: organizationId },
        name: state.displayName,
        role: SCIM_GROUP_ROLE,
        custom_role: null,
        built_in: false,
        created_at: clock(),
      };
      // The group and its first members in one transaction: a member refused leaves no group behind.
      await apply(caller, organizationId, { creating: group }, () => state);
      return read(store, organizationId, group.id);
    },

    async replace(caller: ScimCaller, organizationId: string, groupId: string, input: ScimGroupInput): Promise<ScimGroupRecord> {
      await enter(caller, organizationId);
      const next: GroupState = { displayName: displayNameOf(input.displayName), externalId: scimString(input.externalId ?? null, 'externalId'), members: new Set(memberIds(input.members ?? [])) };
      await apply(caller, organizationId, { groupId }, () => next);
      return read(store, organizationId, groupId);
    },

    async patch(caller: ScimCaller, organizationId: string, groupId: string, operations: Array<{ op: string; path?: string | undefined; value?: unknown }>): Promise<ScimGroupRecord> {
      await enter(caller, organizationId);
      const normalized = normalizeOperations(operations);
      await apply(caller, organizationId, { groupId }, (before) => patched(before, normalized));
      return read(store, organizationId, groupId);
    },

    async delete(caller: ScimCaller, organizationId: string, groupId: string): Promise<void> {
      await enter(caller, organizationId);
      const { group } = await read(store, organizationId, groupId);
      if (group.built_in) throw new InvalidRequestError('A built-in group cannot be deleted.', 'id', 'mutability');
      await store.transaction(async (tx) => {
        await tx.groups.delete(group.id);
        await tx.scim.deleteGroup(group.id);
        await audit.record(tx, scimActor(caller), { type: 'group.deleted', organizationId, resource: { type: 'group', id: group.id }, data: { via: 'scim', name: group.name } });
      });
      authorizer.invalidateOrganization(organizationId);
    },
  };
}

export type ScimGroupService = ReturnType<typeof createScimGroupService>;
