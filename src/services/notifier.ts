import type { InvitationRecord } from '../store/records.ts';

/**
 * How the server tells people things (invitations, email verification). Delivery is not part of the
 * transaction: a change commits first, then the notice goes out, and a failed delivery is logged.
 */
export interface Notifier {
  invitationSent(notice: { invitation: InvitationRecord; organizationName: string; inviterName: string; consoleUrl: string }): Promise<void>;
}

/** Without SMTP: the operator reads in the log that an invitation was created (never a secret). */
export function loggingNotifier(log: (message: string, fields: Record<string, unknown>) => void): Notifier {
  return {
    async invitationSent({ invitation, organizationName }) {
      log('invitation created (no SMTP configured, nothing was emailed)', {
        invitation_id: invitation.id,
        organization_id: invitation.organization_id,
        organization_name: organizationName,
        email: invitation.email,
      });
    },
  };
}
