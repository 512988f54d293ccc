import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics, in a registry of its own (several servers may share a process in
 * tests). The HTTP layer and the gateway engine are told of requests through the `requests` and
 * `gateway` observers (their interfaces are theirs: this module matches them by shape); what another
 * part of the system keeps (the limiter's counters, queue depths, replica health) is read at each
 * scrape through `gauge` and `counter`.
 */

/** One value of a gauge read at scrape time, with its labels. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface GaugeSource {
  name: string;
  help: string;
  labelNames?: string[];
  /** Read at each scrape; a failure leaves the gauge without values for that scrape (and is logged). */
  read: () => Sample[] | Promise<Sample[]>;
}

export interface CounterSource {
  name: string;
  help: string;
  /** The running total, kept by whoever counts (it only grows). */
  read: () => number;
}

export interface Metrics {
  /** Told by the HTTP layer: a request came in, and how it ended. */
  requests: {
    started(): void;
    /** `route` is the route's pattern (`/v1/projects/:project_id`), never the raw URL. */
    finished(method: string, route: string, status: number, seconds: number): void;
  };
  /** Told by the gateway engine (the shape of gateway/observer.ts's GatewayObserver). */
  gateway: {
    rateLimited(model: string): void;
    upstreamAnswered(model: string, status: number, seconds: number): void;
    upstreamFailed(model: string, reason: 'timeout' | 'unreachable'): void;
    firstToken(model: string, seconds: number): void;
  };
  /** Registers a gauge read at each scrape (queue depths, replica health; the batches' depth). */
  gauge(source: GaugeSource): void;
  /** Registers a counter someone else keeps, read at each scrape (the limiter's Redis counters). */
  counter(source: CounterSource): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

/** Seconds; from a cached answer (a millisecond) to a slow stream. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds; a model server answers its headers in milliseconds to minutes. */
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(options: { log?: (message: string, fields: Record<string, unknown>) => void } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const log = options.log ?? (() => {});
  collectDefaultMetrics({ register: registry });

  const requestsTotal = new Counter({ name: 'tenantry_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status (499: the client went away first).', labelNames: ['method', 'route', 'status'], registers });
  const requestSeconds = new Histogram({ name: 'tenantry_http_request_duration_seconds', help: 'Time from a request coming in to its answer ending (a stream: to its last byte), by method and route pattern.', labelNames: ['method', 'route'], buckets: REQUEST_BUCKETS, registers });
  const inFlight = new Gauge({ name: 'tenantry_http_requests_in_flight', help: 'HTTP requests being answered now.', registers });
  const rateLimited = new Counter({ name: 'tenantry_gateway_rate_limited_total', help: 'Inference requests refused with 429 over a project\'s rate limit, by model.', labelNames: ['model'], registers });
  const upstreamTotal = new Counter({ name: 'tenantry_gateway_upstream_requests_total', help: 'Requests sent to model servers, by model and outcome (the HTTP status, or timeout / unreachable).', labelNames: ['model', 'outcome'], registers });
  const upstreamSeconds = new Histogram({ name: 'tenantry_gateway_upstream_duration_seconds', help: 'Time from sending a request to a model server to its status line and headers, by model.', labelNames: ['model'], buckets: UPSTREAM_BUCKETS, registers });
  const firstTokenSeconds = new Histogram({ name: 'tenantry_gateway_time_to_first_token_seconds', help: 'Streams: time from sending the request to the model server to its first chunk, by model.', labelNames: ['model'], buckets: UPSTREAM_BUCKETS, registers });

  return {
    requests: {
      started: () => inFlight.inc(),
      finished(method, route, status, seconds) {
        inFlight.dec();
        requestsTotal.inc({ method, route, status });
        requestSeconds.observe({ method, route }, seconds);
      },
    },
    gateway: {
      rateLimited: (model) => rateLimited.inc({ model }),
      upstreamAnswered(model, status, seconds) {
        upstreamTotal.inc({ model, outcome: status });
        upstreamSeconds.observe({ model }, seconds);
      },
      upstreamFailed: (model, reason) => upstreamTotal.inc({ model, outcome: reason }),
      firstToken: (model, seconds) => firstTokenSeconds.observe({ model }, seconds),
    },
    gauge(source) {
      new Gauge({
        name: source.name,
        help: source.help,
        labelNames: source.labelNames ?? [],
        registers,
        async collect() {
          this.reset();
          let samples: Sample[];
          try {
            samples = await source.read();
          } catch (error) {
            log('a metric could not be read', { metric: source.name, err: error });
            return;
          }
          for (const sample of samples) {
            if (sample.labels) this.set(sample.labels, sample.value);
            else this.set(sample.value);
          }
        },
      });
    },
    counter(source) {
      new Counter({
        name: source.name,
        help: source.help,
        registers,
        collect() {
          // The total is kept elsewhere: the counter shows it as it is at the scrape.
          this.reset();
          this.inc(source.read());
        },
      });
    },
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
