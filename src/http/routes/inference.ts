import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errors as undiciErrors, request as upstreamRequest, type Dispatcher } from 'undici';
import { z } from 'zod';
import { RateLimiterUnavailableError, type RateLimiter } from '../../gateway/rate-limiter.ts';
import { SseUsageTap, usageOf, type TokenUsage } from '../../gateway/sse-usage.ts';
import type { UsageMeter } from '../../gateway/usage-meter.ts';
import { RateLimitedError, ServiceError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import type { InferenceTarget } from '../../services/inference.ts';
import type { Principal } from '../../services/principal.ts';
import { errorBody } from '../errors.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { errorResponse, refusals } from '../schemas/common.ts';
import { INFERENCE_REQUESTS, type InferencePath } from '../schemas/inference.ts';

export interface GatewayDeps {
  limiter: RateLimiter;
  meter: UsageMeter;
  dispatcher: Dispatcher;
  timeoutMs: number;
  clock: () => number;
}

class UpstreamError extends ServiceError {
  constructor(readonly status: 502 | 504, message: string) {
    super('api_error', message, null, status === 504 ? 'upstream_timeout' : 'upstream_error');
  }
}

class EndpointNotReadyError extends ServiceError {
  constructor(endpointId: string) {
    super('api_error', `The endpoint ${endpointId} has no replica ready yet; try again shortly.`, null, 'endpoint_not_ready');
  }
}

/** fail_closed while Redis is unreachable: refuse rather than admit without the shared limit. */
class LimiterUnavailableError extends ServiceError {
  constructor() {
    super('api_error', 'Rate limits cannot be checked right now; try again shortly.', null, 'rate_limiter_unavailable');
  }
}

const PATHS = Object.keys(INFERENCE_REQUESTS) as InferencePath[];

/** Whether the client itself asked for the final usage chunk of a stream. */
function clientAskedForUsage(body: Record<string, unknown>): boolean {
  return (body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
}

/** The upstream's base URL ends in /v1; the path after /v1 is the same on both sides. */
function upstreamUrl(base: string, path: string): string {
  return base.replace(/\/$/, '') + path.slice('/v1'.length);
}

function isTimeout(error: unknown): boolean {
  return error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || (error as Error)?.name === 'TimeoutError';
}

/**
 * The inference path: authorize, pick the upstream, admit under the rate limit, forward, pass the
 * answer back (streams chunk by chunk with backpressure), and meter the tokens. A client that goes
 * away aborts the upstream request.
 */
export function inferenceRoutes(services: Services, gateway: GatewayDeps): FastifyPluginAsyncZod {
  function meter(log: FastifyBaseLogger, principal: Principal, target: InferenceTarget, usage: TokenUsage | undefined): void {
    const credential = principal.credential;
    gateway.meter.record({
      organizationId: target.organizationId,
      projectId: target.projectId,
      apiKeyId: credential.kind === 'api_key' ? credential.keyId : null,
      model: target.model,
      inputTokens: usage?.input ?? 0,
      outputTokens: usage?.output ?? 0,
      at: gateway.clock(),
    });
    // After the answer went out: nothing waits on it, so its failure is logged here, never thrown.
    gateway.limiter.spend(`${target.projectId}\u0000${target.model}`, (usage?.input ?? 0) + (usage?.output ?? 0)).catch((error: unknown) => {
      log.error({ err: error, model: target.model }, 'tokens not counted against the rate limit');
    });
  }

  return async (app) => {
    for (const path of PATHS) {
      app.post(
        path,
        {
          config: { access: needs('inference.resolve') },
          bodyLimit: 16 * 1024 * 1024,
          schema: {
            tags: ['inference'],
            description: 'OpenAI-compatible; routed by `model` to its upstream.',
            querystring: z.strictObject(projectQuery),
            body: INFERENCE_REQUESTS[path],
            response: { 200: z.unknown(), 429: errorResponse, 502: errorResponse, 503: errorResponse, 504: errorResponse, ...refusals },
          },
        },
        async (request, reply) => {
          const principal = principalOf(request);
          const target = await services.inference.resolve(principal, projectOf(request), request.body.model);
          request.body.model = target.upstreamModel;
          const decision = await gateway.limiter.admit(`${target.projectId}\u0000${target.model}`, target.limits).catch((error: unknown) => {
            throw error instanceof RateLimiterUnavailableError ? new LimiterUnavailableError() : error;
          });
          reply.headers(decision.headers);
          if (!decision.allowed) {
            throw new RateLimitedError(`Rate limit reached for ${target.model} in project ${target.projectId}; try again in ${decision.retryAfterSeconds}s.`, decision.retryAfterSeconds);
          }

          let lease: ReturnType<Extract<InferenceTarget['upstream'], { kind: 'endpoint' }>['acquire']>;
          if (target.upstream.kind === 'endpoint') {
            lease = target.upstream.acquire();
            if (!lease) throw new EndpointNotReadyError(target.upstream.endpointId);
            const held = lease;
            reply.raw.once('close', () => held.release());
          }
          const baseUrl = target.upstream.kind === 'shared' ? target.upstream.url : lease!.url;
          const streaming = request.body.stream === true;
          // The upstream always sends the usage chunk so that the stream can be metered, even when the
          // client did not ask for it (or said no); the tap then keeps it from the client.
          const meteredStream = streaming && path !== '/v1/embeddings';
          const body = meteredStream
            ? { ...request.body, stream_options: { ...((request.body.stream_options as object | null | undefined) ?? {}), include_usage: true } }
            : request.body;
          const abort = new AbortController();
          request.raw.once('close', () => {
            if (!reply.raw.writableFinished) abort.abort();
          });
          let upstream: Dispatcher.ResponseData;
          try {
            upstream = await upstreamRequest(upstreamUrl(baseUrl, path), {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept: streaming ? 'text/event-stream' : 'application/json' },
              body: JSON.stringify(body),
              signal: abort.signal,
              dispatcher: gateway.dispatcher,
              headersTimeout: gateway.timeoutMs,
              bodyTimeout: gateway.timeoutMs,
            });
          } catch (error) {
            if (abort.signal.aborted) return reply;
            if (isTimeout(error)) throw new UpstreamError(504, `The model server for ${target.model} did not answer in time.`);
            throw new UpstreamError(502, `The model server for ${target.model} could not be reached.`);
          }

          if (upstream.statusCode === 404) target.onUpstreamNotFound?.();
          if (upstream.statusCode >= 500) {
            await upstream.body.dump();
            throw new UpstreamError(502, `The model server for ${target.model} failed (HTTP ${upstream.statusCode}).`);
          }
          const contentType = String(upstream.headers['content-type'] ?? 'application/json');
          if (!streaming || upstream.statusCode >= 400 || !contentType.includes('text/event-stream')) {
            let text: string;
            try {
              text = await upstream.body.text();
            } catch (error) {
              if (isTimeout(error)) throw new UpstreamError(504, `The model server for ${target.model} did not finish in time.`);
              throw new UpstreamError(502, `The model server for ${target.model} broke off its answer.`);
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              throw new UpstreamError(502, `The model server for ${target.model} answered something that is not JSON.`);
            }
            if (upstream.statusCode < 400) meter(request.log, principal, target, usageOf(parsed));
            return reply.status(upstream.statusCode).header('content-type', 'application/json').send(text);
          }

          // A stream: hand the socket over and pipe chunk by chunk; backpressure runs end to end.
          reply.hijack();
          reply.raw.writeHead(upstream.statusCode, { ...decision.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          const tap = new SseUsageTap({ forwardUsageChunk: clientAskedForUsage(request.body) });
          try {
            await pipeline(upstream.body, tap, reply.raw);
            meter(request.log, principal, target, tap.usage);
          } catch (error) {
            if (!abort.signal.aborted) {
              request.log.warn({ err: error, model: target.model }, 'stream from the model server broke off');
              if (!reply.raw.writableEnded) {
                reply.raw.end(`data: ${JSON.stringify(errorBody('api_error', 'The model server broke off the stream.', null, 'upstream_error'))}\n\n`);
              }
            }
            meter(request.log, principal, target, tap.usage);
          }
          return reply;
        },
      );
    }
  };
}
