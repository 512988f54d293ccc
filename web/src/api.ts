/**
 * The console's only way to the server: the public /v1 API on this origin, with the session cookie
 * (HttpOnly, set by login and signup) and, on every change, the CSRF token from `GET /v1/me`. The
 * token lives in this module's memory only, never in localStorage or sessionStorage.
 */

export interface ApiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiErrorBody,
  ) {
    super(error.message);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a request answers 401 (the session ended): the app goes back to the sign-in page. */
export function whenUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  /** The project of an OpenAI-compatible path, sent as the OpenAI-Project header. */
  project?: string;
  query?: Query;
  signal?: AbortSignal;
}

export function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function headersFor(method: string, options: { project?: string; json?: boolean }): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.json) headers['content-type'] = 'application/json';
  if (options.project) headers['openai-project'] = options.project;
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  return headers;
}

function errorFrom(status: number, body: unknown): ApiError {
  const error = (body as { error?: Partial<ApiErrorBody> } | null)?.error;
  return new ApiError(status, {
    message: typeof error?.message === 'string' ? error.message : `The server answered ${status}.`,
    type: error?.type ?? 'api_error',
    param: error?.param ?? null,
    code: error?.code ?? null,
  });
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const json = options.body !== undefined;
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      credentials: 'same-origin',
      headers: headersFor(method, { project: options.project, json }),
      body: json ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, { message: 'The server cannot be reached.', type: 'api_error', param: null, code: 'network_error' });
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/v1/auth/')) onUnauthorized();
    throw errorFrom(response.status, body);
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const get = <T>(path: string, options?: Omit<RequestOptions, 'body'>) => request<T>('GET', path, options);
export const post = <T>(path: string, body: unknown = {}, options?: Omit<RequestOptions, 'body'>) => request<T>('POST', path, { ...options, body });
export const patch = <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body'>) => request<T>('PATCH', path, { ...options, body });
export const del = <T>(path: string, options?: Omit<RequestOptions, 'body'>) => request<T>('DELETE', path, options);

/** Uploads with XMLHttpRequest, the one browser API that reports upload progress. */
export function upload<T>(path: string, form: FormData, options: { project: string; onProgress: (fraction: number) => void }): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [name, value] of Object.entries(headersFor('POST', { project: options.project }))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = xhr.responseText ? safeJson(xhr.responseText) : undefined;
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress(1);
        resolve(body as T);
      } else {
        if (xhr.status === 401) onUnauthorized();
        reject(errorFrom(xhr.status, body));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { message: 'The upload failed: the server cannot be reached.', type: 'api_error', param: 'file', code: 'network_error' }));
    xhr.send(form);
  });
}

/**
 * Posts a streamed request and yields the JSON of each server-sent event's `data:` line until
 * `[DONE]` (OpenAI's streaming format).
 */
export async function* stream<T>(path: string, body: unknown, options: { project: string; signal?: AbortSignal }): AsyncGenerator<T> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...headersFor('POST', { project: options.project, json: true }), accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    throw errorFrom(response.status, text ? safeJson(text) : undefined);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // Events end with a blank line; a line may arrive in pieces.
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      if (data === '[DONE]') return;
      yield JSON.parse(data) as T;
    }
  }
}
