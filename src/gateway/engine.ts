import type { Readable } from 'node:stream';
import { errors as undiciErrors, request as upstreamRequest, type Dispatcher } from 'undici';
import { RateLimitedError, type BudgetExceededError } from '../services/errors.ts';
import type { ReplicaLease } from './provisioner/provisioner.ts';
import { RateLimiterUnavailableError, type Limits, type RateLimiter } from './rate-limiter.ts';
import { SseUsageTap, usageOf, type TokenUsage } from './sse-usage.ts';
import { EndpointNotReadyError, LimiterUnavailableError, UpstreamError } from './upstream-errors.ts';
import type { UsageMeter } from './usage-meter.ts';
import { joinStreams } from './join-streams.ts';
import { NO_OBSERVER, type GatewayObserver } from './observer.ts';
import type { BudgetGuard } from './budget-guard.ts';

/** Where a call goes and what it counts against; the inference service resolves it from `model`. */
export interface GatewayTarget {
  organizationId: string;
  projectId: string;
  /** The model as the caller named it: what limits, permissions and usage count by. */
  model: string;
  /** The `model` the upstream knows it by (a template's model, a fine-tuned model's adapter name). */
  upstreamModel: string;
  limits: Limits;
  /** Called when the upstream answers 404: it may have forgotten an adapter it had loaded. */
  onUpstreamNotFound?: () => void;
  /** A shared model's upstream base URL, or a dedicated endpoint's replica picker. */
  upstream: { kind: 'shared'; url: string } | { kind: 'endpoint'; endpointId: string; acquire: () => ReplicaLease | undefined };
}

export interface GatewayCall {
  target: GatewayTarget;
  /** The OpenAI path (`/v1/chat/completions`, ...); the same after the upstream's base URL. */
  path: string;
  /** The request body as validated, `model` as the caller named it. */
  body: Record<string, unknown>;
  /** Aborted when the client goes away: the upstream request is abandoned with it. */
  signal: AbortSignal;
  /** The API key the usage is metered under, if the caller used one. */
  apiKeyId: string | null;
  /** The HTTP request's id, named in what the engine logs about the call. */
  requestId?: string;
  /** A line of a batch: its usage is metered as batch usage. */
  batch?: boolean;
}

export type GatewayAnswer =
  /** The upstream's answer whole (a 2xx or 4xx; 5xx are UpstreamError). */
  | { kind: 'json'; status: number; text: string }
  /** A server-sent event stream, to be piped to the client; metered and its lease released when it closes. */
  | { kind: 'stream'; status: number; body: Readable }
  /** The client went away before an answer came: there is nothing to write. */
  | { kind: 'abandoned' };

export interface Admission {
  /** The rate-limit headers: they go on every inference answer, the refusal included. */
  headers: Record<string, string>;
  /** Set when the call is over its limits: thrown by the caller once the headers are on the answer. */
  refusal: RateLimitedError | undefined;
}

export interface GatewayEngineDeps {
  /** Keep-alive connections to the model servers; owned (and closed) by the composition root. */
  dispatcher: Dispatcher;
  limiter: RateLimiter;
  meter: UsageMeter;
  /** Hard budgets, checked after the rate limits; absent: no budgets are enforced (benchmarks compare both). */
  budgets?: BudgetGuard | undefined;
  /** For the upstream's headers and for each pause between body chunks. */
  timeoutMs: number;
  /** Unix seconds, for the usage buckets. */
  clock: () => number;
  log: (level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** Told of refusals, upstream latency and time to first token (metrics); none by default. */
  observer?: GatewayObserver;
}

/** Whether a batch's request may go now, within its share of the limits; else when to try again. */
export interface ShareAdmission {
  allowed: boolean;
  retryAfterSeconds: number;
  /** A spent hard budget: the request is not to be sent at all (waiting would outlast the window). */
  refusal?: BudgetExceededError | undefined;
}

export interface GatewayEngine {
  /** `apiKeyId`: the key the call comes with, whose key-level budgets apply. */
  admit(target: GatewayTarget, apiKeyId?: string | null): Promise<Admission>;
  /**
   * Admission for a batch's request: only `share` (0..1] of the target's limits, refusals not counted;
   * then the same hard budgets as any call with `apiKeyId`.
   */
  admitShare(target: GatewayTarget, share: number, apiKeyId?: string | null): Promise<ShareAdmission>;
  forward(call: GatewayCall): Promise<GatewayAnswer>;
}

/** The upstream's base URL ends in /v1; the path after /v1 is the same on both sides. */
function upstreamUrl(base: string, path: string): string {
  return base.replace(/\/$/, '') + path.slice('/v1'.length);
}

function isTimeout(error: unknown): boolean {
  return error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || (error as Error)?.name === 'TimeoutError';
}

const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/**
 * A request that failed before any byte of an answer came: the replica refused the connection or
 * dropped it (it died, or a kept-alive socket to it was dead). Only these are retried on another
 * replica. An inference POST changes nothing upstream but the compute spent, so sending it again after
 * nothing was received is safe; once the answer started it is never sent again (the client may already
 * hold part of it), nor after a timeout (the replica may still be working on it).
 */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && CONNECTION_FAILURES.has(code);
}

