import type { Executor } from './executor.ts';
import { cursorOf, olderThan, toPage, type Page, type PageRequest } from './pagination.ts';
import type { InvitationRecord } from './records.ts';
import type { InvitationsTable } from './schema.ts';
import { normalizeEmail } from './users.ts';

function toInvitation(row: InvitationsTable & { organization_name: string }): InvitationRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    organization_name: row.organization_name,
    email: row.email,
    status: row.status,
    group_ids: JSON.parse(row.group_ids) as string[],
    projects: JSON.parse(row.projects) as InvitationRecord['projects'],
    inviter_id: row.inviter_id,
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
  };
}

/** Which stored rows a status filter selects; `expired` and `pending` split pending rows by time. */
export type InvitationStatusFilter = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

export function invitationsRepository(db: Executor) {
  /** Invitations with the name of their organization, which the invitee shows instead of its id. */
  const withOrganization = () =>
    db.selectFrom('invitations as i').innerJoin('organizations as o', 'o.id', 'i.organization_id').selectAll('i').select('o.name as organization_name');

  return {
    async insert(invitation: Omit<InvitationRecord, 'organization_name'>): Promise<void> {
      await db
        .insertInto('invitations')
        .values({
          id: invitation.id,
          organization_id: invitation.organization_id,
          email: invitation.email,
          email_normalized: normalizeEmail(invitation.email),
          status: invitation.status,
          group_ids: JSON.stringify(invitation.group_ids),
          projects: JSON.stringify(invitation.projects),
          inviter_id: invitation.inviter_id,
          created_at: invitation.created_at,
          expires_at: invitation.expires_at,
          responded_at: null,
        })
        .execute();
    },

    async find(id: string): Promise<InvitationRecord | undefined> {
      const row = await withOrganization().where('i.id', '=', id).executeTakeFirst();
      return row && toInvitation(row);
    },

    async findPendingFor(organizationId: string, email: string, now: number): Promise<InvitationRecord | undefined> {
      const row = await withOrganization()
        .where('i.organization_id', '=', organizationId)
        .where('i.email_normalized', '=', normalizeEmail(email))
        .where('i.status', '=', 'pending')
        .where('i.expires_at', '>', now)
        .executeTakeFirst();
      return row && toInvitation(row);
    },

    async list(organizationId: string, status: InvitationStatusFilter | undefined, now: number, page: PageRequest): Promise<Page<InvitationRecord>> {
      let query = withOrganization().where('i.organization_id', '=', organizationId);
      if (status === 'pending') query = query.where('i.status', '=', 'pending').where('i.expires_at', '>', now);
      else if (status === 'expired') query = query.where('i.status', '=', 'pending').where('i.expires_at', '<=', now);
      else if (status) query = query.where('i.status', '=', status);
      if (page.after) query = query.where(olderThan('i.created_at', 'i.id', await cursorOf(db, 'invitations', page.after, 'organization_id', organizationId)));
      const rows = await query.orderBy('i.created_at', 'desc').orderBy('i.id', 'desc').limit(page.limit + 1).execute();
      return toPage(rows.map(toInvitation), page.limit);
    },

    /** Pending, unexpired invitations addressed to an email, in live organizations. */
    async pendingForEmail(email: string, now: number): Promise<InvitationRecord[]> {
      const rows = await withOrganization()
        .where('i.email_normalized', '=', normalizeEmail(email))
        .where('i.status', '=', 'pending')
        .where('i.expires_at', '>', now)
        .where('o.deleted_at', 'is', null)
        .orderBy('i.created_at', 'desc')
        .orderBy('i.id', 'desc')
        .limit(100)
        .execute();
      return rows.map(toInvitation);
    },

    async setStatus(id: string, status: InvitationRecord['status'], at: number): Promise<void> {
      await db.updateTable('invitations').set({ status, responded_at: at }).where('id', '=', id).execute();
    },

    async setExpiry(id: string, expiresAt: number): Promise<void> {
      await db.updateTable('invitations').set({ expires_at: expiresAt }).where('id', '=', id).execute();
    },
  };
}

export type InvitationsRepository = ReturnType<typeof invitationsRepository>;
