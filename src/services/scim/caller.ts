import type { Store } from '../../store/store.ts';
import { audited, type AuditActor, type AuditLog } from '../audit.ts';
import { NotFoundError } from '../errors.ts';

/**
 * Who calls /scim: an organization's identity provider, through one of that organization's SCIM
 * tokens. It is no principal: it reaches the SCIM resources of its own organization and nothing else.
 */
export interface ScimCaller {
  tokenId: string;
  organizationId: string;
  ip: string | null;
}

export const scimActor = (caller: ScimCaller): AuditActor => ({ type: 'scim_token', id: caller.tokenId, api_key_id: null, ip: caller.ip });

/**
 * The first step of every SCIM use case: the organization in the path must be the token's own. A token
 * used against another organization is answered as if that organization did not exist, and the attempt
 * is written to the token's own organization's audit log, where its admins can see a token misused.
 */
export function createScimGate(deps: { store: Store; audit: AuditLog }) {
  return async function enter(caller: ScimCaller, organizationId: string): Promise<void> {
    if (caller.organizationId === organizationId) return;
    await audited(deps.store, deps.audit, scimActor(caller), {
      type: 'scim.request.refused',
      organizationId: caller.organizationId,
      resource: { type: 'scim_token', id: caller.tokenId },
      data: { reason: 'other_organization', requested_organization_id: organizationId },
    }, async () => {});
    throw new NotFoundError('organization');
  };
}

export type ScimGate = ReturnType<typeof createScimGate>;
