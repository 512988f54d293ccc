import { useState } from 'react';
import { get } from '../api.ts';
import { CreateKeyDialog, KeyTable } from '../components/KeyTable.tsx';
import { Page } from '../components/Page.tsx';
import { SecretReveal } from '../components/SecretReveal.tsx';
import { useAsync } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useProject, useSession } from '../session.tsx';
import type { AccessEntry, ApiKey, IssuedApiKey, List } from '../types.ts';

export function ApiKeys() {
  const project = useProject();
  const { me } = useSession();
  const base = `/v1/projects/${project.id}/api_keys`;
  const keys = usePagedList<ApiKey>(base);
  // Names of the owners, where the caller may read who has access (project admins).
  const access = useAsync((signal) => get<List<AccessEntry>>(`/v1/projects/${project.id}/access`, { signal }).catch(() => undefined), [project.id]);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedApiKey | undefined>();

  const ownerName = (key: ApiKey) => {
    if (key.owner.id === me.id) return `${me.name} (you)`;
    const entry = access.data?.data.find((a) => a.principal.id === key.owner.id);
    return entry ? entry.principal.name : key.owner.id;
  };
  const changed = (key?: IssuedApiKey) => {
    setCreating(false);
    if (key) setIssued(key);
    keys.reload();
  };

  return (
    <Page
      title="API keys"
      actions={
        <button type="button" onClick={() => setCreating(true)}>
          Create API key
        </button>
      }
      intro="Keys act as their owner in this project. Use them with any OpenAI client at this server's /v1."
    >
      {issued ? <SecretReveal title="New API key" secret={issued.key} onDone={() => setIssued(undefined)} /> : null}
      <KeyTable base={base} keys={keys} ownerName={ownerName} rotatable onChanged={changed} />
      {creating ? <CreateKeyDialog base={base} onClose={() => setCreating(false)} onCreated={changed} /> : null}
    </Page>
  );
}
