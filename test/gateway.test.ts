import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { ConfigFile } from '../src/config.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/worker.ts';

describeEachDatabase('inference gateway (through the openai SDK)', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = {};
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = ['chat-model', 'slow', 'broken', 'endless', 'embed-model', 'inline-usage', 'other-chat'].map((id) => ({ id, upstream: upstream.url }));
    config.models.push({ id: 'unreachable', upstream: 'http://127.0.0.1:9/v1' });
    config.rate_limits = { max_requests_per_1_minute: 1000, max_tokens_per_1_minute: 1_000_000, ceiling: { max_requests_per_1_minute: 5000, max_tokens_per_1_minute: 5_000_000 } };
  });
  after(async () => upstream?.close());
  const server = useTenantry(kind, { config, env: { TENANTRY_UPSTREAM_TIMEOUT_MS: '500' } });
  const api = () => new Api(server.tenantry.app);

  async function setUp() {
    const ann = await signUp(api(), 'ann');
    const key = await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'sdk' });
    const openai = new OpenAI({ apiKey: key.body.key, baseURL: `${await listen(server.tenantry)}/v1`, maxRetries: 0 });
    return { ann, key: key.body as { id: string; key: string }, openai };
  }

  test('a chat completion goes to the model\'s upstream and comes back with rate-limit headers; usage is counted', async () => {
    const { ann, key, openai } = await setUp();
    const { data, response } = await openai.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    assert.equal(data.choices[0]!.message.content, 'echo: hello');
    assert.equal(data.usage?.total_tokens, 12);
    for (const header of ['requests', 'tokens']) {
      assert.ok(response.headers.get(`x-ratelimit-limit-${header}`));
      assert.ok(response.headers.get(`x-ratelimit-remaining-${header}`));
      assert.match(response.headers.get(`x-ratelimit-reset-${header}`) ?? '', /^\d+s$/);
    }
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1000');
    const embedding = await openai.embeddings.create({ model: 'embed-model', input: 'x' });
    assert.deepEqual(embedding.data[0]!.embedding.map((x) => Math.round(x * 10) / 10), [0.1, 0.2, 0.3]);

    const start = Math.floor(Date.now() / 1000) - 3600;
    const usage = await waitFor(async () => {
      const page = await api().get(`/v1/projects/${ann.project.id}/usage?start_time=${start}&bucket_width=1d&group_by=model,api_key_id`, ann.token);
      const results = page.body.data.flatMap((b: { results: unknown[] }) => b.results);
      return results.length >= 2 ? page.body : undefined;
    }, 'usage to show', 2000);
    assert.equal(usage.object, 'page');
    assert.equal(usage.data[0].object, 'bucket');
    const chat = usage.data.flatMap((b: { results: Array<{ model: string }> }) => b.results).find((r: { model: string }) => r.model === 'chat-model');
    assert.deepEqual(chat, { project_id: null, api_key_id: key.id, model: 'chat-model', num_model_requests: 1, input_tokens: 5, output_tokens: 7, amount: { value: 0, currency: 'usd' } });
    const org = await api().get(`/v1/organizations/${ann.org.id}/usage?start_time=${start}&group_by=project_id`, ann.token);
    const total = org.body.data.flatMap((b: { results: unknown[] }) => b.results);
    assert.deepEqual(total, [{ project_id: ann.project.id, api_key_id: null, model: null, num_model_requests: 2, input_tokens: 8, output_tokens: 7, amount: { value: 0, currency: 'usd' } }]);
  });

  /** The project's usage per model, once `count` models show (usage shows within 2 seconds). */
  async function usageByModel(ann: { token: string; project: { id: string } }, count: number) {
    const start = Math.floor(Date.now() / 1000) - 3600;
    return waitFor(async () => {
      const page = await api().get(`/v1/projects/${ann.project.id}/usage?start_time=${start}&group_by=model`, ann.token);
      const results: Array<{ model: string; input_tokens: number; output_tokens: number }> = page.body.data.flatMap((b: { results: unknown[] }) => b.results);
      return results.length >= count ? new Map(results.map((r) => [r.model, r])) : undefined;
    }, 'usage', 2000);
  }

  test('a stream the client asked no usage of has choices[0] in every chunk, and its usage is still counted', async () => {
    const { ann, openai } = await setUp();
    const stream = await openai.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content: 'one two three' }], stream: true });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.ok(chunk.choices[0], `chunk ${chunks} has choices[0]: ${JSON.stringify(chunk)}`);
      assert.equal(chunk.usage, undefined);
      text += chunk.choices[0].delta?.content ?? '';
    }
    assert.equal(text, 'echo: one two three');
    assert.equal(chunks, 4);
    assert.deepEqual(upstream.requests.at(-1)?.body.stream_options, { include_usage: true }, 'the gateway asks the upstream for usage to meter');
    const usage = await usageByModel(ann, 1);
    assert.deepEqual(usage.get('chat-model'), { project_id: null, api_key_id: null, model: 'chat-model', num_model_requests: 1, input_tokens: 5, output_tokens: 4, amount: { value: 0, currency: 'usd' } });
  });

  test('a stream that asks for usage gets the final usage chunk with empty choices, as OpenAI sends it', async () => {
    const { ann, openai } = await setUp();
    const stream = await openai.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content: 'one two three' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.length, 5);
    assert.ok(chunks.slice(0, -1).every((c) => c.choices.length === 1 && !c.usage));
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.deepEqual(chunks.at(-1)!.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    const usage = await usageByModel(ann, 1);
    assert.equal(usage.get('chat-model')?.output_tokens, 4);
  });

  test('completions stream like chat; include_usage false, or usage on the last content chunk, still meter the tokens', async () => {
    const { ann, openai } = await setUp();
    const completion = await openai.completions.create({ model: 'chat-model', prompt: 'a b', stream: true });
    let text = '';
    for await (const chunk of completion) {
      assert.ok(chunk.choices[0], `every chunk has choices[0]: ${JSON.stringify(chunk)}`);
      text += chunk.choices[0].text;
    }
    assert.equal(text, 'echo: a b');

    const declined = await openai.chat.completions.create({ model: 'other-chat', messages: [{ role: 'user', content: 'x y' }], stream: true, stream_options: { include_usage: false } });
    for await (const chunk of declined) assert.ok(chunk.choices[0] && !chunk.usage);

    // A server that puts usage on its last content chunk: that chunk passes unchanged.
    const inline = await openai.chat.completions.create({ model: 'inline-usage', messages: [{ role: 'user', content: 'p q r s' }], stream: true });
    const chunks = [];
    for await (const chunk of inline) chunks.push(chunk);
    assert.equal(chunks.length, 5);
    assert.ok(chunks.every((c) => c.choices.length === 1));
    assert.deepEqual(chunks.at(-1)!.usage, { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });

    const usage = await usageByModel(ann, 3);
    assert.deepEqual([...usage.keys()].sort(), ['chat-model', 'inline-usage', 'other-chat']);
    assert.deepEqual([usage.get('chat-model')?.input_tokens, usage.get('chat-model')?.output_tokens], [5, 3]);
    assert.deepEqual([usage.get('other-chat')?.input_tokens, usage.get('other-chat')?.output_tokens], [5, 3]);
    assert.deepEqual([usage.get('inline-usage')?.input_tokens, usage.get('inline-usage')?.output_tokens], [5, 5]);
  });

  test('a malformed inference request is 400 naming the field, and never reaches the model server', async () => {
    const { key } = await setUp();
    const call = (path: string, body: unknown, token: string | undefined = key.key) => api().request('POST', path, { token, body });
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['/v1/chat/completions', { model: 'chat-model' }, 'messages'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [] }, 'messages'],
      ['/v1/chat/completions', { model: 'chat-model', messages: 'hello' }, 'messages'],
      ['/v1/chat/completions', { model: 'chat-model', messages: ['hello'] }, 'messages.0'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ content: 'hello' }] }, 'messages.0.role'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }] }, 'messages.1.role'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user' }] }, 'messages.0.content'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: [{ text: 'no type' }] }] }, 'messages.0.content'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'tool', content: 'result' }] }, 'messages.0.tool_call_id'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, 'temperature'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], top_p: 1.5 }, 'top_p'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], n: 0 }, 'n'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 }, 'max_tokens'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 0 }, 'max_completion_tokens'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], stream_options: true }, 'stream_options'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage'],
      ['/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }], stop: [1] }, 'stop'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, 'model'],
      ['/v1/completions', { model: 'chat-model' }, 'prompt'],
      ['/v1/completions', { model: 'chat-model', prompt: { text: 'x' } }, 'prompt'],
      ['/v1/completions', { model: 'chat-model', prompt: [1.5] }, 'prompt'],
      ['/v1/completions', { model: 'chat-model', prompt: 'x', n: -1 }, 'n'],
      ['/v1/embeddings', { model: 'embed-model' }, 'input'],
      ['/v1/embeddings', { model: 'embed-model', input: 7 }, 'input'],
      ['/v1/embeddings', { model: 'embed-model', input: [] }, 'input'],
    ];
    const before = upstream.requests.length;
    for (const [path, body, param] of cases) {
      const answer = await call(path, body);
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual({ type: errorOf(answer).type, param: errorOf(answer).param }, { type: 'invalid_request_error', param }, `${path} ${JSON.stringify(body)}`);
    }
    // The shape is checked after credentials and before the model is looked up.
    assert.equal((await call('/v1/chat/completions', { model: 'chat-model' }, 'tnt_key_nonsense')).status, 401);
    const unknownModel = await call('/v1/chat/completions', { model: 'no-such-model', messages: [] });
    assert.deepEqual([unknownModel.status, errorOf(unknownModel).param], [400, 'messages']);
    assert.equal(upstream.requests.length, before, 'no malformed request reached the model server');

    // What OpenAI takes passes, and fields the gateway does not know reach the model server as sent.
    const good: Array<[string, Record<string, unknown>]> = [
      ['/v1/chat/completions', {
        model: 'chat-model',
        messages: [
          { role: 'developer', content: 'be brief' },
          { role: 'system', content: [{ type: 'text', text: 'and kind' }] },
          { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'data:,' } }], name: 'ann' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', content: '42', tool_call_id: 'c1' },
          { role: 'function', content: null, name: 'f' },
          { role: 'user', content: 'x' },
        ],
        temperature: null, top_p: 1, n: 1, max_tokens: null, max_completion_tokens: 16, stop: ['\n'], stream: false, top_k: 40, repetition_penalty: 1.1,
      }],
      ['/v1/completions', { model: 'chat-model', prompt: [[1, 2], [3]], max_tokens: 0, stop: 'x' }],
      ['/v1/completions', { model: 'chat-model', prompt: ['a', 'b'] }],
      ['/v1/embeddings', { model: 'embed-model', input: [1, 2, 3], encoding_format: 'float' }],
    ];
    for (const [path, body] of good) {
      const answer = await call(path, body);
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(upstream.requests.at(-1)?.body, body, 'the body reaches the model server as sent');
    }
  });

  test('a client that goes away mid-stream aborts the upstream request', async () => {
    const { key } = await setUp();
    const before = upstream.abandoned;
    const abort = new AbortController();
    const response = await fetch(`${await listen(server.tenantry)}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'endless', stream: true, messages: [{ role: 'user', content: 'go' }] }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await waitFor(async () => (upstream.abandoned > before ? true : undefined), 'the upstream request to be aborted', 3000);
  });

  test('unknown models are 404, refused models 403 naming project and model; viewers cannot call models', async () => {
    const { ann, openai } = await setUp();
    await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), (e: { status: number }) => e.status === 404);
    const set = await api().post(`/v1/projects/${ann.project.id}/model_permissions`, ann.token, { mode: 'allow_list', model_ids: ['embed-model'] });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, { object: 'project.model_permissions', project_id: ann.project.id, mode: 'allow_list', model_ids: ['embed-model'] });
    await assert.rejects(openai.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content: 'x' }] }), (e: { status: number; error: { message: string } }) => {
      assert.equal(e.status, 403);
      assert.ok(e.error.message.includes(ann.project.id) && e.error.message.includes('chat-model'));
      return true;
    });
    assert.ok(await openai.embeddings.create({ model: 'embed-model', input: 'x' }));
    await api().post(`/v1/projects/${ann.project.id}/model_permissions`, ann.token, { mode: 'deny_list', model_ids: ['embed-model'] });
    assert.ok(await openai.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content: 'x' }] }));
    await assert.rejects(openai.embeddings.create({ model: 'embed-model', input: 'x' }), (e: { status: number }) => e.status === 403);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}/model_permissions`, ann.token)).body.mode, 'deny_list');

    const vic = await signUp(api(), 'vic');
    const viewers = (await api().post(`/v1/projects/${ann.project.id}/groups`, ann.token, { name: 'viewers', role: 'viewer' })).body;
    await addMember(api(), ann, ann.org.id, vic, { projects: [{ project_id: ann.project.id, group_id: viewers.id }] });
    const viewerCall = await api().request('POST', '/v1/chat/completions', { token: vic.token, body: { model: 'chat-model', messages: [{ role: 'user', content: 'x' }] }, headers: { 'openai-project': ann.project.id } });
    assert.equal(viewerCall.status, 403);
    assert.equal((await api().post(`/v1/projects/${ann.project.id}/model_permissions`, vic.token, { mode: 'allow_list', model_ids: [] })).status, 403);
    const viewerRead = await api().get(`/v1/projects/${ann.project.id}/model_permissions`, vic.token);
    assert.equal(viewerRead.status, 403, 'the policy is for project admins to read as well as to set');
    assert.match(viewerRead.body.error.message, /model_permissions\.write/);
    const stranger = await setUp();
    const crossProject = await api().request('POST', '/v1/chat/completions', { token: stranger.key.key, body: { model: 'chat-model', messages: [{ role: 'user', content: 'x' }] }, headers: { 'openai-project': ann.project.id } });
    assert.equal(crossProject.status, 404);
  });

  test('past its rate limit a project gets 429 with Retry-After; limits cannot exceed the ceiling', async () => {
    const { ann, openai } = await setUp();
    const set = await api().post(`/v1/projects/${ann.project.id}/rate_limits/${encodeURIComponent('chat-model')}`, ann.token, { max_requests_per_1_minute: 2 });
    assert.equal(set.status, 200);
    assert.equal(set.body.max_requests_per_1_minute, 2);
    assert.equal(set.body.max_tokens_per_1_minute, 1_000_000);
    const listed = await api().get(`/v1/projects/${ann.project.id}/rate_limits`, ann.token);
    assert.equal(listed.body.data.find((l: { model: string }) => l.model === 'chat-model').max_requests_per_1_minute, 2);
    for (let i = 0; i < 2; i += 1) await openai.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content: 'x' }] });
    const limited = await api().request('POST', '/v1/chat/completions', { token: (await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k2' })).body.key, body: { model: 'chat-model', messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.type, 'rate_limit_error');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(limited.headers['x-ratelimit-remaining-requests'], '0');
    const above = await api().post(`/v1/projects/${ann.project.id}/rate_limits/chat-model`, ann.token, { max_tokens_per_1_minute: 9_000_000 });
    assert.equal(above.status, 400);
    assert.equal(above.body.error.param, 'max_tokens_per_1_minute');
  });

  test('upstream failures answer 502 and timeouts 504, in the error shape', async () => {
    const { openai } = await setUp();
    for (const [model, status] of [['broken', 502], ['unreachable', 502], ['slow', 504]] as const) {
      await assert.rejects(openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }), (e: { status: number; error: { type: string } }) => {
        assert.equal(e.status, status, model);
        assert.equal(e.error.type, 'api_error');
        return true;
      });
    }
  });

  test('usage is read by org admins and billing managers; members read their project\'s', async () => {
    const { ann } = await setUp();
    const bob = await signUp(api(), 'bob');
    const cid = await signUp(api(), 'cid');
    const members = await groupNamed(api(), ann.token, `/v1/projects/${ann.project.id}`, 'members');
    const billing = await groupNamed(api(), ann.token, `/v1/organizations/${ann.org.id}`, 'billing_managers');
    await addMember(api(), ann, ann.org.id, bob, { projects: [{ project_id: ann.project.id, group_id: members.id }] });
    await addMember(api(), ann, ann.org.id, cid, { group_ids: [billing.id] });
    const path = `/v1/organizations/${ann.org.id}/usage?start_time=0`;
    assert.equal((await api().get(path, cid.token)).status, 200);
    assert.equal((await api().get(path, bob.token)).status, 403);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}/usage?start_time=0`, bob.token)).status, 200);
    assert.equal((await api().get(`/v1/projects/${ann.project.id}/usage?start_time=0&group_by=colour`, bob.token)).status, 400);
  });
});

const REDIS_URL = process.env.TENANTRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describeEachDatabase('rate limits shared through Redis by two instances', (kind) => {
  test('two instances with REDIS_URL share one limit', async (t) => {
    const { Redis } = await import('ioredis');
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const reachable = await probe.connect().then(() => true, () => false);
    probe.disconnect();
    if (!reachable) {
      if (process.env.CI === 'true') assert.fail(`Redis is not reachable at ${REDIS_URL}`);
      t.skip(`Redis is not reachable at ${REDIS_URL}`);
      return;
    }
    const upstream = await startFakeUpstream();
    const database = await kind.create();
    const shared: ConfigFile = { models: [{ id: 'chat-model', upstream: upstream.url }], rate_limits: { max_requests_per_1_minute: 3 } };
    const { startTenantry } = await import('./helpers/server.ts');
    const first = await startTenantry(database, { config: shared, env: { REDIS_URL } });
    const second = await startTenantry(database, { config: shared, env: { REDIS_URL } });
    try {
      const ann = await signUp(new Api(first.app), 'ann');
      const key = (await new Api(first.app).post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key;
      const call = (app: typeof first.app) => new Api(app).request('POST', '/v1/chat/completions', { token: key, body: { model: 'chat-model', messages: [{ role: 'user', content: 'x' }] } });
      const statuses = [];
      for (const app of [first.app, second.app, first.app, second.app]) statuses.push((await call(app)).status);
      assert.deepEqual(statuses, [200, 200, 200, 429], 'the fourth request is over the shared limit of 3');
    } finally {
      await first.close();
      await second.close();
      await database.drop();
      await upstream.close();
    }
  });
});

describeEachDatabase('usage on shutdown', (kind) => {
  test('usage still in memory is written when the server closes cleanly', async () => {
    const upstream = await startFakeUpstream();
    const database = await kind.create();
    const { startTenantry } = await import('./helpers/server.ts');
    const cfg: ConfigFile = { models: [{ id: 'chat-model', upstream: upstream.url }] };
    let tenantry = await startTenantry(database, { config: cfg });
    try {
      const api = new Api(tenantry.app);
      const ann = await signUp(api, 'ann');
      for (let i = 0; i < 3; i += 1) {
        assert.equal((await api.request('POST', '/v1/chat/completions', { token: ann.token, headers: { 'openai-project': ann.project.id }, body: { model: 'chat-model', messages: [{ role: 'user', content: 'x' }] } })).status, 200);
      }
      await tenantry.close();
      tenantry = await startTenantry(database, { config: cfg });
      const login = await new Api(tenantry.app).post('/v1/auth/login', undefined, { email: ann.user.email, password: 'correct horse battery' });
      const usage = await new Api(tenantry.app).get(`/v1/projects/${ann.project.id}/usage?start_time=0`, login.body.session_token);
      assert.equal(usage.body.data[0].results[0].num_model_requests, 3);
    } finally {
      await tenantry.close();
      await database.drop();
      await upstream.close();
    }
  });
});
