import { newId } from '../../lib/ids.ts';
import type { Clock } from '../../infra/clock.ts';
import type { InvalidationBus } from '../../infra/invalidation.ts';
import { isUniqueViolation } from '../../store/executor.ts';
import type { ScimUserRecord, UserRecord } from '../../store/records.ts';
import type { ScimPage } from '../../store/scim.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { normalizeEmail } from '../../store/users.ts';
import { assertAdminRemainsAfter } from '../admin-rule.ts';
import type { AuditActor, AuditLog } from '../audit.ts';
import type { Authorizer } from '../authorizer.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.ts';
import { settleKeysOfRemovedMember } from '../member-key-settlement.ts';
import type { SessionService } from '../sessions.ts';
import { scimActor, type ScimCaller, type ScimGate } from './caller.ts';
import { parseFilter } from './filter.ts';
import { normalizeOperations, scimBoolean, scimString, type PatchOperation } from './patch.ts';

/** A User as a provider sends it (RFC 7643 section 4.1), the attributes Tenantry keeps. */
export interface ScimUserInput {
  userName: string;
  externalId?: string | null | undefined;
  name?: { givenName?: string | null | undefined; familyName?: string | null | undefined; formatted?: string | null | undefined } | undefined;
  displayName?: string | null | undefined;
  /** Entra sends "True" and "False". */
  active?: boolean | string | undefined;
}

/** What a provider controls about a person in its organization. */
interface UserState {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: boolean;
}

/** No password can match it (passwords.ts reads only scrypt hashes): such a user signs in through SSO. */
const NO_PASSWORD = '!scim-provisioned';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function stateOf(record: ScimUserRecord): UserState {
  return {
    userName: record.user.email,
    externalId: record.external_id,
    givenName: record.given_name,
    familyName: record.family_name,
    displayName: record.display_name,
    active: record.active,
  };
}

function stateFromInput(input: ScimUserInput, fallbackActive: boolean): UserState {
  return {
    userName: input.userName.trim(),
    externalId: scimString(input.externalId ?? null, 'externalId'),
    givenName: scimString(input.name?.givenName ?? null, 'name.givenName'),
    familyName: scimString(input.name?.familyName ?? null, 'name.familyName'),
    displayName: scimString(input.displayName ?? input.name?.formatted ?? null, 'displayName'),
    active: input.active === undefined ? fallbackActive : scimBoolean(input.active, 'active'),
  };
}

/** The name a new account gets: what the provider calls the person, else the email's local part. */
function accountName(state: UserState): string {
  const full = [state.givenName, state.familyName].filter(Boolean).join(' ');
  const chosen = state.displayName ?? (full || state.userName.split('@')[0]!);
  return chosen.slice(0, 200);
}

/** Applies PATCH operations to a User's state. Attributes Tenantry does not keep are accepted and dropped. */
function patched(state: UserState, operations: PatchOperation[]): UserState {
  const next = { ...state };
  for (const { op, path, value } of operations) {
    if (!path || path.extension) continue;
    const removing = op === 'remove';
    const text = (attribute: string) => (removing ? null : scimString(value, attribute));
    switch (path.attribute) {
      case 'active':
        if (removing) throw new InvalidRequestError('active cannot be removed; replace it with false.', 'active', 'invalidValue');
        next.active = scimBoolean(value, 'active');
        break;
      case 'username': {
        const userName = text('userName');
        if (userName === null) throw new InvalidRequestError('userName cannot be removed.', 'userName', 'mutability');
        next.userName = userName.trim();
        break;
      }
      case 'externalid':
        next.externalId = text('externalId');
        break;
      case 'displayname':
        next.displayName = text('displayName');
        break;
      case 'name':
        if (path.subAttribute === 'givenname') next.givenName = text('name.givenName');
        else if (path.subAttribute === 'familyname') next.familyName = text('name.familyName');
        else if (path.subAttribute === undefined && removing) next.givenName = next.familyName = null;
        break;
      default:
        // emails follow userName, which is the account's email; other attributes are not kept.
        break;
    }
  }
  return next;
}

/**
 * SCIM Users of one organization: a provisioned person is a member of the organization; creating one
 * creates the account when the email is new and makes it a member; `active: false` (or DELETE) removes
 * the membership at once, with the keys the person owns there, and `active: true` brings them back.
 */
