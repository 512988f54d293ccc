import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OpenAI from 'openai';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tenantry.js');
export const FAKE_TRAINER = join(import.meta.dirname, '..', 'fixtures', 'fake-trainer.mjs');

/** Starts a real `tenantry worker` process, in its own process group so a test can kill it whole. */
export function startWorkerProcess(options: { url: string; token: string; trainerArgs?: string; leaseSeconds?: number; workDir?: string; args?: string[] }): {
  child: ChildProcess;
  output: () => string;
} {
  let output = '';
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'tenantry-worker-'));
  const child = spawn(
    process.execPath,
    [
      BIN,
      'worker',
      '--command',
      `${process.execPath} ${FAKE_TRAINER} ${options.trainerArgs ?? ''}`,
      '--work-dir',
      workDir,
      '--lease-seconds',
      String(options.leaseSeconds ?? 30),
      '--poll-seconds',
      '0.2',
      ...(options.args ?? []),
    ],
    { env: { ...process.env, TENANTRY_URL: options.url, TENANTRY_WORKER_TOKEN: options.token }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** Kills the worker and everything it started (its trainer), as a crash would. */
export function killWorkerGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, signal);
    } catch {
      resolve();
    }
  });
}

export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits for a fine-tuning job to reach an end state, through the SDK; answers the job. */
export function jobFinished(openai: OpenAI, id: string) {
  return waitFor(async () => {
    const job = await openai.fineTuning.jobs.retrieve(id);
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
  }, `job ${id} to finish`);
}
