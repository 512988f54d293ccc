import { useId, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { FormError } from './Field.tsx';
import { ErrorNotice } from './States.tsx';

/**
 * A form on a page (not in a dialog): its title names it, a refusal that names none of `fields` is shown
 * above the button, and `done` (what the last submit achieved) is announced as a status.
 */
export function FormCard({ title, submit, busy, error, fields, onSubmit, done, disabled, className, children }: { title: string; submit: string; busy: boolean; error: ApiError | undefined; fields: string[]; onSubmit: () => void; done?: string; disabled?: boolean; className?: string; children: ReactNode }) {
  const titleId = useId();
  const send = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form className={`card ${className ?? ''}`} onSubmit={send} noValidate aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {children}
      <FormError error={error} fields={fields} />
      <p role="status" className="muted">
        {done ?? ''}
      </p>
      <button type="submit" disabled={busy || disabled}>
        {submit}
      </button>
    </form>
  );
}

/** Where a page keeps what cannot be undone: what it does, the refusal if any, and its one button. */
export function DangerZone({ title, children, error, action }: { title: string; children: ReactNode; error?: ApiError | undefined; action: ReactNode }) {
  const titleId = useId();
  return (
    <section className="card danger-zone" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <p>{children}</p>
      <ErrorNotice error={error} />
      {action}
    </section>
  );
}
