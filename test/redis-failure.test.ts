import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { ConfigError, parseConfigFile, type ConfigFile } from '../src/config.ts';
import type { Tenantry } from '../src/server.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { startServerProcess } from './helpers/server-process.ts';
import { startTenantry } from './helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';

/**
 * Redis holds the shared rate-limit counters. It going away (here: a proxy in front of it is cut; the
 * real Redis keeps running for everyone else) must not stop the server: a stream in progress ends
 * normally, later requests are served per instance (fail_open) or refused with 503 (fail_closed),
 * /healthz says so, and when Redis is back the counters are shared again.
 */

const REDIS = new URL(process.env.TENANTRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

async function redisReachable(t: TestContext): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(REDIS.toString(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const reachable = await probe.connect().then(() => true, () => false);
  probe.disconnect();
  if (reachable) return true;
  if (process.env.CI === 'true') assert.fail(`Redis is not reachable at ${REDIS}`);
  t.skip(`Redis is not reachable at ${REDIS}`);
  return false;
}

/** The limits count per minute: start a scenario with enough of the minute left to finish inside it. */
async function awayFromMinuteTurn(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 30_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Collects unhandled rejections, which are what used to kill the server when Redis went away. */
function watchUnhandledRejections() {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  before(() => void process.on('unhandledRejection', listener));
  after(() => void process.off('unhandledRejection', listener));
  return seen;
}

const chat = (model: string, stream = false) => ({ model, stream, messages: [{ role: 'user', content: 'hello there' }] });

/** A streamed chat completion to the `held` model: answers once its first chunk has arrived. */
async function startHeldStream(baseUrl: string, key: string) {
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat('held', true)),
  });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value);
  assert.match(text, /^data: /, 'the first chunk arrived');
  return {
    /** Reads the stream to its end and answers everything it carried. */
    async rest(): Promise<string> {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value);
      }
    },
  };
}

/** A fake model server and a cuttable proxy in front of the real Redis, for the suite that calls it. */
function useUpstreamAndRedisProxy(): { upstream: FakeUpstream; proxy: TcpProxy } {
  const peers = {} as { upstream: FakeUpstream; proxy: TcpProxy };
  before(async () => {
    peers.upstream = await startFakeUpstream();
    peers.proxy = await startTcpProxy(REDIS.hostname, Number(REDIS.port || 6379));
  });
  after(async () => {
    await peers.proxy?.close();
    await peers.upstream?.close();
  });
  return peers;
}

