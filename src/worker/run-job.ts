import { spawn } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClaimedJob, WorkerClient } from './client.ts';
import { ServerRefusal } from './client.ts';
import { parseTrainerLine, type TrainerLine } from './trainer-lines.ts';

export interface RunOptions {
  /** The trainer command, already split into arguments. */
  command: string[];
  workDir: string;
  heartbeatMs: number;
  log: (message: string) => void;
}

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
 * Runs one claimed job: downloads its files, runs the trainer (no shell) with the four variables,
 * forwards its lines as events, renews the lease, stops the trainer when the job is cancelled or the
 * lease is lost, and reports the outcome with the output folder's files.
 */
export async function runJob(client: WorkerClient, claimed: ClaimedJob, options: RunOptions): Promise<'succeeded' | 'failed' | 'stopped'> {
  const job = claimed.job;
  const jobDir = join(options.workDir, `${job.id}-${Date.now()}`);
  const outputDir = join(jobDir, 'output');
  await mkdir(join(jobDir, 'files'), { recursive: true });
  await mkdir(outputDir, { recursive: true });
  const paths: Record<'training' | 'validation', string> = { training: '', validation: '' };
  for (const file of claimed.files) {
    const destination = join(jobDir, 'files', `${file.role}-${file.id}.jsonl`);
    await client.download(job.id, file.id, destination);
    paths[file.role] = destination;
  }

  const [program, ...args] = options.command;
  const child = spawn(program!, args, {
    cwd: jobDir,
    env: {
      ...process.env,
      TENANTRY_JOB: JSON.stringify(job),
      TENANTRY_TRAINING_FILE: paths.training,
      TENANTRY_VALIDATION_FILE: paths.validation,
      TENANTRY_OUTPUT_DIR: outputDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stopReason: 'cancelled' | 'lease_lost' | undefined;
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
  const loseJob = (error: unknown) => {
    if (error instanceof ServerRefusal && error.status === 409) {
      stopReason ??= error.code === 'job_cancelled' ? 'cancelled' : 'lease_lost';
      stopTrainer();
    } else {
      options.log(`could not reach the server: ${(error as Error).message}`);
    }
  };
  const flush = () => {
    if (pending.length === 0 || stopReason) return reporting;
    const batch = pending.splice(0, pending.length);
    reporting = reporting.then(() => client.report(job.id, batch)).catch(loseJob);
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
  const heartbeatTimer = setInterval(() => {
    client
      .heartbeat(job.id)
      .then((status) => {
        if (status === 'cancelled') {
          stopReason ??= 'cancelled';
          stopTrainer();
        }
      })
      .catch(loseJob);
  }, options.heartbeatMs);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  clearInterval(flushTimer);
  clearInterval(heartbeatTimer);
  await flush();

  if (stopReason) {
    options.log(`job ${job.id}: trainer stopped (${stopReason})`);
    return 'stopped';
  }
  try {
    if (exit.code === 0) {
      for (const path of await filesUnder(outputDir)) {
        if ((await stat(path)).isFile()) await client.uploadResult(job.id, path, relative(outputDir, path));
      }
      await client.complete(job.id, { status: 'succeeded' });
      return 'succeeded';
    }
    const why = exit.error
      ? `the trainer could not start: ${exit.error.message}`
      : (lastErrorMessage ?? lastMessage ?? lastStderr ?? `the trainer exited with ${exit.signal ?? `code ${exit.code}`}`);
    await client.complete(job.id, { status: 'failed', message: why });
    return 'failed';
  } catch (error) {
    loseJob(error);
    return 'stopped';
  }
}
