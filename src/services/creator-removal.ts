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
export async function settleKeysOfRemovedCreator(
  tx: Repositories,
  audit: AuditLog,
  actor: AuditActor,
  input: { organizationId: string; creatorId: string; now: number },
): Promise<SettledKeys> {
  const organization = await tx.organizations.find(input.organizationId);
  const mode = organization?.api_key_creator_removal ?? 'revoke';
  const settled: SettledKeys = { revoked: [], flagged: [] };
  for (const key of await tx.apiKeys.liveOwnedBy(input.organizationId, input.creatorId)) {
    const projectId = key.scope.type === 'project' ? key.scope.id : null;
    await tx.apiKeys.revoke(key.id, input.now);
    await audit.record(tx, actor, { type: 'api_key.revoked', organizationId: input.organizationId, projectId, resource: { type: 'api_key', id: key.id }, data: { name: key.name, reason: 'owner_removed', owner: key.owner } });
    settled.revoked.push(key.id);
  }
  const keys = await tx.apiKeys.liveCreatedForOthersBy(input.organizationId, input.creatorId);
  for (const key of keys) {
    const projectId = key.scope.type === 'project' ? key.scope.id : null;
    const data = { name: key.name, reason: 'creator_removed', created_by: input.creatorId, owner: key.owner };
    if (mode === 'revoke') {
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
