import type { ReactNode } from 'react';
import { navigate, Link } from '../router.tsx';
import { orgPath, projectPath, useSession, useWorkspace } from '../session.tsx';
import { MyInvitations } from './MyInvitations.tsx';
import { VerifyEmailBanner } from './VerifyEmailBanner.tsx';

const NEW = '__new__';

export const ORG_LINKS: Array<[page: string, label: string]> = [
  ['projects', 'Projects'],
  ['members', 'Members'],
  ['groups', 'Groups'],
  ['roles', 'Roles'],
  ['invitations', 'Invitations'],
  ['service-accounts', 'Service accounts'],
  ['sso', 'Single sign-on'],
  ['provisioning', 'Provisioning (SCIM)'],
  ['audit-log', 'Audit log'],
  ['org-budgets', 'Organization budgets'],
  ['settings', 'Organization settings'],
];

export const PROJECT_LINKS: Array<[page: string, label: string]> = [
  ['api-keys', 'API keys'],
  ['files', 'Files'],
  ['datasets', 'Datasets'],
  ['fine-tuning', 'Fine-tuning'],
  ['batches', 'Batches'],
  ['endpoints', 'Endpoints'],
  ['playground', 'Playground'],
  ['usage', 'Usage'],
  ['budgets', 'Budgets'],
  ['rate-limits', 'Rate limits'],
  ['model-permissions', 'Model permissions'],
  ['access', 'Access'],
  ['groups', 'Project groups'],
  ['settings', 'Settings'],
];

function Switchers({ projectPage }: { projectPage: string | undefined }) {
  const { me } = useSession();
  const { org, projects, project, openCreate } = useWorkspace();
  return (
    <div className="switchers">
      <div className="field inline">
        <label htmlFor="org-switcher">Organization</label>
        <select
          id="org-switcher"
          value={org.id}
          onChange={(e) => (e.target.value === NEW ? openCreate('organization') : navigate(orgPath(e.target.value, 'projects')))}
        >
          {me.organizations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
          <option value={NEW}>New organization…</option>
        </select>
      </div>
      <div className="field inline">
        <label htmlFor="project-switcher">Project</label>
        <select
          id="project-switcher"
          value={project?.id ?? ''}
          disabled={!projects}
          onChange={(e) => (e.target.value === NEW ? openCreate('project') : navigate(projectPath(org.id, e.target.value, projectPage ?? 'api-keys')))}
        >
          {!project ? <option value="">{projects ? 'No project' : 'Loading…'}</option> : null}
          {(projects ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
              {p.status === 'archived' ? ' (archived)' : ''}
            </option>
          ))}
          <option value={NEW}>New project…</option>
        </select>
      </div>
    </div>
  );
}

export function Shell({ projectPage, children }: { projectPage: string | undefined; children: ReactNode }) {
  const { me, signOut } = useSession();
  const { org, project } = useWorkspace();
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          Tenantry
        </Link>
        <Switchers projectPage={projectPage} />
        <div className="user">
          <span title={me.email}>{me.name}</span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="body">
        <aside className="sidebar">
          <nav aria-label="Organization">
            <h2>{org.name}</h2>
            <ul>
              {ORG_LINKS.map(([page, label]) => (
                <li key={page}>
                  <Link to={orgPath(org.id, page) + (project ? `?project=${encodeURIComponent(project.id)}` : '')}>{label}</Link>
                </li>
              ))}
            </ul>
          </nav>
          {project ? (
            <nav aria-label="Project">
              <h2>{project.name}</h2>
              <ul>
                {PROJECT_LINKS.map(([page, label]) => (
                  <li key={page}>
                    <Link to={projectPath(org.id, project.id, page)}>{label}</Link>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
        </aside>
        <main className="content">
          <VerifyEmailBanner />
          <MyInvitations />
          {children}
        </main>
      </div>
    </div>
  );
}
