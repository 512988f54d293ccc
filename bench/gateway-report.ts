import { DISTURBED_CPU_PERCENT } from './cpu.ts';
import { ms, num, pct, printAims, printTable } from './format.ts';
import type { GatewayFigures, ShapeFigures } from './gateway.ts';
import { microsPerRequest, printThroughputTables, throughputRatio } from './throughput-report.ts';

/** The tables of issue 5's figures. */
export function printGatewayReport(figures: GatewayFigures): void {
  console.log('\nInference gateway (issue 5)\n');
  const t = figures.throughput;
  printThroughputTables('1. POST /v1/chat/completions: direct to the upstream, through a bare proxy, through Tenantry (API key)', t);
  const rows: string[][] = [];
  for (const [which, summaries] of [['all rounds', t.summaries], ['undisturbed rounds', t.undisturbedSummaries]] as const) {
    const r = (a: string, b: string) => {
      const value = throughputRatio(summaries, a, b);
      return value === undefined ? 'n/a' : num(value, 2);
    };
    const p50 = (name: string) => summaries.find((s) => s.target === name)?.latencyP50Ms;
    const tenantry = p50('tenantry');
    const proxy = p50('bare proxy');
    rows.push([which, r('tenantry', 'bare proxy'), r('bare proxy', 'direct'), r('tenantry', 'direct'), tenantry === undefined ? 'n/a' : ms(tenantry), proxy === undefined ? 'n/a' : ms(proxy)]);
  }
  printTable(['medians over', 'tenantry ÷ proxy', 'proxy ÷ direct', 'tenantry ÷ direct', 'tenantry p50 ms', 'proxy p50 ms'], rows);
  console.log('   (Portkey beside Tenantry in this and the other shapes: table 3)');
  const processes = Object.keys(t.rounds[0]?.processCpuPercent ?? {});
  console.log('   CPU per request, µs (each process\'s median CPU over the target\'s median req/s, all rounds)');
  printTable(
    ['target', ...processes, 'autocannon', 'all'],
    t.summaries.map((summary) => {
      const shares = [...processes.map((p) => summary.processCpuPercent?.[p] ?? null), summary.loadGeneratorCpuPercent];
      const total = shares.every((v) => v !== null) ? shares.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
      return [summary.target, ...shares.map((v) => microsPerRequest(v, summary.requestsPerSecond)), microsPerRequest(total, summary.requestsPerSecond)];
    }),
  );

  printPortkeyComparison(figures.shapes);

  const s = figures.sequential;
  console.log(`2. Sequential: one request at a time over a kept-alive socket, ${s.options.rounds} rounds × a batch of ${s.options.requestsPerRound} per target, after ${s.options.warmupRequests} warm-up`);
  const series = s.series.map((x) => ['all batches', x.name, String(x.samples), num(x.p50Ms, 3), num(x.p99Ms, 3), num(x.maxMs, 2)]);
  if (s.disturbedBatches > 0) {
    for (const x of s.series) if (x.undisturbed) series.push(['undisturbed', x.name, String(x.undisturbed.samples), num(x.undisturbed.p50Ms, 3), num(x.undisturbed.p99Ms, 3), num(x.undisturbed.maxMs, 2)]);
  }
  printTable(['samples from', 'target', 'samples', 'p50 ms', 'p99 ms', 'max ms'], series);
  const of = (name: string) => s.series.find((x) => x.name === name)!;
  console.log(`   added p50: bare proxy over direct ${num(of('bare proxy').p50Ms - of('direct').p50Ms, 3)} ms, Tenantry over bare proxy ${num(of('tenantry').p50Ms - of('bare proxy').p50Ms, 3)} ms`);
  const cpu = Object.entries(s.cpu.processes).map(([name, value]) => `${name} ${pct(value)}`).join(', ');
  console.log(`   CPU over the phase: ${cpu}, bench ${pct(s.cpu.benchPercent)}, other programs ${pct(s.cpu.otherPercent)}`);
  if (s.disturbedBatches > 0) console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core in ${s.disturbedBatches} of ${s.batches} batches.`);
  console.log('');
  printAims(figures.aims);
}

const GATEWAYS = ['bare proxy', 'portkey', 'tenantry'];
const mib = (kib: number | undefined) => (kib === undefined || Number.isNaN(kib) ? 'n/a' : num(kib / 1024, 0));

/**
 * Issue 13's table: in each shape, each gateway's req/s, latency, the CPU its own process spent per
 * request and its memory; then the ratios side by side (medians over all rounds).
 */
function printPortkeyComparison(shapes: ShapeFigures[]): void {
  console.log('3. Tenantry beside Portkey (and the bare proxy): the same upstream, whole answers and streams, 10 and 50 connections');
  console.log('   (CPU µs/req: the gateway process\'s own CPU over its req/s; RSS after the shape\'s rounds, and the most it ever held)');
  const rows: string[][] = [];
  for (const shape of shapes) {
    const label = `${shape.streamed ? 'streamed' : 'whole'}, ${shape.connections} conn`;
    for (const name of GATEWAYS) {
      const summary = shape.throughput.summaries.find((x) => x.target === name);
      if (!summary) continue;
      const processName = name === 'bare proxy' ? 'proxy' : name;
      const memory = shape.memory[processName];
      rows.push([label, name, num(summary.requestsPerSecond, 0), ms(summary.latencyP50Ms), ms(summary.latencyP99Ms), microsPerRequest(summary.serverCpuPercent, summary.requestsPerSecond), mib(memory?.rssKiB), mib(memory?.peakKiB)]);
    }
  }
  printTable(['shape', 'gateway', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MiB', 'peak RSS MiB'], rows);
  const ratio = (shape: ShapeFigures, a: string, b: string) => {
    const value = throughputRatio(shape.throughput.summaries, a, b);
    return value === undefined ? 'n/a' : num(value, 2);
  };
  const cpuRatio = (shape: ShapeFigures, a: string, b: string) => {
    const perRequest = (name: string) => {
      const x = shape.throughput.summaries.find((s) => s.target === name);
      return x && x.serverCpuPercent !== null && x.requestsPerSecond > 0 ? x.serverCpuPercent / x.requestsPerSecond : undefined;
    };
    const [top, bottom] = [perRequest(a), perRequest(b)];
    return top === undefined || bottom === undefined ? 'n/a' : num(top / bottom, 2);
  };
  printTable(
    ['shape', 'tenantry ÷ portkey req/s', 'portkey ÷ proxy req/s', 'tenantry ÷ proxy req/s', 'tenantry ÷ portkey CPU/req'],
    shapes.map((shape) => [`${shape.streamed ? 'streamed' : 'whole'}, ${shape.connections} conn`, ratio(shape, 'tenantry', 'portkey'), ratio(shape, 'portkey', 'bare proxy'), ratio(shape, 'tenantry', 'bare proxy'), cpuRatio(shape, 'tenantry', 'portkey')]),
  );
}
