import type { ReactNode } from 'react';
import type { ApiError } from '../api.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** The server's refusal, in its own words. */
export function ErrorNotice({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error.message}
    </p>
  );
}

/** Loading, failed, or the content. */
export function Loaded<T>({ state, what, children }: { state: { data: T | undefined; error: ApiError | undefined; loading: boolean }; what: string; children: (data: T) => ReactNode }) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error) return <ErrorNotice error={state.error} />;
  return <Loading what={what} />;
}
