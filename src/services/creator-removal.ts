import type { Repositories } from '../store/store.ts';
import type { AuditActor, AuditLog } from './audit.ts';

/** What became of the keys a removed member had made for service accounts. */
export interface SettledKeys {
  revoked: string[];
  flagged: string[];
}

/**
 * A key a member made for a service account must not outlive the member's place in the organization.
 * Inside the removal's transaction, each live key the member created for someone else is revoked (the
 * default) or, where the organization chose `flag`, kept working but marked with `creator_removed_at`;
 * each with its own audit event by the remover. The member's own keys need nothing: a key whose owner
 * is no longer a member is refused at authentication.
 */
export async function settleKeysOfRemovedCreator(
  tx: Repositories,
  audit: AuditLog,
  actor: AuditActor,
  input: { organizationId: string; creatorId: string; now: number },
): Promise<SettledKeys> {
  const organization = await tx.organizations.find(input.organizationId);
  const mode = organization?.api_key_creator_removal ?? 'revoke';
  const keys = await tx.apiKeys.liveCreatedForOthersBy(input.organizationId, input.creatorId);
  const settled: SettledKeys = { revoked: [], flagged: [] };
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
