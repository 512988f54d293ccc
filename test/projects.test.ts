import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, createOrganization, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';

describeEachDatabase('projects', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  test('an org admin creates a project with regions; regions default and must be known', async () => {
    const ann = await signUp(api(), 'ann');
    const made = await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Search', regions: ['eu-west1', 'us-central1'] });
    assert.equal(made.status, 201);
    assert.match(made.body.id, /^proj_/);
    assert.equal(made.body.object, 'project');
    assert.equal(made.body.organization_id, ann.org.id);
    assert.deepEqual(made.body.regions, ['eu-west1', 'us-central1']);
    assert.equal(made.body.is_default, false);
    assert.equal(made.body.status, 'active');
    assert.equal(made.body.archived_at, null);

    const plain = await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Plain' });
    assert.deepEqual(plain.body.regions, ['eu-north1']);

    const unknown = await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'X', regions: ['eu-west1', 'mars-1'] });
    assert.equal(unknown.status, 400);
    assert.equal(errorOf(unknown).param, 'regions.1');
    const empty = await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'X', regions: [] });
    assert.equal(empty.status, 400);
    assert.equal(errorOf(empty).param, 'regions');
    const twice = await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'X', regions: ['eu-west1', 'eu-west1'] });
    assert.equal(twice.status, 400);

    const groups = await api().get(`/v1/projects/${made.body.id}/groups`, ann.token);
    assert.deepEqual(groups.body.data.map((g: { name: string; role: string }) => [g.name, g.role]).sort(), [
      ['admins', 'admin'],
      ['members', 'member'],
    ]);

    const regions = await api().get('/v1/regions', ann.token);
    assert.equal(regions.status, 200);
    assert.deepEqual(regions.body.data.map((r: { id: string }) => r.id), ['eu-north1', 'eu-west1', 'us-central1']);
    assert.equal(regions.body.data[0].object, 'region');
    assert.match(regions.body.data[0].inference_base_url, /\/v1$/);
  });

  test('rename and change regions; the default project cannot be archived; an archived project refuses writes', async () => {
    const ann = await signUp(api(), 'ann');
    const project = (await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Old' })).body;
    const changed = await api().patch(`/v1/projects/${project.id}`, ann.token, { name: 'New', regions: ['eu-north1', 'eu-west1'] });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.name, 'New');
    assert.deepEqual(changed.body.regions, ['eu-north1', 'eu-west1']);
    assert.deepEqual((await api().get(`/v1/projects/${project.id}`, ann.token)).body.regions, ['eu-north1', 'eu-west1']);
    const dropped = await api().patch(`/v1/projects/${project.id}`, ann.token, { regions: ['eu-west1'] });
    assert.deepEqual(dropped.body.regions, ['eu-west1']);
    const badField = await api().patch(`/v1/projects/${project.id}`, ann.token, { organization_id: 'org_other' });
    assert.equal(badField.status, 400);
    assert.equal(errorOf(badField).param, 'organization_id');

    const defaultArchive = await api().post(`/v1/projects/${ann.project.id}/archive`, ann.token);
    assert.equal(defaultArchive.status, 409);
    assert.equal(errorOf(defaultArchive).code, 'default_project');

    const archived = await api().post(`/v1/projects/${project.id}/archive`, ann.token);
    assert.equal(archived.status, 200);
    assert.equal(archived.body.status, 'archived');
    assert.equal(typeof archived.body.archived_at, 'number');
    for (const [method, path, body] of [
      ['PATCH', `/v1/projects/${project.id}`, { name: 'Again' }],
      ['POST', `/v1/projects/${project.id}/archive`, {}],
      ['POST', `/v1/projects/${project.id}/groups`, { name: 'ops', role: 'member' }],
    ] as const) {
      const refused = await api().request(method, path, { token: ann.token, body });
      assert.equal(refused.status, 409, `${method} ${path}`);
      assert.equal(errorOf(refused).code, 'project_archived');
    }
    assert.equal((await api().get(`/v1/projects/${project.id}`, ann.token)).status, 200, 'still readable');

    const active = await api().get(`/v1/organizations/${ann.org.id}/projects`, ann.token);
    assert.ok(!active.body.data.some((p: { id: string }) => p.id === project.id));
    const all = await api().get(`/v1/organizations/${ann.org.id}/projects?include_archived=true`, ann.token);
    assert.ok(all.body.data.some((p: { id: string }) => p.id === project.id));
  });

  test('a project is visible only to who may read it: 404 to strangers and other members, 403 for what its role lacks', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const eve = await signUp(api(), 'eve');
    const acme = await createOrganization(api(), ann);
    const shared = (await api().post(`/v1/organizations/${acme.id}/projects`, ann.token, { name: 'Shared' })).body;
    const secret = (await api().post(`/v1/organizations/${acme.id}/projects`, ann.token, { name: 'Secret' })).body;
    const sharedMembers = await groupNamed(api(), ann.token, `/v1/projects/${shared.id}`, 'members');
    await addMember(api(), ann, acme.id, bob, { projects: [{ project_id: shared.id, group_id: sharedMembers.id }] });

    const bobSees = await api().get(`/v1/organizations/${acme.id}/projects`, bob.token);
    assert.deepEqual(bobSees.body.data.map((p: { id: string }) => p.id), [shared.id]);
    assert.equal((await api().get(`/v1/projects/${shared.id}`, bob.token)).status, 200);
    assert.equal((await api().get(`/v1/projects/${secret.id}`, bob.token)).status, 404);
    assert.equal((await api().get(`/v1/projects/${secret.id}/groups`, bob.token)).status, 404);

    const bobRenames = await api().patch(`/v1/projects/${shared.id}`, bob.token, { name: 'Mine' });
    assert.equal(bobRenames.status, 403, 'a project member cannot change settings');
    assert.equal((await api().post(`/v1/projects/${shared.id}/archive`, bob.token)).status, 403);
    assert.equal((await api().post(`/v1/projects/${shared.id}/groups`, bob.token, { name: 'x', role: 'viewer' })).status, 403);
    assert.equal((await api().get(`/v1/projects/${shared.id}/access`, bob.token)).status, 403);

    for (const path of [`/v1/projects/${shared.id}`, `/v1/projects/${secret.id}`, `/v1/organizations/${acme.id}/projects`]) {
      const response = await api().get(path, eve.token);
      assert.equal(response.status, 404, path);
    }
    assert.equal((await api().patch(`/v1/projects/${shared.id}`, eve.token, { name: 'pwned' })).status, 404);
  });

  test('20 concurrent project creations in one organization all succeed and all list', async () => {
    const ann = await signUp(api(), 'ann');
    const acme = await createOrganization(api(), ann);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api().post(`/v1/organizations/${acme.id}/projects`, ann.token, { name: `P${i}` })),
    );
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(201));
    const listed = await api().get(`/v1/organizations/${acme.id}/projects?limit=100`, ann.token);
    const ids = new Set(listed.body.data.map((p: { id: string }) => p.id));
    assert.equal(ids.size, 21);
    for (const r of results) assert.ok(ids.has(r.body.id));
  });

  test('concurrent renames leave one of the names, never a mix', async () => {
    const ann = await signUp(api(), 'ann');
    const project = (await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Start', regions: ['eu-north1'] })).body;
    const names = Array.from({ length: 10 }, (_, i) => `Name ${i}`);
    const regionSets = [['eu-west1'], ['us-central1'], ['eu-north1', 'eu-west1']];
    const results = await Promise.all(
      names.map((name, i) => api().patch(`/v1/projects/${project.id}`, ann.token, { name, regions: regionSets[i % 3] })),
    );
    assert.ok(results.every((r) => r.status === 200));
    const final = (await api().get(`/v1/projects/${project.id}`, ann.token)).body;
    const winner = names.indexOf(final.name);
    assert.ok(winner >= 0, `final name ${final.name}`);
    assert.ok(regionSets.some((set) => JSON.stringify(set) === JSON.stringify(final.regions)), `regions ${final.regions}`);
  });

  test('project lists page without skipping or repeating when many projects share a created_at', async () => {
    const ann = await signUp(api(), 'ann');
    const acme = await createOrganization(api(), ann);
    await Promise.all(Array.from({ length: 25 }, (_, i) => api().post(`/v1/organizations/${acme.id}/projects`, ann.token, { name: `Same second ${i}` })));
    const seen: string[] = [];
    let after = '';
    for (let guard = 0; guard < 20; guard += 1) {
      const page = await api().get(`/v1/organizations/${acme.id}/projects?limit=3${after}`, ann.token);
      seen.push(...page.body.data.map((p: { id: string }) => p.id));
      if (!page.body.has_more) break;
      after = `&after=${page.body.last_id}`;
    }
    assert.equal(seen.length, 26);
    assert.equal(new Set(seen).size, 26);
  });
});
