import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConfigFile } from '../src/config.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { listen } from './helpers/listen.ts';
import { useTenantry } from './helpers/server.ts';
import { startFakeUpstream, type FakeUpstream } from './helpers/upstream.ts';

const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';
/** Low enough for a test to go over it. */
const REQUESTS_PER_MINUTE = 4;

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, the lines that carry a value. */
function parse(text: string): Series[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `an exposition line: ${line}`);
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one series named so whose labels include `labels`; 0 when there is none yet. */
function valueOf(series: Series[], name: string, labels: Record<string, string> = {}): number {
  const found = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `one series ${name} ${JSON.stringify(labels)}, not ${found.length}`);
  return found[0]?.value ?? 0;
}

describeEachDatabase('Prometheus metrics', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = { metrics: { token: METRICS_TOKEN } };
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = ['chat-model', 'held'].map((id) => ({ id, upstream: upstream.url }));
    config.rate_limits = { max_requests_per_1_minute: REQUESTS_PER_MINUTE, max_tokens_per_1_minute: 1_000_000 };
  });
  after(async () => upstream?.close());
  const server = useTenantry(kind, { config });
  const api = () => new Api(server.tenantry.app);

  async function scrape(): Promise<Series[]> {
    const response = await fetch(`${await listen(server.tenantry)}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  }

  async function projectWithKey() {
    const ann = await signUp(api(), 'metrics');
    const key = await api().post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' });
    assert.equal(key.status, 201);
    return { ann, key: key.body.key as string };
  }

  async function chat(key: string, model: string, stream = false): Promise<Response> {
    return fetch(`${await listen(server.tenantry)}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream }),
    });
  }

  test('/metrics answers 401 in the error shape without the metrics token or with a wrong one', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-of-some-length' }, { authorization: `Bearer ${METRICS_TOKEN}x` }, { authorization: METRICS_TOKEN }]) {
      const response = await api().get('/metrics', undefined, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(errorOf(response).code, 'invalid_metrics_token');
    }
    // A session or API key is not the metrics token either.
    const { ann, key } = await projectWithKey();
    assert.equal((await api().get('/metrics', ann.token)).status, 401);
    assert.equal((await api().get('/metrics', key)).status, 401);
  });

  test('requests are counted by route pattern and status, and timed; the raw URL is never a label', async () => {
    const { ann } = await projectWithKey();
    const before = await scrape();
    const route = { method: 'GET', route: '/v1/projects/:proj' };
    for (let i = 0; i < 3; i += 1) assert.equal((await api().get(`/v1/projects/${ann.project.id}`, ann.token)).status, 200);
    assert.equal((await api().get('/v1/projects/proj_doesnotexist', ann.token)).status, 404);
    assert.equal((await api().get('/v1/no/such/path', ann.token)).status, 404);
    const afterwards = await scrape();
    const moved = (labels: Record<string, string>) => valueOf(afterwards, 'tenantry_http_requests_total', labels) - valueOf(before, 'tenantry_http_requests_total', labels);
    assert.equal(moved({ ...route, status: '200' }), 3);
    assert.equal(moved({ ...route, status: '404' }), 1);
    assert.equal(moved({ method: 'GET', route: 'unmatched', status: '404' }), 1);
    const timed = (series: Series[]) => valueOf(series, 'tenantry_http_request_duration_seconds_count', route);
    assert.equal(timed(afterwards) - timed(before), 4);
    assert.ok(valueOf(afterwards, 'tenantry_http_request_duration_seconds_bucket', { ...route, le: '+Inf' }) >= 4);
    const text = afterwards.map((s) => JSON.stringify(s.labels)).join('\n');
    assert.ok(!text.includes(ann.project.id), 'no project id in a label');
    assert.ok(!text.includes('/v1/no/such/path'), 'no unknown path in a label');
  });

  test('gateway calls count their upstream latency, a stream its time to first token, and a 429 the refusal', async () => {
    const { key } = await projectWithKey();
    const before = await scrape();
    const whole = await chat(key, 'chat-model');
    assert.equal(whole.status, 200);
    await whole.json();
    const streamed = await chat(key, 'chat-model', true);
    assert.equal(streamed.status, 200);
    await streamed.text();
    // The limit is per project and model: two more go through, the fifth is refused.
    for (let i = 0; i < REQUESTS_PER_MINUTE - 2; i += 1) await (await chat(key, 'chat-model')).text();
    const refused = await chat(key, 'chat-model');
    assert.equal(refused.status, 429);
    await refused.text();

    const afterwards = await scrape();
    const moved = (name: string, labels: Record<string, string>) => valueOf(afterwards, name, labels) - valueOf(before, name, labels);
    const model = { model: 'chat-model' };
    assert.equal(moved('tenantry_gateway_upstream_requests_total', { ...model, outcome: '200' }), REQUESTS_PER_MINUTE);
    assert.equal(moved('tenantry_gateway_upstream_duration_seconds_count', model), REQUESTS_PER_MINUTE);
    assert.ok(moved('tenantry_gateway_upstream_duration_seconds_sum', model) > 0);
    assert.equal(moved('tenantry_gateway_time_to_first_token_seconds_count', model), 1);
    assert.equal(moved('tenantry_gateway_rate_limited_total', model), 1);
    const route = { method: 'POST', route: '/v1/chat/completions' };
    assert.equal(moved('tenantry_http_requests_total', { ...route, status: '200' }), REQUESTS_PER_MINUTE);
    assert.equal(moved('tenantry_http_requests_total', { ...route, status: '429' }), 1);
  });

  test('a stream being answered counts as in flight until it ends', async () => {
    const { key } = await projectWithKey();
    const idle = valueOf(await scrape(), 'tenantry_http_requests_in_flight');
    const stream = await chat(key, 'held', true);
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    await reader.read(); // the first word came: the stream is open and held
    assert.equal(valueOf(await scrape(), 'tenantry_http_requests_in_flight'), idle + 1);
    upstream.releaseHeld();
    while (!(await reader.read()).done) {
      // read to the end
    }
    // The close that ends the count comes as the last byte is written: wait for it.
    let inFlight = idle + 1;
    for (let i = 0; i < 50 && inFlight !== idle; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight = valueOf(await scrape(), 'tenantry_http_requests_in_flight');
    }
    assert.equal(inFlight, idle);
  });

  test('the limiter\'s Redis counters, the fine-tuning and batch queues and replica health are there, with the process metrics', async () => {
    const series = await scrape();
    const names = new Set(series.map((s) => s.name));
    for (const name of ['tenantry_rate_limiter_redis_failures_total', 'tenantry_rate_limiter_fallback_decisions_total', 'tenantry_rate_limiter_refused_decisions_total', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(names.has(name), name);
    }
    assert.equal(valueOf(series, 'tenantry_rate_limiter_redis_failures_total'), 0);
    assert.ok(!names.has('tenantry_rate_limiter_redis_up'), 'no Redis configured: no Redis gauge');
    for (const status of ['validating_files', 'queued', 'running']) assert.equal(valueOf(series, 'tenantry_fine_tuning_jobs', { status }), 0);
    for (const health of ['healthy', 'unhealthy']) assert.equal(valueOf(series, 'tenantry_endpoint_replicas', { health }), 0);
    assert.ok(names.has('tenantry_batches_active'));
    assert.equal(valueOf(series, 'tenantry_batches_active'), 0);
  });

  test('a gauge registered by another part of the system is read at each scrape', async () => {
    let depth = 3;
    server.tenantry.metrics.gauge({ name: 'tenantry_test_queue_depth', help: 'a queue', labelNames: ['status'], read: () => [{ labels: { status: 'queued' }, value: depth }] });
    assert.equal(valueOf(await scrape(), 'tenantry_test_queue_depth', { status: 'queued' }), 3);
    depth = 7;
    assert.equal(valueOf(await scrape(), 'tenantry_test_queue_depth', { status: 'queued' }), 7);
  });
});