export function createScimUserService(deps: {
  store: Store;
  clock: Clock;
  audit: AuditLog;
  authorizer: Authorizer;
  bus: InvalidationBus;
  sessions: SessionService;
  enter: ScimGate;
}) {
  const { store, clock, audit, authorizer, bus, sessions, enter } = deps;

  async function find(organizationId: string, userId: string): Promise<ScimUserRecord> {
    const found = await store.scim.findUser(organizationId, userId);
    if (!found) throw new NotFoundError('User', 'id');
    return found;
  }

  interface Removal {
    revokedKeys: string[];
    sessionsEnded: boolean;
  }

  /**
   * Removes the person from the organization, as removing a member does (keys settled, the admin rule
   * kept), and ends their sessions when no organization is left to them: a session that reaches nothing
   * is no longer worth keeping, and ending it touches no other organization.
   */
  async function removeMembership(tx: Repositories, actor: AuditActor, organizationId: string, userId: string, reason: 'deactivated' | 'deleted'): Promise<Removal> {
    await assertAdminRemainsAfter(tx, organizationId, (members) => members.filter((m) => m.principal.id !== userId));
    await tx.organizations.removeMember(organizationId, userId);
    const left = await tx.scim.membershipCount(userId);
    const ended = left === 0 ? await tx.sessions.deleteForUser(userId) : [];
    await audit.record(tx, actor, {
      type: 'member.removed',
      organizationId,
      resource: { type: 'member', id: userId },
      data: { via: 'scim', reason, sessions_ended: ended.length },
    });
    const settled = await settleKeysOfRemovedMember(tx, audit, actor, { organizationId, memberId: userId, now: clock() });
    return { revokedKeys: [...settled.revoked, ...settled.flagged], sessionsEnded: ended.length > 0 };
  }

  async function addMembership(tx: Repositories, actor: AuditActor, organizationId: string, userId: string, reactivated: boolean): Promise<void> {
    await tx.organizations.addMember(organizationId, { type: 'user', id: userId }, clock());
    await audit.record(tx, actor, { type: 'member.added', organizationId, resource: { type: 'member', id: userId }, data: { via: 'scim', reactivated } });
  }

  /** After a commit: caches drop what changed, on every instance. */
  function settle(organizationId: string, userId: string, removal: Removal | undefined): void {
    authorizer.invalidateOrganization(organizationId);
    if (!removal) return;
    for (const keyId of removal.revokedKeys) bus.publish({ kind: 'api_key', id: keyId });
    if (removal.sessionsEnded) sessions.forgetEnded(userId);
  }

  const attributesOf = (state: UserState) => ({ external_id: state.externalId, given_name: state.givenName, family_name: state.familyName, display_name: state.displayName });

  /**
   * Moves an existing SCIM user to what `change` makes of their state: attributes, then membership, in
   * one transaction under the organization's lock, reading the state there (two concurrent PATCHes
   * apply one after the other, never both to what each read before).
   */
  async function apply(caller: ScimCaller, organizationId: string, userId: string, change: (before: UserState) => UserState): Promise<ScimUserRecord> {
    const actor = scimActor(caller);
    let removal: Removal | undefined;
    await store.transaction(async (tx) => {
      await tx.organizations.lock(organizationId);
      const current = await tx.scim.findUser(organizationId, userId);
      if (!current) throw new NotFoundError('User', 'id');
      const before = stateOf(current);
      const next = change(before);
      if (normalizeEmail(next.userName) !== normalizeEmail(current.user.email)) {
        throw new InvalidRequestError('userName is the account\'s email and cannot change through SCIM.', 'userName', 'mutability');
      }
      const changed = (['externalId', 'givenName', 'familyName', 'displayName'] as const).filter((field) => before[field] !== next[field]);
      await tx.scim.saveUserAttributes(organizationId, userId, attributesOf(next), clock());
      if (changed.length > 0) {
        await audit.record(tx, actor, { type: 'scim.user.updated', organizationId, resource: { type: 'user', id: userId }, data: { changed } });
      }
      if (current.active && !next.active) removal = await removeMembership(tx, actor, organizationId, userId, 'deactivated');
      if (!current.active && next.active) await addMembership(tx, actor, organizationId, userId, true);
    });
    settle(organizationId, userId, removal);
    return find(organizationId, userId);
  }

  return {
    async list(caller: ScimCaller, organizationId: string, query: { filter?: string | undefined } & ScimPage) {
      await enter(caller, organizationId);
      // The account's one email is its userName, whichever way the provider asks for it.
      const filter = parseFilter(query.filter, { username: 'userName', 'emails.value': 'userName', 'emails[type eq "work"].value': 'userName', externalid: 'externalId', id: 'id' } as const);
      return store.scim.listUsers(organizationId, filter, query);
    },

    async get(caller: ScimCaller, organizationId: string, userId: string): Promise<ScimUserRecord> {
      await enter(caller, organizationId);
      return find(organizationId, userId);
    },

    /** The organization's groups each user is in, for the read-only `groups` attribute. */
    async groupsOf(organizationId: string, userIds: string[]) {
      const grants = await store.groups.groupsOfPrincipals(organizationId, userIds);
      const out = new Map<string, Array<{ id: string; name: string }>>();
      for (const [userId, list] of grants) out.set(userId, list.filter((g) => g.scope.type === 'organization').map((g) => ({ id: g.group_id, name: g.group_name })));
      return out;
    },

    async create(caller: ScimCaller, organizationId: string, input: ScimUserInput): Promise<ScimUserRecord> {
      await enter(caller, organizationId);
      const state = stateFromInput(input, true);
      if (state.userName.length > 320 || !EMAIL.test(state.userName)) {
        throw new InvalidRequestError('userName must be the person\'s email address.', 'userName', 'invalidValue');
      }
      const actor = scimActor(caller);
      const now = clock();
      const taken = () => new ConflictError('A User with this userName already exists in this organization.', 'uniqueness', 'userName');
      const provision = () =>
        store.transaction(async (tx) => {
          await tx.organizations.lock(organizationId);
          let user: UserRecord | undefined = await tx.users.findByEmail(state.userName);
          if (user && (await tx.scim.findUser(organizationId, user.id))) throw taken();
          if (!user) {
            user = { id: newId('user_'), email: state.userName, name: accountName(state), email_verified: false, created_at: now };
            await tx.users.insert({ ...user, password_hash: NO_PASSWORD });
            await audit.record(tx, actor, { type: 'scim.user.created', organizationId, resource: { type: 'user', id: user.id }, data: { email: user.email, name: user.name } });
          }
          await tx.scim.saveUserAttributes(organizationId, user.id, attributesOf(state), now);
          if (state.active) await addMembership(tx, actor, organizationId, user.id, false);
          return user.id;
        });
      let userId: string;
      try {
        // A second try when the account was created meanwhile (by another organization's provider,
        // or a signup): it finds the account then, and links it.
        userId = await provision().catch((error: unknown) => (isUniqueViolation(error) ? provision() : Promise.reject(error)));
      } catch (error) {
        throw isUniqueViolation(error) ? taken() : error;
      }
      settle(organizationId, userId, undefined);
      return find(organizationId, userId);
    },

    async replace(caller: ScimCaller, organizationId: string, userId: string, input: ScimUserInput): Promise<ScimUserRecord> {
      await enter(caller, organizationId);
      return apply(caller, organizationId, userId, (before) => stateFromInput(input, before.active));
    },

    async patch(caller: ScimCaller, organizationId: string, userId: string, operations: Array<{ op: string; path?: string | undefined; value?: unknown }>): Promise<ScimUserRecord> {
      await enter(caller, organizationId);
      const normalized = normalizeOperations(operations);
      return apply(caller, organizationId, userId, (before) => patched(before, normalized));
    },

    /** Removes the person from the organization and forgets what the provider said about them. */
    async delete(caller: ScimCaller, organizationId: string, userId: string): Promise<void> {
      await enter(caller, organizationId);
      const actor = scimActor(caller);
      let removal: Removal | undefined;
      await store.transaction(async (tx) => {
        await tx.organizations.lock(organizationId);
        const current = await tx.scim.findUser(organizationId, userId);
        if (!current) throw new NotFoundError('User', 'id');
        if (current.active) removal = await removeMembership(tx, actor, organizationId, userId, 'deleted');
        await tx.scim.deleteUser(organizationId, userId);
        await audit.record(tx, actor, { type: 'scim.user.deleted', organizationId, resource: { type: 'user', id: userId }, data: { email: current.user.email } });
      });
      settle(organizationId, userId, removal);
    },
  };
}

export type ScimUserService = ReturnType<typeof createScimUserService>;
