import { ceilingFrom } from '../access/credentials.ts';
import { expandRestriction, restrictionProblem, type RestrictedPermissions } from '../access/key-permissions.ts';
import { PERMISSION_NAMES, type Permission } from '../access/permissions.ts';
import { newId } from '../lib/ids.ts';
import { newToken, sha256Hex } from '../lib/secrets.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { ApiKeyRecord, PrincipalRef, ProjectRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer, Standing } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError } from './errors.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

export const API_KEY_PREFIX = 'tnt_key_';
export const MAX_ROTATION_GRACE_SECONDS = 86_400;

export interface NewKeyInput {
  name: string;
  owner_id?: string | undefined;
  expires_at?: number | null | undefined;
  /** `all` (the default), `read_only`, or a restricted key's resource -> none|read|write map. */
  permissions?: 'all' | 'read_only' | RestrictedPermissions | undefined;
}

/** A key as created or rotated: the record and, this once, its secret. */
export interface IssuedKey {
  key: ApiKeyRecord;
  secret: string;
}

function redact(secret: string): string {
  return `${API_KEY_PREFIX}...${secret.slice(-4)}`;
}

/**
 * API keys: project keys for users and service accounts, organization keys for service accounts.
 * A key acts as its owner narrowed to its scope and permissions; see api-key-authenticator.ts for how
 * a presented key becomes a principal.
 */
