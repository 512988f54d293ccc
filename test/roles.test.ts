import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Api, errorOf, signUp, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { answersWithin } from './helpers/eventually.ts';
import { addMember, createOrganization, groupNamed } from './helpers/organizations.ts';
import { useTwoInstances, postgresOnly } from './helpers/postgres-only.ts';
import { useTenantry } from './helpers/server.ts';

interface RoleBody {
  name: string;
  description?: string;
  scope?: 'organization' | 'project';
  permissions: string[];
}

async function createRole(api: Api, token: string, organizationId: string, body: RoleBody): Promise<{ id: string; name: string }> {
  const made = await api.post(`/v1/organizations/${organizationId}/roles`, token, body);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body;
}

/** A group with `role` in `scopePath` (an organization or a project), holding `member`. */
async function groupWithRole(api: Api, admin: SignedUpUser, scopePath: string, role: string, member?: SignedUpUser): Promise<{ id: string }> {
  const group = await api.post(`${scopePath}/groups`, admin.token, { name: `holders of ${role} ${Math.random().toString(36).slice(2, 8)}`, role });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  if (member) {
    const added = await api.post(`${scopePath}/groups/${group.body.id}/members`, admin.token, { principal_id: member.user.id });
    assert.equal(added.status, 201, JSON.stringify(added.body));
  }
  return group.body;
}

const inProject = (projectId: string) => ({ 'openai-project': projectId });

