/** HTTP over a real socket (fetch), for servers running as child processes. */

export interface FetchAnswer<T = any> {
  status: number;
  body: T;
  bytes: Buffer;
}

export interface FetchOptions {
  token?: string | undefined;
  body?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
}

export function fetchClient(baseUrl: () => string) {
  async function call<T = any>(method: string, path: string, options: FetchOptions = {}): Promise<FetchAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | FormData | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${baseUrl()}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const bytes = Buffer.from(await response.arrayBuffer());
    const json = (response.headers.get('content-type') ?? '').includes('application/json') && bytes.length > 0;
    return { status: response.status, body: (json ? JSON.parse(bytes.toString()) : bytes.toString()) as T, bytes };
  }

  /** Every item of a list, following `after` through all its pages. */
  async function all<T = any>(path: string, token: string, headers?: Record<string, string>): Promise<T[]> {
    const items: T[] = [];
    let after: string | undefined;
    for (;;) {
      const separator = path.includes('?') ? '&' : '?';
      const page = await call('GET', `${path}${separator}limit=100${after ? `&after=${after}` : ''}`, { token, ...(headers ? { headers } : {}) });
      if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${JSON.stringify(page.body)}`);
      items.push(...page.body.data);
      if (!page.body.has_more) return items;
      after = page.body.last_id;
    }
  }

  return { call, all };
}
