import type { BatchSettings } from '../../config.ts';
import type { GatewayEngine, GatewayTarget } from '../../gateway/engine.ts';
import type { Clock } from '../../infra/clock.ts';
import type { FileStorage } from '../../infra/file-storage.ts';
import { ACTIVE_STATUSES, type BatchLineRecord, type BatchRecord } from '../../store/batches.ts';
import type { Store } from '../../store/store.ts';
import { type AuditLog, systemActor } from '../audit.ts';
import { ServiceError } from '../errors.ts';
import type { Leadership } from '../leader-election.ts';
import { answeredLine, refusedLine, unsentLine, writeResultFile, type ResultLine, type WrittenFile } from './batch-results.ts';

export interface BatchProcessorDeps {
  store: Store;
  clock: Clock;
  storage: FileStorage;
  audit: AuditLog;
  /** The inference service's routing for a batch's line: model policy, upstream and limits of now. */
  route: (organizationId: string, projectId: string, model: string) => Promise<GatewayTarget>;
  gateway: GatewayEngine;
  settings: BatchSettings;
  /** Only the leader among the instances on one database processes batches. */
  leadership: Leadership;
  log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export interface BatchProcessor {
  /** Looks for work now rather than at the next poll (a batch was created or cancelled here). */
  wake(): void;
  start(): void;
  /** Stops sending; waits a little for what is in flight, then abandons it (it is sent again after the restart). */
  close(): Promise<void>;
  /** Lines in flight on this instance. */
  inFlight(): number;
  /** Batches not finished yet (in progress, cancelling or finalizing), over all instances: the queue's depth. */
  queued(): Promise<number>;
}

/** How long `close` lets lines in flight finish before it abandons them. */
const CLOSE_GRACE_MS = 5_000;
/** A batch's requests wait this long when the rate limiter cannot be asked (fail_closed while Redis is away). */
const LIMITER_BACKOFF_MS = 1_000;

/**
 * Sends the lines of the active batches through the gateway, at most `concurrency` at a time over all
 * of them, within `rate_limit_share` of each project's limits (waiting for the next window when its
 * share is spent), and records each line's result before it counts it. Each line is marked `sending`
 * before it is sent, so that after a crash exactly the lines that may have reached a model are sent
 * again, once; every other line is sent once. When no line is left the batch's output and error files
 * are written and the batch completes; a cancelled or expired batch first lets its lines in flight
 * finish, then lists the unsent ones in its error file.
 */
export function createBatchProcessor(deps: BatchProcessorDeps): BatchProcessor {
  const { store, clock, settings } = deps;
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  const inFlightOf = new Map<string, number>();
  /** `<project>\0<model>` -> when (ms) its batch requests may try again, after a refusal of the limiter. */
  const waitUntil = new Map<string, number>();
  let inFlight = 0;
  let resumed = false;
  let ticking = false;
  let again = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const busy = (batchId: string) => inFlightOf.get(batchId) ?? 0;
  const limitKey = (batch: BatchRecord, model: string) => `${batch.project_id}\u0000${model}`;

  async function finishLine(batch: BatchRecord, line: BatchLineRecord, result: ResultLine, succeeded: boolean): Promise<void> {
    await store.batches.finishLine(batch.id, line.line, succeeded ? 'succeeded' : 'failed', JSON.stringify(result));
  }

  async function send(batch: BatchRecord, line: BatchLineRecord): Promise<void> {
    if (!(await store.batches.markSending(batch.id, line.line))) return;
    let target: GatewayTarget;
    try {
      target = await deps.route(batch.organization_id, batch.project_id, line.model);
    } catch (error) {
      if (error instanceof ServiceError) return finishLine(batch, line, refusedLine(line.custom_id, error), false);
      throw error;
    }
    let admitted: boolean;
    try {
      const admission = await deps.gateway.admitShare(target, settings.rateLimitShare, batch.api_key_id || null);
      // A spent hard budget refuses the line as it refuses an interactive call: its result says so.
      if (admission.refusal) return finishLine(batch, line, refusedLine(line.custom_id, admission.refusal), false);
      admitted = admission.allowed;
      if (!admitted) waitUntil.set(limitKey(batch, line.model), Date.now() + admission.retryAfterSeconds * 1000);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      admitted = false;
      waitUntil.set(limitKey(batch, line.model), Date.now() + LIMITER_BACKOFF_MS);
    }
    if (!admitted) {
      // Nothing was sent: the line goes back to the queue as if never taken.
      await store.batches.unmarkSending(batch.id, line.line);
      return;
    }
    let answer;
    try {
      answer = await deps.gateway.forward({ target, path: batch.endpoint, body: line.body, signal: abort.signal, apiKeyId: batch.api_key_id, batch: true });
    } catch (error) {
      if (error instanceof ServiceError) return finishLine(batch, line, refusedLine(line.custom_id, error), false);
      throw error;
    }
    // Abandoned on shutdown: the line stays `sending` and is sent again after the restart.
    if (answer.kind === 'abandoned') return;
    if (answer.kind === 'stream') {
      answer.body.destroy();
      return finishLine(batch, line, answeredLine(line.custom_id, 502, { error: { message: 'The model server answered a stream to a request that did not ask for one.', type: 'api_error', param: null, code: 'upstream_error' } }), false);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      body = answer.text;
    }
    const succeeded = answer.status < 400;
    await finishLine(batch, line, answeredLine(line.custom_id, answer.status, body), succeeded);
  }

  function start(batch: BatchRecord, line: BatchLineRecord): void {
    inFlight += 1;
    inFlightOf.set(batch.id, busy(batch.id) + 1);
    const work = send(batch, line)
      .catch(async (error: unknown) => {
        deps.log('error', 'a batch line could not be processed; it goes back to the queue', { batch: batch.id, line: line.line, err: error });
        waitUntil.set(limitKey(batch, line.model), Date.now() + LIMITER_BACKOFF_MS);
        await store.batches.unmarkSending(batch.id, line.line).catch(() => {});
      })
      .finally(() => {
        inFlight -= 1;
        const left = busy(batch.id) - 1;
        if (left > 0) inFlightOf.set(batch.id, left);
        else inFlightOf.delete(batch.id);
        running.delete(work);
        wake();
      });
    running.add(work);
  }

  /** Lines never sent go to the error file with `batch_expired` or `batch_cancelled`. */
  async function closeUnsent(batch: BatchRecord, code: 'batch_expired' | 'batch_cancelled'): Promise<void> {
    for (;;) {
      const lines = await store.batches.pendingLines(batch.id, 500);
      if (lines.length === 0) return;
      await store.transaction(async (tx) => {
        for (const line of lines) await tx.batches.finishLine(batch.id, line.line, 'failed', JSON.stringify(unsentLine(line.custom_id, code)));
      });
    }
  }

  /** Writes the result files and ends the batch, all in one transaction with the files' audit events. */
  async function finish(batch: BatchRecord, status: 'completed' | 'cancelled' | 'expired'): Promise<void> {
    const now = clock();
    const written: WrittenFile[] = [];
    try {
      const output = await writeResultFile(store, deps.storage, batch, 'succeeded', now);
      if (output) written.push(output);
      const errors = await writeResultFile(store, deps.storage, batch, 'failed', now);
      if (errors) written.push(errors);
      const done = await store.transaction(async (tx) => {
        const current = await tx.batches.lock(batch.id);
        if (!current || !ACTIVE_STATUSES.includes(current.status)) return false;
        for (const file of written) {
          await tx.files.insert(file.record);
          await deps.audit.record(tx, systemActor(), {
            type: 'file.created',
            organizationId: batch.organization_id,
            projectId: batch.project_id,
            resource: { type: 'file', id: file.record.id },
            data: { filename: file.record.filename, purpose: file.record.purpose, bytes: file.record.bytes, batch_id: batch.id },
          });
        }
        await tx.batches.update(batch.id, {
          status,
          output_file_id: output?.record.id ?? null,
          error_file_id: errors?.record.id ?? null,
          ...(status === 'completed' ? { completed_at: now } : status === 'cancelled' ? { cancelled_at: now } : { expired_at: now }),
        });
        // Visible on disk just before the rows commit; a failed commit removes them again (below).
        for (const file of written) await file.pending.commit();
        return true;
      });
      if (!done) for (const file of written) await file.pending.abort();
      else deps.log('info', `batch ${status}`, { batch: batch.id });
    } catch (error) {
      for (const file of written) {
        await file.pending.abort().catch(() => {});
        await deps.storage.remove(file.record.id).catch(() => {});
      }
      throw error;
    }
  }

  /**
   * An archived project refuses every write and its keys stop working: its batches stop too, cancelled
   * by the system (with their `batch.cancelled` event) and kept with what they had done.
   */
  async function cancelForArchivedProject(batch: BatchRecord, now: number): Promise<void> {
    await store.transaction(async (tx) => {
      const latest = await tx.batches.lock(batch.id);
      if (latest?.status !== 'in_progress') return;
      await tx.batches.update(batch.id, { status: 'cancelling', cancelling_at: now });
      await deps.audit.record(tx, systemActor(), {
        type: 'batch.cancelled',
        organizationId: batch.organization_id,
        projectId: batch.project_id,
        resource: { type: 'batch', id: batch.id },
        data: { previous_status: latest.status, reason: 'project_archived' },
      });
    });
    deps.log('info', 'batch cancelled: its project was archived', { batch: batch.id, project: batch.project_id });
  }

  async function advance(batch: BatchRecord, now: number): Promise<void> {
    if (batch.status === 'in_progress' && (await store.projects.find(batch.project_id))?.status !== 'active') {
      await cancelForArchivedProject(batch, now);
      return;
    }
    if (batch.status === 'finalizing') {
      if (busy(batch.id) === 0) await finish(batch, 'completed');
      return;
    }
    const stopping = batch.status === 'cancelling' ? 'batch_cancelled' : now >= batch.expires_at ? 'batch_expired' : undefined;
    if (stopping) {
      // In-flight lines finish first; their results are kept.
      if (busy(batch.id) > 0) return;
      await closeUnsent(batch, stopping);
      await finish(batch, stopping === 'batch_cancelled' ? 'cancelled' : 'expired');
      return;
    }
    const free = settings.concurrency - inFlight;
    if (free > 0) {
      const nowMs = Date.now();
      for (const line of await store.batches.pendingLines(batch.id, free)) {
        if ((waitUntil.get(limitKey(batch, line.model)) ?? 0) > nowMs) continue;
        if (closed || settings.concurrency - inFlight <= 0) break;
        start(batch, line);
      }
    }
    if (busy(batch.id) > 0) return;
    if ((await store.batches.countInState(batch.id, ['pending', 'sending'])) > 0) return;
    const finalizing = await store.transaction(async (tx) => {
      const latest = await tx.batches.lock(batch.id);
      if (latest?.status !== 'in_progress') return false;
      await tx.batches.update(batch.id, { status: 'finalizing', finalizing_at: now });
      return true;
    });
    if (finalizing) await finish(batch, 'completed');
  }

  async function pass(): Promise<void> {
    if (closed) return;
    if (!deps.leadership.isLeader()) {
      resumed = false;
      return;
    }
    if (!resumed) {
      // Lines left `sending` by a process that died (or by this one, before it lost and regained the
      // lead) may have reached a model: they are sent once more. Only with nothing in flight here.
      if (inFlight > 0) return;
      const requeued = await store.batches.requeueSending();
      if (requeued > 0) deps.log('warn', 'batch lines that were in flight when the last processor stopped are sent again', { lines: requeued });
      resumed = true;
    }
    const now = clock();
    for (const batch of await store.batches.active()) {
      if (closed) return;
      try {
        await advance(batch, now);
      } catch (error) {
        deps.log('error', 'a batch could not be advanced; it is tried again at the next poll', { batch: batch.id, err: error });
      }
    }
  }

  async function tick(): Promise<void> {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      do {
        again = false;
        await pass();
      } while (again && !closed);
    } catch (error) {
      deps.log('error', 'the batch processor failed a pass; it tries again at the next poll', { err: error });
    } finally {
      ticking = false;
    }
  }

  function wake(): void {
    if (!closed) void tick();
  }

  return {
    wake,
    start() {
      timer = setInterval(wake, settings.pollIntervalMs);
      timer.unref();
      wake();
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      const settled = Promise.allSettled([...running]);
      const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([settled, grace]);
      abort.abort();
      await settled;
    },
    inFlight: () => inFlight,
    queued: () => store.batches.countActive(),
  };
}
