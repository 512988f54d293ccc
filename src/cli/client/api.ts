import { resolveConnection } from './credentials.ts';

/** A refusal from the server, printed with its message; the command exits 1. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** A mistake in how the command was called; the command exits 2. */
export class UsageError extends Error {}

export interface ApiClient {
  url: string;
  /**
   * One call; `T` is the answer's type from src/http/schemas/api-types.ts (the schema the server checks
   * its answers against). Left out, the answer is `unknown`: fine for printing it as it came.
   */
  request<T = unknown>(method: string, path: string, options?: { body?: unknown; project?: string | undefined }): Promise<T>;
  stream(path: string, project?: string): Promise<Response>;
  token: string | undefined;
}

export function apiClient(): ApiClient {
  const { url, token } = resolveConnection();
  const headersFor = (project?: string) => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(project ? { 'openai-project': project } : {}),
  });

  async function check(response: Response): Promise<Response> {
    if (response.ok) return response;
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string; param?: string | null } } | undefined;
    throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`, body?.error?.param ?? null);
  }

  return {
    url,
    token,
    async request(method, path, options = {}) {
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: { ...headersFor(options.project), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        });
      } catch (error) {
        throw new ApiError(0, `cannot reach ${url}: ${(error as Error).message}`, null);
      }
      await check(response);
      if (response.status === 204) return undefined as never;
      return response.json() as never;
    },
    async stream(path, project) {
      return check(await fetch(`${url}${path}`, { headers: headersFor(project) }));
    },
  };
}
