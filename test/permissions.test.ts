import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PERMISSION_NAMES, type Permission } from '../src/access/permissions.ts';
import type { RouteAccess } from '../src/http/route-access.ts';
import type { Authorizer } from '../src/services/authorizer.ts';
import { USE_CASE_NAMES, USE_CASES, type UseCase } from '../src/services/use-cases.ts';
import { Api, errorOf, signUp } from './helpers/client.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { addMember, groupNamed } from './helpers/organizations.ts';
import { useTenantry } from './helpers/server.ts';

const ROOT = join(import.meta.dirname, '..');
const sourcesUnder = (folder: string): Array<{ path: string; text: string }> =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ path: join(folder, name), text: readFileSync(join(ROOT, folder, name), 'utf8') }));

/** `apiKeys.createForProject` -> `api_keys.create_for_project`: a use case is named after its service method. */
const useCaseNameOf = (service: string, method: string) => `${service}.${method}`.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isGroupUseCase = (name: string) => /^(organization|project)_groups\./.test(name);

/**
 * Checked by `tsc --noEmit`: the authorizer takes a use case, never a bare permission, so a service
 * cannot check a permission other than the one its use case names in use-cases.ts.
 */
type AuthorizerTakes = Parameters<Authorizer['project']>[2] | Parameters<Authorizer['organization']>[2];
type BarePermissionsTaken = Extract<Exclude<Permission, UseCase>, AuthorizerTakes>;
const takesNoBarePermission: [BarePermissionsTaken] extends [never] ? true : BarePermissionsTaken = true;
void takesNoBarePermission;

