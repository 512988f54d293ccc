import { useState } from 'react';
import { get, patch, post } from '../api.ts';
import { useAction, useAsync } from '../hooks.ts';
import type { List, Organization, Project, Region, WholeList } from '../types.ts';
import { useSession } from '../session.tsx';
import { Dialog } from './Dialog.tsx';
import { FormError, SelectField, TextField } from './Field.tsx';
import { RegionsField } from './RegionsField.tsx';

const NEW_ORGANIZATION = '__new__';

/**
 * The one dialog that creates a project: in an organization the user has, or in a new organization
 * (whose default project then takes the name and regions given here).
 */
export function CreateDialog({ mode, currentOrg, onClose, onCreated }: { mode: 'project' | 'organization'; currentOrg: string; onClose: () => void; onCreated: (project: Project) => void }) {
  const { me, refresh } = useSession();
  const [orgChoice, setOrgChoice] = useState(mode === 'organization' ? NEW_ORGANIZATION : currentOrg);
  const [orgName, setOrgName] = useState('');
  const [name, setName] = useState(mode === 'organization' ? 'Default project' : '');
  const [regions, setRegions] = useState<string[] | undefined>();
  const regionList = useAsync((signal) => get<WholeList<Region>>('/v1/regions', { signal }), []);
  const orgStep = useAction();
  const projectStep = useAction();
  const creatingOrg = orgChoice === NEW_ORGANIZATION;
  const chosenRegions = regions ?? (regionList.data?.data[0] ? [regionList.data.data[0].id] : []);

  const submit = async () => {
    projectStep.clear();
    let orgId = orgChoice;
    let defaultProject: Project | undefined;
    if (creatingOrg) {
      const org = await orgStep.run(() => post<Organization>('/v1/organizations', { name: orgName }));
      if (!org) return;
      orgId = org.id;
      await refresh();
      const projects = await get<List<Project>>(`/v1/organizations/${orgId}/projects`);
      defaultProject = projects.data.find((p) => p.is_default);
      // The organization exists from here on: a second try adds a project to it instead of another one.
      setOrgChoice(orgId);
    }
    const project = await projectStep.run(() =>
      defaultProject
        ? patch<Project>(`/v1/projects/${defaultProject.id}`, { name, regions: chosenRegions })
        : post<Project>(`/v1/organizations/${orgId}/projects`, { name, regions: chosenRegions }),
    );
    if (project) onCreated(project);
  };

  const busy = orgStep.busy || projectStep.busy;
  return (
    <Dialog
      title={creatingOrg ? 'Create organization' : 'Create project'}
      onClose={onClose}
      onSubmit={submit}
      actions={
        <button type="submit" disabled={busy}>
          Create
        </button>
      }
    >
      <SelectField label="Organization" value={orgChoice} onChange={(e) => setOrgChoice(e.target.value)}>
        {me.organizations.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
        <option value={NEW_ORGANIZATION}>A new organization…</option>
      </SelectField>
      {creatingOrg ? <TextField label="Organization name" value={orgName} onChange={(e) => setOrgName(e.target.value)} param="name" error={orgStep.error} autoFocus /> : null}
      <TextField label="Project name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={projectStep.error} autoFocus={!creatingOrg} />
      <RegionsField regions={regionList} selected={chosenRegions} onChange={setRegions} error={projectStep.error} />
      <FormError error={orgStep.error} fields={['name']} />
      <FormError error={projectStep.error} fields={['name', 'regions']} />
    </Dialog>
  );
}
