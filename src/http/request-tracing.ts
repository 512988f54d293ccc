import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

const tracer = () => trace.getTracer('tenantry-http');

/**
 * A server span per request, continuing the caller's trace when it sends a `traceparent`. The rest
 * of the request (authentication, the service, its queries, the upstream call) runs inside the span's
 * context, so their spans are its children and log lines carry its trace id. Its attributes are the
 * method, the route's pattern, the path and the status: never a header, a query string or a body,
 * where credentials travel.
 */
export function registerRequestTracing(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span: Span = tracer().startSpan(
      `${request.method} ${route ?? 'unmatched'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          ...(route ? { 'http.route': route } : {}),
          'url.path': request.url.split('?')[0]!,
          'tenantry.request_id': request.id,
        },
      },
      parent,
    );
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (!reply.raw.writableEnded) span.setAttribute('tenantry.client_went_away', true);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), done);
  });
}

/** For pino's mixin: the trace and span of the request a log line is written in. */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
