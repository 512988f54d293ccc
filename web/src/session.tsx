import { createContext, useContext } from 'react';
import type { ApiError } from './api.ts';
import type { Me, MeOrganization, Project } from './types.ts';

export interface Session {
  me: Me;
  /** Reads /v1/me again (organizations joined or left, a new CSRF token). */
  refresh: () => Promise<Me>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Where the signed-in user is: the organization and project the switchers show. */
export interface Workspace {
  org: MeOrganization;
  projects: Project[] | undefined;
  projectsError: ApiError | undefined;
  project: Project | undefined;
  /** Whether the user is in a group of the organization with its admin role. */
  isOrgAdmin: boolean;
  reloadProjects: () => void;
  /** Opens the one dialog that creates a project, or an organization with its first project. */
  openCreate: (mode: 'project' | 'organization') => void;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace outside the console');
  return workspace;
}

/** The project pages need a project: they render inside the shell only when one is open. */
export function useProject(): Project {
  const { project } = useWorkspace();
  if (!project) throw new Error('no project open');
  return project;
}

export const orgPath = (org: string, page: string) => `/orgs/${encodeURIComponent(org)}/${page}`;
export const projectPath = (org: string, project: string, page: string) =>
  `/orgs/${encodeURIComponent(org)}/projects/${encodeURIComponent(project)}/${page}`;
