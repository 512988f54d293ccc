import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { FormError, TextField } from './Field.tsx';

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

/**
 * Tab from the last control goes to the first, Shift+Tab from the first to the last: a modal dialog
 * makes the page behind it inert, but the browser would still let focus leave for its own controls.
 */
function trapTab(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== 'Tab') return;
  const controls = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || !event.currentTarget.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * A modal dialog on the native <dialog> element: focus moves into it and stays there (the page behind
 * is inert, and Tab cycles through its controls), Escape closes it, and its title names it for
 * assistive technology.
 */
export function Dialog({ title, onClose, onSubmit, children, actions }: { title: string; onClose: () => void; onSubmit?: () => void; children: ReactNode; actions?: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit?.();
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onKeyDown={trapTab} onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <form onSubmit={submit} noValidate>
        <h2 id={titleId}>{title}</h2>
        {children}
        <div className="actions">
          {actions}
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * A dialog whose form sends one request: its submit button waits while the request runs, and a refusal
 * that names none of `fields` is shown above the buttons (the fields show their own).
 */
export function FormDialog({ title, submit, busy, error, fields, onSubmit, onClose, danger, disabled, children }: { title: string; submit: string; busy: boolean; error: ApiError | undefined; fields: string[]; onSubmit: () => void; onClose: () => void; danger?: boolean; disabled?: boolean; children?: ReactNode }) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      onSubmit={() => !disabled && onSubmit()}
      actions={
        <button type="submit" className={danger ? 'danger' : undefined} disabled={busy || disabled}>
          {submit}
        </button>
      }
    >
      {children}
      <FormError error={error} fields={fields} />
    </Dialog>
  );
}

/**
 * Asks before something that cannot be undone. With `typed`, the button works only once that text
 * (the name of what goes) is typed, so that nothing is deleted by a stray Enter.
 */
export function ConfirmDialog({ title, message, confirm, busy = false, error, fields = [], typed, onConfirm, onClose, children }: { title: string; message: ReactNode; confirm: string; busy?: boolean; error?: ApiError; fields?: string[]; typed?: string; onConfirm: () => void; onClose: () => void; children?: ReactNode }) {
  const [typedText, setTypedText] = useState('');
  const confirmed = typed === undefined || typedText === typed;
  return (
    <FormDialog title={title} submit={confirm} busy={busy} error={error} fields={fields} onSubmit={onConfirm} onClose={onClose} danger disabled={!confirmed}>
      <p>{message}</p>
      {children}
      {typed !== undefined ? <TextField label={`Type ${typed} to confirm`} value={typedText} onChange={(e) => setTypedText(e.target.value)} autoComplete="off" autoFocus /> : null}
    </FormDialog>
  );
}
