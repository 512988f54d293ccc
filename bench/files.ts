import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './context.ts';
import { watchCpu } from './cpu.ts';
import { printFilesReport } from './files-report.ts';
import { expectStatus, jsonClient, type JsonClient } from './http-client.ts';
import { fineTuneChunks, LINE_BYTES } from './jsonl-source.ts';
import { uploadMultipart } from './multipart-upload.ts';
import { stopServer, type ServerProcess } from './processes.ts';
import type { Aim } from './results.ts';
import { sampleRss, type RssFigures } from './rss.ts';
import { seedFiles } from './seed-files.ts';
import { measureSequential, type SequentialFigures, type SequentialOptions } from './sequential.ts';
import { startTenantryServer } from './servers.ts';
import { createApiKey, createProject, signUp } from './tenantry-setup.ts';

/**
 * `npm run bench -- files`: the figures of issue 4.
 * 1. A 200 MB fine-tune JSONL uploaded to `POST /v1/files` with an API key: MB/s, and how much the
 *    server's resident memory grows meanwhile (aim: under 100 MB).
 * 2. `GET /v1/files?limit=20` latency in a project of 100 files and in one of 100,000.
 */

const UPLOAD_BYTES = 200_000_000;
const MAX_BYTES = 300_000_000;
const RSS_SAMPLE_MS = 50;
const FILE_COUNTS = [100, 100_000];
const LIST: SequentialOptions = { warmupRequests: 100, rounds: 5, requestsPerRound: 400 };
const PAGE_SIZE = 20;

export interface UploadFigures {
  bytes: number;
  lines: number;
  seconds: number;
  megabytesPerSecond: number;
  /** Until the last byte was handed to the socket; the rest is the server finishing (the commit). */
  sendSeconds: number;
  rss: RssFigures;
  /** Peak sampled VmRSS less VmRSS just before the upload, in bytes. */
  rssGrowthBytes: number;
  serverCpuPercent: number | null;
  benchCpuPercent: number;
  otherCpuPercent: number | null;
  answer: { id: string; bytes: number; purpose: string; status: string };
}

export interface FileListFigures {
  latency: SequentialFigures;
  projects: Array<{ series: string; files: number }>;
  /** Pages 1 and 2 of the large project: full, in (created_at, id) descending order, none repeated. */
  pagingChecked: boolean;
}

export interface FilesFigures {
  upload: UploadFigures;
  list: FileListFigures;
  aims: Aim[];
}

