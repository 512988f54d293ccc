import { get } from '../api.ts';
import { Empty, Loaded } from '../components/States.tsx';
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
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Access</h1>
      </div>
      <p className="muted">Who may use {project.name}, with the strongest role each holds here and the groups it comes from.</p>
      <Loaded state={access} what="access">
        {(list) =>
          list.data.length === 0 ? (
            <Empty>Nobody has access.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Through</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((entry) => (
                  <tr key={entry.principal.id}>
                    <td>{entry.principal.name}</td>
                    <td>{entry.principal.email ?? '—'}</td>
                    <td>
                      <span className="badge">{entry.role}</span>
                    </td>
                    <td>{entry.via.map((v) => `${groupName(v.group_id)} (${v.scope.type === 'organization' ? org.name : project.name})`).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
