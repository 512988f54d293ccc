import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import type { ConfigFile } from '../src/config.ts';
import { Api, errorOf, signUp, type SignedUpUser } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { addMember } from './helpers/organizations.ts';
import { TestClock, useTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/worker.ts';

type Line = { custom_id: string; method: string; url: string; body: Record<string, unknown> };

const chatLine = (customId: string, model = 'chat-model', content = customId): Line => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }] },
});

const BIN = join(import.meta.dirname, '..', 'bin', 'tenantry.js');

/** The real `tenantry` program, with an API key from the environment. */
function tenantry(env: { url: string; key: string }, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'tenantry-cli-batch-')), TENANTRY_URL: env.url, TENANTRY_API_KEY: env.key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const jsonl = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

describeEachDatabase('Batch API (through the openai SDK)', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = {};
  const clock = new TestClock();
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = ['chat-model', 'broken', 'embed-model', 'limited', 'other-chat', 'priced'].map((id) => ({ id, upstream: upstream.url }));
    // The fake upstream counts 5 input tokens a call: USD 1 a call to `priced`.
    config.prices = { models: [{ id: 'priced', input_per_million_tokens: 200_000, output_per_million_tokens: 0 }] };
    config.rate_limits = { max_requests_per_1_minute: 1000, max_tokens_per_1_minute: 1_000_000, ceiling: { max_requests_per_1_minute: 5000, max_tokens_per_1_minute: 5_000_000 } };
    config.batches = { concurrency: 4, rate_limit_share: 0.5, poll_interval_seconds: 0.1 };
  });
  after(async () => upstream?.close());
  const server = useTenantry(kind, { config, clock });
  const api = () => new Api(server.tenantry.app);

  async function setUp(label = 'ann') {
    const user = await signUp(api(), label);
    const key = await api().post(`/v1/projects/${user.project.id}/api_keys`, user.token, { name: 'sdk' });
    const openai = new OpenAI({ apiKey: key.body.key, baseURL: `${await listen(server.tenantry)}/v1`, maxRetries: 0 });
    return { user, key: key.body as { id: string; key: string }, openai };
  }

  async function upload(openai: OpenAI, lines: unknown[]) {
    return openai.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'requests.jsonl'), purpose: 'batch' });
  }

  function ended(openai: OpenAI, id: string) {
    return waitFor(async () => {
      const batch = await openai.batches.retrieve(id);
      return ['completed', 'failed', 'expired', 'cancelled'].includes(batch.status) ? batch : undefined;
    }, `batch ${id} to end`);
  }

  async function contentLines(openai: OpenAI, fileId: string | null | undefined) {
    assert.ok(fileId, 'the batch names the file');
    const text = await (await openai.files.content(fileId)).text();
    return text.trim().split('\n').map((line) => JSON.parse(line));
  }

  /** The batch share is counted in one-minute windows: start such a test well inside one. */
  async function awayFromMinuteEnd() {
    const second = new Date().getUTCSeconds();
    if (second > 40) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
  }

  async function limitModel(user: SignedUpUser, model: string, perMinute: number) {
    const set = await api().post(`/v1/projects/${user.project.id}/rate_limits/${model}`, user.token, { max_requests_per_1_minute: perMinute });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  }

  test('a batch of chat completions runs through the gateway: every line answered once in the output file, counted, and metered as batch usage', async () => {
    const { user, key, openai } = await setUp();
    const file = await upload(openai, [chatLine('first'), chatLine('second'), chatLine('third')]);
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { run: 'nightly' } });
    assert.equal(created.object, 'batch');
    assert.equal(created.status, 'in_progress');
    assert.equal(created.request_counts?.total, 3);
    assert.deepEqual(created.metadata, { run: 'nightly' });
    assert.equal(created.expires_at, created.created_at + 24 * 3600);

    const batch = await ended(openai, created.id);
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 3, completed: 3, failed: 0 });
    assert.equal(batch.error_file_id, null);
    assert.ok(batch.completed_at && batch.finalizing_at && batch.in_progress_at);
    const output = await contentLines(openai, batch.output_file_id);
    assert.deepEqual(output.map((l) => l.custom_id), ['first', 'second', 'third']);
    for (const line of output) {
      assert.match(line.id, /^batch_req_/);
      assert.equal(line.error, null);
      assert.equal(line.response.status_code, 200);
      assert.equal(line.response.body.choices[0].message.content, `echo: ${line.custom_id}`);
    }
    const sent = upstream.requests.filter((r) => r.path === '/v1/chat/completions' && ['first', 'second', 'third'].includes(String((r.body.messages as Array<{ content: string }>)[0]!.content)));
    assert.equal(sent.length, 3, 'each line reached the model once');
    const outputFile = await openai.files.retrieve(batch.output_file_id!);
    assert.equal(outputFile.purpose, 'batch_output');
    const listed = await api().get(`/v1/files?purpose=batch_output`, key.key);
    assert.deepEqual(listed.body.data.map((f: { id: string }) => f.id), [batch.output_file_id]);

    const usage = await api().get(`/v1/projects/${user.project.id}/usage?start_time=0&group_by=batch,api_key_id`, user.token);
    assert.equal(usage.status, 200, JSON.stringify(usage.body));
    const results = usage.body.data.flatMap((b: { results: unknown[] }) => b.results);
    assert.deepEqual(results, [{ project_id: null, api_key_id: key.id, model: null, batch: true, num_model_requests: 3, input_tokens: 15, output_tokens: 21, amount: { value: 0, currency: 'usd' } }]);
    const interactive = await api().get(`/v1/projects/${user.project.id}/usage?start_time=0&batch=false`, user.token);
    assert.deepEqual(interactive.body.data, []);

    const events = await api().get(`/v1/organizations/${user.org.id}/audit_logs?resource_id=${created.id}`, user.token);
    assert.deepEqual(events.body.data.map((e: { type: string }) => e.type), ['batch.created']);
    const listedBatches = await openai.batches.list({ limit: 10 });
    assert.deepEqual(listedBatches.data.map((b) => b.id), [created.id]);
  });

  test('an input file with problems fails the batch, with each problem, its line and field, as OpenAI reports them', async () => {
    const { user, openai } = await setUp();
    const allow = await api().post(`/v1/projects/${user.project.id}/model_permissions`, user.token, { mode: 'allow_list', model_ids: ['chat-model'] });
    assert.equal(allow.status, 200);
    const file = await upload(openai, [
      chatLine('ok'),
      { ...chatLine('wrong-endpoint'), url: '/v1/embeddings' },
      chatLine('unknown', 'no-such-model'),
      chatLine('refused', 'other-chat'),
      { ...chatLine('streamed'), body: { ...chatLine('streamed').body, stream: true } },
    ]);
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    assert.equal(batch.status, 'failed');
    assert.ok(batch.failed_at);
    assert.deepEqual(batch.request_counts, { total: 0, completed: 0, failed: 0 });
    assert.deepEqual(
      batch.errors?.data?.map((e) => [e.line, e.code, e.param]),
      [
        [2, 'mismatched_endpoint', 'url'],
        [3, 'model_not_found', 'body.model'],
        [4, 'model_not_allowed', 'body.model'],
        [5, 'stream_not_supported', 'body.stream'],
      ],
    );
    assert.equal((await openai.batches.retrieve(batch.id)).status, 'failed');
  });

  test('create refuses what is not a batch file of the project, an unknown endpoint and another window, naming the field', async () => {
    const { openai, key } = await setUp();
    const other = await setUp('bob');
    const theirs = await upload(other.openai, [chatLine('x')]);
    const fineTune = await openai.files.create({ file: await toFile(Buffer.from(jsonl([{ text: 'hello' }])), 'train.jsonl'), purpose: 'fine-tune' });
    for (const [body, param] of [
      [{ input_file_id: theirs.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, 'input_file_id'],
      [{ input_file_id: fineTune.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, 'input_file_id'],
      [{ input_file_id: fineTune.id, endpoint: '/v1/moderations', completion_window: '24h' }, 'endpoint'],
      [{ input_file_id: fineTune.id, endpoint: '/v1/chat/completions', completion_window: '1h' }, 'completion_window'],
    ] as const) {
      const refused = await api().post('/v1/batches', key.key, body);
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(errorOf(refused).param, param);
    }
    const theirBatch = await other.openai.batches.create({ input_file_id: theirs.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    assert.equal((await api().get(`/v1/batches/${theirBatch.id}`, key.key)).status, 404);
    assert.equal((await api().post(`/v1/batches/${theirBatch.id}/cancel`, key.key)).status, 404);
  });

  test('a viewer reads the project\'s batches but cannot create or cancel one', async () => {
    const { user, openai } = await setUp();
    const viewer = await signUp(api(), 'viewer');
    const viewers = await api().post(`/v1/projects/${user.project.id}/groups`, user.token, { name: 'viewers', role: 'viewer' });
    await addMember(api(), user, user.org.id, viewer, { projects: [{ project_id: user.project.id, group_id: viewers.body.id }] });
    const file = await upload(openai, [chatLine('v')]);
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const headers = { 'openai-project': user.project.id };
    assert.equal((await api().request('GET', `/v1/batches/${batch.id}`, { token: viewer.token, headers })).status, 200);
    assert.equal((await api().request('GET', '/v1/batches', { token: viewer.token, headers })).status, 200);
    const create = await api().request('POST', '/v1/batches', { token: viewer.token, headers, body: { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' } });
    assert.equal(create.status, 403);
    assert.equal((await api().request('POST', `/v1/batches/${batch.id}/cancel`, { token: viewer.token, headers, body: {} })).status, 403);
  });

  test('a spent hard budget refuses a batch\'s lines as it refuses interactive calls: each line in the error file as budget_exceeded, none sent', async () => {
    const { user, openai } = await setUp();
    const budget = await api().post(`/v1/projects/${user.project.id}/budgets`, user.token, { amount: 2, period: 'day', hard: true });
    assert.equal(budget.status, 201, JSON.stringify(budget.body));
    for (const content of ['spend-1', 'spend-2']) {
      await openai.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content }] });
    }
    await assert.rejects(openai.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'spend-3' }] }), (error: { status?: number }) => error.status === 429);

    const file = await upload(openai, [chatLine('over-1', 'priced'), chatLine('over-2', 'priced')]);
    const batch = await ended(openai, (await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 2, completed: 0, failed: 2 });
    const refused = await contentLines(openai, batch.error_file_id);
    assert.deepEqual(refused.map((l) => [l.custom_id, l.response.status_code, l.response.body.error.code]), [['over-1', 429, 'budget_exceeded'], ['over-2', 429, 'budget_exceeded']]);
    const sent = upstream.requests.filter((r) => String((r.body.messages as Array<{ content: string }>)[0]!.content).startsWith('over-'));
    assert.equal(sent.length, 0, 'no line reached the model');
  });

  test('a line the model server fails goes to the error file with the answer an interactive call would get; the rest to the output file', async () => {
    const { openai } = await setUp();
    const file = await upload(openai, [chatLine('good'), chatLine('bad', 'broken')]);
    const batch = await ended(openai, (await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 2, completed: 1, failed: 1 });
    assert.deepEqual((await contentLines(openai, batch.output_file_id)).map((l) => l.custom_id), ['good']);
    const [failed] = await contentLines(openai, batch.error_file_id);
    assert.equal(failed.custom_id, 'bad');
    assert.equal(failed.response.status_code, 502);
    assert.equal(failed.response.body.error.code, 'upstream_error');
  });

  test('batch requests take only their share of the project\'s limit: interactive calls keep the rest; cancel then writes the partial output', async () => {
    await awayFromMinuteEnd();
    const { user, openai } = await setUp();
    await limitModel(user, 'limited', 4);
    const file = await upload(openai, Array.from({ length: 6 }, (_, i) => chatLine(`l${i}`, 'limited')));
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    // Half of 4 per minute: two lines go, the others wait for the next minute.
    await waitFor(async () => ((await openai.batches.retrieve(created.id)).request_counts?.completed === 2 ? true : undefined), 'two lines done');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const running = await openai.batches.retrieve(created.id);
    assert.equal(running.status, 'in_progress');
    assert.equal(running.request_counts?.completed, 2);
    const calls = [];
    for (let i = 0; i < 3; i += 1) calls.push(await openai.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'now' }] }).then(() => 200, (e: { status: number }) => e.status));
    assert.deepEqual(calls, [200, 200, 429], 'interactive calls get the two the batch left');

    const cancelling = await openai.batches.cancel(created.id);
    assert.equal(cancelling.status, 'cancelling');
    const batch = await ended(openai, created.id);
    assert.equal(batch.status, 'cancelled');
    assert.ok(batch.cancelled_at && batch.cancelling_at);
    assert.deepEqual(batch.request_counts, { total: 6, completed: 2, failed: 4 });
    // Lines go four at a time: which two of the first four the limiter let through is a matter of timing.
    const done = (await contentLines(openai, batch.output_file_id)).map((l) => l.custom_id);
    assert.equal(done.length, 2);
    const unsent = await contentLines(openai, batch.error_file_id);
    assert.deepEqual(unsent.map((l) => [l.error.code, l.response]), Array(4).fill(['batch_cancelled', null]));
    assert.deepEqual([...done, ...unsent.map((l) => l.custom_id)].sort(), ['l0', 'l1', 'l2', 'l3', 'l4', 'l5']);
    const again = await api().post(`/v1/batches/${created.id}/cancel`, user.token, {}, { 'openai-project': user.project.id });
    assert.equal(again.status, 409);
    assert.equal(errorOf(again).code, 'batch_not_cancellable');
    const events = await api().get(`/v1/organizations/${user.org.id}/audit_logs?resource_id=${created.id}`, user.token);
    assert.deepEqual(events.body.data.map((e: { type: string }) => e.type), ['batch.cancelled', 'batch.created']);
  });

  test('the command line creates a batch from a local file, lists, shows and downloads its output, and cancels', async () => {
    const { key, openai } = await setUp();
    const env = { url: await listen(server.tenantry), key: key.key };
    const dir = mkdtempSync(join(tmpdir(), 'tenantry-batch-cli-'));
    const input = join(dir, 'requests.jsonl');
    writeFileSync(input, jsonl([chatLine('cli-1'), chatLine('cli-2')]));
    const created = await tenantry(env, ['batches', 'create', '--input', input, '--metadata', 'team=search', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const batch = JSON.parse(created.stdout);
    assert.equal(batch.status, 'in_progress');
    assert.deepEqual(batch.metadata, { team: 'search' });
    await ended(openai, batch.id);
    const shown = await tenantry(env, ['batches', 'get', batch.id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /completed/);
    const listed = await tenantry(env, ['batches', 'list', '--json']);
    assert.deepEqual(JSON.parse(listed.stdout).data.map((b: { id: string }) => b.id), [batch.id]);
    const output = join(dir, 'results.jsonl');
    const downloaded = await tenantry(env, ['batches', 'download', batch.id, '-o', output]);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.deepEqual(readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line).custom_id), ['cli-1', 'cli-2']);
    const noErrors = await tenantry(env, ['batches', 'download', batch.id, '--errors']);
    assert.notEqual(noErrors.code, 0);
    assert.match(noErrors.stderr, /no error file/);
    const cancelled = await tenantry(env, ['batches', 'cancel', batch.id]);
    assert.notEqual(cancelled.code, 0);
    assert.match(cancelled.stderr, /already completed/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, jsonl([{ ...chatLine('x'), url: '/v1/embeddings' }]));
    const failed = await tenantry(env, ['batches', 'create', '--input', bad]);
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stderr, /line 1: url \/v1\/embeddings is not the batch's endpoint/);
  });

  test('archiving a project stops its batches: cancelled by the system, with what was done kept', async () => {
    await awayFromMinuteEnd();
    const { user } = await setUp();
    const project = await api().post(`/v1/organizations/${user.org.id}/projects`, user.token, { name: 'Archived soon' });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    const key = await api().post(`/v1/projects/${project.body.id}/api_keys`, user.token, { name: 'sdk' });
    const openai = new OpenAI({ apiKey: key.body.key, baseURL: `${await listen(server.tenantry)}/v1`, maxRetries: 0 });
    await limitModel({ ...user, project: project.body }, 'limited', 2);
    const file = await upload(openai, [chatLine('a0', 'limited'), chatLine('a1', 'limited'), chatLine('a2', 'limited')]);
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor(async () => ((await openai.batches.retrieve(created.id)).request_counts?.completed === 1 ? true : undefined), 'one line done');
    const archived = await api().post(`/v1/projects/${project.body.id}/archive`, user.token, {});
    assert.equal(archived.status, 200, JSON.stringify(archived.body));
    const headers = { 'openai-project': project.body.id };
    const batch = await waitFor(async () => {
      const current = (await api().get(`/v1/batches/${created.id}`, user.token, headers)).body;
      return current.status === 'cancelled' ? current : undefined;
    }, 'the batch to be cancelled');
    assert.deepEqual(batch.request_counts, { total: 3, completed: 1, failed: 2 });
    const events = await api().get(`/v1/organizations/${user.org.id}/audit_logs?resource_id=${created.id}`, user.token);
    const cancelled = events.body.data.find((e: { type: string }) => e.type === 'batch.cancelled');
    assert.equal(cancelled.actor.type, 'system');
    assert.equal(cancelled.data.reason, 'project_archived');
  });

  test('a batch not done within its completion window expires: what was done is kept, the rest is in the error file as batch_expired', async () => {
    await awayFromMinuteEnd();
    const { user, openai } = await setUp();
    await limitModel(user, 'limited', 2);
    const file = await upload(openai, [chatLine('e0', 'limited'), chatLine('e1', 'limited'), chatLine('e2', 'limited')]);
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor(async () => ((await openai.batches.retrieve(created.id)).request_counts?.completed === 1 ? true : undefined), 'one line done');
    clock.advance(24 * 3600 + 1);
    const batch = await ended(openai, created.id);
    assert.equal(batch.status, 'expired');
    assert.ok(batch.expired_at);
    assert.deepEqual(batch.request_counts, { total: 3, completed: 1, failed: 2 });
    // Lines start several at a time: which one the limiter let through is a matter of timing.
    const done = (await contentLines(openai, batch.output_file_id)).map((l) => l.custom_id);
    const unsent = await contentLines(openai, batch.error_file_id);
    assert.deepEqual(unsent.map((l) => l.error.code), ['batch_expired', 'batch_expired']);
    assert.deepEqual([...done, ...unsent.map((l) => l.custom_id)].sort(), ['e0', 'e1', 'e2']);
  });
});
