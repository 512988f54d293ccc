import { DISTURBED_CPU_PERCENT } from './cpu.ts';
import { num, pct, printAims, printTable } from './format.ts';
import type { KeysFigures } from './keys.ts';
import { printThroughputTables, throughputRatio } from './throughput-report.ts';

/** The tables of issue 3's figures. */
export function printKeysReport(figures: KeysFigures): void {
  console.log('\nAPI keys and audit (issue 3)\n');
  printThroughputTables('1. GET /v1/projects/{proj} by API key and by session, and node:http hello', figures.throughput);
  const ratios: string[][] = [];
  for (const [which, summaries] of [['all rounds', figures.throughput.summaries], ['undisturbed rounds', figures.throughput.undisturbedSummaries]] as const) {
    const cell = (a: string, b: string) => {
      const r = throughputRatio(summaries, a, b);
      return r === undefined ? 'n/a' : num(r, 2);
    };
    ratios.push([which, cell('api key', 'hello'), cell('session', 'hello'), cell('api key', 'session')]);
  }
  printTable(['medians over', 'api key ÷ hello', 'session ÷ hello', 'api key ÷ session'], ratios);

  console.log(`2. Database queries per warm request, in-process (inject), after ${figures.queries.warmupRequests} warm-up requests (the first of them counted apart)`);
  printTable(
    ['credential', 'first request', 'warm requests', 'queries', 'per request', 'µs per request'],
    figures.queries.results.map((r) => [r.credential, String(r.firstRequestQueries), String(r.requests), String(r.queries), num(r.queriesPerRequest, 3), num(r.microsecondsPerRequest, 0)]),
  );

  if (figures.revocation) {
    const r = figures.revocation;
    console.log(`3. Revocation on instance A until instance B answers 401: ${r.options.keys} keys, ${r.database}`);
    printTable(
      ['keys', 'p50 ms', 'p99 ms', 'max ms', 'polls p50', 'polls max', 'not propagated', 'DELETE p50 ms', 'bench CPU', 'PostgreSQL CPU', 'other CPU'],
      [[
        String(r.propagation.samples),
        num(r.propagation.p50Ms, 2),
        num(r.propagation.p99Ms, 2),
        num(r.propagation.maxMs, 2),
        String(r.pollsMedian),
        String(r.pollsMax),
        String(r.notPropagated),
        num(r.revokeP50Ms, 2),
        pct(r.benchCpuPercent),
        pct(r.postgresCpuPercent),
        pct(r.otherCpuPercent),
      ]],
    );
    if ((r.otherCpuPercent ?? 0) > DISTURBED_CPU_PERCENT) console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core during the revocations.\n`);
  } else {
    console.log(`3. Revocation across instances: skipped, ${figures.revocationSkipped}\n`);
  }
  printAims(figures.aims);
}
