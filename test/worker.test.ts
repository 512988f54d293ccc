import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { Api, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { startHttpFaultProxy } from './helpers/http-fault-proxy.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';
import { jobFinished, killWorkerGroup, startWorkerProcess, waitFor } from './helpers/worker.ts';

const BASE_MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const WORKER_TOKEN = 'worker-secret-for-tests';
const trainingJsonl = (tag: string) =>
  Array.from({ length: 6 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `${tag} q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n') + '\n';

/** The job folders under a work dir, as `<worker folder>/<job id>`. */
function jobFolders(workDir: string): string[] {
  const root = join(workDir, 'tenantry-jobs');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((worker) =>
    readdirSync(join(root, worker), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${worker}/${entry.name}`),
  );
}

describeEachDatabase('the fine-tuning worker: job folders and retried downloads', (kind) => {
  const server = useTenantry(kind, {
    env: { TENANTRY_WORKER_TOKEN: WORKER_TOKEN },
    config: { models: [{ id: BASE_MODEL, upstream: 'http://127.0.0.1:9/v1', fine_tunable: true }] },
  });
  const api = () => new Api(server.tenantry.app);

  async function setUp() {
    const ann = await signUp(api(), 'ann');
    const key = (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'sdk' })).body.key as string;
    const url = await listen(server.tenantry);
    const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    const upload = async (tag: string) => openai.files.create({ file: await toFile(Buffer.from(trainingJsonl(tag)), `${tag}.jsonl`), purpose: 'fine-tune' });
    return { url, openai, upload };
  }

  const finished = jobFinished;

  test('a job folder (0700, holding the training file) is removed once the job is over', async () => {
    const { url, openai, upload } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: (await upload('folder')).id });
    const workDir = mkdtempSync(join(tmpdir(), 'tenantry-worker-test-'));
    const worker = startWorkerProcess({ url, token: WORKER_TOKEN, workDir, trainerArgs: '--steps 20 --step-ms 50' });
    try {
      const folder = await waitFor(async () => jobFolders(workDir).find((f) => f.endsWith(`/${job.id}`)), 'the job folder');
      const path = join(workDir, 'tenantry-jobs', folder);
      assert.equal(statSync(path).mode & 0o777, 0o700);
      assert.equal(statSync(join(workDir, 'tenantry-jobs')).mode & 0o777, 0o700);
      await waitFor(async () => (readdirSync(join(path, 'files')).length > 0 ? true : undefined), 'the downloaded training file');

      assert.equal((await finished(openai, job.id)).status, 'succeeded', worker.output());
      await waitFor(async () => (jobFolders(workDir).length === 0 ? true : undefined), 'the job folder to be removed');
      assert.equal(worker.child.exitCode, null, 'the worker goes on');
    } finally {
      await killWorkerGroup(worker.child);
    }
  });

  test('a worker starting removes the job folders a killed worker left, and takes over its job', async () => {
    const { url, openai, upload } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: (await upload('stale')).id });
    const workDir = mkdtempSync(join(tmpdir(), 'tenantry-worker-test-'));
    const doomed = startWorkerProcess({ url, token: WORKER_TOKEN, workDir, leaseSeconds: 2, trainerArgs: '--steps 1000 --step-ms 50' });
    const stale = await waitFor(async () => jobFolders(workDir).find((f) => f.endsWith(`/${job.id}`)), 'the job folder');
    await killWorkerGroup(doomed.child);
    assert.ok(existsSync(join(workDir, 'tenantry-jobs', stale)), 'a killed worker leaves its folder behind');

    const rescuer = startWorkerProcess({ url, token: WORKER_TOKEN, workDir, leaseSeconds: 2, trainerArgs: '--steps 3' });
    try {
      await waitFor(async () => (existsSync(join(workDir, 'tenantry-jobs', stale.split('/')[0]!)) ? undefined : true), 'the stale folder to be removed');
      assert.equal((await finished(openai, job.id)).status, 'succeeded', rescuer.output());
      await waitFor(async () => (jobFolders(workDir).length === 0 ? true : undefined), 'the job folder to be removed');
      // The rescuer's own folder is still there (it is alive): only the dead worker's went.
      assert.equal(readdirSync(join(workDir, 'tenantry-jobs')).length, 1);
    } finally {
      await killWorkerGroup(rescuer.child);
    }
  });

  test("a worker starting next to a live one on the same work dir leaves the live one's job folder alone", async () => {
    const { url, openai, upload } = await setUp();
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: (await upload('shared')).id });
    const workDir = mkdtempSync(join(tmpdir(), 'tenantry-worker-test-'));
    const busy = startWorkerProcess({ url, token: WORKER_TOKEN, workDir, trainerArgs: '--steps 1000 --step-ms 50' });
    let neighbour: ReturnType<typeof startWorkerProcess> | undefined;
    try {
      const folder = await waitFor(async () => jobFolders(workDir).find((f) => f.endsWith(`/${job.id}`)), 'the job folder');
      neighbour = startWorkerProcess({ url, token: WORKER_TOKEN, workDir });
      // The neighbour makes its own folder after it has looked for stale ones.
      await waitFor(async () => (readdirSync(join(workDir, 'tenantry-jobs')).length === 2 ? true : undefined), "the neighbour's folder");
      assert.ok(existsSync(join(workDir, 'tenantry-jobs', folder, 'files')), 'the running job keeps its folder');
      assert.equal((await openai.fineTuning.jobs.retrieve(job.id)).status, 'running');
    } finally {
      await killWorkerGroup(busy.child);
      if (neighbour) await killWorkerGroup(neighbour.child);
    }
  });

  test('a download that fails (502, then a cut body, then 502) is retried while the lease is renewed; the job succeeds', async () => {
    const { url, openai, upload } = await setUp();
    const proxy = await startHttpFaultProxy(url);
    const training = await upload('flaky');
    proxy.spoil(training.id, ['502', 'cut', '502']);
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: training.id });
    // Waits of at least 0.5 + 1 + 2 s, past the 2 s lease: only heartbeats keep the job this worker's.
    const worker = startWorkerProcess({ url: proxy.url, token: WORKER_TOKEN, leaseSeconds: 2, trainerArgs: '--steps 2', args: ['--retry-base-ms', '1000'] });
    let rival: ReturnType<typeof startWorkerProcess> | undefined;
    try {
      await waitFor(async () => (proxy.downloads(training.id) >= 1 ? true : undefined), 'the first download');
      // A second worker that would take the job over, were its lease to lapse during the retries.
      rival = startWorkerProcess({ url, token: WORKER_TOKEN, leaseSeconds: 2, trainerArgs: '--steps 2' });
      const done = await finished(openai, job.id);
      assert.equal(done.status, 'succeeded', worker.output());
      assert.equal(proxy.downloads(training.id), 4);
      assert.match(worker.output(), /attempt 2 of 8: terminated/, 'the cut body is a failed attempt too');
      // The server has the job as succeeded once the worker reported it; the worker's own line comes just after.
      await waitFor(async () => (new RegExp(`job ${job.id}: succeeded`).test(worker.output()) ? true : undefined), "the worker's line that the job succeeded");
      assert.doesNotMatch(rival.output(), /claimed/, 'the rival never got the job');
      assert.equal(worker.child.exitCode, null, 'the worker is still running');
    } finally {
      await killWorkerGroup(worker.child);
      if (rival) await killWorkerGroup(rival.child);
      await proxy.close();
    }
  });

  test('a result upload answered 502 is retried: the job succeeds with each result file once', async () => {
    const { url, openai, upload } = await setUp();
    const proxy = await startHttpFaultProxy(url);
    proxy.spoilUploads(2);
    const job = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: (await upload('uploads')).id });
    const worker = startWorkerProcess({ url: proxy.url, token: WORKER_TOKEN, trainerArgs: '--steps 2', args: ['--retry-base-ms', '100'] });
    try {
      const done = await finished(openai, job.id);
      assert.equal(done.status, 'succeeded', worker.output());
      const names = await Promise.all(done.result_files.map(async (id) => (await openai.files.retrieve(id)).filename));
      assert.deepEqual(names.sort(), ['adapter/adapter_model.bin', 'checkpoint-1/adapter.bin', 'training_summary.json']);
      assert.equal(proxy.uploads(), 5, 'three files, two of the attempts refused');
    } finally {
      await killWorkerGroup(worker.child);
      await proxy.close();
    }
  });

  test('a download that always fails fails its job, naming the file, and the worker takes the next job', async () => {
    const { url, openai, upload } = await setUp();
    const proxy = await startHttpFaultProxy(url);
    const broken = await upload('broken');
    proxy.spoil(broken.id, 'always');
    const first = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: broken.id });
    const workDir = mkdtempSync(join(tmpdir(), 'tenantry-worker-test-'));
    const worker = startWorkerProcess({ url: proxy.url, token: WORKER_TOKEN, workDir, trainerArgs: '--steps 2', args: ['--transfer-attempts', '3', '--retry-base-ms', '100'] });
    try {
      const failed = await finished(openai, first.id);
      assert.equal(failed.status, 'failed', worker.output());
      assert.equal(failed.error?.message, `could not download the training file ${broken.id} (broken.jsonl) after 3 attempts: Bad gateway (test proxy) (HTTP 502)`);
      assert.equal(proxy.downloads(broken.id), 3);
      await waitFor(async () => (jobFolders(workDir).length === 0 ? true : undefined), 'the failed job folder to be removed');

      const next = await openai.fineTuning.jobs.create({ model: BASE_MODEL, training_file: (await upload('fine')).id });
      assert.equal((await finished(openai, next.id)).status, 'succeeded', worker.output());
      assert.equal(worker.child.exitCode, null, 'the worker is still running');
    } finally {
      await killWorkerGroup(worker.child);
      await proxy.close();
    }
  });
});
