import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Api } from './client.ts';
import type { ModelConnection, ModelGroup, ModelKey, ModelOrg, ModelProject, ModelRole, ModelScimToken, ModelUser, TenancyModel } from './tenancy-model.ts';
import { signInAtIdp, type TestIdp } from './oidc-provider.ts';

/**
 * Operations for the model-based property test. Each picks its actor and its target by index among
 * everything the model knows, the actor's own objects and other tenants' alike, runs the request
 * against the server, and asserts that the status is the one the model predicts before applying the
 * effect to the model.
 */

export interface Real {
  api: Api;
  /** The identity provider SSO connections point at, and Tenantry's callback URL registered there. */
  idp: TestIdp;
  callbackUrl: string;
}

type Command = fc.AsyncCommand<TenancyModel, Real>;

/** The password every user of the property test signs up with (verifiedUser's default). */
export const USER_PASSWORD = 'correct horse battery';

const pick = <T>(list: T[], index: number): T | undefined => (list.length === 0 ? undefined : list[index % list.length]);

/**
 * Half the picks come from the actor's own organizations, half from everything, so that sequences
 * probe both the inside of shared organizations and other tenants' objects.
 */
function pickOrg(model: TenancyModel, actorId: string, index: number): ModelOrg {
  const own = model.orgs.filter((o) => o.members.has(actorId));
  return (index % 2 === 0 && own.length > 0 ? pick(own, index >> 1) : pick(model.orgs, index >> 1))!;
}

function pickProject(model: TenancyModel, actorId: string, index: number): ModelProject {
  const own = model.projects.filter((p) => model.org(p.orgId).members.has(actorId));
  return (index % 2 === 0 && own.length > 0 ? pick(own, index >> 1) : pick(model.projects, index >> 1))!;
}

function pickGroup(model: TenancyModel, actorId: string, index: number): ModelGroup {
  const own = model.groups.filter((g) => model.org(g.orgId).members.has(actorId));
  return (index % 2 === 0 && own.length > 0 ? pick(own, index >> 1) : pick(model.groups, index >> 1))!;
}
let nameCounter = 0;
const freshName = (prefix: string) => `${prefix}-${(nameCounter += 1)}`;

