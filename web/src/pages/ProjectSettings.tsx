import { useState, type FormEvent } from 'react';
import { get, patch, post } from '../api.ts';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { CheckboxGroup, FormError, TextField } from '../components/Field.tsx';
import { ErrorNotice } from '../components/States.tsx';
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

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    if (await save.run(() => patch<Project>(`/v1/projects/${project.id}`, { name, regions }))) {
      setSaved(true);
      reloadProjects();
    }
  };

  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Settings</h1>
      </div>
      <form className="card" onSubmit={submit} noValidate aria-labelledby="general-title">
        <h2 id="general-title">General</h2>
        <p className="muted">
          <span className="mono">{project.id}</span>, created {formatTime(project.created_at)}
          {archived ? `, archived ${formatTime(project.archived_at)}` : ''}.
        </p>
        <TextField label="Project name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={save.error} disabled={archived} />
        {regionList.data ? (
          <CheckboxGroup
            legend="Regions"
            options={regionList.data.data.map((r) => ({ value: r.id, label: r.id }))}
            selected={regions}
            onChange={setRegions}
            param="regions"
            error={save.error}
          />
        ) : (
          <ErrorNotice error={regionList.error} />
        )}
        <FormError error={save.error} fields={['name', 'regions']} />
        <p role="status" className="muted">
          {saved ? 'Saved.' : ''}
        </p>
        <button type="submit" disabled={save.busy || archived}>
          Save
        </button>
      </form>
      <div className="card danger-zone" aria-labelledby="archive-title">
        <h2 id="archive-title">Archive</h2>
        <p>An archived project refuses every change and its API keys stop working. The default project cannot be archived.</p>
        <ErrorNotice error={archive.error} />
        <button type="button" className="danger" disabled={archived} onClick={() => setArchiving(true)}>
          {archived ? 'Archived' : 'Archive project'}
        </button>
      </div>
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
    </section>
  );
}
