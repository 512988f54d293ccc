import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Api, signUp } from './helpers/client.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { answersWithin } from './helpers/eventually.ts';
import { useTwoInstances, postgresOnly } from './helpers/postgres-only.ts';

/**
 * Two server instances on one PostgreSQL: a change made through one must reach the other's caches
 * within a second (LISTEN/NOTIFY). SQLite is one process by nature, so this suite is PostgreSQL's.
 */
describe('two server instances on one PostgreSQL [postgres]', { skip: postgresOnly }, () => {
  const servers = useTwoInstances();

  test('a key revoked on one instance is refused by the other within a second', async () => {
    const a = new Api(servers.first.app);
    const b = new Api(servers.second.app);
    const ann = await signUp(a, 'ann');
    const key = (await a.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body;
    const path = `/v1/projects/${ann.project.id}`;
    assert.equal((await b.get(path, key.key)).status, 200, 'warm on the second instance');
    assert.equal((await b.get(path, key.key)).status, 200);
    await a.delete(`${path}/api_keys/${key.id}`, ann.token);
    const elapsed = await answersWithin(async () => (await b.get(path, key.key)).status, 401, 1000);
    assert.ok(elapsed < 1000);
  });

  test('a membership removed on one instance ends access on the other; so does a logout', async () => {
    const a = new Api(servers.first.app);
    const b = new Api(servers.second.app);
    const ann = await signUp(a, 'ann');
    const bob = await signUp(a, 'bob');
    const members = await groupNamed(a, ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(a, ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const path = `/v1/projects/${ann.project.id}`;
    assert.equal((await b.get(path, bob.token)).status, 200);
    await a.delete(`${path}/groups/${members.id}/members/${bob.user.id}`, ann.token);
    await answersWithin(async () => (await b.get(path, bob.token)).status, 404, 1000);

    assert.equal((await b.get('/v1/me', bob.token)).status, 200);
    await a.post('/v1/auth/logout', bob.token);
    await answersWithin(async () => (await b.get('/v1/me', bob.token)).status, 401, 1000);
  });

  test('an archive on one instance stops the project\'s keys on the other', async () => {
    const a = new Api(servers.first.app);
    const b = new Api(servers.second.app);
    const ann = await signUp(a, 'ann');
    const project = (await a.post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'P' })).body;
    const key = (await a.post(`/v1/projects/${project.id}/api_keys`, ann.token, { name: 'k' })).body;
    assert.equal((await b.get(`/v1/projects/${project.id}`, key.key)).status, 200);
    await a.post(`/v1/projects/${project.id}/archive`, ann.token);
    await answersWithin(async () => (await b.get(`/v1/projects/${project.id}`, key.key)).status, 401, 1000);
  });
});
