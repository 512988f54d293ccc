import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigFile } from '../src/config.ts';
import { progress } from './context.ts';
import { num, printAims, printTable } from './format.ts';
import { expectStatus, jsonClient, type JsonClient } from './http-client.ts';
import { measureThroughput, type ThroughputFigures, type ThroughputOptions } from './http-throughput.ts';
import { stopServer, type ServerProcess } from './processes.ts';
import type { Aim } from './results.ts';
import { startTenantryServer, startUpstream } from './servers.ts';
import { createApiKey, signUp } from './tenantry-setup.ts';
import { printThroughputTables, throughputRatio } from './throughput-report.ts';

/**
 * `npm run bench -- budgets`: issue 12's figure. Two Tenantry servers, alike but for budgets, side by
 * side against one fast upstream, taking turns: one whose organization has no budget, one with a hard
 * budget at each level (organization, project, key) that the calls never reach, so every call is
 * admitted through the budget guard and its spend counted at three levels. The aim: budgets on keep
 * at least 0.95 of the throughput without them.
 */

const THROUGHPUT: ThroughputOptions = { connections: 10, pipelining: 1, warmupSeconds: 2, roundSeconds: 5, rounds: 3 };
const MODEL = 'bench-model';
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] });
const PATH = '/v1/chat/completions';
const LIMITS = { max_requests_per_1_minute: 100_000_000, max_tokens_per_1_minute: 1_000_000_000_000 };

export interface BudgetFigures {
  throughput: ThroughputFigures;
  aims: Aim[];
}

async function budget(client: JsonClient, token: string, path: string, body: Record<string, unknown>): Promise<void> {
  expectStatus(await client.call('POST', `${path}/budgets`, { token, body: { amount: 1_000_000, period: 'month', ...body } }), 201, `POST ${path}/budgets`);
}

export async function runBudgets(): Promise<BudgetFigures> {
  const folders = [mkdtempSync(join(tmpdir(), 'tenantry-bench-budgets-off-')), mkdtempSync(join(tmpdir(), 'tenantry-bench-budgets-on-'))];
  const servers: ServerProcess[] = [];
  const clients: JsonClient[] = [];
  try {
    progress('starting the upstream and two Tenantry servers (budgets off, budgets on)');
    const upstream = await startUpstream();
    servers.push(upstream);
    const config: ConfigFile = {
      models: [{ id: MODEL, upstream: `${upstream.url}/v1` }],
      rate_limits: { ...LIMITS, ceiling: LIMITS },
      prices: { models: [{ id: MODEL, input_per_million_tokens: 0.5, output_per_million_tokens: 1.5 }] },
    };
    const [off, on] = await Promise.all(folders.map((dataDir) => startTenantryServer({ dataDir, databaseUrl: `sqlite:${join(dataDir, 'bench.db')}`, config })));
    servers.push(off!, on!);
    const keys: string[] = [];
    for (const [index, server] of [off!, on!].entries()) {
      const client = jsonClient(server.url);
      clients.push(client);
      const user = await signUp(client);
      const key = await createApiKey(client, user.token, user.projectId);
      keys.push(key);
      if (index === 1) {
        const listed = expectStatus(await client.call('GET', `/v1/projects/${user.projectId}/api_keys`, { token: user.token }), 200, 'GET api_keys');
        await budget(client, user.token, `/v1/organizations/${user.organizationId}`, {});
        await budget(client, user.token, `/v1/projects/${user.projectId}`, {});
        await budget(client, user.token, `/v1/projects/${user.projectId}`, { api_key_id: listed.data[0].id });
      }
      const warm = await client.call('POST', PATH, { token: key, body: JSON.parse(BODY) });
      expectStatus(warm, 200, `${index === 0 ? 'budgets off' : 'budgets on'}: POST ${PATH}`);
    }
    const targets = [
      { name: 'budgets off', server: off!, key: keys[0]! },
      { name: 'budgets on', server: on!, key: keys[1]! },
    ];
    progress(`throughput: ${THROUGHPUT.rounds} rounds × ${THROUGHPUT.roundSeconds} s per target, alternating`);
    const throughput = await measureThroughput(
      targets.map((t) => ({
        name: t.name,
        url: `${t.server.url}${PATH}`,
        method: 'POST',
        body: BODY,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` },
        pid: t.server.pid,
      })),
      THROUGHPUT,
      [{ name: 'upstream', pid: upstream.pid }, ...targets.map((t) => ({ name: t.name, pid: t.server.pid }))],
    );
    const aims: Aim[] = [];
    for (const [figure, summaries] of [['budgets on ÷ budgets off, req/s', throughput.summaries], ['  the same, undisturbed rounds only', throughput.undisturbedSummaries]] as const) {
      const ratio = throughputRatio(summaries, 'budgets on', 'budgets off');
      if (ratio !== undefined) aims.push({ figure, measured: ratio, aim: '≥ 0.95', met: ratio >= 0.95 });
    }
    const figures = { throughput, aims };
    console.log('\nBudgets on the gateway path (issue 12)\n');
    printThroughputTables('1. POST /v1/chat/completions through Tenantry (API key): no budget vs a hard budget at organization, project and key level', throughput);
    printTable(['target', 'req/s (median)', 'p50 ms'], throughput.summaries.map((s) => [s.target, num(s.requestsPerSecond, 0), num(s.latencyP50Ms, 2)]));
    printAims(aims);
    return figures;
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) await stopServer(server);
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }
}