function expectStatus(response: { status: number; body: unknown }, expected: number, what: string): void {
  const key = `${what.split('(')[0]} ${expected}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  assert.equal(response.status, expected, `${what}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)}`);
  if (expected >= 400) {
    const error = (response.body as { error?: { type?: string } }).error;
    assert.ok(error && typeof error.type === 'string', `${what}: error shape`);
  }
}

async function learnGroups(real: Real, model: TenancyModel, token: string, scopePath: string, orgId: string, scope: ModelGroup['scope'], members: string[]) {
  const groups = await real.api.get(`${scopePath}/groups?limit=100`, token);
  assert.equal(groups.status, 200);
  for (const g of groups.body.data) {
    model.groups.push({ id: g.id, orgId, scope, role: g.role, builtIn: true, name: g.name, members: new Set(g.role === 'admin' && scope.type === 'organization' ? members : []) });
  }
}

export async function recordSignup(real: Real, model: TenancyModel, user: ModelUser, org: { id: string }, project: { id: string; name: string }) {
  model.users.push(user);
  model.orgs.push({ id: org.id, personal: true, deleted: false, members: new Set([user.id]), provisioned: new Set() });
  model.projects.push({ id: project.id, orgId: org.id, isDefault: true, archived: false, name: project.name });
  await learnGroups(real, model, user.token, `/v1/organizations/${org.id}`, org.id, { type: 'organization', id: org.id }, [user.id]);
  await learnGroups(real, model, user.token, `/v1/projects/${project.id}`, org.id, { type: 'project', id: project.id }, []);
}

class CreateOrganization implements Command {
  constructor(readonly actor: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const response = await real.api.post('/v1/organizations', user.token, { name: freshName('org') });
    expectStatus(response, 201, this.toString());
    const org: ModelOrg = { id: response.body.id, personal: false, deleted: false, members: new Set([user.id]), provisioned: new Set() };
    model.orgs.push(org);
    await learnGroups(real, model, user.token, `/v1/organizations/${org.id}`, org.id, { type: 'organization', id: org.id }, [user.id]);
    const projects = await real.api.get(`/v1/organizations/${org.id}/projects`, user.token);
    const project = projects.body.data[0];
    model.projects.push({ id: project.id, orgId: org.id, isDefault: true, archived: false, name: project.name });
    await learnGroups(real, model, user.token, `/v1/projects/${project.id}`, org.id, { type: 'project', id: project.id }, []);
  }
  toString = () => `CreateOrganization(u${this.actor})`;
}

class CreateProject implements Command {
  constructor(readonly actor: number, readonly org: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : 201;
    const name = freshName('proj');
    const response = await real.api.post(`/v1/organizations/${org.id}/projects`, user.token, { name });
    expectStatus(response, expected, this.toString());
    if (expected === 201) {
      model.projects.push({ id: response.body.id, orgId: org.id, isDefault: false, archived: false, name });
      await learnGroups(real, model, user.token, `/v1/projects/${response.body.id}`, org.id, { type: 'project', id: response.body.id }, []);
    }
  }
  toString = () => `CreateProject(u${this.actor}, o${this.org})`;
}

class ReadOrganization implements Command {
  constructor(readonly actor: number, readonly org: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const expected = model.isMember(user.id, org) ? 200 : 404;
    expectStatus(await real.api.get(`/v1/organizations/${org.id}`, user.token), expected, `${this} org`);
    expectStatus(await real.api.get(`/v1/organizations/${org.id}/groups`, user.token), expected, `${this} groups`);
    const listed = await real.api.get(`/v1/organizations/${org.id}/projects?limit=100&include_archived=false`, user.token);
    expectStatus(listed, expected, `${this} projects`);
    if (expected === 200) {
      assert.deepEqual(listed.body.data.map((p: { id: string }) => p.id).sort(), model.visibleProjects(user.id, org).sort(), `${this} sees exactly its projects`);
    }
  }
  toString = () => `ReadOrganization(u${this.actor}, o${this.org})`;
}

class ReadProject implements Command {
  constructor(readonly actor: number, readonly project: number) {}
  check = (model: Readonly<TenancyModel>) => model.projects.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const project = pickProject(model, user.id, this.project);
    const expected = model.canReadProject(user.id, project) ? 200 : 404;
    const response = await real.api.get(`/v1/projects/${project.id}`, user.token);
    expectStatus(response, expected, this.toString());
    if (expected === 200) assert.equal(response.body.name, project.name);
    expectStatus(await real.api.get(`/v1/projects/${project.id}/groups`, user.token), expected, `${this} groups`);
  }
  toString = () => `ReadProject(u${this.actor}, p${this.project})`;
}

class RenameProject implements Command {
  constructor(readonly actor: number, readonly project: number) {}
  check = (model: Readonly<TenancyModel>) => model.projects.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const project = pickProject(model, user.id, this.project);
    const expected = !model.canReadProject(user.id, project) ? 404 : !model.canAdministerProject(user.id, project) ? 403 : project.archived ? 409 : 200;
    const name = freshName('renamed');
    expectStatus(await real.api.patch(`/v1/projects/${project.id}`, user.token, { name }), expected, this.toString());
    if (expected === 200) project.name = name;
  }
  toString = () => `RenameProject(u${this.actor}, p${this.project})`;
}

class ArchiveProject implements Command {
  constructor(readonly actor: number, readonly project: number) {}
  check = (model: Readonly<TenancyModel>) => model.projects.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const project = pickProject(model, user.id, this.project);
    const expected = !model.canReadProject(user.id, project)
      ? 404
      : !model.canAdministerProject(user.id, project)
        ? 403
        : project.archived || project.isDefault
          ? 409
          : 200;
    expectStatus(await real.api.post(`/v1/projects/${project.id}/archive`, user.token), expected, this.toString());
    if (expected === 200) project.archived = true;
  }
  toString = () => `ArchiveProject(u${this.actor}, p${this.project})`;
}

class DeleteOrganization implements Command {
  constructor(readonly actor: number, readonly org: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : org.personal || !model.isEmptyBut(user.id, org) ? 409 : 200;
    expectStatus(await real.api.delete(`/v1/organizations/${org.id}`, user.token), expected, this.toString());
    if (expected === 200) org.deleted = true;
  }
  toString = () => `DeleteOrganization(u${this.actor}, o${this.org})`;
}

class InviteAndAccept implements Command {
  constructor(readonly actor: number, readonly org: number, readonly invitee: number, readonly group: number | null) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const invitee = pick(model.users, this.invitee)!;
    const group = this.group === null ? undefined : pick(model.groups.filter((g) => g.orgId === org.id), this.group);
    const project = group?.scope.type === 'project' ? model.projects.find((p) => p.id === group.scope.id) : undefined;
    const expected = !model.isMember(user.id, org)
      ? 404
      : !model.isOrgAdmin(user.id, org)
        ? 403
        : project?.archived
          ? 409
          : org.members.has(invitee.id)
            ? 409
            : 201;
    const grants = !group ? {} : project ? { projects: [{ project_id: project.id, group_id: group.id }] } : { group_ids: [group.id] };
    const invited = await real.api.post(`/v1/organizations/${org.id}/invitations`, user.token, { email: invitee.email, ...grants });
    expectStatus(invited, expected, `${this} invite`);
    if (expected !== 201) return;
    expectStatus(await real.api.post(`/v1/me/invitations/${invited.body.id}/accept`, invitee.token), 200, `${this} accept`);
    org.members.add(invitee.id);
    group?.members.add(invitee.id);
  }
  toString = () => `InviteAndAccept(u${this.actor}, o${this.org}, u${this.invitee}, g${this.group})`;
}

class CreateGroup implements Command {
  constructor(readonly actor: number, readonly scopeIndex: number, readonly inProject: boolean, readonly role: string) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const name = freshName('grp');
    if (this.inProject) {
      const project = pickProject(model, user.id, this.scopeIndex);
      const role = this.role === 'billing_manager' ? 'viewer' : this.role;
      const expected = !model.canReadProject(user.id, project) ? 404 : !model.canAdministerProject(user.id, project) ? 403 : project.archived ? 409 : 201;
      const response = await real.api.post(`/v1/projects/${project.id}/groups`, user.token, { name, role });
      expectStatus(response, expected, this.toString());
      if (expected === 201) model.groups.push({ id: response.body.id, orgId: project.orgId, scope: { type: 'project', id: project.id }, role, builtIn: false, name, members: new Set() });
    } else {
      const org = pickOrg(model, user.id, this.scopeIndex);
      const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : 201;
      const response = await real.api.post(`/v1/organizations/${org.id}/groups`, user.token, { name, role: this.role });
      expectStatus(response, expected, this.toString());
      if (expected === 201) model.groups.push({ id: response.body.id, orgId: org.id, scope: { type: 'organization', id: org.id }, role: this.role, builtIn: false, name, members: new Set() });
    }
  }
  toString = () => `CreateGroup(u${this.actor}, ${this.inProject ? 'p' : 'o'}${this.scopeIndex}, ${this.role})`;
}

/** A custom role holding project.read alone, made by an organization admin. */
class CreateRole implements Command {
  constructor(readonly actor: number, readonly org: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : 201;
    const response = await real.api.post(`/v1/organizations/${org.id}/roles`, user.token, { name: freshName('role'), permissions: ['project.read'] });
    expectStatus(response, expected, this.toString());
    if (expected === 201) model.roles.push({ id: response.body.id, orgId: org.id });
  }
  toString = () => `CreateRole(u${this.actor}, o${this.org})`;
}

/** Any organization's role read through any organization: only its own organization's admins see it. */
class ReadRole implements Command {
  constructor(readonly actor: number, readonly org: number, readonly role: number) {}
  check = (model: Readonly<TenancyModel>) => model.roles.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const role = pick(model.roles, this.role) as ModelRole;
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : role.orgId !== org.id ? 404 : 200;
    expectStatus(await real.api.get(`/v1/organizations/${org.id}/roles/${role.id}`, user.token), expected, this.toString());
  }
  toString = () => `ReadRole(u${this.actor}, o${this.org}, r${this.role})`;
}

/** A group given a custom role picked among every organization's: another organization's is unknown (404). */
class GrantRole implements Command {
  constructor(readonly actor: number, readonly scopeIndex: number, readonly inProject: boolean, readonly role: number) {}
  check = (model: Readonly<TenancyModel>) => model.roles.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    // Half the time a role of an organization the actor administers, so that grants also succeed.
    const own = model.roles.filter((r) => model.isOrgAdmin(user.id, model.org(r.orgId)));
    const role = (this.role % 2 === 0 && own.length > 0 ? pick(own, this.role >> 1) : pick(model.roles, this.role >> 1)) as ModelRole;
    const name = freshName('grp');
    let path: string;
    let expected: number;
    let orgId: string;
    let scope: ModelGroup['scope'];
    // Half the time in the role's own organization, where the grant may succeed.
    const inRoleOrg = this.scopeIndex % 2 === 0;
    if (this.inProject) {
      const projects = model.projects.filter((p) => p.orgId === role.orgId);
      const project = inRoleOrg && projects.length > 0 ? pick(projects, this.scopeIndex >> 1)! : pickProject(model, user.id, this.scopeIndex >> 1);
      path = `/v1/projects/${project.id}`;
      orgId = project.orgId;
      scope = { type: 'project', id: project.id };
      expected = !model.canReadProject(user.id, project) ? 404 : !model.canAdministerProject(user.id, project) ? 403 : project.archived ? 409 : role.orgId !== orgId ? 404 : 201;
    } else {
      const org = inRoleOrg ? model.org(role.orgId) : pickOrg(model, user.id, this.scopeIndex >> 1);
      path = `/v1/organizations/${org.id}`;
      orgId = org.id;
      scope = { type: 'organization', id: org.id };
      expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : role.orgId !== orgId ? 404 : 201;
    }
    const response = await real.api.post(`${path}/groups`, user.token, { name, role: role.id });
    expectStatus(response, expected, this.toString());
    if (expected === 201) model.groups.push({ id: response.body.id, orgId, scope, role: role.id, builtIn: false, name, members: new Set() });
  }
  toString = () => `GrantRole(u${this.actor}, ${this.inProject ? 'p' : 'o'}${this.scopeIndex}, r${this.role})`;
}

/** Where a group lives, and what the actor may do there, by the model. */
function groupAccess(model: TenancyModel, userId: string, group: ModelGroup): { path: string; visible: boolean; admin: boolean; archived: boolean } {
  if (group.scope.type === 'organization') {
    const org = model.org(group.orgId);
    return { path: `/v1/organizations/${org.id}`, visible: model.isMember(userId, org), admin: model.isOrgAdmin(userId, org), archived: false };
  }
  const project = model.projects.find((p) => p.id === group.scope.id) as ModelProject;
  return { path: `/v1/projects/${project.id}`, visible: model.canReadProject(userId, project), admin: model.canAdministerProject(userId, project), archived: project.archived };
}

class AddGroupMember implements Command {
  constructor(readonly actor: number, readonly group: number, readonly subject: number) {}
  check = (model: Readonly<TenancyModel>) => model.groups.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const group = pickGroup(model, user.id, this.group);
    const subject = pick(model.users, this.subject)!;
    const access = groupAccess(model, user.id, group);
    const expected = !access.visible
      ? 404
      : !access.admin
        ? 403
        : access.archived
          ? 409
          : !model.isMember(subject.id, model.org(group.orgId))
            ? 400
            : group.members.has(subject.id)
              ? 200
              : 201;
    const response = await real.api.post(`${access.path}/groups/${group.id}/members`, user.token, { principal_id: subject.id });
    expectStatus(response, expected, this.toString());
    if (expected === 201) group.members.add(subject.id);
  }
  toString = () => `AddGroupMember(u${this.actor}, g${this.group}, u${this.subject})`;
}

class RemoveGroupMember implements Command {
  constructor(readonly actor: number, readonly group: number, readonly subject: number) {}
  check = (model: Readonly<TenancyModel>) => model.groups.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const group = pickGroup(model, user.id, this.group);
    const subject = pick(model.users, this.subject)!;
    const access = groupAccess(model, user.id, group);
    const lastAdmin = group.builtIn && group.scope.type === 'organization' && group.role === 'admin' && group.members.size === 1;
    const expected = !access.visible ? 404 : !access.admin ? 403 : access.archived ? 409 : !group.members.has(subject.id) ? 404 : lastAdmin ? 409 : 200;
    const response = await real.api.delete(`${access.path}/groups/${group.id}/members/${subject.id}`, user.token);
    expectStatus(response, expected, this.toString());
    if (expected === 200) group.members.delete(subject.id);
  }
  toString = () => `RemoveGroupMember(u${this.actor}, g${this.group}, u${this.subject})`;
}

class RemoveOrganizationMember implements Command {
  constructor(readonly actor: number, readonly org: number, readonly subject: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    // Half the time someone the organization's SCIM knows, so that both answers are seen.
    const known = model.users.filter((u) => model.scimUsers(org).has(u.id));
    const subject = (this.subject % 2 === 0 && known.length > 0 ? pick(known, this.subject >> 1) : pick(model.users, this.subject >> 1))!;
    const admins = model.builtInAdmins(org);
    const leavesNoAdmin = admins.members.has(subject.id) && admins.members.size === 1;
    const expected = !model.isMember(user.id, org)
      ? 404
      : user.id !== subject.id && !model.isOrgAdmin(user.id, org)
        ? 403
        : !org.members.has(subject.id)
          ? 404
          : leavesNoAdmin
            ? 409
            : 200;
    const response = await real.api.delete(`/v1/organizations/${org.id}/members/${subject.id}`, user.token);
    expectStatus(response, expected, this.toString());
    if (expected === 200) model.removeMember(subject.id, org);
  }
  toString = () => `RemoveOrganizationMember(u${this.actor}, o${this.org}, u${this.subject})`;
}

class CreateKey implements Command {
  constructor(readonly actor: number, readonly project: number, readonly readOnly: boolean) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const project = pickProject(model, user.id, this.project);
    const expected = !model.canReadProject(user.id, project) ? 404 : !model.canWriteKeys(user.id, project) ? 403 : project.archived ? 409 : 201;
    const response = await real.api.post(`/v1/projects/${project.id}/api_keys`, user.token, { name: 'k', permissions: this.readOnly ? 'read_only' : 'all' });
    expectStatus(response, expected, this.toString());
    if (expected === 201) {
      model.keys.push({ id: response.body.id, secret: response.body.key, projectId: project.id, ownerId: user.id, readOnly: this.readOnly, revoked: false });
    }
  }
  toString = () => `CreateKey(u${this.actor}, p${this.project}, ${this.readOnly ? 'read_only' : 'all'})`;
}

/** A key must never reach what its owner cannot, nor anything outside its project, nor write when read-only. */
class UseKey implements Command {
  constructor(readonly key: number, readonly project: number, readonly write: boolean) {}
  check = (model: Readonly<TenancyModel>) => model.keys.length > 0;
  async run(model: TenancyModel, real: Real) {
    const key = pick(model.keys, this.key) as ModelKey;
    const target = this.project % 2 === 0 ? model.project(key.projectId) : pick(model.projects, this.project)!;
    const visible = target.id === key.projectId && model.canReadProject(key.ownerId, target);
    let expected: number;
    if (!model.keyAuthenticates(key)) expected = 401;
    else if (!visible) expected = 404;
    else if (!this.write) expected = 200;
    else expected = key.readOnly || !model.canAdministerProject(key.ownerId, target) ? 403 : 200;
    const name = freshName('by-key');
    const response = this.write
      ? await real.api.patch(`/v1/projects/${target.id}`, key.secret, { name })
      : await real.api.get(`/v1/projects/${target.id}`, key.secret);
    expectStatus(response, expected, this.toString());
    if (this.write && expected === 200) target.name = name;
  }
  toString = () => `UseKey(k${this.key}, p${this.project}, ${this.write ? 'write' : 'read'})`;
}

class RevokeKey implements Command {
  constructor(readonly actor: number, readonly key: number) {}
  check = (model: Readonly<TenancyModel>) => model.keys.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const key = pick(model.keys, this.key) as ModelKey;
    const project = model.project(key.projectId);
    const expected = !model.canReadProject(user.id, project)
      ? 404
      : !model.canWriteKeys(user.id, project)
        ? 403
        : key.ownerId !== user.id && !model.canAdministerProject(user.id, project)
          ? 404
          : 200;
    expectStatus(await real.api.delete(`/v1/projects/${project.id}/api_keys/${key.id}`, user.token), expected, this.toString());
    if (expected === 200) key.revoked = true;
  }
  toString = () => `RevokeKey(u${this.actor}, k${this.key})`;
}

const domainOf = (email: string) => email.slice(email.indexOf('@') + 1).toLowerCase();

/** An org admin connects the IdP for their own email's domain: verified at once unless another connection already holds it. */
class CreateSsoConnection implements Command {
  constructor(readonly actor: number, readonly org: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const domain = domainOf(user.email);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : 201;
    const response = await real.api.post(`/v1/organizations/${org.id}/sso_connections`, user.token, { issuer: real.idp.issuer, client_id: real.idp.clientId, client_secret: real.idp.clientSecret, domains: [domain] });
    expectStatus(response, expected, this.toString());
    if (expected !== 201) return;
    const verified = !model.domainVerified(domain);
    assert.equal(response.body.domains[0].verified, verified, `${this}: the domain is verified only where no other connection holds it`);
    model.connections.push({ id: response.body.id, orgId: org.id, domain, verified });
  }
  toString = () => `CreateSsoConnection(u${this.actor}, o${this.org})`;
}

class ReadSsoConnection implements Command {
  constructor(readonly actor: number, readonly connection: number, readonly viaOwnOrg: boolean) {}
  check = (model: Readonly<TenancyModel>) => model.connections.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const connection = pick(model.connections, this.connection) as ModelConnection;
    // Asked under an organization of the actor's own: the connection is another organization's unless it is that one.
    const orgs = model.organizationsOf(user.id);
    const orgId = this.viaOwnOrg && orgs.length > 0 ? orgs[this.connection % orgs.length]! : connection.orgId;
    const org = model.org(orgId);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : orgId === connection.orgId ? 200 : 404;
    expectStatus(await real.api.get(`/v1/organizations/${orgId}/sso_connections/${connection.id}`, user.token), expected, this.toString());
  }
  toString = () => `ReadSsoConnection(u${this.actor}, c${this.connection}, ${this.viaOwnOrg ? 'own org' : 'its org'})`;
}

/**
 * Someone of a connection's domain signs in through the IdP (new, or one who signed in before): they
 * end up in that connection's organization and nowhere else they were not already.
 */
class SsoSignIn implements Command {
  constructor(readonly connection: number, readonly person: number | null) {}
  check = (model: Readonly<TenancyModel>) => model.connections.some((c) => c.verified);
  async run(model: TenancyModel, real: Real) {
    const connection = pick(model.connections.filter((c) => c.verified), this.connection)!;
    const org = model.org(connection.orgId);
    const known = model.ssoPeople.filter((p) => p.connectionId === connection.id);
    const returning = this.person !== null ? pick(known, this.person) : undefined;
    const subject = returning?.subject ?? freshName('sso-person');
    const email = `${subject}@${connection.domain}`;
    real.idp.accounts.set(subject, { email });
    const started = await real.api.get(`/v1/auth/sso/start?email=${encodeURIComponent(email)}`);
    if (org.deleted) {
      expectStatus(started, 404, `${this} start`);
      return;
    }
    expectStatus(started, 302, `${this} start`);
    const state = String(started.headers['set-cookie']).match(/tenantry_sso_state=([^;]+)/)![1];
    const back = new URL(await signInAtIdp(String(started.headers.location), subject, real.callbackUrl));
    const answer = await real.api.request('GET', back.pathname + back.search, { headers: { cookie: `tenantry_sso_state=${state}` } });
    expectStatus(answer, 302, this.toString());
    const token = String(answer.headers['set-cookie']).match(/tenantry_session=([^;]+)/)![1]!;
    const me = await real.api.get('/v1/me', token);
    let user = model.users.find((u) => u.id === me.body.id);
    if (!user) {
      user = { id: me.body.id, token, email };
      // Their own personal organization: new to the model (the connection's may be someone else's personal one).
      const personal = me.body.organizations.find((o: { id: string; personal: boolean }) => o.personal && !model.orgs.some((known) => known.id === o.id));
      const projects = await real.api.get(`/v1/organizations/${personal.id}/projects`, token);
      await recordSignup(real, model, user, personal, { id: projects.body.data[0].id, name: projects.body.data[0].name });
      model.ssoPeople.push({ subject, userId: user.id, connectionId: connection.id });
    } else {
      user.token = token;
    }
    org.members.add(user.id);
    assert.deepEqual(me.body.organizations.map((o: { id: string }) => o.id).sort(), model.organizationsOf(user.id).sort(), `${this}: joins the connection's organization and no other`);
  }
  toString = () => `SsoSignIn(c${this.connection}, ${this.person === null ? 'new person' : `person ${this.person}`})`;
}

