import { useState } from 'react';

/** A secret shown once: the key, a copy button, and the warning that it will not be shown again. */
export function SecretReveal({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="secret" role="region" aria-labelledby="secret-title">
      <h2 id="secret-title">{title}</h2>
      <p className="warning">Copy this key now and keep it somewhere safe: it will not be shown again.</p>
      <div className="secret-row">
        <label htmlFor="secret-value" className="visually-hidden">
          Secret key
        </label>
        <input id="secret-value" readOnly value={secret} onFocus={(e) => e.target.select()} className="mono" />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="muted">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard: select the key and copy it.' : ''}
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
