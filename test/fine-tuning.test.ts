import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';
import { jobFinished, killWorkerGroup, startWorkerProcess, waitFor } from './helpers/worker.ts';

const BASE_MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const WORKER_TOKEN = 'worker-secret-for-tests';
const conversation = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] });
const trainingJsonl = Array.from({ length: 12 }, (_, i) => conversation(i)).join('\n') + '\n';

describeEachDatabase('fine-tuning jobs and workers (through the openai SDK)', (kind) => {
  const server = useTenantry(kind, {
    env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN },
    config: {
      models: [
        { id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true },
        { id: 'shared-chat', upstream: 'http://127.0.0.1:9/v1' },
      ],
    },
  });
  const api = () => new Api(server.tenantry.app);

  async function setUp() {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'sdk' })).body.key as string;
    const url = await listen(server.tenantry);
    const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    const training = await openai.files.create({ file: await toFile(Buffer.from(trainingJsonl), 'train.jsonl'), purpose: 'fine-tune' });
    return { ann, key, url, openai, training };
  }

  const finished = jobFinished;

  test('creating a job checks the model, the files, the suffix and the hyperparameters', async () => {
    const { openai, training, ann } = await setUp();
    const batch = await openai.files.create({
      file: await toFile(Buffer.from('{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n'), 'b.jsonl'),
      purpose: 'batch',
    });
    const other = await setUp();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 'no-such-model', training_file: training.id }, 'model'],
      [{ model: 'shared-chat', training_file: training.id }, 'model'],
      [{ model: BASE_MODEL, training_file: batch.id }, 'training_file'],
      [{ model: BASE_MODEL, training_file: other.training.id }, 'training_file'],
      [{ model: BASE_MODEL, training_file: training.id, validation_file: 'file-nope' }, 'validation_file'],
      [{ model: BASE_MODEL, training_file: training.id, suffix: 'x'.repeat(65) }, 'suffix'],
      [{ model: BASE_MODEL, training_file: training.id, hyperparameters: { n_epochs: 0 } }, 'hyperparameters.n_epochs'],
      [{ model: BASE_MODEL, training_file: training.id, method: { type: 'reinforcement' } }, 'method.type'],
    ];
    for (const [body, param] of cases) {
      await assert.rejects(openai.fineTuning.jobs.create(body as never), (error: { status: number; error: { param: string } }) => {
        assert.equal(error.status, 400, JSON.stringify(body));
        assert.equal(error.error.param, param);
        return true;
      });
    }
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id, suffix: 'support', hyperparameters: { n_epochs: 2 } });
    assert.match(job.id, /^ftjob-/);
    assert.equal(job.object, 'fine_tuning.job');
    assert.equal(job.status, 'queued');
    assert.equal(job.model, BASE_MODEL);
    assert.equal(job.organization_id, ann.org.id);
    assert.equal(job.hyperparameters.n_epochs, 2);
    assert.equal(job.fine_tuned_model, null);
    // Fields OpenAI marks nullable are null while they have no value.
    for (const field of ['error', 'finished_at', 'trained_tokens', 'validation_file', 'estimated_finish', 'integrations', 'metadata'] as const) {
      assert.ok(field in job && job[field] === null, `${field} is null`);
    }
    const events = await openai.fineTuning.jobs.listEvents(job.id);
    assert.deepEqual(events.data.map((e) => e.message), ['Files validated (12 training examples); job queued.', `Validating training file: ${training.id}`]);
    // An event's data is optional, not nullable, in OpenAI's schema: a message event has none.
    assert.ok(events.data.every((e) => e.type === 'message' && !('data' in e)), JSON.stringify(events.data));
    const listed = await openai.fineTuning.jobs.list();
    assert.ok(listed.data.some((j) => j.id === job.id));
    await assert.rejects(other.openai.fineTuning.jobs.retrieve(job.id), (e: { status: number }) => e.status === 404);
    await assert.rejects(other.openai.fineTuning.jobs.cancel(job.id), (e: { status: number }) => e.status === 404);
    const cancelled = await openai.fineTuning.jobs.cancel(job.id);
    assert.equal(cancelled.status, 'cancelled');
    await assert.rejects(openai.fineTuning.jobs.cancel(job.id), (e: { status: number }) => e.status === 409);
  });

  test('a real worker runs a whole job: events, metrics, checkpoints, result files and the fine-tuned model', async () => {
    const { openai, training, url, ann } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id, validation_file: training.id, suffix: 'support' });
    const worker = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--steps 4' });
    try {
      const done = await finished(openai, job.id);
      assert.equal(done.status, 'succeeded', worker.output());
      assert.equal(done.fine_tuned_model, `ft:${BASE_MODEL}:${ann.org.id}:support:${job.id}`);
      assert.equal(typeof done.finished_at, 'number');

      const events = [];
      for await (const event of openai.fineTuning.jobs.listEvents(job.id, { limit: 5 })) events.push(event);
      const messages = events.map((e) => e.message);
      assert.ok(messages.includes(`training ${BASE_MODEL} on 12 examples, suffix=support, validation=yes`), messages.join('\n'));
      assert.ok(messages.includes('a line that is not JSON'));
      assert.ok(messages.some((m) => m.includes('outside the output folder')), 'a checkpoint outside the output folder is refused');
      const metrics = events.filter((e) => e.type === 'metrics');
      assert.ok(events.every((e) => (e.type === 'metrics') === ('data' in e)), 'only metrics events carry data');
      assert.deepEqual(metrics.map((e) => (e.data as { step: number }).step).sort(), [1, 2, 3, 4]);
      assert.equal((metrics.find((e) => (e.data as { step: number }).step === 2)!.data as { train_loss: number }).train_loss, 1);

      const checkpoints = await openai.fineTuning.jobs.checkpoints.list(job.id);
      assert.deepEqual(checkpoints.data.map((c) => c.step_number), [2]);
      assert.equal(checkpoints.data[0]!.fine_tuned_model_checkpoint, `ft:${BASE_MODEL}:${ann.org.id}:support:${job.id}:ckpt-step-2`);

      const names = await Promise.all(done.result_files.map(async (id) => (await openai.files.retrieve(id)).filename));
      assert.deepEqual(names.sort(), ['adapter/adapter_model.bin', 'checkpoint-2/adapter.bin', 'training_summary.json']);
      const summaryId = done.result_files[names.indexOf('training_summary.json')]!;
      assert.deepEqual(JSON.parse(await (await openai.files.content(summaryId)).text()), { steps: 4, examples: 12 });

      const models = (await openai.models.list()).data.map((m) => m.id);
      assert.ok(models.includes(BASE_MODEL) && models.includes('shared-chat') && models.includes(done.fine_tuned_model!));
      const model = await openai.models.retrieve(done.fine_tuned_model!);
      assert.equal(model.owned_by, ann.org.id);
      assert.equal((await openai.models.retrieve(BASE_MODEL)).id, BASE_MODEL);
      const stranger = await setUp();
      assert.ok(!(await stranger.openai.models.list()).data.some((m) => m.id === done.fine_tuned_model), 'another project does not see it');
    } finally {
      await killWorkerGroup(worker.child);
    }
  });

  test('a failing trainer fails the job with its last message', async () => {
    const { openai, training, url } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id });
    const worker = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--fail' });
    try {
      const done = await finished(openai, job.id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.message, 'out of memory at step 2');
      assert.equal(done.fine_tuned_model, null);
    } finally {
      await killWorkerGroup(worker.child);
    }
  });

  test('cancelling a running job stops its trainer', async () => {
    const { openai, training, url } = await setUp();
    const pidFile = `${server.tenantry.config.dataDir}/trainer.pid`;
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id });
    const worker = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: `--steps 1000 --step-ms 50 --pid-file ${pidFile}`, leaseSeconds: 3 });
    try {
      await waitFor(async () => ((await openai.fineTuning.jobs.retrieve(job.id)).status === 'running' ? true : undefined), 'the job to run');
      const pid = await waitFor(async () => {
        try {
          return Number(readFileSync(pidFile, 'utf8'));
        } catch {
          return undefined;
        }
      }, 'the trainer to start');
      const cancelled = await openai.fineTuning.jobs.cancel(job.id);
      assert.equal(cancelled.status, 'cancelled');
      await waitFor(async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      }, 'the trainer process to stop', 15_000);
      assert.equal((await openai.fineTuning.jobs.retrieve(job.id)).status, 'cancelled');
    } finally {
      await killWorkerGroup(worker.child);
    }
  });

  test('a job whose worker dies is queued again when its lease lapses and finishes on another worker', async () => {
    const { openai, training, url } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id });
    const doomed = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--steps 1000 --step-ms 50', leaseSeconds: 2 });
    await waitFor(async () => ((await openai.fineTuning.jobs.retrieve(job.id)).status === 'running' ? true : undefined), 'the first worker to run the job');
    await killWorkerGroup(doomed.child);
    const rescuer = startWorkerProcess({ url, token: WORKER_TOKEN, trainerArgs: '--steps 3', leaseSeconds: 2 });
    try {
      const done = await finished(openai, job.id).catch((error: Error) => {
        throw new Error(`${error.message}\nrescuer:\n${rescuer.output()}\ndoomed:\n${doomed.output()}`);
      });
      assert.equal(done.status, 'succeeded', rescuer.output());
      const messages = (await openai.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data.map((e) => e.message);
      assert.ok(messages.some((m) => m.includes('stopped renewing its lease')), messages.join('\n'));
      assert.ok(messages.some((m) => m.includes('(attempt 2)')));
    } finally {
      await killWorkerGroup(rescuer.child);
    }
  });

  test('the worker protocol needs the worker token, and a worker touches only the jobs it holds', async () => {
    const { openai, training } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id });
    const as = (token: string, worker = 'w1') => ({ authorization: `Bearer ${token}`, 'x-worker-id': worker });
    assert.equal((await api().request('POST', '/v1/workers/claim', { headers: as('wrong') })).status, 401);
    const userKey = (await api().request('POST', '/v1/workers/claim', { headers: { authorization: `Bearer ${(await setUp()).key}`, 'x-worker-id': 'w' } })).status;
    assert.equal(userKey, 401, 'an API key is not a worker token');
    const claimed = await api().request('POST', '/v1/workers/claim', { headers: as(WORKER_TOKEN, 'w1'), body: { lease_seconds: 60 } });
    assert.equal(claimed.status, 200);
    const held = claimed.body.job.id;
    const fileUrl = `/v1/workers/jobs/${held}/files/${claimed.body.files[0].id}/content`;
    assert.equal((await api().request('GET', fileUrl, { headers: as(WORKER_TOKEN, 'w1') })).status, 200);
    assert.equal((await api().request('GET', fileUrl, { headers: as(WORKER_TOKEN, 'w2') })).status, 409, 'another worker');
    const otherFile = await openai.files.create({ file: await toFile(Buffer.from(trainingJsonl), 'other.jsonl'), purpose: 'fine-tune' });
    assert.equal((await api().request('GET', `/v1/workers/jobs/${held}/files/${otherFile.id}/content`, { headers: as(WORKER_TOKEN, 'w1') })).status, 404, 'a file not of the job');
    assert.equal((await api().request('POST', `/v1/workers/jobs/${held}/events`, { headers: as(WORKER_TOKEN, 'w2'), body: { lines: [{ type: 'message', message: 'x' }] } })).status, 409);
    assert.equal((await api().request('POST', `/v1/workers/jobs/${held}/complete`, { headers: as(WORKER_TOKEN, 'w1'), body: { status: 'failed', message: 'released by test' } })).status, 200);
    assert.ok(job.id);
  });
});

describeEachDatabase('a server without a worker token', (kind) => {
  const server = useTenantry(kind);
  test('refuses workers', async () => {
    const response = await new Api(server.tenantry.app).request('POST', '/v1/workers/claim', { headers: { authorization: 'Bearer anything', 'x-worker-id': 'w' } });
    assert.equal(response.status, 401);
    assert.equal(response.body.error.code, 'workers_disabled');
  });
});
