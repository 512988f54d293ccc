import { GroupsPanel, type Roles } from '../components/GroupsPanel.tsx';
import { useProject, useWorkspace } from '../session.tsx';

const ROLES: Roles = [
  ['admin', 'admin: everything in the project, its settings and groups'],
  ['member', 'member: its resources, its models, one’s own API keys'],
  ['viewer', 'viewer: read only'],
];

export function ProjectGroups() {
  const project = useProject();
  const { org } = useWorkspace();
  return <GroupsPanel title="Project groups" base={`/v1/projects/${project.id}/groups`} org={org.id} roles={ROLES} intro={`Groups give their members a role in ${project.name} only.`} />;
}
