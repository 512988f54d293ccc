import { num, pct, printAims, printTable } from './format.ts';
import type { FilesFigures } from './files.ts';
import { DISTURBED_CPU_PERCENT } from './cpu.ts';

/** The tables of issue 4's figures. MB are 10^6 bytes. */
export function printFilesReport(figures: FilesFigures): void {
  const u = figures.upload;
  const mb = (kib: number) => num((kib * 1024) / 1e6, 1);
  console.log('\nFiles (issue 4)\n');
  console.log(`1. POST /v1/files, ${num(u.bytes / 1e6, 0)} MB fine-tune JSONL (${u.lines.toLocaleString('en-US')} lines), multipart, streamed, API key`);
  printTable(
    ['seconds', 'MB/s', 'sent by s', 'server CPU', 'bench CPU', 'other CPU'],
    [[num(u.seconds, 1), num(u.megabytesPerSecond, 1), num(u.sendSeconds, 1), pct(u.serverCpuPercent), pct(u.benchCpuPercent), pct(u.otherCpuPercent)]],
  );
  if ((u.otherCpuPercent ?? 0) > DISTURBED_CPU_PERCENT) console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core during the upload.\n`);
  const r = u.rss;
  console.log(`   Server memory, MB, VmRSS sampled every ≤ ${num(r.maxGapMs, 0)} ms (${r.samples} samples), VmHWM from the kernel`);
  printTable(
    ['RSS before', 'RSS peak', 'RSS growth', 'HWM before', 'HWM after', 'bench RSS before', 'bench RSS peak'],
    [[mb(r.baselineKiB), mb(r.peakKiB), num(u.rssGrowthBytes / 1e6, 1), mb(r.hwmBeforeKiB), mb(r.hwmAfterKiB), mb(r.benchBaselineKiB), mb(r.benchPeakKiB)]],
  );

  const l = figures.list.latency;
  console.log(`2. GET /v1/files?limit=20 by API key: sequential requests, ${l.options.rounds} rounds × a batch of ${l.options.requestsPerRound} per project, after ${l.options.warmupRequests} warm-up`);
  const rows = l.series.map((s) => ['all batches', s.name, String(s.samples), num(s.p50Ms, 2), num(s.p99Ms, 2), num(s.maxMs, 2)]);
  if (l.disturbedBatches > 0) {
    for (const s of l.series) if (s.undisturbed) rows.push(['undisturbed', s.name, String(s.undisturbed.samples), num(s.undisturbed.p50Ms, 2), num(s.undisturbed.p99Ms, 2), num(s.undisturbed.maxMs, 2)]);
  }
  printTable(['samples from', 'project', 'samples', 'p50 ms', 'p99 ms', 'max ms'], rows);
  const [small, large] = [l.series[0]!, l.series[l.series.length - 1]!];
  console.log(`   p50 ratio ${num(large.p50Ms / small.p50Ms, 2)}, p99 ratio ${num(large.p99Ms / small.p99Ms, 2)} (${large.name} ÷ ${small.name}); pages 1 and 2 checked: ${figures.list.pagingChecked ? 'full, ordered, disjoint' : 'NO'}`);
  console.log(`   CPU over the phase: server ${pct(l.cpu.processes.tenantry)}, bench ${pct(l.cpu.benchPercent)}, other programs ${pct(l.cpu.otherPercent)}`);
  if (l.disturbedBatches > 0) console.log(`WARNING: other programs used over ${DISTURBED_CPU_PERCENT}% of a core in ${l.disturbedBatches} of ${l.batches} batches.`);
  console.log('');
  printAims(figures.aims);
}
