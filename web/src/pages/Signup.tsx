import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { FormError, TextField } from '../components/Field.tsx';
import { useAction } from '../hooks.ts';
import { Link, useLocation } from '../router.tsx';

export function Signup({ onSignedIn }: { onSignedIn: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  // Keep where the person was going (?next=) when they switch between signing in and signing up.
  const { search } = useLocation();
  const next = search.get('next');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(async () => {
      await post('/v1/auth/signup', { name, email, password });
      return true;
    });
    if (done) await onSignedIn();
  };
  return (
    <main className="auth">
      <h1>Create your Tenantry account</h1>
      <form onSubmit={submit} noValidate className="card">
        <TextField label="Name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} autoFocus />
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} param="email" error={action.error} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          param="password"
          error={action.error}
          hint="At least 8 characters."
        />
        <FormError error={action.error} fields={['name', 'email', 'password']} />
        <button type="submit" disabled={action.busy}>
          Create account
        </button>
      </form>
      <p>
        Already have an account? <Link to={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>Sign in</Link>
      </p>
    </main>
  );
}
