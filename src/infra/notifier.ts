import type { InvitationRecord } from '../store/records.ts';

/**
 * How the server tells people things (invitations, email verification). Delivery is not part of the
 * transaction: the change commits first, then the notice goes out; a failed delivery is logged and
 * does not undo the change.
 */
export interface Notifier {
  /** True when the server can prove who owns an email (it can send mail). */
  readonly deliversEmail: boolean;
  invitationSent(notice: { invitation: InvitationRecord; organizationName: string; inviterName: string; consoleUrl: string }): Promise<void>;
  verificationRequested(notice: { email: string; name: string; token: string; consoleUrl: string }): Promise<void>;
  /** A budget reached 50, 80 or 100% of its amount (or tokens) in its period. */
  budgetAlert(notice: BudgetAlertNotice): Promise<void>;
}

export interface BudgetAlertNotice {
  to: string[];
  organizationName: string;
  budget: { id: string; name: string; level: string; scope_id: string; amount: number; tokens: number | null; period: string; hard: boolean };
  threshold: number;
  /** USD spent and tokens used in the period so far. */
  spent: number;
  tokensUsed: number;
  periodStart: number;
  consoleUrl: string;
}

/** Without SMTP: the operator reads in the log that an invitation was created (never a secret). */
export function loggingNotifier(log: (message: string, fields: Record<string, unknown>) => void): Notifier {
  return {
    deliversEmail: false,
    async invitationSent({ invitation, organizationName }) {
      log('invitation created (no SMTP configured, nothing was emailed)', {
        invitation_id: invitation.id,
        organization_id: invitation.organization_id,
        organization_name: organizationName,
        email: invitation.email,
      });
    },
    async verificationRequested() {
      // Without SMTP no verification is asked for: signup emails are trusted (the server warns at start).
    },
    async budgetAlert({ budget, threshold, spent, to }) {
      log('budget alert (no SMTP configured, nothing was emailed)', { budget_id: budget.id, threshold, spent_usd: spent, amount_usd: budget.amount, recipients: to.length });
    },
  };
}
