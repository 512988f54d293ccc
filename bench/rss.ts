import { readFileSync } from 'node:fs';

/**
 * Samples a process's resident memory from /proc/<pid>/status every `everyMs`: VmRSS (now) and
 * VmHWM (the most ever, kept by the kernel, so a peak between two samples is not missed). The bench's
 * own RSS is sampled beside it, to show the load generator did not hold the payload either.
 */

export interface RssFigures {
  samples: number;
  /** The longest gap between two samples, ms: the sampling's real resolution. */
  maxGapMs: number;
  baselineKiB: number;
  peakKiB: number;
  hwmBeforeKiB: number;
  hwmAfterKiB: number;
  benchBaselineKiB: number;
  benchPeakKiB: number;
}

export function readStatus(pid: number): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

export function sampleRss(pid: number, everyMs = 50): { stop(): RssFigures } {
  const first = readStatus(pid);
  const benchBaselineKiB = process.memoryUsage.rss() / 1024;
  let peakKiB = first.rssKiB;
  let benchPeakKiB = benchBaselineKiB;
  let samples = 1;
  let last = performance.now();
  let maxGapMs = 0;
  const take = () => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    samples += 1;
    peakKiB = Math.max(peakKiB, readStatus(pid).rssKiB);
    benchPeakKiB = Math.max(benchPeakKiB, process.memoryUsage.rss() / 1024);
  };
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { samples, maxGapMs, baselineKiB: first.rssKiB, peakKiB, hwmBeforeKiB: first.hwmKiB, hwmAfterKiB: readStatus(pid).hwmKiB, benchBaselineKiB, benchPeakKiB };
    },
  };
}
