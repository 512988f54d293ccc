import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayEngine } from '../../gateway/engine.ts';
import { UpstreamError } from '../../gateway/upstream-errors.ts';
import type { Services } from '../../services/index.ts';
import { errorBody } from '../errors.ts';
import { projectOf, projectQuery } from '../project-context.ts';
import { needs, principalOf } from '../route-access.ts';
import { errorResponse, refusals } from '../schemas/common.ts';
import { INFERENCE_REQUESTS, type InferencePath } from '../schemas/inference.ts';

const PATHS = Object.keys(INFERENCE_REQUESTS) as InferencePath[];

/** What the client reads when a stream breaks off after it started: the status line is already sent. */
function brokenStreamEvent(): string {
  const error = new UpstreamError(502, 'The model server broke off the stream.');
  return `data: ${JSON.stringify(errorBody(error.type, error.message, error.param, error.code))}\n\n`;
}

/**
 * Pipes a stream to the client (backpressure is pipe's). A stream that breaks off ends with an error
 * event in the API's shape (the engine logged why); a client that goes away destroys the stream, which
 * abandons the upstream. Not `stream.pipeline`: see gateway/join-streams.ts.
 */
function sendStream(body: Readable, response: ServerResponse, clientLeft: () => boolean): void {
  body.once('error', () => {
    body.unpipe(response);
    if (!clientLeft() && !response.writableEnded) response.end(brokenStreamEvent());
  });
  response.once('close', () => {
    if (!body.readableEnded && !body.destroyed) body.destroy();
  });
  body.pipe(response);
}

/**
 * The OpenAI-compatible inference routes: validate, let the inference service resolve the target
 * (authorization, routing, model policy, limits), let the gateway engine admit and forward it, and
 * write what comes back: a whole JSON answer, or a stream piped with backpressure end to end. A client
 * that goes away aborts the upstream request.
 */
export function inferenceRoutes(services: Services, gateway: GatewayEngine): FastifyPluginAsyncZod {
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
          const credential = principal.credential;
          const apiKeyId = credential.kind === 'api_key' ? credential.keyId : null;
          const admission = await gateway.admit(target, apiKeyId);
          reply.headers(admission.headers);
          if (admission.refusal) throw admission.refusal;

          const abort = new AbortController();
          request.raw.once('close', () => {
            if (!reply.raw.writableFinished) abort.abort();
          });
          const answer = await gateway.forward({ target, path, body: request.body, signal: abort.signal, apiKeyId, requestId: request.id });
          if (answer.kind === 'abandoned') return reply;
          if (answer.kind === 'json') return reply.status(answer.status).header('content-type', 'application/json').send(answer.text);

          // A stream: hand the socket over and pipe chunk by chunk; backpressure runs end to end.
          reply.hijack();
          reply.raw.writeHead(answer.status, { ...admission.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          sendStream(answer.body, reply.raw, () => abort.signal.aborted);
          return reply;
        },
      );
    }
  };
}
