import { DISTURBED_CPU_PERCENT } from './cpu.ts';
import { int, ms, pct, printTable } from './format.ts';
import type { TargetSummary, ThroughputFigures } from './http-throughput.ts';

/**
 * The tables of an autocannon comparison: medians per target (over all rounds, then over the
 * undisturbed rounds only), then every round. With watched processes, each one's CPU has a column.
 */
export function printThroughputTables(title: string, throughput: ThroughputFigures): void {
  const o = throughput.options;
  console.log(`${title}: autocannon, ${o.connections} connections, pipelining ${o.pipelining}, ${o.rounds} × ${o.roundSeconds} s per target after ${o.warmupSeconds} s warm-up, targets alternating`);
  console.log('   (latency in whole ms as autocannon keeps it; CPU as % of one core)');
  const processes = Object.keys(throughput.rounds[0]?.processCpuPercent ?? {});
  const cpuHeaders = processes.length > 0 ? processes.map((p) => `${p} CPU`) : ['server CPU'];
  const cpuCells = (figures: { serverCpuPercent: number | null; processCpuPercent?: Record<string, number | null> }) =>
    processes.length > 0 ? processes.map((p) => pct(figures.processCpuPercent?.[p])) : [pct(figures.serverCpuPercent)];
  const summaryRow = (which: string) => (s: TargetSummary) => [
    which,
    s.target,
    String(s.rounds),
    int(s.requestsPerSecond),
    ms(s.latencyP50Ms),
    ms(s.latencyP99Ms),
    ...cpuCells(s),
    pct(s.loadGeneratorCpuPercent),
    microsPerRequest(s.serverCpuPercent, s.requestsPerSecond),
  ];
  printTable(
    ['medians over', 'target', 'rounds', 'req/s', 'p50 ms', 'p99 ms', ...cpuHeaders, 'autocannon CPU', 'server CPU µs/req'],
    [...throughput.summaries.map(summaryRow('all rounds')), ...throughput.undisturbedSummaries.map(summaryRow('undisturbed rounds'))],
  );
  printTable(
    ['round', 'target', 'req/s', 'p50 ms', 'p99 ms', ...cpuHeaders, 'autocannon CPU', 'other CPU'],
    throughput.rounds.map((r) => [String(r.round), r.target, int(r.requestsPerSecond), ms(r.latencyP50Ms), ms(r.latencyP99Ms), ...cpuCells(r), pct(r.loadGeneratorCpuPercent), pct(r.otherCpuPercent)]),
  );
  const disturbed = throughput.rounds.filter((r) => (r.otherCpuPercent ?? 0) > DISTURBED_CPU_PERCENT).length;
  if (disturbed > 0) {
    console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core in ${disturbed} round(s); see the undisturbed medians.\n`);
  }
}

/** CPU time the loaded server spent per request, in µs: its share of a core over the requests it answered. */
export function microsPerRequest(cpuPercent: number | null, requestsPerSecond: number): string {
  return cpuPercent === null || requestsPerSecond <= 0 ? 'n/a' : int((cpuPercent / 100) * 1e6 / requestsPerSecond);
}

/** Median req/s of `numerator` ÷ `denominator`, or undefined if either is missing. */
export function throughputRatio(summaries: TargetSummary[], numerator: string, denominator: string): number | undefined {
  const top = summaries.find((s) => s.target === numerator);
  const bottom = summaries.find((s) => s.target === denominator);
  return top && bottom ? top.requestsPerSecond / bottom.requestsPerSecond : undefined;
}
