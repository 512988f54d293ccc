import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, screenshot } from './helpers/browser.ts';
import { describeConsole, heading, nav, projectOf } from './helpers/console.ts';
import { TestClock, type TestServerOptions } from './helpers/server.ts';

const FAKE_MODEL_SERVER = join(import.meta.dirname, 'fixtures', 'fake-model-server.mjs');
const clock = new TestClock();
// USD 3.6 per replica-hour.
const options: TestServerOptions & { clock: TestClock } = {
  clock,
  env: { TENANTRY_REGION: 'eu-north1' },
  config: {
    regions: [{ id: 'eu-north1', inference_base_url: 'http://north.example/v1' }],
    templates: [
      { model_name: 'acme/tiny', flavor_name: 'base', gpu_types: ['gpu-h100-sxm'], command: `${process.execPath} ${FAKE_MODEL_SERVER} --port {port} --model {model}`, target_in_flight: 1 },
    ],
    prices: { endpoints: [{ model: 'acme/tiny', per_replica_hour: 3.6 }] },
  },
};

/** The project's Usage page shows what its dedicated endpoints cost by the replica-hour. */
describeConsole('web console: endpoint spend', options, ({ newUser, signUp, api, pageErrors }) => {
  test("the Usage page shows a dedicated endpoint's replica-hours and their spend", async () => {
    const ada = await newUser('ada');
    await signUp(ada);
    const { page } = ada;
    await nav(page, 'Usage');
    await heading(page, 'Usage');
    assert.equal(await page.getByRole('region', { name: 'Dedicated endpoints' }).count(), 0, 'none without endpoints');

    const project = await projectOf(page);
    const created = await api<{ id: string }>(ada, 'POST', '/v1/dedicated_endpoints', { project, body: { name: 'Tiny', model_name: 'acme/tiny', flavor_name: 'base', gpu_type: 'gpu-h100-sxm' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await eventually(async () => {
      const spend = await api<{ data: Array<{ results: Array<{ endpoint_id?: string }> }> }>(ada, 'GET', `/v1/projects/${project}/spend?start_time=${clock.now() - 60}`);
      assert.ok(spend.body.data.some((b) => b.results.some((r) => r.endpoint_id === created.body.id)));
    }, 'the replica to be recorded');
    // Disabled after exactly one hour of the server's clock: USD 3.60, whatever else the page fetched.
    clock.advance(3600);
    assert.equal((await api(ada, 'PATCH', `/v1/dedicated_endpoints/${created.body.id}`, { project, body: { enabled: false } })).status, 200);
    await eventually(async () => {
      const endpoint = await api<{ status: string }>(ada, 'GET', `/v1/dedicated_endpoints/${created.body.id}`, { project });
      assert.equal(endpoint.body.status, 'stopped');
    }, 'the endpoint to stop');

    await eventually(async () => {
      await page.reload();
      const region = page.getByRole('region', { name: 'Dedicated endpoints' });
      await region.getByRole('cell', { name: created.body.id, exact: true }).first().waitFor({ timeout: 1000 });
      assert.match((await page.getByTestId('endpoint-spend').textContent()) ?? '', /^\$3\.6\d*$/);
    }, 'the endpoint spend to show');
    await screenshot(page, 'usage-endpoints');
    assert.deepEqual(pageErrors, []);
  });
});
