import { spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { ServerRefusal, type ClaimedJob, type WorkerClient } from './client.ts';
import type { WorkerFolders } from './job-folders.ts';
import { holdLease, type Lease } from './lease.ts';
import { describeError, TransferFailed, withRetries, type RetryPolicy } from './retry.ts';
import { parseTrainerLine, type TrainerLine } from './trainer-lines.ts';

export interface RunOptions {
  /** The trainer command, already split into arguments. */
  command: string[];
  folders: WorkerFolders;
  heartbeatMs: number;
  retry: RetryPolicy;
  log: (message: string) => void;
}

export type JobOutcome = 'succeeded' | 'failed' | 'stopped';

const FLUSH_MS = 300;
const KILL_GRACE_MS = 5_000;

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/**
 * Runs one claimed job in a folder of its own, which is removed afterwards whatever happened (the
 * results are uploaded by then): downloads the job's files, runs the trainer, reports the outcome.
 * The lease is renewed from the claim to the final report.
 */
export async function runJob(client: WorkerClient, claimed: ClaimedJob, options: RunOptions): Promise<JobOutcome> {
  const jobId = claimed.job.id;
  const lease = holdLease(client, jobId, options.heartbeatMs, options.log);
  let jobDir: string | undefined;
  try {
    jobDir = await options.folders.makeJobFolder(jobId);
    return await runInFolder(client, claimed, jobDir, lease, options);
  } finally {
    lease.release();
    if (jobDir) await options.folders.removeJobFolder(jobDir).catch((error) => options.log(`job ${jobId}: could not remove ${jobDir}: ${describeError(error)}`));
  }
}

async function runInFolder(client: WorkerClient, claimed: ClaimedJob, jobDir: string, lease: Lease, options: RunOptions): Promise<JobOutcome> {
  const job = claimed.job;
  const retrying = <T>(what: string, attempt: () => Promise<T>) =>
    withRetries(what, attempt, options.retry, { log: (message) => options.log(`job ${job.id}: ${message}`), abandoned: () => lease.stopReason() !== undefined });

  /** Reports the outcome (retried); a job whose report cannot get through is left to its lease, which lapses and queues it again. */
  const finish = async (outcome: { status: 'succeeded' | 'failed'; message?: string }): Promise<JobOutcome> => {
    try {
      await retrying('report the outcome', () => client.complete(job.id, outcome));
      return outcome.status;
    } catch (error) {
      lease.lose(error);
      return 'stopped';
    }
  };
  /** A transfer that failed: the job lost (409) stops; anything else fails the job, naming the transfer. */
  const transferFailed = (error: unknown, what: string): Promise<JobOutcome> | JobOutcome => {
    if (lease.stopReason() || (error instanceof ServerRefusal && error.status === 409 && lease.lose(error))) return 'stopped';
    const message = error instanceof TransferFailed ? error.message : `could not ${what}: ${describeError(error)}`;
    options.log(`job ${job.id}: ${message}`);
    return finish({ status: 'failed', message });
  };

  const outputDir = join(jobDir, 'output');
  await mkdir(join(jobDir, 'files'), { mode: 0o700 });
  await mkdir(outputDir, { mode: 0o700 });
  const paths: Record<'training' | 'validation', string> = { training: '', validation: '' };
  for (const file of claimed.files) {
    const destination = join(jobDir, 'files', `${file.role}-${file.id}.jsonl`);
    const what = `download the ${file.role} file ${file.id} (${file.filename})`;
    try {
      await retrying(what, () => client.download(job.id, file.id, destination));
    } catch (error) {
      return transferFailed(error, what);
    }
    paths[file.role] = destination;
  }
  if (lease.stopReason()) return 'stopped';

  const exit = await runTrainer(client, job, { jobDir, outputDir, paths, lease, options });
  if (lease.stopReason()) {
    options.log(`job ${job.id}: trainer stopped (${lease.stopReason()})`);
    return 'stopped';
  }
  if (exit.code !== 0) {
    const why = exit.error
      ? `the trainer could not start: ${exit.error.message}`
      : (exit.lastErrorMessage ?? exit.lastMessage ?? exit.lastStderr ?? `the trainer exited with ${exit.signal ?? `code ${exit.code}`}`);
    return finish({ status: 'failed', message: why });
  }
  for (const path of await filesUnder(outputDir)) {
    const name = relative(outputDir, path);
    const what = `upload the result file ${name}`;
    try {
      await retrying(what, () => client.uploadResult(job.id, path, name));
    } catch (error) {
      return transferFailed(error, what);
    }
  }
  return finish({ status: 'succeeded' });
}

interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  lastMessage?: string | undefined;
  lastErrorMessage?: string | undefined;
  lastStderr?: string | undefined;
}

/**
 * Runs the trainer (no shell) with the four variables, forwards its lines as events, and stops it
 * when the job is cancelled or the lease is lost.
 */
async function runTrainer(
  client: WorkerClient,
  job: ClaimedJob['job'],
  context: { jobDir: string; outputDir: string; paths: Record<'training' | 'validation', string>; lease: Lease; options: RunOptions },
): Promise<TrainerExit> {
  const { lease, outputDir } = context;
  const [program, ...args] = context.options.command;
  const child = spawn(program!, args, {
    cwd: context.jobDir,
    env: {
      ...process.env,
      TENANTRY_JOB: JSON.stringify(job),
      TENANTRY_TRAINING_FILE: context.paths.training,
      TENANTRY_VALIDATION_FILE: context.paths.validation,
      TENANTRY_OUTPUT_DIR: outputDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let lastMessage: string | undefined;
  let lastErrorMessage: string | undefined;
  let lastStderr: string | undefined;
  const pending: TrainerLine[] = [];
  let reporting: Promise<void> = Promise.resolve();

  const stopTrainer = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
  };
  lease.onStop(stopTrainer);
  const flush = () => {
    if (pending.length === 0 || lease.stopReason()) return reporting;
    const batch = pending.splice(0, pending.length);
    reporting = reporting.then(() => client.report(job.id, batch)).catch((error) => void lease.lose(error));
    return reporting;
  };

  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = parseTrainerLine(text, outputDir);
    if (!line) return;
    if (line.type === 'message') {
      lastMessage = line.message;
      if (line.level === 'error') lastErrorMessage = line.message;
    }
    pending.push(line);
    if (pending.length >= 100) void flush();
  });
  createInterface({ input: child.stderr }).on('line', (text) => {
    if (text.trim()) lastStderr = text.trim();
  });

  const flushTimer = setInterval(() => void flush(), FLUSH_MS);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  clearInterval(flushTimer);
  await flush();
  return { ...exit, lastMessage, lastErrorMessage, lastStderr };
}
