import type { Repositories } from '../store/store.ts';
import type { AuditActor, AuditLog } from './audit.ts';

/** What became of the keys a removed member owned or had made for service accounts. */
export interface SettledKeys {
  revoked: string[];
  flagged: string[];
}

/**
 * A key must not outlive its owner's or its maker's place in the organization. Inside the removal's
 * transaction, each with its own audit event by the remover:
 * - the member's own live keys are revoked: refusing them at authentication while the owner is not a
 *   member is not enough, since they would work again if the person were invited back;
 * - each live key the member created for someone else (a service account) is revoked (the default)
 *   or, where the organization chose `flag`, kept working but marked with `creator_removed_at`.
 */
export async function settleKeysOfRemovedMember(
  tx: Repositories,
  audit: AuditLog,
  actor: AuditActor,
  input: { organizationId: string; memberId: string; now: number },
): Promise<SettledKeys> {
  const organization = await tx.organizations.find(input.organizationId);
  const mode = organization?.api_key_creator_removal ?? 'revoke';
  const settled: SettledKeys = { revoked: [], flagged: [] };
  for (const key of await tx.apiKeys.liveOwnedOrMadeBy(input.organizationId, input.memberId)) {
    const projectId = key.scope.type === 'project' ? key.scope.id : null;
    const owned = key.owner.id === input.memberId;
    const data = owned
      ? { name: key.name, reason: 'owner_removed', owner: key.owner }
      : { name: key.name, reason: 'creator_removed', created_by: input.memberId, owner: key.owner };
    if (owned || mode === 'revoke') {
      await tx.apiKeys.revoke(key.id, input.now);
      await audit.record(tx, actor, { type: 'api_key.revoked', organizationId: input.organizationId, projectId, resource: { type: 'api_key', id: key.id }, data });
      settled.revoked.push(key.id);
    } else if (key.creator_removed_at === null) {
      await tx.apiKeys.markCreatorRemoved(key.id, input.now);
      await audit.record(tx, actor, { type: 'api_key.flagged', organizationId: input.organizationId, projectId, resource: { type: 'api_key', id: key.id }, data });
      settled.flagged.push(key.id);
    }
  }
  return settled;
}
