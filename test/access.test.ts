import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';

describeEachDatabase('access policy', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  test('GET /v1/permissions lists the one catalogue with the roles holding each permission', async () => {
    const ann = await signUp(api(), 'ann');
    const response = await api().get('/v1/permissions', ann.token);
    assert.equal(response.status, 200);
    assert.equal(response.body.object, 'list');
    const byName = new Map(response.body.data.map((p: { name: string }) => [p.name, p]));
    for (const name of ['project.read', 'api_keys.write', 'files.write', 'inference.invoke', 'organization.write']) {
      assert.ok(byName.has(name), name);
    }
    for (const entry of response.body.data) {
      assert.match(entry.name, /^[a-z_]+(\.[a-z_]+)+$/);
      assert.equal(typeof entry.description, 'string');
      assert.ok(Array.isArray(entry.roles));
    }
    const invoke = byName.get('inference.invoke') as { roles: string[] };
    assert.ok(invoke.roles.includes('project.member'));
    assert.ok(!invoke.roles.includes('project.viewer'), 'viewers do not call models');
    assert.ok(!invoke.roles.includes('organization.billing_manager'));
    assert.equal((await api().get('/v1/permissions')).status, 401);
  });

  test('access check explains why a principal may do something, and says no with no reasons', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const org = `/v1/organizations/${ann.org.id}`;
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });

    const yes = await api().post(`${org}/access/check`, ann.token, { principal_id: bob.user.id, permission: 'inference.invoke', project_id: ann.project.id });
    assert.equal(yes.status, 200);
    assert.equal(yes.body.allowed, true);
    assert.deepEqual(yes.body.reasons, [
      { group_id: members.id, group_name: 'members', scope: { type: 'project', id: ann.project.id }, role: 'member', role_name: 'member', expires_at: null },
    ]);
    const no = await api().post(`${org}/access/check`, ann.token, { principal_id: bob.user.id, permission: 'project.write', project_id: ann.project.id });
    assert.deepEqual(no.body, { allowed: false, reasons: [] });

    const adminWhy = await api().post(`${org}/access/check`, ann.token, { principal_id: ann.user.id, permission: 'project.write', project_id: ann.project.id });
    assert.equal(adminWhy.body.allowed, true);
    assert.equal(adminWhy.body.reasons[0].group_name, 'admins');
    assert.equal(adminWhy.body.reasons[0].scope.type, 'organization');

    const self = await api().post(`${org}/access/check`, bob.token, { principal_id: bob.user.id, permission: 'files.write', project_id: ann.project.id });
    assert.equal(self.status, 200, 'anyone may ask about itself');
    assert.equal(self.body.allowed, true);
    const aboutOther = await api().post(`${org}/access/check`, bob.token, { principal_id: ann.user.id, permission: 'files.write', project_id: ann.project.id });
    assert.equal(aboutOther.status, 403);

    const needsProject = await api().post(`${org}/access/check`, ann.token, { principal_id: bob.user.id, permission: 'files.write' });
    assert.equal(needsProject.status, 400);
    assert.equal(errorOf(needsProject).param, 'project_id');
    const unknownPermission = await api().post(`${org}/access/check`, ann.token, { principal_id: bob.user.id, permission: 'files.steal', project_id: ann.project.id });
    assert.equal(unknownPermission.status, 400);
    assert.equal(errorOf(unknownPermission).param, 'permission');
    const unknownPrincipal = await api().post(`${org}/access/check`, ann.token, { principal_id: 'user_nobody', permission: 'project.read', project_id: ann.project.id });
    assert.equal(unknownPrincipal.status, 404);
    const stranger = await signUp(api(), 'stranger');
    assert.equal((await api().post(`${org}/access/check`, stranger.token, { principal_id: stranger.user.id, permission: 'project.read', project_id: ann.project.id })).status, 404);
  });

  test('who has access to a project: each principal, its strongest role, and the groups it comes from', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const cid = await signUp(api(), 'cid');
    const org = `/v1/organizations/${ann.org.id}`;
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    const billing = await groupNamed(api(), ann.token, org, 'billing_managers');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    await addMember(api(), ann, ann.org.id, cid, { group_ids: [billing.id] });

    const response = await api().get(`/v1/projects/${ann.project.id}/access`, ann.token);
    assert.equal(response.status, 200);
    assert.equal(response.body.object, 'list');
    const byId = new Map(response.body.data.map((e: { principal: { id: string } }) => [e.principal.id, e]));
    assert.deepEqual(byId.get(ann.user.id), {
      principal: { type: 'user', id: ann.user.id, name: 'ann', email: ann.user.email },
      role: 'admin',
      via: [{ group_id: (await groupNamed(api(), ann.token, org, 'admins')).id, scope: { type: 'organization', id: ann.org.id }, role: 'admin', role_name: 'admin' }],
    });
    assert.equal((byId.get(bob.user.id) as { role: string }).role, 'member');
    assert.ok(!byId.has(cid.user.id), 'a billing manager has no access to project resources');
  });

  test('a billing manager reads the organization but no project', async () => {
    const ann = await signUp(api(), 'ann');
    const cid = await signUp(api(), 'cid');
    const billing = await groupNamed(api(), ann.token, `/v1/organizations/${ann.org.id}`, 'billing_managers');
    await addMember(api(), ann, ann.org.id, cid, { group_ids: [billing.id] });
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}`, cid.token)).status, 200);
    assert.deepEqual((await api().get(`/v1/organizations/${ann.org.id}/projects`, cid.token)).body.data, []);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}`, cid.token)).status, 404);
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}/members`, cid.token)).status, 403);
  });
});