export function createApiKeyService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; bus: InvalidationBus }) {
  const { store, clock, authorizer, audit, bus } = deps;

  /** Who may own the new key, and whether the caller may make one for it. */
  async function resolveOwner(principal: Principal, standing: Standing, organizationId: string, project: ProjectRecord | undefined, ownerId: string | undefined): Promise<PrincipalRef> {
    const wanted = ownerId ?? principal.id;
    if (principal.credential.kind === 'api_key' && wanted !== principal.id) {
      throw new PermissionDeniedError('An API key can create keys only for its own owner.', 'escalation_refused');
    }
    if (wanted === principal.id) return { type: principal.type, id: principal.id };
    const member = await store.organizations.findMember(organizationId, wanted);
    if (!member || member.type !== 'service_account') {
      throw new InvalidRequestError('owner_id must name yourself or a service account of this organization.', 'owner_id');
    }
    // No escalation: the caller must hold every permission the service account holds there.
    const accountStanding = await authorizer.standing(organizationId, wanted);
    const account: Principal = { type: 'service_account', id: wanted, credential: { kind: 'session', sessionId: '' }, ip: null };
    const held = authorizer.reach(principal, standing, project?.id);
    for (const permission of authorizer.reach(account, accountStanding, project?.id)) {
      if (!held.has(permission)) {
        throw new PermissionDeniedError(`You cannot make a key for this service account: it holds ${permission}, which you do not.`, 'escalation_refused');
      }
    }
    return member;
  }

  /** A key-authenticated caller makes keys no wider and no longer-lived than its own. */
  function narrowToCaller(principal: Principal, input: NewKeyInput, keyScope: 'project' | 'organization'): { permissions: ApiKeyRecord['permissions']; expiresAt: number | null } {
    const now = clock();
    const expiresAt = input.expires_at ?? null;
    if (expiresAt !== null && expiresAt <= now) throw new InvalidRequestError('expires_at must be in the future.', 'expires_at');
    const permissions = input.permissions ?? 'all';
    if (typeof permissions !== 'string') {
      const problem = restrictionProblem(permissions, keyScope);
      if (problem) throw new InvalidRequestError(problem.message, problem.resource === null ? 'permissions' : `permissions.${problem.resource}`);
    }
    const credential = principal.credential;
    if (credential.kind === 'api_key') {
      if (credential.permissions === 'read_only' && permissions === 'all') {
        throw new PermissionDeniedError('A read-only key can create only read-only or restricted keys.', 'escalation_refused');
      }
      // What a restricted key may list is checked with the rest in assertMayHold; `all` and
      // `read_only` would reach past its list.
      if (credential.permissions === 'restricted' && typeof permissions === 'string') {
        throw new PermissionDeniedError('A restricted key can create only restricted keys no wider than itself.', 'escalation_refused');
      }
      if (credential.expiresAt !== null && (expiresAt === null || expiresAt > credential.expiresAt)) {
        throw new PermissionDeniedError('A key can create only keys that expire no later than itself.', 'escalation_refused');
      }
    }
    return { permissions, expiresAt };
  }

  /**
   * No escalation at mint time: a restricted key may list only permissions its creator holds, through
   * the credential it uses, where the key acts (its project, or the organization and every project).
   */
  function assertMayHold(principal: Principal, standing: Standing, permissions: ApiKeyRecord['permissions'], projectId: string | undefined): void {
    if (typeof permissions === 'string') return;
    const held = projectId === undefined ? authorizer.reach(principal, standing) : authorizer.reach(principal, standing, projectId);
    for (const permission of expandRestriction(permissions)) {
      if (!held.has(permission)) {
        throw new PermissionDeniedError(`You cannot make a key that holds ${permission}: you do not hold it here.`, 'escalation_refused');
      }
    }
  }

  /**
   * A key never reaches further than its creator did when making it. A principal's own key follows
   * that principal's access as it changes (the creator is the owner); a key made for someone else (a
   * service account) keeps the creator's permissions as its ceiling, so widening the account later
   * does not widen keys that a narrower creator made; a key made through a key inherits its ceiling.
   */
  function ceilingOf(principal: Principal, standing: Standing, owner: PrincipalRef, projectId: string | undefined): Permission[] | null {
    const credential = principal.credential;
    if (credential.kind === 'api_key') {
      const inherited = credential.ceiling;
      return inherited === null ? null : PERMISSION_NAMES.filter((p) => inherited.has(p));
    }
    if (owner.id === principal.id) return null;
    if (projectId === undefined) return ceilingFrom('organization', authorizer.reach(principal, standing));
    const held = new Set([...authorizer.heldPermissions(principal, standing, { type: 'organization' }), ...authorizer.reach(principal, standing, projectId)]);
    return ceilingFrom('project', held);
  }

  type NewKey = Omit<ApiKeyRecord, 'redacted_value' | 'id' | 'created_at' | 'last_used_at' | 'revoked_at' | 'creator_removed_at'>;

  async function issue(principal: Principal, key: NewKey, projectId: string | null): Promise<IssuedKey> {
    const secret = newToken(API_KEY_PREFIX);
    const record: ApiKeyRecord = { ...key, id: newId('key_'), redacted_value: redact(secret), created_at: clock(), last_used_at: null, revoked_at: null, creator_removed_at: null };
    await audited(store, audit, actorOf(principal), {
      type: 'api_key.created',
      organizationId: record.organization_id,
      projectId,
      resource: { type: 'api_key', id: record.id },
      data: { name: record.name, owner: record.owner, scope: record.scope, permissions: record.permissions, expires_at: record.expires_at, permission_ceiling: record.permission_ceiling },
    }, async (tx) => {
      await tx.apiKeys.insert(record, sha256Hex(secret));
    });
    return { key: record, secret };
  }

  /** Keys a caller may see in a project: all of them with api_keys.see_everyones, else its own. */
  async function visibleProjectKey(principal: Principal, projectId: string, keyId: string, useCase: 'api_keys.get_for_project' | 'api_keys.revoke_for_project' | 'api_keys.rotate_for_project') {
    const { project, standing } = await authorizer.project(principal, projectId, useCase);
    const manages = authorizer.holds(principal, standing, { type: 'project', projectId }, 'api_keys.see_everyones');
    const key = await store.apiKeys.find(keyId);
    if (!key || key.scope.type !== 'project' || key.scope.id !== projectId) throw new NotFoundError('API key');
    if (!manages && key.owner.id !== principal.id && key.created_by !== principal.id) throw new NotFoundError('API key');
    return { project, key };
  }

  async function visibleOrganizationKey(principal: Principal, organizationId: string, keyId: string) {
    await authorizer.organization(principal, organizationId, 'api_keys.revoke_for_organization');
    const key = await store.apiKeys.find(keyId);
    if (!key || key.scope.type !== 'organization' || key.scope.id !== organizationId) throw new NotFoundError('API key');
    return key;
  }

  async function revoke(principal: Principal, key: ApiKeyRecord, projectId: string | null): Promise<ApiKeyRecord> {
    if (key.revoked_at !== null) return key;
    const now = clock();
    await audited(store, audit, actorOf(principal), { type: 'api_key.revoked', organizationId: key.organization_id, projectId, resource: { type: 'api_key', id: key.id }, data: { name: key.name } }, async (tx) => {
      await tx.apiKeys.revoke(key.id, now);
    });
    bus.publish({ kind: 'api_key', id: key.id });
    return { ...key, revoked_at: now };
  }

  return {
    async createForProject(principal: Principal, projectId: string, input: NewKeyInput): Promise<IssuedKey> {
      const { project, standing } = await authorizer.project(principal, projectId, 'api_keys.create_for_project');
      authorizer.assertWritable(project);
      const { permissions, expiresAt } = narrowToCaller(principal, input, 'project');
      assertMayHold(principal, standing, permissions, projectId);
      const owner = await resolveOwner(principal, standing, project.organization_id, project, input.owner_id);
      const ceiling = ceilingOf(principal, standing, owner, projectId);
      return issue(
        principal,
        { organization_id: project.organization_id, scope: { type: 'project', id: projectId }, owner, created_by: principal.id, name: input.name, permissions, expires_at: expiresAt, permission_ceiling: ceiling },
        projectId,
      );
    },

    async listForProject(principal: Principal, projectId: string, page: PageRequest) {
      const { standing } = await authorizer.project(principal, projectId, 'api_keys.list_for_project');
      const manages = authorizer.holds(principal, standing, { type: 'project', projectId }, 'api_keys.see_everyones');
      return listing(store.apiKeys.list({ scopeId: projectId, ownedOrCreatedBy: manages ? undefined : principal.id }, page));
    },

    async getForProject(principal: Principal, projectId: string, keyId: string): Promise<ApiKeyRecord> {
      return (await visibleProjectKey(principal, projectId, keyId, 'api_keys.get_for_project')).key;
    },

    async revokeForProject(principal: Principal, projectId: string, keyId: string): Promise<ApiKeyRecord> {
      const { key } = await visibleProjectKey(principal, projectId, keyId, 'api_keys.revoke_for_project');
      return revoke(principal, key, projectId);
    },

    /** A new secret; the old one keeps working for `graceSeconds`. Revoking later ends both. */
    async rotateForProject(principal: Principal, projectId: string, keyId: string, graceSeconds: number): Promise<IssuedKey> {
      const { project, key } = await visibleProjectKey(principal, projectId, keyId, 'api_keys.rotate_for_project');
      authorizer.assertWritable(project);
      if (key.revoked_at !== null) throw new ConflictError('The key is revoked.', 'key_revoked');
      const now = clock();
      if (key.expires_at !== null && key.expires_at <= now) throw new ConflictError('The key has expired.', 'key_expired');
      const secret = newToken(API_KEY_PREFIX);
      const rotated = { ...key, redacted_value: redact(secret) };
      await audited(store, audit, actorOf(principal), {
        type: 'api_key.rotated',
        organizationId: key.organization_id,
        projectId,
        resource: { type: 'api_key', id: key.id },
        data: { name: key.name, grace_seconds: graceSeconds },
      }, async (tx) => {
        await tx.apiKeys.rotate(key.id, sha256Hex(secret), now + graceSeconds);
        await tx.apiKeys.setRedactedValue(key.id, rotated.redacted_value);
      });
      bus.publish({ kind: 'api_key', id: key.id });
      return { key: rotated, secret };
    },

    async createForOrganization(principal: Principal, organizationId: string, input: NewKeyInput & { owner_id: string }): Promise<IssuedKey> {
      const { standing } = await authorizer.organization(principal, organizationId, 'api_keys.create_for_organization');
      const { permissions, expiresAt } = narrowToCaller(principal, input, 'organization');
      assertMayHold(principal, standing, permissions, undefined);
      const owner = await resolveOwner(principal, standing, organizationId, undefined, input.owner_id);
      if (owner.type !== 'service_account') {
        throw new InvalidRequestError('An organization key must be owned by a service account.', 'owner_id');
      }
      const ceiling = ceilingOf(principal, standing, owner, undefined);
      return issue(
        principal,
        { organization_id: organizationId, scope: { type: 'organization', id: organizationId }, owner, created_by: principal.id, name: input.name, permissions, expires_at: expiresAt, permission_ceiling: ceiling },
        null,
      );
    },

    async listForOrganization(principal: Principal, organizationId: string, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'api_keys.list_for_organization');
      return listing(store.apiKeys.list({ scopeId: organizationId }, page));
    },

    async revokeForOrganization(principal: Principal, organizationId: string, keyId: string): Promise<ApiKeyRecord> {
      return revoke(principal, await visibleOrganizationKey(principal, organizationId, keyId), null);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
