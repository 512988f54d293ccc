import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Tenantry } from '../src/server.ts';
import { Api, signUp, type ApiResponse } from './helpers/client.ts';
import { describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { addMember, createOrganization, groupNamed } from './helpers/organizations.ts';
import { startTenantry } from './helpers/server.ts';

/**
 * Changes that race. On PostgreSQL the requests of each race go to two server instances sharing the
 * database, so the only thing that can order them is the database's own locking; on SQLite (one
 * process by nature) they race inside one instance.
 */
describeEachDatabase('concurrent changes', (kind) => {
  let database: TestDatabase;
  const instances: Tenantry[] = [];
  before(async () => {
    database = await kind.create();
    instances.push(await startTenantry(database));
    if (kind.kind === 'postgres') instances.push(await startTenantry(database));
  });
  after(async () => {
    for (const instance of instances) await instance.close();
    await database?.drop();
  });
  /** The API of the n-th instance, round-robin: on PostgreSQL, neighbours land on different servers. */
  const api = (n = 0) => new Api(instances[n % instances.length]!.app);

  test('50 principals added to one group at the same time: every add is kept, each with its audit event', async () => {
    const ann = await signUp(api(), 'ann');
    const org = `/v1/organizations/${ann.org.id}`;
    const group = (await api().post(`${org}/groups`, ann.token, { name: 'crowd', role: 'viewer' })).body;
    const accounts: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const created = await api().post(`${org}/service_accounts`, ann.token, { name: `bot-${i}` });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      accounts.push(created.body.id);
    }

    const answers = await Promise.all(accounts.map((id, i) => api(i).post(`${org}/groups/${group.id}/members`, ann.token, { principal_id: id })));
    assert.deepEqual(answers.map((a) => a.status), accounts.map(() => 201));

    const members = await api(1).get(`${org}/groups/${group.id}/members?limit=100`, ann.token);
    assert.deepEqual(new Set(members.body.data.map((m: { principal: { id: string } }) => m.principal.id)), new Set(accounts));
    const events = await api().get(`${org}/audit_logs?type=group.member.added&resource_id=${group.id}&limit=100`, ann.token);
    assert.equal(events.status, 200, JSON.stringify(events.body));
    assert.equal(events.body.data.length, 50);
    const verify = await api(1).get(`${org}/audit_logs/verify`, ann.token);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
  });

  test('two admins removing each other at the same instant leave exactly one admin (20 tries)', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const acme = await createOrganization(api(), ann, `Acme ${attempt}`);
      const org = `/v1/organizations/${acme.id}`;
      const admins = await groupNamed(api(), ann.token, org, 'admins');
      await addMember(api(), ann, acme.id, bob, { group_ids: [admins.id] });

      // Alternate which instance each side lands on, so neither always goes first.
      const [annRemovesBob, bobRemovesAnn] = await Promise.all([
        api(attempt).delete(`${org}/members/${bob.user.id}`, ann.token),
        api(attempt + 1).delete(`${org}/members/${ann.user.id}`, bob.token),
      ]);
      assertExactlyOneSucceeded(annRemovesBob, bobRemovesAnn, attempt);

      const survivor = annRemovesBob.status === 200 ? ann : bob;
      const remaining = await api().get(`${org}/groups/${admins.id}/members`, survivor.token);
      assert.equal(remaining.status, 200, JSON.stringify(remaining.body));
      assert.deepEqual(remaining.body.data.map((m: { principal: { id: string } }) => m.principal.id), [survivor.user.id], `attempt ${attempt}`);
      assert.equal((await api().get(`${org}/audit_logs/verify`, survivor.token)).body.ok, true);
    }
  });

  test('two admins leaving at the same instant: one leaves, the other is refused as the last admin (20 tries)', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const acme = await createOrganization(api(), ann, `Leavers ${attempt}`);
      const org = `/v1/organizations/${acme.id}`;
      const admins = await groupNamed(api(), ann.token, org, 'admins');
      await addMember(api(), ann, acme.id, bob, { group_ids: [admins.id] });

      const [annLeaves, bobLeaves] = await Promise.all([
        api(attempt).delete(`${org}/members/${ann.user.id}`, ann.token),
        api(attempt + 1).delete(`${org}/members/${bob.user.id}`, bob.token),
      ]);
      assertExactlyOneSucceeded(annLeaves, bobLeaves, attempt);
      const refused = annLeaves.status === 200 ? bobLeaves : annLeaves;
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'last_admin');
    }
  });

  test('deleting an organization while someone accepts an invitation into it: the delete is refused or the join is, never neither (20 tries)', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const acme = await createOrganization(api(), ann, `Racing ${attempt}`);
      const invitation = await api().post(`/v1/organizations/${acme.id}/invitations`, ann.token, { email: bob.user.email });
      assert.equal(invitation.status, 201, JSON.stringify(invitation.body));

      const [deleted, accepted] = await Promise.all([
        api(attempt).delete(`/v1/organizations/${acme.id}`, ann.token),
        api(attempt + 1).post(`/v1/me/invitations/${invitation.body.id}/accept`, bob.token),
      ]);
      assertExactlyOneSucceeded(deleted, accepted, attempt);
      if (deleted.status === 200) assert.equal(accepted.status, 404, JSON.stringify(accepted.body));
      else assert.equal(deleted.body.error.code, 'organization_not_empty');
    }
  });
});

function assertExactlyOneSucceeded(first: ApiResponse, second: ApiResponse, attempt: number): void {
  const succeeded = [first, second].filter((a) => a.status === 200).length;
  assert.equal(succeeded, 1, `attempt ${attempt}: ${first.status} ${JSON.stringify(first.body)} / ${second.status} ${JSON.stringify(second.body)}`);
  for (const answer of [first, second]) {
    if (answer.status !== 200) assert.ok([403, 404, 409].includes(answer.status), `attempt ${attempt}: unexpected ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}
