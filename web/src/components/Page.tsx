import type { ReactNode } from 'react';

/** A console page: its title (the level-1 heading that names it), the buttons beside it, then its content. */
export function Page({ title, actions, intro, children }: { title: string; actions?: ReactNode; intro?: ReactNode; children?: ReactNode }) {
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        {actions}
      </div>
      {intro ? <p className="muted">{intro}</p> : null}
      {children}
    </section>
  );
}
