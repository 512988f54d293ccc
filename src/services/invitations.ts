import { newId } from '../lib/ids.ts';
import type { InvitationStatusFilter } from '../store/invitations.ts';
import type { PageRequest } from '../store/pagination.ts';
import type { GroupRecord, InvitationRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { normalizeEmail } from '../store/users.ts';
import { actorOf, type AuditLog, audited } from './audit.ts';
import type { Authorizer } from './authorizer.ts';
import type { Clock } from '../infra/clock.ts';
import { ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError } from './errors.ts';
import { assertMayGrant } from './grant-check.ts';
import type { Notifier } from '../infra/notifier.ts';
import type { Principal } from '../access/principal.ts';
import { listing } from './listing.ts';

export const INVITATION_LIFETIME_SECONDS = 3 * 24 * 3600;

export type InvitationStatus = InvitationRecord['status'] | 'expired';

export interface InvitationView extends Omit<InvitationRecord, 'status'> {
  status: InvitationStatus;
}

export function createInvitationService(deps: { store: Store; clock: Clock; authorizer: Authorizer; audit: AuditLog; notifier: Notifier; consoleUrl: string }) {
  const { store, clock, authorizer, audit } = deps;

  const about = (invitation: InvitationRecord) => ({
    organizationId: invitation.organization_id,
    resource: { type: 'invitation', id: invitation.id },
    data: { email: invitation.email },
  });

  const view = (invitation: InvitationRecord, now = clock()): InvitationView => ({
    ...invitation,
    status: invitation.status === 'pending' && invitation.expires_at <= now ? 'expired' : invitation.status,
  });

  async function findInOrganization(organizationId: string, invitationId: string): Promise<InvitationRecord> {
    const invitation = await store.invitations.find(invitationId);
    if (!invitation || invitation.organization_id !== organizationId) throw new NotFoundError('invitation');
    return invitation;
  }

  /** An invitation addressed to the calling user; anyone else is told it does not exist. */
  async function findAddressedTo(principal: Principal, invitationId: string): Promise<{ invitation: InvitationRecord; verified: boolean }> {
    if (principal.type !== 'user') throw new NotFoundError('invitation');
    const user = await store.users.findById(principal.id);
    const invitation = await store.invitations.find(invitationId);
    if (!user || !invitation || normalizeEmail(invitation.email) !== normalizeEmail(user.email)) throw new NotFoundError('invitation');
    if (!(await store.organizations.find(invitation.organization_id))) throw new NotFoundError('invitation');
    return { invitation, verified: user.email_verified };
  }

  function assertPending(invitation: InvitationRecord, now: number): void {
    if (invitation.status !== 'pending') {
      throw new ConflictError(`The invitation is ${invitation.status}, not pending.`, 'invitation_not_pending');
    }
    if (invitation.expires_at <= now) throw new ConflictError('The invitation has expired; ask for it to be resent.', 'invitation_expired');
  }

  return {
    async create(
      principal: Principal,
      organizationId: string,
      input: { email: string; group_ids?: string[] | undefined; projects?: Array<{ project_id: string; group_id: string }> | undefined },
    ): Promise<InvitationView> {
      const { organization, standing } = await authorizer.organization(principal, organizationId, 'invitations.create');
      const groupIds = [...new Set(input.group_ids ?? [])];
      const projects = input.projects ?? [];
      const groups: GroupRecord[] = [];
      for (const [index, groupId] of groupIds.entries()) {
        const group = await store.groups.find(groupId);
        if (!group || group.scope.type !== 'organization' || group.scope.id !== organizationId) {
          throw new InvalidRequestError('Not an organization group of this organization.', `group_ids.${index}`, 'unknown_group');
        }
        groups.push(group);
      }
      for (const [index, pair] of projects.entries()) {
        const project = await authorizer.findProject(pair.project_id);
        if (!project || project.organization_id !== organizationId) {
          throw new InvalidRequestError('Not a project of this organization.', `projects.${index}.project_id`, 'unknown_project');
        }
        const group = await store.groups.find(pair.group_id);
        if (!group || group.scope.type !== 'project' || group.scope.id !== project.id) {
          throw new InvalidRequestError('Not a group of that project.', `projects.${index}.group_id`, 'unknown_group');
        }
        authorizer.assertWritable(project);
        groups.push(group);
      }
      for (const group of groups) assertMayGrant(authorizer, principal, standing, group);

      const now = clock();
      const invitation: InvitationRecord = {
        id: newId('inv_'),
        organization_id: organizationId,
        organization_name: organization.name,
        email: input.email.trim(),
        status: 'pending',
        group_ids: groupIds,
        projects,
        inviter_id: principal.id,
        created_at: now,
        expires_at: now + INVITATION_LIFETIME_SECONDS,
      };
      await audited(store, audit, actorOf(principal), {
        type: 'invitation.created',
        ...about(invitation),
        data: { email: invitation.email, group_ids: invitation.group_ids, projects: invitation.projects },
      }, async (tx) => {
        await tx.organizations.lock(organizationId);
        if (await tx.organizations.hasMemberWithEmail(organizationId, normalizeEmail(invitation.email))) {
          throw new ConflictError('This email already belongs to a member of the organization.', 'already_member', 'email');
        }
        if (await tx.invitations.findPendingFor(organizationId, invitation.email, now)) {
          throw new ConflictError('This email already has a pending invitation; resend it instead.', 'invitation_pending', 'email');
        }
        await tx.invitations.insert(invitation);
      });
      const inviter = principal.type === 'user' ? await store.users.findById(principal.id) : undefined;
      await deps.notifier.invitationSent({ invitation, organizationName: organization.name, inviterName: inviter?.name ?? 'An administrator', consoleUrl: deps.consoleUrl });
      return view(invitation, now);
    },

    async list(principal: Principal, organizationId: string, status: InvitationStatusFilter | undefined, page: PageRequest) {
      await authorizer.organization(principal, organizationId, 'invitations.list');
      const now = clock();
      const result = await listing(store.invitations.list(organizationId, status, now, page));
      return { ...result, items: result.items.map((i) => view(i, now)) };
    },

    async revoke(principal: Principal, organizationId: string, invitationId: string): Promise<InvitationView> {
      await authorizer.organization(principal, organizationId, 'invitations.revoke');
      const invitation = await findInOrganization(organizationId, invitationId);
      if (invitation.status !== 'pending') throw new ConflictError(`The invitation is ${invitation.status}, not pending.`, 'invitation_not_pending');
      const now = clock();
      await audited(store, audit, actorOf(principal), { type: 'invitation.revoked', ...about(invitation) }, async (tx) => {
        await tx.invitations.setStatus(invitationId, 'revoked', now);
      });
      return view({ ...invitation, status: 'revoked' }, now);
    },

    async resend(principal: Principal, organizationId: string, invitationId: string): Promise<InvitationView> {
      const { organization } = await authorizer.organization(principal, organizationId, 'invitations.resend');
      const invitation = await findInOrganization(organizationId, invitationId);
      if (invitation.status !== 'pending') throw new ConflictError(`The invitation is ${invitation.status}, not pending.`, 'invitation_not_pending');
      const now = clock();
      const resent = { ...invitation, expires_at: now + INVITATION_LIFETIME_SECONDS };
      await audited(store, audit, actorOf(principal), { type: 'invitation.resent', ...about(invitation) }, async (tx) => {
        await tx.invitations.setExpiry(invitationId, resent.expires_at);
      });
      const inviter = principal.type === 'user' ? await store.users.findById(principal.id) : undefined;
      await deps.notifier.invitationSent({ invitation: resent, organizationName: organization.name, inviterName: inviter?.name ?? 'An administrator', consoleUrl: deps.consoleUrl });
      return view(resent, now);
    },

    async listMine(principal: Principal): Promise<InvitationView[]> {
      if (principal.type !== 'user') return [];
      const user = await store.users.findById(principal.id);
      if (!user) return [];
      const now = clock();
      return (await store.invitations.pendingForEmail(user.email, now)).map((i) => view(i, now));
    },

    /** Joins the organization with every membership the invitation names, in one transaction. */
    async accept(principal: Principal, invitationId: string): Promise<InvitationView> {
      if (principal.credential.kind !== 'session') throw new PermissionDeniedError('Invitations are accepted from a signed-in session.');
      const { invitation, verified } = await findAddressedTo(principal, invitationId);
      if (deps.notifier.deliversEmail && !verified) {
        throw new PermissionDeniedError('Verify your email address before accepting invitations.', 'email_not_verified');
      }
      const now = clock();
      await audited(store, audit, actorOf(principal), { type: 'invitation.accepted', ...about(invitation) }, async (tx) => {
        await tx.organizations.lock(invitation.organization_id);
        // Deleting the organization takes the same lock: once it is gone, nobody joins it.
        if (!(await tx.organizations.find(invitation.organization_id))) throw new NotFoundError('invitation');
        const current = await tx.invitations.find(invitationId);
        assertPending(current!, now);
        const me = { type: 'user' as const, id: principal.id };
        if (!(await tx.organizations.findMember(invitation.organization_id, principal.id))) {
          await tx.organizations.addMember(invitation.organization_id, me, now);
        }
        const groupIds = [...invitation.group_ids, ...invitation.projects.map((p) => p.group_id)];
        for (const groupId of new Set(groupIds)) {
          // A group deleted since the invitation was sent grants nothing.
          const group = await tx.groups.find(groupId);
          if (!group || group.organization_id !== invitation.organization_id) continue;
          if (!(await tx.groups.findMember(groupId, principal.id))) await tx.groups.addMember(group, me, null, now);
        }
        await tx.invitations.setStatus(invitationId, 'accepted', now);
      });
      authorizer.invalidateOrganization(invitation.organization_id);
      return view({ ...invitation, status: 'accepted' }, now);
    },

    async decline(principal: Principal, invitationId: string): Promise<InvitationView> {
      const { invitation } = await findAddressedTo(principal, invitationId);
      const now = clock();
      await audited(store, audit, actorOf(principal), { type: 'invitation.declined', ...about(invitation) }, async (tx) => {
        const current = await tx.invitations.find(invitationId);
        assertPending(current!, now);
        await tx.invitations.setStatus(invitationId, 'declined', now);
      });
      return view({ ...invitation, status: 'declined' }, now);
    },
  };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
