import { useState } from 'react';
import { AuthForm } from '../components/AuthForm.tsx';
import { TextField } from '../components/Field.tsx';

export function Signup({ onSignedIn }: { onSignedIn: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  return (
    <AuthForm
      title="Create your Tenantry account"
      path="/v1/auth/signup"
      body={{ name, email, password }}
      fields={['name', 'email', 'password']}
      submit="Create account"
      onSignedIn={onSignedIn}
      other={{ question: 'Already have an account?', path: '/login', link: 'Sign in' }}
    >
      {(error) => (
        <>
          <TextField label="Name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} param="name" error={error} autoFocus />
          <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} param="email" error={error} />
          <TextField label="Password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} param="password" error={error} hint="At least 8 characters." />
        </>
      )}
    </AuthForm>
  );
}
