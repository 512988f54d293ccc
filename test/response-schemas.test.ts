import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { z } from 'zod';
import { loadConfig } from '../src/config.ts';
import { handleError } from '../src/http/errors.ts';
import { checkingSerializer, plainSerializer } from '../src/http/response-check.ts';
import { PUBLIC } from '../src/http/route-access.ts';
import { refusals } from '../src/http/schemas/envelopes.ts';
import { userObject } from '../src/http/schemas/objects.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { useTenantry } from './helpers/server.ts';

/** Answers whose bytes are not JSON the server builds: file contents and the model servers' own answers. */
const PASS_THROUGH = [
  'GET /v1/files/:file_id/content',
  'GET /v1/workers/jobs/:job_id/files/:file_id/content',
  'POST /v1/chat/completions',
  'POST /v1/completions',
  'POST /v1/embeddings',
];

const isOpen = (schema: unknown) => schema instanceof z.ZodUnknown || schema instanceof z.ZodAny;

describeEachDatabase('Response schemas', (kind) => {
  const server = useTenantry(kind);

  test('every route declares the schema of its success answer (2xx, or 3xx for a redirect), and only byte streams leave it open', () => {
    const routes = server.tenantry.app.routeTable.filter((route) => !route.hidden && route.method !== 'HEAD');
    assert.ok(routes.length > 60, 'the routes were found');
    const withoutSuccess = routes
      .filter((route) => !Object.keys(route.responses ?? {}).some((status) => /^[23]\d\d$/.test(status)))
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(withoutSuccess, []);
    const open = routes
      .filter((route) => Object.entries(route.responses ?? {}).some(([status, schema]) => /^2\d\d$/.test(status) && isOpen(schema)))
      .map((route) => `${route.method} ${route.url}`)
      .sort();
    assert.deepEqual(open, [...PASS_THROUGH].sort());
  });

  test('answers are checked in tests: ordinary answers pass the check unchanged', async () => {
    assert.equal(server.tenantry.config.validateResponses, true);
    const api = new Api(server.tenantry.app);
    const ann = await signUp(api, 'checked');
    const me = await api.get('/v1/me', ann.token);
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.deepEqual(Object.keys(me.body).sort(), ['created_at', 'csrf_token', 'email', 'email_verification_enabled', 'email_verified', 'id', 'name', 'object', 'organizations']);
  });
});

describeEachDatabase('A route whose answer does not match its schema', (kind) => {
  const server = useTenantry(kind);
  before(() => {
    // A throwaway route on the real app (routes may still be added until its first request).
    server.tenantry.app.get(
      '/v1/test/mismatch',
      { config: { access: PUBLIC }, schema: { hide: true, response: { 200: userObject, ...refusals } } },
      async () => ({ id: 'user_x', object: 'user', email: 'a@example.com', email_verified: true, name: 'A', created_at: 1, password_hash: 'never sent' }),
    );
  });

  test('is answered 500 in the error shape, and the undeclared field is not sent', async () => {
    const response = await new Api(server.tenantry.app).get('/v1/test/mismatch');
    assert.equal(response.status, 500);
    assert.deepEqual(errorOf(response), { message: 'The server failed to handle this request.', type: 'api_error', param: null, code: 'internal_error' });
    assert.doesNotMatch(JSON.stringify(response.body), /never sent/);
  });
});

/** A bare app with the server's serializer and error handler, whose log lines the test reads. */
async function appWith(serializer: typeof checkingSerializer, answer: unknown) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'error', stream } });
  app.setSerializerCompiler(serializer);
  app.setErrorHandler(handleError);
  app.get('/v1/things/:id', { schema: { response: { 200: z.object({ id: z.string(), owner: z.object({ id: z.string(), name: z.string() }) }) } } }, async () => answer);
  await app.ready();
  return { app, lines };
}

describe('The response check', () => {
  test('a field the schema does not declare, however deep, is refused and logged naming the route and the field', async () => {
    const { app, lines } = await appWith(checkingSerializer, { id: 'x', owner: { id: 'u', name: 'U', secret: 's3cret' } });
    const response = await app.inject({ method: 'GET', url: '/v1/things/x' });
    assert.equal(response.statusCode, 500);
    assert.equal(response.json().error.code, 'internal_error');
    assert.doesNotMatch(response.body, /s3cret/);
    const line = lines.find((l) => l.route !== undefined);
    assert.ok(line, JSON.stringify(lines));
    assert.equal(line.route, 'GET /v1/things/:id (200)');
    assert.equal(line.field, 'owner.secret');
    assert.match(String(line.msg), /GET \/v1\/things\/:id \(200\).*owner\.secret.*does not declare/);
    await app.close();
  });

  test('a missing field or one of the wrong type is refused, naming it', async () => {
    for (const [answer, field] of [
      [{ id: 'x', owner: { id: 'u' } }, 'owner.name'],
      [{ id: 7, owner: { id: 'u', name: 'U' } }, 'id'],
    ] as const) {
      const { app, lines } = await appWith(checkingSerializer, answer);
      const response = await app.inject({ method: 'GET', url: '/v1/things/x' });
      assert.equal(response.statusCode, 500);
      assert.equal(lines.find((l) => l.route !== undefined)?.field, field);
      await app.close();
    }
  });

  test('a matching answer is sent as built', async () => {
    const { app, lines } = await appWith(checkingSerializer, { id: 'x', owner: { id: 'u', name: 'U' } });
    const response = await app.inject({ method: 'GET', url: '/v1/things/x' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { id: 'x', owner: { id: 'u', name: 'U' } });
    assert.deepEqual(lines, []);
    await app.close();
  });

  test('production skips the check: the answer goes out as the presenter built it', async () => {
    const { app } = await appWith(plainSerializer, { id: 'x', owner: { id: 'u', name: 'U' }, extra: true });
    const response = await app.inject({ method: 'GET', url: '/v1/things/x' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().extra, true);
    await app.close();
  });

  test('the check is on unless NODE_ENV is production, and http.validate_responses decides either way', () => {
    const env = { TENANTRY_SECRET: 'x' };
    assert.equal(loadConfig(env).validateResponses, true);
    assert.equal(loadConfig({ ...env, NODE_ENV: 'development' }).validateResponses, true);
    assert.equal(loadConfig({ ...env, NODE_ENV: 'production' }).validateResponses, false);
    assert.equal(loadConfig({ ...env, NODE_ENV: 'production' }, { http: { validate_responses: true } }).validateResponses, true);
    assert.equal(loadConfig(env, { http: { validate_responses: false } }).validateResponses, false);
  });
});