export async function runFiles(): Promise<FilesFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-bench-files-'));
  const databaseUrl = `sqlite:${join(dataDir, 'bench.db')}`;
  let tenantry: ServerProcess | undefined;
  let client: JsonClient | undefined;
  try {
    progress(`starting Tenantry with files.max_bytes = ${MAX_BYTES.toLocaleString('en-US')}`);
    tenantry = await startTenantryServer({ dataDir, databaseUrl, config: { files: { max_bytes: MAX_BYTES } } });
    client = jsonClient(tenantry.url);
    const user = await signUp(client);
    const key = await createApiKey(client, user.token, user.projectId);
    expectStatus(await client.call('GET', '/v1/files', { token: key }), 200, 'GET /v1/files');

    progress(`upload: ${UPLOAD_BYTES / 1e6} MB of JSONL, streamed`);
    const upload = await measureUpload(tenantry, key);
    // The content is not needed again: free the disk before the listing.
    expectStatus(await client.call('DELETE', `/v1/files/${upload.answer.id}`, { token: key }), 200, 'DELETE /v1/files/{id}');

    const list = await measureList(client, user, databaseUrl, tenantry);
    const figures: FilesFigures = { upload, list, aims: [] };
    figures.aims = filesAims(figures);
    printFilesReport(figures);
    return figures;
  } finally {
    client?.close();
    if (tenantry) await stopServer(tenantry);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureUpload(tenantry: ServerProcess, key: string): Promise<UploadFigures> {
  const rss = sampleRss(tenantry.pid, RSS_SAMPLE_MS);
  const stopWatching = watchCpu(tenantry.pid);
  const answer = await uploadMultipart({
    url: `${tenantry.url}/v1/files`,
    token: key,
    fields: [['purpose', 'fine-tune']],
    file: { field: 'file', filename: 'train.jsonl', contentType: 'application/jsonl', bytes: UPLOAD_BYTES, chunks: fineTuneChunks(UPLOAD_BYTES) },
  });
  const cpu = stopWatching();
  const memory = rss.stop();
  const body = expectStatus(answer, 200, 'POST /v1/files') as UploadFigures['answer'];
  if (body.bytes !== UPLOAD_BYTES || body.purpose !== 'fine-tune' || body.status !== 'processed') {
    throw new Error(`POST /v1/files answered ${JSON.stringify(body)}`);
  }
  const seconds = answer.elapsedMs / 1000;
  return {
    bytes: UPLOAD_BYTES,
    lines: UPLOAD_BYTES / LINE_BYTES,
    seconds,
    megabytesPerSecond: UPLOAD_BYTES / 1e6 / seconds,
    sendSeconds: answer.sentMs / 1000,
    rss: memory,
    rssGrowthBytes: (memory.peakKiB - memory.baselineKiB) * 1024,
    serverCpuPercent: cpu.serverPercent,
    benchCpuPercent: cpu.benchPercent,
    otherCpuPercent: cpu.otherPercent,
    answer: { id: body.id, bytes: body.bytes, purpose: body.purpose, status: body.status },
  };
}

interface FilePage {
  data: Array<{ id: string; created_at: number }>;
  last_id: string | null;
  has_more: boolean;
}

/** One project per size, each with its own key, filled with seeded rows; then the listing, timed. */
async function measureList(client: JsonClient, user: Awaited<ReturnType<typeof signUp>>, databaseUrl: string, tenantry: ServerProcess): Promise<FileListFigures> {
  const projects: Array<{ series: string; files: number; key: string }> = [];
  for (const files of FILE_COUNTS) {
    const projectId = await createProject(client, user.token, user.organizationId, `Files ${files}`);
    const key = await createApiKey(client, user.token, projectId);
    const started = performance.now();
    const { count } = await seedFiles(databaseUrl, { organizationId: user.organizationId, projectId, count: files, before: Math.floor(Date.now() / 1000) });
    if (count !== files) throw new Error(`seeding: the project holds ${count} files, not ${files}`);
    progress(`seeded ${files.toLocaleString('en-US')} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    projects.push({ series: `${files.toLocaleString('en-US')} files`, files, key });
  }
  const pagingChecked = await checkPaging(client, projects[projects.length - 1]!.key);
  progress('file list latency: sequential requests, alternating projects');
  const path = `/v1/files?limit=${PAGE_SIZE}`;
  const latency = await measureSequential(
    projects.map((p) => ({
      name: p.series,
      probe: async () => {
        const response = await client.call<FilePage>('GET', path, { token: p.key });
        const page = expectStatus(response, 200, `GET ${path}`);
        if (page.data.length !== PAGE_SIZE) throw new Error(`GET ${path} answered ${page.data.length} files, not ${PAGE_SIZE}`);
        return response.elapsedMs;
      },
    })),
    LIST,
    [{ name: 'tenantry', pid: tenantry.pid }],
  );
  return { latency, projects: projects.map(({ series, files }) => ({ series, files })), pagingChecked };
}

async function checkPaging(client: JsonClient, key: string): Promise<boolean> {
  const first = expectStatus(await client.call<FilePage>('GET', `/v1/files?limit=${PAGE_SIZE}`, { token: key }), 200, 'first page');
  const second = expectStatus(await client.call<FilePage>('GET', `/v1/files?limit=${PAGE_SIZE}&after=${first.last_id}`, { token: key }), 200, 'second page');
  const items = [...first.data, ...second.data];
  const ordered = items.every((f, i) => i === 0 || f.created_at < items[i - 1]!.created_at || (f.created_at === items[i - 1]!.created_at && f.id < items[i - 1]!.id));
  const ok = first.has_more && first.data.length === PAGE_SIZE && second.data.length === PAGE_SIZE && ordered && new Set(items.map((f) => f.id)).size === items.length;
  if (!ok) throw new Error('file list: pages 1 and 2 are not full, ordered and disjoint');
  return ok;
}

function filesAims({ upload }: FilesFigures): Aim[] {
  return [{ figure: 'server RSS growth during a 200 MB upload (MB)', measured: upload.rssGrowthBytes / 1e6, aim: '< 100 MB', met: upload.rssGrowthBytes < 100e6 }];
}
