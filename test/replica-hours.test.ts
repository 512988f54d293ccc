import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConfigFile } from '../src/config.ts';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { TestClock, useTenantry } from './helpers/server.ts';
import { waitFor } from './helpers/worker.ts';

const FAKE_MODEL_SERVER = join(import.meta.dirname, 'fixtures', 'fake-model-server.mjs');
// USD 3.6 per replica-hour: one second of one replica costs USD 0.001.
const config: ConfigFile = {
  regions: [{ id: 'eu-north1', inference_base_url: 'http://north.example/v1' }],
  templates: [
    { model_name: 'acme/tiny', flavor_name: 'base', gpu_types: ['gpu-h100-sxm'], command: `${process.execPath} ${FAKE_MODEL_SERVER} --port {port} --model {model}`, target_in_flight: 1 },
  ],
  prices: { endpoints: [{ model: 'acme/tiny', per_replica_hour: 3.6 }], endpoint_default_per_replica_hour: 100 },
};
const newEndpoint = { name: 'Tiny one', model_name: 'acme/tiny', flavor_name: 'base', gpu_type: 'gpu-h100-sxm' };
const HOUR = 3600;
const DAY = 86_400;

interface Line {
  endpoint_id?: string;
  replica_seconds?: number;
  project_id: string | null;
  model: string | null;
  input_tokens: number;
  amount: { value: number; currency: string };
}
interface Bucket {
  start_time: number;
  end_time: number;
  results: Line[];
}

