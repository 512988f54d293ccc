import { useState } from 'react';
import { get, post } from '../api.ts';
import { useAction, useAsync } from '../hooks.ts';
import type { Group, Invitation, List, Project } from '../types.ts';
import { Dialog } from './Dialog.tsx';
import { CheckboxGroup, FormError, TextField } from './Field.tsx';
import { Loading } from './States.tsx';

/** Invites someone by email into groups of the organization and of its projects. */
export function InviteDialog({ org, orgGroups, projects, onClose, onInvited }: { org: string; orgGroups: Group[]; projects: Project[]; onClose: () => void; onInvited: (invitation: Invitation) => void }) {
  const [email, setEmail] = useState('');
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [projectGroups, setProjectGroups] = useState<Record<string, string[]>>({});
  const active = projects.filter((p) => p.status === 'active');
  const groupsOfProjects = useAsync(
    (signal) => Promise.all(active.map((p) => get<List<Group>>(`/v1/projects/${p.id}/groups`, { signal, query: { limit: 100 } }).then((list) => ({ project: p, groups: list.data })))),
    [active.map((p) => p.id).join(',')],
  );
  const action = useAction();
  const submit = async () => {
    const projectEntries = Object.entries(projectGroups).flatMap(([project_id, ids]) => ids.map((group_id) => ({ project_id, group_id })));
    const invitation = await action.run(() => post<Invitation>(`/v1/organizations/${org}/invitations`, { email, group_ids: groupIds, projects: projectEntries }));
    if (invitation) onInvited(invitation);
  };
  return (
    <Dialog title="Invite member" onClose={onClose} onSubmit={submit} actions={<button type="submit" disabled={action.busy}>Send invitation</button>}>
      <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} param="email" error={action.error} autoFocus />
      <CheckboxGroup
        legend="Organization groups"
        options={orgGroups.map((g) => ({ value: g.id, label: `${g.name} (${g.role_name})` }))}
        selected={groupIds}
        onChange={setGroupIds}
        param="group_ids"
        error={action.error}
      />
      {groupsOfProjects.data ? (
        groupsOfProjects.data.map(({ project, groups }) => (
          <CheckboxGroup
            key={project.id}
            legend={`Project ${project.name}`}
            options={groups.map((g) => ({ value: g.id, label: `${project.name}: ${g.name} (${g.role_name})` }))}
            selected={projectGroups[project.id] ?? []}
            onChange={(ids) => setProjectGroups((current) => ({ ...current, [project.id]: ids }))}
          />
        ))
      ) : groupsOfProjects.error ? null : (
        <Loading what="project groups" />
      )}
      <p className="hint">Without a group the invitee joins the organization but sees no project.</p>
      <FormError error={action.error} fields={['email', 'group_ids']} />
    </Dialog>
  );
}
