import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateAims } from './aims.ts';
import { progress, ROOT } from './context.ts';
import { jsonClient, expectStatus, type JsonClient } from './http-client.ts';
import { measureThroughput, type ThroughputOptions } from './http-throughput.ts';
import { measureListLatency, type ListedOrganization, type ListLatencyOptions } from './list-latency.ts';
import { machineInfo, sourceRevision } from './machine.ts';
import { measureAuthorizer, measurePolicy } from './policy.ts';
import { stopServer } from './processes.ts';
import { startHello, startTenantryServer } from './servers.ts';
import { printReport } from './report.ts';
import type { BenchResults } from './results.ts';
import { seedProjects } from './seed.ts';
import { createOrganization, signUp, type BenchUser } from './tenantry-setup.ts';

/**
 * `npm run bench -- core`: the figures of issue 2. Session throughput beside node:http hello, policy
 * decisions, project-list latency at 100 and 100,000 projects. About a minute on two cores.
 */

const THROUGHPUT: ThroughputOptions = { connections: 10, pipelining: 1, warmupSeconds: 2, roundSeconds: 5, rounds: 3 };
const LIST: ListLatencyOptions = { pageSize: 20, warmupRequests: 100, rounds: 5, requestsPerRound: 400 };
const POLICY_SECONDS = 2;
const AUTHORIZER_SECONDS = 2;
const ORGANIZATION_SIZES = [100, 100_000];

export async function runCore(): Promise<BenchResults> {
  const machine = machineInfo();
  // In-process figures first, while no server runs beside them.
  progress(`policy: can() for ${POLICY_SECONDS} s`);
  const policy = measurePolicy(POLICY_SECONDS);
  progress(`authorizer: authorizer.project() for ${AUTHORIZER_SECONDS} s`);
  const authorizer = await measureAuthorizer(AUTHORIZER_SECONDS);

  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-bench-'));
  const databaseUrl = `sqlite:${join(dataDir, 'bench.db')}`;
  let client: JsonClient | undefined;
  const servers = [];
  try {
    progress('starting the hello and Tenantry servers');
    const [hello, tenantry] = await Promise.all([startHello(), startTenantryServer({ dataDir, databaseUrl })]);
    servers.push(hello, tenantry);
    client = jsonClient(tenantry.url);
    const user = await signUp(client);
    expectStatus(await client.call('GET', `/v1/projects/${user.projectId}`, { token: user.token }), 200, 'GET /v1/projects/{proj}');

    progress(`throughput: ${THROUGHPUT.rounds} rounds × ${THROUGHPUT.roundSeconds} s per target, alternating`);
    const throughput = await measureThroughput(
      [
        { name: 'hello', url: `${hello.url}/`, pid: hello.pid },
        { name: 'tenantry', url: `${tenantry.url}/v1/projects/${user.projectId}`, headers: { authorization: `Bearer ${user.token}` }, pid: tenantry.pid },
      ],
      THROUGHPUT,
    );
    await stopServer(hello);

    const organizations = await prepareOrganizations(client, user, databaseUrl);
    progress('list latency: sequential requests, alternating organizations');
    const listLatency = await measureListLatency(client, user.token, tenantry.pid, organizations, LIST);

    const measured = { machine, revision: sourceRevision(ROOT), command: 'npm run bench -- core', policy, authorizer, throughput, listLatency };
    const results = { ...measured, aims: evaluateAims(measured) };
    printReport(results);
    return results;
  } finally {
    client?.close();
    await Promise.all(servers.map((s) => stopServer(s)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One organization per size, the caller its admin, filled up with seeded projects. */
async function prepareOrganizations(client: JsonClient, user: BenchUser, databaseUrl: string): Promise<ListedOrganization[]> {
  const organizations: ListedOrganization[] = [];
  for (const size of ORGANIZATION_SIZES) {
    const organization = await createOrganization(client, user.token, `Bench ${size}`);
    const started = performance.now();
    const { count } = await seedProjects(databaseUrl, { organizationId: organization.id, total: size, region: user.region, before: organization.createdAt });
    if (count !== size) throw new Error(`seeding: the organization holds ${count} projects, not ${size}`);
    progress(`seeded ${size.toLocaleString('en-US')} projects in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    organizations.push({ label: `${size.toLocaleString('en-US')} projects`, id: organization.id, projects: size });
  }
  return organizations;
}
