import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { multipartBody, TRAINING_JSONL } from './helpers/fuzz-fixtures.ts';
import { addMember, createOrganization, groupNamed } from './helpers/organizations.ts';
import { TestClock, useTenantry } from './helpers/server.ts';

describeEachDatabase('organizations', (kind) => {
  const clock = new TestClock();
  const server = useTenantry(kind, { clock });
  const api = () => new Api(server.tenantry.app);

  test('creating an organization makes the creator an admin and gives it a default project', async () => {
    const ann = await signUp(api(), 'ann');
    const created = await api().post('/v1/organizations', ann.token, { name: 'Acme' });
    assert.equal(created.status, 201);
    assert.equal(created.body.object, 'organization');
    assert.equal(created.body.name, 'Acme');
    assert.equal(created.body.personal, false);

    const groups = await api().get(`/v1/organizations/${created.body.id}/groups`, ann.token);
    assert.deepEqual(groups.body.data.map((g: { name: string; role: string; built_in: boolean }) => [g.name, g.role, g.built_in]).sort(), [
      ['admins', 'admin', true],
      ['billing_managers', 'billing_manager', true],
    ]);
    const admins = await groupNamed(api(), ann.token, `/v1/organizations/${created.body.id}`, 'admins');
    const members = await api().get(`/v1/organizations/${created.body.id}/groups/${admins.id}/members`, ann.token);
    assert.deepEqual(members.body.data.map((m: { principal: { id: string } }) => m.principal.id), [ann.user.id]);

    const projects = await api().get(`/v1/organizations/${created.body.id}/projects`, ann.token);
    assert.equal(projects.body.data.length, 1);
    assert.equal(projects.body.data[0].is_default, true);
  });

  test('an organization is listed, read and changed only by those who may', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const acme = await createOrganization(api(), ann);

    const annList = await api().get('/v1/organizations', ann.token);
    assert.deepEqual(annList.body.data.map((o: { id: string }) => o.id).sort(), [acme.id, ann.org.id].sort());
    const bobList = await api().get('/v1/organizations', bob.token);
    assert.deepEqual(bobList.body.data.map((o: { id: string }) => o.id), [bob.org.id]);

    for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'Mine now' }], ['DELETE', undefined]] as const) {
      const response = await api().request(method, `/v1/organizations/${acme.id}`, { token: bob.token, body });
      assert.equal(response.status, 404, `${method} by a stranger`);
      assert.equal(errorOf(response).type, 'not_found_error');
    }
    assert.equal((await api().get('/v1/organizations/org_doesnotexist', ann.token)).status, 404);

    const renamed = await api().patch(`/v1/organizations/${acme.id}`, ann.token, { name: 'Acme Corp' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Acme Corp');
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, ann.token)).body.name, 'Acme Corp');
    const empty = await api().patch(`/v1/organizations/${acme.id}`, ann.token, { name: '   ' });
    assert.equal(empty.status, 400);
    assert.equal(errorOf(empty).param, 'name');
  });

  test('a plain member reads the organization and its groups but cannot change it (403)', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const acme = await createOrganization(api(), ann);
    await addMember(api(), ann, acme.id, bob);

    assert.equal((await api().get(`/v1/organizations/${acme.id}`, bob.token)).status, 200);
    assert.equal((await api().get(`/v1/organizations/${acme.id}/groups`, bob.token)).status, 200);
    const rename = await api().patch(`/v1/organizations/${acme.id}`, bob.token, { name: 'Bob Corp' });
    assert.equal(rename.status, 403);
    assert.equal(errorOf(rename).type, 'permission_error');
    assert.equal((await api().delete(`/v1/organizations/${acme.id}`, bob.token)).status, 403);
    assert.equal((await api().get(`/v1/organizations/${acme.id}/members`, bob.token)).status, 403);
    assert.equal((await api().post(`/v1/organizations/${acme.id}/projects`, bob.token, { name: 'X' })).status, 403);
    const projects = await api().get(`/v1/organizations/${acme.id}/projects`, bob.token);
    assert.equal(projects.status, 200);
    assert.deepEqual(projects.body.data, [], 'a member in no group reads no project');
  });

  test('a personal organization cannot be deleted; another one can, and is then gone', async () => {
    const ann = await signUp(api(), 'ann');
    const personal = await api().delete(`/v1/organizations/${ann.org.id}`, ann.token);
    assert.equal(personal.status, 409);
    assert.equal(errorOf(personal).code, 'personal_organization');

    const acme = await createOrganization(api(), ann);
    const deleted = await api().delete(`/v1/organizations/${acme.id}`, ann.token);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { id: acme.id, object: 'organization', deleted: true });
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, ann.token)).status, 404);
    assert.equal((await api().get(`/v1/projects/${acme.defaultProjectId}`, ann.token)).status, 404);
    const list = await api().get('/v1/organizations', ann.token);
    assert.ok(!list.body.data.some((o: { id: string }) => o.id === acme.id));
  });

  test('an organization is not deleted while another member, a live key or a file remains (409 saying what), and is once they are removed', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const acme = await createOrganization(api(), ann);
    const deleteAcme = () => api().delete(`/v1/organizations/${acme.id}`, ann.token);
    const refusal = async (expected: string) => {
      const refused = await deleteAcme();
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.deepEqual(errorOf(refused), { type: 'conflict_error', code: 'organization_not_empty', param: null, message: `The organization still has ${expected}; remove them first.` });
      assert.equal((await api().get(`/v1/organizations/${acme.id}`, ann.token)).status, 200, 'a refused delete leaves the organization as it was');
    };

    await addMember(api(), ann, acme.id, bob);
    await refusal('1 other member');
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, bob.token)).status, 200, 'the other member still sees it');
    assert.equal((await api().delete(`/v1/organizations/${acme.id}/members/${bob.user.id}`, ann.token)).status, 200);

    const key = await api().post(`/v1/projects/${acme.defaultProjectId}/api_keys`, ann.token, { name: 'ci' });
    assert.equal(key.status, 201);
    const lab = await api().post(`/v1/organizations/${acme.id}/projects`, ann.token, { name: 'Lab' });
    assert.equal(lab.status, 201);
    const boundary = 'orgdeleteboundary';
    const file = await api().request('POST', '/v1/files', {
      token: ann.token,
      rawBody: multipartBody([{ name: 'purpose', value: 'fine-tune' }, { name: 'file', filename: 'train.jsonl', value: TRAINING_JSONL }], boundary),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'openai-project': lab.body.id },
    });
    assert.equal(file.status, 200, JSON.stringify(file.body));
    const robot = await api().post(`/v1/organizations/${acme.id}/service_accounts`, ann.token, { name: 'robot' });
    assert.equal(robot.status, 201);
    await refusal('1 other member, 1 API key and 1 file in 2 projects');

    assert.equal((await api().delete(`/v1/organizations/${acme.id}/service_accounts/${robot.body.id}`, ann.token)).status, 200);
    assert.equal((await api().delete(`/v1/projects/${acme.defaultProjectId}/api_keys/${key.body.id}`, ann.token)).status, 200);
    await refusal('1 file in 1 project');
    const events = await api().get(`/v1/organizations/${acme.id}/audit_logs?type=organization.deleted`, ann.token);
    assert.deepEqual(events.body.data, [], 'a refusal records no deletion');

    assert.equal((await api().request('DELETE', `/v1/files/${file.body.id}`, { token: ann.token, headers: { 'openai-project': lab.body.id } })).status, 200);
    const deleted = await deleteAcme();
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, ann.token)).status, 404);
  });

  test('an expired key no longer holds an organization back from being deleted', async () => {
    const ann = await signUp(api(), 'ann');
    const acme = await createOrganization(api(), ann);
    const key = await api().post(`/v1/projects/${acme.defaultProjectId}/api_keys`, ann.token, { name: 'short-lived', expires_at: clock.now() + 60 });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const refused = await api().delete(`/v1/organizations/${acme.id}`, ann.token);
    assert.equal(refused.status, 409);
    assert.equal(errorOf(refused).message, 'The organization still has 1 API key in 1 project; remove them first.');
    clock.advance(61);
    assert.equal((await api().delete(`/v1/organizations/${acme.id}`, ann.token)).status, 200);
  });

  test('members: an admin lists them with their groups, removes one; a member leaves; the last admin stays', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const cid = await signUp(api(), 'cid');
    const acme = await createOrganization(api(), ann);
    await addMember(api(), ann, acme.id, bob);
    await addMember(api(), ann, acme.id, cid);

    const members = await api().get(`/v1/organizations/${acme.id}/members`, ann.token);
    assert.equal(members.status, 200);
    const byId = new Map(members.body.data.map((m: { principal: { id: string } }) => [m.principal.id, m]));
    assert.equal(byId.size, 3);
    const annEntry = byId.get(ann.user.id) as { object: string; principal: { email: string }; groups: Array<{ name: string }> };
    assert.equal(annEntry.object, 'organization.member');
    assert.equal(annEntry.principal.email, ann.user.email);
    assert.deepEqual(annEntry.groups.map((g) => g.name), ['admins']);

    const removed = await api().delete(`/v1/organizations/${acme.id}/members/${bob.user.id}`, ann.token);
    assert.equal(removed.status, 200);
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, bob.token)).status, 404, 'a removed member no longer sees it');

    const cidRemovesAnn = await api().delete(`/v1/organizations/${acme.id}/members/${ann.user.id}`, cid.token);
    assert.equal(cidRemovesAnn.status, 403);
    const left = await api().delete(`/v1/organizations/${acme.id}/members/${cid.user.id}`, cid.token);
    assert.equal(left.status, 200, 'a member may leave');
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, cid.token)).status, 404);

    const lastAdminLeaves = await api().delete(`/v1/organizations/${acme.id}/members/${ann.user.id}`, ann.token);
    assert.equal(lastAdminLeaves.status, 409);
    assert.equal(errorOf(lastAdminLeaves).code, 'last_admin');
    assert.equal((await api().delete(`/v1/organizations/${acme.id}/members/user_nobody`, ann.token)).status, 404);
  });

  test('lists page with limit and after, newest first, and refuse a bad limit', async () => {
    const ann = await signUp(api(), 'ann');
    for (let i = 0; i < 5; i += 1) await createOrganization(api(), ann, `Org ${i}`);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await api().get(`/v1/organizations?limit=2${after ? `&after=${after}` : ''}`, ann.token);
      assert.equal(page.status, 200);
      assert.ok(page.body.data.length <= 2);
      seen.push(...page.body.data.map((o: { id: string }) => o.id));
      if (!page.body.has_more) break;
      assert.equal(page.body.last_id, page.body.data.at(-1).id);
      after = page.body.last_id;
    }
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen).size, 6);
    const all = await api().get('/v1/organizations?limit=100', ann.token);
    assert.deepEqual(all.body.data.map((o: { id: string }) => o.id), seen);
    const createdAt = all.body.data.map((o: { created_at: number }) => o.created_at);
    assert.deepEqual(createdAt, [...createdAt].sort((a, b) => b - a), 'newest first');

    for (const limit of ['0', '101', 'abc', '1.5']) {
      const bad = await api().get(`/v1/organizations?limit=${limit}`, ann.token);
      assert.equal(bad.status, 400, limit);
      assert.equal(errorOf(bad).param, 'limit');
    }
    const unknownCursor = await api().get('/v1/organizations?after=org_nope', ann.token);
    assert.equal(unknownCursor.status, 400);
    assert.equal(errorOf(unknownCursor).param, 'after');
  });
});
