import { useState, type ReactNode } from 'react';
import { useAction } from '../hooks.ts';
import { ConfirmDialog } from './Dialog.tsx';

interface Confirmation {
  title: string;
  message: ReactNode;
  confirm: string;
}

/**
 * Asks before an action on one row (Delete, Revoke), then runs it and calls `after`. `error` is its
 * refusal, for the table to show (DataTable's `refusal`); `dialog` is rendered once by the page.
 */
export function useConfirmedAction<T>(act: (row: T) => Promise<unknown>, after: () => void, confirmation: (row: T) => Confirmation) {
  const [row, setRow] = useState<T | undefined>();
  const action = useAction();
  const dialog =
    row === undefined ? null : (
      <ConfirmDialog
        {...confirmation(row)}
        busy={action.busy}
        onClose={() => setRow(undefined)}
        onConfirm={async () => {
          setRow(undefined);
          await action.run(() => act(row));
          after();
        }}
      />
    );
  return { ask: setRow, dialog, error: action.error };
}

/** Rows that open a detail in place (members of a group, keys of an account): one open at a time. */
export function useExpanded() {
  const [open, setOpen] = useState<string | undefined>();
  return {
    isOpen: (id: string) => open === id,
    toggle: (id: string, label: string, words: [show: string, hide: string]) => (
      <button type="button" className="secondary" aria-expanded={open === id} aria-label={label} onClick={() => setOpen(open === id ? undefined : id)}>
        {open === id ? words[1] : words[0]}
      </button>
    ),
  };
}
