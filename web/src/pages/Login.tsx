import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { FormError, TextField } from '../components/Field.tsx';
import { useAction } from '../hooks.ts';
import { Link, useLocation } from '../router.tsx';

export function Login({ onSignedIn }: { onSignedIn: () => Promise<unknown> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  // Keep where the person was going (?next=) when they switch between signing in and signing up.
  const { search } = useLocation();
  const next = search.get('next');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(async () => {
      await post('/v1/auth/login', { email, password });
      return true;
    });
    if (done) await onSignedIn();
  };
  return (
    <main className="auth">
      <h1>Sign in to Tenantry</h1>
      <form onSubmit={submit} noValidate className="card">
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} param="email" error={action.error} autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} param="password" error={action.error} />
        <FormError error={action.error} fields={['email', 'password']} />
        <button type="submit" disabled={action.busy}>
          Sign in
        </button>
      </form>
      <p>
        New here? <Link to={next ? `/signup?next=${encodeURIComponent(next)}` : '/signup'}>Create an account</Link>
      </p>
    </main>
  );
}
