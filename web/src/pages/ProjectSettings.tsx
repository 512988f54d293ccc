import { useState } from 'react';
import { get, patch, post } from '../api.ts';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Field.tsx';
import { DangerZone, FormCard } from '../components/FormCard.tsx';
import { RegionsField } from '../components/RegionsField.tsx';
import { Page } from '../components/Page.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync } from '../hooks.ts';
import { useProject, useWorkspace } from '../session.tsx';
import type { Project, Region, WholeList } from '../types.ts';

export function ProjectSettings() {
  const project = useProject();
  const { reloadProjects } = useWorkspace();
  const regionList = useAsync((signal) => get<WholeList<Region>>('/v1/regions', { signal }), []);
  const [name, setName] = useState(project.name);
  const [regions, setRegions] = useState(project.regions);
  const [saved, setSaved] = useState(false);
  const [archiving, setArchiving] = useState(false);
  const save = useAction();
  const archive = useAction();
  const archived = project.status === 'archived';

  const submit = async () => {
    setSaved(false);
    if (await save.run(() => patch<Project>(`/v1/projects/${project.id}`, { name, regions }))) {
      setSaved(true);
      reloadProjects();
    }
  };

  return (
    <Page title="Settings">
      <FormCard title="General" submit="Save" busy={save.busy} disabled={archived} error={save.error} fields={['name', 'regions']} onSubmit={submit} done={saved ? 'Saved.' : undefined}>
        <p className="muted">
          <span className="mono">{project.id}</span>, created {formatTime(project.created_at)}
          {archived ? `, archived ${formatTime(project.archived_at)}` : ''}.
        </p>
        <TextField label="Project name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={save.error} disabled={archived} />
        <RegionsField regions={regionList} selected={regions} onChange={setRegions} error={save.error} />
      </FormCard>
      <DangerZone
        title="Archive"
        error={archive.error}
        action={
          <button type="button" className="danger" disabled={archived} onClick={() => setArchiving(true)}>
            {archived ? 'Archived' : 'Archive project'}
          </button>
        }
      >
        An archived project refuses every change and its API keys stop working. The default project cannot be archived.
      </DangerZone>
      {archiving ? (
        <ConfirmDialog
          title={`Archive ${project.name}`}
          message="Its API keys stop working at once, and nothing in it can change any more."
          confirm="Archive"
          onClose={() => setArchiving(false)}
          onConfirm={async () => {
            setArchiving(false);
            if (await archive.run(() => post<Project>(`/v1/projects/${project.id}/archive`))) reloadProjects();
          }}
        />
      ) : null}
    </Page>
  );
}
