import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../config.ts';
import type { Notifier } from './notifier.ts';

/** Sends invitations and verification links by email through the configured SMTP server. */
export function smtpNotifier(settings: SmtpSettings, onError: (error: unknown, what: string) => void): Notifier {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
  });
  const { from } = settings;

  async function send(what: string, message: { to: string; subject: string; text: string }): Promise<void> {
    try {
      await transport.sendMail({ from, ...message });
    } catch (error) {
      onError(error, what);
    }
  }

  return {
    deliversEmail: true,
    async invitationSent({ invitation, organizationName, inviterName, consoleUrl }) {
      await send('invitation email', {
        to: invitation.email,
        subject: `${inviterName} invited you to ${organizationName} on Tenantry`,
        text: [
          `${inviterName} invited you to join the organization "${organizationName}" on Tenantry.`,
          '',
          `Sign in or create an account with this email address, then accept the invitation:`,
          `${consoleUrl}/invitations`,
          '',
          `The invitation (${invitation.id}) expires on ${new Date(invitation.expires_at * 1000).toUTCString()}.`,
        ].join('\n'),
      });
    },
    async budgetAlert({ to, organizationName, budget, threshold, spent, tokensUsed, periodStart, consoleUrl }) {
      if (to.length === 0) return;
      const limit = budget.tokens === null ? `USD ${budget.amount}` : `USD ${budget.amount} or ${budget.tokens} tokens`;
      await send('budget alert email', {
        to: to.join(', '),
        subject: `Budget "${budget.name}" of ${organizationName} reached ${threshold}%`,
        text: [
          `The ${budget.level} budget "${budget.name}" (${budget.id}) of ${organizationName} reached ${threshold}% of its limit.`,
          '',
          `Limit: ${limit} per ${budget.period} (${budget.hard ? 'hard: calls are refused once it is spent' : 'soft: alerts only'}).`,
          `Spent since ${new Date(periodStart * 1000).toISOString()}: USD ${spent}, ${tokensUsed} tokens.`,
          '',
          `Budgets: ${consoleUrl}/`,
        ].join('\n'),
      });
    },
    async verificationRequested({ email, name, token, consoleUrl }) {
      await send('verification email', {
        to: email,
        subject: 'Confirm your email address for Tenantry',
        text: [
          `Hello ${name},`,
          '',
          'Confirm that this email address is yours:',
          `${consoleUrl}/verify-email?token=${encodeURIComponent(token)}`,
          '',
          `Or send this token to POST /v1/auth/verify_email: ${token}`,
        ].join('\n'),
      });
    },
  };
}
