import { get } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Page } from '../components/Page.tsx';
import { useAsync } from '../hooks.ts';
import { useProject, useWorkspace } from '../session.tsx';
import type { AccessEntry, Group, List } from '../types.ts';

export function Access() {
  const project = useProject();
  const { org } = useWorkspace();
  const access = useAsync((signal) => get<List<AccessEntry>>(`/v1/projects/${project.id}/access`, { signal }), [project.id]);
  const groups = useAsync(
    (signal) =>
      Promise.all([
        get<List<Group>>(`/v1/organizations/${org.id}/groups`, { query: { limit: 100 }, signal }),
        get<List<Group>>(`/v1/projects/${project.id}/groups`, { query: { limit: 100 }, signal }),
      ]).then(([a, b]) => [...a.data, ...b.data]),
    [org.id, project.id],
  );
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? id;
  return (
    <Page title="Access" intro={`Who may use ${project.name}, with the strongest role each holds here and the groups it comes from.`}>
      <DataTable
        label="Access"
        list={access}
        what="access"
        empty="Nobody has access."
        rowKey={(entry) => entry.principal.id}
        columns={[
          { header: 'Name', cell: (entry) => entry.principal.name },
          { header: 'Email', cell: (entry) => entry.principal.email ?? '—' },
          { header: 'Role', cell: (entry) => <span className="badge">{entry.role}</span> },
          { header: 'Through', cell: (entry) => entry.via.map((v) => `${groupName(v.group_id)} (${v.scope.type === 'organization' ? org.name : project.name}): ${v.role_name}`).join(', ') },
        ]}
      />
    </Page>
  );
}
