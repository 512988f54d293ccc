import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { ConfigFile } from '../src/config.ts';
import type { Tenantry } from '../src/server.ts';
import { PROVISIONER_LOCK_CLASS } from '../src/store/leader-lock.ts';
import { Api, signUp, uniqueEmail } from './helpers/client.ts';
import { createPostgresDatabase, describeEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { fetchClient } from './helpers/fetch-client.ts';
import { startPgFaultProxy, type PgFaultProxy } from './helpers/pg-fault-proxy.ts';
import { listen } from './helpers/listen.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { postgresOnly, requirePostgres, useTwoInstances } from './helpers/postgres-only.ts';
import { startTenantry, useTenantry } from './helpers/server.ts';
import { waitFor } from './helpers/worker.ts';

/**
 * The endpoint provisioner among several server instances on one PostgreSQL: exactly one instance
 * (the holder of an advisory lock) runs the replicas, any instance takes requests for them, and when
 * the leader dies another takes over. And scale-down after the configured quiet period.
 */

const FAKE_MODEL_SERVER = join(import.meta.dirname, 'fixtures', 'fake-model-server.mjs');
const newEndpoint = { name: 'Tiny one', model_name: 'acme/tiny', flavor_name: 'base', gpu_type: 'gpu-h100-sxm' };

/** Every replica writes a file named after its pid into `pidDir` when it starts. */
function configWith(pidDir: string, endpoints: ConfigFile['endpoints']): ConfigFile {
  return {
    templates: [
      {
        model_name: 'acme/tiny',
        flavor_name: 'base',
        gpu_types: ['gpu-h100-sxm'],
        command: `${process.execPath} ${FAKE_MODEL_SERVER} --port {port} --model {model} --pid-dir ${pidDir}`,
        target_in_flight: 1,
      },
    ],
    endpoints,
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The replicas started so far that still run. */
const liveReplicas = (pidDir: string) => readdirSync(pidDir).map(Number).filter(alive);

/** The process's parent, from /proc (Linux). */
const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
function ancestorsOf(pid: number): number[] {
  const chain: number[] = [];
  for (let current = parentOf(pid); current > 1 && chain.length < 10; current = parentOf(current)) chain.push(current);
  return chain;
}

const pidIn = (answer: { body: { choices?: Array<{ message: { content: string } }> } }) => Number(/\(pid (\d+)\)/.exec(answer.body.choices?.[0]?.message.content ?? '')?.[1]);

describe('one endpoint provisioner among server processes on one PostgreSQL [postgres]', { skip: postgresOnly }, () => {
  let database: TestDatabase;
  let leader: ServerProcess;
  let follower: ServerProcess;
  const pidDir = mkdtempSync(join(tmpdir(), 'tenantry-replicas-'));
  const state: { key: string; routingKey: string; endpointId: string; firstReplica: number } = {} as never;

  before(async () => {
    requirePostgres();
    database = await createPostgresDatabase();
    const config = configWith(pidDir, { leader_retry_seconds: 0.3, reconcile_seconds: 1 });
    // The first to start takes the lock (it tries before it listens); the second finds it taken.
    leader = await startServerProcess({ dataDir: mkdtempSync(join(tmpdir(), 'tenantry-a-')), databaseUrl: database.url, config });
    follower = await startServerProcess({ dataDir: mkdtempSync(join(tmpdir(), 'tenantry-b-')), databaseUrl: database.url, config });
  });
  after(async () => {
    await leader?.kill();
    await follower?.stop();
    await database?.drop();
    // A graceful stop takes its replicas with it; a kill -9 leaves none behind either.
    assert.deepEqual(liveReplicas(pidDir), [], 'no replica outlives the servers');
  });

  const completion = (server: ServerProcess, content = 'hi') =>
    fetchClient(() => server.url).call('POST', '/v1/chat/completions', { token: state.key, body: { model: state.routingKey, messages: [{ role: 'user', content }] } });

  test('an endpoint created through the follower is run once, by the leader, and answers through both', async () => {
    const b = fetchClient(() => follower.url);
    const signup = await b.call('POST', '/v1/auth/signup', { body: { email: uniqueEmail('ann'), password: 'correct horse battery', name: 'Ann' } });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const projectId = signup.body.project.id;
    const key = await b.call('POST', `/v1/projects/${projectId}/api_keys`, { token: signup.body.session_token, body: { name: 'sdk' } });
    state.key = key.body.key;
    const created = await b.call('POST', '/v1/dedicated_endpoints', { token: state.key, body: newEndpoint });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    state.routingKey = created.body.routing_key;
    state.endpointId = created.body.id;

    const running = await waitFor(async () => {
      const endpoint = await b.call('GET', `/v1/dedicated_endpoints/${state.endpointId}`, { token: state.key });
      return endpoint.body.status === 'running' ? endpoint.body : undefined;
    }, 'the endpoint to run', 20_000);
    assert.equal(running.id, state.endpointId);

    const throughFollower = await waitFor(async () => {
      const answer = await completion(follower);
      return answer.status === 200 ? answer : undefined;
    }, 'an answer through the follower', 10_000);
    const throughLeader = await completion(leader);
    assert.equal(throughLeader.status, 200, JSON.stringify(throughLeader.body));
    const replica = pidIn(throughFollower);
    assert.equal(pidIn(throughLeader), replica, 'both reach the same replica');
    assert.deepEqual(liveReplicas(pidDir), [replica], 'one replica runs, not one per instance');
    assert.ok(ancestorsOf(replica).includes(leader.child.pid!), 'the leader runs it');
    assert.ok(!ancestorsOf(replica).includes(follower.child.pid!));
    assert.match(leader.output(), /runs the endpoint provisioner/);
    assert.doesNotMatch(follower.output(), /runs the endpoint provisioner/);
    state.firstReplica = replica;
  });

  test('kill -9 the leader: the follower takes over, brings the endpoint back and serves it; one replica runs', async () => {
    assert.ok(state.firstReplica, 'needs the endpoint of the test above');
    await leader.kill();
    // The killed leader's replica does not outlive it.
    await waitFor(async () => (alive(state.firstReplica) ? undefined : true), "the killed leader's replica to stop", 10_000);
    const answer = await waitFor(async () => {
      const attempt = await completion(follower, 'again');
      return attempt.status === 200 ? attempt : undefined;
    }, 'an answer through the survivor', 20_000);
    const replica = pidIn(answer);
    assert.notEqual(replica, state.firstReplica);
    assert.ok(ancestorsOf(replica).includes(follower.child.pid!), 'the survivor runs it now');
    assert.deepEqual(liveReplicas(pidDir), [replica], 'exactly one replica runs');
    assert.match(follower.output(), /runs the endpoint provisioner/);
    await waitFor(async () => {
      const endpoint = await fetchClient(() => follower.url).call('GET', `/v1/dedicated_endpoints/${state.endpointId}`, { token: state.key });
      return endpoint.body.status === 'running' ? true : undefined;
    }, 'the endpoint to read running again', 10_000);
  });
});

describe('a leader whose lock connection is lost stops its replicas [postgres]', { skip: postgresOnly }, () => {
  const pidDir = mkdtempSync(join(tmpdir(), 'tenantry-replicas-'));
  const config = configWith(pidDir, { leader_retry_seconds: 0.3, reconcile_seconds: 1 });
  const servers = useTwoInstances(() => ({ config }));

  test('its replicas stop, one instance runs the endpoint again, and it answers through both', async () => {
    const a = new Api(servers.first.app);
    const ann = await signUp(a, 'ann');
    const key = (await a.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key as string;
    const endpoint = (await a.post('/v1/dedicated_endpoints', key, newEndpoint)).body;
    await waitFor(async () => (servers.first.services.endpoints.describe(endpoint.id)?.healthy === 1 ? true : undefined), 'the replica on the leader', 20_000);
    const [replica] = servers.first.services.endpoints.describe(endpoint.id)!.pids;
    assert.equal(servers.second.services.endpoints.describe(endpoint.id), undefined, 'the other instance runs nothing');

    // PostgreSQL ends the session that holds the lock (as a failover or an administrator would).
    const admin = new pg.Client({ connectionString: servers.database.url });
    await admin.connect();
    try {
      // Only this database's provisioner lock: other test files share the PostgreSQL server.
      const ended = await admin.query(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [PROVISIONER_LOCK_CLASS],
      );
      assert.equal(ended.rowCount, 1);
    } finally {
      await admin.end();
    }
    await waitFor(async () => (alive(replica!) ? undefined : true), 'the deposed leader to stop its replica', 10_000);
    const runner = await waitFor(async () => {
      const running = [servers.first, servers.second].filter((t) => t.services.endpoints.describe(endpoint.id)?.healthy === 1);
      return running.length === 1 ? running[0] : undefined;
    }, 'one instance to run the endpoint again', 20_000);
    const other = runner === servers.first ? servers.second : servers.first;
    assert.equal(other.services.endpoints.describe(endpoint.id), undefined);
    assert.deepEqual(liveReplicas(pidDir), runner.services.endpoints.describe(endpoint.id)!.pids);
    for (const tenantry of [servers.first, servers.second]) {
      const answer = await waitFor(async () => {
        const attempt = await new Api(tenantry.app).request('POST', '/v1/chat/completions', { token: key, body: { model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }] } });
        return attempt.status === 200 ? attempt : undefined;
      }, 'an answer', 10_000);
      assert.match(answer.body.choices[0].message.content, /serves acme\/tiny/);
    }
  });
});

describe("a change whose announcement is lost is applied by the leader's reconcile [postgres]", { skip: postgresOnly }, () => {
  let database: TestDatabase;
  let faults: PgFaultProxy;
  let leader: Tenantry;
  let follower: Tenantry;
  before(async () => {
    requirePostgres();
    database = await createPostgresDatabase();
    const config = configWith(mkdtempSync(join(tmpdir(), 'tenantry-replicas-')), { leader_retry_seconds: 0.3, reconcile_seconds: 1 });
    leader = await startTenantry(database, { config });
    faults = await startPgFaultProxy(database.url);
    follower = await startTenantry(database, { config, env: { DATABASE_URL: faults.url } });
  });
  after(async () => {
    await follower?.close();
    await leader?.close();
    await faults?.close();
    await database?.drop();
  });

  test('an endpoint created, rescaled and deleted through an instance whose NOTIFYs never arrive follows its record', async () => {
    const b = new Api(follower.app);
    const ann = await signUp(b, 'ann');
    const key = (await b.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key as string;
    // The follower's writes reach PostgreSQL; its announcements go where nobody listens.
    faults.swallowNotifies();
    const endpoint = (await b.post('/v1/dedicated_endpoints', key, { ...newEndpoint, scaling: { min_replicas: 1, max_replicas: 2 } })).body;
    const onLeader = () => leader.services.endpoints.describe(endpoint.id);
    await waitFor(async () => (onLeader()?.healthy === 1 ? true : undefined), 'the leader to run the endpoint anyway', 10_000);
    const answer = await waitFor(async () => {
      const attempt = await b.request('POST', '/v1/chat/completions', { token: key, body: { model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }] } });
      return attempt.status === 200 ? attempt : undefined;
    }, 'an answer through the follower', 10_000);
    assert.match(answer.body.choices[0].message.content, /serves acme\/tiny/);

    assert.equal((await b.patch(`/v1/dedicated_endpoints/${endpoint.id}`, key, { scaling: { min_replicas: 2, max_replicas: 2 } })).status, 200);
    await waitFor(async () => (onLeader()?.healthy === 2 ? true : undefined), 'the new minimum to be applied', 10_000);

    assert.equal((await b.delete(`/v1/dedicated_endpoints/${endpoint.id}`, key)).status, 200);
    await waitFor(async () => (onLeader() === undefined ? true : undefined), 'the deleted endpoint to stop', 10_000);
  });
});

describeEachDatabase('scale-down after the quiet period', (kind) => {
  const pidDir = mkdtempSync(join(tmpdir(), 'tenantry-replicas-'));
  const server = useTenantry(kind, { config: configWith(pidDir, { quiet_period_seconds: 1, scale_up_after_seconds: 0.5 }) });
  const api = () => new Api(server.tenantry.app);

  test('an endpoint scaled up to two replicas under load goes back to its minimum once requests stop', async () => {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key as string;
    const endpoint = (await api().post('/v1/dedicated_endpoints', key, { ...newEndpoint, scaling: { min_replicas: 1, max_replicas: 2 } })).body;
    const describe = () => server.tenantry.services.endpoints.describe(endpoint.id);
    await waitFor(async () => (describe()?.healthy === 1 ? true : undefined), 'the first replica', 20_000);

    const url = await listen(server.tenantry);
    const slow = () =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }], delay_ms: 3000 }),
      }).then((response) => response.status);
    const load = Promise.all(Array.from({ length: 3 }, slow));
    await waitFor(async () => (describe()?.healthy === 2 ? true : undefined), 'a second replica under load', 10_000);
    assert.deepEqual(await load, [200, 200, 200]);

    // The configured quiet period is 1 s (the default, 60 s, would outlast this wait).
    await waitFor(async () => (describe()?.replicas === 1 ? true : undefined), 'back to one replica', 10_000);
    await waitFor(async () => (liveReplicas(pidDir).length === 1 ? true : undefined), 'the removed replica to exit', 10_000);
    const answer = await api().request('POST', '/v1/chat/completions', { token: key, body: { model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(answer.status, 200);
    await api().delete(`/v1/dedicated_endpoints/${endpoint.id}`, key);
  });
});
