import { GroupsPanel, type Roles } from '../components/GroupsPanel.tsx';
import { useWorkspace } from '../session.tsx';

const ROLES: Roles = [
  ['admin', 'admin: everything in the organization'],
  ['billing_manager', 'billing_manager: usage and billing'],
  ['member', 'member: in every project'],
  ['viewer', 'viewer: in every project'],
];

export function Groups() {
  const { org } = useWorkspace();
  return (
    <GroupsPanel title="Groups"
      key={org.id}
      base={`/v1/organizations/${org.id}/groups`}
      org={org.id}
      roles={ROLES}
      intro="Groups give their members a role in the organization; a member or viewer role holds in every project."
    />
  );
}