describeEachDatabase('Redis going away under fail_open (the default)', (kind) => {
  const rejections = watchUnhandledRejections();
  const peers = useUpstreamAndRedisProxy();

  test('a stream in progress ends normally, limits hold per instance while Redis is away, and are shared again once it is back', { timeout: 90_000 }, async (t) => {
    if (!(await redisReachable(t))) return;
    const { upstream, proxy } = peers;
    const database = await kind.create();
    const config: ConfigFile = { models: ['chat-model', 'held'].map((id) => ({ id, upstream: upstream.url })), rate_limits: { max_requests_per_1_minute: 4 } };
    const env = { REDIS_URL: `redis://127.0.0.1:${proxy.port}` };
    const first: Tenantry = await startTenantry(database, { config, env });
    const second: Tenantry = await startTenantry(database, { config, env });
    try {
      const [a, b] = [new Api(first.app), new Api(second.app)];
      const ann = await signUp(a, 'ann');
      const key = (await a.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' })).body.key as string;
      const call = (api: Api) => api.request('POST', '/v1/chat/completions', { token: key, body: chat('chat-model') });
      const health = async (api: Api) => {
        const answer = await api.get('/healthz');
        assert.equal(answer.status, 200, 'healthz answers 200 while the database answers, Redis or not');
        return answer.body;
      };
      assert.deepEqual((await health(a)).checks, { database: 'ok', redis: 'ok' });

      await awayFromMinuteTurn();
      const stream = await startHeldStream(await listen(first), key);
      proxy.cut();
      upstream.releaseHeld();
      const streamed = await stream.rest();
      assert.ok(streamed.trimEnd().endsWith('data: [DONE]'), 'the stream ran to its end');
      assert.ok(!streamed.includes('"error"'), streamed);

      // Both instances lost Redis: each counts on its own, and its own limit of 4 still holds.
      for (let i = 0; i < 4; i += 1) assert.equal((await call(a)).status, 200, `request ${i + 1} on the first instance`);
      const over = await call(a);
      assert.equal(over.status, 429, 'the fifth request on the same instance is over the limit');
      assert.equal((await call(b)).status, 200, 'the other instance counts its own requests');
      const degraded = await health(a);
      assert.equal(degraded.status, 'degraded');
      assert.deepEqual(degraded.checks, { database: 'ok', redis: 'degraded' });
      assert.equal(degraded.rate_limiter.policy, 'fail_open');
      assert.ok(degraded.rate_limiter.redis_failures_total >= 1, JSON.stringify(degraded));
      assert.ok(degraded.rate_limiter.fallback_decisions_total >= 5, JSON.stringify(degraded));
      assert.equal(degraded.rate_limiter.refused_decisions_total, 0);

      proxy.restore();
      for (const api of [a, b]) await eventually('Redis to be used again', async () => ((await health(api)).checks.redis === 'ok' ? true : undefined));
      // Shared again: nothing was counted in Redis while it was away, and the two instances now add up.
      const statuses = [];
      for (const api of [a, b, a, b, a]) statuses.push((await call(api)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429], 'the fifth request, across both instances, is over the shared limit of 4');
      assert.deepEqual(rejections, [], 'no promise was left to reject unhandled');
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });

  test('a Redis that stops answering without closing its connection does not hold requests; it is used again once it answers', { timeout: 60_000 }, async (t) => {
    if (!(await redisReachable(t))) return;
    const { upstream, proxy } = peers;
    const database = await kind.create();
    const config: ConfigFile = { models: [{ id: 'chat-model', upstream: upstream.url }] };
    const tenantry = await startTenantry(database, { config, env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
    try {
      const api = new Api(tenantry.app);
      const ann = await signUp(api, 'ann');
      const call = () => api.request('POST', '/v1/chat/completions', { token: ann.token, headers: { 'openai-project': ann.project.id }, body: chat('chat-model') });
      assert.equal((await call()).status, 200);
      proxy.silence();
      // Each would wait forever on a queued or unanswered command; they are answered, counted per instance.
      for (let i = 0; i < 3; i += 1) assert.equal((await call()).status, 200);
      const degraded = (await api.get('/healthz')).body;
      assert.equal(degraded.checks.redis, 'degraded');
      assert.ok(degraded.rate_limiter.fallback_decisions_total >= 3, JSON.stringify(degraded));
      proxy.restore();
      await eventually('Redis to be used again', async () => ((await api.get('/healthz')).body.checks.redis === 'ok' ? true : undefined));
      const before = (await api.get('/healthz')).body.rate_limiter.fallback_decisions_total;
      assert.equal((await call()).status, 200);
      assert.equal((await api.get('/healthz')).body.rate_limiter.fallback_decisions_total, before, 'decided with Redis again');
      assert.deepEqual(rejections, [], 'no promise was left to reject unhandled');
    } finally {
      await tenantry.close();
      await database.drop();
    }
  });
});

describeEachDatabase('Redis going away under fail_closed', (kind) => {
  const peers = useUpstreamAndRedisProxy();

  test('the server process keeps serving: inference answers 503 rate_limiter_unavailable until Redis is back; it logs each change once', { timeout: 60_000 }, async (t) => {
    if (!(await redisReachable(t))) return;
    const { upstream, proxy } = peers;
    const database = await kind.create();
    const server = await startServerProcess({
      dataDir: mkdtempSync(join(tmpdir(), 'tenantry-redis-')),
      ...(kind.kind === 'postgres' ? { databaseUrl: database.url } : {}),
      config: { models: ['chat-model', 'held'].map((id) => ({ id, upstream: upstream.url })), rate_limits: { redis_unavailable: 'fail_closed' } },
      env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    });
    try {
      const json = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${server.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: {} };
      };
      const signup = await json('/v1/auth/signup', { method: 'POST', body: JSON.stringify({ email: `redis.${Date.now()}@example.test`, password: 'correct horse battery', name: 'ann' }) });
      assert.equal(signup.status, 201);
      const { session_token: token, project } = signup.body;
      const created = await json(`/v1/projects/${project.id}/api_keys`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'k' }) });
      const key = created.body.key as string;
      const call = () => json('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(chat('chat-model')) });
      assert.equal((await call()).status, 200);

      const stream = await startHeldStream(server.url, key);
      proxy.cut();
      upstream.releaseHeld();
      assert.ok((await stream.rest()).trimEnd().endsWith('data: [DONE]'), 'the stream admitted before Redis went away ran to its end');

      const refused = await call();
      assert.equal(refused.status, 503);
      assert.deepEqual({ ...errorOf(refused), message: undefined }, { message: undefined, type: 'api_error', param: null, code: 'rate_limiter_unavailable' });
      assert.equal((await call()).status, 503, 'still refused, and the server still answers');
      const health = await json('/healthz');
      assert.equal(health.status, 200);
      assert.deepEqual(health.body.checks, { database: 'ok', redis: 'degraded' });
      assert.ok(health.body.rate_limiter.refused_decisions_total >= 2, JSON.stringify(health.body));
      assert.equal(health.body.rate_limiter.fallback_decisions_total, 0);

      proxy.restore();
      await eventually('Redis to be used again', async () => ((await json('/healthz')).body.checks.redis === 'ok' ? true : undefined));
      assert.equal((await call()).status, 200);
      assert.equal(server.child.exitCode, null, 'the server process is alive');
      const lines = server.output().split('\n');
      assert.equal(lines.filter((line) => line.includes('rate-limit counters in Redis are unreachable')).length, 1, 'one line when Redis goes away, not one per request');
      assert.equal(lines.filter((line) => line.includes('rate-limit counters in Redis answer again')).length, 1, 'one line when it is back');
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

test('rate_limits.redis_unavailable takes fail_open or fail_closed, and nothing else', () => {
  assert.equal(parseConfigFile({ rate_limits: { redis_unavailable: 'fail_closed' } }).rate_limits?.redis_unavailable, 'fail_closed');
  assert.throws(() => parseConfigFile({ rate_limits: { redis_unavailable: 'sometimes' } }), (error: Error) => error instanceof ConfigError && error.message.includes('rate_limits.redis_unavailable'));
});
