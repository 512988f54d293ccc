import { DISTURBED_CPU_PERCENT, watchCpu } from './cpu.ts';
import { expectStatus, type JsonClient } from './http-client.ts';
import { percentile } from './stats.ts';

/**
 * Latency of one page of `GET /v1/organizations/{org}/projects` in a small organization and in a
 * large one. Requests go one at a time over a kept-alive socket, so each sample is the server's
 * time for one page (plus loopback), not time spent queued behind other requests, and is timed to
 * the microsecond with performance.now() instead of autocannon's whole milliseconds.
 */

export interface ListedOrganization {
  label: string;
  id: string;
  projects: number;
}

export interface ListLatencyOptions {
  pageSize: number;
  warmupRequests: number;
  rounds: number;
  requestsPerRound: number;
}

/** `first`: the newest page. `after`: the page after it, through the keyset cursor. */
export type PageKind = 'first' | 'after';

export interface LatencyFigures {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SeriesFigures extends LatencyFigures {
  organization: string;
  projects: number;
  page: PageKind;
  /** Over the batches during which other programs stayed under DISTURBED_CPU_PERCENT; null if none did. */
  undisturbed: LatencyFigures | null;
}

/** One batch of sequential requests of one series, with what else ran meanwhile. */
interface Batch {
  series: string;
  times: number[];
  otherCpuPercent: number | null;
}

export interface PagingCheck {
  organization: string;
  firstPage: number;
  secondPage: number;
  /** Items are in (created_at, id) descending order across both pages, none repeated. */
  orderedAndDisjoint: boolean;
  hasMoreAfterFirst: boolean;
  /** How many items of the two pages share one created_at: ties the cursor had to break by id. */
  tiedItems: number;
}

interface ProjectItem {
  id: string;
  created_at: number;
}

interface ProjectPage {
  data: ProjectItem[];
  last_id: string | null;
  has_more: boolean;
}

export async function measureListLatency(
  client: JsonClient,
  token: string,
  serverPid: number,
  organizations: ListedOrganization[],
  options: ListLatencyOptions,
) {
  const checks: PagingCheck[] = [];
  const paths = new Map<string, string>();
  for (const organization of organizations) {
    const { check, afterCursor } = await checkPaging(client, token, organization, options.pageSize);
    checks.push(check);
    paths.set(key(organization, 'first'), pagePath(organization.id, options.pageSize));
    paths.set(key(organization, 'after'), pagePath(organization.id, options.pageSize, afterCursor));
  }

  for (const path of paths.values()) await probe(client, token, path, options.warmupRequests);
  // Interleave the series round by round, so a slow spell of the machine hits every series alike.
  const batches: Batch[] = [];
  const stopWatchingPhase = watchCpu(serverPid);
  for (let round = 0; round < options.rounds; round++) {
    for (const [series, path] of paths) {
      const stopWatching = watchCpu(serverPid);
      const times = await probe(client, token, path, options.requestsPerRound);
      batches.push({ series, times, otherCpuPercent: stopWatching().otherPercent });
    }
  }
  const cpu = stopWatchingPhase();

  const series: SeriesFigures[] = [];
  for (const organization of organizations) {
    for (const page of ['first', 'after'] as const) series.push(summarise(organization, page, batches.filter((b) => b.series === key(organization, page))));
  }
  return { options, checks, series, cpu, disturbedBatches: batches.filter((b) => !undisturbed(b)).length, batches: batches.length };
}

export type ListLatencyFigures = Awaited<ReturnType<typeof measureListLatency>>;

function key(organization: ListedOrganization, page: PageKind): string {
  return `${organization.id}/${page}`;
}

function pagePath(organizationId: string, limit: number, after?: string): string {
  const query = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
  return `/v1/organizations/${organizationId}/projects?${query}`;
}

/** `count` sequential requests; every one must answer 200 with a full page. */
async function probe(client: JsonClient, token: string, path: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await client.call<ProjectPage>('GET', path, { token });
    const page = expectStatus(response, 200, `GET ${path}`);
    if (page.data.length === 0) throw new Error(`GET ${path} answered an empty page`);
    times.push(response.elapsedMs);
  }
  return times;
}

/** Fetches the first two pages and checks the cursor walks on without gaps, repeats or disorder. */
async function checkPaging(client: JsonClient, token: string, organization: ListedOrganization, pageSize: number) {
  const first = expectStatus(await client.call<ProjectPage>('GET', pagePath(organization.id, pageSize), { token }), 200, 'first page');
  if (!first.last_id) throw new Error(`${organization.label}: the first page is empty`);
  const secondPath = pagePath(organization.id, pageSize, first.last_id);
  const second = expectStatus(await client.call<ProjectPage>('GET', secondPath, { token }), 200, 'second page');
  const items = [...first.data, ...second.data];
  const orderedAndDisjoint =
    new Set(items.map((p) => p.id)).size === items.length && items.every((p, i) => i === 0 || isOlder(p, items[i - 1]!));
  const check: PagingCheck = {
    organization: organization.label,
    firstPage: first.data.length,
    secondPage: second.data.length,
    orderedAndDisjoint,
    hasMoreAfterFirst: first.has_more,
    tiedItems: tiedCount(items),
  };
  if (!orderedAndDisjoint || first.data.length !== pageSize || second.data.length !== pageSize || !first.has_more) {
    throw new Error(`${organization.label}: paging is broken: ${JSON.stringify(check)}`);
  }
  return { check, afterCursor: first.last_id };
}

/** Strictly after `previous` in the list's order: created_at descending, then id descending. */
function isOlder(item: ProjectItem, previous: ProjectItem): boolean {
  return item.created_at < previous.created_at || (item.created_at === previous.created_at && item.id < previous.id);
}

function tiedCount(items: ProjectItem[]): number {
  const perSecond = new Map<number, number>();
  for (const item of items) perSecond.set(item.created_at, (perSecond.get(item.created_at) ?? 0) + 1);
  return [...perSecond.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0);
}

function undisturbed(batch: Batch): boolean {
  return batch.otherCpuPercent !== null && batch.otherCpuPercent <= DISTURBED_CPU_PERCENT;
}

function summarise(organization: ListedOrganization, page: PageKind, batches: Batch[]): SeriesFigures {
  const quiet = batches.filter(undisturbed).flatMap((b) => b.times);
  return {
    organization: organization.label,
    projects: organization.projects,
    page,
    ...latency(batches.flatMap((b) => b.times)),
    undisturbed: quiet.length > 0 ? latency(quiet) : null,
  };
}

function latency(times: number[]): LatencyFigures {
  return { samples: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: Math.max(...times) };
}
