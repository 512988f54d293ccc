import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/database.ts';
import { Api, errorOf, signUp, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, createOrganization, groupNamed } from './helpers/organizations.ts';
import { TestClock, useTenantry } from './helpers/server.ts';

describeEachDatabase('API keys', (kind) => {
  const clock = new TestClock();
  const server = useTenantry(kind, { clock });
  const api = () => new Api(server.tenantry.app);
  const createKey = async (owner: SignedUpUser, projectId: string, body: Record<string, unknown> = {}) => {
    const response = await api().post(`/v1/projects/${projectId}/api_keys`, owner.token, { name: 'ci', ...body });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  };

  test('a new key shows its secret once; only its hash is stored; it acts as its owner in its project', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await createKey(ann, ann.project.id);
    assert.match(key.id, /^key_/);
    assert.equal(key.object, 'api_key');
    assert.match(key.key, /^tnt_key_[0-9A-Za-z]{43,}$/);
    assert.equal(key.redacted_value, `tnt_key_...${key.key.slice(-4)}`);
    assert.deepEqual(key.owner, { type: 'user', id: ann.user.id });
    assert.equal(key.created_by, ann.user.id);
    assert.deepEqual(key.scope, { type: 'project', id: ann.project.id });
    assert.equal(key.permissions, 'all');
    assert.equal(key.expires_at, null);
    assert.equal(key.revoked_at, null);

    const read = await api().get(`/v1/projects/${ann.project.id}/api_keys/${key.id}`, ann.token);
    assert.equal(read.body.key, undefined, 'the secret is never shown again');
    const listed = await api().get(`/v1/projects/${ann.project.id}/api_keys`, ann.token);
    assert.ok(!JSON.stringify(listed.body).includes(key.key));

    const handle = openDatabase(server.database.url);
    try {
      for (const table of ['api_keys', 'api_key_secrets', 'audit_events']) {
        const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(handle.db);
        assert.ok(!JSON.stringify(rows.rows).includes(key.key.slice(8)), `${table} holds the secret`);
      }
    } finally {
      await handle.close();
    }

    const viaKey = await api().get(`/v1/projects/${ann.project.id}`, key.key);
    assert.equal(viaKey.status, 200);
    const me = await api().get('/v1/me', key.key);
    assert.deepEqual(me.body.api_key, { id: key.id, scope: { type: 'project', id: ann.project.id } });
    assert.equal(me.body.csrf_token, undefined);
    const used = await api().get(`/v1/projects/${ann.project.id}/api_keys/${key.id}`, ann.token);
    assert.equal(typeof used.body.last_used_at, 'number');
  });

  test('a project key reaches nothing outside its project', async () => {
    const ann = await signUp(api(), 'ann');
    const other = (await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Other' })).body;
    const acme = await createOrganization(api(), ann);
    const key = (await createKey(ann, ann.project.id)).key;
    assert.equal((await api().get(`/v1/projects/${other.id}`, key)).status, 404);
    assert.equal((await api().get(`/v1/projects/${acme.defaultProjectId}`, key)).status, 404);
    assert.equal((await api().get(`/v1/organizations/${acme.id}`, key)).status, 404);
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}`, key)).status, 200, 'it may read its own organization');
    assert.equal((await api().patch(`/v1/organizations/${ann.org.id}`, key, { name: 'x' })).status, 403);
    const listed = await api().get(`/v1/organizations/${ann.org.id}/projects`, key);
    assert.deepEqual(listed.body.data.map((p: { id: string }) => p.id), [ann.project.id]);
    assert.deepEqual((await api().get('/v1/organizations', key)).body.data.map((o: { id: string }) => o.id), [ann.org.id]);
    assert.equal((await api().post('/v1/organizations', key, { name: 'By key' })).status, 403);
  });

  test('a read-only key reads but neither writes nor makes wider keys', async () => {
    const ann = await signUp(api(), 'ann');
    const readOnly = (await createKey(ann, ann.project.id, { permissions: 'read_only' })).key;
    assert.equal((await api().get(`/v1/projects/${ann.project.id}`, readOnly)).status, 200);
    assert.equal((await api().patch(`/v1/projects/${ann.project.id}`, readOnly, { name: 'no' })).status, 403);
    assert.equal((await api().post(`/v1/projects/${ann.project.id}/groups`, readOnly, { name: 'x', role: 'viewer' })).status, 403);
    assert.equal((await api().post(`/v1/projects/${ann.project.id}/api_keys`, readOnly, { name: 'wider' })).status, 403);
    assert.equal((await api().post(`/v1/projects/${ann.project.id}/api_keys`, readOnly, { name: 'same', permissions: 'read_only' })).status, 403, 'creating a key is a write');
  });

  test('a key makes keys only for its owner, no wider and no longer-lived', async () => {
    const ann = await signUp(api(), 'ann');
    const expiresAt = clock.now() + 3600;
    const key = (await createKey(ann, ann.project.id, { expires_at: expiresAt })).key;
    const sa = (await api().post(`/v1/organizations/${ann.org.id}/service_accounts`, ann.token, { name: 'bot' })).body;
    const forBot = await api().post(`/v1/projects/${ann.project.id}/api_keys`, key, { name: 'x', owner_id: sa.id, expires_at: expiresAt });
    assert.equal(forBot.status, 403);
    const longer = await api().post(`/v1/projects/${ann.project.id}/api_keys`, key, { name: 'x', expires_at: expiresAt + 1 });
    assert.equal(longer.status, 403);
    const forever = await api().post(`/v1/projects/${ann.project.id}/api_keys`, key, { name: 'x' });
    assert.equal(forever.status, 403);
    const fine = await api().post(`/v1/projects/${ann.project.id}/api_keys`, key, { name: 'x', expires_at: expiresAt - 60 });
    assert.equal(fine.status, 201);
    assert.equal(fine.body.owner.id, ann.user.id);
  });

  test('revoked, expired, and owner-left keys get 401 on the very next request; lost project access gets 404', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const path = `/v1/projects/${ann.project.id}`;

    const revoked = await createKey(ann, ann.project.id);
    assert.equal((await api().get(path, revoked.key)).status, 200);
    const revocation = await api().delete(`${path}/api_keys/${revoked.id}`, ann.token);
    assert.equal(revocation.status, 200);
    assert.equal(typeof revocation.body.revoked_at, 'number');
    const refused = await api().get(path, revoked.key);
    assert.equal(refused.status, 401);
    assert.equal(errorOf(refused).type, 'authentication_error');

    const expiring = await createKey(ann, ann.project.id, { expires_at: clock.now() + 100 });
    assert.equal((await api().get(path, expiring.key)).status, 200);
    clock.advance(101);
    assert.equal((await api().get(path, expiring.key)).status, 401);

    const bobKey = await createKey(bob, ann.project.id);
    assert.equal((await api().get(path, bobKey.key)).status, 200);
    await api().delete(`${path}/groups/${members.id}/members/${bob.user.id}`, ann.token);
    assert.equal((await api().get(path, bobKey.key)).status, 404, "the key follows its owner's access");
    await api().delete(`/v1/organizations/${ann.org.id}/members/${bob.user.id}`, ann.token);
    assert.equal((await api().get(path, bobKey.key)).status, 401, 'the owner left the organization');
    assert.equal((await api().get('/v1/me', bobKey.key)).status, 401);
  });

  test("an archived project's keys stop working", async () => {
    const ann = await signUp(api(), 'ann');
    const project = (await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Short-lived' })).body;
    const key = await createKey(ann, project.id);
    assert.equal((await api().get(`/v1/projects/${project.id}`, key.key)).status, 200);
    await api().post(`/v1/projects/${project.id}/archive`, ann.token);
    assert.equal((await api().get(`/v1/projects/${project.id}`, key.key)).status, 401);
  });

  test('rotation: the old secret works through the grace period, the new one at once; revoking ends both', async () => {
    const ann = await signUp(api(), 'ann');
    const path = `/v1/projects/${ann.project.id}`;
    const key = await createKey(ann, ann.project.id);
    const rotated = await api().post(`${path}/api_keys/${key.id}/rotate`, ann.token, { grace_seconds: 600 });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.id, key.id);
    assert.notEqual(rotated.body.key, key.key);
    assert.equal(rotated.body.redacted_value, `tnt_key_...${rotated.body.key.slice(-4)}`);
    assert.equal((await api().get(path, key.key)).status, 200, 'old secret in its grace period');
    assert.equal((await api().get(path, rotated.body.key)).status, 200);
    clock.advance(601);
    assert.equal((await api().get(path, key.key)).status, 401, 'grace period over');
    assert.equal((await api().get(path, rotated.body.key)).status, 200);

    const again = await api().post(`${path}/api_keys/${key.id}/rotate`, ann.token, { grace_seconds: 600 });
    await api().delete(`${path}/api_keys/${key.id}`, ann.token);
    assert.equal((await api().get(path, rotated.body.key)).status, 401);
    assert.equal((await api().get(path, again.body.key)).status, 401);

    const noGrace = await createKey(ann, ann.project.id);
    await api().post(`${path}/api_keys/${noGrace.id}/rotate`, ann.token);
    assert.equal((await api().get(path, noGrace.key)).status, 401, 'grace defaults to 0');
    for (const grace of [-1, 86401, 1.5]) {
      const bad = await api().post(`${path}/api_keys/${noGrace.id}/rotate`, ann.token, { grace_seconds: grace });
      assert.equal(bad.status, 400);
      assert.equal(errorOf(bad).param, 'grace_seconds');
    }
    const revokedRotate = await api().post(`${path}/api_keys/${key.id}/rotate`, ann.token);
    assert.equal(revokedRotate.status, 409);
  });

  test('members see and revoke only their own keys; project admins see and revoke all', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const path = `/v1/projects/${ann.project.id}/api_keys`;
    const annKey = await createKey(ann, ann.project.id);
    const bobKey = await createKey(bob, ann.project.id);

    const bobList = await api().get(path, bob.token);
    assert.deepEqual(bobList.body.data.map((k: { id: string }) => k.id), [bobKey.id]);
    const annList = await api().get(path, ann.token);
    assert.deepEqual(annList.body.data.map((k: { id: string }) => k.id).sort(), [annKey.id, bobKey.id].sort());
    assert.equal((await api().get(`${path}/${annKey.id}`, bob.token)).status, 404);
    assert.equal((await api().delete(`${path}/${annKey.id}`, bob.token)).status, 404);
    assert.equal((await api().post(`${path}/${annKey.id}/rotate`, bob.token)).status, 404);
    assert.equal((await api().delete(`${path}/${bobKey.id}`, ann.token)).status, 200, 'an admin revokes anyone\'s key');

    const viewer = await signUp(api(), 'viewer');
    const viewers = (await api().post(`/v1/projects/${ann.project.id}/groups`, ann.token, { name: 'viewers', role: 'viewer' })).body;
    await addMember(api(), ann, ann.org.id, viewer, { projects: [{ project_id: ann.project.id, group_id: viewers.id }] });
    assert.equal((await api().post(path, viewer.token, { name: 'nope' })).status, 403, 'viewers have no keys');
  });

  test('owner_id: yourself or a service account whose permissions you hold; another user is 400', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    const admins = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'admins');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const path = `/v1/projects/${ann.project.id}/api_keys`;

    const toUser = await api().post(path, ann.token, { name: 'x', owner_id: bob.user.id });
    assert.equal(toUser.status, 400);
    assert.equal(errorOf(toUser).param, 'owner_id');
    assert.equal((await api().post(path, ann.token, { name: 'x', owner_id: 'sa_unknown' })).status, 400);

    const bot = (await api().post(`/v1/organizations/${ann.org.id}/service_accounts`, ann.token, { name: 'bot' })).body;
    await api().post(`/v1/projects/${ann.project.id}/groups/${admins.id}/members`, ann.token, { principal_id: bot.id });
    const byMember = await api().post(path, bob.token, { name: 'x', owner_id: bot.id });
    assert.equal(byMember.status, 403, 'bob lacks what the bot holds');
    const byAdmin = await api().post(path, ann.token, { name: 'bot key', owner_id: bot.id });
    assert.equal(byAdmin.status, 201);
    assert.deepEqual(byAdmin.body.owner, { type: 'service_account', id: bot.id });
    assert.equal((await api().patch(`/v1/projects/${ann.project.id}`, byAdmin.body.key, { name: 'Renamed by bot' })).status, 200, 'the bot acts as a project admin');
  });

  test('service accounts: create, list, get, join groups, act through keys; deleting one stops its keys', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    await addMember(api(), ann, ann.org.id, bob);
    const base = `/v1/organizations/${ann.org.id}/service_accounts`;
    const created = await api().post(base, ann.token, { name: 'deployer' });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^sa_/);
    assert.deepEqual(Object.keys(created.body).sort(), ['created_at', 'id', 'name', 'object', 'organization_id']);
    assert.equal(created.body.object, 'service_account');
    assert.equal((await api().get(`${base}/${created.body.id}`, ann.token)).body.name, 'deployer');
    assert.deepEqual((await api().get(base, ann.token)).body.data.map((a: { id: string }) => a.id), [created.body.id]);
    assert.equal((await api().post(base, bob.token, { name: 'x' })).status, 403);
    assert.equal((await api().get(base, bob.token)).status, 403);

    const members = await api().get(`/v1/organizations/${ann.org.id}/members`, ann.token);
    const entry = members.body.data.find((m: { principal: { id: string } }) => m.principal.id === created.body.id);
    assert.deepEqual(entry.principal, { type: 'service_account', id: created.body.id, name: 'deployer' });

    const viewers = (await api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: 'ro', role: 'viewer' })).body;
    const joined = await api().post(`/v1/organizations/${ann.org.id}/groups/${viewers.id}/members`, ann.token, { principal_id: created.body.id });
    assert.equal(joined.status, 201);
    assert.equal(joined.body.principal.type, 'service_account');

    const orgKey = await api().post(`/v1/organizations/${ann.org.id}/api_keys`, ann.token, { name: 'automation', owner_id: created.body.id });
    assert.equal(orgKey.status, 201);
    assert.deepEqual(orgKey.body.scope, { type: 'organization', id: ann.org.id });
    assert.equal((await api().get(`/v1/projects/${ann.project.id}`, orgKey.body.key)).status, 200, 'viewer in every project');
    assert.equal((await api().patch(`/v1/projects/${ann.project.id}`, orgKey.body.key, { name: 'no' })).status, 403);
    const orgKeyForUser = await api().post(`/v1/organizations/${ann.org.id}/api_keys`, ann.token, { name: 'x', owner_id: ann.user.id });
    assert.equal(orgKeyForUser.status, 400);
    assert.equal(errorOf(orgKeyForUser).param, 'owner_id');
    assert.deepEqual((await api().get(`/v1/organizations/${ann.org.id}/api_keys`, ann.token)).body.data.map((k: { id: string }) => k.id), [orgKey.body.id]);

    const deleted = await api().delete(`${base}/${created.body.id}`, ann.token);
    assert.deepEqual(deleted.body, { id: created.body.id, object: 'service_account', deleted: true });
    assert.equal((await api().get(`/v1/projects/${ann.project.id}`, orgKey.body.key)).status, 401);
    assert.equal((await api().get(`${base}/${created.body.id}`, ann.token)).status, 404);
    const keyAfter = (await api().get(`/v1/organizations/${ann.org.id}/api_keys`, ann.token)).body.data[0];
    assert.equal(typeof keyAfter.revoked_at, 'number');
  });

  test('a warm key-authenticated request spends no database query on authentication or authorization', async () => {
    const ann = await signUp(api(), 'ann');
    const key = (await createKey(ann, ann.project.id)).key;
    const path = `/v1/projects/${ann.project.id}`;
    await api().get(path, key);
    await api().get(path, key);
    const before = server.tenantry.store.queryCount();
    for (let i = 0; i < 20; i += 1) assert.equal((await api().get(path, key)).status, 200);
    assert.equal(server.tenantry.store.queryCount() - before, 0);
    const session = server.tenantry.store.queryCount();
    for (let i = 0; i < 20; i += 1) assert.equal((await api().get(path, ann.token)).status, 200);
    assert.equal(server.tenantry.store.queryCount() - session, 0, 'sessions too');
  });

  test('api key changes are audited without their secret', async () => {
    const ann = await signUp(api(), 'ann');
    const key = await createKey(ann, ann.project.id);
    const rotated = await api().post(`/v1/projects/${ann.project.id}/api_keys/${key.id}/rotate`, ann.token, { grace_seconds: 5 });
    await api().delete(`/v1/projects/${ann.project.id}/api_keys/${key.id}`, key.key);
    const events = (await api().get(`/v1/organizations/${ann.org.id}/audit_logs?resource_id=${key.id}`, ann.token)).body.data;
    assert.deepEqual(events.map((e: { type: string }) => e.type), ['api_key.revoked', 'api_key.rotated', 'api_key.created']);
    assert.equal(events[0].actor.api_key_id, key.id, 'the revocation was made with the key itself');
    const text = JSON.stringify(events);
    assert.ok(!text.includes(key.key) && !text.includes(rotated.body.key));
  });
});
