import autocannon, { type Result } from 'autocannon';
import { DISTURBED_CPU_PERCENT, watchCpu } from './cpu.ts';
import { median } from './stats.ts';

/**
 * Requests per second against two servers, each in its own process, with autocannon in this one.
 * The targets alternate round by round, so a drift of the machine (another tenant, thermal limits)
 * touches both alike instead of biasing whichever ran last.
 */

export interface ThroughputTarget {
  name: string;
  /** The full URL autocannon requests. */
  url: string;
  headers?: Record<string, string>;
  /** GET unless set; a POST carries `body`. */
  method?: string;
  body?: string;
  /** The server's process, whose CPU time is read around each round. */
  pid: number;
}

/** A process of the bench whose CPU is read around every round, whichever target the round loads. */
export interface WatchedProcess {
  name: string;
  pid: number;
}

export interface ThroughputOptions {
  connections: number;
  pipelining: number;
  warmupSeconds: number;
  roundSeconds: number;
  rounds: number;
}

export interface RoundFigures {
  target: string;
  round: number;
  requestsPerSecond: number;
  requests: number;
  /** Whole milliseconds: autocannon's latency histogram does not keep fractions. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** % of one core, over the round's wall time. */
  serverCpuPercent: number | null;
  loadGeneratorCpuPercent: number;
  /** Everything else on the machine meanwhile (other programs), % of one core. */
  otherCpuPercent: number | null;
  /** Each watched process (see measureThroughput), % of one core; absent when none is watched. */
  processCpuPercent?: Record<string, number | null>;
}

export interface TargetSummary {
  target: string;
  /** How many rounds the medians are over. */
  rounds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  serverCpuPercent: number | null;
  loadGeneratorCpuPercent: number;
  /** Medians of each watched process's CPU over the rounds; absent when none is watched. */
  processCpuPercent?: Record<string, number | null>;
}

export interface ThroughputFigures {
  options: ThroughputOptions;
  rounds: RoundFigures[];
  /** Medians over all rounds, per target. */
  summaries: TargetSummary[];
  /**
   * Medians over the rounds no other program disturbed, per target (absent where none was): kept
   * beside the plain medians, not instead of them, so a reader sees both.
   */
  undisturbedSummaries: TargetSummary[];
}

/**
 * `watched`: every process of the bench that may burn CPU during a round (an upstream behind a proxy,
 * a server that idles while another is loaded). Its CPU is reported per round and not counted as
 * other programs'.
 */
export async function measureThroughput(targets: ThroughputTarget[], options: ThroughputOptions, watched: WatchedProcess[] = []): Promise<ThroughputFigures> {
  // The warm-up lets V8 optimise the hot paths and fills Tenantry's caches; its figures are dropped.
  for (const target of targets) await load(target, options, options.warmupSeconds);
  const rounds: RoundFigures[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of targets) rounds.push(await measureRound(target, options, round, watched));
  }
  const of = (name: string, rs: RoundFigures[]) => rs.filter((r) => r.target === name);
  const undisturbed = rounds.filter((r) => r.otherCpuPercent !== null && r.otherCpuPercent <= DISTURBED_CPU_PERCENT);
  return {
    options,
    rounds,
    summaries: targets.map((t) => summarise(t.name, of(t.name, rounds))),
    undisturbedSummaries: targets.filter((t) => of(t.name, undisturbed).length > 0).map((t) => summarise(t.name, of(t.name, undisturbed))),
  };
}

async function measureRound(target: ThroughputTarget, options: ThroughputOptions, round: number, watched: WatchedProcess[]): Promise<RoundFigures> {
  const companions = watched.filter((w) => w.pid !== target.pid);
  const stopWatching = watchCpu(target.pid, companions.map((c) => c.pid));
  const result = await load(target, options, options.roundSeconds);
  const cpu = stopWatching();
  const processCpuPercent = watched.length === 0 ? undefined : Object.fromEntries(
    watched.map((w) => [w.name, w.pid === target.pid ? cpu.serverPercent : cpu.companionPercents[companions.indexOf(w)] ?? null]),
  );
  return {
    target: target.name,
    round,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    serverCpuPercent: cpu.serverPercent,
    loadGeneratorCpuPercent: cpu.benchPercent,
    otherCpuPercent: cpu.otherPercent,
    ...(processCpuPercent ? { processCpuPercent } : {}),
  };
}

/** One autocannon run; any answer but a 2xx, or any socket error, fails the whole bench. */
async function load(target: ThroughputTarget, options: ThroughputOptions, seconds: number): Promise<Result> {
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    pipelining: options.pipelining,
    duration: seconds,
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.method ? { method: target.method } : {}),
    ...(target.body !== undefined ? { body: target.body } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0 || result.requests.total === 0) {
    throw new Error(
      `${target.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts ` +
        `out of ${result.requests.total} requests; status codes: ${JSON.stringify(result.statusCodeStats)}`,
    );
  }
  return result;
}

function summarise(target: string, rounds: RoundFigures[]): TargetSummary {
  const cpu = rounds.map((r) => r.serverCpuPercent).filter((v): v is number => v !== null);
  return {
    target,
    rounds: rounds.length,
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    latencyP50Ms: median(rounds.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((r) => r.latencyP99Ms)),
    serverCpuPercent: cpu.length === rounds.length ? median(cpu) : null,
    loadGeneratorCpuPercent: median(rounds.map((r) => r.loadGeneratorCpuPercent)),
    ...(rounds[0]?.processCpuPercent ? { processCpuPercent: processMedians(rounds) } : {}),
  };
}

function processMedians(rounds: RoundFigures[]): Record<string, number | null> {
  const names = Object.keys(rounds[0]?.processCpuPercent ?? {});
  return Object.fromEntries(
    names.map((name) => {
      const values = rounds.map((r) => r.processCpuPercent?.[name]).filter((v): v is number => typeof v === 'number');
      return [name, values.length === rounds.length ? median(values) : null];
    }),
  );
}
