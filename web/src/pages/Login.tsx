import { useState } from 'react';
import { AuthForm } from '../components/AuthForm.tsx';
import { TextField } from '../components/Field.tsx';

export function Login({ onSignedIn }: { onSignedIn: () => Promise<unknown> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  return (
    <AuthForm
      title="Sign in to Tenantry"
      path="/v1/auth/login"
      body={{ email, password }}
      fields={['email', 'password']}
      submit="Sign in"
      onSignedIn={onSignedIn}
      other={{ question: 'New here?', path: '/signup', link: 'Create an account' }}
    >
      {(error) => (
        <>
          <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} param="email" error={error} autoFocus />
          <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} param="password" error={error} />
        </>
      )}
    </AuthForm>
  );
}
