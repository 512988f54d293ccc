import type { FormEvent, ReactNode } from 'react';
import { post, type ApiError } from '../api.ts';
import { useAction } from '../hooks.ts';
import { Link, useLocation } from '../router.tsx';
import { FormError } from './Field.tsx';

/**
 * The signed-out pages' one form: it posts `body` to `path` (which sets the session cookie), then calls
 * `onSignedIn`; the link to the other page keeps where the person was going (`?next=`).
 */
export function AuthForm({ title, path, body, fields, submit, onSignedIn, other, children }: { title: string; path: string; body: Record<string, string>; fields: string[]; submit: string; onSignedIn: () => Promise<unknown>; other: { question: string; path: string; link: string }; children: (error: ApiError | undefined) => ReactNode }) {
  const action = useAction();
  const { search } = useLocation();
  const next = search.get('next');
  const send = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(async () => {
      await post(path, body);
      return true;
    });
    if (done) await onSignedIn();
  };
  return (
    <main className="auth">
      <h1>{title}</h1>
      <form onSubmit={send} noValidate className="card">
        {children(action.error)}
        <FormError error={action.error} fields={fields} />
        <button type="submit" disabled={action.busy}>
          {submit}
        </button>
      </form>
      <p>
        {other.question} <Link to={next ? `${other.path}?next=${encodeURIComponent(next)}` : other.path}>{other.link}</Link>
      </p>
    </main>
  );
}
