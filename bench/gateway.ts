import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigFile } from '../src/config.ts';
import { progress } from './context.ts';
import { printGatewayReport } from './gateway-report.ts';
import { expectStatus, jsonClient, type JsonClient } from './http-client.ts';
import { measureThroughput, type ThroughputFigures, type ThroughputOptions, type WatchedProcess } from './http-throughput.ts';
import { stopServer, type ServerProcess } from './processes.ts';
import type { Aim } from './results.ts';
import { measureSequential, type SequentialFigures, type SequentialOptions } from './sequential.ts';
import { startProxy, startTenantryServer, startUpstream } from './servers.ts';
import { createApiKey, signUp } from './tenantry-setup.ts';
import { throughputRatio } from './throughput-report.ts';

/**
 * `npm run bench -- gateway`: the figures of issue 5. `POST /v1/chat/completions` against a fast
 * local upstream, three ways, taking turns: (a) straight to the upstream, (b) through a bare node:http
 * pass-through proxy, (c) through Tenantry with an API key, so key authentication, the rate limit
 * and usage metering all run. Every server is a process of its own. Throughput and latency come from
 * autocannon; a sequential series over a kept-alive socket times p50 to the microsecond.
 */

const THROUGHPUT: ThroughputOptions = { connections: 10, pipelining: 1, warmupSeconds: 2, roundSeconds: 5, rounds: 3 };
const SEQUENTIAL: SequentialOptions = { warmupRequests: 200, rounds: 5, requestsPerRound: 500 };
const MODEL = 'bench-model';
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] });
const PATH = '/v1/chat/completions';
/** High enough never to trip: the bench measures the limiter's cost, not its refusals. */
const LIMITS = { max_requests_per_1_minute: 100_000_000, max_tokens_per_1_minute: 1_000_000_000_000 };

export interface GatewayFigures {
  throughput: ThroughputFigures;
  sequential: SequentialFigures;
  aims: Aim[];
}

export async function runGateway(): Promise<GatewayFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-bench-gateway-'));
  const servers: ServerProcess[] = [];
  const clients: JsonClient[] = [];
  try {
    progress('starting the upstream, the bare proxy and Tenantry');
    const upstream = await startUpstream();
    servers.push(upstream);
    const config: ConfigFile = { models: [{ id: MODEL, upstream: `${upstream.url}/v1` }], rate_limits: { ...LIMITS, ceiling: LIMITS } };
    const [proxy, tenantry] = await Promise.all([startProxy(upstream.url), startTenantryServer({ dataDir, databaseUrl: `sqlite:${join(dataDir, 'bench.db')}`, config })]);
    servers.push(proxy, tenantry);
    const setup = jsonClient(tenantry.url);
    clients.push(setup);
    const user = await signUp(setup);
    const key = await createApiKey(setup, user.token, user.projectId);

    const targets = [
      { name: 'direct', server: upstream },
      { name: 'bare proxy', server: proxy },
      { name: 'tenantry', server: tenantry },
    ];
    const watched: WatchedProcess[] = targets.map((t) => ({ name: t.server.name, pid: t.server.pid }));
    const probes = targets.map((t) => {
      const client = jsonClient(t.server.url);
      clients.push(client);
      return { name: t.name, client };
    });
    for (const p of probes) await completion(p.client, key, p.name);

    progress(`throughput: ${THROUGHPUT.rounds} rounds × ${THROUGHPUT.roundSeconds} s per target, alternating`);
    const throughput = await measureThroughput(
      targets.map((t) => ({
        name: t.name,
        url: `${t.server.url}${PATH}`,
        method: 'POST',
        body: BODY,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        pid: t.server.pid,
      })),
      THROUGHPUT,
      watched,
    );
    progress('latency: sequential requests over a kept-alive socket, alternating targets');
    const sequential = await measureSequential(
      probes.map((p) => ({ name: p.name, probe: () => completion(p.client, key, p.name) })),
      SEQUENTIAL,
      watched,
    );
    const figures: GatewayFigures = { throughput, sequential, aims: [] };
    figures.aims = gatewayAims(figures);
    printGatewayReport(figures);
    return figures;
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One chat completion; anything but a 200 carrying a usage object fails the bench. Answers its time. */
async function completion(client: JsonClient, key: string, target: string): Promise<number> {
  const response = await client.call('POST', PATH, { token: key, body: JSON.parse(BODY) });
  const body = expectStatus(response, 200, `${target}: POST ${PATH}`);
  if (typeof body?.usage?.total_tokens !== 'number') throw new Error(`${target}: the completion has no usage: ${JSON.stringify(body)}`);
  return response.elapsedMs;
}

function gatewayAims({ throughput, sequential }: GatewayFigures): Aim[] {
  const aims: Aim[] = [];
  const ratio = (figure: string, summaries: ThroughputFigures['summaries']) => {
    const r = throughputRatio(summaries, 'tenantry', 'bare proxy');
    if (r !== undefined) aims.push({ figure, measured: r, aim: '≥ 0.6', met: r >= 0.6 });
  };
  ratio('Tenantry req/s ÷ bare proxy req/s', throughput.summaries);
  if (throughput.undisturbedSummaries.some((s) => s.rounds < throughput.options.rounds)) ratio('  the same, undisturbed rounds only', throughput.undisturbedSummaries);
  const of = (name: string) => sequential.series.find((s) => s.name === name)!;
  const added = of('tenantry').p50Ms - of('bare proxy').p50Ms;
  aims.push({ figure: 'added p50 over the bare proxy, sequential (ms)', measured: added, aim: '< 1 ms', met: added < 1 });
  const [t, p] = [of('tenantry').undisturbed, of('bare proxy').undisturbed];
  if (sequential.disturbedBatches > 0 && t && p) {
    aims.push({ figure: '  the same, undisturbed batches only', measured: t.p50Ms - p.p50Ms, aim: '< 1 ms', met: t.p50Ms - p.p50Ms < 1 });
  }
  return aims;
}
