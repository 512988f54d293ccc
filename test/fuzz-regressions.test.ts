import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { useTenantry } from './helpers/server.ts';

/**
 * Requests the fuzzer (test/fuzz.test.ts) found answered with a 5xx, each kept as it was found
 * (shortened where that changes nothing), with the answer it must get instead.
 */
describeEachDatabase('requests the fuzzer found', (kind) => {
  const models = [
    { id: 'meta/Llama', upstream: 'http://127.0.0.1:9/v1' },
    { id: 'rate%limited', upstream: 'http://127.0.0.1:9/v1' },
  ];
  const server = useTenantry(kind, { config: { models } });
  const api = () => new Api(server.tenantry.app);

  // Found as GET /v1/models/q%25%23%5EI.%3EL: the router decodes the path once; decoding it again
  // threw on the `%` it had just decoded (500), and made `%` in a model id reachable only encoded twice.
  test('a model id holding a percent sign is decoded once: unknown is 404, known is found', async () => {
    const ann = await signUp(api(), 'ann');
    const inProject = { 'openai-project': ann.project.id };
    const unknown = await api().get('/v1/models/q%25%23%5EI.%3EL', ann.token, inProject);
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.equal(errorOf(unknown).type, 'not_found_error');
    const known = await api().get('/v1/models/rate%25limited', ann.token, inProject);
    assert.equal(known.status, 200, JSON.stringify(known.body));
    assert.equal(known.body.id, 'rate%limited');
    const slashed = await api().get('/v1/models/meta%2FLlama', ann.token, inProject);
    assert.equal(slashed.status, 200, JSON.stringify(slashed.body));
    assert.equal(slashed.body.id, 'meta/Llama');
  });

  test('a rate limit for a model id holding a percent sign is set on that model, and a stray percent is no 500', async () => {
    const ann = await signUp(api(), 'ann');
    const limits = { max_requests_per_1_minute: 5, max_tokens_per_1_minute: 500 };
    const set = await api().post(`/v1/projects/${ann.project.id}/rate_limits/rate%25limited`, ann.token, limits);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.model, 'rate%limited');
    const listed = await api().get(`/v1/projects/${ann.project.id}/rate_limits`, ann.token);
    assert.ok(JSON.stringify(listed.body).includes('rate%limited'), JSON.stringify(listed.body));
    const stray = await api().post(`/v1/projects/${ann.project.id}/rate_limits/q%25%23`, ann.token, limits);
    assert.ok(stray.status >= 400 && stray.status < 500, `${stray.status} ${JSON.stringify(stray.body)}`);
    errorOf(stray);
  });
});
