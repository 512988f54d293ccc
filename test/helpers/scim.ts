import assert from 'node:assert/strict';
import type { Api, ApiResponse, SignedUpUser } from './client.ts';

/** SCIM as identity providers speak it: application/scim+json, with the organization's SCIM token. */

export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export async function createScimToken(api: Api, admin: SignedUpUser, organizationId: string, name = 'Okta'): Promise<{ id: string; token: string; base_url: string }> {
  const made = await api.post(`/v1/organizations/${organizationId}/scim_tokens`, admin.token, { name });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body;
}

export class ScimClient {
  constructor(
    private readonly api: Api,
    readonly organizationId: string,
    readonly token: string,
  ) {}

  request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return this.api.request(method, `/scim/v2/${this.organizationId}${path}`, {
      token: this.token,
      headers: { accept: 'application/scim+json', ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  patch = (path: string, operations: unknown[]) => this.request('PATCH', path, { schemas: [PATCH_OP], Operations: operations });
  delete = (path: string) => this.request('DELETE', path);
}

/** Asserts RFC 7644's error shape with this status (and scimType, when given); answers the detail. */
export function assertScimError(response: ApiResponse, status: number, scimType?: string): string {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(String(response.headers['content-type']), /^application\/scim\+json/);
  assert.deepEqual(response.body.schemas, [SCIM_ERROR]);
  assert.equal(response.body.status, String(status));
  if (scimType !== undefined) assert.equal(response.body.scimType, scimType, JSON.stringify(response.body));
  assert.equal(typeof response.body.detail, 'string');
  return response.body.detail as string;
}

export const filterQuery = (filter: string) => `filter=${encodeURIComponent(filter)}`;
