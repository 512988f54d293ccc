import { DISTURBED_CPU_PERCENT } from './cpu.ts';
import { ms, num, pct, printAims, printTable } from './format.ts';
import type { GatewayFigures } from './gateway.ts';
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
