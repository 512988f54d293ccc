import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/database.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';

describeEachDatabase('audit log', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);
  const events = async (token: string, org: string, query = '') => (await api().get(`/v1/organizations/${org}/audit_logs?limit=100${query}`, token)).body.data;

  test('changes write events with actor, resource, project and IP; seq runs 1, 2, 3 without gaps', async () => {
    const ann = await signUp(api(), 'ann');
    const made = await api().post(`/v1/organizations/${ann.org.id}/projects`, ann.token, { name: 'Search' });
    await api().patch(`/v1/projects/${made.body.id}`, ann.token, { name: 'Search 2' });
    await api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: 'ops', role: 'viewer' });

    const list = await events(ann.token, ann.org.id);
    assert.deepEqual(
      list.map((e: { type: string }) => e.type),
      ['group.created', 'project.updated', 'project.created', 'project.created', 'organization.created'],
    );
    const seqs = list.map((e: { seq: number }) => e.seq);
    assert.deepEqual(seqs, [...seqs.keys()].map((i) => seqs.length - i));
    const updated = list.find((e: { type: string }) => e.type === 'project.updated');
    assert.match(updated.id, /^evt_/);
    assert.equal(updated.object, 'audit_log');
    assert.deepEqual(updated.actor, { type: 'user', id: ann.user.id, api_key_id: null });
    assert.equal(updated.organization_id, ann.org.id);
    assert.equal(updated.project_id, made.body.id);
    assert.deepEqual(updated.resource, { type: 'project', id: made.body.id });
    assert.deepEqual(updated.data, { name: 'Search 2' });
    assert.equal(updated.ip_address, '127.0.0.1');
    assert.match(updated.hash, /^[0-9a-f]{64}$/);
  });

  test('logins, failed logins (capped) and password changes go to the personal organization; no secret in any event', async () => {
    const ann = await signUp(api(), 'ann', 'first password');
    await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'first password' });
    for (let i = 0; i < 8; i += 1) await api().post('/v1/auth/login', undefined, { email: ann.user.email, password: 'wrong password' });
    await api().post('/v1/me/password', ann.token, { current_password: 'first password', new_password: 'second password' });
    const list = await events(ann.token, ann.org.id);
    const count = (type: string) => list.filter((e: { type: string }) => e.type === type).length;
    assert.equal(count('login.succeeded'), 1);
    assert.equal(count('login.failed'), 5, 'failed logins are capped per minute');
    assert.equal(count('password.changed'), 1);
    const text = JSON.stringify(list);
    for (const secret of ['first password', 'second password', 'wrong password', ann.token, 'tnt_sess_']) {
      assert.ok(!text.includes(secret), `an event contains ${secret}`);
    }
  });

  test('filters by type, actor, project, resource and time; pages with after', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { name: 'Renamed' });
    const org = ann.org.id;

    const accepted = await events(ann.token, org, '&type=invitation.accepted');
    assert.equal(accepted.length, 1);
    assert.equal(accepted[0].actor.id, bob.user.id);
    const byBob = await events(ann.token, org, `&actor_id=${bob.user.id}`);
    assert.ok(byBob.length >= 1 && byBob.every((e: { actor: { id: string } }) => e.actor.id === bob.user.id));
    const inProject = await events(ann.token, org, `&project_id=${ann.project.id}`);
    assert.ok(inProject.length >= 2 && inProject.every((e: { project_id: string }) => e.project_id === ann.project.id));
    const onProject = await events(ann.token, org, `&resource_id=${ann.project.id}`);
    assert.deepEqual(onProject.map((e: { type: string }) => e.type), ['project.updated', 'project.created']);
    assert.deepEqual(await events(ann.token, org, '&since=4102444800'), []);
    assert.equal((await events(ann.token, org, '&until=1')).length, 0);

    const all = await events(ann.token, org);
    const paged: string[] = [];
    let after = '';
    for (;;) {
      const page = await api().get(`/v1/organizations/${org}/audit_logs?limit=2${after}`, ann.token);
      paged.push(...page.body.data.map((e: { id: string }) => e.id));
      if (!page.body.has_more) break;
      after = `&after=${page.body.last_id}`;
    }
    assert.deepEqual(paged, all.map((e: { id: string }) => e.id));
    assert.equal((await api().get(`/v1/organizations/${org}/audit_logs`, bob.token)).status, 403, 'members do not read the audit log');
    const stranger = await signUp(api(), 'stranger');
    assert.equal((await api().get(`/v1/organizations/${org}/audit_logs`, stranger.token)).status, 404);
  });

  test('verify recomputes the chain, and names the first event altered directly in the database', async () => {
    const ann = await signUp(api(), 'ann');
    for (let i = 0; i < 4; i += 1) await api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: `g${i}`, role: 'viewer' });
    const ok = await api().get(`/v1/organizations/${ann.org.id}/audit_logs/verify`, ann.token);
    assert.equal(ok.status, 200);
    const list = await events(ann.token, ann.org.id);
    assert.deepEqual(ok.body, { ok: true, count: list.length, first_broken_id: null, missing_tail: 0 });

    const victim = list.find((e: { type: string; data: { name?: string } }) => e.type === 'group.created' && e.data.name === 'g1');
    const handle = openDatabase(server.database.url);
    try {
      await sql`update audit_events set data = ${JSON.stringify({ name: 'g1', role: 'admin' })} where id = ${victim.id}`.execute(handle.db);
    } finally {
      await handle.close();
    }
    const broken = await api().get(`/v1/organizations/${ann.org.id}/audit_logs/verify`, ann.token);
    assert.equal(broken.body.ok, false);
    assert.equal(broken.body.first_broken_id, victim.id);
  });

  test('verify sees the newest events deleted directly in the database, and counts them', async () => {
    const ann = await signUp(api(), 'ann');
    for (let i = 0; i < 4; i += 1) await api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: `t${i}`, role: 'viewer' });
    const list = await events(ann.token, ann.org.id);
    const verify = async () => (await api().get(`/v1/organizations/${ann.org.id}/audit_logs/verify`, ann.token)).body;
    assert.deepEqual(await verify(), { ok: true, count: list.length, first_broken_id: null, missing_tail: 0 });

    const newest = list.slice(0, 2).map((e: { id: string }) => e.id);
    const handle = openDatabase(server.database.url);
    try {
      await sql`delete from audit_events where id in (${sql.join(newest)})`.execute(handle.db);
      assert.deepEqual(await verify(), { ok: false, count: list.length - 2, first_broken_id: null, missing_tail: 2 });
      // Rewinding the head's seq alone does not help: its hash is no longer that of its event.
      await sql`update audit_chains set last_seq = ${list.length - 2} where organization_id = ${ann.org.id}`.execute(handle.db);
      assert.deepEqual(await verify(), { ok: false, count: list.length - 2, first_broken_id: null, missing_tail: 0 });
      await sql`delete from audit_chains where organization_id = ${ann.org.id}`.execute(handle.db);
      assert.equal((await verify()).ok, false, 'events without their chain head');
    } finally {
      await handle.close();
    }
  });

  test('a change whose audit event cannot be written leaves neither the change nor the event', async () => {
    const ann = await signUp(api(), 'ann');
    const before = await events(ann.token, ann.org.id);
    const nextSeq = before[0].seq + 1;
    // Occupy the next sequence number directly in the database, so the event's insert must fail.
    const handle = openDatabase(server.database.url);
    try {
      await sql`insert into audit_events (id, organization_id, seq, type, actor_type, resource_type, resource_id, data, created_at, hash)
                values ('evt_blocker', ${ann.org.id}, ${nextSeq}, 'blocker', 'system', 'x', 'x', '{}', 0, 'x')`.execute(handle.db);
      const rename = await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { name: 'Must not stick' });
      assert.equal(rename.status, 500);
      assert.equal(errorOf(rename).type, 'api_error');
      assert.ok(!JSON.stringify(rename.body).toLowerCase().includes('insert'), 'no SQL in the message');
      await sql`delete from audit_events where id = 'evt_blocker'`.execute(handle.db);
    } finally {
      await handle.close();
    }
    assert.equal((await api().get(`/v1/projects/${ann.project.id}`, ann.token)).body.name, 'Default project');
    const after = await events(ann.token, ann.org.id);
    assert.equal(after.length, before.length, 'no event of the failed change');
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}/audit_logs/verify`, ann.token)).body.ok, true);
  });

  test('concurrent writers never fork the chain', async () => {
    const ann = await signUp(api(), 'ann');
    await Promise.all(Array.from({ length: 25 }, (_, i) => api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: `c${i}`, role: 'viewer' })));
    const list = await events(ann.token, ann.org.id);
    const seqs = list.map((e: { seq: number }) => e.seq).sort((a: number, b: number) => a - b);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));
    assert.equal((await api().get(`/v1/organizations/${ann.org.id}/audit_logs/verify`, ann.token)).body.ok, true);
  });
});

describeEachDatabase('audit ip_address behind proxies', (kind) => {
  const trusting = useTenantry(kind, { config: { trusted_proxies: ['127.0.0.1'] } });
  const plain = useTenantry(kind);

  async function ipOfLastEvent(app: import('fastify').FastifyInstance): Promise<string> {
    const api = new Api(app);
    const ann = await signUp(api, 'ann');
    await api.request('PATCH', `/v1/projects/${ann.project.id}`, { token: ann.token, body: { name: 'x' }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    const events = (await api.get(`/v1/organizations/${ann.org.id}/audit_logs?type=project.updated`, ann.token)).body.data;
    return events[0].ip_address;
  }

  test('a forwarded address is trusted only from a proxy listed in trusted_proxies', async () => {
    assert.equal(await ipOfLastEvent(trusting.tenantry.app), '203.0.113.9');
    assert.equal(await ipOfLastEvent(plain.tenantry.app), '127.0.0.1');
  });
});
