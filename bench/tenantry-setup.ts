import { expectStatus, type JsonClient } from './http-client.ts';

/** The few API calls that prepare the Tenantry server for the measurements. */

export interface BenchUser {
  token: string;
  userId: string;
  organizationId: string;
  projectId: string;
  region: string;
}

export async function signUp(client: JsonClient): Promise<BenchUser> {
  const body = expectStatus(
    await client.call('POST', '/v1/auth/signup', { body: { email: 'bench@bench.test', password: 'correct horse battery', name: 'Bench' } }),
    201,
    'POST /v1/auth/signup',
  );
  return {
    token: body.session_token,
    userId: body.user.id,
    organizationId: body.organization.id,
    projectId: body.project.id,
    region: body.project.regions[0],
  };
}

/** A new organization with the caller as admin; answers its id and its default project's created_at. */
export async function createOrganization(client: JsonClient, token: string, name: string): Promise<{ id: string; createdAt: number }> {
  const organization = expectStatus(await client.call('POST', '/v1/organizations', { token, body: { name } }), 201, 'POST /v1/organizations');
  return { id: organization.id, createdAt: organization.created_at };
}

/** A new project API key (`POST /v1/projects/{proj}/api_keys`); answers its secret. */
export async function createApiKey(client: JsonClient, token: string, projectId: string, name = 'bench'): Promise<string> {
  const key = expectStatus(await client.call('POST', `/v1/projects/${projectId}/api_keys`, { token, body: { name } }), 201, 'POST /v1/projects/{proj}/api_keys');
  return key.key;
}

/** A new project in the organization; answers its id. */
export async function createProject(client: JsonClient, token: string, organizationId: string, name: string): Promise<string> {
  return expectStatus(await client.call('POST', `/v1/organizations/${organizationId}/projects`, { token, body: { name } }), 201, 'POST /v1/organizations/{org}/projects').id;
}
