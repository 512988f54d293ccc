import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './context.ts';
import { expectStatus, jsonClient, type JsonClient } from './http-client.ts';
import { measureThroughput, type ThroughputFigures, type ThroughputOptions } from './http-throughput.ts';
import { printKeysReport } from './keys-report.ts';
import { postgresReachable, POSTGRES_ADMIN_URL } from './postgres.ts';
import { stopServer, type ServerProcess } from './processes.ts';
import { measureWarmQueries, type QueryCountFigures } from './query-count.ts';
import type { Aim } from './results.ts';
import { measureRevocation, type RevocationFigures, type RevocationOptions } from './revocation.ts';
import { startHello, startTenantryServer } from './servers.ts';
import { createApiKey, signUp } from './tenantry-setup.ts';

/**
 * `npm run bench -- keys`: the figures of issue 3.
 * 1. Requests/s of `GET /v1/projects/{proj}` by API key and by session, beside node:http hello.
 * 2. Database queries per warm key-authenticated request (aim: 0).
 * 3. Revocation propagation between two instances on PostgreSQL (aim: p99 under 1 s).
 */

const THROUGHPUT: ThroughputOptions = { connections: 10, pipelining: 1, warmupSeconds: 2, roundSeconds: 5, rounds: 3 };
const QUERY_COUNT_REQUESTS = 1000;
const REVOCATION: RevocationOptions = { keys: 100, giveUpMs: 5000 };

export interface KeysFigures {
  throughput: ThroughputFigures;
  queries: QueryCountFigures;
  /** Null, with the reason, where no PostgreSQL answered. */
  revocation: RevocationFigures | null;
  revocationSkipped?: string;
  aims: Aim[];
}

export async function runKeys(): Promise<KeysFigures> {
  const throughput = await measureKeyThroughput();
  progress(`queries: ${QUERY_COUNT_REQUESTS} warm requests per credential, in-process`);
  const queries = await measureWarmQueries(QUERY_COUNT_REQUESTS);
  const reachable = await postgresReachable();
  let revocation: RevocationFigures | null = null;
  let revocationSkipped: string | undefined;
  if (reachable === true) {
    progress(`revocation: ${REVOCATION.keys} keys across two instances on PostgreSQL`);
    revocation = await measureRevocation(REVOCATION);
  } else {
    revocationSkipped = `no PostgreSQL at ${POSTGRES_ADMIN_URL} (${reachable}); set BENCH_POSTGRES_URL`;
    progress(`revocation skipped: ${revocationSkipped}`);
  }
  const figures: KeysFigures = { throughput, queries, revocation, ...(revocationSkipped ? { revocationSkipped } : {}), aims: [] };
  figures.aims = keysAims(figures);
  printKeysReport(figures);
  return figures;
}

async function measureKeyThroughput(): Promise<ThroughputFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-bench-keys-'));
  const servers: ServerProcess[] = [];
  let client: JsonClient | undefined;
  try {
    progress('starting the hello and Tenantry servers');
    const [hello, tenantry] = await Promise.all([startHello(), startTenantryServer({ dataDir, databaseUrl: `sqlite:${join(dataDir, 'bench.db')}` })]);
    servers.push(hello, tenantry);
    client = jsonClient(tenantry.url);
    const user = await signUp(client);
    const key = await createApiKey(client, user.token, user.projectId);
    const url = `${tenantry.url}/v1/projects/${user.projectId}`;
    for (const token of [key, user.token]) expectStatus(await client.call('GET', `/v1/projects/${user.projectId}`, { token }), 200, 'GET /v1/projects/{proj}');
    progress(`throughput: ${THROUGHPUT.rounds} rounds × ${THROUGHPUT.roundSeconds} s per target, alternating`);
    return await measureThroughput(
      [
        { name: 'hello', url: `${hello.url}/`, pid: hello.pid },
        { name: 'api key', url, headers: { authorization: `Bearer ${key}` }, pid: tenantry.pid },
        { name: 'session', url, headers: { authorization: `Bearer ${user.token}` }, pid: tenantry.pid },
      ],
      THROUGHPUT,
      [
        { name: 'hello', pid: hello.pid },
        { name: 'tenantry', pid: tenantry.pid },
      ],
    );
  } finally {
    client?.close();
    for (const server of servers) await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function keysAims(figures: KeysFigures): Aim[] {
  const key = figures.queries.results.find((r) => r.credential === 'api key')!;
  const aims: Aim[] = [
    { figure: `database queries per warm key-authenticated request (over ${key.requests})`, measured: key.queriesPerRequest, aim: '0', met: key.queries === 0 },
  ];
  if (figures.revocation) {
    const r = figures.revocation;
    aims.push({ figure: `revocation propagation p99, ${r.propagation.samples} keys (ms)`, measured: r.propagation.p99Ms, aim: '< 1,000 ms', met: r.propagation.p99Ms < 1000 && r.notPropagated === 0 });
  }
  return aims;
}