describeEachDatabase('one source for permissions', (kind) => {
  const server = useTenantry(kind);
  const api = () => new Api(server.tenantry.app);
  const declared = () =>
    server.tenantry.app.routeTable.flatMap((route) => {
      const access = route.access as RouteAccess | undefined;
      return access && 'permission' in access ? [{ route: `${route.method} ${route.url}`, ...access }] : [];
    });
  const permissionOfRoute = (method: string, url: string) => {
    const found = declared().find((r) => r.route === `${method} ${url}`);
    assert.ok(found, `no route ${method} ${url} that needs a permission`);
    return found.permission;
  };

  test('every route that needs a permission names the use case it calls, and needs exactly that use case\'s permission', () => {
    const routes = declared();
    assert.ok(routes.length > 50);
    for (const route of routes) {
      assert.ok(USE_CASE_NAMES.includes(route.useCase), `${route.route} names no use case`);
      assert.equal(route.permission, USE_CASES[route.useCase], route.route);
    }
  });

  test('each route declares the use case of the service method its handler calls', () => {
    const mismatched: string[] = [];
    for (const { path, text } of sourcesUnder('src/http/routes')) {
      // One chunk per route registration: what it declares and what its handler calls sit in it.
      for (const chunk of text.split(/\bapp\.(?:get|post|put|patch|delete)\(/).slice(1)) {
        const named = [...chunk.matchAll(/needs\('([a-z_.]+)'\)/g)].map((m) => m[1]!);
        if (named.length === 0) continue;
        const called = [...chunk.matchAll(/services\.([a-zA-Z]+)\.([a-zA-Z]+)\(/g)].map((m) => useCaseNameOf(m[1]!, m[2]!));
        for (const name of named) if (!called.includes(name)) mismatched.push(`${path}: needs('${name}') but calls ${called.join(', ') || 'no service'}`);
      }
    }
    assert.deepEqual(mismatched, []);
  });

  test('every use case is checked by its service, and every permission of the catalogue is needed by some use case', () => {
    const services = sourcesUnder('src/services').filter((f) => !f.path.endsWith('use-cases.ts'));
    const unchecked = USE_CASE_NAMES.filter((name) => !isGroupUseCase(name) && !services.some((f) => f.text.includes(`'${name}'`)));
    assert.deepEqual(unchecked, []);
    // The group use cases are built from scope and need (groupUseCase); their routes declare each one.
    const declaredGroupCases = new Set(declared().map((r) => r.useCase).filter(isGroupUseCase));
    assert.deepEqual(USE_CASE_NAMES.filter(isGroupUseCase).filter((name) => !declaredGroupCases.has(name)), []);

    const needed = new Set(Object.values(USE_CASES));
    assert.deepEqual(PERMISSION_NAMES.filter((p) => !needed.has(p)), [], 'a permission nothing checks');
  });

  test('GET /v1/permissions lists exactly the permissions some use case needs', async () => {
    const ann = await signUp(api(), 'ann');
    const listed = await api().get('/v1/permissions', ann.token);
    assert.equal(listed.status, 200);
    const names: string[] = listed.body.data.map((p: { name: string }) => p.name).sort();
    assert.ok(!names.includes('billing.read'), 'there is no billing to read');
    assert.deepEqual(names, [...new Set(Object.values(USE_CASES))].sort());
  });

  test('a read-only key is refused each project write with the permission its route declares', async () => {
    const ann = await signUp(api(), 'ann');
    const proj = ann.project.id;
    const made = await api().post(`/v1/projects/${proj}/api_keys`, ann.token, { name: 'reader', permissions: 'read_only' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const key = made.body.key as string;
    const inProject = { 'openai-project': proj };
    const attempts: Array<[method: string, route: string, send: () => ReturnType<Api['request']>]> = [
      ['PATCH', '/v1/projects/:proj', () => api().patch(`/v1/projects/${proj}`, key, { name: 'renamed' })],
      ['POST', '/v1/projects/:proj/archive', () => api().post(`/v1/projects/${proj}/archive`, key)],
      ['POST', '/v1/projects/:proj/groups', () => api().post(`/v1/projects/${proj}/groups`, key, { name: 'readers', role: 'viewer' })],
      ['POST', '/v1/projects/:proj/api_keys', () => api().post(`/v1/projects/${proj}/api_keys`, key, { name: 'another' })],
      ['POST', '/v1/datasets', () => api().post('/v1/datasets', key, { name: 'data', file_ids: ['file-none'] }, inProject)],
      ['POST', '/v1/projects/:proj/model_permissions', () => api().post(`/v1/projects/${proj}/model_permissions`, key, { mode: 'allow_list', model_ids: [] })],
    ];
    for (const [method, route, send] of attempts) {
      const refused = await send();
      assert.equal(refused.status, 403, `${method} ${route}: ${JSON.stringify(refused.body)}`);
      const permission = permissionOfRoute(method, route);
      assert.ok(errorOf(refused).message.includes(permission), `${method} ${route} should name ${permission}: ${errorOf(refused).message}`);
    }
  });

  test('a member in no group is refused organization actions with the permission each route declares, and may still leave', async () => {
    const ann = await signUp(api(), 'ann');
    const bob = await signUp(api(), 'bob');
    const org = ann.org.id;
    await addMember(api(), ann, org, bob);
    const admins = await groupNamed(api(), ann.token, `/v1/organizations/${org}`, 'admins');
    const attempts: Array<[method: string, route: string, send: () => ReturnType<Api['request']>]> = [
      ['PATCH', '/v1/organizations/:org', () => api().patch(`/v1/organizations/${org}`, bob.token, { name: 'mine' })],
      ['GET', '/v1/organizations/:org/members', () => api().get(`/v1/organizations/${org}/members`, bob.token)],
      ['DELETE', '/v1/organizations/:org/members/:principal_id', () => api().delete(`/v1/organizations/${org}/members/${ann.user.id}`, bob.token)],
      ['GET', '/v1/organizations/:org/groups/:grp/members', () => api().get(`/v1/organizations/${org}/groups/${admins.id}/members`, bob.token)],
      ['POST', '/v1/organizations/:org/groups', () => api().post(`/v1/organizations/${org}/groups`, bob.token, { name: 'mine', role: 'admin' })],
      ['POST', '/v1/organizations/:org/invitations', () => api().post(`/v1/organizations/${org}/invitations`, bob.token, { email: 'someone@example.com' })],
      ['GET', '/v1/organizations/:org/audit_logs', () => api().get(`/v1/organizations/${org}/audit_logs`, bob.token)],
      ['GET', '/v1/organizations/:org/usage', () => api().get(`/v1/organizations/${org}/usage?start_time=0`, bob.token)],
      ['POST', '/v1/organizations/:org/projects', () => api().post(`/v1/organizations/${org}/projects`, bob.token, { name: 'mine' })],
      ['POST', '/v1/organizations/:org/access/check', () => api().post(`/v1/organizations/${org}/access/check`, bob.token, { principal_id: ann.user.id, permission: 'organization.write' })],
    ];
    for (const [method, route, send] of attempts) {
      const refused = await send();
      assert.equal(refused.status, 403, `${method} ${route}: ${JSON.stringify(refused.body)}`);
      const permission = permissionOfRoute(method, route);
      assert.ok(errorOf(refused).message.includes(permission), `${method} ${route} should name ${permission}: ${errorOf(refused).message}`);
    }
    // The route declares members.write (removing another); leaving is the use case's own case (members.leave).
    assert.equal(permissionOfRoute('DELETE', '/v1/organizations/:org/members/:principal_id'), USE_CASES['members.remove' satisfies UseCase]);
    const left = await api().delete(`/v1/organizations/${org}/members/${bob.user.id}`, bob.token);
    assert.equal(left.status, 200, JSON.stringify(left.body));
  });
});
