import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from '../config.ts';

export interface Tracing {
  /** Sends what is buffered, then stops tracing in this process. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry traces, exported as OTLP/HTTP JSON to the configured collector in batches. Spans
 * come from three places: the HTTP layer (a server span per request, http/request-tracing.ts), the
 * store (a span per query, store/query-spans.ts, on SQLite and PostgreSQL alike) and the model-server
 * calls (undici's own diagnostics channels, through instrumentation-undici, which also sends the
 * `traceparent` on). No module is patched at load time, so the order of imports does not matter.
 * The SDK is process-wide: one server per process traces.
 */
export function startTracing(settings: TracingSettings): Tracing {
  const exporter = new OTLPTraceExporter({ url: settings.otlpEndpoint, headers: settings.headers });
  // Only calls made while answering a request: no trace of its own for a background call.
  const undici = new UndiciInstrumentation({ requireParentforSpans: true });
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    // A caller's traceparent decides for its own trace; a trace started here is kept at the ratio.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
    instrumentations: [undici],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown();
      // The SDK leaves its instrumentations subscribed; a later server would trace every call twice.
      undici.disable();
      // The globals it registered go too: a later server in this process (tests) starts clean.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