describeEachDatabase('spend of dedicated endpoints per replica-hour', (kind) => {
  const clock = new TestClock();
  const server = useTenantry(kind, { config, clock, env: { TENANTRY_REGION: 'eu-north1' } });
  const api = () => new Api(server.tenantry.app);

  async function spend(path: string, token: string, query: string): Promise<Bucket[]> {
    const response = await api().get(`${path}/spend?${query}`, token);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.data as Bucket[];
  }
  const endpointLines = (buckets: Bucket[]) => buckets.flatMap((b) => b.results.filter((r) => r.endpoint_id !== undefined));
  const replicaSeconds = (buckets: Bucket[]) => endpointLines(buckets).reduce((sum, line) => sum + line.replica_seconds!, 0);

  test('a running replica accrues its hours at the price, split across buckets; stopped, it accrues no more; another organization sees none', async () => {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'sdk' })).body.key as string;
    const created = (await api().post('/v1/dedicated_endpoints', key, newEndpoint)).body;
    assert.equal(created.status === 'running' || created.status === 'provisioning', true);
    const org = `/v1/organizations/${ann.org.id}`;
    const project = `/v1/projects/${ann.project.id}`;
    const began = clock.now() - 60;
    // The replica's lifetime is written once the provisioner has started it.
    await waitFor(async () => (endpointLines(await spend(org, ann.token, `start_time=${began}`)).length > 0 ? true : undefined), 'the replica to be recorded', 20_000);

    const t0 = clock.now();
    clock.advance(3 * DAY);
    // Two whole hours inside the replica's life: 3600 s each, USD 3.6 each.
    const window = `start_time=${t0 + HOUR}&end_time=${t0 + 3 * HOUR}&bucket_width=1h`;
    const hours = await spend(org, ann.token, window);
    assert.deepEqual(
      hours.map((b) => [b.start_time, b.end_time]),
      [
        [t0 + HOUR, t0 + 2 * HOUR],
        [t0 + 2 * HOUR, t0 + 3 * HOUR],
      ],
    );
    for (const bucket of hours) {
      assert.equal(bucket.results.length, 1);
      assert.deepEqual(bucket.results[0], {
        object: 'organization.costs.result',
        endpoint_id: created.id,
        replica_seconds: HOUR,
        project_id: ann.project.id,
        api_key_id: null,
        model: 'acme/tiny',
        num_model_requests: 0,
        input_tokens: 0,
        output_tokens: 0,
        amount: { value: 3.6, currency: 'usd' },
      });
    }
    assert.deepEqual(await spend(project, ann.token, window), hours, "the project's spend shows its endpoint the same");

    // By day: whole days in full, the running day counted up to now.
    const days = await spend(org, ann.token, `start_time=${t0 + HOUR}&bucket_width=1d`);
    const byDay = days.map((b) => endpointLines([b])[0]!);
    assert.equal(byDay.length, 3);
    assert.deepEqual(byDay.slice(0, 2).map((l) => [l.replica_seconds, l.amount.value]), [
      [DAY, 86.4],
      [DAY, 86.4],
    ]);
    const today = byDay[2]!.replica_seconds!;
    assert.ok(today >= DAY - HOUR && today < DAY - HOUR + 120, `today's seconds ${today}`);
    assert.equal(byDay[2]!.amount.value, today / 1000);

    // Disabled: its replica stops and its time stops with it.
    assert.equal((await api().patch(`/v1/dedicated_endpoints/${created.id}`, key, { enabled: false })).status, 200);
    const all = `start_time=${began}&bucket_width=1d`;
    await waitFor(async () => {
      const before = replicaSeconds(await spend(org, ann.token, all));
      clock.advance(HOUR);
      return replicaSeconds(await spend(org, ann.token, all)) === before ? true : undefined;
    }, 'the stopped replica to stop accruing', 20_000);
    const stopped = replicaSeconds(await spend(org, ann.token, all));
    clock.advance(2 * DAY);
    assert.equal(replicaSeconds(await spend(org, ann.token, all)), stopped);
    assert.equal(replicaSeconds(await spend(project, ann.token, all)), stopped);

    // Another organization: none of it, and no look at Ann's.
    const bob = await signUp(api(), 'bob');
    assert.deepEqual(endpointLines(await spend(`/v1/organizations/${bob.org.id}`, bob.token, all)), []);
    assert.deepEqual(endpointLines(await spend(`/v1/projects/${bob.project.id}`, bob.token, all)), []);
    assert.equal((await api().get(`${org}/spend?${all}`, bob.token)).status, 404);
    assert.equal((await api().get(`${project}/spend?${all}`, bob.token)).status, 404);

    // Batch-only spend has no replica lines: replicas serve no batch.
    assert.deepEqual(endpointLines(await spend(org, ann.token, `${all}&batch=true`)), []);
    await api().delete(`/v1/dedicated_endpoints/${created.id}`, key);
  });

  test('each replica counts: two replicas for an hour are two replica-hours, next to the token lines', async () => {
    const cy = await signUp(api(), 'cy');
    const key = (await api().post(`/v1/projects/${cy.project.id}/api_keys`, cy.token, { name: 'sdk' })).body.key as string;
    const created = (await api().post('/v1/dedicated_endpoints', key, { ...newEndpoint, scaling: { min_replicas: 2, max_replicas: 2 } })).body;
    const org = `/v1/organizations/${cy.org.id}`;
    await waitFor(async () => {
      const t = clock.now();
      clock.advance(10);
      // Both recorded: the last 10 seconds hold 20 replica-seconds.
      return replicaSeconds(await spend(org, cy.token, `start_time=${t}&end_time=${t + 10}&bucket_width=1m`)) === 20 ? true : undefined;
    }, 'both replicas to be recorded', 20_000);
    const t0 = clock.now();
    clock.advance(2 * HOUR);
    const hour = await spend(org, cy.token, `start_time=${t0}&end_time=${t0 + HOUR}&bucket_width=1h&group_by=project_id,model`);
    assert.deepEqual(
      endpointLines(hour).map((l) => [l.endpoint_id, l.replica_seconds, l.amount.value]),
      [[created.id, 2 * HOUR, 7.2]],
    );
    await api().delete(`/v1/dedicated_endpoints/${created.id}`, key);
  });
});