/** Whether the client itself asked for the final usage chunk of a stream. */
function clientAskedForUsage(body: Record<string, unknown>): boolean {
  return (body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
}

const NO_LEASE = (): void => {};

/** An upstream's answer and when its request went out (for the time to first token). */
interface Sent {
  upstream: Dispatcher.ResponseData;
  sentAt: number;
}

/**
 * The inference path past the decisions of the inference service: admission under the rate limits,
 * forwarding to the upstream (a shared model's server, or a dedicated endpoint's replica, with one
 * retry on the next replica when a connection fails), upstream failures in one error shape, streams
 * passed through chunk by chunk with their usage read on the way, metering, and the replica lease
 * released exactly once however the call ends.
 */
export function createGatewayEngine(deps: GatewayEngineDeps): GatewayEngine {
  const limiterKey = (target: GatewayTarget) => `${target.projectId}\u0000${target.model}`;
  const observer = deps.observer ?? NO_OBSERVER;

  function meter(call: GatewayCall, usage: TokenUsage | undefined): void {
    const { target } = call;
    deps.meter.record({
      organizationId: target.organizationId,
      projectId: target.projectId,
      apiKeyId: call.apiKeyId,
      model: target.model,
      inputTokens: usage?.input ?? 0,
      outputTokens: usage?.output ?? 0,
      batch: call.batch === true,
      at: deps.clock(),
    });
    deps.budgets?.record(target, call.apiKeyId, usage);
    // After the answer went out: nothing waits on it, so its failure is logged here, never thrown.
    deps.limiter.spend(limiterKey(target), (usage?.input ?? 0) + (usage?.output ?? 0)).catch((error: unknown) => {
      deps.log('error', 'tokens not counted against the rate limit', { err: error, model: target.model, reqId: call.requestId });
    });
  }

  /** The base URL to call and the release of what was leased for it. */
  function pick(target: GatewayTarget): { url: string; release: () => void } {
    if (target.upstream.kind === 'shared') return { url: target.upstream.url, release: NO_LEASE };
    const lease = target.upstream.acquire();
    if (!lease) throw new EndpointNotReadyError(target.upstream.endpointId);
    return lease;
  }

  /** Another replica than the one that failed, or nothing when there is none. */
  function pickAnother(target: GatewayTarget, failedUrl: string): ReplicaLease | undefined {
    if (target.upstream.kind !== 'endpoint') return undefined;
    const lease = target.upstream.acquire();
    if (lease && lease.url === failedUrl) {
      lease.release();
      return undefined;
    }
    return lease;
  }

  /** Sends the call; the upstream's answer (or failure) is told to the observer with its latency. */
  async function send(baseUrl: string, call: GatewayCall, payload: string, streaming: boolean): Promise<Sent> {
    const sentAt = performance.now();
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(baseUrl, call, payload, streaming);
    } catch (error) {
      if (!call.signal.aborted) observer.upstreamFailed(call.target.model, isTimeout(error) ? 'timeout' : 'unreachable');
      throw error;
    }
    observer.upstreamAnswered(call.target.model, upstream.statusCode, (performance.now() - sentAt) / 1000);
    return { upstream, sentAt };
  }

  function request(baseUrl: string, call: GatewayCall, payload: string, streaming: boolean): Promise<Dispatcher.ResponseData> {
    return upstreamRequest(upstreamUrl(baseUrl, call.path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: streaming ? 'text/event-stream' : 'application/json' },
      body: payload,
      signal: call.signal,
      dispatcher: deps.dispatcher,
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
    });
  }

  function unreachable(error: unknown, model: string): UpstreamError {
    if (isTimeout(error)) return new UpstreamError(504, `The model server for ${model} did not answer in time.`);
    return new UpstreamError(502, `The model server for ${model} could not be reached.`);
  }

  /** Reads a whole answer; the lease is released by the caller once this settles. */
  async function whole(call: GatewayCall, upstream: Dispatcher.ResponseData): Promise<GatewayAnswer> {
    const { model } = call.target;
    let text: string;
    try {
      text = await upstream.body.text();
    } catch (error) {
      if (call.signal.aborted) return { kind: 'abandoned' };
      if (isTimeout(error)) throw new UpstreamError(504, `The model server for ${model} did not finish in time.`);
      throw new UpstreamError(502, `The model server for ${model} broke off its answer.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UpstreamError(502, `The model server for ${model} answered something that is not JSON.`);
    }
    if (upstream.statusCode < 400) meter(call, usageOf(parsed));
    return { kind: 'json', status: upstream.statusCode, text };
  }

  /** Passes the stream on through the usage tap; when the tap closes (end, error or abort) the call is metered and the lease released. */
  function streamed(call: GatewayCall, { upstream, sentAt }: Sent, release: () => void): GatewayAnswer {
    const tap = new SseUsageTap({ forwardUsageChunk: clientAskedForUsage(call.body) });
    tap.once('close', () => {
      release();
      meter(call, tap.usage);
    });
    joinStreams(upstream.body, tap, (error) => {
      if (!call.signal.aborted) deps.log('warn', 'stream from the model server broke off', { err: error, model: call.target.model, reqId: call.requestId });
    });
    // After the pipe is attached, so that listening does not start the flow ahead of it.
    upstream.body.once('data', () => observer.firstToken(call.target.model, (performance.now() - sentAt) / 1000));
    return { kind: 'stream', status: upstream.statusCode, body: tap };
  }

  return {
    async admit(target, apiKeyId = null) {
      const decision = await deps.limiter.admit(limiterKey(target), target.limits).catch((error: unknown) => {
        throw error instanceof RateLimiterUnavailableError ? new LimiterUnavailableError() : error;
      });
      if (!decision.allowed) {
        observer.rateLimited(target.model);
        const refusal = new RateLimitedError(`Rate limit reached for ${target.model} in project ${target.projectId}; try again in ${decision.retryAfterSeconds}s.`, decision.retryAfterSeconds);
        return { headers: decision.headers, refusal };
      }
      return { headers: decision.headers, refusal: await deps.budgets?.admit(target, apiKeyId) };
    },

    async admitShare(target, share, apiKeyId = null) {
      const decision = await deps.limiter.admitShare(limiterKey(target), target.limits, share).catch((error: unknown) => {
        throw error instanceof RateLimiterUnavailableError ? new LimiterUnavailableError() : error;
      });
      if (!decision.allowed) return decision;
      return { ...decision, refusal: await deps.budgets?.admit(target, apiKeyId) };
    },

    async forward(call) {
      const { target, body } = call;
      const streaming = body.stream === true;
      // The upstream always sends the usage chunk so that the stream can be metered, even when the
      // client did not ask for it (or said no); the tap then keeps it from the client.
      const meteredStream = streaming && call.path !== '/v1/embeddings';
      const payload = JSON.stringify(
        meteredStream
          ? { ...body, model: target.upstreamModel, stream_options: { ...((body.stream_options as object | null | undefined) ?? {}), include_usage: true } }
          : { ...body, model: target.upstreamModel },
      );

      let leased = pick(target);
      let sent: Sent;
      try {
        sent = await send(leased.url, call, payload, streaming);
      } catch (error) {
        leased.release();
        if (call.signal.aborted) return { kind: 'abandoned' };
        const another = isConnectionFailure(error) ? pickAnother(target, leased.url) : undefined;
        if (!another) throw unreachable(error, target.model);
        leased = another;
        try {
          sent = await send(leased.url, call, payload, streaming);
        } catch (retryError) {
          leased.release();
          if (call.signal.aborted) return { kind: 'abandoned' };
          throw unreachable(retryError, target.model);
        }
      }

      // From here the lease is released once: by the stream's close, or when the whole answer is read.
      const { upstream } = sent;
      const contentType = String(upstream.headers['content-type'] ?? 'application/json');
      if (streaming && upstream.statusCode < 400 && contentType.includes('text/event-stream')) {
        const lease = leased;
        return streamed(call, sent, () => lease.release());
      }
      try {
        if (upstream.statusCode === 404) target.onUpstreamNotFound?.();
        if (upstream.statusCode >= 500) {
          await upstream.body.dump();
          throw new UpstreamError(502, `The model server for ${target.model} failed (HTTP ${upstream.statusCode}).`);
        }
        return await whole(call, upstream);
      } finally {
        leased.release();
      }
    },
  };
}
