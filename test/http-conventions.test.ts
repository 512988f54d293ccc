import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { useTenantry } from './helpers/server.ts';

describeEachDatabase('HTTP conventions', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);

  test('every route declares the permission it needs, or that it is public or open to any signed-in user', () => {
    const undeclared = server.tenantry.app.routeTable.filter((route) => route.access === undefined);
    assert.deepEqual(undeclared, []);
    assert.ok(server.tenantry.app.routeTable.length > 30);
    const publicRoutes = server.tenantry.app.routeTable
      .filter((r) => r.access && 'public' in r.access && !r.url.startsWith('/docs'))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    assert.deepEqual(publicRoutes, [
      'GET /healthz',
      'GET /openapi.json',
      'GET /v1/auth/sso/callback',
      'GET /v1/auth/sso/start',
      'HEAD /healthz',
      'HEAD /openapi.json',
      'HEAD /v1/auth/sso/callback',
      'HEAD /v1/auth/sso/start',
      'POST /v1/auth/login',
      'POST /v1/auth/signup',
      'POST /v1/auth/sso/token',
    ]);
  });

  test('a cursor that names nothing in the list is a 400 naming `after`, on every list', async () => {
    const ann = await signUp(api(), 'cursor');
    const group = await api().post(`/v1/organizations/${ann.org.id}/groups`, ann.token, { name: 'g', role: 'member' });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const project = { 'openai-project': ann.project.id };
    const lists = [
      '/v1/organizations',
      `/v1/organizations/${ann.org.id}/projects`,
      `/v1/organizations/${ann.org.id}/members`,
      `/v1/organizations/${ann.org.id}/invitations`,
      `/v1/organizations/${ann.org.id}/service_accounts`,
      `/v1/organizations/${ann.org.id}/api_keys`,
      `/v1/organizations/${ann.org.id}/scim_tokens`,
      `/v1/organizations/${ann.org.id}/groups`,
      `/v1/organizations/${ann.org.id}/groups/${group.body.id}/members`,
      `/v1/organizations/${ann.org.id}/audit_logs`,
      `/v1/projects/${ann.project.id}/groups`,
      `/v1/projects/${ann.project.id}/api_keys`,
      '/v1/files',
      '/v1/datasets',
      '/v1/fine_tuning/jobs',
      '/v1/dedicated_endpoints',
    ];
    for (const list of lists) {
      const answer = await api().get(`${list}?after=nothing_here`, ann.token, project);
      assert.equal(answer.status, 400, `${list}: ${JSON.stringify(answer.body)}`);
      assert.equal(errorOf(answer).param, 'after', list);
    }
  });

  test('healthz answers 200 while the database answers', async () => {
    const response = await api().get('/healthz');
    assert.equal(response.status, 200);
  });

  test('healthz answers 503 in the error shape while the database does not answer, and 200 again once it does', async () => {
    const { store } = server.tenantry;
    const ping = store.ping;
    // The database going away, as the health check sees it: its ping fails.
    store.ping = async () => {
      throw new Error('connection refused');
    };
    try {
      const down = await api().get('/healthz');
      assert.equal(down.status, 503);
      assert.equal(errorOf(down).code, 'database_unavailable');
    } finally {
      store.ping = ping;
    }
    assert.equal((await api().get('/healthz')).status, 200);
  });

  test('/openapi.json is an OpenAPI 3.1 document of the routes and their request schemas; /docs renders it', async () => {
    const response = await api().get('/openapi.json');
    assert.equal(response.status, 200);
    assert.equal(response.body.openapi, '3.1.0');
    const signup = response.body.paths['/v1/auth/signup'].post;
    assert.deepEqual(Object.keys(signup.requestBody.content['application/json'].schema.properties).sort(), ['email', 'name', 'password']);
    assert.ok(response.body.paths['/v1/organizations/{org}/projects'].post);
    assert.ok(response.body.paths['/v1/projects/{proj}/groups/{grp}/members'].post);
    const docs = await api().get('/docs/');
    assert.equal(docs.status, 200);
    assert.match(String(docs.headers['content-type']), /text\/html/);
  });

  test('unknown paths, malformed JSON and oversized bodies all answer in the one error shape', async () => {
    const ann = await signUp(api(), 'ann');
    const unknown = await api().get('/v1/nothing-here', ann.token);
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown).type, 'not_found_error');

    const malformed = await api().request('POST', '/v1/organizations', { token: ann.token, rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(errorOf(malformed).type, 'invalid_request_error');

    const huge = await api().request('POST', '/v1/organizations', {
      token: ann.token,
      rawBody: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(huge.status, 413);
    assert.equal(errorOf(huge).type, 'invalid_request_error');
    assert.equal(errorOf(huge).code, 'payload_too_large');

    const notObject = await api().request('POST', '/v1/organizations', { token: ann.token, rawBody: '[1,2]', headers: { 'content-type': 'application/json' } });
    assert.equal(notObject.status, 400);
    errorOf(notObject);
  });

  test('credentials are checked before the request shape', async () => {
    const response = await api().request('POST', '/v1/organizations', { rawBody: '{bad json', headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 401);
    errorOf(response);
  });

  test('ids carry their type prefix and are never sequential', async () => {
    const a = await signUp(api(), 'a');
    const b = await signUp(api(), 'b');
    for (const [value, prefix] of [[a.user.id, 'user_'], [a.org.id, 'org_'], [a.project.id, 'proj_']] as const) {
      assert.ok(value.startsWith(prefix), value);
    }
    assert.notEqual(a.user.id.slice(0, 10), b.user.id.slice(0, 10));
  });
});
