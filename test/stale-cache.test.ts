import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tenantry } from '../src/server.ts';
import { Api, signUp } from './helpers/client.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { createPostgresDatabase, type TestDatabase } from './helpers/databases.ts';
import { startPgFaultProxy, type PgFaultProxy } from './helpers/pg-fault-proxy.ts';
import { answersWithin } from './helpers/eventually.ts';
import { postgresOnly, requirePostgres } from './helpers/postgres-only.ts';
import { startTenantry } from './helpers/server.ts';

/**
 * The caches of one instance learn of another instance's changes by NOTIFY. When that path fails
 * silently, a revoked key must still stop working within `cache.max_staleness_seconds`. SQLite is one
 * process by nature, so this suite is PostgreSQL's.
 */
const MAX_STALENESS_SECONDS = 2;


describe('stale caches are bounded when invalidations are lost [postgres]', { skip: postgresOnly }, () => {
  let database: TestDatabase;
  const started: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    requirePostgres();
    database = await createPostgresDatabase();
  });
  after(async () => {
    for (const thing of started.reverse()) await thing.close();
    await database?.drop();
  });

  async function instance(proxy?: PgFaultProxy): Promise<Tenantry> {
    const tenantry = await startTenantry(database, {
      config: { cache: { max_staleness_seconds: MAX_STALENESS_SECONDS } },
      ...(proxy ? { env: { DATABASE_URL: proxy.url } } : {}),
    });
    started.push(tenantry);
    return tenantry;
  }

  async function proxy(): Promise<PgFaultProxy> {
    const made = await startPgFaultProxy(database.url);
    started.push(made);
    return made;
  }

  /** A key of a fresh user, warm in the cache of `warmOn`. */
  async function warmKey(issuer: Api, warmOn: Api) {
    const ann = await signUp(issuer, 'ann');
    const key = (await issuer.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body;
    const path = `/v1/projects/${ann.project.id}`;
    assert.equal((await warmOn.get(path, key.key)).status, 200);
    return { ann, key, path };
  }

  test('a listener that stops hearing NOTIFYs without failing is noticed; the revocation lands within the bound', async () => {
    const faults = await proxy();
    const a = new Api((await instance()).app);
    const b = new Api((await instance(faults)).app);
    const { ann, key, path } = await warmKey(a, b);

    faults.deafenListeners();
    await a.delete(`${path}/api_keys/${key.id}`, ann.token);
    const elapsed = await answersWithin(async () => (await b.get(path, key.key)).status, 401, MAX_STALENESS_SECONDS * 1000 + 500);
    assert.ok(elapsed <= MAX_STALENESS_SECONDS * 1000 + 500);

    // Once it listens again (it retries after half a second), it hears the next change by NOTIFY,
    // sooner than its next probe could have noticed anything.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await warmKey(a, b);
    await a.delete(`${second.path}/api_keys/${second.key.id}`, second.ann.token);
    await answersWithin(async () => (await b.get(second.path, second.key.key)).status, 401, 400);
  });

  test('a NOTIFY that is never sent: a removed member loses access on the other instance within the bound', async () => {
    const faults = await proxy();
    const a = new Api((await instance(faults)).app);
    const b = new Api((await instance()).app);
    const ann = await signUp(a, 'ann');
    const bob = await signUp(a, 'bob');
    const members = await groupNamed(a, ann.token, `/v1/projects/${ann.project.id}`, 'members');
    await addMember(a, ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    const path = `/v1/projects/${ann.project.id}`;
    assert.equal((await b.get(path, bob.token)).status, 200, 'warm on the second instance');

    // The first instance's notifications never reach PostgreSQL; its own writes still do.
    faults.swallowNotifies();
    const removed = await a.delete(`/v1/organizations/${ann.org.id}/members/${bob.user.id}`, ann.token);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const elapsed = await answersWithin(async () => (await b.get(path, bob.token)).status, 404, MAX_STALENESS_SECONDS * 1000 + 500);
    assert.ok(elapsed <= MAX_STALENESS_SECONDS * 1000 + 500);
  });

  test('a NOTIFY that is never sent: a revoked key is refused on the other instance within the bound', async () => {
    const faults = await proxy();
    const a = new Api((await instance(faults)).app);
    const b = new Api((await instance()).app);
    const { ann, key, path } = await warmKey(a, b);
    faults.swallowNotifies();
    assert.equal((await a.delete(`${path}/api_keys/${key.id}`, ann.token)).status, 200);
    const elapsed = await answersWithin(async () => (await b.get(path, key.key)).status, 401, MAX_STALENESS_SECONDS * 1000 + 500);
    assert.ok(elapsed <= MAX_STALENESS_SECONDS * 1000 + 500);
  });
});
