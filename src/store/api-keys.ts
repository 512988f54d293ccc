import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { RestrictedPermissions } from '../access/key-permissions.ts';
import type { ApiKeyRecord } from './records.ts';
import type { ApiKeysTable } from './schema.ts';

function toKey(row: ApiKeysTable): ApiKeyRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    scope: { type: row.scope_type, id: row.scope_id },
    owner: { type: row.owner_type, id: row.owner_id },
    created_by: row.created_by,
    name: row.name,
    redacted_value: row.redacted_value,
    permissions: row.permissions === 'restricted' ? (JSON.parse(row.restricted_permissions ?? '{}') as RestrictedPermissions) : row.permissions,
    created_at: Number(row.created_at),
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
    last_used_at: row.last_used_at === null ? null : Number(row.last_used_at),
    revoked_at: row.revoked_at === null ? null : Number(row.revoked_at),
    permission_ceiling: row.permission_ceiling === null ? null : (JSON.parse(row.permission_ceiling) as string[]),
    creator_removed_at: row.creator_removed_at === null ? null : Number(row.creator_removed_at),
  };
}

export interface KeyListFilter {
  scopeId: string;
  /** Only keys owned or created by this principal; undefined lists every key of the scope. */
  ownedOrCreatedBy?: string | undefined;
}

export function apiKeysRepository(db: Executor) {
  return {
    async insert(key: ApiKeyRecord, secretHash: string): Promise<void> {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          organization_id: key.organization_id,
          scope_type: key.scope.type,
          scope_id: key.scope.id,
          owner_type: key.owner.type,
          owner_id: key.owner.id,
          created_by: key.created_by,
          name: key.name,
          redacted_value: key.redacted_value,
          permissions: typeof key.permissions === 'string' ? key.permissions : 'restricted',
          restricted_permissions: typeof key.permissions === 'string' ? null : JSON.stringify(key.permissions),
          created_at: key.created_at,
          expires_at: key.expires_at,
          last_used_at: null,
          revoked_at: null,
          permission_ceiling: key.permission_ceiling === null ? null : JSON.stringify(key.permission_ceiling),
          creator_removed_at: null,
        })
        .execute();
      await db.insertInto('api_key_secrets').values({ secret_hash: secretHash, key_id: key.id, valid_until: null }).execute();
    },

    /** The key a secret belongs to, with how long that secret stays valid (null: while it is current). */
    async findBySecretHash(secretHash: string): Promise<{ key: ApiKeyRecord; validUntil: number | null } | undefined> {
      const row = await db
        .selectFrom('api_key_secrets as s')
        .innerJoin('api_keys as k', 'k.id', 's.key_id')
        .selectAll('k')
        .select('s.valid_until')
        .where('s.secret_hash', '=', secretHash)
        .executeTakeFirst();
      if (!row) return undefined;
      const { valid_until, ...key } = row;
      return { key: toKey(key), validUntil: valid_until === null ? null : Number(valid_until) };
    },

    async find(id: string): Promise<ApiKeyRecord | undefined> {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toKey(row);
    },

    async list(filter: KeyListFilter, page: PageRequest): Promise<Page<ApiKeyRecord>> {
      let query = db.selectFrom('api_keys').selectAll().where('scope_id', '=', filter.scopeId);
      const mine = filter.ownedOrCreatedBy;
      if (mine) query = query.where((eb) => eb.or([eb('owner_id', '=', mine), eb('created_by', '=', mine)]));
      if (page.after) query = query.where(olderThan('created_at', 'id', await cursorOf(db, 'api_keys', page.after, 'scope_id', filter.scopeId)));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toKey), page.limit);
    },

    async revoke(id: string, at: number): Promise<void> {
      await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },

    /** Revokes every live key a principal owns in an organization; answers their ids. */
    async revokeOwnedBy(organizationId: string, ownerId: string, at: number): Promise<string[]> {
      const rows = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('organization_id', '=', organizationId)
        .where('owner_id', '=', ownerId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },

    /**
     * The live keys of an organization a principal owns or made: both matter when it leaves. Each key
     * says which by its `owner` and `created_by`.
     */
    async liveOwnedOrMadeBy(organizationId: string, principalId: string): Promise<ApiKeyRecord[]> {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where((eb) => eb.or([eb('owner_id', '=', principalId), eb('created_by', '=', principalId)]))
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toKey);
    },

    async markCreatorRemoved(id: string, at: number): Promise<void> {
      await db.updateTable('api_keys').set({ creator_removed_at: at }).where('id', '=', id).where('creator_removed_at', 'is', null).execute();
    },

    /** Starts a rotation: the current secrets stay valid until `validUntil`, and a new one becomes current. */
    async rotate(id: string, newSecretHash: string, validUntil: number): Promise<void> {
      await db.updateTable('api_key_secrets').set({ valid_until: validUntil }).where('key_id', '=', id).where('valid_until', 'is', null).execute();
      await db.insertInto('api_key_secrets').values({ secret_hash: newSecretHash, key_id: id, valid_until: null }).execute();
    },

    async setRedactedValue(id: string, redacted: string): Promise<void> {
      await db.updateTable('api_keys').set({ redacted_value: redacted }).where('id', '=', id).execute();
    },

    async touch(lastUsed: Map<string, number>): Promise<void> {
      for (const [id, at] of lastUsed) {
        await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
      }
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof apiKeysRepository>;
