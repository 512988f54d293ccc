import { Agent, request } from 'node:http';

/**
 * A small JSON client over node:http for setup calls and for sequential latency probes. One kept-alive
 * socket, so a probe times the server's work and not a TCP handshake.
 */

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  /** From writing the request to the last byte of the answer, before the body is parsed. */
  elapsedMs: number;
}

export interface JsonClient {
  call<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<JsonResponse<T>>;
  close(): void;
}

export function jsonClient(baseUrl: string): JsonClient {
  const { hostname, port } = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const req = request({ hostname, port, path, method, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('error', reject);
          res.once('end', () => {
            const elapsedMs = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON: keep the text, the caller reports it.
            }
            resolve({ status: res.statusCode ?? 0, body: body as never, elapsedMs });
          });
        });
        req.once('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Throws with the answer's body unless the status is the expected one. */
export function expectStatus<T>(response: JsonResponse<T>, status: number, what: string): T {
  if (response.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}
