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
import { readStatus } from './rss.ts';
import { portkeyHeaders, startPortkey, startProxy, startTenantryServer, startUpstream } from './servers.ts';
import { createApiKey, signUp } from './tenantry-setup.ts';
import { throughputRatio } from './throughput-report.ts';

/**
 * `npm run bench -- gateway`: the figures of issues 5 and 13. `POST /v1/chat/completions` against a
 * fast local upstream, four ways, taking turns: (a) straight to the upstream, (b) through a bare
 * node:http pass-through proxy, (c) through the open-source Portkey gateway (what users pick instead),
 * routed to the same upstream by its headers, (d) through Tenantry with an API key, so key
 * authentication, the rate limit and usage metering all run. Every server is a process of its own.
 * Throughput and latency come from autocannon, in four shapes (whole answers and streams, at 10 and 50
 * connections), with each process's CPU per request and resident memory; a sequential series over a
 * kept-alive socket times p50 to the microsecond.
 */

const THROUGHPUT: ThroughputOptions = { connections: 10, pipelining: 1, warmupSeconds: 2, roundSeconds: 5, rounds: 3 };
const SEQUENTIAL: SequentialOptions = { warmupRequests: 200, rounds: 5, requestsPerRound: 500 };
const MODEL = 'bench-model';
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] });
const STREAM_BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }], stream: true });
/** The shapes beside Portkey: the first is also issue 5's table (with the upstream direct). */
const SHAPES: Array<Pick<ShapeFigures, 'streamed' | 'connections'>> = [
  { streamed: false, connections: 10 },
  { streamed: true, connections: 10 },
  { streamed: false, connections: 50 },
  { streamed: true, connections: 50 },
];
const PATH = '/v1/chat/completions';
/** High enough never to trip: the bench measures the limiter's cost, not its refusals. */
const LIMITS = { max_requests_per_1_minute: 100_000_000, max_tokens_per_1_minute: 1_000_000_000_000 };

/** Resident memory of one process after a shape's rounds: now, and the most it ever held. */
export interface ProcessMemory {
  rssKiB: number;
  peakKiB: number;
}

export interface ShapeFigures {
  streamed: boolean;
  connections: number;
  throughput: ThroughputFigures;
  memory: Record<string, ProcessMemory>;
}

export interface GatewayFigures {
  /** Issue 5's table: whole answers, 10 connections, with the upstream direct. */
  throughput: ThroughputFigures;
  /** Issue 13's: the bare proxy, Portkey and Tenantry in every shape (the first is `throughput`). */
  shapes: ShapeFigures[];
  sequential: SequentialFigures;
  aims: Aim[];
}

export async function runGateway(): Promise<GatewayFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-bench-gateway-'));
  const servers: ServerProcess[] = [];
  const clients: JsonClient[] = [];
  try {
    progress('starting the upstream, the bare proxy, Portkey and Tenantry');
    const upstream = await startUpstream();
    servers.push(upstream);
    const config: ConfigFile = { models: [{ id: MODEL, upstream: `${upstream.url}/v1` }], rate_limits: { ...LIMITS, ceiling: LIMITS } };
    const [proxy, portkey, tenantry] = await Promise.all([startProxy(upstream.url), startPortkey(), startTenantryServer({ dataDir, databaseUrl: `sqlite:${join(dataDir, 'bench.db')}`, config })]);
    servers.push(proxy, portkey, tenantry);
    const setup = jsonClient(tenantry.url);
    clients.push(setup);
    const user = await signUp(setup);
    const key = await createApiKey(setup, user.token, user.projectId);

    const pk = portkeyHeaders(upstream.url);
    const targets = [
      { name: 'direct', server: upstream, headers: {} },
      { name: 'bare proxy', server: proxy, headers: {} },
      { name: 'portkey', server: portkey, headers: pk },
      { name: 'tenantry', server: tenantry, headers: {} },
    ];
    const watched: WatchedProcess[] = targets.map((t) => ({ name: t.server.name, pid: t.server.pid }));
    const probes = targets.map((t) => {
      const client = jsonClient(t.server.url);
      clients.push(client);
      return { name: t.name, client, headers: t.headers };
    });
    for (const p of probes) await completion(p.client, key, p.name, p.headers);

    const shapes: ShapeFigures[] = [];
    for (const shape of SHAPES) {
      const options = { ...THROUGHPUT, connections: shape.connections };
      // Issue 5's shape keeps the upstream direct as a target; the others compare the three gateways.
      const measured = shapes.length === 0 ? targets : targets.filter((t) => t.name !== 'direct');
      progress(`throughput, ${shape.streamed ? 'streamed' : 'whole answers'}, ${shape.connections} connections: ${options.rounds} rounds × ${options.roundSeconds} s per target, alternating`);
      const throughput = await measureThroughput(
        measured.map((t) => ({
          name: t.name,
          url: `${t.server.url}${PATH}`,
          method: 'POST',
          body: shape.streamed ? STREAM_BODY : BODY,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...t.headers },
          pid: t.server.pid,
        })),
        options,
        watched,
      );
      const memory = Object.fromEntries(watched.map((w) => {
        const { rssKiB, hwmKiB } = readStatus(w.pid);
        return [w.name, { rssKiB, peakKiB: hwmKiB }];
      }));
      shapes.push({ ...shape, throughput, memory });
    }
    const throughput = shapes[0]!.throughput;
    progress('latency: sequential requests over a kept-alive socket, alternating targets');
    const sequential = await measureSequential(
      probes.map((p) => ({ name: p.name, probe: () => completion(p.client, key, p.name, p.headers) })),
      SEQUENTIAL,
      watched,
    );
    const figures: GatewayFigures = { throughput, shapes, sequential, aims: [] };
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
async function completion(client: JsonClient, key: string, target: string, headers: Record<string, string>): Promise<number> {
  const response = await client.call('POST', PATH, { token: key, body: JSON.parse(BODY), headers });
  const body = expectStatus(response, 200, `${target}: POST ${PATH}`);
  if (typeof body?.usage?.total_tokens !== 'number') throw new Error(`${target}: the completion has no usage: ${JSON.stringify(body)}`);
  return response.elapsedMs;
}

function gatewayAims({ throughput, shapes, sequential }: GatewayFigures): Aim[] {
  const aims: Aim[] = [];
  // Issue 13: at least Portkey's throughput in every shape, while doing more.
  for (const shape of shapes) {
    const r = throughputRatio(shape.throughput.summaries, 'tenantry', 'portkey');
    if (r !== undefined) aims.push({ figure: `Tenantry req/s ÷ Portkey req/s, ${shape.streamed ? 'streamed' : 'whole'}, ${shape.connections} connections`, measured: r, aim: '≥ 1.0', met: r >= 1 });
  }
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
