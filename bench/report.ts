import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThroughputFigures } from './http-throughput.ts';
import type { ListLatencyFigures } from './list-latency.ts';
import type { MachineInfo } from './machine.ts';
import type { AuthorizerFigures, PolicyFigures } from './policy.ts';

/** Turns the figures into tables on stdout and one JSON file. */

export interface BenchResults {
  machine: MachineInfo;
  command: string;
  policy: PolicyFigures;
  authorizer: AuthorizerFigures;
  throughput: ThroughputFigures;
  listLatency: ListLatencyFigures;
  aims: Aim[];
}

export interface Aim {
  figure: string;
  measured: number;
  aim: string;
  met: boolean;
}

export function evaluateAims(results: Omit<BenchResults, 'aims'>): Aim[] {
  const rps = (name: string) => results.throughput.summaries.find((s) => s.target === name)!.requestsPerSecond;
  const p99 = (projects: number) =>
    results.listLatency.series.find((s) => s.projects === projects && s.page === 'first')!.p99Ms;
  const ratio = rps('tenantry') / rps('hello');
  const [small, large] = [...results.listLatency.series.filter((s) => s.page === 'first').map((s) => s.projects)].sort((a, b) => a - b);
  const listRatio = p99(large!) / p99(small!);
  return [
    { figure: 'GET /v1/projects/{proj} req/s ÷ node:http hello req/s', measured: ratio, aim: '≥ 0.5', met: ratio >= 0.5 },
    { figure: 'policy decisions/s (warm, in-process)', measured: results.policy.decisionsPerSecond, aim: '≥ 1,000,000', met: results.policy.decisionsPerSecond >= 1e6 },
    { figure: `project list p99 (${count(large!)}) ÷ p99 (${count(small!)})`, measured: listRatio, aim: '≤ 2', met: listRatio <= 2 },
  ];
}

export function printReport(results: BenchResults): void {
  const { machine, throughput, policy, authorizer, listLatency, aims } = results;
  console.log(`\nTenantry core bench, ${machine.date}`);
  console.log(`${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}`);
  console.log(`1-minute load average at start: ${machine.loadAverageAtStart}`);
  if (machine.loadAverageAtStart > 0.5) console.log('WARNING: the machine was busy as the bench started; figures may be low and noisy.');
  console.log('');

  const o = throughput.options;
  console.log(`1. HTTP throughput: autocannon, ${o.connections} connections, pipelining ${o.pipelining}, ${o.rounds} × ${o.roundSeconds} s per target after ${o.warmupSeconds} s warm-up; medians over rounds`);
  console.log('   (latency in whole ms as autocannon keeps it; CPU as % of one core)');
  printTable(
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'server CPU', 'autocannon CPU'],
    throughput.summaries.map((s) => [s.target, int(s.requestsPerSecond), ms(s.latencyP50Ms), ms(s.latencyP99Ms), pct(s.serverCpuPercent), pct(s.loadGeneratorCpuPercent)]),
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

  console.log('2. Authorization, in-process, warm caches');
  printTable(
    ['measure', 'per second', 'detail'],
    [
      ['can(snapshot, permission, target, now)', int(policy.decisionsPerSecond), `${policy.grants} grants, ${policy.cases} cases, ${num(policy.allowedShare * 100, 0)}% allowed`],
      ["authorizer.project(principal, id, 'project.read')", int(authorizer.callsPerSecond), `${int(authorizer.calls)} awaited calls`],
    ],
  );

  console.log(`3. GET /v1/organizations/{org}/projects?limit=${listLatency.options.pageSize}: sequential requests, ${listLatency.options.rounds} rounds × ${listLatency.options.requestsPerRound} per series`);
  printTable(
    ['projects', 'page', 'samples', 'p50 ms', 'p99 ms', 'max ms'],
    listLatency.series.map((s) => [count(s.projects), s.page === 'first' ? 'first' : 'after=<last_id>', String(s.samples), num(s.p50Ms, 2), num(s.p99Ms, 2), num(s.maxMs, 2)]),
  );
  printTable(
    ['paging check', 'page 1', 'page 2', 'ordered, no repeats', 'tied created_at'],
    listLatency.checks.map((c) => [c.organization, String(c.firstPage), String(c.secondPage), c.orderedAndDisjoint ? 'yes' : 'NO', String(c.tiedItems)]),
  );

  console.log('Aims');
  printTable(
    ['figure', 'measured', 'aim', 'verdict'],
    aims.map((a) => [a.figure, a.measured >= 1000 ? int(a.measured) : num(a.measured, 3), a.aim, a.met ? 'met' : 'MISSED']),
  );
}

/** Writes the raw figures under the OS temp folder (not the repository) and answers the path. */
export function writeJson(results: BenchResults): string {
  const dir = join(tmpdir(), 'tenantry-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'latest.json');
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
  return path;
}

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text columns align left, figures right, as a reader scans them.
  const numeric = headers.map((_, i) => rows.every((r) => /^<?[\d.,%\s-]+$|^n\/a$/.test(r[i]!)));
  const line = (cells: string[]) => ('  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')).trimEnd();
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const num = (n: number, digits: number) => n.toFixed(digits);
const count = (n: number) => n.toLocaleString('en-US');
/** autocannon truncates latency to whole milliseconds, so 0 means under one. */
const ms = (n: number) => (n === 0 ? '<1' : n.toFixed(0));
const pct = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(0)}%`);
