import { useState, type FormEvent } from 'react';
import { get } from '../api.ts';
import { useAction } from '../hooks.ts';
import { useLocation } from '../router.tsx';
import { FormError, TextField } from './Field.tsx';

/**
 * "Sign in with SSO": asks the email, asks the server where its organization's identity provider is
 * (the answer also sets the sign-in's state cookie), and sends the browser there; the provider sends it
 * back signed in, to the console. A domain without SSO is refused here, under the field.
 */
export function SsoSignIn() {
  const { search } = useLocation();
  // The server sends a refused sign-in back here with its reason.
  const refused = search.get('sso_error') ? search.get('sso_message') ?? 'Single sign-on failed.' : undefined;
  const [open, setOpen] = useState(refused !== undefined);
  const [email, setEmail] = useState('');
  const action = useAction();
  const go = async (event: FormEvent) => {
    event.preventDefault();
    const started = await action.run(() => get<{ authorization_url: string }>('/v1/auth/sso/start', { query: { email: email.trim(), format: 'json' } }));
    if (started) window.location.assign(started.authorization_url);
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
    <form onSubmit={go} noValidate className="card" aria-label="Sign in with SSO">
      {refused && !action.error ? (
        <p role="alert" className="error">
          Single sign-on failed: {refused}
        </p>
      ) : null}
      <TextField label="Work email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} param="email" error={action.error} autoFocus />
      <FormError error={action.error} fields={['email']} />
      <button type="submit" disabled={action.busy}>
        Continue with SSO
      </button>
    </form>
  );
}
