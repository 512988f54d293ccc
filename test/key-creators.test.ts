import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';

/** Keys made for service accounts are bounded by, and do not outlive, the member who made them. */
describeEachDatabase('API keys made for service accounts', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  /** Ann administers her organization; Bob and the service account bot are members of its default project. */
  async function team() {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const projectPath = `/v1/projects/${ann.project.id}`;
    const members = await groupNamed(api(), ann.token, projectPath, 'members');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const bot = (await api().post(`/v1/organizations/${ann.org.id}/service_accounts`, ann.token, { name: 'bot' })).body;
    const joined = await api().post(`${projectPath}/groups/${members.id}/members`, ann.token, { principal_id: bot.id });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    return { ann, bob, bot, projectPath, members };
  }

  async function keyFor(maker: SignedUpUser | string, projectPath: string, ownerId?: string) {
    const token = typeof maker === 'string' ? maker : maker.token;
    const made = await api().post(`${projectPath}/api_keys`, token, { name: 'k', ...(ownerId ? { owner_id: ownerId } : {}) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body as { id: string; key: string };
  }

  const eventsAbout = async (admin: SignedUpUser, resourceId: string) =>
    (await api().get(`/v1/organizations/${admin.org.id}/audit_logs?resource_id=${resourceId}`, admin.token)).body.data;

  test('removing a member revokes at once the keys it made for service accounts, each with an audit event saying why', async () => {
    const { ann, bob, bot, projectPath } = await team();
    const bobsBotKey = await keyFor(bob, projectPath, bot.id);
    const annsBotKey = await keyFor(ann, projectPath, bot.id);
    assert.equal((await api().get(projectPath, bobsBotKey.key)).status, 200);

    const removed = await api().delete(`/v1/organizations/${ann.org.id}/members/${bob.user.id}`, ann.token);
    assert.equal(removed.status, 200);
    const refused = await api().get(projectPath, bobsBotKey.key);
    assert.equal(refused.status, 401, 'the departed member no longer holds a working key');
    assert.equal(errorOf(refused).type, 'authentication_error');
    assert.equal((await api().get(projectPath, annsBotKey.key)).status, 200, "a key the remaining admin made is untouched");

    const shown = (await api().get(`${projectPath}/api_keys/${bobsBotKey.id}`, ann.token)).body;
    assert.equal(typeof shown.revoked_at, 'number');
    assert.equal(shown.created_by, bob.user.id);
    const [revocation] = await eventsAbout(ann, bobsBotKey.id);
    assert.equal(revocation.type, 'api_key.revoked');
    assert.equal(revocation.actor.id, ann.user.id, 'the remover revoked it');
    assert.equal(revocation.data.reason, 'creator_removed');
    assert.equal(revocation.data.created_by, bob.user.id);
    assert.equal((await eventsAbout(ann, annsBotKey.id)).length, 1, 'only its creation');
  });

  test("a removed member's own keys are revoked, and stay revoked when the person is invited back", async () => {
    const { ann, bob, projectPath, members } = await team();
    const bobsOwnKey = await keyFor(bob, projectPath);
    assert.equal((await api().get(projectPath, bobsOwnKey.key)).status, 200);

    assert.equal((await api().delete(`/v1/organizations/${ann.org.id}/members/${bob.user.id}`, ann.token)).status, 200);
    const [revocation] = await eventsAbout(ann, bobsOwnKey.id);
    assert.equal(revocation.type, 'api_key.revoked');
    assert.equal(revocation.actor.id, ann.user.id);
    assert.equal(revocation.data.reason, 'owner_removed');

    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    assert.equal((await api().get(projectPath, bob.token)).status, 200, 'Bob is back');
    const refused = await api().get(projectPath, bobsOwnKey.key);
    assert.equal(refused.status, 401, 'the key he held before does not come back with him');
    assert.equal(errorOf(refused).code, 'api_key_revoked');
  });

  test("an organization key is revoked when the admin who made it is removed", async () => {
    const { ann, bot, projectPath } = await team();
    const carl = await signUp(api(), 'carl');
    const orgAdmins = await groupNamed(api(), ann.token, `/v1/organizations/${ann.org.id}`, 'admins');
    await addMember(api(), ann, ann.org.id, carl, { group_ids: [orgAdmins.id] });
    const orgKey = await api().post(`/v1/organizations/${ann.org.id}/api_keys`, carl.token, { name: 'automation', owner_id: bot.id });
    assert.equal(orgKey.status, 201, JSON.stringify(orgKey.body));
    assert.equal((await api().get(projectPath, orgKey.body.key)).status, 200);
    assert.equal((await api().delete(`/v1/organizations/${ann.org.id}/members/${carl.user.id}`, ann.token)).status, 200);
    assert.equal((await api().get(projectPath, orgKey.body.key)).status, 401);
    const listed = (await api().get(`/v1/organizations/${ann.org.id}/api_keys`, ann.token)).body.data;
    assert.equal(typeof listed.find((k: { id: string }) => k.id === orgKey.body.id).revoked_at, 'number');
    const [revocation] = await eventsAbout(ann, orgKey.body.id);
    assert.equal(revocation.type, 'api_key.revoked');
    assert.equal(revocation.data.reason, 'creator_removed');
  });

  test('a member who leaves takes the keys it made for service accounts with it', async () => {
    const { ann, bob, bot, projectPath } = await team();
    const bobsBotKey = await keyFor(bob, projectPath, bot.id);
    assert.equal((await api().delete(`/v1/organizations/${ann.org.id}/members/${bob.user.id}`, bob.token)).status, 200);
    assert.equal((await api().get(projectPath, bobsBotKey.key)).status, 401);
    const [revocation] = await eventsAbout(ann, bobsBotKey.id);
    assert.equal(revocation.type, 'api_key.revoked');
    assert.equal(revocation.actor.id, bob.user.id);
    assert.equal(revocation.data.reason, 'creator_removed');
  });

  test('with api_key_creator_removal "flag" such keys keep working and show creator_removed_at', async () => {
    const { ann, bob, bot, projectPath } = await team();
    const orgPath = `/v1/organizations/${ann.org.id}`;
    assert.equal((await api().get(orgPath, ann.token)).body.api_key_creator_removal, 'revoke', 'revoking is the default');
    const bad = await api().patch(orgPath, ann.token, { api_key_creator_removal: 'ignore' });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).param, 'api_key_creator_removal');
    assert.equal((await api().patch(orgPath, bob.token, { api_key_creator_removal: 'flag' })).status, 403, 'org admins only');
    const set = await api().patch(orgPath, ann.token, { api_key_creator_removal: 'flag' });
    assert.equal(set.status, 200);
    assert.equal(set.body.api_key_creator_removal, 'flag');
    assert.equal(set.body.name, ann.org.name);
    const [updated] = (await api().get(`${orgPath}/audit_logs?type=organization.updated`, ann.token)).body.data;
    assert.deepEqual(updated.data, { api_key_creator_removal: 'flag', previous_api_key_creator_removal: 'revoke' });

    const bobsBotKey = await keyFor(bob, projectPath, bot.id);
    assert.equal((await api().get(`${projectPath}/api_keys/${bobsBotKey.id}`, ann.token)).body.creator_removed_at, null);
    assert.equal((await api().delete(`${orgPath}/members/${bob.user.id}`, ann.token)).status, 200);
    assert.equal((await api().get(projectPath, bobsBotKey.key)).status, 200, 'the organization chose to keep it working');
    const listed = (await api().get(`${projectPath}/api_keys`, ann.token)).body.data.find((k: { id: string }) => k.id === bobsBotKey.id);
    assert.equal(typeof listed.creator_removed_at, 'number');
    assert.equal(listed.revoked_at, null);
    const [flagged] = await eventsAbout(ann, bobsBotKey.id);
    assert.equal(flagged.type, 'api_key.flagged');
    assert.equal(flagged.actor.id, ann.user.id);
    assert.equal(flagged.data.reason, 'creator_removed');
  });

  test("widening a service account does not widen a key a narrower member made for it", async () => {
    const { ann, bob, bot, projectPath } = await team();
    const bobsBotKey = await keyFor(bob, projectPath, bot.id);
    const annsBotKey = await keyFor(ann, projectPath, bot.id);
    const annsOwnKey = await keyFor(ann, projectPath);
    const orgAdmins = await groupNamed(api(), ann.token, `/v1/organizations/${ann.org.id}`, 'admins');
    const widened = await api().post(`/v1/organizations/${ann.org.id}/groups/${orgAdmins.id}/members`, ann.token, { principal_id: bot.id });
    assert.equal(widened.status, 201, JSON.stringify(widened.body));

    const adminThings = async (key: string) => ({
      group: (await api().post(`${projectPath}/groups`, key, { name: `g-${Math.random().toString(36).slice(2, 8)}`, role: 'viewer' })).status,
      othersKey: (await api().get(`${projectPath}/api_keys/${annsOwnKey.id}`, key)).status,
      settings: (await api().patch(projectPath, key, { name: 'Renamed' })).status,
    });
    assert.deepEqual(await adminThings(bobsBotKey.key), { group: 403, othersKey: 404, settings: 403 }, "bob's key stays at bob's reach");
    assert.equal((await api().get('/v1/files', bobsBotKey.key)).status, 200, 'what bob could do, it still does');
    assert.deepEqual(await adminThings(annsBotKey.key), { group: 201, othersKey: 200, settings: 200 }, "the admin's key follows the account");

    const members = await groupNamed(api(), ann.token, projectPath, 'members');
    const granted = await api().post(`${projectPath}/groups/${members.id}/members`, bobsBotKey.key, { principal_id: ann.user.id });
    assert.equal(granted.status, 403, 'it grants nothing bob could not');

    await api().get(projectPath, bobsBotKey.key);
    const before = server.tenantry.store.queryCount();
    for (let i = 0; i < 5; i += 1) assert.equal((await api().get(projectPath, bobsBotKey.key)).status, 200);
    assert.equal(server.tenantry.store.queryCount() - before, 0, 'the ceiling costs a warm request no query');

    const rotated = await api().post(`${projectPath}/api_keys/${bobsBotKey.id}/rotate`, ann.token);
    assert.equal(rotated.status, 200);
    assert.deepEqual(await adminThings(rotated.body.key), { group: 403, othersKey: 404, settings: 403 }, 'rotating keeps the ceiling');
    const child = await keyFor(rotated.body.key, projectPath);
    assert.deepEqual(await adminThings(child.key), { group: 403, othersKey: 404, settings: 403 }, 'a key made through it inherits the ceiling');
  });
});
