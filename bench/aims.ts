import type { TargetSummary } from './http-throughput.ts';
import type { Aim, MeasuredFigures } from './results.ts';

/**
 * The aims of issue 2, judged on the figures as measured. Where other programs disturbed part of a
 * run, the same aim is also judged on the undisturbed part, on a line of its own: beside the plain
 * figure, never in its place.
 */
export function evaluateAims(results: MeasuredFigures): Aim[] {
  return [...throughputAims(results), policyAim(results), ...listAims(results)];
}

function throughputAims({ throughput }: MeasuredFigures): Aim[] {
  const judge = (figure: string, ratio: number): Aim => ({ figure, measured: ratio, aim: '≥ 0.5', met: ratio >= 0.5 });
  const aims = [judge('GET /v1/projects/{proj} req/s ÷ node:http hello req/s', throughputRatio(throughput.summaries)!)];
  const undisturbed = throughputRatio(throughput.undisturbedSummaries);
  const someDisturbed = throughput.undisturbedSummaries.length < 2 || throughput.undisturbedSummaries.some((s) => s.rounds < throughput.options.rounds);
  if (undisturbed !== undefined && someDisturbed) aims.push(judge('  the same, undisturbed rounds only', undisturbed));
  return aims;
}

function throughputRatio(summaries: TargetSummary[]): number | undefined {
  const hello = summaries.find((s) => s.target === 'hello');
  const tenantry = summaries.find((s) => s.target === 'tenantry');
  return hello && tenantry ? tenantry.requestsPerSecond / hello.requestsPerSecond : undefined;
}

function policyAim({ policy }: MeasuredFigures): Aim {
  return { figure: 'policy decisions/s (warm, in-process)', measured: policy.decisionsPerSecond, aim: '≥ 1,000,000', met: policy.decisionsPerSecond >= 1e6 };
}

function listAims({ listLatency }: MeasuredFigures): Aim[] {
  const firstPages = listLatency.series.filter((s) => s.page === 'first').sort((a, b) => a.projects - b.projects);
  const small = firstPages[0]!;
  const large = firstPages[firstPages.length - 1]!;
  const judge = (figure: string, ratio: number): Aim => ({ figure, measured: ratio, aim: '≤ 2', met: ratio <= 2 });
  const label = `project list p99 (${large.projects.toLocaleString('en-US')}) ÷ p99 (${small.projects.toLocaleString('en-US')})`;
  const aims = [judge(label, large.p99Ms / small.p99Ms)];
  if (listLatency.disturbedBatches > 0 && large.undisturbed && small.undisturbed) {
    aims.push(judge('  the same, undisturbed batches only', large.undisturbed.p99Ms / small.undisturbed.p99Ms));
  }
  return aims;
}