describeEachDatabase('custom roles', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  test('an organization creates, reads, lists, changes and deletes custom roles; the built-in roles are listed read-only', async () => {
    const ann = await signUp(api(), 'ann');
    const roles = `/v1/organizations/${ann.org.id}/roles`;
    const made = await api().post(roles, ann.token, { name: 'Fine-tuner', description: 'Trains models', permissions: ['fine_tuning.write', 'project.read', 'files.read', 'files.write', 'fine_tuning.read'] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.match(made.body.id, /^role_/);
    assert.equal(made.body.object, 'role');
    assert.equal(made.body.organization_id, ann.org.id);
    assert.equal(made.body.scope, 'project', 'only project permissions: a project role');
    assert.equal(made.body.built_in, false);
    assert.deepEqual(made.body.permissions, ['project.read', 'files.read', 'files.write', 'fine_tuning.read', 'fine_tuning.write'], 'in catalogue order');

    const listed = await api().get(`${roles}?limit=100`, ann.token);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.data[0].id, made.body.id, 'custom roles first, newest first');
    const builtIn = listed.body.data.filter((r: { built_in: boolean }) => r.built_in).map((r: { id: string }) => r.id);
    assert.deepEqual(builtIn, ['organization.admin', 'organization.billing_manager', 'organization.member', 'organization.viewer', 'project.admin', 'project.member', 'project.viewer']);
    const page = await api().get(`${roles}?limit=2&after=${made.body.id}`, ann.token);
    assert.deepEqual(page.body.data.map((r: { id: string }) => r.id), ['organization.admin', 'organization.billing_manager']);
    assert.equal(page.body.has_more, true);
    assert.equal(errorOf(await api().get(`${roles}?after=role_nothing`, ann.token)).param, 'after');

    const viewer = await api().get(`${roles}/project.viewer`, ann.token);
    assert.equal(viewer.status, 200);
    assert.equal(viewer.body.name, 'viewer');
    assert.ok(viewer.body.permissions.includes('files.read') && !viewer.body.permissions.includes('files.write'));
    assert.equal(errorOf(await api().patch(`${roles}/project.viewer`, ann.token, { name: 'x' })).code, 'built_in_role');
    assert.equal((await api().delete(`${roles}/organization.admin`, ann.token)).status, 409);

    const changed = await api().patch(`${roles}/${made.body.id}`, ann.token, { name: 'Trainer', permissions: ['project.read', 'fine_tuning.read'] });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.name, 'Trainer');
    assert.equal(changed.body.description, 'Trains models');
    assert.deepEqual(changed.body.permissions, ['project.read', 'fine_tuning.read']);
    assert.equal((await api().get(`${roles}/${made.body.id}`, ann.token)).body.name, 'Trainer');

    const deleted = await api().delete(`${roles}/${made.body.id}`, ann.token);
    assert.deepEqual(deleted.body, { id: made.body.id, object: 'role', deleted: true });
    assert.equal((await api().get(`${roles}/${made.body.id}`, ann.token)).status, 404);

    const events = (await api().get(`/v1/organizations/${ann.org.id}/audit_logs?limit=100&resource_id=${made.body.id}`, ann.token)).body.data;
    assert.deepEqual(events.map((e: { type: string }) => e.type).sort(), ['role.created', 'role.deleted', 'role.updated']);
    const updated = events.find((e: { type: string }) => e.type === 'role.updated');
    assert.equal(updated.data.previous_name, 'Fine-tuner');
    assert.deepEqual(updated.data.permissions, ['project.read', 'fine_tuning.read']);
  });

  test('bad roles are refused with 400 naming the field, duplicates with 409, nothing written', async () => {
    const ann = await signUp(api(), 'ann');
    const roles = `/v1/organizations/${ann.org.id}/roles`;
    const refusedWith = async (body: unknown, param: string) => {
      const refused = await api().post(roles, ann.token, body);
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(errorOf(refused).param, param, JSON.stringify(refused.body));
    };
    await refusedWith({ name: 'a', permissions: ['files.steal'] }, 'permissions');
    await refusedWith({ name: 'a', permissions: [] }, 'permissions');
    await refusedWith({ name: 'a', scope: 'project', permissions: ['project.read', 'members.read'] }, 'permissions');
    await refusedWith({ name: 'a', permissions: ['files.read'] }, 'permissions');
    await refusedWith({ name: '', permissions: ['usage.read'] }, 'name');
    await refusedWith({ name: 'a', scope: 'team', permissions: ['usage.read'] }, 'scope');
    const listed = await api().get(`${roles}?limit=100`, ann.token);
    assert.ok(listed.body.data.every((r: { built_in: boolean }) => r.built_in), 'nothing written');

    const billing = await createRole(api(), ann.token, ann.org.id, { name: 'Finance', permissions: ['usage.read'] });
    assert.equal((await api().get(`${roles}/${billing.id}`, ann.token)).body.scope, 'organization');
    const duplicate = await api().post(roles, ann.token, { name: 'Finance', permissions: ['usage.read'] });
    assert.equal(duplicate.status, 409);
    assert.equal(errorOf(duplicate).code, 'role_name_taken');
    const scopeChange = await api().patch(`${roles}/${billing.id}`, ann.token, { scope: 'project' });
    assert.equal(scopeChange.status, 400);
    assert.equal(errorOf(scopeChange).param, 'scope');
  });

  test('a project group holding a custom role can do exactly what the role lists, and access/check names the role', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    await addMember(api(), ann, ann.org.id, bob);
    const proj = ann.project.id;
    const role = await createRole(api(), ann.token, ann.org.id, { name: 'File reader', permissions: ['project.read', 'files.read'] });
    const group = await groupWithRole(api(), ann, `/v1/projects/${proj}`, role.id, bob);
    const shown = await api().get(`/v1/projects/${proj}/groups/${group.id}`, ann.token);
    assert.equal(shown.body.role, role.id);
    assert.equal(shown.body.role_name, 'File reader');

    assert.equal((await api().get(`/v1/projects/${proj}`, bob.token)).status, 200);
    assert.equal((await api().get('/v1/files', bob.token, inProject(proj))).status, 200);
    const datasets = await api().get('/v1/datasets', bob.token, inProject(proj));
    assert.equal(datasets.status, 403);
    assert.match(errorOf(datasets).message, /datasets\.read/);
    assert.equal((await api().post('/v1/datasets', bob.token, { name: 'd', file_ids: ['file-x'] }, inProject(proj))).status, 403);

    const why = await api().post(`/v1/organizations/${ann.org.id}/access/check`, ann.token, { principal_id: bob.user.id, permission: 'files.read', project_id: proj });
    assert.equal(why.body.allowed, true);
    assert.deepEqual(why.body.reasons, [{ group_id: group.id, group_name: shown.body.name, scope: { type: 'project', id: proj }, role: role.id, role_name: 'File reader', expires_at: null }]);
    const no = await api().post(`/v1/organizations/${ann.org.id}/access/check`, ann.token, { principal_id: bob.user.id, permission: 'files.write', project_id: proj });
    assert.deepEqual(no.body, { allowed: false, reasons: [] });

    const access = await api().get(`/v1/projects/${proj}/access`, ann.token);
    const bobs = access.body.data.find((e: { principal: { id: string } }) => e.principal.id === bob.user.id);
    assert.equal(bobs.role, 'viewer', 'reads, changes nothing: a viewer as built-in roles go');
    assert.deepEqual(bobs.via, [{ group_id: group.id, scope: { type: 'project', id: proj }, role: role.id, role_name: 'File reader' }]);
  });

  test('an organization role granted to an organization group holds on the organization and in every project', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    await addMember(api(), ann, ann.org.id, bob);
    const org = `/v1/organizations/${ann.org.id}`;
    const role = await createRole(api(), ann.token, ann.org.id, { name: 'Auditor', permissions: ['audit_logs.read', 'project.read', 'files.read'] });
    await groupWithRole(api(), ann, org, role.id, bob);
    const later = (await api().post(`${org}/projects`, ann.token, { name: 'Later' })).body;

    assert.equal((await api().get(`${org}/audit_logs`, bob.token)).status, 200);
    assert.equal((await api().get(`${org}/members`, bob.token)).status, 403);
    assert.equal((await api().get(`/v1/projects/${later.id}`, bob.token)).status, 200, 'a project made after the grant');
    assert.equal((await api().get('/v1/files', bob.token, inProject(later.id))).status, 200);
    assert.equal((await api().patch(`/v1/projects/${later.id}`, bob.token, { name: 'Mine' })).status, 403);
    const listed = await api().get(`${org}/projects`, bob.token);
    assert.equal(listed.body.data.length, 2, 'sees every project');
  });

  test('a project group refuses an organization role; a role of another organization is unknown (404)', async () => {
    const ann = await signUp(api(), 'ann');
    const acme = await createOrganization(api(), ann, 'Acme');
    const auditor = await createRole(api(), ann.token, ann.org.id, { name: 'Auditor', permissions: ['audit_logs.read'] });
    const reader = await createRole(api(), ann.token, ann.org.id, { name: 'Reader', permissions: ['project.read'] });
    const projectGroup = await api().post(`/v1/projects/${ann.project.id}/groups`, ann.token, { name: 'g', role: auditor.id });
    assert.equal(projectGroup.status, 400);
    assert.equal(errorOf(projectGroup).param, 'role');
    const elsewhere = await api().post(`/v1/organizations/${acme.id}/groups`, ann.token, { name: 'g', role: reader.id });
    assert.equal(elsewhere.status, 404);
    assert.equal(errorOf(elsewhere).param, 'role');
    assert.equal((await api().post(`/v1/projects/${acme.defaultProjectId}/groups`, ann.token, { name: 'g', role: reader.id })).status, 404);
    assert.equal((await api().get(`/v1/organizations/${acme.id}/roles/${reader.id}`, ann.token)).status, 404);
    assert.equal((await api().patch(`/v1/organizations/${acme.id}/roles/${reader.id}`, ann.token, { name: 'x' })).status, 404);
    assert.equal((await api().delete(`/v1/organizations/${acme.id}/roles/${reader.id}`, ann.token)).status, 404);
    assert.equal((await api().post(`/v1/projects/${ann.project.id}/groups`, ann.token, { name: 'g', role: 'role_nothing' })).status, 404);
    // A project role may go to an organization group: it then holds in every project.
    assert.equal((await api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: 'readers', role: reader.id })).status, 201);
    const stranger = await signUp(api(), 'stranger');
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}/roles`, stranger.token)).status, 404);
  });

  test('a role some group holds cannot be deleted (409 role_in_use) until the group is gone', async () => {
    const ann = await signUp(api(), 'ann');
    const role = await createRole(api(), ann.token, ann.org.id, { name: 'Reader', permissions: ['project.read'] });
    const group = await groupWithRole(api(), ann, `/v1/projects/${ann.project.id}`, role.id);
    const inUse = await api().delete(`/v1/organizations/${ann.org.id}/roles/${role.id}`, ann.token);
    assert.equal(inUse.status, 409);
    assert.equal(errorOf(inUse).code, 'role_in_use');
    assert.equal((await api().delete(`/v1/projects/${ann.project.id}/groups/${group.id}`, ann.token)).status, 200);
    assert.equal((await api().delete(`/v1/organizations/${ann.org.id}/roles/${role.id}`, ann.token)).status, 200);
  });

  test('a role deleted while a group is being given it: one of the two wins, never a group holding a deleted role', async () => {
    const ann = await signUp(api(), 'ann');
    const org = `/v1/organizations/${ann.org.id}`;
    for (let i = 0; i < 8; i += 1) {
      const role = await createRole(api(), ann.token, ann.org.id, { name: `Racer ${i}`, permissions: ['project.read'] });
      const [deleted, granted] = await Promise.all([api().delete(`${org}/roles/${role.id}`, ann.token), api().post(`${org}/groups`, ann.token, { name: `racers ${i}`, role: role.id })]);
      if (deleted.status === 200) assert.equal(granted.status, 404, JSON.stringify(granted.body));
      else {
        assert.equal(deleted.status, 409, JSON.stringify(deleted.body));
        assert.equal(granted.status, 201, JSON.stringify(granted.body));
      }
    }
  });

  test('editing a role changes every holder\'s access on the very next request', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    await addMember(api(), ann, ann.org.id, bob);
    const proj = ann.project.id;
    const role = await createRole(api(), ann.token, ann.org.id, { name: 'Reader', permissions: ['project.read'] });
    await groupWithRole(api(), ann, `/v1/projects/${proj}`, role.id, bob);
    const key = (await api().post(`/v1/projects/${proj}/api_keys`, bob.token, { name: 'bob' })).body;
    assert.equal(key.key, undefined, 'a role without api_keys.write makes no keys');
    assert.equal((await api().get('/v1/files', bob.token, inProject(proj))).status, 403);
    assert.equal((await api().get('/v1/files', bob.token, inProject(proj))).status, 403, 'warm');
    assert.equal((await api().patch(`/v1/organizations/${ann.org.id}/roles/${role.id}`, ann.token, { permissions: ['project.read', 'files.read', 'api_keys.write'] })).status, 200);
    assert.equal((await api().get('/v1/files', bob.token, inProject(proj))).status, 200);
    const made = await api().post(`/v1/projects/${proj}/api_keys`, bob.token, { name: 'bob' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await api().get('/v1/files', made.body.key)).status, 200, "the key follows its owner's role");
    assert.equal((await api().patch(`/v1/organizations/${ann.org.id}/roles/${role.id}`, ann.token, { permissions: ['project.read'] })).status, 200);
    assert.equal((await api().get('/v1/files', made.body.key)).status, 403, 'and loses what the role loses');
    assert.equal((await api().get('/v1/files', bob.token, inProject(proj))).status, 403);
  });

  describe('no escalation', () => {
    /** Bob manages roles and groups but holds only some project permissions. */
    async function roleManager() {
      const ann = await signUp(api(), 'ann');
      const bob = await signUp(api(), 'bob');
      const cid = await signUp(api(), 'cid');
      await addMember(api(), ann, ann.org.id, bob);
      await addMember(api(), ann, ann.org.id, cid);
      const manager = await createRole(api(), ann.token, ann.org.id, {
        name: 'Role manager',
        permissions: ['roles.read', 'roles.write', 'groups.write', 'groups.members.read', 'invitations.write', 'project.read', 'project.groups.write', 'files.read'],
      });
      await groupWithRole(api(), ann, `/v1/organizations/${ann.org.id}`, manager.id, bob);
      return { ann, bob, cid, manager, roles: `/v1/organizations/${ann.org.id}/roles` };
    }

    const refusedNaming = (response: Awaited<ReturnType<Api['request']>>, permission: string) => {
      assert.equal(response.status, 403, JSON.stringify(response.body));
      assert.equal(errorOf(response).code, 'escalation_refused');
      assert.match(errorOf(response).message, new RegExp(permission.replace('.', '\\.')));
    };

    test('nobody creates a role holding a permission it does not hold', async () => {
      const { bob, roles } = await roleManager();
      refusedNaming(await api().post(roles, bob.token, { name: 'Writer', permissions: ['project.read', 'files.read', 'files.write'] }), 'files.write');
      refusedNaming(await api().post(roles, bob.token, { name: 'Auditor', permissions: ['audit_logs.read'] }), 'audit_logs.read');
      assert.equal((await api().post(roles, bob.token, { name: 'Reader', permissions: ['project.read', 'files.read'] })).status, 201, 'what it holds, it may bundle');
    });

    test('nobody edits a role holding, before or after, a permission it does not hold', async () => {
      const { ann, bob, manager, roles } = await roleManager();
      const writer = await createRole(api(), ann.token, ann.org.id, { name: 'Writer', permissions: ['project.read', 'files.write'] });
      refusedNaming(await api().patch(`${roles}/${writer.id}`, bob.token, { name: 'Scribe' }), 'files.write');
      refusedNaming(await api().patch(`${roles}/${writer.id}`, bob.token, { permissions: ['project.read'] }), 'files.write');
      refusedNaming(await api().patch(`${roles}/${manager.id}`, bob.token, { permissions: ['roles.write', 'project.read', 'datasets.write'] }), 'datasets.write');
      const own = (await api().get(`${roles}/${manager.id}`, ann.token)).body;
      assert.ok(!own.permissions.includes('datasets.write'), 'nothing written');
    });

    test('nobody grants a role, to a new group or by adding a member, holding a permission it does not hold', async () => {
      const { ann, bob, cid } = await roleManager();
      const org = `/v1/organizations/${ann.org.id}`;
      const proj = `/v1/projects/${ann.project.id}`;
      const writer = await createRole(api(), ann.token, ann.org.id, { name: 'Writer', permissions: ['project.read', 'files.write'] });
      const reader = await createRole(api(), ann.token, ann.org.id, { name: 'Reader', permissions: ['project.read', 'files.read'] });

      refusedNaming(await api().post(`${org}/groups`, bob.token, { name: 'writers', role: writer.id }), 'files.write');
      refusedNaming(await api().post(`${proj}/groups`, bob.token, { name: 'writers', role: writer.id }), 'files.write');
      refusedNaming(await api().post(`${org}/groups`, bob.token, { name: 'admins too', role: 'admin' }), '');
      refusedNaming(await api().post(`${proj}/groups`, bob.token, { name: 'members too', role: 'member' }), 'datasets.read');
      const writers = await groupWithRole(api(), ann, org, writer.id);
      refusedNaming(await api().post(`${org}/groups/${writers.id}/members`, bob.token, { principal_id: cid.user.id }), 'files.write');
      const admins = await groupNamed(api(), ann.token, org, 'admins');
      assert.equal((await api().post(`${org}/groups/${admins.id}/members`, bob.token, { principal_id: bob.user.id })).status, 403);

      const readers = await api().post(`${org}/groups`, bob.token, { name: 'readers', role: reader.id });
      assert.equal(readers.status, 201, 'a role it holds wholly, it may grant');
      assert.equal((await api().post(`${org}/groups/${readers.body.id}/members`, bob.token, { principal_id: cid.user.id })).status, 201);
      const invited = await signUp(api(), 'dee');
      refusedNaming(await api().post(`${org}/invitations`, bob.token, { email: invited.user.email, group_ids: [writers.id] }), 'files.write');
      assert.equal((await api().post(`${org}/invitations`, bob.token, { email: invited.user.email, group_ids: [readers.body.id] })).status, 201, 'into a group whose role it holds');
      const second = await signUp(api(), 'eve');
      const invitation = await api().post(`${org}/invitations`, ann.token, { email: second.user.email, group_ids: [writers.id] });
      assert.equal(invitation.status, 201, 'an admin may invite into the group');
    });

    test('a key grants no more than its credential: a read-only key neither makes nor grants roles', async () => {
      const ann = await signUp(api(), 'ann');
      const org = `/v1/organizations/${ann.org.id}`;
      const reader = await createRole(api(), ann.token, ann.org.id, { name: 'Reader', permissions: ['project.read'] });
      const readOnly = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'ro', permissions: 'read_only' })).body.key as string;
      const made = await api().post(`${org}/roles`, readOnly, { name: 'x', permissions: ['project.read'] });
      assert.equal(made.status, 403);
      assert.match(errorOf(made).message, /roles\.write/);
      assert.equal((await api().post(`/v1/projects/${ann.project.id}/groups`, readOnly, { name: 'g', role: reader.id })).status, 403);
    });
  });
});

/** A role edited through one instance reaches the holders on the other within a second (LISTEN/NOTIFY). */

describe('custom roles on two server instances [postgres]', { skip: postgresOnly }, () => {
  const servers = useTwoInstances();

  test('a role edited on one instance changes its holders\' access on the other within a second', async () => {
    const a = new Api(servers.first.app);
    const b = new Api(servers.second.app);
    const ann = await signUp(a, 'ann');
    const bob = await signUp(a, 'bob');
    await addMember(a, ann, ann.org.id, bob);
    const proj = ann.project.id;
    const role = await createRole(a, ann.token, ann.org.id, { name: 'Reader', permissions: ['project.read', 'api_keys.write', 'api_keys.read'] });
    await groupWithRole(a, ann, `/v1/projects/${proj}`, role.id, bob);
    const key = (await a.post(`/v1/projects/${proj}/api_keys`, bob.token, { name: 'bob' })).body.key as string;
    assert.equal((await b.get('/v1/files', key)).status, 403, 'warm on the second instance');
    assert.equal((await b.get('/v1/files', bob.token, inProject(proj))).status, 403);

    await a.patch(`/v1/organizations/${ann.org.id}/roles/${role.id}`, ann.token, { permissions: ['project.read', 'api_keys.write', 'api_keys.read', 'files.read'] });
    assert.ok((await answersWithin(async () => (await b.get('/v1/files', key)).status, 200, 1000)) < 1000);
    assert.equal((await b.get('/v1/files', bob.token, inProject(proj))).status, 200);

    await a.patch(`/v1/organizations/${ann.org.id}/roles/${role.id}`, ann.token, { permissions: ['project.read', 'api_keys.write', 'api_keys.read'] });
    await answersWithin(async () => (await b.get('/v1/files', key)).status, 403, 1000);
  });
});
