import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { ConfigFile } from '../src/config.ts';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { startTenantry, useTenantry } from './helpers/server.ts';
import { waitFor } from './helpers/worker.ts';

const FAKE_MODEL_SERVER = join(import.meta.dirname, 'fixtures', 'fake-model-server.mjs');
const config: ConfigFile = {
  regions: [
    { id: 'eu-north1', inference_base_url: 'http://north.example/v1' },
    { id: 'eu-west1', inference_base_url: 'http://west.example/v1' },
  ],
  templates: [
    { model_name: 'acme/tiny', flavor_name: 'base', gpu_types: ['gpu-h100-sxm'], command: `${process.execPath} ${FAKE_MODEL_SERVER} --port {port} --model {model}`, target_in_flight: 1 },
  ],
};
const newEndpoint = { name: 'Tiny one', model_name: 'acme/tiny', flavor_name: 'base', gpu_type: 'gpu-h100-sxm' };

describeEachDatabase('dedicated endpoints (process provisioner)', (kind) => {
  const server = useTenantry(kind, { config, env: { TENANTRY_REGION: 'eu-north1' } });
  const api = () => new Api(server.tenantry.app);

  async function setUp() {
    const ann = await signUp(api(), 'ann');
    await api().patch(`/v1/projects/${ann.project.id}`, ann.token, { regions: ['eu-north1', 'eu-west1'] });
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'sdk' })).body.key as string;
    const openai = new OpenAI({ apiKey: key, baseURL: `${await listen(server.tenantry)}/v1`, maxRetries: 0 });
    return { ann, key, openai };
  }
  const running = (key: string, id: string) =>
    waitFor(async () => {
      const endpoint = (await api().get(`/v1/dedicated_endpoints/${id}`, key)).body;
      return endpoint.status === 'running' ? endpoint : undefined;
    }, `endpoint ${id} to run`, 20_000);

  test('an endpoint goes from create to running to serving to disabled to deleted', async () => {
    const { key, openai } = await setUp();
    const templates = await api().get('/v1/dedicated_endpoints/templates', key);
    assert.deepEqual(templates.body.data[0].model_name, 'acme/tiny');

    const created = await api().post('/v1/dedicated_endpoints', key, newEndpoint);
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^ep_/);
    assert.equal(created.body.object, 'dedicated_endpoint');
    assert.equal(created.body.enabled, true);
    assert.equal(created.body.region, 'eu-north1');
    assert.equal(created.body.inference_base_url, 'http://north.example/v1');
    assert.deepEqual(created.body.scaling, { min_replicas: 1, max_replicas: 1 });
    assert.ok(['provisioning', 'running'].includes(created.body.status));
    const endpoint = await running(key, created.body.id);

    const answer = await openai.chat.completions.create({ model: endpoint.routing_key, messages: [{ role: 'user', content: 'hi' }] });
    assert.match(answer.choices[0]!.message.content ?? '', /serves acme\/tiny/);
    assert.ok((await openai.models.list()).data.some((m) => m.id === endpoint.routing_key));

    const regionChange = await api().patch(`/v1/dedicated_endpoints/${endpoint.id}`, key, { region: 'eu-west1' });
    assert.equal(regionChange.status, 400);
    assert.equal(regionChange.body.error.param, 'region');

    const disabled = await api().patch(`/v1/dedicated_endpoints/${endpoint.id}`, key, { enabled: false });
    assert.equal(disabled.body.enabled, false);
    assert.equal(disabled.body.status, 'stopped');
    await assert.rejects(openai.chat.completions.create({ model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }] }), (e: { status: number; error: { code: string } }) => {
      assert.equal(e.status, 409);
      assert.equal(e.error.code, 'endpoint_disabled');
      return true;
    });
    await waitFor(async () => (server.tenantry.services.endpoints.describe(endpoint.id)?.replicas === 0 ? true : undefined), 'replicas to stop');

    await api().patch(`/v1/dedicated_endpoints/${endpoint.id}`, key, { enabled: true });
    await running(key, endpoint.id);
    assert.ok(await openai.chat.completions.create({ model: endpoint.routing_key, messages: [{ role: 'user', content: 'again' }] }));

    const deleted = await api().delete(`/v1/dedicated_endpoints/${endpoint.id}`, key);
    assert.deepEqual(deleted.body, { id: endpoint.id, object: 'dedicated_endpoint', deleted: true });
    assert.equal((await api().get(`/v1/dedicated_endpoints/${endpoint.id}`, key)).status, 404);
    await assert.rejects(openai.chat.completions.create({ model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }] }), (e: { status: number }) => e.status === 404);
    assert.equal(server.tenantry.services.endpoints.describe(endpoint.id), undefined);
  });

  test('create checks template, flavor, GPU type, region and scaling', async () => {
    const { key } = await setUp();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...newEndpoint, model_name: 'nope/model' }, 'model_name'],
      [{ ...newEndpoint, flavor_name: 'huge' }, 'flavor_name'],
      [{ ...newEndpoint, gpu_type: 'gpu-abacus' }, 'gpu_type'],
      [{ ...newEndpoint, region: 'us-central1' }, 'region'],
      [{ ...newEndpoint, scaling: { min_replicas: 3, max_replicas: 2 } }, 'scaling.min_replicas'],
    ];
    for (const [body, param] of cases) {
      const response = await api().post('/v1/dedicated_endpoints', key, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.param, param);
    }
  });

  test('requests go round-robin over replicas; a crashed replica is restarted', async () => {
    const { key, openai } = await setUp();
    const created = (await api().post('/v1/dedicated_endpoints', key, { ...newEndpoint, scaling: { min_replicas: 2, max_replicas: 2 } })).body;
    await running(key, created.id);
    await waitFor(async () => (server.tenantry.services.endpoints.describe(created.id)?.healthy === 2 ? true : undefined), 'two healthy replicas');
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push((await openai.chat.completions.create({ model: created.routing_key, messages: [{ role: 'user', content: 'x' }] })).choices[0]!.message.content);
    const ports = answers.map((a) => /replica (\d+)/.exec(a ?? '')![1]);
    assert.equal(new Set(ports).size, 2);
    assert.notEqual(ports[0], ports[1]);

    const [victim] = server.tenantry.services.endpoints.describe(created.id)!.pids;
    process.kill(victim!, 'SIGKILL');
    await waitFor(async () => {
      const state = server.tenantry.services.endpoints.describe(created.id)!;
      return state.healthy === 2 && !state.pids.includes(victim!) ? true : undefined;
    }, 'the crashed replica to come back', 20_000);
    assert.ok(await openai.chat.completions.create({ model: created.routing_key, messages: [{ role: 'user', content: 'x' }] }));
    await api().delete(`/v1/dedicated_endpoints/${created.id}`, key);
  });

  test('a request to a replica that just died is answered by the other replica', async () => {
    const { key } = await setUp();
    const created = (await api().post('/v1/dedicated_endpoints', key, { ...newEndpoint, scaling: { min_replicas: 2, max_replicas: 2 } })).body;
    await running(key, created.id);
    await waitFor(async () => (server.tenantry.services.endpoints.describe(created.id)?.healthy === 2 ? true : undefined), 'two healthy replicas');
    const ask = (content: string) => api().post('/v1/chat/completions', key, { model: created.routing_key, messages: [{ role: 'user', content }] });
    const pidOf = (answer: { body: { choices: Array<{ message: { content: string } }> } }) => Number(/\(pid (\d+)\)/.exec(answer.body.choices[0]!.message.content)![1]);
    // Round-robin: after two requests (one to each replica) the next goes where the first went.
    const first = await ask('one');
    const second = await ask('two');
    const [victim, survivor] = [pidOf(first), pidOf(second)];
    assert.notEqual(victim, survivor);

    // Killed and called at once: the server has not yet seen the replica exit, so it still picks it.
    process.kill(victim, 'SIGKILL');
    const answer = await ask('three');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(pidOf(answer), survivor);
    await api().delete(`/v1/dedicated_endpoints/${created.id}`, key);
  });

  test('a replica is added while in-flight requests stay above the target', async () => {
    const { key } = await setUp();
    const created = (await api().post('/v1/dedicated_endpoints', key, { ...newEndpoint, scaling: { min_replicas: 1, max_replicas: 2 } })).body;
    await running(key, created.id);
    const url = await listen(server.tenantry);
    const slow = () =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: created.routing_key, messages: [{ role: 'user', content: 'x' }], delay_ms: 5000 }),
      });
    const load = Promise.all(Array.from({ length: 4 }, slow));
    await waitFor(async () => (server.tenantry.services.endpoints.describe(created.id)!.replicas === 2 ? true : undefined), 'a second replica', 10_000);
    await load;
    await api().delete(`/v1/dedicated_endpoints/${created.id}`, key);
  });

  test("an endpoint of another region is answered with that region's base URL; other projects get 404", async () => {
    const { key, openai } = await setUp();
    const west = (await api().post('/v1/dedicated_endpoints', key, { ...newEndpoint, region: 'eu-west1' })).body;
    assert.equal(west.inference_base_url, 'http://west.example/v1');
    assert.equal(server.tenantry.services.endpoints.describe(west.id), undefined, 'not provisioned by a server of another region');
    await assert.rejects(openai.chat.completions.create({ model: west.routing_key, messages: [{ role: 'user', content: 'x' }] }), (e: { status: number; error: { code: string; message: string } }) => {
      assert.equal(e.status, 400);
      assert.equal(e.error.code, 'wrong_region');
      assert.ok(e.error.message.includes('http://west.example/v1'));
      return true;
    });
    const dropWest = await api().patch(`/v1/projects/${west.project_id}`, (await setUp()).key, { regions: ['eu-north1'] });
    assert.equal(dropWest.status, 404, 'another project cannot even see it');
    const stranger = await setUp();
    await assert.rejects(stranger.openai.chat.completions.create({ model: west.routing_key, messages: [{ role: 'user', content: 'x' }] }), (e: { status: number }) => e.status === 404);
    assert.equal((await api().get(`/v1/dedicated_endpoints/${west.id}`, stranger.key)).status, 404);
  });
});

describeEachDatabase('dedicated endpoints after a restart', (kind) => {
  test('every enabled endpoint is brought back when the server starts again', async () => {
    const database = await kind.create();
    let first = await startTenantry(database, { config });
    try {
      const api = new Api(first.app);
      const ann = await signUp(api, 'ann');
      const key = (await api.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
      const endpoint = (await api.post('/v1/dedicated_endpoints', key, newEndpoint)).body;
      await waitFor(async () => ((await api.get(`/v1/dedicated_endpoints/${endpoint.id}`, key)).body.status === 'running' ? true : undefined), 'running');
      await first.close();
      first = await startTenantry(database, { config });
      const again = new Api(first.app);
      await waitFor(async () => (first.services.endpoints.describe(endpoint.id)?.healthy === 1 ? true : undefined), 'the endpoint back after restart', 20_000);
      const answer = await again.request('POST', '/v1/chat/completions', { token: key, body: { model: endpoint.routing_key, messages: [{ role: 'user', content: 'x' }] } });
      assert.equal(answer.status, 200);
    } finally {
      await first.close();
      await database.drop();
    }
  });
});