/** RFC 7644's error shape, which /scim answers in. */
function expectScimStatus(response: { status: number; body: unknown }, expected: number, what: string): void {
  const key = `${what.split('(')[0]} ${expected}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  assert.equal(response.status, expected, `${what}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)}`);
  if (expected >= 400) {
    const body = response.body as { schemas?: string[]; status?: string };
    assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], `${what}: SCIM error shape`);
    assert.equal(body.status, String(expected));
  }
}

const scimRequest = (real: Real, token: ModelScimToken, method: string, path: string, body?: unknown) =>
  real.api.request(method, `/scim/v2/${path}`, { token: token.secret, headers: { 'content-type': 'application/scim+json' }, ...(body !== undefined ? { body } : {}) });

/** The status every SCIM request starts with: the token (401), then its organization against the path's (404). */
function scimGate(model: TenancyModel, token: ModelScimToken, orgId: string): number | undefined {
  if (!model.scimTokenAuthenticates(token)) return 401;
  if (token.orgId !== orgId) return 404;
  return undefined;
}

class CreateScimToken implements Command {
  constructor(readonly actor: number, readonly org: number) {}
  check = () => true;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const org = pickOrg(model, user.id, this.org);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : 201;
    const response = await real.api.post(`/v1/organizations/${org.id}/scim_tokens`, user.token, { name: 'idp' });
    expectStatus(response, expected, this.toString());
    if (expected === 201) model.scimTokens.push({ id: response.body.id, secret: response.body.token, orgId: org.id, revoked: false });
  }
  toString = () => `CreateScimToken(u${this.actor}, o${this.org})`;
}

class RevokeScimToken implements Command {
  constructor(readonly actor: number, readonly token: number) {}
  check = (model: Readonly<TenancyModel>) => model.scimTokens.length > 0;
  async run(model: TenancyModel, real: Real) {
    const user = pick(model.users, this.actor)!;
    const token = pick(model.scimTokens, this.token)!;
    const org = model.org(token.orgId);
    const expected = !model.isMember(user.id, org) ? 404 : !model.isOrgAdmin(user.id, org) ? 403 : 200;
    expectStatus(await real.api.delete(`/v1/organizations/${org.id}/scim_tokens/${token.id}`, user.token), expected, this.toString());
    if (expected === 200) token.revoked = true;
  }
  toString = () => `RevokeScimToken(u${this.actor}, t${this.token})`;
}

/** A token used against any organization, its own or another's: only its own answers. */
class ScimProvision implements Command {
  constructor(readonly token: number, readonly org: number, readonly subject: number) {}
  check = (model: Readonly<TenancyModel>) => model.scimTokens.length > 0;
  async run(model: TenancyModel, real: Real) {
    const token = pick(model.scimTokens, this.token)!;
    const org = this.org % 2 === 0 ? model.org(token.orgId) : pick(model.orgs, this.org >> 1)!;
    // Half the time someone the organization's SCIM does not know yet, so that both answers are seen.
    const unknown = model.users.filter((u) => !model.scimUsers(org).has(u.id));
    const subject = (this.subject % 2 === 0 && unknown.length > 0 ? pick(unknown, this.subject >> 1) : pick(model.users, this.subject >> 1))!;
    const expected = scimGate(model, token, org.id) ?? (model.scimUsers(org).has(subject.id) ? 409 : 201);
    const response = await scimRequest(real, token, 'POST', `${org.id}/Users`, { userName: subject.email, active: true });
    expectScimStatus(response, expected, this.toString());
    if (expected === 201) {
      assert.equal(response.body.id, subject.id);
      org.members.add(subject.id);
      org.provisioned.add(subject.id);
    }
  }
  toString = () => `ScimProvision(t${this.token}, o${this.org}, u${this.subject})`;
}

class ScimSetActive implements Command {
  constructor(readonly token: number, readonly org: number, readonly subject: number, readonly active: boolean) {}
  check = (model: Readonly<TenancyModel>) => model.scimTokens.length > 0;
  async run(model: TenancyModel, real: Real) {
    const token = pick(model.scimTokens, this.token)!;
    const org = this.org % 2 === 0 ? model.org(token.orgId) : pick(model.orgs, this.org >> 1)!;
    // Half the time someone the organization's SCIM knows, so that both answers are seen.
    const known = model.users.filter((u) => model.scimUsers(org).has(u.id));
    const subject = (this.subject % 2 === 0 && known.length > 0 ? pick(known, this.subject >> 1) : pick(model.users, this.subject >> 1))!;
    const admins = model.builtInAdmins(org);
    const lastAdmin = !this.active && org.members.has(subject.id) && admins.members.has(subject.id) && admins.members.size === 1;
    const expected = scimGate(model, token, org.id) ?? (!model.scimUsers(org).has(subject.id) ? 404 : lastAdmin ? 409 : 200);
    const response = await scimRequest(real, token, 'PATCH', `${org.id}/Users/${subject.id}`, { Operations: [{ op: 'Replace', path: 'active', value: this.active ? 'True' : 'False' }] });
    expectScimStatus(response, expected, this.toString());
    if (expected !== 200) return;
    org.provisioned.add(subject.id);
    if (this.active) {
      org.members.add(subject.id);
      return;
    }
    // Deactivation removes the person as removing a member does: groups left, keys there revoked.
    model.removeMember(subject.id, org);
    if (model.organizationsOf(subject.id).length > 0) return;
    // With no organization left their sessions end; they may still sign in, to an account that reaches nothing.
    expectStatus(await real.api.get('/v1/me', subject.token), 401, `${this} ends the sessions of someone left with no organization`);
    const login = await real.api.post('/v1/auth/login', undefined, { email: subject.email, password: USER_PASSWORD });
    assert.equal(login.status, 200, `${this}: signing in again: ${JSON.stringify(login.body)}`);
    subject.token = login.body.session_token;
  }
  toString = () => `ScimSetActive(t${this.token}, o${this.org}, u${this.subject}, ${this.active})`;
}

/** SCIM Groups are the organization's groups: never another organization's, nor a project's. */
class ScimAddToGroup implements Command {
  constructor(readonly token: number, readonly group: number, readonly subject: number) {}
  check = (model: Readonly<TenancyModel>) => model.scimTokens.length > 0 && model.groups.length > 0;
  async run(model: TenancyModel, real: Real) {
    const token = pick(model.scimTokens, this.token)!;
    const own = model.groups.filter((g) => g.orgId === token.orgId);
    const group = (this.group % 2 === 0 && own.length > 0 ? pick(own, this.group >> 1) : pick(model.groups, this.group >> 1))!;
    const subject = pick(model.users, this.subject)!;
    const org = model.org(group.orgId);
    const expected = scimGate(model, token, org.id) ?? (group.scope.type !== 'organization' ? 404 : !model.isMember(subject.id, org) ? 400 : 200);
    const response = await scimRequest(real, token, 'PATCH', `${org.id}/Groups/${group.id}`, { Operations: [{ op: 'add', path: 'members', value: [{ value: subject.id }] }] });
    expectScimStatus(response, expected, this.toString());
    if (expected === 200) group.members.add(subject.id);
  }
  toString = () => `ScimAddToGroup(t${this.token}, g${this.group}, u${this.subject})`;
}

class ScimListUsers implements Command {
  constructor(readonly token: number, readonly org: number) {}
  check = (model: Readonly<TenancyModel>) => model.scimTokens.length > 0;
  async run(model: TenancyModel, real: Real) {
    const token = pick(model.scimTokens, this.token)!;
    const org = this.org % 2 === 0 ? model.org(token.orgId) : pick(model.orgs, this.org >> 1)!;
    const expected = scimGate(model, token, org.id) ?? 200;
    const response = await scimRequest(real, token, 'GET', `${org.id}/Users?count=200`);
    expectScimStatus(response, expected, this.toString());
    if (expected !== 200) return;
    const listed = (response.body.Resources as Array<{ id: string; active: boolean }>).map((u) => `${u.id}:${u.active}`).sort();
    assert.deepEqual(listed, [...model.scimUsers(org)].map((id) => `${id}:${org.members.has(id)}`).sort(), `${this} lists exactly its organization's people`);
  }
  toString = () => `ScimListUsers(t${this.token}, o${this.org})`;
}

