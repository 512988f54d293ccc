import { useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { get } from './api.ts';
import { CreateDialog } from './components/CreateDialog.tsx';
import { Shell } from './components/Shell.tsx';
import { Empty, ErrorNotice, Loading } from './components/States.tsx';
import { useAsync } from './hooks.ts';
import { ApiKeys } from './pages/ApiKeys.tsx';
import { Access } from './pages/Access.tsx';
import { AuditLog } from './pages/AuditLog.tsx';
import { Batches } from './pages/Batches.tsx';
import { Budgets } from './pages/Budgets.tsx';
import { OrgBudgets } from './pages/OrgBudgets.tsx';
import { Datasets } from './pages/Datasets.tsx';
import { Endpoints } from './pages/Endpoints.tsx';
import { Files } from './pages/Files.tsx';
import { FineTuning } from './pages/FineTuning.tsx';
import { Groups } from './pages/Groups.tsx';
import { Invitations } from './pages/Invitations.tsx';
import { Members } from './pages/Members.tsx';
import { ModelPermissions } from './pages/ModelPermissions.tsx';
import { OrganizationSettings } from './pages/OrganizationSettings.tsx';
import { Playground } from './pages/Playground.tsx';
import { ProjectGroups } from './pages/ProjectGroups.tsx';
import { Projects } from './pages/Projects.tsx';
import { Provisioning } from './pages/Provisioning.tsx';
import { ProjectSettings } from './pages/ProjectSettings.tsx';
import { Roles } from './pages/Roles.tsx';
import { RateLimits } from './pages/RateLimits.tsx';
import { ServiceAccounts } from './pages/ServiceAccounts.tsx';
import { SingleSignOn } from './pages/SingleSignOn.tsx';
import { Usage } from './pages/Usage.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { orgPath, projectPath, useSession, WorkspaceContext, type Workspace } from './session.tsx';
import type { List, Project } from './types.ts';

const ORG_PAGES: Record<string, ComponentType> = {
  projects: Projects,
  members: Members,
  groups: Groups,
  roles: Roles,
  invitations: Invitations,
  'service-accounts': ServiceAccounts,
  sso: SingleSignOn,
  provisioning: Provisioning,
  'audit-log': AuditLog,
  'org-budgets': OrgBudgets,
  settings: OrganizationSettings,
};

const PROJECT_PAGES: Record<string, ComponentType> = {
  'api-keys': ApiKeys,
  files: Files,
  datasets: Datasets,
  'fine-tuning': FineTuning,
  batches: Batches,
  endpoints: Endpoints,
  playground: Playground,
  usage: Usage,
  budgets: Budgets,
  'rate-limits': RateLimits,
  'model-permissions': ModelPermissions,
  access: Access,
  groups: ProjectGroups,
  settings: ProjectSettings,
};

/** The signed-in console: which organization, project and page the path names. */
export function Console() {
  const { me } = useSession();
  const { path, search } = useLocation();
  const projectRoute = match('/orgs/:org/projects/:project/:page', path);
  const orgRoute = projectRoute ? undefined : match('/orgs/:org/:page', path) ?? match('/orgs/:org', path);
  const orgId = projectRoute?.org ?? orgRoute?.org;
  const home = me.organizations.find((o) => o.personal) ?? me.organizations[0];

  useEffect(() => {
    if (!orgId && home) navigate(orgPath(home.id, ''), { replace: true });
  }, [orgId, home]);

  const org = me.organizations.find((o) => o.id === orgId);
  if (!orgId) return <Loading what="your organization" />;
  if (!org) {
    return (
      <main className="auth">
        <h1>Organization not found</h1>
        <p>You are not a member of this organization, or it no longer exists.</p>
        {home ? <Link to={orgPath(home.id, '')}>Go to {home.name}</Link> : null}
      </main>
    );
  }
  // Organization pages keep the open project in their query (?project=), so that a reload keeps it.
  const projectId = projectRoute?.project ?? search.get('project') ?? undefined;
  return <OrgConsole key={org.id} orgId={org.id} projectId={projectId} page={projectRoute?.page ?? orgRoute?.page} isProjectPage={Boolean(projectRoute)} />;
}

function OrgConsole({ orgId, projectId, page, isProjectPage }: { orgId: string; projectId: string | undefined; page: string | undefined; isProjectPage: boolean }) {
  const { me } = useSession();
  const org = me.organizations.find((o) => o.id === orgId)!;
  const projects = useAsync((signal) => get<List<Project>>(`/v1/organizations/${orgId}/projects`, { query: { limit: 100, include_archived: true }, signal }), [orgId]);
  const [creating, setCreating] = useState<'project' | 'organization' | undefined>();
  // The project that stays open while organization pages are shown.
  const lastProject = useRef<string | undefined>(undefined);
  if (projectId) lastProject.current = projectId;

  const list = projects.data?.data;
  const project = useMemo(() => {
    if (!list) return undefined;
    const wanted = projectId ?? lastProject.current;
    return list.find((p) => p.id === wanted) ?? list.find((p) => p.is_default) ?? list.find((p) => p.status === 'active') ?? list[0];
  }, [list, projectId]);

  // /orgs/:org alone opens the organization's project (the default one) at its first page.
  useEffect(() => {
    if (page || !list) return;
    navigate(project ? projectPath(orgId, project.id, 'api-keys') : orgPath(orgId, 'projects'), { replace: true });
  }, [page, list, project, orgId]);

  const workspace: Workspace = {
    org,
    projects: list,
    projectsError: projects.error,
    project,
    isOrgAdmin: org.groups.some((g) => g.role === 'admin'),
    reloadProjects: projects.reload,
    openCreate: setCreating,
  };

  let content;
  const Page = page ? (isProjectPage ? PROJECT_PAGES[page] : ORG_PAGES[page]) : undefined;
  if (!page) content = <Loading what="your projects" />;
  else if (!Page) content = <Empty>There is no such page. Pick one from the navigation.</Empty>;
  else if (!isProjectPage) content = <Page />;
  else if (projects.error) content = <ErrorNotice error={projects.error} />;
  else if (!list) content = <Loading what="the project" />;
  else if (!project || project.id !== projectId) content = <Empty>This project does not exist, or you cannot see it.</Empty>;
  else content = <Page key={project.id} />;

  return (
    <WorkspaceContext.Provider value={workspace}>
      <Shell projectPage={isProjectPage ? page : undefined}>{content}</Shell>
      {creating ? (
        <CreateDialog
          mode={creating}
          currentOrg={orgId}
          onClose={() => setCreating(undefined)}
          onCreated={(created) => {
            setCreating(undefined);
            projects.reload();
            navigate(projectPath(created.organization_id, created.id, 'api-keys'));
          }}
        />
      ) : null}
    </WorkspaceContext.Provider>
  );
}