describeEachDatabase('Prometheus metrics without a token configured', (kind) => {
  const server = useTenantry(kind);
  test('/metrics is off: 404 in the error shape, whatever the caller sends', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer anything-of-some-length-here' }]) {
      const response = await new Api(server.tenantry.app).get('/metrics', undefined, headers);
      assert.equal(response.status, 404);
      assert.equal(errorOf(response).type, 'not_found_error');
    }
  });
});

describe('metrics configuration', () => {
  test('a metrics token shorter than 16 characters stops the start', async () => {
    const { loadConfig, parseConfigFile } = await import('../src/config.ts');
    assert.throws(() => loadConfig({ TENANTRY_METRICS_TOKEN: 'short' }), /TENANTRY_METRICS_TOKEN, or metrics\.token\) must have at least 16 characters/);
    assert.throws(() => parseConfigFile({ metrics: { token: 'short' } }), /metrics\.token: a metrics token has at least 16 characters/);
    assert.equal(loadConfig({ TENANTRY_METRICS_TOKEN: 'x'.repeat(16) }, { metrics: { token: 'y'.repeat(16) } }).metricsToken, 'x'.repeat(16));
  });
});

describeEachDatabase('Prometheus metrics while Redis is unreachable', (kind) => {
  let upstream: FakeUpstream;
  const config: ConfigFile = { metrics: { token: METRICS_TOKEN } };
  before(async () => {
    upstream = await startFakeUpstream();
    config.models = [{ id: 'chat-model', upstream: upstream.url }];
  });
  after(async () => upstream?.close());
  // Nothing listens on port 9 of the loopback: the limiter starts degraded and counts per instance.
  const server = useTenantry(kind, { config, env: { REDIS_URL: 'redis://127.0.0.1:9' } });

  test('the limiter\'s Redis failures and its fallback decisions move, and Redis shows down', async () => {
    const api = new Api(server.tenantry.app);
    const scrapeNow = async () => {
      const response = await api.get('/metrics', undefined, { authorization: `Bearer ${METRICS_TOKEN}` });
      assert.equal(response.status, 200);
      return parse(response.body);
    };
    const before = await scrapeNow();
    const ann = await signUp(api, 'redisless');
    const key = await api.post(`/v1/projects/${ann.project.id}/api_keys`, ann.token, { name: 'k' });
    const answer = await api.post('/v1/chat/completions', key.body.key, { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(answer.status, 200);
    const afterwards = await scrapeNow();
    assert.ok(valueOf(afterwards, 'tenantry_rate_limiter_redis_failures_total') >= 1);
    assert.ok(valueOf(afterwards, 'tenantry_rate_limiter_fallback_decisions_total') > valueOf(before, 'tenantry_rate_limiter_fallback_decisions_total'));
    assert.equal(valueOf(afterwards, 'tenantry_rate_limiter_redis_up'), 0);
  });
});
