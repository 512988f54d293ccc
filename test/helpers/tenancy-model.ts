/**
 * A small reference model of who may see and change what, written independently of the server's
 * policy code: the property test runs the same operations against both and compares every answer.
 */

export type OrgRole = 'admin' | 'billing_manager' | 'member' | 'viewer';
export type ProjectRole = 'admin' | 'member' | 'viewer';

export interface ModelUser {
  id: string;
  token: string;
  email: string;
}

export interface ModelOrg {
  id: string;
  personal: boolean;
  deleted: boolean;
  members: Set<string>;
  /** Users the organization's identity provider provisioned through SCIM (and has not deleted). */
  provisioned: Set<string>;
}

export interface ModelScimToken {
  id: string;
  secret: string;
  orgId: string;
  revoked: boolean;
}

export interface ModelProject {
  id: string;
  orgId: string;
  isDefault: boolean;
  archived: boolean;
  name: string;
}

export interface ModelGroup {
  id: string;
  orgId: string;
  scope: { type: 'organization' | 'project'; id: string };
  role: string;
  builtIn: boolean;
  name: string;
  members: Set<string>;
}

/** A custom role; the property test's roles hold `project.read` alone, so they read like `viewer`. */
export interface ModelRole {
  id: string;
  orgId: string;
}

export interface ModelKey {
  id: string;
  secret: string;
  projectId: string;
  ownerId: string;
  readOnly: boolean;
  revoked: boolean;
}

/** An SSO connection; `verified` when its one domain was proven for it (a domain is proven once on the server). */
export interface ModelConnection {
  id: string;
  orgId: string;
  domain: string;
  verified: boolean;
}

export class TenancyModel {
  connections: ModelConnection[] = [];
  /** People who came in through SSO, by connection: their IdP subjects. */
  ssoPeople: Array<{ subject: string; userId: string; connectionId: string }> = [];
  keys: ModelKey[] = [];
  scimTokens: ModelScimToken[] = [];
  users: ModelUser[] = [];
  orgs: ModelOrg[] = [];
  projects: ModelProject[] = [];
  groups: ModelGroup[] = [];
  roles: ModelRole[] = [];

  /** A group's role as the model's rules read it: a custom role (project.read only) counts as viewer. */
  private effectiveRole(role: string): string {
    return role.startsWith('role_') ? 'viewer' : role;
  }

  org(id: string): ModelOrg {
    return this.orgs.find((o) => o.id === id)!;
  }

  isMember(userId: string, org: ModelOrg): boolean {
    return !org.deleted && org.members.has(userId);
  }

  private orgRoles(userId: string, org: ModelOrg): string[] {
    if (!this.isMember(userId, org)) return [];
    return this.groups.filter((g) => g.orgId === org.id && g.scope.type === 'organization' && g.members.has(userId)).map((g) => this.effectiveRole(g.role));
  }

  isOrgAdmin(userId: string, org: ModelOrg): boolean {
    return this.orgRoles(userId, org).includes('admin');
  }

  projectRoles(userId: string, project: ModelProject): ProjectRole[] {
    const org = this.org(project.orgId);
    if (!this.isMember(userId, org)) return [];
    const roles = new Set<ProjectRole>();
    for (const role of this.orgRoles(userId, org)) {
      if (role === 'admin' || role === 'member' || role === 'viewer') roles.add(role);
    }
    for (const g of this.groups) {
      if (g.scope.type === 'project' && g.scope.id === project.id && g.members.has(userId)) roles.add(this.effectiveRole(g.role) as ProjectRole);
    }
    return [...roles];
  }

  canReadProject(userId: string, project: ModelProject): boolean {
    return this.projectRoles(userId, project).length > 0;
  }

  canAdministerProject(userId: string, project: ModelProject): boolean {
    return this.projectRoles(userId, project).includes('admin');
  }

  builtInAdmins(org: ModelOrg): ModelGroup {
    return this.groups.find((g) => g.orgId === org.id && g.scope.type === 'organization' && g.builtIn && g.role === 'admin')!;
  }

  /** Members and admins hold their own keys; viewers hold none. */
  canWriteKeys(userId: string, project: ModelProject): boolean {
    const roles = this.projectRoles(userId, project);
    return roles.includes('admin') || roles.includes('member');
  }

  /** The organizations a user belongs to, as GET /v1/me lists them. */
  organizationsOf(userId: string): string[] {
    return this.orgs.filter((o) => this.isMember(userId, o)).map((o) => o.id);
  }

  domainVerified(domain: string): boolean {
    return this.connections.some((c) => c.domain === domain && c.verified);
  }

  project(id: string): ModelProject {
    return this.projects.find((p) => p.id === id)!;
  }

  /** Whether a key authenticates at all: not revoked, its owner still a member, its project active. */
  keyAuthenticates(key: ModelKey): boolean {
    const project = this.project(key.projectId);
    return !key.revoked && this.isMember(key.ownerId, this.org(project.orgId)) && !project.archived;
  }

  /** A SCIM token works while it is not revoked and its organization exists. */
  scimTokenAuthenticates(token: ModelScimToken): boolean {
    return !token.revoked && !this.org(token.orgId).deleted;
  }

  /** An organization's SCIM Users: its members, and whom its provider provisioned (active or not). */
  scimUsers(org: ModelOrg): Set<string> {
    return new Set([...org.members, ...org.provisioned]);
  }

  /** An organization may be deleted by `userId` only when no one else is in it and none of its projects holds a live key. */
  isEmptyBut(userId: string, org: ModelOrg): boolean {
    const othersRemain = [...org.members].some((id) => id !== userId);
    return !othersRemain && !this.keys.some((k) => !k.revoked && this.project(k.projectId).orgId === org.id);
  }

  /** Leaving an organization revokes the keys the member owns in it. */
  removeMember(userId: string, org: ModelOrg): void {
    org.members.delete(userId);
    for (const g of this.groups) if (g.orgId === org.id) g.members.delete(userId);
    for (const k of this.keys) if (k.ownerId === userId && this.project(k.projectId).orgId === org.id) k.revoked = true;
  }

  /** The projects `userId` sees when listing the organization's active projects. */
  visibleProjects(userId: string, org: ModelOrg): string[] {
    return this.projects.filter((p) => p.orgId === org.id && !p.archived && this.canReadProject(userId, p)).map((p) => p.id);
  }
}
