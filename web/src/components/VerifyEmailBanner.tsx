import { useSession } from '../session.tsx';

/**
 * Asks the user to verify its email while it is not. Only on servers that verify emails (SMTP is
 * configured): without SMTP no link is ever sent, and a banner there would ask for the impossible.
 */
export function VerifyEmailBanner() {
  const { me } = useSession();
  if (me.email_verified || !me.email_verification_enabled) return null;
  return (
    <section className="notice" role="status" aria-labelledby="verify-email-title">
      <h2 id="verify-email-title">Verify your email address</h2>
      <p>
        We sent a link to <strong>{me.email}</strong> when you signed up. Open it to verify your address: until then you
        cannot accept invitations to organizations.
      </p>
    </section>
  );
}
