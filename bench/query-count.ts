import { expectInjected, startInProcess } from './in-process.ts';

/**
 * Database queries per warm request of `GET /v1/projects/{proj}`, read from the store's query
 * counter around N requests sent in-process (inject). The count covers everything the request does:
 * authentication, authorization and the handler, plus anything written in the background meanwhile
 * (the batched "last used" times), so it is an upper bound on what authentication and authorization
 * spend.
 */

export interface CredentialQueries {
  credential: 'api key' | 'session';
  /**
   * Queries of the credential's first GET: cold for the key (its secret is not cached yet), while the
   * session has already created the key, so its caches are warm by then.
   */
  firstRequestQueries: number;
  requests: number;
  queries: number;
  queriesPerRequest: number;
  /** In-process time per request (inject, no socket), for scale. */
  microsecondsPerRequest: number;
}

export interface QueryCountFigures {
  warmupRequests: number;
  results: CredentialQueries[];
}

const WARMUP_REQUESTS = 2;

export async function measureWarmQueries(requests: number): Promise<QueryCountFigures> {
  const server = await startInProcess();
  try {
    const signup = expectInjected(
      await server.call('POST', '/v1/auth/signup', { body: { email: 'queries@bench.test', password: 'correct horse battery', name: 'Bench' } }),
      201,
      'POST /v1/auth/signup',
    ) as { session_token: string; project: { id: string } };
    const path = `/v1/projects/${signup.project.id}`;
    const key = expectInjected(await server.call('POST', `${path}/api_keys`, { token: signup.session_token, body: { name: 'bench' } }), 201, 'POST api_keys') as { key: string };
    const results: CredentialQueries[] = [];
    for (const [credential, token] of [['api key', key.key], ['session', signup.session_token]] as const) {
      const cold = server.tenantry.store.queryCount();
      expectInjected(await server.call('GET', path, { token }), 200, `first GET ${path}`);
      const firstRequestQueries = server.tenantry.store.queryCount() - cold;
      for (let i = 1; i < WARMUP_REQUESTS; i++) expectInjected(await server.call('GET', path, { token }), 200, `warm-up GET ${path}`);
      const before = server.tenantry.store.queryCount();
      const started = performance.now();
      for (let i = 0; i < requests; i++) {
        const response = await server.call('GET', path, { token });
        if (response.status !== 200) throw new Error(`GET ${path} by ${credential}: HTTP ${response.status}`);
      }
      const elapsedMs = performance.now() - started;
      const queries = server.tenantry.store.queryCount() - before;
      results.push({ credential, firstRequestQueries, requests, queries, queriesPerRequest: queries / requests, microsecondsPerRequest: (elapsedMs * 1000) / requests });
    }
    return { warmupRequests: WARMUP_REQUESTS, results };
  } finally {
    await server.close();
  }
}
