import type { FastifyInstance } from 'fastify';

/** A thin HTTP client over fastify.inject(): the tests speak to the server only through HTTP. */

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  rawBody?: string;
}

export class Api {
  constructor(private readonly app: FastifyInstance) {}

  async request<T = any>(method: string, url: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    const text = response.body;
    let body: unknown = text;
    // application/json, and the +json media types (SCIM answers application/scim+json).
    if (text && /^application\/([\w.-]+\+)?json/.test(String(response.headers['content-type'] ?? ''))) body = JSON.parse(text);
    return { status: response.statusCode, body: body as T, headers: response.headers as ApiResponse["headers"] };
  }

  get = <T = any>(url: string, token?: string, headers?: Record<string, string>) => this.request<T>('GET', url, { token, ...(headers ? { headers } : {}) });
  post = <T = any>(url: string, token: string | undefined, body?: unknown, headers?: Record<string, string>) =>
    this.request<T>('POST', url, { token, body: body ?? {}, ...(headers ? { headers } : {}) });
  patch = <T = any>(url: string, token: string | undefined, body: unknown) => this.request<T>('PATCH', url, { token, body });
  delete = <T = any>(url: string, token?: string) => this.request<T>('DELETE', url, { token });
}

let counter = 0;

export interface SignedUpUser {
  token: string;
  csrf: string;
  user: { id: string; email: string; name: string };
  org: { id: string; name: string };
  project: { id: string; organization_id: string };
}

export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}.${process.pid}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export async function signUp(api: Api, label = 'user', password = 'correct horse battery'): Promise<SignedUpUser> {
  const response = await api.post('/v1/auth/signup', undefined, { email: uniqueEmail(label), password, name: label });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
  const { session_token, csrf_token, user, organization, project } = response.body;
  return { token: session_token, csrf: csrf_token, user, org: organization, project };
}

/** Asserts API.md's error shape and answers the error. */
export function errorOf(response: ApiResponse): { message: string; type: string; param: string | null; code: string | null } {
  const error = (response.body as { error?: unknown })?.error as { message: string; type: string; param: string | null; code: string | null } | undefined;
  if (!error || typeof error.message !== 'string' || typeof error.type !== 'string' || !('param' in error) || !('code' in error)) {
    throw new Error(`not an API error: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return error;
}
