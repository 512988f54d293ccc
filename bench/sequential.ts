import { DISTURBED_CPU_PERCENT, watchCpu } from './cpu.ts';
import type { WatchedProcess } from './http-throughput.ts';
import type { LatencyFigures } from './list-latency.ts';
import { percentile } from './stats.ts';

/**
 * Latency series timed one request at a time with performance.now(), to the microsecond (autocannon
 * keeps whole milliseconds). The series take turns batch by batch, so a slow spell of the machine
 * hits every series alike; a batch during which other programs used over DISTURBED_CPU_PERCENT of a
 * core is marked, and the figures are also given without the marked batches.
 */

export interface Series {
  name: string;
  /** Sends one request and answers its time in ms; throws on a wrong answer. */
  probe: () => Promise<number>;
}

export interface SequentialOptions {
  warmupRequests: number;
  rounds: number;
  requestsPerRound: number;
}

export interface SeriesLatency extends LatencyFigures {
  name: string;
  /** Over the undisturbed batches only; null if every batch was disturbed. */
  undisturbed: LatencyFigures | null;
}

export interface SequentialFigures {
  options: SequentialOptions;
  series: SeriesLatency[];
  batches: number;
  disturbedBatches: number;
  /** Over the whole phase, % of one core. */
  cpu: { benchPercent: number; otherPercent: number | null; processes: Record<string, number | null> };
}

interface Batch {
  series: string;
  times: number[];
  otherCpuPercent: number | null;
}

/** `watched`: the bench's own server processes, whose CPU is not other programs'. */
export async function measureSequential(series: Series[], options: SequentialOptions, watched: WatchedProcess[]): Promise<SequentialFigures> {
  for (const s of series) await repeat(s, options.warmupRequests);
  const pids = watched.map((w) => w.pid);
  const batches: Batch[] = [];
  const stopPhase = watchCpu(undefined, pids);
  for (let round = 0; round < options.rounds; round++) {
    for (const s of series) {
      const stop = watchCpu(undefined, pids);
      const times = await repeat(s, options.requestsPerRound);
      batches.push({ series: s.name, times, otherCpuPercent: stop().otherPercent });
    }
  }
  const phase = stopPhase();
  const quiet = (b: Batch) => b.otherCpuPercent !== null && b.otherCpuPercent <= DISTURBED_CPU_PERCENT;
  return {
    options,
    series: series.map((s) => {
      const own = batches.filter((b) => b.series === s.name);
      const undisturbed = own.filter(quiet).flatMap((b) => b.times);
      return { name: s.name, ...latencyOf(own.flatMap((b) => b.times)), undisturbed: undisturbed.length > 0 ? latencyOf(undisturbed) : null };
    }),
    batches: batches.length,
    disturbedBatches: batches.filter((b) => !quiet(b)).length,
    cpu: {
      benchPercent: phase.benchPercent,
      otherPercent: phase.otherPercent,
      processes: Object.fromEntries(watched.map((w, i) => [w.name, phase.companionPercents[i] ?? null])),
    },
  };
}

async function repeat(series: Series, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await series.probe());
  return times;
}

export function latencyOf(times: number[]): LatencyFigures {
  return { samples: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: Math.max(...times) };
}
