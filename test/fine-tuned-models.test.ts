import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import type { ConfigFile } from '../src/config.ts';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { addMember } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { killWorkerGroup, startWorkerProcess, waitFor } from './helpers/worker.ts';

const FAKE_MODEL_SERVER = join(import.meta.dirname, 'fixtures', 'fake-model-server.mjs');
const WORKER_TOKEN = 'worker-secret-for-tests';
/** Served by dedicated endpoints only: its `lora` flavor loads adapters, its `base` flavor cannot. */
const ENDPOINT_BASE = 'acme/tiny';
/** A shared model whose upstream loads adapters at run time, as vLLM does. */
const VLLM_BASE = 'acme/shared-lora';
/** A shared model that can be fine-tuned but has no way to serve the result. */
const PLAIN_BASE = 'acme/plain';
const replica = `${process.execPath} ${FAKE_MODEL_SERVER} --port {port} --model {model}`;
const trainingJsonl = Array.from({ length: 4 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n') + '\n';
const lora = { name: 'mine', model_name: '', flavor_name: 'lora', gpu_type: 'gpu-h100-sxm' };

describeEachDatabase('fine-tuned models: served, and listed only where the project may call them', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = {
    templates: [
      { model_name: ENDPOINT_BASE, flavor_name: 'base', gpu_types: ['gpu-h100-sxm'], command: replica },
      { model_name: ENDPOINT_BASE, flavor_name: 'lora', gpu_types: ['gpu-h100-sxm'], command: `${replica} --adapter {adapter} --adapter-name {adapter_name}` },
      { model_name: PLAIN_BASE, flavor_name: 'base', gpu_types: ['gpu-h100-sxm'], command: replica },
    ],
  };
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = [
      { id: ENDPOINT_BASE, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true },
      { id: VLLM_BASE, upstream: upstream.url, fine_tunable: true, adapters: 'vllm' },
      { id: PLAIN_BASE, upstream: upstream.url, fine_tunable: true },
      { id: 'chat-model', upstream: upstream.url },
    ];
  });
  const server = useTenantry(kind, { config, env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN } });
  const api = () => new Api(server.tenantry.app);
  let worker: ReturnType<typeof startWorkerProcess> | undefined;
  after(async () => {
    if (worker) await killWorkerGroup(worker.child);
    await upstream?.close();
  });

  async function setUp() {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'sdk' })).body.key as string;
    const url = await listen(server.tenantry);
    worker ??= startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--steps 2 --step-ms 1' });
    const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    return { ann, key, openai };
  }

  /** Fine-tunes `base` with the test trainer; answers the fine-tuned model's id and the job id. */
  async function fineTune(openai: OpenAI, base: string): Promise<{ model: string; jobId: string }> {
    const training = await openai.files.create({ file: await toFile(Buffer.from(trainingJsonl), 'train.jsonl'), purpose: 'fine-tune' });
    const job = await openai.fineTuning.jobs.create({ model: base, training_file: training.id, suffix: 'mine' });
    const done = await waitFor(async () => {
      const current = await openai.fineTuning.jobs.retrieve(job.id);
      return ['succeeded', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
    }, `job ${job.id} to finish`);
    assert.equal(done.status, 'succeeded', worker?.output());
    return { model: done.fine_tuned_model!, jobId: job.id };
  }

  const chat = (openai: OpenAI, model: string) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  const refusal = (status: number, check: (error: { param: string | null; code: string | null; message: string }) => void = () => {}) => (e: { status: number; error: { param: string | null; code: string | null; message: string } }) => {
    assert.equal(e.status, status, JSON.stringify(e.error));
    check(e.error);
    return true;
  };

  test('a fine-tuned model deployed on a dedicated endpoint answers by its own id and its routing key, with the trainer\'s adapter loaded', async () => {
    const { key, openai } = await setUp();
    const { model, jobId } = await fineTune(openai, ENDPOINT_BASE);
    await assert.rejects(chat(openai, model), refusal(409, (error) => {
      assert.equal(error.code, 'model_not_deployed');
      assert.ok(error.message.includes('POST /v1/dedicated_endpoints'));
    }), 'before it is deployed it says how to deploy it, not 404');

    const created = await api().post('/v1/dedicated_endpoints', key, { ...lora, model_name: model });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.model_name, model);
    const endpoint = await waitFor(async () => {
      const current = (await api().get(`/v1/dedicated_endpoints/${created.body.id}`, key)).body;
      return current.status === 'running' ? current : undefined;
    }, 'the endpoint to run', 20_000);

    const byModel = await chat(openai, model);
    assert.equal(byModel.choices[0]!.message.content?.replace(/^replica \d+ /, ''), `serves adapter ${model} with weights "weights of ${jobId}"`);
    const byRoutingKey = await chat(openai, endpoint.routing_key);
    assert.match(byRoutingKey.choices[0]!.message.content ?? '', new RegExp(`serves adapter .*weights of ${jobId}`));
    const models = (await openai.models.list()).data.map((m) => m.id);
    assert.ok(models.includes(model) && models.includes(endpoint.routing_key));

    await api().delete(`/v1/dedicated_endpoints/${endpoint.id}`, key);
    await assert.rejects(chat(openai, model), refusal(409, (error) => assert.equal(error.code, 'model_not_deployed')));
  });

  test('an endpoint can be deployed only from a succeeded fine-tuned model of the project, with a template that loads adapters', async () => {
    const { key, openai } = await setUp();
    const { model } = await fineTune(openai, ENDPOINT_BASE);
    const plain = await fineTune(openai, PLAIN_BASE);
    const stranger = await setUp();
    const templates = (await api().get('/v1/dedicated_endpoints/templates', key)).body.data as Array<{ model_name: string; flavor_name: string; loads_adapters: boolean }>;
    assert.deepEqual(templates.filter((t) => t.model_name === ENDPOINT_BASE).map((t) => [t.flavor_name, t.loads_adapters]), [['base', false], ['lora', true]]);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ ...lora, model_name: `${model.slice(0, -3)}xyz` }, 'model_name', 'an unknown job'],
      [{ ...lora, model_name: `ft:${ENDPOINT_BASE}:org_x:mine:ftjob-nope` }, 'model_name', 'no such job'],
      [{ ...lora, model_name: model, flavor_name: 'base' }, 'flavor_name', 'a flavor that cannot load adapters'],
      [{ ...lora, model_name: plain.model, flavor_name: 'base' }, 'model_name', 'a base with no template that loads adapters'],
      [{ ...lora, model_name: ENDPOINT_BASE }, 'flavor_name', 'a base model on a flavor made for adapters'],
    ];
    for (const [body, param, why] of cases) {
      const response = await api().post('/v1/dedicated_endpoints', key, body);
      assert.equal(response.status, 400, `${why}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.param, param, why);
    }
    const refused = await api().post('/v1/dedicated_endpoints', key, { ...lora, model_name: model, flavor_name: 'base' });
    assert.match(refused.body.error.message, /cannot load a fine-tuned adapter/);
    const foreign = await api().post('/v1/dedicated_endpoints', stranger.key, { ...lora, model_name: model });
    assert.equal(foreign.status, 400, 'another project cannot deploy it');
    assert.equal(foreign.body.error.param, 'model_name');
    await assert.rejects(chat(stranger.openai, model), refusal(404), 'nor call it');
  });

  test('a fine-tuned model of a base whose upstream loads adapters is loaded there once, then called by its id', async () => {
    const { openai } = await setUp();
    const { model, jobId } = await fineTune(openai, VLLM_BASE);
    const loads = () => upstream.requests.filter((r) => r.path === '/v1/load_lora_adapter' && r.body.lora_name === model);

    const first = await chat(openai, model);
    assert.equal(first.choices[0]!.message.content, 'echo: hi');
    assert.equal(loads().length, 1);
    const lora_path = String(loads()[0]!.body.lora_path);
    assert.equal(readFileSync(join(lora_path, 'adapter_model.bin'), 'utf8'), `weights of ${jobId}`, 'the folder holds the trainer\'s adapter');
    const forwarded = upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    assert.equal(forwarded.body.model, model);

    await chat(openai, model);
    assert.equal(loads().length, 1, 'loaded once');

    // The model server restarts and forgets its adapters: that call fails, the next one loads it again.
    upstream.loadedAdapters.clear();
    await assert.rejects(chat(openai, model), refusal(404));
    assert.equal((await chat(openai, model)).choices[0]!.message.content, 'echo: hi');
    assert.equal(loads().length, 2);
  });

  test('a fine-tuned model whose result files were deleted says its adapter is gone (409), not 500', async () => {
    const { openai } = await setUp();
    const { jobId, model } = await fineTune(openai, VLLM_BASE);
    const job = await openai.fineTuning.jobs.retrieve(jobId);
    await openai.files.delete(job.result_files[0]!);
    await assert.rejects(chat(openai, model), refusal(409, (error) => assert.equal(error.code, 'adapter_unavailable')));
    assert.ok(!upstream.requests.some((r) => r.path === '/v1/load_lora_adapter' && r.body.lora_name === model), 'nothing half-written is handed to the model server');
  });

  test('the models list holds only what the project\'s model permissions allow, for every reader; fine-tuned models follow them too', async () => {
    const { ann, openai } = await setUp();
    const { model } = await fineTune(openai, VLLM_BASE);
    const ids = async () => (await openai.models.list()).data.map((m) => m.id).sort();
    assert.deepEqual(await ids(), [ENDPOINT_BASE, PLAIN_BASE, VLLM_BASE, 'chat-model', model].sort());

    const allow = await api().post(`/v1/projects/${ann.project.id}/model_permissions`, ann.token, { mode: 'allow_list', model_ids: ['chat-model', model] });
    assert.equal(allow.status, 200);
    assert.deepEqual(await ids(), ['chat-model', model].sort());
    await assert.rejects(openai.models.retrieve(VLLM_BASE), refusal(404), 'a model the project may not call is not there to retrieve');
    assert.equal((await openai.models.retrieve(model)).id, model);
    assert.equal((await chat(openai, model)).choices[0]!.message.content, 'echo: hi');
    await assert.rejects(chat(openai, VLLM_BASE), refusal(403));

    const vic = await signUp(api(), 'vic');
    const viewers = (await api().post(`/v1/projects/${ann.project.id}/groups`, ann.token, { name: 'viewers', role: 'viewer' })).body;
    await addMember(api(), ann, ann.org.id, vic, { projects: [{ project_id: ann.project.id, group_id: viewers.id }] });
    const asViewer = await api().get('/v1/models', vic.token, { 'openai-project': ann.project.id });
    assert.equal(asViewer.status, 200);
    assert.deepEqual(asViewer.body.data.map((m: { id: string }) => m.id).sort(), ['chat-model', model].sort(), 'a viewer sees what the project may call');

    await api().post(`/v1/projects/${ann.project.id}/model_permissions`, ann.token, { mode: 'deny_list', model_ids: [model] });
    assert.ok(!(await ids()).includes(model));
    assert.ok((await ids()).includes(VLLM_BASE));
    await assert.rejects(chat(openai, model), refusal(403, (error) => assert.equal(error.code, 'model_not_allowed')));
  });
});
