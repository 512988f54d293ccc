import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createTenantry, type Tenantry } from '../src/server.ts';

/**
 * Tenantry in the bench's own process (createTenantry, as the tests start it), spoken to through
 * fastify's inject(): no socket, so a figure counts the server's work and not HTTP's.
 */

export interface InProcessTenantry {
  tenantry: Tenantry;
  call<T = any>(method: string, url: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** `databaseUrl` undefined: a fresh SQLite file in the instance's own temporary folder. */
export async function startInProcess(databaseUrl?: string): Promise<InProcessTenantry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-bench-inproc-'));
  const config = loadConfig({
    // One secret for every instance: instances of one deployment share it.
    TENANTRY_SECRET: 'bench',
    // As operators run it: answers are not checked against their schemas (http.validate_responses).
    NODE_ENV: 'production',
    TENANTRY_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? `sqlite:${join(dataDir, 'bench.db')}`,
  });
  const tenantry = await createTenantry(config, { logLevel: 'silent' });
  return {
    tenantry,
    async call(method, url, options = {}) {
      const response = await tenantry.app.inject({
        method: method as 'GET',
        url,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        ...(options.body !== undefined ? { payload: options.body as object } : {}),
      });
      let body: unknown = response.body;
      try {
        body = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        // Not JSON: keep the text, the caller reports it.
      }
      return { status: response.statusCode, body: body as never };
    },
    async close() {
      await tenantry.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Throws with the answer unless its status is the expected one; answers the body. */
export function expectInjected<T>(response: { status: number; body: T }, status: number, what: string): T {
  if (response.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}
