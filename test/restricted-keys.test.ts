import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp, type ApiResponse } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';

const chat = { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] };

describeEachDatabase('restricted API keys', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  const refusedNaming = (response: ApiResponse, permission: string) => {
    assert.equal(response.status, 403, JSON.stringify(response.body));
    assert.ok(errorOf(response).message.includes(permission), `${errorOf(response).message} should name ${permission}`);
  };

  test('a restricted key can do exactly what it lists, and shows its map in the key object', async () => {
    const ann = await signUp(api(), 'ann');
    const proj = ann.project.id;
    const permissions = { files: 'read', models: 'read', inference: 'write', datasets: 'none' };
    const made = await api().post(`/v1/projects/${proj}/api_keys`, ann.token, { name: 'limited', permissions });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(made.body.permissions, permissions);
    assert.deepEqual((await api().get(`/v1/projects/${proj}/api_keys/${made.body.id}`, ann.token)).body.permissions, permissions);
    const listed = await api().get(`/v1/projects/${proj}/api_keys`, ann.token);
    assert.deepEqual(listed.body.data.find((k: { id: string }) => k.id === made.body.id).permissions, permissions);
    const key = made.body.key as string;

    assert.equal((await api().get('/v1/files', key)).status, 200);
    assert.equal((await api().get('/v1/models', key)).status, 200);
    const unknownModel = await api().post('/v1/chat/completions', key, chat);
    assert.equal(unknownModel.status, 404, 'past the permission: the model is unknown');
    refusedNaming(await api().get('/v1/datasets', key), 'datasets.read');
    refusedNaming(await api().get('/v1/fine_tuning/jobs', key), 'fine_tuning.read');
    refusedNaming(await api().delete('/v1/files/file-none', key), 'files.write');
    refusedNaming(await api().get(`/v1/projects/${proj}`, key), 'project.read');
    refusedNaming(await api().get(`/v1/projects/${proj}/api_keys`, key), 'api_keys.read');

    const noInference = (await api().post(`/v1/projects/${proj}/api_keys`, ann.token, { name: 'reader', permissions: { files: 'write' } })).body.key as string;
    refusedNaming(await api().post('/v1/chat/completions', noInference, chat), 'inference.invoke');
    assert.equal((await api().get('/v1/files', noInference)).status, 200, 'write includes read');

    const events = (await api().get(`/v1/organizations/${ann.org.id}/audit_logs?type=api_key.created&resource_id=${made.body.id}`, ann.token)).body.data;
    assert.deepEqual(events[0].data.permissions, permissions);
  });

  test('bad maps are refused with 400 naming the resource; all and read_only keep working', async () => {
    const ann = await signUp(api(), 'ann');
    const keys = `/v1/projects/${ann.project.id}/api_keys`;
    const refusedWith = async (permissions: unknown, param: string) => {
      const refused = await api().post(keys, ann.token, { name: 'k', permissions });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(errorOf(refused).param, param, JSON.stringify(refused.body));
    };
    await refusedWith({ filez: 'read' }, 'permissions.filez');
    await refusedWith({ members: 'read' }, 'permissions.members');
    await refusedWith({ inference: 'read' }, 'permissions.inference');
    await refusedWith({}, 'permissions');
    await refusedWith({ files: 'none' }, 'permissions');
    await refusedWith({ files: 'admin' }, 'permissions');
    await refusedWith('everything', 'permissions');
    assert.equal((await api().get(keys, ann.token)).body.data.length, 0, 'nothing written');

    assert.equal((await api().post(keys, ann.token, { name: 'all' })).body.permissions, 'all');
    assert.equal((await api().post(keys, ann.token, { name: 'ro', permissions: 'read_only' })).body.permissions, 'read_only');
  });

  test('never wider than its creator at mint time (403 naming the permission), nor than its owner at use', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const proj = ann.project.id;
    const members = await groupNamed(api(), ann.token, `/v1/projects/${proj}`, 'members');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: proj, group_id: members.id }] });
    const keys = `/v1/projects/${proj}/api_keys`;

    refusedNaming(await api().post(keys, bob.token, { name: 'k', permissions: { model_permissions: 'write' } }), 'model_permissions.write');
    refusedNaming(await api().post(keys, bob.token, { name: 'k', permissions: { files: 'read', api_keys: 'write' } }), 'api_keys.manage');
    const made = await api().post(keys, bob.token, { name: 'k', permissions: { files: 'write', datasets: 'read' } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const key = made.body.key as string;
    assert.equal((await api().get('/v1/datasets', key)).status, 200);

    // Bob becomes a viewer: his key keeps its map but acts within his access now.
    const viewers = (await api().post(`/v1/projects/${proj}/groups`, ann.token, { name: 'viewers', role: 'viewer' })).body;
    await api().post(`/v1/projects/${proj}/groups/${viewers.id}/members`, ann.token, { principal_id: bob.user.id });
    await api().delete(`/v1/projects/${proj}/groups/${members.id}/members/${bob.user.id}`, ann.token);
    assert.equal((await api().get('/v1/files', key)).status, 200);
    refusedNaming(await api().delete('/v1/files/file-none', key), 'files.write');
  });

  test('a key makes keys only no wider than itself: a restricted key only restricted subsets, a read-only key only read maps', async () => {
    const ann = await signUp(api(), 'ann');
    const keys = `/v1/projects/${ann.project.id}/api_keys`;
    const restricted = (await api().post(keys, ann.token, { name: 'r', permissions: { api_keys: 'write', files: 'read' } })).body.key as string;
    assert.equal(errorOf(await api().post(keys, restricted, { name: 'all' })).code, 'escalation_refused');
    assert.equal((await api().post(keys, restricted, { name: 'ro', permissions: 'read_only' })).status, 403);
    refusedNaming(await api().post(keys, restricted, { name: 'w', permissions: { files: 'write' } }), 'files.write');
    const narrower = await api().post(keys, restricted, { name: 'n', permissions: { files: 'read' } });
    assert.equal(narrower.status, 201, JSON.stringify(narrower.body));
    refusedNaming(await api().get('/v1/datasets', narrower.body.key), 'datasets.read');

    const readOnly = (await api().post(keys, ann.token, { name: 'ro', permissions: 'read_only' })).body.key as string;
    refusedNaming(await api().post(keys, readOnly, { name: 'w', permissions: { files: 'write' } }), 'api_keys.write');
  });

  test('an organization key of a service account may be restricted to organization resources too', async () => {
    const ann = await signUp(api(), 'ann');
    const org = `/v1/organizations/${ann.org.id}`;
    const bot = (await api().post(`${org}/service_accounts`, ann.token, { name: 'bot' })).body;
    const admins = await groupNamed(api(), ann.token, org, 'admins');
    await api().post(`${org}/groups/${admins.id}/members`, ann.token, { principal_id: bot.id });
    const made = await api().post(`${org}/api_keys`, ann.token, { name: 'auditor', owner_id: bot.id, permissions: { audit_logs: 'read', files: 'read' } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const key = made.body.key as string;
    assert.equal((await api().get(`${org}/audit_logs`, key)).status, 200);
    refusedNaming(await api().get(`${org}/members`, key), 'members.read');
    assert.equal((await api().get('/v1/files', key, { 'openai-project': ann.project.id })).status, 200);
    refusedNaming(await api().get('/v1/datasets', key, { 'openai-project': ann.project.id }), 'datasets.read');
  });
});
