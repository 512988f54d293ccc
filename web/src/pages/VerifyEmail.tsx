import { useEffect, useRef, useState } from 'react';
import { post, type ApiError } from '../api.ts';
import { asApiError } from '../hooks.ts';
import { Link, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

type Outcome = { state: 'verifying' } | { state: 'verified' } | { state: 'failed'; error: ApiError } | { state: 'no-token' };

/**
 * The page of the link in the verification email (`/verify-email?token=...`). The API needs the
 * signed-in user to send the token (docs/api-notes.md), so a signed-out visitor comes here only after
 * signing in (App keeps the link in `?next=`).
 */
export function VerifyEmail() {
  const { me, refresh } = useSession();
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const [outcome, setOutcome] = useState<Outcome>(token ? { state: 'verifying' } : { state: 'no-token' });
  // A token works once: never send it twice (React runs effects twice in development).
  const sent = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (!token || sent.current === token) return;
    sent.current = token;
    post('/v1/auth/verify_email', { token }).then(
      async () => {
        await refresh().catch(() => undefined);
        setOutcome({ state: 'verified' });
      },
      (error: unknown) => setOutcome({ state: 'failed', error: asApiError(error) }),
    );
  }, [token, refresh]);

  return (
    <main className="auth" aria-labelledby="page-title">
      <h1 id="page-title">Verify your email address</h1>
      {outcome.state === 'verifying' ? (
        <p className="muted" role="status">
          Verifying {me.email}…
        </p>
      ) : null}
      {outcome.state === 'verified' ? (
        <p className="success" role="status">
          Your email address {me.email} is verified. You can now accept invitations to organizations.
        </p>
      ) : null}
      {outcome.state === 'no-token' ? (
        <p className="error" role="alert">
          This link has no verification token. Open the link from the email exactly as it was sent.
        </p>
      ) : null}
      {outcome.state === 'failed' ? <VerificationRefused error={outcome.error} email={me.email} alreadyVerified={me.email_verified} /> : null}
      <p>
        <Link to="/">Continue to the console</Link>
      </p>
    </main>
  );
}

function VerificationRefused({ error, email, alreadyVerified }: { error: ApiError; email: string; alreadyVerified: boolean }) {
  if (alreadyVerified) {
    return (
      <p className="success" role="status">
        Your email address {email} is already verified.
      </p>
    );
  }
  // invalid_token: expired, used, or another account's; the server does not say which.
  const message =
    error.error.code === 'invalid_token'
      ? `This verification link has expired, was already used, or belongs to another account (you are signed in as ${email}).`
      : error.message;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}
