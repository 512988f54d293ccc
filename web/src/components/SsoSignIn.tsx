import { useState, type FormEvent } from 'react';
import { TextField } from './Field.tsx';

/**
 * "Sign in with SSO": asks the email and sends the browser to the server's SSO start, which redirects
 * to the organization's identity provider; the provider sends it back signed in, to the console.
 */
export function SsoSignIn() {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const go = (event: FormEvent) => {
    event.preventDefault();
    window.location.assign(`/v1/auth/sso/start?email=${encodeURIComponent(email.trim())}`);
  };
  if (!open) {
    return (
      <p>
        <button type="button" className="secondary" onClick={() => setOpen(true)}>
          Sign in with SSO
        </button>
      </p>
    );
  }
  return (
    <form onSubmit={go} className="card" aria-label="Sign in with SSO">
      <TextField label="Work email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <button type="submit">Continue with SSO</button>
    </form>
  );
}
