import type { PrincipalRef } from '../store/records.ts';
import type { Repositories } from '../store/store.ts';
import { ConflictError } from './errors.ts';

type AdminMembership = { principal: PrincipalRef; expires_at: number | null };

/**
 * The admin rule: an organization always keeps at least one user in its built-in `admins` group whose
 * membership never expires. Call inside the transaction that makes the change: it locks the
 * organization, so concurrent removals are checked one after another and cannot both pass.
 */
export async function assertAdminRemainsAfter(
  tx: Repositories,
  organizationId: string,
  change: (memberships: AdminMembership[]) => AdminMembership[],
): Promise<void> {
  await tx.organizations.lock(organizationId);
  const admins = await tx.groups.findBuiltIn(organizationId, 'admins');
  if (!admins) return;
  const after = change(await tx.groups.membersOf(admins.id));
  if (!after.some((m) => m.principal.type === 'user' && m.expires_at === null)) {
    throw new ConflictError(
      'The organization must keep at least one admin whose membership does not expire.',
      'last_admin',
    );
  }
}

export async function adminsGroupId(tx: Repositories, organizationId: string): Promise<string | undefined> {
  return (await tx.groups.findBuiltIn(organizationId, 'admins'))?.id;
}
