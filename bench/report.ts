import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTURBED_CPU_PERCENT } from './cpu.ts';
import type { TargetSummary } from './http-throughput.ts';
import type { LatencyFigures, SeriesFigures } from './list-latency.ts';
import type { BenchResults } from './results.ts';
import { count, int, ms, num, pct, printTable } from './format.ts';

/** Turns the figures into tables on stdout and one JSON file. */

export function printReport(results: BenchResults): void {
  printHeader(results);
  printThroughput(results);
  printAuthorization(results);
  printListLatency(results);
  console.log('Aims');
  printTable(
    ['figure', 'measured', 'aim', 'verdict'],
    results.aims.map((a) => [a.figure, a.measured >= 1000 ? int(a.measured) : num(a.measured, 3), a.aim, a.met ? 'met' : 'MISSED']),
  );
}

function printHeader({ machine, revision }: BenchResults): void {
  console.log(`\nTenantry core bench, ${machine.date}, source ${revision}`);
  console.log(`${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}`);
  console.log(`1-minute load average at start: ${machine.loadAverageAtStart} (it lags; the 'other CPU' figures below are exact)\n`);
}

function printThroughput({ throughput }: BenchResults): void {
  const o = throughput.options;
  console.log(`1. HTTP throughput: autocannon, ${o.connections} connections, pipelining ${o.pipelining}, ${o.rounds} × ${o.roundSeconds} s per target after ${o.warmupSeconds} s warm-up`);
  console.log('   (latency in whole ms as autocannon keeps it; CPU as % of one core)');
  const summaryRow = (which: string) => (s: TargetSummary) => [
    which,
    s.target,
    String(s.rounds),
    int(s.requestsPerSecond),
    ms(s.latencyP50Ms),
    ms(s.latencyP99Ms),
    pct(s.serverCpuPercent),
    pct(s.loadGeneratorCpuPercent),
  ];
  printTable(
    ['medians over', 'target', 'rounds', 'req/s', 'p50 ms', 'p99 ms', 'server CPU', 'autocannon CPU'],
    [...throughput.summaries.map(summaryRow('all rounds')), ...throughput.undisturbedSummaries.map(summaryRow('undisturbed rounds'))],
  );
  printTable(
    ['round', 'target', 'req/s', 'p50 ms', 'p99 ms', 'server CPU', 'autocannon CPU', 'other CPU'],
    throughput.rounds.map((r) => [
      String(r.round),
      r.target,
      int(r.requestsPerSecond),
      ms(r.latencyP50Ms),
      ms(r.latencyP99Ms),
      pct(r.serverCpuPercent),
      pct(r.loadGeneratorCpuPercent),
      pct(r.otherCpuPercent),
    ]),
  );
  const disturbed = throughput.rounds.filter((r) => (r.otherCpuPercent ?? 0) > DISTURBED_CPU_PERCENT).length;
  if (disturbed > 0) {
    console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core in ${disturbed} round(s); the medians over all rounds understate both servers.\n`);
  }
}

function printAuthorization({ policy, authorizer }: BenchResults): void {
  console.log('2. Authorization, in-process, warm caches');
  printTable(
    ['measure', 'per second', 'other CPU', 'detail'],
    [
      [
        'can(snapshot, permission, target, now)',
        int(policy.decisionsPerSecond),
        pct(policy.otherCpuPercent),
        `${policy.grants} grants, ${policy.cases} cases, ${num(policy.allowedShare * 100, 0)}% allowed`,
      ],
      ["authorizer.project(principal, id, 'project.read')", int(authorizer.callsPerSecond), pct(authorizer.otherCpuPercent), `${int(authorizer.calls)} awaited calls`],
    ],
  );
}

function printListLatency({ listLatency }: BenchResults): void {
  const l = listLatency.options;
  console.log(`3. GET /v1/organizations/{org}/projects?limit=${l.pageSize}: sequential requests, ${l.rounds} rounds × a batch of ${l.requestsPerRound} per series`);
  const row = (s: SeriesFigures, figures: LatencyFigures, which: string) => [
    which,
    count(s.projects),
    s.page === 'first' ? 'first' : 'after=<last_id>',
    String(figures.samples),
    num(figures.p50Ms, 2),
    num(figures.p99Ms, 2),
    num(figures.maxMs, 2),
  ];
  const quietRows = listLatency.disturbedBatches > 0 ? listLatency.series.filter((s) => s.undisturbed).map((s) => row(s, s.undisturbed!, 'undisturbed')) : [];
  printTable(['samples from', 'projects', 'page', 'samples', 'p50 ms', 'p99 ms', 'max ms'], [...listLatency.series.map((s) => row(s, s, 'all batches')), ...quietRows]);
  const c = listLatency.cpu;
  console.log(`   CPU over the phase: server ${pct(c.serverPercent)}, bench ${pct(c.benchPercent)}, other programs ${pct(c.otherPercent)} (of one core)`);
  if (listLatency.disturbedBatches > 0) {
    console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core in ${listLatency.disturbedBatches} of ${listLatency.batches} batches.`);
  }
  console.log('');
  printTable(
    ['paging check', 'page 1', 'page 2', 'ordered, no repeats', 'tied created_at'],
    listLatency.checks.map((p) => [p.organization, String(p.firstPage), String(p.secondPage), p.orderedAndDisjoint ? 'yes' : 'NO', String(p.tiedItems)]),
  );
}

/** Writes the raw figures under the OS temp folder (not the repository) and answers the path. */
export function writeJson(results: unknown): string {
  const dir = join(tmpdir(), 'tenantry-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'latest.json');
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
  return path;
}