const index = fc.nat({ max: 50 });

/** Weighted so that sequences often build shared organizations before probing them. */
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => Array.from({ length: weight }, () => arbitrary);

export const tenancyCommands = [
  ...weighted(2, fc.nat({ max: 5 }).map((a) => new CreateOrganization(a))),
  ...weighted(2, fc.tuple(index, index).map(([a, o]) => new CreateProject(a, o))),
  ...weighted(4, fc.tuple(index, index, index, fc.option(index, { freq: 4 })).map(([a, o, u, g]) => new InviteAndAccept(a, o, u, g))),
  ...weighted(2, fc.tuple(index, index, fc.boolean(), fc.constantFrom('admin', 'member', 'viewer', 'billing_manager')).map(([a, s, p, r]) => new CreateGroup(a, s, p, r))),
  ...weighted(3, fc.tuple(index, index, index).map(([a, g, u]) => new AddGroupMember(a, g, u))),
  ...weighted(2, fc.tuple(index, index).map(([a, o]) => new ReadOrganization(a, o))),
  ...weighted(3, fc.tuple(index, index).map(([a, p]) => new ReadProject(a, p))),
  ...weighted(3, fc.tuple(index, index).map(([a, p]) => new RenameProject(a, p))),
  ...weighted(1, fc.tuple(index, index).map(([a, p]) => new ArchiveProject(a, p))),
  ...weighted(1, fc.tuple(index, index).map(([a, o]) => new DeleteOrganization(a, o))),
  ...weighted(1, fc.tuple(index, index, index).map(([a, g, u]) => new RemoveGroupMember(a, g, u))),
  ...weighted(1, fc.tuple(index, index, index).map(([a, o, u]) => new RemoveOrganizationMember(a, o, u))),
  ...weighted(3, fc.tuple(index, index, fc.boolean()).map(([a, p, r]) => new CreateKey(a, p, r))),
  ...weighted(3, fc.tuple(index, index, fc.boolean()).map(([k, p, w]) => new UseKey(k, p, w))),
  ...weighted(1, fc.tuple(index, index).map(([a, k]) => new RevokeKey(a, k))),
  ...weighted(3, fc.tuple(index, index).map(([a, o]) => new CreateSsoConnection(a, o))),
  ...weighted(3, fc.tuple(index, index, fc.boolean()).map(([a, c, own]) => new ReadSsoConnection(a, c, own))),
  ...weighted(2, fc.tuple(index, fc.option(index, { freq: 2 })).map(([c, p]) => new SsoSignIn(c, p))),
  ...weighted(3, fc.tuple(index, index).map(([a, o]) => new CreateScimToken(a, o))),
  ...weighted(1, fc.tuple(index, index).map(([a, t]) => new RevokeScimToken(a, t))),
  ...weighted(3, fc.tuple(index, index, index).map(([t, o, u]) => new ScimProvision(t, o, u))),
  ...weighted(3, fc.tuple(index, index, index, fc.boolean()).map(([t, o, u, a]) => new ScimSetActive(t, o, u, a))),
  ...weighted(1, fc.tuple(index, index, index).map(([t, g, u]) => new ScimAddToGroup(t, g, u))),
  ...weighted(2, fc.tuple(index, index).map(([t, o]) => new ScimListUsers(t, o))),
  ...weighted(3, fc.tuple(index, index).map(([a, o]) => new CreateRole(a, o))),
  ...weighted(1, fc.tuple(index, index, index).map(([a, o, r]) => new ReadRole(a, o, r))),
  ...weighted(3, fc.tuple(index, index, fc.boolean(), index).map(([a, s, p, r]) => new GrantRole(a, s, p, r))),
];

/** Counts of each operation's outcomes across a run, so a test can show it exercised both sides. */
export const outcomes = new Map<string, number>();
