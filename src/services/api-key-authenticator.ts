import { ceilingSet } from '../access/credentials.ts';
import { expandRestriction } from '../access/key-permissions.ts';
import type { Permission } from '../access/permissions.ts';
import { sha256Hex } from '../lib/secrets.ts';
import type { ApiKeyRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { AuthenticationError } from './errors.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import { LastUsedRecorder } from './last-used-recorder.ts';
import type { Principal } from '../access/principal.ts';

interface CachedSecret {
  key: ApiKeyRecord;
  /** Null while the secret is the key's current one; a time once a rotation began its grace period. */
  validUntil: number | null;
  /** The key's ceiling, parsed once per load rather than per request. */
  ceiling: ReadonlySet<Permission> | null;
  /** A restricted key's permissions, expanded once per load; null for `all` and `read_only`. */
  restriction: ReadonlySet<Permission> | null;
  /** performance.now() when its read began: past the bus's staleness bound it is read again. */
  loadedAt: number;
}

/**
 * Turns a presented API key into its principal. A warm request costs no query: secrets are cached by
 * hash, the owner's standing and the project by the authorizer, and every rule is checked against
 * those on each request, so a key stops working on the very next request after its revocation, its
 * expiry, its owner leaving the organization or its project being archived. `last_used_at` is noted in
 * memory and written in batches, at most once a minute per key.
 */
export function createApiKeyAuthenticator(deps: { store: Store; clock: Clock; authorizer: Authorizer; bus: InvalidationBus; onError?: (error: unknown) => void }) {
  const { store, clock, authorizer } = deps;
  const bySecretHash = new Map<string, CachedSecret>();
  const recorder = new LastUsedRecorder((batch) => store.apiKeys.touch(batch), 60, 5_000, deps.onError);
  let epoch = 0;

  deps.bus.subscribe((message) => {
    if (message.kind === 'api_key') {
      for (const [hash, entry] of bySecretHash) if (entry.key.id === message.id) bySecretHash.delete(hash);
    } else if (message.kind === 'everything') {
      bySecretHash.clear();
    }
    epoch += 1;
  });

  async function lookup(hash: string): Promise<CachedSecret | undefined> {
    const hit = bySecretHash.get(hash);
    if (hit && performance.now() - hit.loadedAt < deps.bus.maxStalenessMs) return hit;
    const startedAt = epoch;
    const loadedAt = performance.now();
    const row = await store.apiKeys.findBySecretHash(hash);
    if (!row) bySecretHash.delete(hash);
    const found = row && {
      ...row,
      ceiling: ceilingSet(row.key.permission_ceiling),
      restriction: typeof row.key.permissions === 'string' ? null : new Set(expandRestriction(row.key.permissions)),
      loadedAt,
    };
    // A load that raced an invalidation may have read the key before its change: serve it, don't keep it.
    if (found && startedAt === epoch) bySecretHash.set(hash, found);
    return found;
  }

  return {
    async authenticate(token: string, ip: string | null): Promise<Principal> {
      const entry = await lookup(sha256Hex(token));
      if (!entry) throw new AuthenticationError('The API key is not valid.', 'invalid_api_key');
      const { key, validUntil, ceiling, restriction } = entry;
      const now = clock();
      if (key.revoked_at !== null) throw new AuthenticationError('The API key has been revoked.', 'api_key_revoked');
      if (key.expires_at !== null && key.expires_at <= now) throw new AuthenticationError('The API key has expired.', 'api_key_expired');
      if (validUntil !== null && validUntil <= now) throw new AuthenticationError('This secret was rotated out; use the new one.', 'api_key_rotated');
      const standing = await authorizer.standing(key.organization_id, key.owner.id);
      if (!standing.member || !standing.organization) {
        throw new AuthenticationError("The API key's owner is no longer a member of its organization.", 'api_key_owner_left');
      }
      if (key.scope.type === 'project') {
        const project = await authorizer.findProject(key.scope.id);
        if (!project) throw new AuthenticationError('The API key is not valid.', 'invalid_api_key');
        if (project.status === 'archived') throw new AuthenticationError("The API key's project is archived.", 'project_archived');
      }
      recorder.note(key.id, now, key.last_used_at ?? 0);
      return {
        type: key.owner.type,
        id: key.owner.id,
        credential: {
          kind: 'api_key',
          keyId: key.id,
          organizationId: key.organization_id,
          scope: key.scope,
          permissions: typeof key.permissions === 'string' ? key.permissions : 'restricted',
          restriction,
          expiresAt: key.expires_at,
          ceiling,
        },
        ip,
      };
    },

    /** The newest known use of a key, including one not yet written. */
    lastUsed(key: ApiKeyRecord): number | null {
      return recorder.latest(key.id) ?? key.last_used_at;
    },

    flush: () => recorder.flush(),
  };
}

export type ApiKeyAuthenticator = ReturnType<typeof createApiKeyAuthenticator>;
